package draft

import (
	"context"
	"testing"
	"time"

	"github.com/draftd/draftd/retrieval"
)

// listStore is a memStore that lists its drafts.
type listStore struct{ *memStore }

func (s listStore) Drafts(_ context.Context, sc retrieval.Scope) ([]DraftInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []DraftInfo
	for _, d := range s.drafts {
		if !sc.Owns(d.Workspace) {
			continue
		}
		out = append(out, DraftInfo{ID: d.ID, Status: d.Status})
	}
	return out, nil
}

func TestRecoverInterrupted(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)
	store := listStore{newMemStore()}
	d := &Drafter{Store: store, Now: func() time.Time { return start }}
	in := pipelineFigures()
	in.Sections = append(in.Sections, SectionInput{Heading: "医疗服务", Figures: []Figure{{ID: "f3", Label: "门诊人次", Value: "1.24", Unit: "万人次"}}})

	// A draft whose first section finished and whose second was being drafted when the process stopped.
	stopped, err := d.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	stopped.Sections[0].Status = StatusReady
	stopped.Sections[1].Status = StatusGenerating
	store.SaveSection(ctx, stopped.ID, stopped.Sections[0])
	store.SaveSection(ctx, stopped.ID, stopped.Sections[1])
	store.SetStatus(ctx, stopped.ID, StatusGenerating, Usage{})
	// A draft that finished, and one written after the cutoff (another process may be drafting it).
	done, _ := d.Create(ctx, in)
	store.SetStatus(ctx, done.ID, StatusReady, Usage{})
	d.Now = func() time.Time { return start.Add(time.Hour) }
	recent, _ := d.Create(ctx, in)
	store.SetStatus(ctx, recent.ID, StatusGenerating, Usage{})

	n, err := d.RecoverInterrupted(ctx, start.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("RecoverInterrupted = %d, %v; want 1 draft", n, err)
	}
	t.Run("the unfinished section fails with a reason and the finished one is kept", func(t *testing.T) {
		got, _ := store.Draft(ctx, retrieval.Scope{}, stopped.ID)
		if got.Status != StatusFailed {
			t.Fatalf("draft status %s, want failed", got.Status)
		}
		if got.Sections[0].Status != StatusReady || got.Sections[1].Status != StatusFailed || got.Sections[1].Error != interruptedError {
			t.Fatalf("sections = %s, %s (%q)", got.Sections[0].Status, got.Sections[1].Status, got.Sections[1].Error)
		}
	})
	t.Run("finished drafts and drafts written after the cutoff are left alone", func(t *testing.T) {
		if got, _ := store.Draft(ctx, retrieval.Scope{}, done.ID); got.Status != StatusReady {
			t.Fatalf("finished draft is %s", got.Status)
		}
		if got, _ := store.Draft(ctx, retrieval.Scope{}, recent.ID); got.Status != StatusGenerating || got.Sections[0].Status != StatusPending {
			t.Fatalf("recent draft is %s with section %s", got.Status, got.Sections[0].Status)
		}
	})
	t.Run("the recovered section can be regenerated alone", func(t *testing.T) {
		got, _ := store.Draft(ctx, retrieval.Scope{}, stopped.ID)
		d.Writer = &scriptWriter{texts: []string{"门诊量达到【f3】。"}}
		if err := d.Regenerate(ctx, got, 1, nil); err != nil {
			t.Fatalf("Regenerate: %v", err)
		}
		got, _ = store.Draft(ctx, retrieval.Scope{}, stopped.ID)
		if got.Status != StatusReady || got.Sections[1].Status != StatusReady {
			t.Fatalf("after regenerating: draft %s, section %s (%s)", got.Status, got.Sections[1].Status, got.Sections[1].Error)
		}
	})
}
