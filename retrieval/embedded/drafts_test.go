package embedded_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/storetest"
)

func TestDrafts(t *testing.T) {
	storetest.RunDrafts(t, func(t *testing.T) draft.Store { return open(t, 0).(*embedded.Store) })
}

func TestDraftSurvivesReopen(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := embedded.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	created := time.Date(2025, 6, 30, 17, 4, 5, 123456789, time.UTC) // this store keeps nanoseconds
	reviewed := created.Add(time.Hour)
	d := &draft.Draft{ID: "d-kept", Title: "松林镇2025年上半年工作总结", Status: draft.StatusPending, Model: "offline",
		Input:     &draft.Figures{Title: "松林镇2025年上半年工作总结", Sections: []draft.SectionInput{{Heading: "民生实事"}}},
		CreatedAt: created, UpdatedAt: created,
		Sections: []draft.Section{{Index: 0, Heading: "民生实事", Status: draft.StatusPending}}}
	if err := s.CreateDraft(ctx, d); err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	sec := draft.Section{Index: 0, Heading: "民生实事", Status: draft.StatusReady, Attempts: 1,
		Sentences: []draft.Sentence{{ID: "s0-0", Text: "完成老旧小区改造6个。", Generated: true, Figures: []string{"estates"}, Risk: draft.RiskLow}}}
	if err := s.SaveSection(ctx, d.ID, sec); err != nil {
		t.Fatalf("SaveSection: %v", err)
	}
	sec.Sentences[0].Review = draft.Review{Decision: draft.DecisionApproved, By: "赵主任", At: &reviewed}
	entry := draft.AuditEntry{SentenceID: "s0-0", Decision: draft.DecisionApproved, By: "赵主任", At: reviewed}
	if err := s.SaveReview(ctx, d.ID, []draft.Section{sec}, []draft.AuditEntry{entry}, draft.StatusApproved); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}
	before, err := s.Draft(ctx, retrieval.Scope{}, d.ID)
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	after, err := reopen(t, dir).Draft(ctx, retrieval.Scope{}, d.ID)
	if err != nil {
		t.Fatalf("Draft after reopening: %v", err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("Draft after reopening\n got  %+v\n want %+v", after, before)
	}
	if !after.CreatedAt.Equal(created) || !after.Audit[0].At.Equal(reviewed) || !after.Sections[0].Sentences[0].Review.At.Equal(reviewed) {
		t.Errorf("times after reopening = %v, %v, %v; want %v and %v to the nanosecond",
			after.CreatedAt, after.Audit[0].At, after.Sections[0].Sentences[0].Review.At, created, reviewed)
	}
	if after.Status != draft.StatusApproved || after.Sections[0].Sentences[0].Review.Decision != draft.DecisionApproved {
		t.Errorf("Draft after reopening has status %s and decision %q, want the review kept", after.Status, after.Sections[0].Sentences[0].Review.Decision)
	}
}

func TestCreateDraftFillsInZeroTimes(t *testing.T) {
	s := open(t, 0).(*embedded.Store)
	start := time.Now()
	d := &draft.Draft{ID: "d-now", Title: "无时间的稿", Status: draft.StatusPending}
	if err := s.CreateDraft(t.Context(), d); err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	if d.CreatedAt.Before(start.Add(-time.Second)) || d.CreatedAt.After(time.Now()) || !d.UpdatedAt.Equal(d.CreatedAt) {
		t.Errorf("CreateDraft set CreatedAt %v and UpdatedAt %v; want both now", d.CreatedAt, d.UpdatedAt)
	}
	got, err := s.Draft(t.Context(), retrieval.Scope{}, d.ID)
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	if !got.CreatedAt.Equal(d.CreatedAt) {
		t.Errorf("stored CreatedAt %v, want %v as set", got.CreatedAt, d.CreatedAt)
	}
}

// TestReview runs the review suite on two handles of one data directory: SQLite's write lock,
// taken at BEGIN IMMEDIATE, orders their writes as the single writer orders one handle's.
func TestReview(t *testing.T) {
	storetest.RunReview(t, func(t *testing.T) (draft.Store, draft.Store) {
		dir := t.TempDir()
		return reopen(t, dir), reopen(t, dir)
	})
}
