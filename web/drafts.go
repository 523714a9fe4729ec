package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// draftTimeout bounds a whole draft run in the background.
const draftTimeout = 15 * time.Minute

// createDraftResponse answers POST /api/v1/drafts without ?wait=true.
type createDraftResponse struct {
	ID     string       `json:"id"`
	Status draft.Status `json:"status"`
}

// drafter returns the drafter for the model the request asks for (?model=), or the default.
func (s *Server) drafter(c echo.Context) (*draft.Drafter, error) {
	name := c.QueryParam("model")
	if name == "" {
		name = s.DefaultModel
	}
	return s.drafterFor(c, name)
}

// drafterFor returns the drafter for model name, its writer and claim check counting against the
// sender's token budget.
func (s *Server) drafterFor(c echo.Context, name string) (*draft.Drafter, error) {
	w, ok := s.Writers[name]
	if !ok {
		var names []string
		for n := range s.Writers {
			names = append(names, n)
		}
		return nil, retrieval.Errorf(retrieval.EINVALID, "没有名为 %q 的模型，可选：%v", name, names)
	}
	w, err := s.metered(c, name, w)
	if err != nil {
		return nil, err
	}
	// Drafts are stored in the sender's workspace, from passages of it and of shared collections.
	d := s.Drafter.InWorkspace(scopeOf(c))
	d.Writer, d.Model = w, name
	d.ClaimChecker = s.meteredCheck(c, d.ClaimChecker)
	return d, nil
}

// createDraft stores a new draft and drafts it. A retry with the same Idempotency-Key gets the
// draft the first request made.
func (s *Server) createDraft(c echo.Context) error {
	ctx := c.Request().Context()
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	claim, err := s.claimIdempotency(c, body)
	if err != nil {
		return err
	}
	if claim.draftID != "" {
		return s.replayDraft(c, claim.draftID)
	}
	d, dr, err := s.newDraft(c, body)
	if err := claim.finish(ctx, dr, err); err != nil {
		return err
	}
	if c.QueryParam("wait") == "true" {
		// The draft is finished even if this client goes away, so it is never half-written.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), draftTimeout)
		defer cancel()
		d.Run(rctx, dr, s.publish)
		return s.writeDraft(c, http.StatusOK, dr.ID)
	}
	resp := createDraftResponse{ID: dr.ID, Status: dr.Status} // before Run starts changing dr
	go func() {
		rctx, cancel := context.WithTimeout(context.Background(), draftTimeout)
		defer cancel()
		if err := d.Run(rctx, dr, s.publish); err != nil && retrieval.ErrorCode(err) == retrieval.EINTERNAL {
			s.Logger.Error("draft run", "draft_id", dr.ID, "err", err)
		}
	}()
	return c.JSON(http.StatusAccepted, resp)
}

// publish sends a drafting event to the draft's subscribers and writes the failures to the log,
// so that an operator sees a model that refuses, times out or cuts its answers off.
func (s *Server) publish(e draft.Event) {
	switch e.Type {
	case draft.EventSectionFailed:
		s.Logger.Warn("draft section failed", "draft_id", e.DraftID, "section", e.Section, "err", e.Error)
	case draft.EventDraftFailed:
		s.Logger.Warn("draft failed", "draft_id", e.DraftID, "err", e.Error)
	}
	s.events.publish(e)
}

// newDraft stores a pending draft of the figures in body, with the drafter that will draft it, in
// the sender's workspace. With an API key or a session the draft records the key's holder or the
// user as its creator, who may not review it.
func (s *Server) newDraft(c echo.Context, body []byte) (*draft.Drafter, *draft.Draft, error) {
	d, err := s.drafter(c)
	if err != nil {
		return nil, nil, err
	}
	if p := principalOf(c); p.keyID != "" {
		d.Store = creatorStore{Store: d.Store, by: p.name}
	}
	in, err := draft.ParseFiguresJSON(bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	dr, err := d.Create(c.Request().Context(), in)
	if err != nil {
		return nil, nil, err
	}
	return d, dr, nil
}

// creatorStore stores each new draft with its creator: Drafter.Create knows nothing of API keys.
type creatorStore struct {
	draft.Store
	by string
}

// CreateDraft stores d as created by the store's creator.
func (s creatorStore) CreateDraft(ctx context.Context, d *draft.Draft) error {
	d.CreatedBy = s.by
	return s.Store.CreateDraft(ctx, d)
}

func (s *Server) writeDraft(c echo.Context, status int, id string) error {
	dr, err := s.loadDraft(c, id)
	if err != nil {
		return err
	}
	return c.JSON(status, withProgress(dr))
}

// loadDraft reads draft id of the sender's workspace, saying in Chinese that it is not there
// (deleted, never made, or another workspace's: which of them is not told).
func (s *Server) loadDraft(c echo.Context, id string) (*draft.Draft, error) {
	dr, err := s.DraftStore.Draft(c.Request().Context(), scopeOf(c), id)
	if retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
		return nil, retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 不存在，可能已被删除", id)
	}
	return dr, err
}

// deleteDraft removes a draft with its sentences and audit trail, for good. A draft still being
// written is refused (ECONFLICT): its drafting would go on writing into a draft that is gone.
func (s *Server) deleteDraft(c echo.Context) error {
	ctx := c.Request().Context()
	dr, err := s.loadDraft(c, c.Param("id"))
	if err != nil {
		return err
	}
	if dr.Status == draft.StatusGenerating || dr.Status == draft.StatusPending {
		return retrieval.Errorf(retrieval.ECONFLICT, "稿件正在生成，生成结束后才能删除")
	}
	if err := s.DraftStore.DeleteDraft(ctx, scopeOf(c), dr.ID); err != nil {
		if retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
			return retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 不存在，可能已被删除", dr.ID)
		}
		return err
	}
	// The audit trail goes with the draft, so the log keeps who deleted it.
	s.Logger.Info("draft deleted", "draft_id", dr.ID, "title", dr.Title, "key_id", principalOf(c).keyID, "request_id", requestID(c))
	return c.NoContent(http.StatusNoContent)
}

// duplicateRequest names the next period's draft; both fields are optional.
type duplicateRequest struct {
	Title  string `json:"title"`
	Period string `json:"period"`
}

// duplicateDraft answers with a draft's figures made ready for the next period (see
// draft.Draft.NextInput): the values are the writer's to give, so nothing is stored or drafted, and
// the web app fills its new-draft form with them. The body is optional.
func (s *Server) duplicateDraft(c echo.Context) error {
	var req duplicateRequest
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	dr, err := s.loadDraft(c, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, dr.NextInput(req.Title, req.Period))
}

func (s *Server) getDraft(c echo.Context) error {
	return s.writeDraft(c, http.StatusOK, c.Param("id"))
}

// draftsResponse lists drafts.
type draftsResponse struct {
	Drafts []draft.DraftInfo `json:"drafts"`
}

func (s *Server) listDrafts(c echo.Context) error {
	ds, err := s.DraftStore.Drafts(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, draftsResponse{Drafts: nonNil(ds)})
}

func (s *Server) regenerateSection(c echo.Context) error {
	ctx := c.Request().Context()
	n, err := sectionParam(c)
	if err != nil {
		return err
	}
	dr, err := s.loadDraft(c, c.Param("id"))
	if err != nil {
		return err
	}
	if dr.Status == draft.StatusGenerating || dr.Status == draft.StatusPending {
		return retrieval.Errorf(retrieval.ECONFLICT, "稿件 %s 仍在生成，生成结束后再重新生成", dr.ID)
	}
	if n < 0 || n >= len(dr.Sections) {
		return retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 没有第 %d 部分（部分编号从 0 到 %d）", dr.ID, n, len(dr.Sections)-1)
	}
	model := c.QueryParam("model")
	if _, ok := s.Writers[dr.Model]; model == "" && ok {
		model = dr.Model // regenerate with the model the draft was made with, when it is still configured
	} else if model == "" {
		model = s.DefaultModel
	}
	d, err := s.drafterFor(c, model)
	if err != nil {
		return err
	}
	if c.QueryParam("wait") == "true" {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), draftTimeout)
		defer cancel()
		d.Regenerate(rctx, dr, n, s.publish)
		return s.writeDraft(c, http.StatusOK, dr.ID)
	}
	if err := d.MarkRegenerating(ctx, dr, n); err != nil {
		return err
	}
	go func() {
		rctx, cancel := context.WithTimeout(context.Background(), draftTimeout)
		defer cancel()
		d.Regenerate(rctx, dr, n, s.publish)
	}()
	return c.JSON(http.StatusAccepted, createDraftResponse{ID: dr.ID, Status: draft.StatusGenerating})
}

// draftEvents streams a draft's progress as server-sent events: first a "snapshot" with the
// draft as stored, then section_started, sentence, section_done/section_failed and finally
// draft_done or draft_failed, after which the stream ends.
func (s *Server) draftEvents(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	events, cancel := s.events.subscribe(id)
	defer cancel()
	dr, err := s.loadDraft(c, id)
	if err != nil {
		return err
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set(echo.HeaderCacheControl, "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(typ string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", typ, b); err != nil {
			return err
		}
		w.Flush()
		return nil
	}
	if err := send("snapshot", withProgress(dr)); err != nil {
		return nil
	}
	switch dr.Status {
	case draft.StatusReady, draft.StatusFailed, draft.StatusApproved:
		typ := draft.EventDraftDone
		if dr.Status == draft.StatusFailed {
			typ = draft.EventDraftFailed
		}
		send(typ, draft.Event{Type: typ, DraftID: id, Status: dr.Status})
		return nil
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			w.Flush()
		case e := <-events:
			if err := send(e.Type, e); err != nil {
				return nil
			}
			if e.Type == draft.EventDraftDone || e.Type == draft.EventDraftFailed {
				return nil
			}
		}
	}
}

// importFigures reads figures from an uploaded .xlsx, .csv or .json file (form field "file";
// optional fields title, organization, period) and returns them as figures JSON, drafting nothing.
func (s *Server) importFigures(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return retrieval.Errorf(retrieval.EINVALID, "请以 multipart/form-data 上传表格文件，字段名为 file")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	meta := draft.Meta{Title: c.FormValue("title"), Organization: c.FormValue("organization"), Period: c.FormValue("period")}
	in, err := draft.ImportFigures(fh.Filename, f, meta)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, in)
}

// sectionParam reads the :n path parameter, a section's index.
func sectionParam(c echo.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil {
		return 0, retrieval.Errorf(retrieval.EINVALID, "部分编号应为整数，收到的是 %q", c.Param("n"))
	}
	return n, nil
}
