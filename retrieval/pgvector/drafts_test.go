package pgvector

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/storetest"
)

func TestDrafts(t *testing.T) {
	testURL(t)
	storetest.RunDrafts(t, func(t *testing.T) draft.Store { return openTest(t) })
}

// smallDraft returns a pending draft named id with n sections of one sentence each.
func smallDraft(id string, n int) *draft.Draft {
	created := time.Date(2025, 6, 30, 17, 4, 5, 123456000, time.UTC)
	d := &draft.Draft{ID: id, Title: "松林镇2025年上半年工作总结", Status: draft.StatusPending, Model: "offline",
		CreatedAt: created, UpdatedAt: created}
	for i := range n {
		d.Sections = append(d.Sections, draft.Section{Index: i, Heading: fmt.Sprintf("第%d部分", i+1), Status: draft.StatusReady,
			Sentences: []draft.Sentence{{ID: fmt.Sprintf("s%d-0", i), Text: "完成老旧小区改造6个。", Generated: true, Risk: draft.RiskLow}}})
	}
	return d
}

func TestDraftWrites(t *testing.T) {
	testURL(t)
	t.Run("CreateDraft sets zero times to now as they are stored", func(t *testing.T) {
		s := openTest(t)
		start := time.Now()
		d := &draft.Draft{ID: "d-now", Title: "无时间的稿", Status: draft.StatusPending}
		if err := s.CreateDraft(t.Context(), d); err != nil {
			t.Fatalf("CreateDraft: %v", err)
		}
		if d.CreatedAt.Before(start.Add(-time.Second)) || d.CreatedAt.After(time.Now()) || !d.UpdatedAt.Equal(d.CreatedAt) {
			t.Errorf("CreateDraft set CreatedAt %v and UpdatedAt %v; want both now", d.CreatedAt, d.UpdatedAt)
		}
		got, err := s.Draft(t.Context(), d.ID)
		if err != nil {
			t.Fatalf("Draft: %v", err)
		}
		if !got.CreatedAt.Equal(d.CreatedAt) || !got.UpdatedAt.Equal(d.UpdatedAt) {
			t.Errorf("stored times %v and %v, want %v as set", got.CreatedAt, got.UpdatedAt, d.CreatedAt)
		}
	})
	t.Run("CreateDraft with two sections at one index conflicts and stores nothing", func(t *testing.T) {
		s := openTest(t)
		d := smallDraft("d-twice", 2)
		d.Sections[1].Index = 0
		if err := s.CreateDraft(t.Context(), d); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Fatalf("CreateDraft = %v, want code %s", err, retrieval.ECONFLICT)
		}
		if _, err := s.Draft(t.Context(), d.ID); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
			t.Fatalf("Draft after the failed CreateDraft = %v, want code %s", err, retrieval.ENOTFOUND)
		}
	})
	t.Run("SaveReview naming a section twice is invalid and changes nothing", func(t *testing.T) {
		s := openTest(t)
		d := smallDraft("d-dup", 1)
		if err := s.CreateDraft(t.Context(), d); err != nil {
			t.Fatalf("CreateDraft: %v", err)
		}
		sec := d.Sections[0]
		err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec, sec}, nil, draft.StatusApproved)
		if retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Fatalf("SaveReview = %v, want code %s", err, retrieval.EINVALID)
		}
		got, err := s.Draft(t.Context(), d.ID)
		if err != nil {
			t.Fatalf("Draft: %v", err)
		}
		if got.Status != draft.StatusPending || !got.UpdatedAt.Equal(d.UpdatedAt) {
			t.Errorf("after the failed SaveReview: status %s, updated %v; want %s, %v", got.Status, got.UpdatedAt, d.Status, d.UpdatedAt)
		}
	})
	t.Run("SaveReview and SaveSection of one draft at once neither deadlock nor lose a write", func(t *testing.T) {
		s := openTest(t)
		d := smallDraft("d-busy", 3)
		if err := s.CreateDraft(t.Context(), d); err != nil {
			t.Fatalf("CreateDraft: %v", err)
		}
		const rounds = 8
		var wg sync.WaitGroup
		errs := make(chan error, 3*rounds)
		for idx := range 3 {
			wg.Go(func() {
				for r := range rounds {
					sec := draft.Section{Index: idx, Heading: d.Sections[idx].Heading, Status: draft.StatusReady,
						Sentences: []draft.Sentence{{ID: fmt.Sprintf("s%d-%d", idx, r), Text: fmt.Sprintf("第%d稿。", r+1), Generated: true}}}
					var err error
					if idx == 1 {
						// Reviews name two sections, in an order opposite to the index, to tempt a lock cycle.
						other := draft.Section{Index: 0, Sentences: []draft.Sentence{{ID: fmt.Sprintf("r0-%d", r), Text: "复核稿。"}}}
						e := draft.AuditEntry{SentenceID: sec.Sentences[0].ID, Decision: draft.DecisionApproved, By: "赵主任", At: d.CreatedAt}
						err = s.SaveReview(t.Context(), d.ID, []draft.Section{sec, other}, []draft.AuditEntry{e}, draft.StatusReady)
					} else {
						err = s.SaveSection(t.Context(), d.ID, sec)
					}
					if err != nil {
						errs <- fmt.Errorf("section %d round %d: %w", idx, r, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got, err := s.Draft(t.Context(), d.ID)
		if err != nil {
			t.Fatalf("Draft: %v", err)
		}
		last := fmt.Sprintf("s1-%d", rounds-1)
		if x := got.Sections[1].Sentences; len(x) != 1 || x[0].ID != last {
			t.Errorf("section 1 sentences = %+v, want only %s", x, last)
		}
		if x := got.Sections[2].Sentences; len(x) != 1 || x[0].ID != fmt.Sprintf("s2-%d", rounds-1) {
			t.Errorf("section 2 sentences = %+v, want the last round's", x)
		}
		if len(got.Audit) != rounds {
			t.Errorf("audit has %d entries, want %d", len(got.Audit), rounds)
		}
		for i, e := range got.Audit {
			if want := fmt.Sprintf("s1-%d", i); e.SentenceID != want {
				t.Errorf("Audit[%d] is for %s, want %s", i, e.SentenceID, want)
			}
		}
	})
}
