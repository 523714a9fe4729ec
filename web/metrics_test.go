package web

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/metrics"
	"github.com/draftd/draftd/draft/offline"
)

// scrape returns the samples metrics.Handler serves, by series as Prometheus's text format writes
// it: name{label="value",…} with labels in name order.
func scrape(t *testing.T) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: status %d", rec.Code)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// tokenWriter is the offline writer reporting the tokens a model would.
type tokenWriter struct{ offline.Writer }

func (w tokenWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	out, err := w.Writer.Write(ctx, req)
	out.Usage = draft.Usage{PromptTokens: 100, CompletionTokens: 40}
	return out, err
}

func TestMetrics(t *testing.T) {
	s, _ := testServer(t)
	s.Writers[offline.Model] = metrics.Writer(offline.Model, tokenWriter{})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	before := scrape(t)
	if st, d := call(t, "POST", srv.URL+"/api/v1/drafts?wait=true", "application/json", strings.NewReader(figuresJSON)); st != http.StatusOK {
		t.Fatalf("draft: %d %v", st, d)
	}
	for _, p := range []string{"/api/v1/drafts/nosuchdraft", "/no/such/path/12345", "/healthz"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	after := scrape(t)
	moved := func(series string) float64 { return after[series] - before[series] }

	t.Run("requests count by route template and the status the client got", func(t *testing.T) {
		for series, want := range map[string]float64{
			`draftd_http_requests_total{method="POST",route="/api/v1/drafts",status="200"}`:    1,
			`draftd_http_requests_total{method="GET",route="/api/v1/drafts/:id",status="404"}`: 1,
			`draftd_http_requests_total{method="GET",route="/healthz",status="200"}`:           1,
			`draftd_http_request_duration_seconds_count{method="POST",route="/api/v1/drafts"}`: 1,
		} {
			if got := moved(series); got != want {
				t.Errorf("%s moved by %v, want %v", series, got, want)
			}
		}
	})
	t.Run("a path no route matches never becomes a label", func(t *testing.T) {
		for series := range after {
			if strings.Contains(series, "12345") || strings.Contains(series, "nosuchdraft") {
				t.Errorf("series %s names a path", series)
			}
		}
	})
	t.Run("each section's model call counts with its tokens and latency", func(t *testing.T) {
		calls := moved(`draftd_model_calls_total{model="offline",outcome="ok"}`)
		if calls < 2 { // two sections, one call each at least
			t.Fatalf("model calls moved by %v, want ≥ 2", calls)
		}
		for series, want := range map[string]float64{
			`draftd_model_tokens_total{kind="prompt",model="offline"}`:     100 * calls,
			`draftd_model_tokens_total{kind="completion",model="offline"}`: 40 * calls,
			`draftd_model_call_duration_seconds_count{model="offline"}`:    calls,
		} {
			if got := moved(series); got != want {
				t.Errorf("%s moved by %v, want %v", series, got, want)
			}
		}
	})
	t.Run("a job runner's observer counts the drafting events", func(t *testing.T) {
		before := scrape(t)
		s.observeEvent(draft.Event{Type: draft.EventSectionDone})
		s.observeEvent(draft.Event{Type: draft.EventSentence, Sentence: &draft.Sentence{Risk: draft.RiskMedium}})
		after := scrape(t)
		for _, series := range []string{`draftd_sections_total{state="done"}`, `draftd_sentences_total{risk="medium"}`} {
			if got := after[series] - before[series]; got != 1 {
				t.Errorf("%s moved by %v, want 1", series, got)
			}
		}
	})
	t.Run("the Go runtime is exposed too", func(t *testing.T) {
		if _, ok := after["go_goroutines"]; !ok {
			t.Error("no go_goroutines")
		}
	})
}

func TestReadyz(t *testing.T) {
	s, _ := testServer(t)
	queueUp := true
	s.Ready = []ReadyCheck{{Name: "queue", Message: "任务队列没有响应", Check: func(ctx context.Context) error {
		if queueUp {
			return nil
		}
		return errors.New("dial tcp 10.0.0.7:5432: connection refused")
	}}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	t.Run("ready when the store and the queue answer", func(t *testing.T) {
		st, body := call(t, "GET", srv.URL+"/readyz", "", nil)
		checks, _ := body["checks"].(map[string]any)
		if st != http.StatusOK || body["status"] != "ready" || checks["store"] != "ok" || checks["queue"] != "ok" {
			t.Fatalf("%d %v", st, body)
		}
	})
	t.Run("503 naming the queue, not its host, when the queue does not answer", func(t *testing.T) {
		queueUp = false
		defer func() { queueUp = true }()
		st, body := call(t, "GET", srv.URL+"/readyz", "", nil)
		e, _ := body["error"].(map[string]any)
		if st != http.StatusServiceUnavailable || e["code"] != "unavailable" || e["message"] != "任务队列没有响应" {
			t.Fatalf("%d %v", st, body)
		}
		detail, _ := e["detail"].(map[string]any)
		checks, _ := detail["checks"].(map[string]any)
		if checks["store"] != "ok" || checks["queue"] != "unavailable" {
			t.Errorf("checks %v", checks)
		}
		if strings.Contains(strings.ToLower(e["message"].(string)), "10.0.0.7") {
			t.Errorf("message names the host: %v", e["message"])
		}
	})
}
