package web

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// releaseFailsOnce is an Idempotency store whose first release fails, as a database that drops
// the connection does, and deletes nothing.
type releaseFailsOnce struct {
	auth.IdempotencyStore
	failed atomic.Bool
}

func (s *releaseFailsOnce) ReleaseIdempotency(ctx context.Context, scope, key string) error {
	if s.failed.CompareAndSwap(false, true) {
		return errors.New("connection reset")
	}
	return s.IdempotencyStore.ReleaseIdempotency(ctx, scope, key)
}

func TestIdempotencyKeyLeftClaimed(t *testing.T) {
	env := newAuthServer(t, true, func(s *Server) {
		s.Idempotency = &releaseFailsOnce{IdempotencyStore: s.Idempotency}
	})
	writer := env.tokens[auth.RoleWriter]
	bad := env.send(t, "POST", "/api/v1/drafts", writer, `{"title":""}`, "Idempotency-Key", "office-retry-9")
	if bad.status != 400 {
		t.Fatalf("bad request: %d %v", bad.status, bad.body)
	}
	t.Run("while the refused request's claim may be a request in flight, the key conflicts", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON, "Idempotency-Key", "office-retry-9")
		if r.status != 409 || r.code() != retrieval.ECONFLICT {
			t.Fatalf("corrected request at once: %d %v; want 409", r.status, r.body)
		}
	})
	t.Run("a claim whose release failed is forgotten once it is older than a request takes", func(t *testing.T) {
		env.clock.advance(claimLapse)
		r := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON, "Idempotency-Key", "office-retry-9")
		if r.status != 202 || r.body["id"] == nil {
			t.Fatalf("corrected request after %v: %d %v; want 202 and a new draft", claimLapse, r.status, r.body)
		}
		again := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON, "Idempotency-Key", "office-retry-9")
		if again.status != 202 || again.body["id"] != r.body["id"] || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("its retry: %d %v; want the same draft replayed", again.status, again.body)
		}
	})
}
