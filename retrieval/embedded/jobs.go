package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// Drafting jobs on the embedded store are rows of draft_jobs, with River's semantics kept where
// one process has them all: a job is claimed by setting it running in a write transaction (the
// single writer orders claims), retried after the backoff, discarded after its last attempt,
// cancelled with its draft, one live job per section (a unique index). No lease is needed: one
// process holds the data directory (lock.go), so jobs left running when it died are its own and
// it runs them again when it starts.

// localQueue is the queue.Queue of an embedded store.
type localQueue struct {
	s    *Store
	cfg  queue.Config
	wake chan struct{}

	mu      sync.Mutex
	running map[int64]*runningJob
	stop    context.CancelFunc // stops claiming
	halt    context.CancelFunc // cancels running jobs
	wg      sync.WaitGroup
}

// runningJob is a job this process runs.
type runningJob struct {
	draftID   string
	section   int
	run       int64 // queue.Job.Run: which run of the section the job drafts
	cancel    context.CancelFunc
	cancelled bool // by Cancel: the job ends cancelled, not retried
}

var _ queue.Queue = (*localQueue)(nil)

// NewQueue returns the drafting queue of this store; Start runs its workers.
func (s *Store) NewQueue(ctx context.Context, cfg queue.Config) (queue.Queue, error) {
	cfg = cfg.Defaults()
	if cfg.Workers > 0 && cfg.Worker == nil {
		return nil, errors.New("embedded: queue: workers without a Worker")
	}
	return &localQueue{s: s, cfg: cfg, wake: make(chan struct{}, 1), running: map[int64]*runningJob{}}, nil
}

// poke wakes the dispatcher: there may be a job to run.
func (q *localQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

const insertJob = `INSERT INTO draft_jobs (draft_id, section, args, state, attempt, max_attempts, run_at, updated_at)
	VALUES (?, ?, ?, 'available', 0, ?, ?, ?)`

// insertJobs enqueues jobs in tx; a section with a live job already is ECONFLICT.
func (q *localQueue) insertJobs(ctx context.Context, tx *sql.Tx, jobs []queue.Job, at int64) error {
	for _, j := range jobs {
		args, err := json.Marshal(j)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insertJob, j.DraftID, j.Section, string(args), q.cfg.MaxAttempts, at, at); err != nil {
			var se interface{ Code() int }
			if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
				return retrieval.Errorf(retrieval.ECONFLICT, "稿件 %s 的第 %d 部分正在生成，请稍后再试", j.DraftID, j.Section)
			}
			return missingDraft(err)
		}
	}
	return nil
}

const (
	expireIdempotency = `DELETE FROM idempotency WHERE created_at < ?`
	insertIdempotency = `INSERT INTO idempotency (scope, idempotency_key, body_hash, draft_id, created_at)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, idempotency_key) DO NOTHING`
	selectIdempotency = `SELECT body_hash, draft_id, created_at FROM idempotency WHERE scope = ? AND idempotency_key = ?`
)

// Create stores d, its jobs and key in one write transaction (see queue.Queue); the single writer
// orders two requests with one key, and the second finds the first's record.
func (q *localQueue) Create(ctx context.Context, d *draft.Draft, jobs []queue.Job, key *queue.Idempotency, since time.Time) (queue.Idempotency, bool, error) {
	rows, err := newDraftRows(d)
	if err != nil {
		return queue.Idempotency{}, false, fmt.Errorf("embedded: create draft: %w", err)
	}
	var got queue.Idempotency
	var created bool
	err = q.s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		got, created = queue.Idempotency{}, true
		if key != nil {
			if _, err := tx.ExecContext(ctx, expireIdempotency, since.UnixNano()); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, insertIdempotency, key.Scope, key.Key, key.BodyHash, d.ID, key.CreatedAt.UnixNano())
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				created = false
				got = queue.Idempotency{Scope: key.Scope, Key: key.Key}
				var at int64
				err := tx.QueryRowContext(ctx, selectIdempotency, key.Scope, key.Key).Scan(&got.BodyHash, &got.DraftID, &at)
				got.CreatedAt = fromNanos(at)
				return err
			}
		}
		if err := rows.insert(ctx, q.s, tx); err != nil {
			return err
		}
		return q.insertJobs(ctx, tx, jobs, time.Now().UnixNano())
	})
	if err != nil {
		return queue.Idempotency{}, false, fmt.Errorf("embedded: create draft: %w", err)
	}
	if !created {
		return got, false, nil
	}
	q.poke()
	if key != nil {
		got = *key
		got.DraftID = d.ID
	}
	return got, true, nil
}

const (
	selectDraftStatus = `SELECT status FROM drafts WHERE id = ?`
	markSectionAgain  = `UPDATE draft_sections SET status = 'generating', error = '', updated_at = ? WHERE draft_id = ? AND idx = ?`
	markDraftAgain    = `UPDATE drafts SET status = 'generating', updated_at = ? WHERE id = ?`
	cancelSectionJobs = `UPDATE draft_jobs SET state = 'cancelled', updated_at = ? WHERE draft_id = ? AND section = ? AND state IN ('available', 'running')`
)

// Regenerate marks the section and its draft generating and enqueues j in one write transaction
// (see queue.Queue).
func (q *localQueue) Regenerate(ctx context.Context, j queue.Job) error {
	err := q.s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var st draft.Status
		if err := tx.QueryRowContext(ctx, selectDraftStatus, j.DraftID).Scan(&st); errors.Is(err, sql.ErrNoRows) {
			return retrieval.ErrNotFound
		} else if err != nil {
			return err
		}
		if st == draft.StatusPending || st == draft.StatusGenerating {
			return retrieval.Errorf(retrieval.ECONFLICT, "稿件 %s 仍在生成，生成结束后再重新生成", j.DraftID)
		}
		at := time.Now().UnixNano()
		if err := affected(tx.ExecContext(ctx, markSectionAgain, at, j.DraftID, j.Section)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, markDraftAgain, at, j.DraftID); err != nil {
			return err
		}
		// The draft is settled, so an earlier job of the section still live has drafted it: one
		// running is recording its end, one waiting for a retry would draft it a second time.
		// Both are cancelled (the running one's end is then recorded as cancelled).
		if _, err := tx.ExecContext(ctx, cancelSectionJobs, at, j.DraftID, j.Section); err != nil {
			return err
		}
		j.Run = at
		return q.insertJobs(ctx, tx, []queue.Job{j}, at)
	})
	if err != nil {
		return fmt.Errorf("embedded: regenerate: %w", err)
	}
	// Only the earlier runs' jobs: the job just enqueued may be running already.
	q.mu.Lock()
	for _, r := range q.running {
		if r.draftID == j.DraftID && r.section == j.Section && r.run != j.Run {
			r.cancelled = true
			r.cancel()
		}
	}
	q.mu.Unlock()
	q.poke()
	return nil
}

const cancelJobs = `UPDATE draft_jobs SET state = 'cancelled', updated_at = ? WHERE draft_id = ? AND state = 'available'`

// Cancel cancels draft id's waiting jobs and the context of those running.
func (q *localQueue) Cancel(ctx context.Context, id string) error {
	at := time.Now().UnixNano()
	if err := q.s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, cancelJobs, at, id)
		return err
	}); err != nil {
		return fmt.Errorf("embedded: cancel jobs: %w", err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, r := range q.running {
		if r.draftID == id {
			r.cancelled = true
			r.cancel()
		}
	}
	return nil
}

const selectLive = `SELECT EXISTS (SELECT 1 FROM draft_jobs WHERE draft_id = ? AND state IN ('available', 'running'))`

// Live reports whether draft id has a job that has not finished.
func (q *localQueue) Live(ctx context.Context, id string) (bool, error) {
	var live bool
	if err := q.s.db.QueryRowContext(ctx, selectLive, id).Scan(&live); err != nil {
		return false, fmt.Errorf("embedded: live jobs: %w", err)
	}
	return live, nil
}

const selectDepth = `SELECT coalesce(sum(state = 'available'), 0), coalesce(sum(state = 'running'), 0) FROM draft_jobs`

// Depth counts the jobs that wait (to run, or for a retry) and that run.
func (q *localQueue) Depth(ctx context.Context) (queue.Depth, error) {
	var d queue.Depth
	if err := q.s.db.QueryRowContext(ctx, selectDepth).Scan(&d.Waiting, &d.Running); err != nil {
		return d, fmt.Errorf("embedded: queue depth: %w", err)
	}
	return d, nil
}

const selectAnyJob = `SELECT count(*) FROM (SELECT 1 FROM draft_jobs LIMIT 1)`

// Ping reads one row of the jobs table at most: the store answers and the table is there.
func (q *localQueue) Ping(ctx context.Context) error {
	var n int
	if err := q.s.db.QueryRowContext(ctx, selectAnyJob).Scan(&n); err != nil {
		return fmt.Errorf("embedded: queue ping: %w", err)
	}
	return nil
}

const requeueRunning = `UPDATE draft_jobs SET state = 'available', run_at = ?1, updated_at = ?1 WHERE state = 'running'`

// Start runs jobs, up to Config.Workers at once. Jobs left running by this store's last process,
// which died or was stopped, run again first. The store is pruned now and every
// Retention.Every (prune.go).
func (q *localQueue) Start(ctx context.Context) error {
	if q.cfg.Workers == 0 {
		return nil
	}
	now := time.Now()
	if err := q.s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, requeueRunning, now.UnixNano())
		return err
	}); err != nil {
		return fmt.Errorf("embedded: queue: start: %w", err)
	}
	claimCtx, stop := context.WithCancel(ctx)
	workCtx, halt := context.WithCancel(context.WithoutCancel(ctx))
	q.mu.Lock()
	q.stop, q.halt = stop, halt
	q.mu.Unlock()
	q.wg.Add(2)
	go q.dispatch(claimCtx, workCtx)
	go q.pruneEvery(claimCtx)
	return nil
}

// Stop stops claiming jobs and waits for the running ones until ctx ends, then cancels them:
// they run again when the store's queue starts next.
func (q *localQueue) Stop(ctx context.Context) error {
	q.mu.Lock()
	stop, halt := q.stop, q.halt
	q.mu.Unlock()
	if stop == nil {
		return nil
	}
	stop()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		halt()
		<-done
	}
	halt()
	return nil
}

// dispatch claims due jobs while a worker is free, and waits for a poke or the poll interval.
func (q *localQueue) dispatch(claimCtx, workCtx context.Context) {
	defer q.wg.Done()
	free := make(chan struct{}, q.cfg.Workers)
	for range q.cfg.Workers {
		free <- struct{}{}
	}
	tick := time.NewTicker(q.cfg.PollInterval)
	defer tick.Stop()
	for {
	claim:
		for {
			select {
			case <-free:
			default:
				break claim
			}
			j, ok := q.claim(claimCtx)
			if !ok {
				free <- struct{}{}
				break
			}
			q.wg.Add(1)
			go func() {
				defer q.wg.Done()
				q.run(claimCtx, workCtx, j)
				free <- struct{}{}
				q.poke()
			}()
		}
		select {
		case <-claimCtx.Done():
			return
		case <-q.s.quit: // the store is closed
			return
		case <-q.wake:
		case <-tick.C:
		}
	}
}

// claimedJob is a job this process set running.
type claimedJob struct {
	id               int64
	job              queue.Job
	attempt, maxRuns int
}

const claimJob = `UPDATE draft_jobs SET state = 'running', attempt = attempt + 1, updated_at = ?1
	WHERE id = (SELECT id FROM draft_jobs WHERE state = 'available' AND run_at <= ?1 ORDER BY run_at, id LIMIT 1)
	RETURNING id, args, attempt, max_attempts`

// claim sets the next due job running; false when there is none (or the store failed: logged by
// the next poll's attempt).
func (q *localQueue) claim(ctx context.Context) (claimedJob, bool) {
	var c claimedJob
	var found bool
	err := q.s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		c, found = claimedJob{}, false
		var args string
		err := tx.QueryRowContext(ctx, claimJob, time.Now().UnixNano()).Scan(&c.id, &args, &c.attempt, &c.maxRuns)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return json.Unmarshal([]byte(args), &c.job)
	})
	return c, err == nil && found
}

const (
	// A job's end is recorded only while it is running: one cancelled meanwhile stays cancelled.
	finishJob = `UPDATE draft_jobs SET state = ?, error = ?, updated_at = ? WHERE id = ? AND state = 'running'`
	retryJob  = `UPDATE draft_jobs SET state = 'available', run_at = ?, error = ?, updated_at = ? WHERE id = ? AND state = 'running'`
	// requeueJob gives back the attempt of a job stopped with its process.
	requeueJob = `UPDATE draft_jobs SET state = 'available', attempt = attempt - 1, run_at = ?, error = ?, updated_at = ? WHERE id = ? AND state = 'running'`
)

// run works one attempt of c and records how it ended.
func (q *localQueue) run(claimCtx, workCtx context.Context, c claimedJob) {
	jctx, cancel := context.WithTimeout(workCtx, q.cfg.JobTimeout)
	r := &runningJob{draftID: c.job.DraftID, section: c.job.Section, run: c.job.Run, cancel: cancel}
	q.mu.Lock()
	q.running[c.id] = r
	q.mu.Unlock()
	err := q.cfg.Worker.Work(jctx, c.job, c.attempt >= c.maxRuns)
	cancel()
	q.mu.Lock()
	delete(q.running, c.id)
	cancelled := r.cancelled
	q.mu.Unlock()

	now := time.Now()
	query, args := finishJob, []any{"completed", "", now.UnixNano(), c.id}
	switch {
	case err == nil:
	case cancelled || errors.Is(err, queue.ErrGone):
		args[0], args[1] = "cancelled", err.Error()
	case claimCtx.Err() != nil && workCtx.Err() != nil:
		// Stopped with the process: the next start runs it again, this attempt not counted.
		query, args = requeueJob, []any{now.UnixNano(), "", now.UnixNano(), c.id}
	case c.attempt >= c.maxRuns:
		args[0], args[1] = "discarded", err.Error()
	default:
		query, args = retryJob, []any{now.Add(q.cfg.Backoff(c.attempt)).UnixNano(), err.Error(), now.UnixNano(), c.id}
	}
	// The outcome is written even while stopping; a failed write leaves the job running, to be
	// run again at the next start.
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if werr := q.s.write(wctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}); werr != nil && !errors.Is(werr, errClosed) {
		slog.Warn("recording a drafting job's outcome failed; it runs again at the next start", "draft_id", c.job.DraftID, "section", c.job.Section, "err", werr)
	}
}

// missingDraft turns the foreign key failure of a job whose draft does not exist into ErrNotFound.
func missingDraft(err error) error {
	if isForeignKey(err) {
		return retrieval.ErrNotFound
	}
	return err
}
