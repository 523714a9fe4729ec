package pgvector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// Drafting jobs run on River (riverqueue.com) in this database: a job is a row of river_job that
// a worker locks when it takes it, River retries a failed job after the policy's backoff, its
// leader rescues a job running longer than RescueAfter (its process died) and another worker
// runs it again, and a unique index keeps one live job per section. The draft, its jobs and its
// Idempotency-Key commit in one transaction.

// lockRiverMigrations serialises River's migrations when several processes start at once.
const lockRiverMigrations = `SELECT pg_advisory_xact_lock(hashtext('draftd.river_migrate'))`

// migrateRiver applies River's own migrations (its tables live beside draftd's, in the store's
// schema), holding an advisory lock so that replicas starting together do not race.
func (s *Store) migrateRiver(ctx context.Context) error {
	m, err := rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{Schema: s.opts.Schema, Logger: quietLogger()})
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockRiverMigrations); err != nil {
			return err
		}
		_, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil)
		return err
	})
}

// riverQueue is the queue.Queue of a PostgreSQL store.
type riverQueue struct {
	s       *Store
	cfg     queue.Config
	client  *river.Client[pgx.Tx]
	mu      sync.Mutex
	started bool
}

var _ queue.Queue = (*riverQueue)(nil)

// NewQueue returns the drafting queue on this database, applying River's migrations first. With
// cfg.Workers 0 it only enqueues: the jobs run in other processes.
func (s *Store) NewQueue(ctx context.Context, cfg queue.Config) (queue.Queue, error) {
	cfg = cfg.Defaults()
	if err := s.migrateRiver(ctx); err != nil {
		return nil, fmt.Errorf("pgvector: queue: migrate: %w", mapErr(err))
	}
	rc := &river.Config{
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		MaxAttempts:          cfg.MaxAttempts,
		RetryPolicy:          backoffPolicy(cfg.Backoff),
		// A producer fetches at most once per cooldown: River's 100 ms would cap a process at
		// about Workers sections per 100 ms however fast the model is.
		FetchCooldown:     fetchCooldown,
		FetchPollInterval: max(cfg.PollInterval, fetchCooldown),
		Logger:            quietLogger(),
		Schema:            s.opts.Schema,
		// River's leader deletes finished jobs after this; Prune does the same for sections' jobs.
		CompletedJobRetentionPeriod: cfg.Retention.Jobs,
		CancelledJobRetentionPeriod: cfg.Retention.Jobs,
		DiscardedJobRetentionPeriod: cfg.Retention.Jobs,
	}
	if cfg.Workers > 0 {
		if cfg.Worker == nil {
			return nil, errors.New("pgvector: queue: workers without a Worker")
		}
		workers := river.NewWorkers()
		river.AddWorker(workers, &sectionWorker{w: cfg.Worker})
		river.AddWorker(workers, &pruneWorker{s: s, r: cfg.Retention})
		rc.Workers = workers
		rc.PeriodicJobs = []*river.PeriodicJob{prunePeriodically(cfg.Retention)}
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
	}
	client, err := river.NewClient(riverpgxv5.New(s.pool), rc)
	if err != nil {
		return nil, fmt.Errorf("pgvector: queue: %w", err)
	}
	return &riverQueue{s: s, cfg: cfg, client: client}, nil
}

// sectionWorker runs a queue.Job under River.
type sectionWorker struct {
	river.WorkerDefaults[queue.Job]
	w queue.Worker
}

// Work runs the job's attempt; a draft that is gone cancels the job rather than retrying it.
func (w *sectionWorker) Work(ctx context.Context, job *river.Job[queue.Job]) error {
	err := w.w.Work(ctx, job.Args, job.Attempt >= job.MaxAttempts)
	if errors.Is(err, queue.ErrGone) {
		return river.JobCancel(err)
	}
	return err
}

// fetchCooldown is the least time between two fetches of jobs by one process.
const fetchCooldown = 10 * time.Millisecond

// backoffPolicy is River's retry policy from queue.Config.Backoff.
type backoffPolicy func(attempt int) time.Duration

// NextRetry schedules a failed (or rescued) job's next attempt.
func (b backoffPolicy) NextRetry(j *rivertype.JobRow) time.Time {
	return time.Now().Add(b(j.Attempt))
}

// uniqueSection keeps one live job per section: a finished, cancelled or discarded job does not
// stop a regeneration from enqueuing the section again.
var uniqueSection = &river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}}

func (q *riverQueue) insertParams(jobs []queue.Job) []river.InsertManyParams {
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j, InsertOpts: &river.InsertOpts{MaxAttempts: q.cfg.MaxAttempts, UniqueOpts: *uniqueSection}}
	}
	return params
}

// Create stores d, its jobs and key in one transaction (see queue.Queue). Of two requests with
// one key, the second's insert of the key waits for the first's transaction, then finds its
// record: no second draft.
func (q *riverQueue) Create(ctx context.Context, d *draft.Draft, jobs []queue.Job, key *queue.Idempotency, since time.Time) (queue.Idempotency, bool, error) {
	if err := newDraft(d); err != nil {
		return queue.Idempotency{}, false, fmt.Errorf("pgvector: create draft: %w", err)
	}
	var got queue.Idempotency
	created := true
	err := pgx.BeginFunc(ctx, q.s.pool, func(tx pgx.Tx) error {
		if key != nil {
			if _, err := tx.Exec(ctx, expireIdempotency, since); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, insertIdempotency, key.Scope, key.Key, key.BodyHash, d.ID, key.CreatedAt)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				created = false
				got = queue.Idempotency{Scope: key.Scope, Key: key.Key}
				err := tx.QueryRow(ctx, selectIdempotency, key.Scope, key.Key).Scan(&got.BodyHash, &got.DraftID, &got.CreatedAt)
				got.CreatedAt = got.CreatedAt.UTC()
				return err
			}
		}
		if err := insertDraftTx(ctx, tx, d); err != nil {
			return err
		}
		if len(jobs) == 0 {
			return nil
		}
		_, err := q.client.InsertManyTx(ctx, tx, q.insertParams(jobs))
		return err
	})
	if err != nil {
		return queue.Idempotency{}, false, fmt.Errorf("pgvector: create draft: %w", mapErr(err))
	}
	if !created {
		return got, false, nil
	}
	if key != nil {
		got = *key
		got.DraftID = d.ID
	}
	return got, true, nil
}

// insertDraftTx stores d with its sections and sentences in tx: CreateDraft, and Create with its
// jobs. It returns ECONFLICT when the ID is taken or two sections share an index.
func insertDraftTx(ctx context.Context, tx pgx.Tx, d *draft.Draft) error {
	seen := make(map[int]bool, len(d.Sections))
	for _, sec := range d.Sections {
		if seen[sec.Index] {
			return retrieval.Errorf(retrieval.ECONFLICT, "draft %s has two sections with index %d", d.ID, sec.Index)
		}
		seen[sec.Index] = true
	}
	_, err := tx.Exec(ctx, insertDraft, d.ID, d.Title, d.Organization, d.Period, d.Status, d.Model,
		d.PromptVersion, d.Input, d.Usage.PromptTokens, d.Usage.CompletionTokens, d.CreatedAt, d.CreatedBy,
		d.UpdatedAt, d.Workspace)
	if err != nil {
		return missingWorkspace(conflict(err, "drafts_pkey", "a draft with ID "+d.ID+" already exists"), d.Workspace)
	}
	if len(d.Sections) > 0 {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"draft_sections"}, sectionColumns,
			pgx.CopyFromSlice(len(d.Sections), func(i int) ([]any, error) {
				sec := &d.Sections[i]
				return []any{d.ID, sec.Index, sec.Heading, sec.Status, sec.Error, sec.Attempts, nonNil(sec.Sources),
					nonNil(sec.Dropped), sec.Usage.PromptTokens, sec.Usage.CompletionTokens, d.UpdatedAt}, nil
			}))
		if err != nil {
			return err
		}
	}
	return copySentences(ctx, tx, d.ID, d.Sections, nil)
}

const (
	lockDraftStatus  = `SELECT status FROM drafts WHERE id = $1 FOR UPDATE`
	markSectionAgain = `UPDATE draft_sections SET status = 'generating', error = '', updated_at = $3 WHERE draft_id = $1 AND idx = $2`
	markDraftAgain   = `UPDATE drafts SET status = 'generating', updated_at = $2 WHERE id = $1`
)

// Regenerate marks the section and its draft generating and enqueues j, in one transaction that
// holds the draft's row lock, so that two regenerations, or a regeneration and a review, are
// ordered (see queue.Queue).
func (q *riverQueue) Regenerate(ctx context.Context, j queue.Job) error {
	err := pgx.BeginFunc(ctx, q.s.pool, func(tx pgx.Tx) error {
		var st draft.Status
		if err := tx.QueryRow(ctx, lockDraftStatus, j.DraftID).Scan(&st); errors.Is(err, pgx.ErrNoRows) {
			return retrieval.ErrNotFound
		} else if err != nil {
			return err
		}
		if st == draft.StatusPending || st == draft.StatusGenerating {
			return retrieval.Errorf(retrieval.ECONFLICT, "稿件 %s 仍在生成，生成结束后再重新生成", j.DraftID)
		}
		at := now()
		tag, err := tx.Exec(ctx, markSectionAgain, j.DraftID, j.Section, at)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return retrieval.ErrNotFound
		}
		if _, err := tx.Exec(ctx, markDraftAgain, j.DraftID, at); err != nil {
			return err
		}
		// The draft is settled, so an earlier job of the section still live has drafted it: one
		// running is recording its end, one waiting for a retry (its process died after the
		// section was saved) would draft it a second time. Cancelled, neither runs again: River's
		// rescuer cancels rather than retries a job whose cancellation was asked for.
		rows, _ := tx.Query(ctx, selectLiveSectionJobs, j.DraftID, j.Section)
		live, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range live {
			if _, err := q.client.JobCancelTx(ctx, tx, id); err != nil && !errors.Is(err, river.ErrNotFound) {
				return err
			}
		}
		j.Run = at.UnixNano()
		res, err := q.client.InsertManyTx(ctx, tx, q.insertParams([]queue.Job{j}))
		if err != nil {
			return err
		}
		if res[0].UniqueSkippedAsDuplicate {
			return retrieval.Errorf(retrieval.ECONFLICT, "稿件 %s 的第 %d 部分正在生成", j.DraftID, j.Section)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pgvector: regenerate: %w", mapErr(err))
	}
	return nil
}

// A draft's jobs are found by containment in their arguments, which River's GIN index on
// river_job.args serves (args->>'draft_id' = $1 is served by no index: every job of every draft
// kept would be read).
const selectLiveSectionJobs = `SELECT id FROM river_job WHERE kind = 'draft_section'
    AND args @> jsonb_build_object('draft_id', $1::text, 'section', $2::int)
    AND state NOT IN ('completed', 'cancelled', 'discarded')`

const selectLiveJobs = `SELECT id FROM river_job WHERE kind = 'draft_section' AND args @> jsonb_build_object('draft_id', $1::text)
    AND state NOT IN ('completed', 'cancelled', 'discarded')`

// Cancel cancels draft id's jobs that have not finished; River cancels a running one's context.
func (q *riverQueue) Cancel(ctx context.Context, id string) error {
	rows, _ := q.s.pool.Query(ctx, selectLiveJobs, id)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("pgvector: cancel jobs: %w", mapErr(err))
	}
	for _, jid := range ids {
		if _, err := q.client.JobCancel(ctx, jid); err != nil && !errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("pgvector: cancel job %d: %w", jid, mapErr(err))
		}
	}
	return nil
}

// selectLive counts rather than asks EXISTS: for EXISTS a generic plan prefers a sequential scan
// that would stop at the first match, which for a draft without live jobs reads the whole table.
const selectLive = `SELECT count(*) > 0 FROM river_job WHERE kind = 'draft_section' AND args @> jsonb_build_object('draft_id', $1::text)
    AND state NOT IN ('completed', 'cancelled', 'discarded')`

// Live reports whether draft id has a job that has not finished.
func (q *riverQueue) Live(ctx context.Context, id string) (bool, error) {
	var live bool
	if err := q.s.pool.QueryRow(ctx, selectLive, id).Scan(&live); err != nil {
		return false, fmt.Errorf("pgvector: live jobs: %w", mapErr(err))
	}
	return live, nil
}

// selectDepth reads only the jobs that have not finished (River's index on state serves it),
// not the finished ones kept for Retention.Jobs.
const selectDepth = `SELECT count(*) FILTER (WHERE state IN ('available', 'scheduled', 'retryable', 'pending')),
    count(*) FILTER (WHERE state = 'running')
FROM river_job WHERE kind = 'draft_section' AND state IN ('available', 'scheduled', 'retryable', 'pending', 'running')`

// Depth counts the jobs that wait and that run, on every replica.
func (q *riverQueue) Depth(ctx context.Context) (queue.Depth, error) {
	var d queue.Depth
	if err := q.s.pool.QueryRow(ctx, selectDepth).Scan(&d.Waiting, &d.Running); err != nil {
		return d, fmt.Errorf("pgvector: queue depth: %w", mapErr(err))
	}
	return d, nil
}

const selectAnyJob = `SELECT count(*) FROM (SELECT FROM river_job LIMIT 1) AS j`

// Ping reads one row of River's job table at most: the database answers and the queue's tables
// are there.
func (q *riverQueue) Ping(ctx context.Context) error {
	var n int
	if err := q.s.pool.QueryRow(ctx, selectAnyJob).Scan(&n); err != nil {
		return fmt.Errorf("pgvector: queue ping: %w", mapErr(err))
	}
	return nil
}

// Start runs the workers, when this process has any.
func (q *riverQueue) Start(ctx context.Context) error {
	if q.cfg.Workers == 0 {
		return nil
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("pgvector: queue: start: %w", err)
	}
	q.mu.Lock()
	q.started = true
	q.mu.Unlock()
	q.s.queues.add(q)
	return nil
}

// queueSet holds the started queues of a store, so that Close stops them before the pool goes.
type queueSet struct {
	mu sync.Mutex
	qs []*riverQueue
}

func (s *queueSet) add(q *riverQueue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.qs = append(s.qs, q)
}

// stop stops every queue, waiting up to 5 s for running jobs (River runs them again later).
func (s *queueSet) stop() {
	s.mu.Lock()
	qs := s.qs
	s.qs = nil
	s.mu.Unlock()
	for _, q := range qs {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		q.Stop(ctx)
		cancel()
	}
}

// Stop waits for running jobs until ctx ends, then cancels them; River runs them again later.
func (q *riverQueue) Stop(ctx context.Context) error {
	q.mu.Lock()
	started := q.started
	q.started = false
	q.mu.Unlock()
	if !started {
		return nil
	}
	return q.client.Stop(ctx)
}

// quietLogger is River's logger: its warnings and errors only, through the default handler.
func quietLogger() *slog.Logger {
	return slog.New(levelHandler{Handler: slog.Default().Handler(), min: slog.LevelWarn})
}

// levelHandler drops records below min.
type levelHandler struct {
	slog.Handler
	min slog.Level
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return levelHandler{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h levelHandler) WithGroup(name string) slog.Handler {
	return levelHandler{Handler: h.Handler.WithGroup(name), min: h.min}
}
