package storetest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/queue"
)

// appendRun stores draft id's events written as "started:0 sentence:0 done:0 failed:1 end", in
// order.
func appendRun(t *testing.T, s JobStore, id, run string) {
	t.Helper()
	types := map[string]string{"started": draft.EventSectionStarted, "sentence": draft.EventSentence,
		"done": draft.EventSectionDone, "failed": draft.EventSectionFailed}
	for _, w := range strings.Fields(run) {
		e := draft.Event{DraftID: id, Type: draft.EventDraftDone, Status: draft.StatusReady}
		if name, n, ok := strings.Cut(w, ":"); ok {
			e.Type = types[name]
			e.Section, _ = strconv.Atoi(n)
			if e.Type == draft.EventSentence {
				e.Sentence = &draft.Sentence{ID: fmt.Sprintf("s%s-1", n), Text: "全年新建泵站3座。"}
			}
		}
		if _, err := s.AppendEvent(t.Context(), e); err != nil {
			t.Fatalf("AppendEvent %s of %s: %v", w, id, err)
		}
	}
}

// seqs returns the numbers of draft id's events.
func seqs(t *testing.T, s JobStore, id string) string {
	t.Helper()
	evs, err := s.Events(t.Context(), id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, strconv.FormatInt(e.Seq, 10))
	}
	return strings.Join(out, " ")
}

func testPrune(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	ctx := t.Context()
	for _, id := range []string{"prune-1", "prune-2", "prune-3"} {
		if err := s.CreateDraft(ctx, jobDraft(id, 2)); err != nil {
			t.Fatal(err)
		}
	}
	// prune-1: a first run (1–6), a regeneration of section 1 (7–10), another of section 0 under
	// way (11–12). prune-2: a first run (1–5), a regeneration of section 1 (6–8): section 0's
	// end (2) is its latest, kept for the next run's settling. prune-3: one run, the latest.
	appendRun(t, s, "prune-1", "started:0 done:0 started:1 sentence:1 done:1 end")
	appendRun(t, s, "prune-1", "started:1 sentence:1 done:1 end started:0 sentence:0")
	appendRun(t, s, "prune-2", "started:0 done:0 started:1 failed:1 end started:1 done:1 end")
	appendRun(t, s, "prune-3", "started:0 done:0 started:1 done:1 end")
	now := time.Now()
	old := now.Add(-48 * time.Hour)
	if _, err := s.TakeRate(ctx, "idle-key", 1, 5, old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeRate(ctx, "busy-key", 1, 5, now); err != nil {
		t.Fatal(err)
	}
	day := now.Format(time.DateOnly)
	if _, held, err := s.HoldTokens(ctx, "key-lapsed", day, 100, 1000, now.Add(-time.Hour), now.Add(-time.Minute)); err != nil || held != 100 {
		t.Fatalf("HoldTokens (lapsed): %d, %v", held, err)
	}
	if _, held, err := s.HoldTokens(ctx, "key-live", day, 200, 1000, now, now.Add(time.Hour)); err != nil || held != 200 {
		t.Fatalf("HoldTokens (live): %d, %v", held, err)
	}

	// As of now, with the defaults: every run ended within 30 days; one bucket idle for two days,
	// one hold lapsed.
	got, err := s.Prune(ctx, now, queue.Retention{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (queue.Pruned{Buckets: 1, Holds: 1}); got != want {
		t.Errorf("Prune as of now: %+v, want %+v", got, want)
	}
	if got := seqs(t, s, "prune-1"); got != "1 2 3 4 5 6 7 8 9 10 11 12" {
		t.Errorf("prune-1's events after a Prune as of now: %s, want all", got)
	}
	// The busy bucket is kept: 4 of its 5 are left.
	for i := range 5 {
		wait, err := s.TakeRate(ctx, "busy-key", 1, 5, now)
		if err != nil {
			t.Fatal(err)
		}
		if (wait == 0) != (i < 4) {
			t.Errorf("TakeRate %d from the kept bucket waits %v; want 4 given, then a wait", i+2, wait)
		}
	}
	if n, err := s.SpentTokens(ctx, "key-live", day, now); err != nil || n != 200 {
		t.Errorf("SpentTokens after pruning the lapsed hold: %d, %v; want the live hold's 200", n, err)
	}
	// Days of token spending: today's of both keys, and one twenty days on.
	later := now.Add(20 * 24 * time.Hour).Format(time.DateOnly)
	for _, sp := range []struct{ scope, day string }{{"key-lapsed", day}, {"key-live", day}, {"key-live", later}} {
		if err := s.SettleTokens(ctx, "", sp.scope, sp.day, 10); err != nil {
			t.Fatal(err)
		}
	}

	// Forty days on, the runs before each draft's latest are gone, but each section's latest
	// start or end; the buckets used "now" are idle by then.
	got, err = s.Prune(ctx, now.Add(40*24*time.Hour), queue.Retention{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (queue.Pruned{Events: 6 + 4, Buckets: 1, Holds: 1, Spent: 2}); got != want {
		t.Errorf("Prune 40 days on: %+v, want %+v", got, want)
	}
	if n, err := s.SpentTokens(ctx, "key-live", later, now.Add(40*24*time.Hour)); err != nil || n != 10 {
		t.Errorf("SpentTokens of a day within %v after pruning: %d, %v; want its 10 kept", queue.SpentKeep, n, err)
	}
	for id, want := range map[string]string{
		"prune-1": "7 8 9 10 11 12", // the latest run (7–10) and the one under way
		"prune-2": "2 6 7 8",        // section 0's end kept
		"prune-3": "1 2 3 4 5",      // one run: the latest
	} {
		if got := seqs(t, s, id); got != want {
			t.Errorf("%s's events after pruning: %s, want %s", id, got, want)
		}
	}
	if end, err := s.LastEnd(ctx, "prune-1"); err != nil || end != 10 {
		t.Errorf("LastEnd of prune-1 after pruning: %d, %v; want 10", end, err)
	}
	// New events go on numbering after the kept ones.
	if seq, err := s.AppendEvent(ctx, draft.Event{Type: draft.EventSectionDone, DraftID: "prune-2", Section: 1}); err != nil || seq != 9 {
		t.Errorf("AppendEvent after pruning: %d, %v; want 9", seq, err)
	}
	if again, err := s.Prune(ctx, now.Add(40*24*time.Hour), queue.Retention{}); err != nil || again != (queue.Pruned{}) {
		t.Errorf("a second Prune: %+v, %v; want nothing left to delete", again, err)
	}
	// A shorter retention prunes sooner.
	if err := s.CreateDraft(ctx, jobDraft("prune-4", 1)); err != nil {
		t.Fatal(err)
	}
	appendRun(t, s, "prune-4", "started:0 sentence:0 done:0 end started:0 done:0 end")
	if got, err := s.Prune(ctx, now.Add(2*time.Hour), queue.Retention{Events: time.Hour}); err != nil || got.Events != 4 {
		t.Errorf("Prune with events kept an hour, two hours on: %+v, %v; want 4 events", got, err)
	}
	if got := seqs(t, s, "prune-4"); got != "5 6 7" {
		t.Errorf("prune-4's events: %s, want 5 6 7", got)
	}
}

func testPruneJobs(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	rec := newRecorder(nil)
	q := startQueue(t, s, rec, 3)
	d := jobDraft("prune-jobs", 2)
	createJobs(t, q, d)
	rec.wait(t, 2)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		live, err := q.Live(t.Context(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !live {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the jobs are still live 5 s after their runs returned")
		}
	}
	now := time.Now()
	if got, err := s.Prune(t.Context(), now, queue.Retention{}); err != nil || got.Jobs != 0 {
		t.Errorf("Prune as of now: %+v, %v; want no job deleted (finished just now)", got, err)
	}
	if got, err := s.Prune(t.Context(), now.Add(8*24*time.Hour), queue.Retention{}); err != nil || got.Jobs != 2 {
		t.Errorf("Prune 8 days on: %+v, %v; want the 2 finished jobs deleted", got, err)
	}
	// A job still waiting is never deleted.
	sctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := q.Stop(sctx); err != nil {
		t.Fatal(err)
	}
	waiting, err := s.NewQueue(t.Context(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	other := jobDraft("prune-jobs-waiting", 1)
	createJobs(t, waiting, other)
	if got, err := s.Prune(t.Context(), now.Add(8*24*time.Hour), queue.Retention{}); err != nil || got.Jobs != 0 {
		t.Errorf("Prune with a job waiting: %+v, %v; want none deleted", got, err)
	}
	if live, err := waiting.Live(t.Context(), other.ID); err != nil || !live {
		t.Errorf("Live of the waiting job's draft after Prune: %v, %v; want true", live, err)
	}
}

func testPruneQueue(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	ctx := t.Context()
	if err := s.CreateDraft(ctx, jobDraft("prune-q", 2)); err != nil {
		t.Fatal(err)
	}
	appendRun(t, s, "prune-q", "started:0 done:0 started:1 done:1 end started:1 done:1 end")
	q, err := s.NewQueue(ctx, queue.Config{Worker: newRecorder(nil), Workers: 1, PollInterval: 50 * time.Millisecond,
		Retention: queue.Retention{Events: time.Nanosecond, Every: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		q.Stop(sctx)
	}()
	// The first run (1–5) goes, but section 0's end; the second run stays.
	for deadline := time.Now().Add(30 * time.Second); seqs(t, s, "prune-q") != "2 6 7 8"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("prune-q's events 30 s after the queue started: %s; want 2 6 7 8", seqs(t, s, "prune-q"))
		}
	}
	// And again later: a run ended after the queue started is pruned by a later pass.
	appendRun(t, s, "prune-q", "started:0 done:0 end")
	for deadline := time.Now().Add(30 * time.Second); seqs(t, s, "prune-q") != "7 9 10 11"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("prune-q's events 30 s after its third run ended: %s; want 7 9 10 11", seqs(t, s, "prune-q"))
		}
	}
}
