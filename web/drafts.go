package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// draftTimeout bounds how long a request with ?wait=true waits for its draft; the drafting jobs go
// on regardless.
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

// createDraft stores a new draft with one drafting job per section and answers: 202 with its ID,
// or with ?wait=true the draft once it is done. The draft, its jobs and the request's
// Idempotency-Key commit in one transaction, so an acknowledged draft is never lost and a retry
// with the same key gets the draft the first request made, whichever replica it reaches.
func (s *Server) createDraft(c echo.Context) error {
	ctx := c.Request().Context()
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	key, err := s.idempotencyKey(c, body)
	if err != nil {
		return err
	}
	q, _, err := s.drafting()
	if err != nil {
		return err
	}
	d, dr, err := s.newDraft(c, body)
	if err != nil {
		if key != nil {
			// A retry of a request that made a draft gets it, even should it be refused now (a
			// budget spent since); the same key with another request is a conflict.
			return s.refusedWithKey(c, key, err)
		}
		return err
	}
	p := principalOf(c)
	dr.Workspace = scopeOf(c).Workspace()
	if p.keyID != "" {
		// With an API key or a session the draft records its creator, who may not review it.
		dr.CreatedBy = p.name
	}
	jobs := queue.Jobs(dr, queue.Job{Workspace: dr.Workspace, Model: d.Model, Budget: p.scope})
	since := s.gate.now().UTC().Add(-auth.IdempotencyTTL)
	got, created, err := q.Create(ctx, dr, jobs, key, since)
	if err == nil && !created && s.leftClaim(ctx, key, got) {
		got, created, err = q.Create(ctx, dr, jobs, key, since)
	}
	if err != nil {
		return err
	}
	if !created {
		return s.replayKey(c, key, got)
	}
	if c.QueryParam("wait") == "true" {
		dr, err := s.waitDraft(c, dr.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, withProgress(dr))
	}
	return c.JSON(http.StatusAccepted, createDraftResponse{ID: dr.ID, Status: dr.Status})
}

// newDraft returns the drafter the request asks for (its model, within the sender's budget) and
// the new draft of the figures in body, not yet stored.
func (s *Server) newDraft(c echo.Context, body []byte) (*draft.Drafter, *draft.Draft, error) {
	d, err := s.drafter(c)
	if err != nil {
		return nil, nil, err
	}
	in, err := draft.ParseFiguresJSON(bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	dr, err := d.New(in)
	return d, dr, err
}

// logFailure writes drafting failures to the log, so that an operator sees a model that refuses,
// times out or cuts its answers off.
func (s *Server) logFailure(e draft.Event) {
	switch e.Type {
	case draft.EventSectionFailed:
		s.Logger.Warn("draft section failed", "draft_id", e.DraftID, "section", e.Section, "err", e.Error)
	case draft.EventDraftFailed:
		s.Logger.Warn("draft failed", "draft_id", e.DraftID, "err", e.Error)
	}
}

// jobsOnce holds the queue and event log a Server made for itself (see drafting).
type jobsOnce struct {
	once  sync.Once
	queue queue.Queue
	log   queue.EventLog
	err   error
	stop  sync.Once // of a queue the Server made (Close)
}

// DraftStore keeps drafts, their drafting events and their jobs: a queue over its own database.
// Both stores implement it.
type DraftStore interface {
	draft.Store
	queue.EventLog
	NewQueue(ctx context.Context, cfg queue.Config) (queue.Queue, error)
}

// drafting returns the drafting queue and event log, and starts following the log's
// announcements until Close. A Server given neither (as in tests) makes them from DraftStore,
// with workers in this process, which Close stops.
func (s *Server) drafting() (queue.Queue, queue.EventLog, error) {
	j := &s.jobs
	j.once.Do(func() {
		ctx := s.life.context()
		j.queue, j.log = s.Queue, s.Events
		if j.log == nil {
			j.log = s.DraftStore
		}
		s.events.listen(ctx, j.log, s.Logger)
		if j.queue != nil {
			return
		}
		q, err := s.DraftStore.NewQueue(ctx, queue.Config{Worker: s.Runner(j.log), Workers: max(s.Drafter.Concurrency, 1)})
		if err == nil {
			err = q.Start(ctx)
		}
		j.queue, j.err = q, err
	})
	return j.queue, j.log, j.err
}

// Runner returns the worker that drafts a job's section with the drafter this server would build
// for the request that made the job, recording its events in log.
func (s *Server) Runner(log queue.EventLog) *queue.Runner {
	// Failed writes of a section or a status are tried again and logged (draft.RetryingStore), so
	// that a database restart does not leave a draft generating with no trace.
	store := draft.RetryingStore{Store: s.DraftStore, Log: s.Logger}
	return &queue.Runner{Store: store, Events: log, Drafter: s.jobDrafter, Observe: s.observeEvent, Log: s.Logger}
}

// jobDrafter rebuilds the drafter of a job: its model's writer, counting against the budget of the
// key that asked for the draft, over the draft's workspace.
func (s *Server) jobDrafter(_ context.Context, j queue.Job) (*draft.Drafter, error) {
	w, ok := s.Writers[j.Model]
	if !ok {
		return nil, retrieval.Errorf(retrieval.EUNAVAILABLE, "本服务没有配置模型 %q，无法生成本部分", j.Model)
	}
	d := s.Drafter.InWorkspace(retrieval.InWorkspace(j.Workspace))
	d.Store = draft.RetryingStore{Store: d.Store, Log: s.Logger}
	d.Model = j.Model
	d.Writer, d.ClaimChecker = s.meterJob(j.Budget, j.Model, w, d.ClaimChecker)
	return d, nil
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

// deleteDraft removes a draft with its sentences, events and audit trail, for good. Its jobs are
// cancelled first (a section being drafted has its context cancelled), so that none goes on
// writing into a draft that is gone: a draft still being written can be deleted too.
func (s *Server) deleteDraft(c echo.Context) error {
	ctx := c.Request().Context()
	dr, err := s.loadDraft(c, c.Param("id"))
	if err != nil {
		return err
	}
	q, _, err := s.drafting()
	if err != nil {
		return err
	}
	if err := q.Cancel(ctx, dr.ID); err != nil {
		return err
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

// regenerateSection drafts section n again as a job: 202, or with ?wait=true the draft once it is
// done. The section is marked generating and its job enqueued in one transaction that refuses a
// draft still being written (ECONFLICT), so two regenerations never run at once.
func (s *Server) regenerateSection(c echo.Context) error {
	ctx := c.Request().Context()
	n, err := sectionParam(c)
	if err != nil {
		return err
	}
	q, _, err := s.drafting()
	if err != nil {
		return err
	}
	dr, err := s.loadDraft(c, c.Param("id"))
	if err != nil {
		return err
	}
	if !finished(dr.Status) {
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
	d, err := s.drafterFor(c, model) // checks the model and the sender's budget
	if err != nil {
		return err
	}
	j := queue.Job{DraftID: dr.ID, Section: n, Workspace: dr.Workspace, Model: d.Model, Budget: principalOf(c).scope}
	if err := q.Regenerate(ctx, j); err != nil {
		if retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
			return retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 不存在，可能已被删除", dr.ID)
		}
		return err
	}
	if c.QueryParam("wait") == "true" {
		dr, err := s.waitDraft(c, dr.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, withProgress(dr))
	}
	return c.JSON(http.StatusAccepted, createDraftResponse{ID: dr.ID, Status: draft.StatusGenerating})
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
