package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// openDrafts returns a fresh store holding drafts d0 … d(n-1), each with sections 0 and 1, pending.
func openDrafts(t *testing.T, n int) *Store {
	t.Helper()
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	for i := range n {
		d := &draft.Draft{ID: fmt.Sprint("d", i), Title: "石桥镇2025年上半年工作总结", Status: draft.StatusPending,
			Sections: []draft.Section{{Index: 0, Heading: "民生实事"}, {Index: 1, Heading: "下一步计划"}}}
		if err := s.CreateDraft(t.Context(), d); err != nil {
			t.Fatalf("CreateDraft: %v", err)
		}
	}
	return s
}

// status returns the stored status of draft id.
func status(t *testing.T, s *Store, id string) draft.Status {
	t.Helper()
	d, err := s.Draft(t.Context(), retrieval.Scope{}, id)
	if err != nil {
		t.Fatalf("Draft %s: %v", id, err)
	}
	return d.Status
}

// op returns a queued write of fn, as write makes it.
func op(fn func(ctx context.Context, tx *sql.Tx) error) *writeOp {
	return &writeOp{ctx: context.Background(), fn: fn, done: make(chan error, 1)}
}

// setStatusOp sets draft id's status, as SetStatus does.
func setStatusOp(s *Store, id string, st draft.Status) *writeOp {
	return op(func(ctx context.Context, tx *sql.Tx) error {
		return affected(s.exec(ctx, tx, setStatus, st, 0, 0, int64(1), id))
	})
}

func TestBatchRollsBackAFailedWriteAlone(t *testing.T) {
	s := openDrafts(t, 2)
	// The second write adds a section, then fails on a duplicate: that section must go with it.
	halfDone := op(func(ctx context.Context, tx *sql.Tx) error {
		row := []any{"d1", 7, "多出的一节", draft.StatusPending, "", 0, "[]", "[]", 0, 0, int64(1)}
		if _, err := s.exec(ctx, tx, insertSection, row...); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, insertSection, row...)
		return draftConflict(err, "section 7 twice")
	})
	batch := []*writeOp{setStatusOp(s, "d0", draft.StatusReady), halfDone, setStatusOp(s, "d1", draft.StatusFailed),
		setStatusOp(s, "no-such-draft", draft.StatusReady)}
	s.commit(batch)

	wantErrs := []string{"", retrieval.ECONFLICT, "", retrieval.ENOTFOUND}
	for i, o := range batch {
		err := <-o.done
		if got := retrieval.ErrorCode(err); err != nil && got != wantErrs[i] || err == nil && wantErrs[i] != "" {
			t.Errorf("write %d of the batch returned %v, want code %q", i, err, wantErrs[i])
		}
	}
	if got := status(t, s, "d0"); got != draft.StatusReady {
		t.Errorf("d0 is %s after the batch, want ready: a write before the failed one was lost", got)
	}
	if got := status(t, s, "d1"); got != draft.StatusFailed {
		t.Errorf("d1 is %s after the batch, want failed: a write after the failed one was lost", got)
	}
	d1, err := s.Draft(t.Context(), retrieval.Scope{}, "d1")
	if err != nil {
		t.Fatal(err)
	}
	if len(d1.Sections) != 2 {
		t.Errorf("d1 has %d sections after the batch, want 2: the failed write was half kept", len(d1.Sections))
	}
}

func TestBatchWhoseCommitFailsIsWrittenOneByOne(t *testing.T) {
	s := openDrafts(t, 2)
	// A deferred foreign key violation passes every statement and fails the commit, so the batch's
	// transaction fails as a whole; the other writes must still be committed.
	badCommit := op(func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		return s.execRows(ctx, tx, insertSentence, sentenceRows("d0", draft.Section{Index: 9,
			Sentences: []draft.Sentence{{ID: "s9-1", Text: "没有所属部分的句子。"}}}, 1))
	})
	batch := []*writeOp{setStatusOp(s, "d0", draft.StatusReady), badCommit, setStatusOp(s, "d1", draft.StatusFailed)}
	s.commit(batch)

	for i, o := range batch {
		if err := <-o.done; (err != nil) != (i == 1) {
			t.Errorf("write %d of the batch returned %v; want an error for write 1 only", i, err)
		}
	}
	if got := status(t, s, "d0"); got != draft.StatusReady {
		t.Errorf("d0 is %s, want ready", got)
	}
	if got := status(t, s, "d1"); got != draft.StatusFailed {
		t.Errorf("d1 is %s, want failed", got)
	}
	var n int
	if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM draft_sentences`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sentences stored (%v), want none: the failing write was kept", n, err)
	}
}

func TestBatchSkipsWritesTheirCallersGaveUp(t *testing.T) {
	s := openDrafts(t, 1)
	gone := setStatusOp(s, "d0", draft.StatusFailed)
	gone.state.Store(opAbandoned)
	cancelled := setStatusOp(s, "d0", draft.StatusFailed)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cancelled.ctx = ctx
	kept := setStatusOp(s, "d0", draft.StatusReady)
	s.commit([]*writeOp{gone, cancelled, kept})

	if len(gone.done) != 0 {
		t.Errorf("the abandoned write got a result, %v; no one waits for it", <-gone.done)
	}
	if err := <-cancelled.done; !errors.Is(err, context.Canceled) {
		t.Errorf("the write whose context was cancelled returned %v, want context.Canceled", err)
	}
	if err := <-kept.done; err != nil {
		t.Errorf("the kept write returned %v", err)
	}
	if got := status(t, s, "d0"); got != draft.StatusReady {
		t.Errorf("d0 is %s, want ready: only the kept write may have run", got)
	}
}

func TestConcurrentDraftWritesEachGetTheirOwnResult(t *testing.T) {
	const drafts = 20
	s := openDrafts(t, drafts)
	type call struct {
		id   string
		idx  int
		want string // error code, "" for none
	}
	var calls []call
	for i := range drafts {
		calls = append(calls, call{fmt.Sprint("d", i), 0, ""}, call{fmt.Sprint("d", i), 1, ""},
			call{fmt.Sprint("d", i), 5, retrieval.ENOTFOUND}, call{fmt.Sprint("missing", i), 0, retrieval.ENOTFOUND})
	}
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() {
			sec := draft.Section{Index: c.idx, Heading: "民生实事", Status: draft.StatusReady, Attempts: 1,
				Sentences: []draft.Sentence{{ID: fmt.Sprintf("s%d-1", c.idx+1), Text: c.id + "完成改造。", Generated: true}}}
			errs[i] = s.SaveSection(t.Context(), c.id, sec)
		})
	}
	wg.Wait()

	for i, c := range calls {
		if got := retrieval.ErrorCode(errs[i]); errs[i] != nil && got != c.want || errs[i] == nil && c.want != "" {
			t.Errorf("SaveSection(%s, section %d) = %v, want code %q", c.id, c.idx, errs[i], c.want)
		}
	}
	for i := range drafts {
		d, err := s.Draft(t.Context(), retrieval.Scope{}, fmt.Sprint("d", i))
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range d.Sections {
			want := []string{d.ID + "完成改造。"}
			var got []string
			for _, x := range sec.Sentences {
				got = append(got, x.Text)
			}
			if sec.Status != draft.StatusReady || !reflect.DeepEqual(got, want) {
				t.Errorf("%s section %d is %s with %q, want ready with %q", d.ID, sec.Index, sec.Status, got, want)
			}
		}
	}
}

func TestDraftWriteWithADoneContextWritesNothing(t *testing.T) {
	s := openDrafts(t, 1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.SetStatus(ctx, "d0", draft.StatusReady, draft.Usage{}); !errors.Is(err, context.Canceled) {
		t.Errorf("SetStatus with a cancelled context = %v, want context.Canceled", err)
	}
	if got := status(t, s, "d0"); got != draft.StatusPending {
		t.Errorf("d0 is %s, want pending: the cancelled write was made", got)
	}
}

func TestDraftWriteAfterCloseFails(t *testing.T) {
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	err = s.SetStatus(t.Context(), "d0", draft.StatusReady, draft.Usage{})
	if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
		t.Errorf("SetStatus after Close = %v, want code %s", err, retrieval.EUNAVAILABLE)
	}
}
