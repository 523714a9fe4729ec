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

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/web/auth"
)

// staleClaim is how long an Idempotency-Key claimed by a request that made no draft holds off
// retries: longer than creating a draft takes, short enough for a client whose request died.
const staleClaim = time.Minute

// Idempotency headers: the client's key, and the mark on an answer repeated for a retry.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// idempotencyClaim is the Idempotency-Key a request claimed; the zero value when it sent none.
type idempotencyClaim struct {
	store      auth.IdempotencyStore
	scope, key string
	draftID    string // set when an earlier request with this key made the draft: answer with it
}

// claimIdempotency claims the request's Idempotency-Key for its sender. When an earlier request
// with the key made a draft, the claim names it; the same key with another request is ECONFLICT.
func (s *Server) claimIdempotency(c echo.Context, body []byte) (idempotencyClaim, error) {
	key := c.Request().Header.Get(headerIdempotencyKey)
	if key == "" || s.Idempotency == nil {
		return idempotencyClaim{}, nil
	}
	if len(key) > 255 || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return idempotencyClaim{}, retrieval.Errorf(retrieval.EINVALID, "Idempotency-Key 应为 1 到 255 个可打印的 ASCII 字符，例如 UUID")
	}
	ctx := c.Request().Context()
	h := sha256.New()
	h.Write(body)
	fmt.Fprintf(h, "\x00model=%s", c.QueryParam("model"))
	cl := idempotencyClaim{store: s.Idempotency, scope: principalOf(c).scope, key: key}
	for attempt := 0; ; attempt++ {
		now := s.gate.now().UTC()
		r := auth.Idempotency{Scope: cl.scope, Key: key, BodyHash: h.Sum(nil), CreatedAt: now}
		got, claimed, err := s.Idempotency.ClaimIdempotency(ctx, r, now.Add(-auth.IdempotencyTTL))
		switch {
		case err != nil:
			return idempotencyClaim{}, fmt.Errorf("web: idempotency: %w", err)
		case claimed:
			return cl, nil
		case !bytes.Equal(got.BodyHash, r.BodyHash):
			return idempotencyClaim{}, retrieval.Errorf(retrieval.ECONFLICT, "同一个 Idempotency-Key 被用于不同的请求")
		case got.DraftID != "":
			cl.draftID = got.DraftID
			return cl, nil
		case attempt == 0 && now.Sub(got.CreatedAt) > staleClaim:
			// The request that claimed the key died before making a draft: free it and claim it again.
			if err := s.Idempotency.ReleaseIdempotency(ctx, cl.scope, key); err != nil {
				return idempotencyClaim{}, fmt.Errorf("web: idempotency: %w", err)
			}
		default:
			return idempotencyClaim{}, retrieval.Errorf(retrieval.ECONFLICT, "使用这个 Idempotency-Key 的请求仍在处理中，请几秒后重试")
		}
	}
}

// finish records the draft the claimed request made, or frees the key when it made none (err),
// so that the client can correct the request and send it again. It returns err.
func (cl idempotencyClaim) finish(ctx context.Context, dr *draft.Draft, err error) error {
	if cl.store == nil {
		return err
	}
	if err != nil {
		// Should the release fail, the claim goes stale and a retry frees it after staleClaim.
		cl.store.ReleaseIdempotency(context.WithoutCancel(ctx), cl.scope, cl.key)
		return err
	}
	if err := cl.store.SetIdempotencyDraft(ctx, cl.scope, cl.key, dr.ID); err != nil {
		return fmt.Errorf("web: idempotency: %w", err)
	}
	return nil
}

// replayDraft answers a retried POST /api/v1/drafts with the draft the first request made: its
// ID and status (202) or, with ?wait=true, the draft once it is done.
func (s *Server) replayDraft(c echo.Context, id string) error {
	ctx := c.Request().Context()
	c.Response().Header().Set(headerReplayed, "true")
	if c.QueryParam("wait") != "true" {
		dr, err := s.DraftStore.Draft(ctx, scopeOf(c), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusAccepted, createDraftResponse{ID: dr.ID, Status: dr.Status})
	}
	events, cancel := s.events.subscribe(id)
	defer cancel()
	dr, err := s.DraftStore.Draft(ctx, scopeOf(c), id)
	if err != nil {
		return err
	}
	// The first request's run publishes its end; the store is polled too, in case another
	// process runs the draft.
	wctx, stop := context.WithTimeout(ctx, draftTimeout)
	defer stop()
	poll := time.NewTicker(2 * time.Second)
	defer poll.Stop()
	for dr.Status == draft.StatusPending || dr.Status == draft.StatusGenerating {
		select {
		case <-wctx.Done():
			return s.writeDraft(c, http.StatusOK, id)
		case e := <-events:
			if e.Type != draft.EventDraftDone && e.Type != draft.EventDraftFailed {
				continue
			}
		case <-poll.C:
		}
		if dr, err = s.DraftStore.Draft(ctx, scopeOf(c), id); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, withProgress(dr))
}
