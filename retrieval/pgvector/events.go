package pgvector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

var _ queue.EventLog = (*Store)(nil)

// eventChannel is the NOTIFY channel of drafting events; its payload is "draftID seq".
const eventChannel = "draftd_events"

// appendEvent takes the draft's next number, holding its counter row's lock until the statement
// commits, stores the event and announces it, in one statement: numbers commit in order.
const appendEvent = `WITH s AS (
    INSERT INTO draft_event_seqs (draft_id, seq) VALUES ($1, 1)
    ON CONFLICT (draft_id) DO UPDATE SET seq = draft_event_seqs.seq + 1
    RETURNING seq
), e AS (
    INSERT INTO draft_events (draft_id, seq, type, payload) SELECT $1, seq, $2, $3 FROM s RETURNING seq
)
SELECT seq, pg_notify('` + eventChannel + `', $1 || ' ' || seq) FROM e`

// AppendEvent records e as the next event of its draft and announces it with NOTIFY (the draft's
// ID and the number only); retrieval.ErrNotFound when the draft is gone.
func (s *Store) AppendEvent(ctx context.Context, e draft.Event) (int64, error) {
	payload, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("pgvector: append event: %w", err)
	}
	var seq int64
	var notified string
	err = s.pool.QueryRow(ctx, appendEvent, e.DraftID, e.Type, payload).Scan(&seq, &notified)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation: no such draft
		return 0, fmt.Errorf("pgvector: append event: %w", retrieval.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("pgvector: append event: %w", mapErr(err))
	}
	return seq, nil
}

const selectEvents = `SELECT seq, payload FROM draft_events WHERE draft_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`

// Events returns draft id's events numbered above after, oldest first, at most limit.
func (s *Store) Events(ctx context.Context, id string, after int64, limit int) ([]queue.Logged, error) {
	rows, _ := s.pool.Query(ctx, selectEvents, id, after, limit)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (queue.Logged, error) {
		var l queue.Logged
		var payload []byte
		if err := row.Scan(&l.Seq, &payload); err != nil {
			return l, err
		}
		return l, json.Unmarshal(payload, &l.Event)
	})
	if err != nil {
		return nil, fmt.Errorf("pgvector: events: %w", mapErr(err))
	}
	return out, nil
}

// endDraft sets a draft's status and usage only while it is pending or generating and none of
// its sections is. Of two transactions at once, the second waits for the first's row lock, then
// finds the row ended and changes nothing. A late call, computed before a regeneration marked a
// section and the draft generating, sees either the draft ended (its snapshot is older than the
// regeneration) or the section generating (newer): either way it changes nothing.
const endDraft = `UPDATE drafts SET status = $2, prompt_tokens = $3, completion_tokens = $4, updated_at = $5
WHERE id = $1 AND status IN ('pending', 'generating')
AND NOT EXISTS (SELECT FROM draft_sections WHERE draft_id = $1 AND status IN ('pending', 'generating'))`

const draftExists = `SELECT EXISTS (SELECT FROM drafts WHERE id = $1)`

// EndDraft sets draft id's status and usage and records e, in one transaction, when the draft is
// pending or generating, and reports whether it did (see queue.EventLog).
func (s *Store) EndDraft(ctx context.Context, id string, st draft.Status, u draft.Usage, e draft.Event) (bool, error) {
	payload, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("pgvector: end draft: %w", err)
	}
	ended := false
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, endDraft, id, st, u.PromptTokens, u.CompletionTokens, now())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var found bool
			if err := tx.QueryRow(ctx, draftExists, id).Scan(&found); err != nil {
				return err
			}
			if !found {
				return retrieval.ErrNotFound
			}
			return nil
		}
		var seq int64
		var notified string
		if err := tx.QueryRow(ctx, appendEvent, id, e.Type, payload).Scan(&seq, &notified); err != nil {
			return err
		}
		ended = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("pgvector: end draft %s: %w", id, mapErr(err))
	}
	return ended, nil
}

const selectLastEnd = `SELECT COALESCE(MAX(seq), 0) FROM draft_events WHERE draft_id = $1 AND type IN ('draft_done', 'draft_failed')`

// LastEnd returns the number of draft id's latest draft_done or draft_failed event, 0 if none.
func (s *Store) LastEnd(ctx context.Context, id string) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, selectLastEnd, id).Scan(&seq); err != nil {
		return 0, fmt.Errorf("pgvector: last end: %w", mapErr(err))
	}
	return seq, nil
}

// ListenEvents calls notify with a draft's ID for each event appended by any process on this
// database, on a connection of its own (LISTEN holds it), reconnecting after a failure, until ctx
// ends. Notifications lost while reconnecting are made up for by the readers' polling.
func (s *Store) ListenEvents(ctx context.Context, notify func(draftID string)) error {
	cfg := s.pool.Config().ConnConfig.Copy()
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.ConnectConfig(ctx, cfg)
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				slog.Warn("listening for drafting events", "err", mapErr(err))
			}
		},
		ReconnectDelay: time.Second,
	}
	l.Handle(eventChannel, pgxlisten.HandlerFunc(func(ctx context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
		id, _, _ := strings.Cut(n.Payload, " ")
		notify(id)
		return nil
	}))
	err := l.Listen(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}
