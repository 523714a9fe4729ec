package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// JobStore is a draft store with a drafting queue, an event log, shared limits and pruning, as both
// stores are.
type JobStore interface {
	draft.Store
	queue.EventLog
	queue.Pruner
	LimitStore
	NewQueue(ctx context.Context, cfg queue.Config) (queue.Queue, error)
}

// RunJobs runs the conformance tests of drafting jobs and events against the stores open returns.
func RunJobs(t *testing.T, open func(t *testing.T) JobStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, open func(t *testing.T) JobStore)
	}{
		{"a draft, its jobs and its Idempotency-Key are stored together, and the key's second use stores nothing", testCreateWithKey},
		{"concurrent creates with one key make one draft and all answer with it", testCreateRace},
		{"every section is worked once, and a failed attempt is tried again after the backoff", testWorkRetried},
		{"only the last attempt is final, and no attempt follows it", testLastAttempt},
		{"a job whose draft is gone ends without a retry", testJobGone},
		{"a regeneration refuses a draft being written and drafts the section again", testRegenerate},
		{"cancelling a draft's jobs cancels the running one", testCancel},
		{"events are numbered per draft in order, read after a number and announced", testEvents},
		{"of workers ending a draft at once, one changes its status and records its end", testEndDraft},
		{"an end computed before a regeneration does not end the regenerated run", testEndAfterRegenerate},
		{"a regeneration's own job is never cancelled by it, however soon it runs", testRegenerateKeepsItsJob},
		{"Ping answers for an empty queue and a full one", testQueuePing},
		{"Prune deletes events of runs ended long ago but the latest run's, idle buckets, lapsed holds and old days of spending", testPrune},
		{"Prune deletes jobs finished long ago", testPruneJobs},
		{"a started queue prunes when it starts and then periodically", testPruneQueue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open) })
	}
}

// jobDraft returns a pending draft of n sections, with no sentences.
func jobDraft(id string, n int) *draft.Draft {
	d := &draft.Draft{ID: id, Title: "柳溪县水务局2025年工作总结", Organization: "柳溪县水务局", Period: "2025年",
		Status: draft.StatusPending, Model: "offline", PromptVersion: "test",
		Input: &draft.Figures{Title: "柳溪县水务局2025年工作总结", Organization: "柳溪县水务局", Period: "2025年"}}
	for i := range n {
		h := fmt.Sprintf("第%d部分", i+1)
		d.Input.Sections = append(d.Input.Sections, draft.SectionInput{Heading: h})
		d.Sections = append(d.Sections, draft.Section{Index: i, Heading: h, Status: draft.StatusPending, Sentences: []draft.Sentence{}, Sources: []draft.Source{}})
	}
	return d
}

// recorder is a queue.Worker that records its calls and does what do says.
type recorder struct {
	mu      sync.Mutex
	calls   []call
	running map[int]bool
	overlap bool // two runs of one section at once
	do      func(ctx context.Context, j queue.Job, final bool, n int) error
	done    chan call
}

type call struct {
	section int
	final   bool
	err     error
}

func newRecorder(do func(ctx context.Context, j queue.Job, final bool, n int) error) *recorder {
	return &recorder{running: map[int]bool{}, do: do, done: make(chan call, 100)}
}

func (r *recorder) Work(ctx context.Context, j queue.Job, final bool) error {
	r.mu.Lock()
	if r.running[j.Section] {
		r.overlap = true
	}
	r.running[j.Section] = true
	n := 0
	for _, c := range r.calls {
		if c.section == j.Section {
			n++
		}
	}
	r.mu.Unlock()
	var err error
	if r.do != nil {
		err = r.do(ctx, j, final, n)
	}
	r.mu.Lock()
	r.running[j.Section] = false
	c := call{section: j.Section, final: final, err: err}
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	r.done <- c
	return err
}

// wait returns the next n finished calls, failing the test after 20 s.
func (r *recorder) wait(t *testing.T, n int) []call {
	t.Helper()
	var out []call
	timeout := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case c := <-r.done:
			out = append(out, c)
		case <-timeout:
			t.Fatalf("waited for %d job runs, got %d: %+v", n, len(out), out)
		}
	}
	return out
}

// quiet fails the test when the worker is called again within d.
func (r *recorder) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case c := <-r.done:
		t.Fatalf("the job of section %d ran again (final %v)", c.section, c.final)
	case <-time.After(d):
	}
}

// startQueue returns a started queue with w and fast timings, stopped when the test ends.
func startQueue(t *testing.T, s JobStore, w queue.Worker, attempts int) queue.Queue {
	t.Helper()
	q, err := s.NewQueue(t.Context(), queue.Config{Worker: w, Workers: 2, MaxAttempts: attempts, JobTimeout: 10 * time.Second,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("NewQueue: %v", err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	return q
}

func createJobs(t *testing.T, q queue.Queue, d *draft.Draft) {
	t.Helper()
	if _, ok, err := q.Create(t.Context(), d, queue.Jobs(d, queue.Job{Model: "offline"}), nil, time.Time{}); err != nil || !ok {
		t.Fatalf("Create %s: %v (created %v)", d.ID, err, ok)
	}
}

func testCreateWithKey(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	q, err := s.NewQueue(t.Context(), queue.Config{}) // no workers: the jobs wait
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	key := &queue.Idempotency{Scope: "key-1", Key: "retry-7", BodyHash: []byte("hash-a"), CreatedAt: now}
	first := jobDraft("job-key-1", 2)
	got, created, err := q.Create(t.Context(), first, queue.Jobs(first, queue.Job{Model: "offline"}), key, now.Add(-time.Hour))
	if err != nil || !created || got.DraftID != first.ID {
		t.Fatalf("first Create: %+v, created %v, %v; want the record of %s", got, created, err, first.ID)
	}
	if d, err := s.Draft(t.Context(), retrieval.AllWorkspaces(), first.ID); err != nil || len(d.Sections) != 2 || d.Status != draft.StatusPending {
		t.Fatalf("the first draft as stored: %+v, %v", d, err)
	}
	if live, err := q.Live(t.Context(), first.ID); err != nil || !live {
		t.Errorf("Live of a draft whose jobs wait: %v, %v; want true", live, err)
	}
	if d, err := q.Depth(t.Context()); err != nil || d != (queue.Depth{Waiting: 2}) {
		t.Errorf("Depth with two jobs waiting: %+v, %v; want 2 waiting, none running", d, err)
	}
	second := jobDraft("job-key-2", 1)
	key2 := *key
	key2.BodyHash = []byte("hash-b")
	got, created, err = q.Create(t.Context(), second, queue.Jobs(second, queue.Job{Model: "offline"}), &key2, now.Add(-time.Hour))
	if err != nil || created {
		t.Fatalf("second Create with the key: created %v, %v; want the first's record", created, err)
	}
	if got.DraftID != first.ID || string(got.BodyHash) != "hash-a" || !got.CreatedAt.Equal(now) {
		t.Errorf("second Create answered %+v, want draft %s, hash-a, %v", got, first.ID, now)
	}
	if _, err := s.Draft(t.Context(), retrieval.AllWorkspaces(), second.ID); !errors.Is(err, retrieval.ErrNotFound) {
		t.Errorf("the second draft was stored (%v), want nothing stored", err)
	}
	// A record older than since is forgotten: the key makes a new draft.
	third := jobDraft("job-key-3", 1)
	if got, created, err := q.Create(t.Context(), third, nil, &key2, now.Add(time.Minute)); err != nil || !created || got.DraftID != third.ID {
		t.Errorf("Create after the record expired: %+v, created %v, %v", got, created, err)
	}
}

func testCreateRace(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	q, err := s.NewQueue(t.Context(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	const n = 8
	ids := make([]string, n)
	made := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			d := jobDraft(fmt.Sprintf("job-race-%d", i), 2)
			key := &queue.Idempotency{Scope: "local", Key: "same", BodyHash: []byte("h"), CreatedAt: now}
			got, created, err := q.Create(context.Background(), d, queue.Jobs(d, queue.Job{Model: "offline"}), key, now.Add(-time.Hour))
			ids[i], made[i], errs[i] = got.DraftID, created, err
		})
	}
	wg.Wait()
	winners := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Create %d: %v", i, errs[i])
		}
		if made[i] {
			winners++
		}
		if ids[i] != ids[0] {
			t.Errorf("Create %d answered draft %q, Create 0 %q: want one draft for one key", i, ids[i], ids[0])
		}
	}
	if winners != 1 {
		t.Errorf("%d creates stored a draft, want 1", winners)
	}
	infos, err := s.Drafts(t.Context(), retrieval.AllWorkspaces())
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 {
		t.Errorf("%d drafts stored, want 1", len(infos))
	}
}

func testWorkRetried(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	rec := newRecorder(func(ctx context.Context, j queue.Job, final bool, n int) error {
		time.Sleep(20 * time.Millisecond)
		if j.Section == 1 && n == 0 {
			return errors.New("the model timed out")
		}
		return nil
	})
	q := startQueue(t, s, rec, 3)
	createJobs(t, q, jobDraft("job-retry", 3))
	calls := rec.wait(t, 4)
	rec.quiet(t, 500*time.Millisecond)
	runs := map[int]int{}
	for _, c := range calls {
		runs[c.section]++
		if c.final {
			t.Errorf("section %d's attempt was final; with 3 attempts the first two are not", c.section)
		}
	}
	if runs[0] != 1 || runs[1] != 2 || runs[2] != 1 {
		t.Errorf("runs per section %v, want 0:1 1:2 2:1", runs)
	}
	if rec.overlap {
		t.Error("one section ran twice at once")
	}
}

func testLastAttempt(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	rec := newRecorder(func(context.Context, queue.Job, bool, int) error { return errors.New("the model refused") })
	q := startQueue(t, s, rec, 2)
	createJobs(t, q, jobDraft("job-last", 1))
	calls := rec.wait(t, 2)
	if calls[0].final || !calls[1].final {
		t.Errorf("attempts final %v, %v; want false, true", calls[0].final, calls[1].final)
	}
	rec.quiet(t, 500*time.Millisecond)
}

func testJobGone(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	rec := newRecorder(func(context.Context, queue.Job, bool, int) error { return fmt.Errorf("%w: deleted", queue.ErrGone) })
	q := startQueue(t, s, rec, 3)
	createJobs(t, q, jobDraft("job-gone", 1))
	rec.wait(t, 1)
	rec.quiet(t, 500*time.Millisecond)
}

func testRegenerate(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	rec := newRecorder(nil)
	q := startQueue(t, s, rec, 3)
	d := jobDraft("job-regen", 2)
	createJobs(t, q, d)
	rec.wait(t, 2)
	j := queue.Job{DraftID: d.ID, Section: 1, Model: "offline"}
	if err := q.Regenerate(t.Context(), j); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
		t.Errorf("Regenerate of a pending draft: %v, want ECONFLICT", err)
	}
	// The jobs' runs have returned; the queue records them finished soon after.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		live, err := q.Live(t.Context(), d.ID)
		if err != nil {
			t.Fatalf("Live: %v", err)
		}
		if !live {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the draft's jobs are still live 5 s after their runs returned")
		}
	}
	if err := s.SetStatus(t.Context(), d.ID, draft.StatusReady, draft.Usage{}); err != nil {
		t.Fatal(err)
	}
	// The jobs' runs have returned, but the queue may not have recorded them finished yet: then
	// Regenerate says the section is still being drafted, until it has.
	for deadline := time.Now().Add(5 * time.Second); ; {
		err := q.Regenerate(t.Context(), j)
		if err == nil {
			break
		}
		if retrieval.ErrorCode(err) != retrieval.ECONFLICT || time.Now().After(deadline) {
			t.Fatalf("Regenerate: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	got, err := s.Draft(t.Context(), retrieval.AllWorkspaces(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != draft.StatusGenerating || got.Sections[1].Status != draft.StatusGenerating || got.Sections[0].Status != draft.StatusPending {
		t.Errorf("after Regenerate: draft %s, sections %s and %s; want generating, pending (untouched) and generating",
			got.Status, got.Sections[0].Status, got.Sections[1].Status)
	}
	if c := rec.wait(t, 1)[0]; c.section != 1 {
		t.Errorf("Regenerate ran section %d, want 1", c.section)
	}
	if err := q.Regenerate(t.Context(), j); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
		t.Errorf("Regenerate while generating: %v, want ECONFLICT", err)
	}
	if live, err := q.Live(t.Context(), "job-none"); err != nil || live {
		t.Errorf("Live of a draft without jobs: %v, %v; want false", live, err)
	}
	if err := q.Regenerate(t.Context(), queue.Job{DraftID: "job-none", Section: 0}); !errors.Is(err, retrieval.ErrNotFound) {
		t.Errorf("Regenerate of a missing draft: %v, want ErrNotFound", err)
	}
}

func testCancel(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	started := make(chan struct{}, 1)
	rec := newRecorder(func(ctx context.Context, j queue.Job, final bool, n int) error {
		started <- struct{}{}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(8 * time.Second):
			return nil
		}
	})
	q := startQueue(t, s, rec, 3)
	d := jobDraft("job-cancel", 1)
	createJobs(t, q, d)
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the job never started")
	}
	if dp, err := q.Depth(t.Context()); err != nil || dp != (queue.Depth{Running: 1}) {
		t.Errorf("Depth with one job running: %+v, %v; want 1 running, none waiting", dp, err)
	}
	t0 := time.Now()
	if err := q.Cancel(t.Context(), d.ID); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	c := rec.wait(t, 1)[0]
	if c.err == nil || time.Since(t0) > 7*time.Second {
		t.Errorf("the running job ended with %v after %v, want its context cancelled", c.err, time.Since(t0))
	}
	rec.quiet(t, 500*time.Millisecond)
}

func testEvents(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	ctx := t.Context()
	for _, id := range []string{"ev-1", "ev-2"} {
		if err := s.CreateDraft(ctx, jobDraft(id, 1)); err != nil {
			t.Fatal(err)
		}
	}
	heard := make(chan string, 100)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go s.ListenEvents(lctx, func(id string) { heard <- id })
	time.Sleep(300 * time.Millisecond) // LISTEN is in place
	sent := []draft.Event{
		{Type: draft.EventSectionStarted, DraftID: "ev-1", Section: 0, Status: draft.StatusGenerating},
		{Type: draft.EventSentence, DraftID: "ev-1", Section: 0, Sentence: &draft.Sentence{ID: "s1-1", Text: "全年完成河道清淤12公里。", Figures: []string{"f1"}}},
		{Type: draft.EventSectionDone, DraftID: "ev-1", Section: 0, Status: draft.StatusReady},
		{Type: draft.EventDraftDone, DraftID: "ev-1", Status: draft.StatusReady},
		{Type: draft.EventSectionStarted, DraftID: "ev-1", Section: 0, Status: draft.StatusGenerating},
	}
	var wg sync.WaitGroup
	wg.Go(func() { // another draft's events, at the same time, do not disturb ev-1's numbers
		for range 5 {
			if _, err := s.AppendEvent(context.Background(), draft.Event{Type: draft.EventSectionStarted, DraftID: "ev-2"}); err != nil {
				t.Errorf("AppendEvent ev-2: %v", err)
			}
		}
	})
	for i, e := range sent {
		seq, err := s.AppendEvent(ctx, e)
		if err != nil || seq != int64(i+1) {
			t.Fatalf("AppendEvent %d: %d, %v; want %d", i, seq, err, i+1)
		}
	}
	wg.Wait()
	all, err := s.Events(ctx, "ev-1", 0, 100)
	if err != nil || len(all) != len(sent) {
		t.Fatalf("Events: %d, %v; want %d", len(all), err, len(sent))
	}
	for i, l := range all {
		if l.Seq != int64(i+1) || l.Event.Type != sent[i].Type || l.Event.DraftID != "ev-1" {
			t.Errorf("event %d: %d %+v, want %d %+v", i, l.Seq, l.Event, i+1, sent[i])
		}
	}
	if s := all[1].Event.Sentence; s == nil || s.Text != "全年完成河道清淤12公里。" || len(s.Figures) != 1 {
		t.Errorf("the sentence event came back as %+v", all[1].Event)
	}
	if page, err := s.Events(ctx, "ev-1", 2, 2); err != nil || len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 4 {
		t.Errorf("Events after 2, at most 2: %+v, %v; want 3 and 4", page, err)
	}
	if end, err := s.LastEnd(ctx, "ev-1"); err != nil || end != 4 {
		t.Errorf("LastEnd: %d, %v; want 4 (draft_done)", end, err)
	}
	if end, err := s.LastEnd(ctx, "ev-2"); err != nil || end != 0 {
		t.Errorf("LastEnd of a draft that never ended: %d, %v; want 0", end, err)
	}
	got := map[string]int{}
	timeout := time.After(10 * time.Second)
	for got["ev-1"] < len(sent) || got["ev-2"] < 5 {
		select {
		case id := <-heard:
			got[id]++
		case <-timeout:
			t.Fatalf("announcements heard %v, want ev-1 %d times and ev-2 5", got, len(sent))
		}
	}
	if _, err := s.AppendEvent(ctx, draft.Event{Type: draft.EventSectionStarted, DraftID: "ev-none"}); !errors.Is(err, retrieval.ErrNotFound) {
		t.Errorf("AppendEvent of a missing draft: %v, want ErrNotFound", err)
	}
	if err := s.DeleteDraft(ctx, retrieval.AllWorkspaces(), "ev-1"); err != nil {
		t.Fatal(err)
	}
	if evs, err := s.Events(ctx, "ev-1", 0, 100); err != nil || len(evs) != 0 {
		t.Errorf("events of a deleted draft: %d, %v; want none", len(evs), err)
	}
}

func testEndAfterRegenerate(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	ctx := t.Context()
	q, err := s.NewQueue(ctx, queue.Config{}) // no workers: the regeneration's job waits
	if err != nil {
		t.Fatal(err)
	}
	d := jobDraft("end-regen", 2)
	d.Status = draft.StatusGenerating
	for i := range d.Sections {
		d.Sections[i].Status, d.Sections[i].Error = draft.StatusFailed, "模型服务暂时不可用"
	}
	if err := s.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	// Two workers finished the last sections at once and computed the same end; one ended the draft.
	st, u, e := draft.Outcome(d)
	if ok, err := s.EndDraft(ctx, d.ID, st, u, e); err != nil || !ok {
		t.Fatalf("EndDraft: %v, %v; want true", ok, err)
	}
	end, err := s.LastEnd(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Regenerate(ctx, queue.Job{DraftID: d.ID, Section: 0, Model: "offline"}); err != nil {
		t.Fatalf("Regenerate: %v", err)
	}
	// The other worker's end, late, finds the regenerated section generating.
	if ok, err := s.EndDraft(ctx, d.ID, st, u, e); err != nil || ok {
		t.Errorf("the late EndDraft: %v, %v; want false, nothing recorded", ok, err)
	}
	got, err := s.Draft(ctx, retrieval.AllWorkspaces(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != draft.StatusGenerating || got.Sections[0].Status != draft.StatusGenerating {
		t.Errorf("after the late EndDraft: draft %s, section 0 %s; want both generating", got.Status, got.Sections[0].Status)
	}
	if n, err := s.LastEnd(ctx, d.ID); err != nil || n != end {
		t.Errorf("LastEnd after the late EndDraft: %d, %v; want %d, the run's start unchanged", n, err, end)
	}
	// The regeneration's own end is recorded once its section is saved.
	got.Sections[0].Status, got.Sections[0].Error = draft.StatusReady, ""
	if err := s.SaveSection(ctx, d.ID, got.Sections[0]); err != nil {
		t.Fatal(err)
	}
	st, u, e = draft.Outcome(got)
	if ok, err := s.EndDraft(ctx, d.ID, st, u, e); err != nil || !ok {
		t.Errorf("EndDraft of the regenerated run: %v, %v; want true", ok, err)
	}
}

// ender is a queue.Worker that, after a moment, saves its section ready and ends the draft, as
// the Runner does; it counts the runs whose context was cancelled first.
type ender struct {
	s         JobStore
	mu        sync.Mutex
	cancelled int
}

func (w *ender) Work(ctx context.Context, j queue.Job, final bool) error {
	select {
	case <-ctx.Done():
		w.mu.Lock()
		w.cancelled++
		w.mu.Unlock()
		return ctx.Err()
	case <-time.After(2 * time.Millisecond):
	}
	bg := context.Background()
	d, err := w.s.Draft(bg, retrieval.AllWorkspaces(), j.DraftID)
	if err != nil {
		return err
	}
	sec := d.Sections[j.Section]
	sec.Status = draft.StatusReady
	if err := w.s.SaveSection(bg, j.DraftID, sec); err != nil {
		return err
	}
	d.Sections[j.Section] = sec
	st, u, e := draft.Outcome(d)
	_, err = w.s.EndDraft(bg, j.DraftID, st, u, e)
	return err
}

func testRegenerateKeepsItsJob(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	w := &ender{s: s}
	q, err := s.NewQueue(t.Context(), queue.Config{Worker: w, Workers: 4, JobTimeout: 10 * time.Second,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }, PollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const drafts, rounds = 4, 30
	var ids []string
	for i := range drafts {
		d := jobDraft(fmt.Sprintf("regen-own-%d", i), 1)
		createJobs(t, q, d)
		ids = append(ids, d.ID)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	// Each draft is regenerated as soon as it ends: the new job may be claimed, and running,
	// before Regenerate returns. Were it cancelled, the draft would stay generating for ever.
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			for round := 0; round <= rounds; round++ {
				for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
					d, err := s.Draft(context.Background(), retrieval.AllWorkspaces(), id)
					if err != nil {
						t.Error(err)
						return
					}
					if d.Status != draft.StatusPending && d.Status != draft.StatusGenerating {
						break
					}
					if time.Now().After(deadline) {
						live, _ := q.Live(context.Background(), id)
						t.Errorf("draft %s is still %s 10 s into round %d (a live job: %v): its job was cancelled", id, d.Status, round, live)
						return
					}
				}
				if round == rounds {
					return
				}
				if err := q.Regenerate(context.Background(), queue.Job{DraftID: id, Section: 0, Model: "offline"}); err != nil {
					t.Errorf("Regenerate %s, round %d: %v", id, round, err)
					return
				}
			}
		})
	}
	wg.Wait()
	w.mu.Lock()
	t.Logf("%d regenerations; %d runs saw their context cancelled", drafts*rounds, w.cancelled)
	w.mu.Unlock()
}

func testQueuePing(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	q, err := s.NewQueue(t.Context(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Ping(t.Context()); err != nil {
		t.Errorf("Ping of an empty queue: %v", err)
	}
	createJobs(t, q, jobDraft("ping-1", 3))
	if err := q.Ping(t.Context()); err != nil {
		t.Errorf("Ping with jobs waiting: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := q.Ping(ctx); err == nil {
		t.Error("Ping with a cancelled context answered nil; want its error")
	}
}

func testEndDraft(t *testing.T, open func(t *testing.T) JobStore) {
	s := open(t)
	ctx := t.Context()
	d := jobDraft("end-1", 2)
	d.Status = draft.StatusGenerating
	d.Sections[0].Status = draft.StatusGenerating
	d.Sections[1].Status = draft.StatusReady
	if err := s.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	e := draft.Event{Type: draft.EventDraftDone, DraftID: d.ID, Status: draft.StatusReady}
	if ok, err := s.EndDraft(ctx, d.ID, draft.StatusReady, draft.Usage{}, e); err != nil || ok {
		t.Errorf("EndDraft while section 0 is generating: %v, %v; want false, nothing recorded", ok, err)
	}
	d.Sections[0].Status = draft.StatusReady
	if err := s.SaveSection(ctx, d.ID, d.Sections[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvent(ctx, draft.Event{Type: draft.EventSectionDone, DraftID: d.ID, Section: 1, Status: draft.StatusReady}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	ended := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			e := draft.Event{Type: draft.EventDraftDone, DraftID: d.ID, Status: draft.StatusReady}
			ended[i], errs[i] = s.EndDraft(context.Background(), d.ID, draft.StatusReady, draft.Usage{PromptTokens: 30, CompletionTokens: 12}, e)
		})
	}
	close(start)
	wg.Wait()
	winners := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("EndDraft %d: %v", i, errs[i])
		}
		if ended[i] {
			winners++
		}
	}
	if winners != 1 {
		t.Errorf("%d of %d concurrent EndDraft calls ended the draft, want 1", winners, n)
	}
	evs, err := s.Events(ctx, d.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[1].Event.Type != draft.EventDraftDone || evs[1].Seq != 2 {
		t.Errorf("events after the race: %+v; want section_done then draft_done once, numbered 2", evs)
	}
	if end, err := s.LastEnd(ctx, d.ID); err != nil || end != 2 {
		t.Errorf("LastEnd: %d, %v; want 2", end, err)
	}
	got, err := s.Draft(ctx, retrieval.AllWorkspaces(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != draft.StatusReady || got.Usage.PromptTokens != 30 || got.Usage.CompletionTokens != 12 {
		t.Errorf("the ended draft: %s with usage %+v; want ready, 30 + 12 tokens", got.Status, got.Usage)
	}
	// A later run (a regeneration) sets it generating again: it can be ended again, failed this time.
	if err := s.SetStatus(ctx, d.ID, draft.StatusGenerating, got.Usage); err != nil {
		t.Fatal(err)
	}
	fail := draft.Event{Type: draft.EventDraftFailed, DraftID: d.ID, Status: draft.StatusFailed, Error: "未完成的部分：第2部分"}
	if ok, err := s.EndDraft(ctx, d.ID, draft.StatusFailed, got.Usage, fail); err != nil || !ok {
		t.Errorf("EndDraft of the second run: %v, %v; want true", ok, err)
	}
	if ok, err := s.EndDraft(ctx, d.ID, draft.StatusReady, got.Usage, fail); err != nil || ok {
		t.Errorf("EndDraft of a draft already failed: %v, %v; want false, nothing recorded", ok, err)
	}
	if end, err := s.LastEnd(ctx, d.ID); err != nil || end != 3 {
		t.Errorf("LastEnd after the second run: %d, %v; want 3", end, err)
	}
	if got, err := s.Draft(ctx, retrieval.AllWorkspaces(), d.ID); err != nil || got.Status != draft.StatusFailed {
		t.Errorf("the draft after the second run: %v, %v; want failed", got.Status, err)
	}
	// An approved draft (reviewed after it ended) is not ended again.
	if err := s.SetStatus(ctx, d.ID, draft.StatusApproved, got.Usage); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.EndDraft(ctx, d.ID, draft.StatusReady, got.Usage, fail); err != nil || ok {
		t.Errorf("EndDraft of an approved draft: %v, %v; want false", ok, err)
	}
	if _, err := s.EndDraft(ctx, "end-none", draft.StatusReady, draft.Usage{}, fail); !errors.Is(err, retrieval.ErrNotFound) {
		t.Errorf("EndDraft of a missing draft: %v, want ErrNotFound", err)
	}
}
