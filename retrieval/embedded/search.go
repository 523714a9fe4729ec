package embedded

import (
	"context"
	"fmt"

	"github.com/draftd/draftd/retrieval"
)

// SearchVector returns up to k passages most similar to vec by cosine, best
// first, under f (its scope's workspace and the shared collections). The search is exact, so it returns k hits whenever at least
// k passages match f. A vector of the wrong dimension is an EINVALID error.
func (s *Store) SearchVector(ctx context.Context, vec []float32, k int, f retrieval.Filter) ([]retrieval.Hit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ix.len() == 0 || k <= 0 {
		return []retrieval.Hit{}, nil
	}
	if len(vec) != s.ix.dim {
		return nil, fmt.Errorf("embedded: search vector: %w", retrieval.Errorf(retrieval.EINVALID,
			"query vector has dimension %d; this store holds dimension %d", len(vec), s.ix.dim))
	}
	q := appendNormalised(make([]float32, 0, len(vec)), vec)
	hits, err := s.hits(ctx, s.ix.searchVector(q, k, s.ix.compile(f, s.shared)))
	if err != nil {
		return nil, fmt.Errorf("embedded: search vector: %w", err)
	}
	return hits, nil
}

// SearchKeyword returns up to k passages containing any of tokens, best first
// by BM25, under f.
func (s *Store) SearchKeyword(ctx context.Context, tokens []string, k int, f retrieval.Filter) ([]retrieval.Hit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	hits, err := s.hits(ctx, s.ix.searchKeyword(tokens, k, s.ix.compile(f, s.shared)))
	if err != nil {
		return nil, fmt.Errorf("embedded: search keyword: %w", err)
	}
	return hits, nil
}

// hits fetches the passages of top, ranked in order, with their documents' titles, kinds and
// organisation kinds from the index;
// the caller holds mu.
func (s *Store) hits(ctx context.Context, top []scored) ([]retrieval.Hit, error) {
	const query = `SELECT p.id, p.document_id, p.ordinal, p.heading_path, p.text, p.role, p.placeholders, p.seq
		FROM json_each(?) j JOIN passages p ON p.seq = j.value`

	hits := make([]retrieval.Hit, 0, len(top))
	if len(top) == 0 {
		return hits, nil
	}
	seqs := make([]int64, len(top))
	for i, t := range top {
		seqs[i] = t.seq
	}
	s.hitsOnce.Do(func() { s.hitsStmt, s.hitsErr = s.db.PrepareContext(context.WithoutCancel(ctx), query) })
	if s.hitsErr != nil {
		return nil, s.hitsErr
	}
	rows, err := s.hitsStmt.QueryContext(ctx, jsonText(seqs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[int64]retrieval.Passage, len(seqs))
	for rows.Next() {
		var seq int64
		p, err := scanPassage(rows, &seq)
		if err != nil {
			return nil, err
		}
		found[seq] = p
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range top {
		p, ok := found[t.seq]
		if !ok {
			continue
		}
		d := &s.ix.docs[s.ix.docOf[t.slot]]
		hits = append(hits, retrieval.Hit{Passage: p, DocumentTitle: d.title, DocumentOrgKind: d.orgKind, DocumentKind: d.kind,
			Rank: len(hits) + 1, Score: float64(t.score)})
	}
	return hits, nil
}
