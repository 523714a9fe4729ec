package embedded

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"

	"github.com/draftd/draftd/retrieval"
)

// Draft writes are group-committed. SQLite has one writer, and a commit costs more than the few
// rows a draft write changes, so with many drafts in flight every write queued while a transaction
// commits goes into the next one: one transaction for up to maxBatch writes. Each write runs in
// its own savepoint, so one that fails is rolled back alone and its caller gets its error; the
// others are committed. A caller's call returns only once its write is committed (or has failed).

// maxBatch bounds the writes one transaction commits, so that a commit stays short.
const maxBatch = 64

// errClosed is the error of a write attempted after Close.
var errClosed = retrieval.Errorf(retrieval.EUNAVAILABLE, "数据存储已关闭")

// States of a writeOp: queued until the committer takes it or its caller gives up on it.
const (
	opQueued int32 = iota
	opTaken
	opAbandoned
)

// A writeOp is one caller's write: fn, run in a transaction it shares with other callers' writes.
type writeOp struct {
	ctx   context.Context
	fn    func(ctx context.Context, tx *sql.Tx) error
	state atomic.Int32
	done  chan error // buffered: the committer never waits for a caller
}

// startCommitter starts the goroutine that commits draft writes; Close stops it.
func (s *Store) startCommitter() {
	s.writes = make(chan *writeOp)
	s.quit = make(chan struct{})
	s.stopped = make(chan struct{})
	go s.commitLoop()
}

// stopCommitter stops the committer after the batch it is committing, if any. Writes not yet
// handed to it fail with errClosed: the channel is unbuffered, so none is left behind.
func (s *Store) stopCommitter() {
	if s.quit == nil {
		return
	}
	s.closeOnce.Do(func() { close(s.quit) })
	<-s.stopped
}

// write runs fn in a write transaction, usually shared with other callers' writes, and returns
// fn's error or the transaction's. fn must have no effect outside tx: it may be run twice, the
// first run rolled back. Once fn has started it runs to the end whatever ctx does, since
// interrupting a statement would roll back the whole shared transaction; a ctx done before that
// returns ctx's error and nothing is written.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- op:
	case <-s.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		if op.state.CompareAndSwap(opQueued, opAbandoned) {
			return ctx.Err()
		}
		return <-op.done // taken: it is being written, so say how that went
	}
}

// commitLoop gathers the writes queued while the last batch committed and commits them together.
func (s *Store) commitLoop() {
	defer close(s.stopped)
	for {
		var batch []*writeOp
		select {
		case op := <-s.writes:
			batch = append(batch, op)
		case <-s.quit:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case op := <-s.writes:
				batch = append(batch, op)
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

// commit writes the ops whose callers still wait, and tells each caller how its write went.
func (s *Store) commit(batch []*writeOp) {
	live := make([]*writeOp, 0, len(batch))
	for _, op := range batch {
		if !op.state.CompareAndSwap(opQueued, opTaken) {
			continue // its caller gave up
		}
		if err := op.ctx.Err(); err != nil {
			op.done <- err
			continue
		}
		live = append(live, op)
	}
	if len(live) == 1 {
		live[0].done <- s.writeAlone(live[0])
		return
	}
	if len(live) == 0 {
		return
	}
	errs, err := s.writeBatch(live)
	if err != nil {
		// The transaction as a whole failed, so none of it was written: each write is tried
		// again in a transaction of its own, to fail or succeed by itself.
		for _, op := range live {
			op.done <- s.writeAlone(op)
		}
		return
	}
	for i, op := range live {
		op.done <- errs[i]
	}
}

// writeBatch runs ops in one transaction, each in a savepoint rolled back if its fn fails, and
// commits. It returns each op's error, or an error when the transaction itself failed.
func (s *Store) writeBatch(ops []*writeOp) ([]error, error) {
	ctx := context.Background() // the batch is no one caller's
	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	errs := make([]error, len(ops))
	for i, op := range ops {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT op`); err != nil {
			return nil, err
		}
		if errs[i] = op.fn(context.WithoutCancel(op.ctx), tx); errs[i] != nil {
			// An error that ended the transaction leaves no savepoint: then this fails too.
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO op`); err != nil {
				return nil, errors.Join(err, errs[i])
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE op`); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return errs, nil
}

// writeAlone runs op in a transaction of its own.
func (s *Store) writeAlone(op *writeOp) error {
	ctx := context.WithoutCancel(op.ctx)
	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := op.fn(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// prepareWrites prepares the statements of draft writes on the writer connection, before any
// transaction holds it: they run over and over, and preparing one costs about as much as running it.
func (s *Store) prepareWrites(ctx context.Context) error {
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range draftWrites {
		st, err := s.wr.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		s.stmts[q] = st
	}
	return nil
}

// exec runs query with args in tx, prepared once if it is one of draftWrites.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st, ok := s.stmts[query]; ok {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// execRows runs query, one of draftWrites, once for each row of arguments in tx.
func (s *Store) execRows(ctx context.Context, tx *sql.Tx, query string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	st := tx.StmtContext(ctx, s.stmts[query])
	for _, args := range rows {
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}
