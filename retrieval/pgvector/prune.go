package pgvector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/draftd/draftd/draft/queue"
)

var _ queue.Pruner = (*Store)(nil)

// pruneEvents deletes, per draft, the events up to the latest draft_done/draft_failed that is
// older than $1 and not the draft's latest end (the latest run's events stay for a stream to
// replay), except each section's latest section_started/section_done/section_failed, which the
// next run's settling reads to know the section ended (queue.Runner).
const pruneEvents = `WITH ends AS (
    SELECT draft_id, seq, created_at, row_number() OVER (PARTITION BY draft_id ORDER BY seq DESC) AS nth
    FROM draft_events WHERE type IN ('draft_done', 'draft_failed')
), cut AS (
    SELECT draft_id, max(seq) AS seq FROM ends WHERE nth > 1 AND created_at < $1 GROUP BY draft_id
), keep AS (
    SELECT m.draft_id, max(m.seq) AS seq FROM draft_events m JOIN cut USING (draft_id)
    WHERE m.type IN ('section_started', 'section_done', 'section_failed')
    GROUP BY m.draft_id, m.payload -> 'section'
)
DELETE FROM draft_events e USING cut
WHERE e.draft_id = cut.draft_id AND e.seq <= cut.seq
  AND NOT EXISTS (SELECT FROM keep k WHERE k.draft_id = e.draft_id AND k.seq = e.seq)`

const (
	// River's job cleaner, on the leader, deletes finished jobs after the same time
	// (river.Config's retention periods); this covers a database whose queue never elects one.
	pruneJobs = `DELETE FROM river_job WHERE kind = 'draft_section'
    AND state IN ('completed', 'cancelled', 'discarded') AND finalized_at < $1`
	pruneBuckets = `DELETE FROM rate_buckets WHERE at < $1`
	pruneHolds   = `DELETE FROM token_holds WHERE expires_at <= $1`
	pruneSpent   = `DELETE FROM token_spent WHERE day < $1::date`
)

// Prune deletes what the database no longer needs (see queue.Pruner), one statement a table.
func (s *Store) Prune(ctx context.Context, now time.Time, r queue.Retention) (queue.Pruned, error) {
	r = r.Defaults()
	var p queue.Pruned
	for _, st := range []struct {
		query string
		arg   any
		n     *int64
	}{
		{pruneEvents, now.Add(-r.Events), &p.Events},
		{pruneJobs, now.Add(-r.Jobs), &p.Jobs},
		{pruneBuckets, now.Add(-r.Buckets), &p.Buckets},
		{pruneHolds, now, &p.Holds},
		{pruneSpent, now.Add(-queue.SpentKeep).Format(time.DateOnly), &p.Spent}, // days as the budget names them
	} {
		tag, err := s.pool.Exec(ctx, st.query, st.arg)
		if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "42P01" && st.query == pruneJobs {
			continue // undefined_table: River's tables come with the first queue
		}
		if err != nil {
			return p, fmt.Errorf("pgvector: prune: %w", mapErr(err))
		}
		*st.n = tag.RowsAffected()
	}
	return p, nil
}

// pruneArgs is the periodic job that prunes the database. River's leader (one process of all
// replicas) enqueues it every Retention.Every; any worker runs it.
type pruneArgs struct{}

// Kind names the job in the queue's tables.
func (pruneArgs) Kind() string { return "draftd_prune" }

// pruneWorker runs the periodic clean-up.
type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	s *Store
	r queue.Retention
}

// Work prunes as of now and logs what went.
func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	p, err := w.s.Prune(ctx, time.Now(), w.r)
	if err != nil {
		slog.Warn("pruning the database", "err", err)
		return err
	}
	if p != (queue.Pruned{}) {
		slog.Info("pruned the database", "events", p.Events, "jobs", p.Jobs, "rate_buckets", p.Buckets, "token_holds", p.Holds, "token_spent", p.Spent)
	}
	return nil
}

// prunePeriodically is the periodic job of r.
func prunePeriodically(r queue.Retention) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(r.Every), func() (river.JobArgs, *river.InsertOpts) {
		return pruneArgs{}, &river.InsertOpts{MaxAttempts: 1}
	}, &river.PeriodicJobOpts{ID: "draftd_prune", RunOnStart: true})
}
