package draft

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// downStore fails its first down section writes as an unavailable database does, then refuses
// with refusal when set.
type downStore struct {
	*memStore
	down, calls int
	refusal     error
}

func (s *downStore) SaveSection(ctx context.Context, id string, sec Section) error {
	s.calls++
	if s.calls <= s.down {
		return retrieval.Errorf(retrieval.EUNAVAILABLE, "数据库暂时不可用，请稍后重试")
	}
	if s.refusal != nil {
		return s.refusal
	}
	return s.memStore.SaveSection(ctx, id, sec)
}

func TestRetryingStore(t *testing.T) {
	ctx := t.Context()
	sec := Section{Index: 0, Heading: "健康扶贫", Status: StatusReady, Sentences: []Sentence{{ID: "s1-1", Text: "享受政策36239人。"}}}
	newDraft := func(t *testing.T) (*memStore, string) {
		mem := newMemStore()
		d := &Draft{ID: "d1", Sections: []Section{{Index: 0, Status: StatusGenerating}}}
		if err := mem.CreateDraft(ctx, d); err != nil {
			t.Fatal(err)
		}
		return mem, d.ID
	}
	t.Run("a section write the database drops is written on a later try, each failure logged", func(t *testing.T) {
		mem, id := newDraft(t)
		var logged bytes.Buffer
		s := RetryingStore{Store: &downStore{memStore: mem, down: 2}, Log: slog.New(slog.NewTextHandler(&logged, nil))}
		if err := s.SaveSection(ctx, id, sec); err != nil {
			t.Fatalf("SaveSection = %v", err)
		}
		if got, _ := mem.Draft(ctx, retrieval.Scope{}, id); got.Sections[0].Status != StatusReady {
			t.Errorf("section %+v, want it saved", got.Sections[0])
		}
		if n := strings.Count(logged.String(), "write failed"); n != 2 {
			t.Errorf("%d failures logged, want 2: %s", n, logged.String())
		}
	})
	t.Run("a database that stays down is given up after a bounded number of tries", func(t *testing.T) {
		mem, id := newDraft(t)
		var logged bytes.Buffer
		down := &downStore{memStore: mem, down: 100}
		s := RetryingStore{Store: down, Log: slog.New(slog.NewTextHandler(&logged, nil))}
		if err := s.SaveSection(ctx, id, sec); retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE || down.calls != writeAttempts {
			t.Fatalf("SaveSection = %v after %d calls, want %s after %d", err, down.calls, retrieval.EUNAVAILABLE, writeAttempts)
		}
		if !strings.Contains(logged.String(), "given up") {
			t.Errorf("log %q does not say the write was given up", logged.String())
		}
	})
	t.Run("other errors are not tried again", func(t *testing.T) {
		mem, id := newDraft(t)
		down := &downStore{memStore: mem, refusal: retrieval.ErrNotFound}
		s := RetryingStore{Store: down}
		if err := s.SaveSection(ctx, id, sec); err != retrieval.ErrNotFound || down.calls != 1 {
			t.Fatalf("SaveSection = %v after %d calls, want not found after 1", err, down.calls)
		}
	})
}
