package openai

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/retrieval"
)

// fakeEmbeddings is an OpenAI-compatible /embeddings server whose first
// answers can be scripted failures.
type fakeEmbeddings struct {
	mu       sync.Mutex
	fail     []int  // statuses to answer first, one per request
	retryHdr string // Retry-After sent with failures
	dim      int
	requests int
	batches  []int
}

func (f *fakeEmbeddings) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	var st int
	if len(f.fail) > 0 {
		st, f.fail = f.fail[0], f.fail[1:]
	}
	f.mu.Unlock()
	if r.URL.Path != "/v1/embeddings" || r.Header.Get("Authorization") != "Bearer sk-test" {
		http.Error(w, "bad path or key", http.StatusNotFound)
		return
	}
	if st != 0 {
		if f.retryHdr != "" {
			w.Header().Set("Retry-After", f.retryHdr)
		}
		w.WriteHeader(st)
		w.Write([]byte(`{"error":{"message":"scripted failure","type":"x"}}`))
		return
	}
	var req struct {
		Input []string `json:"input"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	f.batches = append(f.batches, len(req.Input))
	f.mu.Unlock()
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	var data []item
	// Answer in reverse order: the client must place vectors by index.
	for i := len(req.Input) - 1; i >= 0; i-- {
		v := make([]float32, f.dim)
		v[len(req.Input[i])%f.dim] = 2
		data = append(data, item{"embedding", i, v})
	}
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": "m"})
}

func newTestEmbedder(t *testing.T, f *fakeEmbeddings, dim int) (*Embedder, *[]time.Duration) {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	e := New(Config{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Model: "m", Dim: dim, Batch: 2, Timeout: 5 * time.Second})
	var waits []time.Duration
	rt := NewRetryTransport(nil)
	rt.Sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	return newWithTransport(e.cfg, rt), &waits
}

func TestEmbedder(t *testing.T) {
	t.Run("vectors come back in input order, normalised, in batches", func(t *testing.T) {
		f := &fakeEmbeddings{dim: 4}
		e, _ := newTestEmbedder(t, f, 4)
		vs, err := e.Embed(context.Background(), []string{"a", "bb", "ccc"})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vs {
			if v[(i+1)%4] != 1 {
				t.Fatalf("vector %d = %v", i, v)
			}
		}
		if len(f.batches) != 2 || f.batches[0] != 2 || f.batches[1] != 1 {
			t.Fatalf("batches = %v", f.batches)
		}
	})
	t.Run("a 429 is retried after the server's Retry-After", func(t *testing.T) {
		f := &fakeEmbeddings{dim: 4, fail: []int{429}, retryHdr: "3"}
		e, waits := newTestEmbedder(t, f, 4)
		if _, err := e.Embed(context.Background(), []string{"a"}); err != nil {
			t.Fatal(err)
		}
		if len(*waits) != 1 || (*waits)[0] < 3*time.Second || (*waits)[0] > 3600*time.Millisecond {
			t.Fatalf("waits = %v, want one of 3 s plus at most 20%% jitter", *waits)
		}
	})
	t.Run("5xx answers are retried until the tries run out", func(t *testing.T) {
		f := &fakeEmbeddings{dim: 4, fail: []int{500, 502, 503, 503}}
		e, waits := newTestEmbedder(t, f, 4)
		_, err := e.Embed(context.Background(), []string{"a"})
		if err == nil || retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
			t.Fatalf("err = %v", err)
		}
		if f.requests != 4 || len(*waits) != 3 {
			t.Fatalf("requests = %d, waits = %v", f.requests, *waits)
		}
		if (*waits)[1] <= (*waits)[0] {
			t.Fatalf("backoff does not grow: %v", *waits)
		}
	})
	t.Run("other 4xx answers are never retried", func(t *testing.T) {
		f := &fakeEmbeddings{dim: 4, fail: []int{400}}
		e, waits := newTestEmbedder(t, f, 4)
		if _, err := e.Embed(context.Background(), []string{"a"}); err == nil {
			t.Fatal("want error")
		}
		if f.requests != 1 || len(*waits) != 0 {
			t.Fatalf("requests = %d, waits = %v", f.requests, *waits)
		}
	})
	t.Run("a model with another dimension is a clear error", func(t *testing.T) {
		f := &fakeEmbeddings{dim: 8}
		e, _ := newTestEmbedder(t, f, 4)
		_, err := e.Embed(context.Background(), []string{"a"})
		if retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a slow server hits the request timeout", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}))
		defer srv.Close()
		e := New(Config{BaseURL: srv.URL, Model: "m", Dim: 4, Timeout: 100 * time.Millisecond})
		start := time.Now()
		if _, err := e.Embed(context.Background(), []string{"a"}); err == nil {
			t.Fatal("want timeout error")
		}
		if time.Since(start) > 900*time.Millisecond {
			t.Fatal("the timeout did not cut the request short")
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
