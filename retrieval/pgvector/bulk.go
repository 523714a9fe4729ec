package pgvector

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/draftd/draftd/retrieval"
)

var _ retrieval.BulkLoader = (*Store)(nil)

// The two search indexes a bulk load sets aside. createTokens repeats the
// definition in migrations/0001_init.sql, which made the index first.
const (
	dropTokens   = `DROP INDEX IF EXISTS passages_tokens`
	createTokens = `CREATE INDEX IF NOT EXISTS passages_tokens ON passages USING gin (tokens)`
	// selectIndexes says which search indexes exist, and whether an embedder is recorded: until
	// one is, the embedding column has no dimension and there is no HNSW index to build.
	selectIndexes = `SELECT to_regclass('passages_tokens') IS NOT NULL, to_regclass('passages_embedding_hnsw') IS NOT NULL,
       EXISTS (SELECT FROM meta WHERE key = 'embedder')`
	selectBackendID = `SELECT pg_backend_pid()`
	analyzePassages = `ANALYZE passages`
	// A bulk load holds lockBulk on its own session from SuspendIndexes to RestoreIndexes, so
	// that Open in another process does not rebuild the indexes under it; a load that dies
	// drops its session and with it the lock, and the next Open repairs.
	lockBulk   = `SELECT pg_try_advisory_lock(hashtext('draftd.bulk.' || current_schema()))`
	unlockBulk = `SELECT pg_advisory_unlock(hashtext('draftd.bulk.' || current_schema()))`
	// selectBuildProgress reads how far a CREATE INDEX has got; pgvector reports the tuples it has
	// loaded into the graph, GIN the blocks it has scanned.
	selectBuildProgress = `SELECT tuples_done, tuples_total, blocks_done, blocks_total
FROM pg_stat_progress_create_index WHERE pid = $1`
)

// PassageCount reports how many passages the store holds.
func (s *Store) PassageCount(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, countPassages).Scan(&n); err != nil {
		return 0, fmt.Errorf("pgvector: count passages: %w", mapErr(err))
	}
	return n, nil
}

// SuspendIndexes drops the HNSW and keyword indexes, so that Put writes only
// the rows: ≈ 6,000 passages/s instead of ≈ 100/s into a 100k-passage graph.
// Searches stay correct, by sequential scan, until RestoreIndexes (or, if this
// process dies first, the next Open). It returns ECONFLICT while another bulk
// load of the same store is running.
func (s *Store) SuspendIndexes(ctx context.Context) error {
	if err := s.suspendIndexes(ctx); err != nil {
		return fmt.Errorf("pgvector: suspend indexes: %w", mapErr(err))
	}
	return nil
}

func (s *Store) suspendIndexes(ctx context.Context) error {
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	if s.bulk == nil {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		var locked bool
		if err := conn.QueryRow(ctx, lockBulk).Scan(&locked); err != nil || !locked {
			conn.Release()
			if err == nil {
				err = retrieval.Errorf(retrieval.ECONFLICT, "另一个批量导入正在写入这个数据库，请等它结束后再试")
			}
			return err
		}
		s.bulk = conn
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, sql := range []string{lockEmbedder, dropHNSW, dropTokens} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	})
}

// endBulk releases the bulk load's lock and its connection, if held.
func (s *Store) endBulk(ctx context.Context) {
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	if s.bulk == nil {
		return
	}
	if _, err := s.bulk.Exec(ctx, unlockBulk); err != nil {
		s.bulk.Conn().Close(ctx) // ending the session releases the lock
	}
	s.bulk.Release()
	s.bulk = nil
}

// RestoreIndexes builds the keyword index and, once an embedder is recorded,
// the HNSW index, whichever is missing, with maintenance_work_mem raised so
// that the graph is built in memory (and in parallel where the server allows).
// Writers wait while it runs; readers do not. progress, when not nil, is
// called about once a second with passages indexed so far and the total.
func (s *Store) RestoreIndexes(ctx context.Context, progress func(done, total int)) error {
	defer s.endBulk(ctx)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgvector: restore indexes: %w", mapErr(err))
	}
	defer conn.Release()
	if err := s.restoreIndexes(ctx, conn, progress); err != nil {
		return fmt.Errorf("pgvector: restore indexes: %w", mapErr(err))
	}
	return nil
}

// restoreIndexes builds the missing indexes on conn.
func (s *Store) restoreIndexes(ctx context.Context, conn *pgxpool.Conn, progress func(done, total int)) error {
	var pid uint32
	if err := conn.QueryRow(ctx, selectBackendID).Scan(&pid); err != nil {
		return err
	}
	if progress != nil {
		stop := s.watchBuild(ctx, pid, progress)
		defer stop()
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockEmbedder); err != nil {
			return err
		}
		tokens, hnsw, err := missingIndexes(ctx, tx)
		if err != nil || !tokens && !hnsw {
			return err
		}
		steps := []string{setBuildMem}
		if tokens {
			steps = append(steps, createTokens)
		}
		if hnsw {
			steps = append(steps, createHNSW)
		}
		// Fresh statistics too: keyword search weighs and prunes tokens by them.
		for _, sql := range append(steps, analyzePassages) {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		s.statsMu.Lock()
		s.stats = nil
		s.statsMu.Unlock()
		return nil
	})
}

// buildPoll is how often watchBuild reads the index build's progress.
const buildPoll = time.Second

// watchBuild polls the progress of the index build running in backend pid
// and reports it until the returned function is called.
func (s *Store) watchBuild(ctx context.Context, pid uint32, progress func(done, total int)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		total, err := s.PassageCount(ctx)
		if err != nil {
			return
		}
		t := time.NewTicker(buildPoll)
		defer t.Stop()
		last := -1
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var tuplesDone, tuplesTotal, blocksDone, blocksTotal int64
			err := s.pool.QueryRow(ctx, selectBuildProgress, pid).Scan(&tuplesDone, &tuplesTotal, &blocksDone, &blocksTotal)
			if err != nil { // no build running at this instant, or the pool is closing
				continue
			}
			n := int(tuplesDone)
			if n == 0 && blocksTotal > 0 { // GIN scanning the table
				n = int(int64(total) * blocksDone / blocksTotal)
			}
			if n = min(n, total); n != last {
				last = n
				progress(n, total)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// missingIndexes reports which search indexes are missing and can be built.
func missingIndexes(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (tokens, hnsw bool, err error) {
	var hasTokens, hasHNSW, recorded bool
	err = q.QueryRow(ctx, selectIndexes).Scan(&hasTokens, &hasHNSW, &recorded)
	return !hasTokens, !hasHNSW && recorded, err
}

// repairIndexes rebuilds indexes a bulk load left suspended when it stopped
// before RestoreIndexes, so that searches never silently scan; it leaves them
// to a bulk load that is still running.
func (s *Store) repairIndexes(ctx context.Context) error {
	tokens, hnsw, err := missingIndexes(ctx, s.pool)
	if err != nil {
		return fmt.Errorf("pgvector: open: check indexes: %w", mapErr(err))
	}
	if !tokens && !hnsw {
		return nil
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgvector: open: %w", mapErr(err))
	}
	defer conn.Release()
	var free bool
	if err := conn.QueryRow(ctx, lockBulk).Scan(&free); err != nil {
		return fmt.Errorf("pgvector: open: %w", mapErr(err))
	}
	if !free {
		return nil
	}
	defer conn.Exec(context.WithoutCancel(ctx), unlockBulk)
	if err := s.restoreIndexes(ctx, conn, nil); err != nil {
		return fmt.Errorf("pgvector: open: rebuild indexes a bulk load left suspended: %w", mapErr(err))
	}
	return nil
}
