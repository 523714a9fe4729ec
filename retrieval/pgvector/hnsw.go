package pgvector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/draftd/draftd/retrieval"
)

// HNSW is the graph of an HNSW index: its maximum links per node (m) and the candidate list a
// build keeps (ef_construction).
type HNSW struct {
	M, EfConstruction int
}

// String writes h as CREATE INDEX's options.
func (h HNSW) String() string {
	return fmt.Sprintf("m = %d, ef_construction = %d", h.M, h.EfConstruction)
}

// wantHNSW is the graph draftd builds (createHNSW says why).
var wantHNSW = HNSW{M: 32, EfConstruction: 256}

// pgvectorDefaults is the graph pgvector builds when CREATE INDEX names no options.
var pgvectorDefaults = HNSW{M: 16, EfConstruction: 64}

// selectHNSWOptions reads the options the HNSW index was built with, as pg_class keeps them
// ("m=16", "ef_construction=128"); no row when there is no index.
const selectHNSWOptions = `SELECT coalesce(c.reloptions, '{}') FROM pg_class c WHERE c.oid = to_regclass('passages_embedding_hnsw')`

// IndexGraph returns the graph the HNSW index of this store was built with; false when there is
// none (no embedder recorded yet, or a bulk load suspended it).
func (s *Store) IndexGraph(ctx context.Context) (HNSW, bool, error) {
	var opts []string
	err := s.pool.QueryRow(ctx, selectHNSWOptions).Scan(&opts)
	if errors.Is(err, pgx.ErrNoRows) {
		return HNSW{}, false, nil
	}
	if err != nil {
		return HNSW{}, false, fmt.Errorf("pgvector: index graph: %w", mapErr(err))
	}
	h := pgvectorDefaults
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		switch k {
		case "m":
			h.M = n
		case "ef_construction":
			h.EfConstruction = n
		}
	}
	return h, true, nil
}

// warnOldGraph logs a warning when the HNSW index was built with another graph than the one
// draftd builds now: a store made before the graph changed keeps its old index, and its
// searches find fewer of the nearest passages, until the index is rebuilt.
func (s *Store) warnOldGraph(ctx context.Context) {
	have, ok, err := s.IndexGraph(ctx)
	if err != nil {
		slog.Debug("reading the HNSW index's options", "err", err)
		return
	}
	if ok && have != wantHNSW {
		slog.Warn("the vector index was built with another graph than draftd builds; vector search finds fewer of the nearest passages until it is rebuilt: run `draftd reindex --index-only` (no re-embedding; searches go on while it builds)",
			"index", "passages_embedding_hnsw", "built_with", have.String(), "wanted", wantHNSW.String())
	}
}

const (
	lockRebuild   = lockBulk // a bulk load and a rebuild exclude each other
	unlockRebuild = unlockBulk
	setRebuildMem = `SET maintenance_work_mem = '512MB'`
	resetMem      = `RESET maintenance_work_mem`
	// The new graph is built beside the old one, CONCURRENTLY, so searches and writes go on;
	// then one short transaction swaps the names. An invalid leftover of an interrupted
	// rebuild is dropped first.
	dropNewHNSW   = `DROP INDEX CONCURRENTLY IF EXISTS passages_embedding_hnsw_new`
	createNewHNSW = `CREATE INDEX CONCURRENTLY passages_embedding_hnsw_new ON passages USING hnsw (embedding vector_cosine_ops) WITH (%s)`
	renameNewHNSW = `ALTER INDEX passages_embedding_hnsw_new RENAME TO passages_embedding_hnsw`
)

// RebuildIndex builds the HNSW index again with the graph draftd builds now, from the stored
// vectors (nothing is embedded again), and returns what it did in a line for a person. The new
// index is built CONCURRENTLY beside the old one, which searches keep using until the two are
// swapped in one short transaction. progress, when not nil, is called about once a second with
// the passages indexed so far and the total. It returns EINVALID when no embedder is recorded
// (there are no vectors to index) and ECONFLICT while a bulk load or another rebuild runs.
func (s *Store) RebuildIndex(ctx context.Context, progress func(done, total int)) (string, error) {
	if s.recorded() == nil {
		return "", retrieval.Errorf(retrieval.EINVALID, "数据库还没有记录向量模型，没有可重建的向量索引：请先导入文档")
	}
	before, had, err := s.IndexGraph(ctx)
	if err != nil {
		return "", err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return "", fmt.Errorf("pgvector: rebuild index: %w", mapErr(err))
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, lockRebuild).Scan(&locked); err != nil {
		return "", fmt.Errorf("pgvector: rebuild index: %w", mapErr(err))
	}
	if !locked {
		return "", retrieval.Errorf(retrieval.ECONFLICT, "正在批量导入或重建索引，请等它结束后再试")
	}
	defer conn.Exec(context.WithoutCancel(ctx), unlockRebuild)
	if progress != nil {
		var pid uint32
		if err := conn.QueryRow(ctx, selectBackendID).Scan(&pid); err != nil {
			return "", fmt.Errorf("pgvector: rebuild index: %w", mapErr(err))
		}
		stop := s.watchBuild(ctx, pid, progress)
		defer stop()
	}
	t0 := time.Now()
	for _, q := range []string{dropNewHNSW, setRebuildMem, fmt.Sprintf(createNewHNSW, wantHNSW)} {
		if _, err := conn.Exec(ctx, q); err != nil {
			conn.Exec(context.WithoutCancel(ctx), resetMem)
			return "", fmt.Errorf("pgvector: rebuild index: %w", mapErr(err))
		}
	}
	conn.Exec(ctx, resetMem)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, q := range []string{lockEmbedder, dropHNSW, renameNewHNSW} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("pgvector: rebuild index: swap: %w", mapErr(err))
	}
	took := time.Since(t0).Round(100 * time.Millisecond)
	if !had {
		return fmt.Sprintf("built the vector index with %s in %v", wantHNSW, took), nil
	}
	return fmt.Sprintf("rebuilt the vector index: %s → %s in %v", before, wantHNSW, took), nil
}
