package queue_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
)

// failing is a Writer whose model is down.
type failing struct{}

func (failing) Write(context.Context, draft.SectionRequest) (draft.SectionText, error) {
	return draft.SectionText{}, retrieval.Errorf(retrieval.EUNAVAILABLE, "模型服务暂时不可用")
}

// runnerEnv is a Runner over a fresh embedded store, drafting with w, and a stored draft of two
// sections whose jobs wait (no workers).
func runnerEnv(t *testing.T, w draft.Writer) (*queue.Runner, *embedded.Store, *draft.Draft) {
	t.Helper()
	s, err := embedded.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	d := &draft.Drafter{Store: s, Writer: w, Model: "offline", PromptVersion: "test"}
	in := &draft.Figures{Title: "柳溪县水务局2025年工作总结", Organization: "柳溪县水务局", Period: "2025年", Sections: []draft.SectionInput{
		{Heading: "河道治理", Figures: []draft.Figure{{ID: "f1", Label: "清淤河道", Value: "12", Unit: "公里"}}},
		{Heading: "供水保障", Figures: []draft.Figure{{ID: "f2", Label: "新建水厂", Value: "2", Unit: "座"}}},
	}}
	dr, err := d.New(in)
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.NewQueue(t.Context(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.Create(t.Context(), dr, queue.Jobs(dr, queue.Job{Model: "offline"}), nil, dr.CreatedAt); err != nil {
		t.Fatal(err)
	}
	r := &queue.Runner{Store: s, Events: s, Drafter: func(context.Context, queue.Job) (*draft.Drafter, error) {
		c := *d
		return &c, nil
	}}
	return r, s, dr
}

func eventTypes(t *testing.T, s *embedded.Store, id string) string {
	t.Helper()
	evs, err := s.Events(t.Context(), id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ts []string
	for _, e := range evs {
		if e.Event.Type == draft.EventSentence || e.Event.Type == draft.EventSectionAttempt {
			continue
		}
		ts = append(ts, e.Event.Type+":"+string(rune('0'+e.Event.Section)))
	}
	return strings.Join(ts, " ")
}

func status(t *testing.T, s *embedded.Store, id string) *draft.Draft {
	t.Helper()
	d, err := s.Draft(t.Context(), retrieval.AllWorkspaces(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRunner(t *testing.T) {
	t.Run("the last section's job settles the draft, after every section's end", func(t *testing.T) {
		r, s, dr := runnerEnv(t, offline.Writer{})
		for n := range 2 {
			if err := r.Work(t.Context(), queue.Job{DraftID: dr.ID, Section: n, Model: "offline"}, false); err != nil {
				t.Fatalf("Work %d: %v", n, err)
			}
		}
		if got := status(t, s, dr.ID); got.Status != draft.StatusReady || got.Sections[0].Status != draft.StatusReady || len(got.Sections[1].Sentences) == 0 {
			t.Fatalf("draft %s, sections %s %s", got.Status, got.Sections[0].Status, got.Sections[1].Status)
		}
		if got := eventTypes(t, s, dr.ID); got != "section_started:0 section_done:0 section_started:1 section_done:1 draft_done:0" {
			t.Errorf("events %s", got)
		}
	})
	t.Run("a section saved by a run that died has its end recorded once by its job's next run, which settles", func(t *testing.T) {
		r, s, dr := runnerEnv(t, offline.Writer{})
		d := &draft.Drafter{Store: s, Writer: offline.Writer{}}
		// Section 0's run saved it and died before recording its end; section 1 ran to the end.
		if err := d.RunSection(t.Context(), dr, 0, nil); err != nil {
			t.Fatal(err)
		}
		if err := r.Work(t.Context(), queue.Job{DraftID: dr.ID, Section: 1, Model: "offline"}, false); err != nil {
			t.Fatal(err)
		}
		if got := status(t, s, dr.ID); got.Status != draft.StatusGenerating {
			t.Errorf("the draft is %s before section 0's end is recorded, want generating", got.Status)
		}
		for range 2 { // run again, and once more as if that run died too before the queue knew
			if err := r.Work(t.Context(), queue.Job{DraftID: dr.ID, Section: 0, Model: "offline"}, false); err != nil {
				t.Fatal(err)
			}
		}
		if got := eventTypes(t, s, dr.ID); got != "section_started:1 section_done:1 section_done:0 draft_done:0" {
			t.Errorf("events %s, want section 0's end recorded once, before the draft's", got)
		}
		if got := status(t, s, dr.ID); got.Status != draft.StatusReady {
			t.Errorf("the draft is %s", got.Status)
		}
	})
	t.Run("two workers finishing a draft's last sections at once record its end once", func(t *testing.T) {
		r, s, dr := runnerEnv(t, offline.Writer{})
		d := &draft.Drafter{Store: s, Writer: offline.Writer{}}
		// Both sections were saved and their ends recorded by runs whose processes died before
		// the queue knew: their jobs' next runs, at once, each find the draft ready to settle.
		for n := range 2 {
			if err := d.RunSection(t.Context(), dr, n, func(e draft.Event) { s.AppendEvent(t.Context(), e) }); err != nil {
				t.Fatal(err)
			}
		}
		r.Store = &rendezvous{Store: s}
		var wg sync.WaitGroup
		for n := range 2 {
			wg.Go(func() {
				if err := r.Work(t.Context(), queue.Job{DraftID: dr.ID, Section: n, Model: "offline"}, false); err != nil {
					t.Errorf("Work %d: %v", n, err)
				}
			})
		}
		wg.Wait()
		if got := eventTypes(t, s, dr.ID); got != "section_started:0 section_done:0 section_started:1 section_done:1 draft_done:0" {
			t.Errorf("events %s, want the draft's end once", got)
		}
		if got := status(t, s, dr.ID); got.Status != draft.StatusReady {
			t.Errorf("the draft is %s", got.Status)
		}
	})
	t.Run("an attempt that is not the last leaves the section to the queue; the last fails it", func(t *testing.T) {
		r, s, dr := runnerEnv(t, failing{})
		job := queue.Job{DraftID: dr.ID, Section: 0, Model: "offline"}
		if err := r.Work(t.Context(), job, false); err == nil {
			t.Fatal("a failed attempt returned no error: the queue would not try again")
		}
		if got := status(t, s, dr.ID); got.Sections[0].Status != draft.StatusPending || strings.Contains(eventTypes(t, s, dr.ID), "failed") {
			t.Fatalf("after a failed attempt: section %s, events %s", got.Sections[0].Status, eventTypes(t, s, dr.ID))
		}
		if err := r.Work(t.Context(), job, true); err != nil {
			t.Fatalf("the last attempt: %v", err)
		}
		got := status(t, s, dr.ID)
		if got.Sections[0].Status != draft.StatusFailed || got.Sections[0].Error == "" {
			t.Errorf("after the last attempt: section %s (%q)", got.Sections[0].Status, got.Sections[0].Error)
		}
		if types := eventTypes(t, s, dr.ID); !strings.HasSuffix(types, "section_failed:0") {
			t.Errorf("events %s", types)
		}
	})
	t.Run("a last attempt that cannot save its failed section fails, and recovery ends the draft", func(t *testing.T) {
		r, s, dr := runnerEnv(t, failing{})
		base := r.Drafter
		r.Drafter = func(ctx context.Context, j queue.Job) (*draft.Drafter, error) {
			d, err := base(ctx, j)
			if err != nil {
				return nil, err
			}
			d.Store = saveFails{d.Store} // the database went down during the attempt
			return d, nil
		}
		if err := r.Work(t.Context(), queue.Job{DraftID: dr.ID, Section: 0, Model: "offline"}, true); err == nil {
			t.Fatal("the last attempt reported success, yet its section was never saved: no job would finish the draft")
		}
		got := status(t, s, dr.ID)
		if got.Status != draft.StatusGenerating || got.Sections[0].Status != draft.StatusPending {
			t.Fatalf("after the failed save: draft %s, section 0 %s; want generating and pending", got.Status, got.Sections[0].Status)
		}
		// The queue discards the job; the draft, generating with no live job, is recovered.
		d := &draft.Drafter{Store: s}
		if n, err := d.RecoverInterrupted(t.Context(), time.Now().Add(time.Second)); err != nil || n != 1 {
			t.Fatalf("RecoverInterrupted: %d, %v; want the one draft", n, err)
		}
		if got := status(t, s, dr.ID); got.Status != draft.StatusFailed || got.Sections[0].Status != draft.StatusFailed {
			t.Errorf("after recovery: draft %s, section 0 %s; want both failed", got.Status, got.Sections[0].Status)
		}
	})
	t.Run("a job whose draft is gone ends without a retry", func(t *testing.T) {
		r, s, dr := runnerEnv(t, offline.Writer{})
		if err := s.DeleteDraft(t.Context(), retrieval.AllWorkspaces(), dr.ID); err != nil {
			t.Fatal(err)
		}
		if err := r.Work(t.Context(), queue.Job{DraftID: dr.ID, Section: 0}, false); !errors.Is(err, queue.ErrGone) {
			t.Errorf("Work: %v, want ErrGone", err)
		}
	})
}

// rendezvous is a draft store whose Draft calls meet in pairs: each reads, then waits (up to 2 s)
// for another caller, so two workers see a draft as it was before either acted, as two replicas may.
type rendezvous struct {
	draft.Store
	mu   sync.Mutex
	wait chan struct{}
}

func (r *rendezvous) Draft(ctx context.Context, sc retrieval.Scope, id string) (*draft.Draft, error) {
	d, err := r.Store.Draft(ctx, sc, id) // read, then wait: both callers see the draft as it was
	r.mu.Lock()
	if r.wait == nil {
		r.wait = make(chan struct{})
		ch := r.wait
		r.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(2 * time.Second):
			r.mu.Lock()
			if r.wait == ch {
				r.wait = nil
			}
			r.mu.Unlock()
		}
	} else {
		close(r.wait)
		r.wait = nil
		r.mu.Unlock()
	}
	return d, err
}

func TestRunnerSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	old := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(old) })
	r, _, dr := runnerEnv(t, failing{})
	if err := r.Work(t.Context(), queue.Job{DraftID: dr.ID, Section: 1, Model: "offline"}, false); err == nil {
		t.Fatal("a failed attempt returned no error")
	}
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != "draft_section job" || spans[0].Status.Code.String() != "Error" {
		t.Fatalf("spans %+v, want one failed draft_section job", spans)
	}
	attrs := map[string]string{}
	for _, a := range spans[0].Attributes {
		attrs[string(a.Key)] = a.Value.Emit()
	}
	if attrs["draftd.draft_id"] != dr.ID || attrs["draftd.section"] != "1" || attrs["draftd.final_attempt"] != "false" {
		t.Errorf("attributes %v", attrs)
	}
}

// saveFails is a draft store whose SaveSection fails as a database that is down does.
type saveFails struct{ draft.Store }

func (saveFails) SaveSection(context.Context, string, draft.Section) error {
	return retrieval.Errorf(retrieval.EUNAVAILABLE, "数据库暂时不可用，请稍后重试")
}
