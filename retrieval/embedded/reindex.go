package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/draftd/draftd/retrieval"
)

// reindexBatch is how many passages Reindex embeds per call of the embedder.
const reindexBatch = 256

// Reindex re-embeds every passage with embed and records spec, calling
// progress after each batch. New vectors are staged beside the old ones and
// swapped in one transaction at the end, so a failed or interrupted reindex
// leaves the store as it was; puts may go on meanwhile and are caught up
// before the swap.
func (s *Store) Reindex(ctx context.Context, spec retrieval.EmbedderSpec, embed retrieval.Embedder, progress func(done, total int)) error {
	if err := validSpec(spec); err != nil {
		return fmt.Errorf("embedded: reindex: %w", err)
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if err := s.reindex(ctx, spec, embed, progress); err != nil {
		return fmt.Errorf("embedded: reindex: %w", err)
	}
	return nil
}

func (s *Store) reindex(ctx context.Context, spec retrieval.EmbedderSpec, embed retrieval.Embedder, progress func(done, total int)) error {
	const clear = `UPDATE passages SET embedding_next = NULL WHERE embedding_next IS NOT NULL`
	const swap = `UPDATE passages SET embedding = embedding_next, embedding_next = NULL`

	// Staging happens under wmu too, one batch at a time, so puts interleave with batches.
	s.wmu.Lock()
	_, err := s.wr.ExecContext(ctx, clear)
	s.wmu.Unlock()
	if err != nil {
		return err
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM passages`).Scan(&total); err != nil {
		return err
	}
	done := 0
	step := func(locked bool) (bool, error) {
		n, err := s.stageBatch(ctx, embed, spec.Dim, locked)
		if n > 0 {
			done += n
			total = max(total, done)
			progress(done, total)
		}
		return n > 0, err
	}
	for more := true; more; {
		if more, err = step(false); err != nil {
			return err
		}
	}

	s.wmu.Lock()
	defer s.wmu.Unlock()
	for more := true; more; { // passages put since the loop above
		if more, err = step(true); err != nil {
			return err
		}
	}
	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, swap); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, upsertMeta, embedderKey, jsonText(spec)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// No write can happen while wmu is held, so the reload sees exactly what was committed.
	return s.load(ctx)
}

// stageBatch embeds up to reindexBatch passages that have no staged vector
// yet and stages their vectors, returning how many it did. locked says the
// caller already holds wmu.
func (s *Store) stageBatch(ctx context.Context, embed retrieval.Embedder, dim int, locked bool) (int, error) {
	const pending = `SELECT seq, heading_path, text FROM passages WHERE embedding_next IS NULL ORDER BY seq LIMIT ?`
	const stage = `UPDATE passages SET embedding_next = ? WHERE seq = ?`

	rows, err := s.db.QueryContext(ctx, pending, reindexBatch)
	if err != nil {
		return 0, err
	}
	var seqs []int64
	var texts []string
	for rows.Next() {
		var seq int64
		var p retrieval.Passage
		var heading string
		if err := rows.Scan(&seq, &heading, &p.Text); err != nil {
			rows.Close()
			return 0, err
		}
		if err := json.Unmarshal([]byte(heading), &p.HeadingPath); err != nil {
			rows.Close()
			return 0, err
		}
		seqs, texts = append(seqs, seq), append(texts, retrieval.EmbedText(p))
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(seqs) == 0 {
		return 0, err
	}

	vecs, err := embed(ctx, texts)
	if err != nil {
		return 0, err
	}
	if len(vecs) != len(texts) {
		return 0, fmt.Errorf("embedder returned %d vectors for %d texts", len(vecs), len(texts))
	}
	for _, v := range vecs {
		if len(v) != dim {
			return 0, fmt.Errorf("embedder returned a vector of dimension %d, want %d", len(v), dim)
		}
	}

	if !locked {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, stage)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	for i, seq := range seqs {
		// A passage deleted since it was read updates nothing, which is fine.
		if _, err := st.ExecContext(ctx, encodeVector(vecs[i]), seq); err != nil {
			return 0, err
		}
	}
	return len(seqs), tx.Commit()
}
