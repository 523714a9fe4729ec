// Package openai embeds passages through any OpenAI-compatible /embeddings
// endpoint (OpenAI, DeepSeek, Qwen, vLLM, Ollama) using go-openai.
package openai

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// RetryTransport retries requests answered with 429 or 5xx, honouring
// Retry-After (seconds or an HTTP date) with added jitter, else backing off
// exponentially. Other statuses, including every other 4xx, pass through.
// The request body must be replayable (GetBody), as http.NewRequest makes it
// for in-memory bodies.
type RetryTransport struct {
	Base     http.RoundTripper // nil means http.DefaultTransport
	Attempts int               // total tries, at least 1
	MinWait  time.Duration     // first backoff when the server gives no Retry-After
	MaxWait  time.Duration     // cap on any single wait, Retry-After included
	// Sleep waits for d or until ctx is done; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewRetryTransport returns a RetryTransport with draftd's defaults: 4 tries, 500 ms to 20 s waits.
func NewRetryTransport(base http.RoundTripper) *RetryTransport {
	return &RetryTransport{Base: base, Attempts: 4, MinWait: 500 * time.Millisecond, MaxWait: 20 * time.Second}
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	sleep := t.Sleep
	if sleep == nil {
		sleep = Sleep
	}
	for attempt := 1; ; attempt++ {
		if attempt > 1 && req.Body != nil {
			if req.GetBody == nil {
				return nil, errors.New("openai: retry: request body cannot be replayed")
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		resp, err := base.RoundTrip(req)
		if err != nil || !retryable(resp.StatusCode) || attempt >= max(t.Attempts, 1) {
			return resp, err
		}
		wait := t.backoff(attempt, resp.Header.Get("Retry-After"))
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// backoff returns how long to wait before try attempt+1.
func (t *RetryTransport) backoff(attempt int, retryAfter string) time.Duration {
	wait := t.MinWait << (attempt - 1)
	if d, ok := parseRetryAfter(retryAfter, time.Now()); ok {
		wait = d
	}
	// Up to 20% jitter so clients that were refused together do not return together.
	wait += time.Duration(rand.Int64N(int64(wait)/5 + 1))
	if t.MaxWait > 0 && wait > t.MaxWait {
		wait = t.MaxWait
	}
	return wait
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// Sleep waits for d, or until ctx is done and then returns ctx's error; it is
// RetryTransport's wait when Sleep is nil.
func Sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
