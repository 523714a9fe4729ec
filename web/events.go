package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// Drafting events are rows of the store (queue.EventLog), numbered per draft; the number is the
// server-sent event's id. A stream reads them from the store and wakes when the store announces
// one (PostgreSQL's NOTIFY reaches every replica), and polls too, so that a lost announcement
// only delays an event. Any replica can thus serve any draft's stream, and a client that comes
// back with Last-Event-ID misses nothing.

// pollEvery is how often a stream or a waiting request looks at the store without an announcement.
const pollEvery = 2 * time.Second

// eventBatch bounds the events read at once.
const eventBatch = 500

// broker wakes the streams and waiting requests of a draft when the event log announces one of
// its events.
type broker struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
	once sync.Once
	wg   sync.WaitGroup // the listener, which Server.Close waits for
}

func newBroker() *broker { return &broker{subs: map[string]map[chan struct{}]struct{}{}} }

// listen follows log's announcements until ctx ends, once per broker, listening again after a
// failure.
func (b *broker) listen(ctx context.Context, log queue.EventLog, logger *slog.Logger) {
	b.once.Do(func() {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			for ctx.Err() == nil {
				if err := log.ListenEvents(ctx, b.wake); err != nil && ctx.Err() == nil {
					logger.Warn("listening for drafting events", "err", err)
					select {
					case <-ctx.Done():
					case <-time.After(time.Second):
					}
				}
			}
		}()
	})
}

// subscribe returns a channel that receives a value when draft id has a new event, and a
// function that ends the subscription.
func (b *broker) subscribe(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs[id] == nil {
		b.subs[id] = map[chan struct{}]struct{}{}
	}
	b.subs[id][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[id], ch)
		if len(b.subs[id]) == 0 {
			delete(b.subs, id)
		}
		b.mu.Unlock()
	}
}

// wake tells draft id's subscribers that it has a new event; it never blocks.
func (b *broker) wake(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[id] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// finished reports whether a draft of status st is no longer being written.
func finished(st draft.Status) bool {
	return st != draft.StatusPending && st != draft.StatusGenerating
}

// terminal reports whether an event of type typ ends a run.
func terminal(typ string) bool { return typ == draft.EventDraftDone || typ == draft.EventDraftFailed }

// draftEvents streams a draft's progress as server-sent events: first a "snapshot" with the
// draft as stored, then the events of the run in progress from its start (section_started,
// section_attempt, sentence, section_done/section_failed), and finally draft_done or
// draft_failed, after which the stream ends. Each event but the snapshot has an id; a client
// that sends Last-Event-ID gets the events after it, without a snapshot.
func (s *Server) draftEvents(c echo.Context) error {
	ctx, stop, err := s.untilClose(c) // Shutdown waits for open streams: Close ends them
	if err != nil {
		return err
	}
	defer stop()
	streamWrites(c) // a stream outlasts WriteTimeout
	id := c.Param("id")
	_, log, err := s.drafting()
	if err != nil {
		return err
	}
	wake, cancel := s.events.subscribe(id)
	defer cancel()
	var cursor int64
	resume := false
	if v := c.Request().Header.Get("Last-Event-ID"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			cursor, resume = n, true
		}
	}
	if !resume {
		// Before the draft is read: a run that ends in between is then seen ending.
		if cursor, err = log.LastEnd(ctx, id); err != nil {
			return err
		}
	}
	dr, err := s.loadDraft(c, id)
	if err != nil {
		return err
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set(echo.HeaderCacheControl, "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(seq int64, typ string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if seq > 0 {
			if _, err := fmt.Fprintf(w, "id: %d\n", seq); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", typ, b); err != nil {
			return err
		}
		w.Flush()
		return nil
	}
	end := func(st draft.Status) {
		typ := draft.EventDraftDone
		if st == draft.StatusFailed {
			typ = draft.EventDraftFailed
		}
		send(0, typ, draft.Event{Type: typ, DraftID: id, Status: st})
	}
	if !resume {
		if err := send(0, "snapshot", withProgress(dr)); err != nil {
			return nil
		}
		if finished(dr.Status) {
			end(dr.Status)
			return nil
		}
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	first := true
	for {
		evs, err := log.Events(ctx, id, cursor, eventBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.Logger.Warn("reading drafting events", "draft_id", id, "err", err)
			}
			return nil
		}
		for _, e := range evs {
			if err := send(e.Seq, e.Event.Type, e.Event); err != nil {
				return nil
			}
			cursor = e.Seq
			if terminal(e.Event.Type) {
				return nil
			}
		}
		if len(evs) == eventBatch {
			continue
		}
		if first && resume && finished(dr.Status) {
			end(dr.Status) // the client saw the end already, or it was never recorded
			return nil
		}
		first = false
		select {
		case <-ctx.Done():
			return nil
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			w.Flush()
		case <-wake:
		case <-poll.C:
			// The end is normally an event; should it have been lost, the draft's status tells.
			cur, err := s.DraftStore.Draft(ctx, scopeOf(c), id)
			if retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
				// Deleted while streaming: no event follows, so the stream ends failed.
				send(0, draft.EventDraftFailed, draft.Event{Type: draft.EventDraftFailed, DraftID: id, Status: draft.StatusFailed, Error: "稿件已被删除"})
				return nil
			}
			if err == nil && finished(cur.Status) {
				if evs, err := log.Events(ctx, id, cursor, eventBatch); err == nil && len(evs) > 0 {
					continue
				}
				end(cur.Status)
				return nil
			}
		}
	}
}

// waitDraft waits until draft id of the sender's workspace is no longer being written, or until
// draftTimeout, and returns it as it then is.
func (s *Server) waitDraft(c echo.Context, id string) (*draft.Draft, error) {
	wake, cancel := s.events.subscribe(id)
	defer cancel()
	outlast(c, draftTimeout+writeGrace) // past WriteTimeout
	rctx, release, err := s.untilClose(c)
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, stop := context.WithTimeout(rctx, draftTimeout)
	defer stop()
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	for {
		dr, err := s.loadDraft(c, id)
		if err != nil || finished(dr.Status) {
			return dr, err
		}
		select {
		case <-ctx.Done():
			return dr, nil
		case <-wake:
		case <-poll.C:
		}
	}
}
