package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// Idempotency headers: the client's key, and the mark on an answer repeated for a retry.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// idempotencyKey returns the request's Idempotency-Key as the record the draft it makes will be
// stored with (see queue.Queue.Create), nil when it sent none or the server keeps no records.
// The record holds the SHA-256 of the body and the chosen model, so that the same key with
// another request is caught.
func (s *Server) idempotencyKey(c echo.Context, body []byte) (*queue.Idempotency, error) {
	key := c.Request().Header.Get(headerIdempotencyKey)
	if key == "" || s.Idempotency == nil {
		return nil, nil
	}
	if len(key) > 255 || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return nil, retrieval.Errorf(retrieval.EINVALID, "Idempotency-Key 应为 1 到 255 个可打印的 ASCII 字符，例如 UUID")
	}
	h := sha256.New()
	h.Write(body)
	fmt.Fprintf(h, "\x00model=%s", c.QueryParam("model"))
	return &queue.Idempotency{Scope: principalOf(c).scope, Key: key, BodyHash: h.Sum(nil), CreatedAt: s.gate.now().UTC()}, nil
}

// claimLapse is how old a record of a key with no draft is when it is a lookup's claim that was
// never released (refusedWithKey, its release failed), not a request still being handled: a
// lookup holds its claim for the time of two statements.
const claimLapse = 10 * time.Second

// leftClaim reports whether got, the record of key that a request found, is a claim left behind,
// and if so deletes it, so that the request goes on as if the key were new: a failed release
// would otherwise block the key for auth.IdempotencyTTL.
func (s *Server) leftClaim(ctx context.Context, key *queue.Idempotency, got queue.Idempotency) bool {
	if got.DraftID != "" || key.CreatedAt.Sub(got.CreatedAt) < claimLapse {
		return false
	}
	if err := s.Idempotency.ReleaseIdempotency(ctx, key.Scope, key.Key); err != nil {
		s.Logger.Warn("releasing an Idempotency-Key left claimed", "err", err)
		return false
	}
	return true
}

// replayKey answers a request whose Idempotency-Key an earlier request recorded (got): with the
// draft it made when the request is the same, ECONFLICT when it is another.
func (s *Server) replayKey(c echo.Context, key *queue.Idempotency, got queue.Idempotency) error {
	switch {
	case !bytes.Equal(got.BodyHash, key.BodyHash):
		return retrieval.Errorf(retrieval.ECONFLICT, "同一个 Idempotency-Key 被用于不同的请求")
	case got.DraftID == "":
		// Claimed within claimLapse by a request refused at the same time (refusedWithKey).
		return retrieval.Errorf(retrieval.ECONFLICT, "使用这个 Idempotency-Key 的请求仍在处理中，请几秒后重试")
	}
	return s.replayDraft(c, got.DraftID)
}

// replayDraft answers a retried POST /api/v1/drafts with the draft the first request made: its
// ID and status (202) or, with ?wait=true, the draft once it is done.
func (s *Server) replayDraft(c echo.Context, id string) error {
	c.Response().Header().Set(headerReplayed, "true")
	if c.QueryParam("wait") == "true" {
		dr, err := s.waitDraft(c, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, withProgress(dr))
	}
	dr, err := s.DraftStore.Draft(c.Request().Context(), scopeOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, createDraftResponse{ID: dr.ID, Status: dr.Status})
}

// refusedWithKey answers a request with an Idempotency-Key that was refused with err before
// anything was stored: when an earlier request recorded the key, as replayKey does, else err.
// The lookup claims the key and frees it again at once; a claim whose release failed is taken
// for no record once claimLapse old (leftClaim).
func (s *Server) refusedWithKey(c echo.Context, key *queue.Idempotency, err error) error {
	ctx := c.Request().Context()
	r := auth.Idempotency{Scope: key.Scope, Key: key.Key, BodyHash: key.BodyHash, CreatedAt: key.CreatedAt}
	got, claimed, cerr := s.Idempotency.ClaimIdempotency(ctx, r, key.CreatedAt.Add(-auth.IdempotencyTTL))
	if cerr != nil {
		return err
	}
	if claimed {
		s.Idempotency.ReleaseIdempotency(context.WithoutCancel(ctx), key.Scope, key.Key)
		return err
	}
	if got.DraftID == "" && (bytes.Equal(got.BodyHash, key.BodyHash) || key.CreatedAt.Sub(got.CreatedAt) >= claimLapse) {
		return err
	}
	return s.replayKey(c, key, queue.Idempotency{Scope: got.Scope, Key: got.Key, BodyHash: got.BodyHash, DraftID: got.DraftID, CreatedAt: got.CreatedAt})
}
