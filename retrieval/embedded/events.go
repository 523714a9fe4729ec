package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

var _ queue.EventLog = (*Store)(nil)

// notifier calls the listeners of this process after an event commits: the embedded store has
// one process, so it needs no LISTEN/NOTIFY. The zero value is ready.
type notifier struct {
	mu   sync.Mutex
	next int
	subs map[int]func(string)
}

func (n *notifier) add(f func(string)) (remove func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.subs == nil {
		n.subs = map[int]func(string){}
	}
	id := n.next
	n.next++
	n.subs[id] = f
	return func() {
		n.mu.Lock()
		delete(n.subs, id)
		n.mu.Unlock()
	}
}

func (n *notifier) notify(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, f := range n.subs {
		f(id)
	}
}

const insertEvent = `INSERT INTO draft_events (draft_id, seq, type, payload, created_at)
	SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4 FROM draft_events WHERE draft_id = ?1
	RETURNING seq`

// AppendEvent records e as the next event of its draft, then tells this process's listeners;
// retrieval.ErrNotFound when the draft is gone. The single writer numbers a draft's events in order.
func (s *Store) AppendEvent(ctx context.Context, e draft.Event) (int64, error) {
	payload, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("embedded: append event: %w", err)
	}
	at := time.Now().UnixNano()
	var seq int64
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, insertEvent, e.DraftID, e.Type, string(payload), at).Scan(&seq)
	})
	if isForeignKey(err) {
		return 0, fmt.Errorf("embedded: append event: %w", retrieval.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("embedded: append event: %w", err)
	}
	s.events.notify(e.DraftID)
	return seq, nil
}

// isForeignKey reports whether err is SQLite's foreign key constraint failure.
func isForeignKey(err error) bool {
	var se interface{ Code() int }
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

const selectEvents = `SELECT seq, payload FROM draft_events WHERE draft_id = ? AND seq > ? ORDER BY seq LIMIT ?`

// Events returns draft id's events numbered above after, oldest first, at most limit.
func (s *Store) Events(ctx context.Context, id string, after int64, limit int) ([]queue.Logged, error) {
	out, err := collect(ctx, s.db, selectEvents, []any{id, after, limit}, func(rows *sql.Rows) (queue.Logged, error) {
		var l queue.Logged
		var payload string
		if err := rows.Scan(&l.Seq, &payload); err != nil {
			return l, err
		}
		return l, json.Unmarshal([]byte(payload), &l.Event)
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: events: %w", err)
	}
	return out, nil
}

const (
	// endDraft sets a draft's status and usage only while it is pending or generating and none of
	// its sections is: the single writer orders two calls, and the second finds the draft ended; a
	// late call computed before a regeneration finds the regenerated section generating.
	endDraft = `UPDATE drafts SET status = ?1, prompt_tokens = ?2, completion_tokens = ?3, updated_at = ?4
	WHERE id = ?5 AND status IN ('pending', 'generating')
	AND NOT EXISTS (SELECT 1 FROM draft_sections WHERE draft_id = ?5 AND status IN ('pending', 'generating'))`
	draftExists = `SELECT EXISTS (SELECT 1 FROM drafts WHERE id = ?)`
)

// EndDraft sets draft id's status and usage and records e, in one write transaction, when the
// draft is pending or generating, and reports whether it did (see queue.EventLog).
func (s *Store) EndDraft(ctx context.Context, id string, st draft.Status, u draft.Usage, e draft.Event) (bool, error) {
	payload, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("embedded: end draft: %w", err)
	}
	var ended bool
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		ended = false // a first run may have been rolled back
		at := time.Now().UnixNano()
		res, err := tx.ExecContext(ctx, endDraft, st, u.PromptTokens, u.CompletionTokens, at, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var found bool
			if err := tx.QueryRowContext(ctx, draftExists, id).Scan(&found); err != nil {
				return err
			}
			if !found {
				return retrieval.ErrNotFound
			}
			return nil
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, insertEvent, id, e.Type, string(payload), at).Scan(&seq); err != nil {
			return err
		}
		ended = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("embedded: end draft %s: %w", id, err)
	}
	if ended {
		s.events.notify(id)
	}
	return ended, nil
}

const selectLastEnd = `SELECT COALESCE(MAX(seq), 0) FROM draft_events WHERE draft_id = ? AND type IN ('draft_done', 'draft_failed')`

// LastEnd returns the number of draft id's latest draft_done or draft_failed event, 0 if none.
func (s *Store) LastEnd(ctx context.Context, id string) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, selectLastEnd, id).Scan(&seq); err != nil {
		return 0, fmt.Errorf("embedded: last end: %w", err)
	}
	return seq, nil
}

// ListenEvents calls notify with a draft's ID after each event this process appends, until ctx ends.
func (s *Store) ListenEvents(ctx context.Context, notify func(draftID string)) error {
	remove := s.events.add(notify)
	defer remove()
	<-ctx.Done()
	return nil
}
