package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/retrieval"
)

// A Server lives until Close. http.Server.Shutdown waits for every request to end but cancels
// none, so the requests that wait on drafting (event streams, ?wait=true) follow the Server's
// lifetime as well as their own: Close ends them, and stops following the event log.

// lifetime is the context that Close cancels.
type lifetime struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
}

// context returns the Server's context, cancelled by Close.
func (l *lifetime) context() context.Context {
	l.once.Do(func() { l.ctx, l.cancel = context.WithCancel(context.Background()) })
	return l.ctx
}

// queueStopTimeout bounds how long Close waits for the jobs of a queue the Server made itself;
// the jobs it then cancels run again when a queue on the store next starts.
const queueStopTimeout = 2 * time.Second

// Close ends the Server's event streams and the requests waiting for a draft (which answer with
// the draft as it then is), stops following the event log (on PostgreSQL, its LISTEN connection)
// and stops the drafting queue the Server made itself, if any (a Queue it was given is its
// owner's to stop). It returns once the event log is no longer followed, so the store can be
// closed after it. Call it before http.Server.Shutdown, which would otherwise wait for every open
// stream. Close may be called more than once; requests after it stream nothing.
func (s *Server) Close() error {
	s.life.context()
	s.life.cancel()
	// A Server that never drafted does not start to; one that did is done starting (Do waits).
	s.jobs.once.Do(func() { s.jobs.err = errClosed })
	if s.events != nil {
		s.events.wg.Wait()
	}
	var err error
	if s.Queue == nil && s.jobs.queue != nil {
		ctx, cancel := context.WithTimeout(context.Background(), queueStopTimeout)
		defer cancel()
		s.jobs.stop.Do(func() { err = s.jobs.queue.Stop(ctx) })
	}
	return err
}

// untilClose returns the request's context, cancelled also when the Server closes, and the
// function that releases it; EUNAVAILABLE once the Server is closed.
func (s *Server) untilClose(c echo.Context) (context.Context, context.CancelFunc, error) {
	if s.life.context().Err() != nil {
		return nil, nil, errClosed
	}
	ctx, cancel := context.WithCancel(c.Request().Context())
	stop := context.AfterFunc(s.life.context(), cancel)
	return ctx, func() { stop(); cancel() }, nil
}

// errClosed answers a request that would wait on drafting after Close.
var errClosed = retrieval.Errorf(retrieval.EUNAVAILABLE, "服务正在停止，请稍后重试")

// writeGrace is how long one write of a long answer may take to reach the client.
const writeGrace = time.Minute

// outlast lets the answer of c be written until d from now, past http.Server's WriteTimeout
// (5 minutes in draftd serve), for a request that waits up to draftTimeout for its draft.
func outlast(c echo.Context, d time.Duration) {
	http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(d))
}

// streamWrites makes every write of c's answer, an event stream of unbounded length, due
// writeGrace after it starts instead of at http.Server's WriteTimeout: the stream lasts as long
// as its draft is written, and a client that stopped reading is still cut off.
func streamWrites(c echo.Context) {
	w := c.Response()
	w.Writer = graceWriter{ResponseWriter: w.Writer, rc: http.NewResponseController(w.Writer)}
}

// graceWriter sets the write deadline writeGrace ahead before each write.
type graceWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (w graceWriter) Write(b []byte) (int, error) {
	w.rc.SetWriteDeadline(time.Now().Add(writeGrace))
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (Flush, deadlines) reach the connection's writer.
func (w graceWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
