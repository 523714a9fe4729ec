// Package queue drafts sections as durable jobs kept in the store's own database, so that an
// acknowledged draft is never lost: one job per section, retried with backoff when the model
// fails, bounded by a timeout, never run twice at once, cancelled when its draft is deleted or
// its section regenerated, and picked up again by another worker when the process that ran it
// died. PostgreSQL runs the jobs on River (retrieval/pgvector), the embedded store on a jobs
// table of its own with the same semantics (retrieval/embedded); both are held to the
// conformance suite in retrieval/storetest.
//
// Drafting events go to the database too (EventLog), so that any process can stream any
// draft's progress: PostgreSQL announces them with LISTEN/NOTIFY (ids only, never text), the
// embedded store within its one process.
//
// What finished is pruned (Retention, Pruner): events of old runs, finished jobs, idle rate
// buckets and lapsed token holds, by the queue's leader on PostgreSQL and by the one process on
// the embedded store.
package queue

import (
	"context"
	"errors"
	"time"

	"github.com/draftd/draftd/draft"
)

// Job drafts one section of a draft. It carries what a worker needs to rebuild the drafter,
// never a secret: the model's name, the workspace whose passages it may use, and whose token
// budget the model calls count against.
type Job struct {
	DraftID   string `json:"draft_id" river:"unique"`
	Section   int    `json:"section" river:"unique"`
	Workspace string `json:"workspace"`
	Model     string `json:"model"`
	Budget    string `json:"budget,omitempty"` // the sender's scope: an API key's ID, a user's, or "local"
	// Run tells a regeneration's job from the section's earlier ones (0 for the draft's first
	// run): one of them may still be recording its end when the regeneration is enqueued.
	Run int64 `json:"run,omitempty" river:"unique"`
}

// Kind names the job in the queue's tables.
func (Job) Kind() string { return "draft_section" }

// Jobs returns one job per section of d, each with spec's model, workspace and budget.
func Jobs(d *draft.Draft, spec Job) []Job {
	out := make([]Job, 0, len(d.Sections))
	for _, s := range d.Sections {
		j := spec
		j.DraftID, j.Section = d.ID, s.Index
		if j.Workspace == "" {
			j.Workspace = d.Workspace
		}
		out = append(out, j)
	}
	return out
}

// Idempotency is the Idempotency-Key of a request that creates a draft, recorded in the same
// transaction as the draft and its jobs: a key is never recorded without its draft, nor a draft
// made twice for one key.
type Idempotency struct {
	Scope     string // the sender: an API key's ID, or "local" in single-user mode
	Key       string // the client's Idempotency-Key
	BodyHash  []byte // SHA-256 of the request, so a reused key with another request is caught
	DraftID   string // the draft the key made
	CreatedAt time.Time
}

// Worker drafts the section a job names. final says whether this is the job's last attempt:
// before it, an error makes the queue try again after a backoff; on it, the worker records the
// section failed. An error wrapping ErrGone ends the job at once (its draft or section is gone).
type Worker interface {
	Work(ctx context.Context, j Job, final bool) error
}

// ErrGone says that a job's draft or section no longer exists: the job ends without a retry.
var ErrGone = errors.New("queue: the draft is gone")

// Queue stores drafts with their jobs and runs the jobs. Both stores implement it.
type Queue interface {
	// Create stores d with one job per entry of jobs and, when key is not nil, records key
	// (with d's ID) in the same transaction. Records older than since, of any key, are deleted
	// first. When key's scope and key are recorded already, nothing is stored: Create returns
	// that record and false. A concurrent Create with the same key waits for the first to
	// commit or roll back, so two never both store a draft.
	Create(ctx context.Context, d *draft.Draft, jobs []Job, key *Idempotency, since time.Time) (Idempotency, bool, error)
	// Regenerate marks section j.Section of draft j.DraftID generating (and the draft), cancels
	// the section's earlier jobs that have not finished (one still recording its end, or waiting
	// for a retry) and enqueues j, in one transaction. It returns retrieval.ErrNotFound when there
	// is no such draft or section and an ECONFLICT error while the draft is still pending or
	// generating.
	Regenerate(ctx context.Context, j Job) error
	// Cancel cancels the jobs of draft id that have not finished; a running one has its context
	// cancelled. Nothing to cancel is not an error.
	Cancel(ctx context.Context, id string) error
	// Live reports whether draft id has a job that has not finished: a draft pending or
	// generating without one was left by a process that drafted it in-process (draftd draft) and
	// stopped, and is recovered as interrupted.
	Live(ctx context.Context, id string) (bool, error)
	// Ping reports whether the queue's tables answer, cheaply whatever they hold: the readiness
	// probe's check.
	Ping(ctx context.Context) error
	// Depth counts the jobs of every draft that wait (to run, or for a retry) and that run now,
	// for the metrics.
	Depth(ctx context.Context) (Depth, error)
	// Start runs up to Config.Workers jobs at once until Stop or until ctx ends; with no workers
	// it only enqueues (an API-only process).
	Start(ctx context.Context) error
	// Stop waits for running jobs to finish, cancelling them after a grace period; a job
	// stopped so is run again by the next worker that starts.
	Stop(ctx context.Context) error
}

// Depth is how many drafting jobs a queue holds that have not finished.
type Depth struct {
	Waiting int // to run, or to be tried again after a failed attempt
	Running int
}

// Config tunes a Queue; zero values pick the defaults.
type Config struct {
	Worker      Worker
	Workers     int           // jobs run at once by this process; 0: none (API only)
	MaxAttempts int           // runs of a job before its section is failed (default 3)
	JobTimeout  time.Duration // bound on one run (default 6 minutes)
	// RescueAfter is how long a job may run before another worker takes it as abandoned by a
	// dead process (default JobTimeout + 1 minute; never less than JobTimeout). PostgreSQL only:
	// the embedded store has one process, which takes back its own jobs when it starts.
	RescueAfter time.Duration
	// Backoff is the wait before a job's next attempt after a failed one (default: 1 s, 4 s,
	// 9 s, … capped at 1 minute).
	Backoff func(attempt int) time.Duration
	// PollInterval is how often an idle worker looks for jobs it was not told about (default 1 s).
	PollInterval time.Duration
	// Retention bounds what the database keeps of finished work; the queue prunes it every
	// Retention.Every: on PostgreSQL the queue's leader (one process of all replicas), on the
	// embedded store its one process. A process without workers does not prune.
	Retention Retention
}

// Retention says how long finished work is kept; zero fields pick the defaults.
type Retention struct {
	// Events: a draft's events of runs that ended longer ago than this are deleted (default 30
	// days), but never those of its latest run, which a stream replays, nor the latest start or
	// end of each section, which the next run's settling reads.
	Events time.Duration
	// Jobs: finished (completed, cancelled, discarded) jobs are deleted this long after they
	// finished (default 7 days).
	Jobs time.Duration
	// Buckets: a request rate bucket unused this long is deleted (default 24 hours; it is full by
	// then for any limit that refills within a day, so deleting it changes nothing). Lapsed token
	// holds are deleted too.
	Buckets time.Duration
	// Every is how often the queue prunes (default 1 hour).
	Every time.Duration
}

// Defaults returns r with every zero field set to its default.
func (r Retention) Defaults() Retention {
	if r.Events <= 0 {
		r.Events = 30 * 24 * time.Hour
	}
	if r.Jobs <= 0 {
		r.Jobs = 7 * 24 * time.Hour
	}
	if r.Buckets <= 0 {
		r.Buckets = 24 * time.Hour
	}
	if r.Every <= 0 {
		r.Every = time.Hour
	}
	return r
}

// Pruned counts the rows one Prune deleted.
type Pruned struct {
	Events, Jobs, Buckets, Holds int64
	Spent                        int64 // days of token spending (SpentKeep)
}

// SpentKeep is how long Prune keeps a day's token spending: a month and a day, for an operator
// to look back on; the budget itself reads only the current day.
const SpentKeep = 31 * 24 * time.Hour

// Pruner deletes what the database no longer needs. Both stores implement it.
type Pruner interface {
	// Prune deletes, as of now, the events of runs that ended before now - r.Events (see
	// Retention), the jobs finished before now - r.Jobs, the rate buckets unused since now -
	// r.Buckets, the token holds lapsed by now and the days of token spending before the day
	// SpentKeep before now (in now's time zone), and counts them. r's zero fields are the
	// defaults.
	Prune(ctx context.Context, now time.Time, r Retention) (Pruned, error)
}

// Defaults returns c with every zero field set to its default.
func (c Config) Defaults() Config {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = 6 * time.Minute
	}
	if c.RescueAfter < c.JobTimeout {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.Backoff == nil {
		c.Backoff = func(attempt int) time.Duration {
			return min(time.Duration(attempt*attempt)*time.Second, time.Minute)
		}
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	c.Retention = c.Retention.Defaults()
	return c
}

// Logged is a drafting event as the database keeps it: Seq orders the events of one draft and is
// the SSE event's id.
type Logged struct {
	Seq   int64
	Event draft.Event
}

// EventLog keeps drafting events in the database. Both stores implement it.
type EventLog interface {
	// AppendEvent records e under the next sequence number of its draft and announces it to
	// every process that listens; it returns the number. A draft's numbers rise in the order
	// its events commit, so a reader that has seen n misses nothing by asking for those after n.
	// retrieval.ErrNotFound when the draft is gone.
	AppendEvent(ctx context.Context, e draft.Event) (int64, error)
	// Events returns draft id's events numbered above after, oldest first, at most limit.
	Events(ctx context.Context, id string, after int64, limit int) ([]Logged, error)
	// EndDraft ends draft id's run: when the draft is pending or generating and none of its
	// sections is, it sets its status to st with usage u and records e (its draft_done or
	// draft_failed) in one transaction, and reports true. Otherwise the draft is left alone and
	// nothing is recorded (false): of two workers finishing a draft's last sections at once, only
	// one ends it, and its end is recorded once; a worker that computed st before a regeneration
	// marked a section generating does not end the regenerated run. retrieval.ErrNotFound when
	// there is no draft id.
	EndDraft(ctx context.Context, id string, st draft.Status, u draft.Usage, e draft.Event) (bool, error)
	// LastEnd returns the number of draft id's latest draft_done or draft_failed event, 0 if none:
	// the events after it are those of the run in progress.
	LastEnd(ctx context.Context, id string) (int64, error)
	// ListenEvents calls notify with the draft's ID each time an event is appended, by any
	// process, until ctx ends. notify must not block. A lost notification is possible (a
	// reconnect): readers also poll.
	ListenEvents(ctx context.Context, notify func(draftID string)) error
}
