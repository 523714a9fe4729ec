package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/draftd/draftd/draft/queue"
)

var _ queue.Pruner = (*Store)(nil)

const (
	// selectEventCuts finds, per draft, the latest draft_done/draft_failed older than ? that is
	// not the draft's latest end: the events up to it belong to runs before the latest.
	selectEventCuts = `SELECT draft_id, max(seq) FROM (
		SELECT draft_id, seq, created_at, row_number() OVER (PARTITION BY draft_id ORDER BY seq DESC) AS nth
		FROM draft_events WHERE type IN ('draft_done', 'draft_failed'))
	WHERE nth > 1 AND created_at < ? GROUP BY draft_id LIMIT ?`
	// deleteEventsUpTo deletes draft ?1's events up to ?2 but each section's latest
	// section_started/section_done/section_failed, which the next run's settling reads.
	deleteEventsUpTo = `DELETE FROM draft_events WHERE draft_id = ?1 AND seq <= ?2 AND seq NOT IN (
		SELECT max(seq) FROM draft_events WHERE draft_id = ?1
			AND type IN ('section_started', 'section_done', 'section_failed')
		GROUP BY json_extract(payload, '$.section'))`
	pruneJobs    = `DELETE FROM draft_jobs WHERE state IN ('completed', 'cancelled', 'discarded') AND updated_at < ?`
	pruneBuckets = `DELETE FROM rate_buckets WHERE at < ?`
	pruneHolds   = `DELETE FROM token_holds WHERE expires_at <= ?`
	pruneSpent   = `DELETE FROM token_spent WHERE day < ?` // YYYY-MM-DD sorts as text
)

// pruneBatch is how many drafts' events one write transaction prunes, so that drafting's writes
// wait for a short transaction, never for a long clean-up: a batch of 500 drafts of three runs
// (46,500 events, 31,000 deleted) took ≈ 0.5 s on 2 cores under load (TestMeasurePrune).
const pruneBatch = 500

// Prune deletes what the store no longer needs (see queue.Pruner): events a batch of drafts at a
// time, then the rest in one write transaction.
func (s *Store) Prune(ctx context.Context, now time.Time, r queue.Retention) (queue.Pruned, error) {
	r = r.Defaults()
	var p queue.Pruned
	for {
		var drafts int
		var deleted int64
		err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			drafts, deleted = 0, 0
			type cut struct {
				draft string
				seq   int64
			}
			rows, err := tx.QueryContext(ctx, selectEventCuts, now.Add(-r.Events).UnixNano(), pruneBatch)
			if err != nil {
				return err
			}
			var cuts []cut
			for rows.Next() {
				var c cut
				if err := rows.Scan(&c.draft, &c.seq); err != nil {
					rows.Close()
					return err
				}
				cuts = append(cuts, c)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, c := range cuts {
				n, err := rowsAffected(tx.ExecContext(ctx, deleteEventsUpTo, c.draft, c.seq))
				if err != nil {
					return err
				}
				deleted += n
			}
			drafts = len(cuts)
			return nil
		})
		if err != nil {
			return p, fmt.Errorf("embedded: prune events: %w", err)
		}
		p.Events += deleted
		if drafts < pruneBatch {
			break
		}
	}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		for _, st := range []struct {
			query string
			arg   any
			n     *int64
		}{
			{pruneJobs, now.Add(-r.Jobs).UnixNano(), &p.Jobs},
			{pruneBuckets, now.Add(-r.Buckets).UnixNano(), &p.Buckets},
			{pruneHolds, now.UnixNano(), &p.Holds},
			{pruneSpent, now.Add(-queue.SpentKeep).Format(time.DateOnly), &p.Spent}, // days as the budget names them
		} {
			if *st.n, err = rowsAffected(tx.ExecContext(ctx, st.query, st.arg)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("embedded: prune: %w", err)
	}
	return p, nil
}

// rowsAffected is the count of rows a statement changed.
func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// prune prunes as of now and logs what went.
func (q *localQueue) prune(ctx context.Context) {
	p, err := q.s.Prune(ctx, time.Now(), q.cfg.Retention)
	if err != nil {
		if ctx.Err() == nil {
			slog.Warn("pruning the database", "err", err)
		}
		return
	}
	if p != (queue.Pruned{}) {
		slog.Info("pruned the database", "events", p.Events, "jobs", p.Jobs, "rate_buckets", p.Buckets, "token_holds", p.Holds, "token_spent", p.Spent)
	}
}

// pruneEvery prunes when the queue starts and every Retention.Every until ctx ends.
func (q *localQueue) pruneEvery(ctx context.Context) {
	defer q.wg.Done()
	tick := time.NewTicker(q.cfg.Retention.Every)
	defer tick.Stop()
	for {
		q.prune(ctx)
		select {
		case <-ctx.Done():
			return
		case <-q.s.quit:
			return
		case <-tick.C:
		}
	}
}
