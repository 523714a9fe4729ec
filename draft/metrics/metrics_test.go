package metrics

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// delta returns how much c moves while f runs.
func delta(c prometheus.Collector, f func()) float64 {
	before := testutil.ToFloat64(c)
	f()
	return testutil.ToFloat64(c) - before
}

func TestObserveEvent(t *testing.T) {
	sentence := func(r draft.Risk) draft.Event {
		return draft.Event{Type: draft.EventSentence, Sentence: &draft.Sentence{Risk: r}}
	}
	// One draft of two sections: the first done after a retry, the second failed.
	events := []draft.Event{
		{Type: draft.EventSectionStarted, Section: 0},
		{Type: draft.EventSectionAttempt, Section: 0, Attempt: 1},
		{Type: draft.EventSectionAttempt, Section: 0, Attempt: 2},
		sentence(draft.RiskLow), sentence(draft.RiskLow), sentence(draft.RiskHigh),
		{Type: draft.EventSectionDone, Section: 0},
		{Type: draft.EventSectionStarted, Section: 1},
		{Type: draft.EventSectionAttempt, Section: 1, Attempt: 1},
		{Type: draft.EventSectionFailed, Section: 1},
		{Type: draft.EventDraftFailed},
	}
	for _, tc := range []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"sections started", sections.WithLabelValues("started"), 2},
		{"sections done", sections.WithLabelValues("done"), 1},
		{"sections failed", sections.WithLabelValues("failed"), 1},
		{"retries: attempts after the first", sectionRetries, 1},
		{"low-risk sentences", sentences.WithLabelValues("low"), 2},
		{"high-risk sentences", sentences.WithLabelValues("high"), 1},
		{"medium-risk sentences", sentences.WithLabelValues("medium"), 0},
		{"drafts failed", drafts.WithLabelValues("failed"), 1},
		{"drafts done", drafts.WithLabelValues("done"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := delta(tc.c, func() {
				for _, e := range events {
					ObserveEvent(e)
				}
			}); got != tc.want {
				t.Errorf("moved by %v, want %v", got, tc.want)
			}
		})
	}
}

// fakeWriter answers with usage and err.
type fakeWriter struct {
	usage draft.Usage
	err   error
}

func (w fakeWriter) Write(context.Context, draft.SectionRequest) (draft.SectionText, error) {
	return draft.SectionText{Text: "x", Usage: w.usage}, w.err
}

func TestWriter(t *testing.T) {
	ctx := context.Background()
	t.Run("a call counts its outcome, tokens and latency under the model's name", func(t *testing.T) {
		w := Writer("m-ok", fakeWriter{usage: draft.Usage{PromptTokens: 300, CompletionTokens: 120}})
		for range 2 {
			if _, err := w.Write(ctx, draft.SectionRequest{}); err != nil {
				t.Fatal(err)
			}
		}
		for name, got := range map[string]float64{
			"calls":             testutil.ToFloat64(modelCalls.WithLabelValues("m-ok", "ok")),
			"prompt tokens":     testutil.ToFloat64(modelTokens.WithLabelValues("m-ok", "prompt")),
			"completion tokens": testutil.ToFloat64(modelTokens.WithLabelValues("m-ok", "completion")),
		} {
			want := map[string]float64{"calls": 2, "prompt tokens": 600, "completion tokens": 240}[name]
			if got != want {
				t.Errorf("%s = %v, want %v", name, got, want)
			}
		}
		if n := testutil.CollectAndCount(modelDuration, "draftd_model_call_duration_seconds"); n == 0 {
			t.Error("no latency series")
		}
	})
	t.Run("a failure counts under its code, a timeout as timeout", func(t *testing.T) {
		for _, tc := range []struct {
			err  error
			want string
		}{
			{retrieval.Errorf(retrieval.EUNAVAILABLE, "模型服务没有响应"), retrieval.EUNAVAILABLE},
			{context.DeadlineExceeded, "timeout"},
		} {
			w := Writer("m-fail", fakeWriter{err: tc.err})
			if got := delta(modelCalls.WithLabelValues("m-fail", tc.want), func() { w.Write(ctx, draft.SectionRequest{}) }); got != 1 {
				t.Errorf("%v: %s moved by %v", tc.err, tc.want, got)
			}
		}
	})
	t.Run("wrapping twice counts once", func(t *testing.T) {
		w := Writer("m-twice", Writer("m-twice", fakeWriter{}))
		if got := delta(modelCalls.WithLabelValues("m-twice", "ok"), func() { w.Write(ctx, draft.SectionRequest{}) }); got != 1 {
			t.Errorf("moved by %v", got)
		}
	})
}

func TestQueueJobs(t *testing.T) {
	SetQueueJobs("available", 7)
	SetQueueJobs("available", 3)
	if got := testutil.ToFloat64(queueDepth.WithLabelValues("available")); got != 3 {
		t.Errorf("queue depth %v, want the last value set, 3", got)
	}
}

func TestRegistry(t *testing.T) {
	// Every metric family draftd documents is registered (a vector shows once it has a series).
	ObserveRequest("GET", "/healthz", 200, 0)
	ObserveEvent(draft.Event{Type: draft.EventSectionStarted})
	SetQueueJobs("running", 0)
	Writer("m-reg", fakeWriter{}).Write(context.Background(), draft.SectionRequest{})
	mfs, err := Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, mf := range mfs {
		have[mf.GetName()] = true
	}
	for _, name := range []string{"draftd_http_requests_total", "draftd_http_request_duration_seconds",
		"draftd_sections_total", "draftd_model_calls_total", "draftd_model_tokens_total",
		"draftd_model_call_duration_seconds", "draftd_queue_jobs", "go_goroutines", "process_resident_memory_bytes"} {
		if !have[name] {
			t.Errorf("%s is not gathered", name)
		}
	}
}
