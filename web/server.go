// Package web is draftd's HTTP API and web app, on Echo.
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// Server holds the dependencies of draftd's handlers.
type Server struct {
	Store          retrieval.Store
	Workspaces     retrieval.WorkspaceStore // workspaces and the collections they share
	Searcher       *retrieval.Searcher
	Ingester       *retrieval.Ingester
	Logger         *slog.Logger
	MaxUploadBytes int64

	DraftStore   DraftStore              // drafts, their events and jobs
	Drafter      *draft.Drafter          // template: Search, Store, limits; Writer and Model set per request
	Writers      map[string]draft.Writer // by model name: "offline" and the configured chat model
	DefaultModel string
	Reviewer     *draft.Reviewer

	Keys        auth.Store            // API keys; none stored: single-user mode, for this machine only
	Idempotency auth.IdempotencyStore // Idempotency-Key records of POST /drafts; nil: the header is ignored
	Limits      Limits                // per key: requests a minute, model tokens a day
	CORSOrigins []string              // origins of office add-ins allowed to call the API
	OIDC        *OIDC                 // sign-in through the organisation's OpenID Connect provider; nil: off
	Ready       []ReadyCheck          // what /readyz checks besides the store (the job queue)

	// Queue drafts sections as durable jobs; nil: a queue over DraftStore with workers in this
	// process (drafts.go). Events is where drafting events go; nil: DraftStore.
	Queue  queue.Queue
	Events queue.EventLog

	events *broker
	jobs   jobsOnce
	gate   *gate
	life   lifetime // until Close (lifetime.go)
}

// Handler returns the HTTP handler with every route registered. Close ends what it started.
func (s *Server) Handler() http.Handler {
	s.events = newBroker()
	s.gate = newGate(s.Keys, s.Limits)
	if s.Logger != nil {
		s.gate.log, s.gate.budget.log = s.Logger, s.Logger
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// Requests come straight from clients (no proxy in front by default), so the
	// client IP is the connection's, never a header the client can forge.
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(traced(), s.observe) // metrics.go: outermost, to see every answer's span and status
	e.Use(middleware.RequestID())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.Logger.Error("panic", "request_id", requestID(c), "err", err, "stack", string(stack))
		return err
	}}))
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURIPath: true, LogStatus: true, LogLatency: true, LogRequestID: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			s.Logger.Info("request", "method", v.Method, "path", v.URIPath, "status", v.Status, "latency", v.Latency, "request_id", v.RequestID, "key_id", principalOf(c).keyID)
			return nil
		},
	}))
	e.Use(s.cors())
	e.Use(s.limitBody)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	api := e.Group("/api/v1")
	api.POST("/documents", s.createDocuments)
	api.GET("/documents", s.listDocuments)
	api.GET("/documents/:id", s.getDocument)
	api.PATCH("/documents/:id", s.updateDocument)
	api.DELETE("/documents/:id", s.deleteDocument)
	api.POST("/documents/:id/template", s.documentTemplate)
	api.GET("/outlines", s.outline)
	api.POST("/search", s.search)
	api.GET("/collections", s.listCollections)
	api.PATCH("/collections/:name", s.updateCollection)
	api.POST("/drafts", s.createDraft)
	api.GET("/drafts", s.listDrafts)
	api.POST("/drafts/import", s.importFigures)
	api.GET("/drafts/:id", s.getDraft)
	api.GET("/drafts/:id/events", s.draftEvents)
	api.GET("/drafts/:id/export", s.exportDraft)
	api.POST("/drafts/:id/sections/:n/regenerate", s.regenerateSection)
	api.POST("/drafts/:id/sentences/:sid/review", s.reviewSentence)
	api.POST("/drafts/:id/review/approve-low", s.approveLowRisk)
	api.POST("/drafts/:id/sections/:n/figures/:fid/restore", s.restoreFigure)
	api.POST("/drafts/:id/sections/:n/figures/:fid/drop", s.dropFigure)
	api.DELETE("/drafts/:id", s.deleteDraft)
	api.POST("/drafts/:id/duplicate", s.duplicateDraft)
	api.POST("/drafts/:id/sentences/:sid/rewrite", s.rewriteSentence)
	api.GET("/config", s.config)
	api.GET("/openapi.json", s.openAPI)
	api.POST("/session", s.signIn)
	api.GET("/session", s.getSession)
	api.DELETE("/session", s.signOut)
	api.GET("/oidc/login", s.oidcLogin)
	api.GET("/oidc/callback", s.oidcCallback)
	api.GET("/users", s.listUsers)
	api.POST("/users", s.createUser)
	api.PATCH("/users/:id", s.updateUser)
	api.GET("/keys", s.listKeys)
	api.POST("/keys", s.createKey)
	api.DELETE("/keys/:id", s.revokeKey)
	s.registerUI(e)
	s.registerAddin(e)
	// Every API route is authenticated, rate-limited and allowed by role in routeRoles (auth.go).
	// Used last, so that refusals carry the headers of the middleware used before (registerUI's).
	e.Use(s.guardAPI)
	return e
}

// limitBody caps every request body at MaxUploadBytes.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.MaxUploadBytes {
			return tooLarge(s.MaxUploadBytes)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, s.MaxUploadBytes)
		return next(c)
	}
}

func tooLarge(limit int64) error {
	return retrieval.Errorf(retrieval.ETOOLARGE, "请求体超过了 %d MB 的上限", limit>>20)
}

// errorBody is the JSON every error response carries.
type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id,omitempty"`
		Detail    any    `json:"detail,omitempty"`
	} `json:"error"`
}

// statusOf maps error codes to HTTP statuses: the only place that does.
var statusOf = map[string]int{
	retrieval.EINVALID:           http.StatusBadRequest,
	retrieval.ENOTFOUND:          http.StatusNotFound,
	retrieval.ECONFLICT:          http.StatusConflict,
	retrieval.ETOOLARGE:          http.StatusRequestEntityTooLarge,
	retrieval.EUNSUPPORTED:       http.StatusUnsupportedMediaType,
	retrieval.EEMPTY:             http.StatusUnprocessableEntity,
	retrieval.EUNDECODABLE:       http.StatusUnprocessableEntity,
	retrieval.EEMBEDDERMISMATCH:  http.StatusConflict,
	retrieval.EUNAVAILABLE:       http.StatusServiceUnavailable,
	retrieval.EMISSINGDEPENDENCY: http.StatusNotImplemented,
	retrieval.EINTERNAL:          http.StatusInternalServerError,
	draft.EINVALIDFIGURES:        http.StatusBadRequest,
	draft.EREASONREQUIRED:        http.StatusBadRequest,
	draft.EOWNDRAFT:              http.StatusForbidden,
	draft.ESTALE:                 http.StatusConflict,
	draft.EGENERATING:            http.StatusConflict,
	draft.ETOOMANYSECTIONS:       http.StatusRequestEntityTooLarge,
	draft.ETOOMANYFIGURES:        http.StatusRequestEntityTooLarge,
	EUNAUTHORIZED:                http.StatusUnauthorized,
	EFORBIDDEN:                   http.StatusForbidden,
	ECSRF:                        http.StatusForbidden,
	ERATELIMITED:                 http.StatusTooManyRequests,
	EBUDGETEXCEEDED:              http.StatusTooManyRequests,
}

// echoCodes names Echo's own errors (unknown route, wrong method…).
var echoCodes = map[int]string{
	http.StatusNotFound:              retrieval.ENOTFOUND,
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: retrieval.ETOOLARGE,
	http.StatusUnsupportedMediaType:  retrieval.EUNSUPPORTED,
	http.StatusBadRequest:            retrieval.EINVALID,
}

// handleError writes err as {"error":{"code","message"}} with the status its code maps to.
// Internal errors are logged with the request id and shown only as "服务器内部错误" (internal error).
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var body errorBody
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	var re *retrieval.Error
	switch {
	case errors.As(err, &mbe):
		err = tooLarge(mbe.Limit)
		errors.As(err, &re)
		status, body.Error.Code, body.Error.Message = http.StatusRequestEntityTooLarge, re.Code, re.Message
	case errors.As(err, &re) && re.Code != retrieval.EINTERNAL:
		status = statusOf[re.Code]
		if status == 0 {
			status = http.StatusBadRequest
		}
		body.Error.Code, body.Error.Message, body.Error.Detail = re.Code, re.Message, re.Detail
		if status >= 500 {
			// The message is for the client and names no host; the cause, which may, is for the log.
			s.Logger.Warn("unavailable", "request_id", requestID(c), "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		}
	case errors.As(err, &he) && he.Code < 500:
		status = he.Code
		body.Error.Code = echoCodes[he.Code]
		if body.Error.Code == "" {
			body.Error.Code = "http_" + http.StatusText(he.Code)
		}
		body.Error.Message = echoMessage(he)
	default:
		body.Error.Code, body.Error.Message = retrieval.EINTERNAL, retrieval.ErrorMessage(nil)
		s.Logger.Error("internal error", "request_id", requestID(c), "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	body.Error.RequestID = requestID(c)
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	c.JSON(status, body)
}

// echoMessages say Echo's own errors (unknown route, wrong method…) in Chinese; Echo writes them
// in English, as their HTTP status text.
var echoMessages = map[int]string{
	http.StatusBadRequest:            "请求有误",
	http.StatusNotFound:              "未找到",
	http.StatusMethodNotAllowed:      "不支持该请求方法",
	http.StatusRequestEntityTooLarge: "请求体太大",
	http.StatusUnsupportedMediaType:  "不支持该请求内容类型",
}

// echoMessage returns the message of an Echo error in Chinese: its own message when it has one
// other than the status text, else the status said in Chinese.
func echoMessage(he *echo.HTTPError) string {
	if m, ok := he.Message.(string); ok && m != "" && m != http.StatusText(he.Code) {
		return m
	}
	if m, ok := echoMessages[he.Code]; ok {
		return m
	}
	return fmt.Sprintf("请求未能处理（HTTP %d %s）", he.Code, http.StatusText(he.Code))
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
