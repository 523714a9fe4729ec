package pgvector

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	pgv "github.com/pgvector/pgvector-go"

	"github.com/draftd/draftd/retrieval"
)

// maxIndexedDim is the largest vector dimension pgvector's HNSW index accepts.
const maxIndexedDim = 2000

// The embedding column's type and its HNSW index are made here, not in a
// migration, because the dimension is known only once an embedder is recorded.
const (
	lockEmbedder = `SELECT pg_advisory_xact_lock(hashtext('draftd.embedder.' || current_schema()))`
	selectSpec   = `SELECT value FROM meta WHERE key = 'embedder'`
	upsertSpec   = `INSERT INTO meta (key, value) VALUES ('embedder', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	setColumnDim = `ALTER TABLE passages ALTER COLUMN embedding TYPE vector(%d) USING embedding::vector(%d)`
	clearColumn  = `ALTER TABLE passages ALTER COLUMN embedding TYPE vector(%d) USING NULL`
	dropHNSW     = `DROP INDEX IF EXISTS passages_embedding_hnsw`
	// m = 32 and ef_construction = 256, not pgvector's 16 and 64 nor the 16 and 128 draftd had:
	// what a search has to find is the passages nearest a short query (a section topic of 6 to 20
	// characters, whose vector is sparse and near no passage), and on such queries at 100k passages
	// and ef_search 1000 (pgvector's maximum) a 16/128 graph found 0.768–0.779 of the exact top 10
	// in three builds, 32/256 0.961–0.964 in four (BenchmarkHundredK/Recall@10 reports the minimum
	// over builds; at ef_search 800 it is 0.947). The price is the build, ≈ 4× longer: 5–7 min
	// for 100k on 2 cores at load 10 (99–132 s quiet, measured with local-v1), and inserting row
	// by row into the bigger graph is slower too (bulk loads suspend the index).
	// wantHNSW (hnsw.go) is the same graph: Open warns when the index was built with another,
	// and RebuildIndex builds this one.
	createHNSW    = `CREATE INDEX passages_embedding_hnsw ON passages USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 256)`
	setBuildMem   = `SET LOCAL maintenance_work_mem = '512MB'`
	countPassages = `SELECT count(*) FROM passages`
)

func (s *Store) recorded() *retrieval.EmbedderSpec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spec
}

func (s *Store) record(spec *retrieval.EmbedderSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spec = spec
}

// loadSpec reads the recorded embedder, if any.
func (s *Store) loadSpec(ctx context.Context) error {
	var spec retrieval.EmbedderSpec
	err := s.pool.QueryRow(ctx, selectSpec).Scan(&spec)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		s.record(nil)
	case err != nil:
		return fmt.Errorf("pgvector: open: embedder: %w", mapErr(err))
	default:
		s.record(&spec)
	}
	return nil
}

// changedElsewhere returns an EEMBEDDERMISMATCH error when the embedder
// recorded in the database is no longer the one this Store was opened with
// (draftd reindex ran in another process), and nil otherwise.
func (s *Store) changedElsewhere(ctx context.Context) error {
	mine := s.recorded()
	if mine == nil {
		return nil
	}
	var stored retrieval.EmbedderSpec
	if err := s.pool.QueryRow(ctx, selectSpec).Scan(&stored); err != nil || stored == *mine {
		return nil
	}
	return &retrieval.Error{
		Code: retrieval.EEMBEDDERMISMATCH,
		Message: fmt.Sprintf("数据库的向量模型已改为 %s（维度 %d），而运行中的 draftd 使用 %s（维度 %d）："+
			"其他地方执行了 `draftd reindex`。请按新的向量模型配置后重启 draftd。", stored.Name, stored.Dim, mine.Name, mine.Dim),
	}
}

// orChanged returns changedElsewhere's error for a statement that failed on
// a vector dimension (the column was retyped under this Store), else err.
func (s *Store) orChanged(ctx context.Context, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.Contains(pgErr.Message, "dimensions") {
		if changed := s.changedElsewhere(context.WithoutCancel(ctx)); changed != nil {
			return changed
		}
	}
	return err
}

func validateSpec(spec retrieval.EmbedderSpec) error {
	switch {
	case spec.Name == "":
		return retrieval.Errorf(retrieval.EINVALID, "the embedder has no name")
	case spec.Dim < 1 || spec.Dim > maxIndexedDim:
		return retrieval.Errorf(retrieval.EINVALID, "embedder %s has dimension %d; the pgvector store supports 1 to %d",
			spec.Name, spec.Dim, maxIndexedDim)
	}
	return nil
}

func mismatch(built, configured retrieval.EmbedderSpec) error {
	name := built.Name
	if name == "" {
		name = "（未记录）"
	}
	return &retrieval.Error{
		Code: retrieval.EEMBEDDERMISMATCH,
		Message: fmt.Sprintf("这个数据库由向量模型 %s（维度 %d）建立，而 draftd 配置的是 %s（维度 %d）。"+
			"请运行 `draftd reindex` 重新计算所有段落的向量，或把配置改回原来的模型。",
			name, built.Dim, configured.Name, configured.Dim),
	}
}

// CheckEmbedder records spec when no embedder is recorded yet, typing the
// embedding column and building its HNSW index; it accepts the recorded
// spec and returns an EEMBEDDERMISMATCH error for any other, and EINVALID for
// a spec without a name or with a dimension the index cannot hold.
func (s *Store) CheckEmbedder(ctx context.Context, spec retrieval.EmbedderSpec) error {
	if err := validateSpec(spec); err != nil {
		return fmt.Errorf("pgvector: check embedder: %w", err)
	}
	var recorded retrieval.EmbedderSpec
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockEmbedder); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, selectSpec).Scan(&recorded)
		if err == nil {
			if recorded != spec {
				return mismatch(recorded, spec)
			}
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		// Vectors put before any embedder was recorded must at least have spec's dimension.
		var dim int
		switch err := tx.QueryRow(ctx, selectAnyDim).Scan(&dim); {
		case err == nil && dim != spec.Dim:
			return mismatch(retrieval.EmbedderSpec{Dim: dim}, spec)
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		recorded = spec
		if err := retype(ctx, tx, fmt.Sprintf(setColumnDim, spec.Dim, spec.Dim)); err != nil {
			return err
		}
		return indexAndRecord(ctx, tx, spec)
	})
	if err != nil {
		return fmt.Errorf("pgvector: check embedder: %w", mapErr(err))
	}
	s.record(&recorded)
	return nil
}

// retype drops the HNSW index and changes the embedding column's type with alter.
func retype(ctx context.Context, tx pgx.Tx, alter string) error {
	for _, sql := range []string{dropHNSW, alter} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return err
		}
	}
	return nil
}

// indexAndRecord builds the HNSW index and records spec.
func indexAndRecord(ctx context.Context, tx pgx.Tx, spec retrieval.EmbedderSpec) error {
	for _, sql := range []string{setBuildMem, createHNSW} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, upsertSpec, spec)
	return err
}

// reindexBatch is how many passages go to the embedder at once.
const reindexBatch = 128

const (
	selectPassageBatch = `SELECT id, heading_path, text FROM passages WHERE id > $1 ORDER BY id LIMIT $2`
	updateEmbeddings   = `UPDATE passages p SET embedding = v.embedding
FROM unnest($1::text[], $2::vector[]) AS v (id, embedding) WHERE p.id = v.id`
)

// embedRow is what the embedder needs of a passage.
type embedRow struct {
	ID          string
	HeadingPath []string
	Text        string
}

// Reindex re-embeds every passage with embed and records spec, all in one
// transaction: drop the index, retype the column to spec's dimension, embed in
// batches of reindexBatch (calling progress after each, if not nil), rebuild
// the index. Searches wait for it; on any error nothing changes. It returns
// EINVALID for an invalid spec or when embed returns vectors of the wrong number or dimension.
func (s *Store) Reindex(ctx context.Context, spec retrieval.EmbedderSpec, embed retrieval.Embedder, progress func(done, total int)) error {
	if err := validateSpec(spec); err != nil {
		return fmt.Errorf("pgvector: reindex: %w", err)
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockEmbedder); err != nil {
			return err
		}
		if err := retype(ctx, tx, fmt.Sprintf(clearColumn, spec.Dim)); err != nil {
			return err
		}
		var total int
		if err := tx.QueryRow(ctx, countPassages).Scan(&total); err != nil {
			return err
		}
		progress(0, total)
		done, after := 0, ""
		for {
			rows, _ := tx.Query(ctx, selectPassageBatch, after, reindexBatch)
			batch, err := pgx.CollectRows(rows, pgx.RowToStructByName[embedRow])
			if err != nil || len(batch) == 0 {
				return err
			}
			if err := embedBatch(ctx, tx, spec, embed, batch); err != nil {
				return err
			}
			done += len(batch)
			after = batch[len(batch)-1].ID
			progress(done, total)
			if len(batch) < reindexBatch {
				break
			}
		}
		return indexAndRecord(ctx, tx, spec)
	})
	if err != nil {
		return fmt.Errorf("pgvector: reindex: %w", mapErr(err))
	}
	s.record(&spec)
	return nil
}

func embedBatch(ctx context.Context, tx pgx.Tx, spec retrieval.EmbedderSpec, embed retrieval.Embedder, batch []embedRow) error {
	texts := make([]string, len(batch))
	ids := make([]string, len(batch))
	for i, r := range batch {
		texts[i] = retrieval.EmbedText(retrieval.Passage{HeadingPath: r.HeadingPath, Text: r.Text})
		ids[i] = r.ID
	}
	vecs, err := embed(ctx, texts)
	if err != nil {
		return fmt.Errorf("embed: %w", err)
	}
	if len(vecs) != len(texts) {
		return retrieval.Errorf(retrieval.EINVALID, "embedder %s returned %d vectors for %d texts", spec.Name, len(vecs), len(texts))
	}
	vs := make([]pgv.Vector, len(vecs))
	for i, v := range vecs {
		if len(v) != spec.Dim {
			return retrieval.Errorf(retrieval.EINVALID, "embedder %s returned a vector of dimension %d, not %d", spec.Name, len(v), spec.Dim)
		}
		vs[i] = pgv.NewVector(v)
	}
	_, err = tx.Exec(ctx, updateEmbeddings, ids, vs)
	return err
}
