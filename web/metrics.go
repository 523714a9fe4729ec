package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/metrics"
	"github.com/draftd/draftd/retrieval"
)

// unmatchedRoute is the route label of a request no route matched, so that
// probing for paths cannot make a series per path.
const unmatchedRoute = "unmatched"

// traced returns middleware that runs each request in OpenTelemetry's HTTP
// server instrumentation (otelhttp): a span per request, continuing the
// caller's trace (W3C traceparent), probes left out. With no tracer provider
// configured (cmd/draftd's telemetry.go sets one only when asked) the spans go
// nowhere. The handler is made once; each request carries its Echo context to
// it in the request's context.
func traced() echo.MiddlewareFunc {
	h := otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := r.Context().Value(tracedKey{}).(*tracedCall)
		call.c.SetRequest(r)
		call.c.SetResponse(echo.NewResponse(w, call.c.Echo()))
		call.err = call.next(call.c)
	}), "http.server", otelhttp.WithFilter(func(r *http.Request) bool {
		return r.URL.Path != "/healthz" && r.URL.Path != "/readyz"
	}))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			call := &tracedCall{c: c, next: next}
			r := c.Request()
			h.ServeHTTP(c.Response(), r.WithContext(context.WithValue(r.Context(), tracedKey{}, call)))
			return call.err
		}
	}
}

// tracedKey is the request context's key of a tracedCall.
type tracedKey struct{}

// tracedCall is one request passing through traced's handler.
type tracedCall struct {
	c    echo.Context
	next echo.HandlerFunc
	err  error
}

// observe counts every request in draftd_http_requests_total and
// draftd_http_request_duration_seconds by its route template, and names the
// request's span after the route. It comes right after traced, before every
// other middleware, so it turns a handler's error into its response (through
// handleError) to learn the status the client gets, inside the span.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" { // Echo's template otherwise, that of the nearest route for a 404 or 405
			route = unmatchedRoute
		}
		r := c.Request()
		if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
			span.SetName(r.Method + " " + route)
			span.SetAttributes(attribute.String("http.route", route))
		}
		metrics.ObserveRequest(r.Method, route, c.Response().Status, time.Since(start))
		return nil
	}
}

// observeEvent counts a drafting event in the metrics (metrics.ObserveEvent)
// and logs a failure (logFailure): what a queue.Runner's Observe should be, so
// that each event counts once, in the process that drafts it.
func (s *Server) observeEvent(e draft.Event) {
	metrics.ObserveEvent(e)
	s.logFailure(e)
}

// ReadyCheck is a dependency /readyz checks besides the store, such as the job queue.
type ReadyCheck struct {
	Name    string                      // its key in the answer's checks, e.g. "queue"
	Message string                      // what a 503 says when it fails, e.g. "任务队列没有响应"
	Check   func(context.Context) error // nil when the dependency answers
}

// readyTimeout bounds each readiness check, well within a Kubernetes probe's timeout.
const readyTimeout = 2 * time.Second

// readyz answers 200 when the store and every ReadyCheck answer, and 503 with
// the first failure's message otherwise; checks in either answer says which
// passed. Failures are logged, never shown: their errors may name hosts.
func (s *Server) readyz(c echo.Context) error {
	ctx := c.Request().Context()
	checks := map[string]string{}
	var failed error
	probe := func(name string, check func(context.Context) error, fail func(error) error) {
		cctx, cancel := context.WithTimeout(ctx, readyTimeout)
		defer cancel()
		if err := check(cctx); err != nil {
			s.Logger.Warn(name+" not ready", "err", err)
			checks[name] = "unavailable"
			if failed == nil {
				failed = fail(err)
			}
			return
		}
		checks[name] = "ok"
	}
	probe("store", s.Store.Ping, func(err error) error {
		if retrieval.ErrorCode(err) == retrieval.EEMBEDDERMISMATCH {
			return retrieval.Errorf(retrieval.EUNAVAILABLE, "%s", retrieval.ErrorMessage(err))
		}
		return retrieval.Errorf(retrieval.EUNAVAILABLE, "数据存储没有响应")
	})
	for _, rc := range s.Ready {
		probe(rc.Name, rc.Check, func(error) error { return retrieval.Errorf(retrieval.EUNAVAILABLE, "%s", rc.Message) })
	}
	if failed != nil {
		e := failed.(*retrieval.Error)
		e.Detail = map[string]any{"checks": checks}
		return e
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "checks": checks})
}
