package pgvector

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	pgv "github.com/pgvector/pgvector-go"

	"github.com/draftd/draftd/retrieval"
)

// searchFilter is the WHERE clause both searches share, over parameters $3–$9:
// collection, kinds, year from, year to, roles, every workspace, the workspace.
// Zero values do not filter; the custom plan (see Open) folds the unused
// conditions away. A passage of another workspace passes only when its
// collection is shared: the planner reads shared_collections, a small table,
// once per query into a hash (TestSearchVector checks the plan), so the
// searches still walk the HNSW and GIN indexes with one more cheap filter.
const searchFilter = `($3::text = '' OR p.collection = $3)
  AND (cardinality($4::text[]) = 0 OR p.kind = ANY ($4))
  AND ($5::int = 0 AND $6::int = 0 OR EXISTS (
        SELECT FROM unnest(p.years) y WHERE ($5 = 0 OR y >= $5) AND ($6 = 0 OR y <= $6)))
  AND (cardinality($7::text[]) = 0 OR p.role = ANY ($7))
  AND ($8::bool OR p.workspace = $9 OR EXISTS (
        SELECT FROM shared_collections c WHERE c.workspace = p.workspace AND c.collection = p.collection))`

// filterArgs returns the parameters of searchFilter.
func filterArgs(f retrieval.Filter) []any {
	return []any{f.Collection, nonNil(f.Kinds), f.YearFrom, f.YearTo, nonNil(f.Roles), f.Scope.All(), f.Scope.Workspace()}
}

// filtered reports whether f filters anything; every scope but AllWorkspaces does. With one
// workspace the filter passes every passage and the iterative scan never has to go on.
func filtered(f retrieval.Filter) bool {
	return f.Collection != "" || len(f.Kinds) > 0 || f.YearFrom != 0 || f.YearTo != 0 || len(f.Roles) > 0 || !f.Scope.All()
}

// hitRow is a passage found by a search, with its document's title, organisation kind and kind
// and the search's score.
type hitRow struct {
	passageRow
	DocumentTitle   string
	DocumentOrgKind string
	DocumentKind    string
	Score           float64
}

// hit returns the row as the search's hit at rank with score.
func (r hitRow) hit(rank int, score float64) retrieval.Hit {
	return retrieval.Hit{Passage: r.passage(), DocumentTitle: r.DocumentTitle, DocumentOrgKind: r.DocumentOrgKind,
		DocumentKind: r.DocumentKind, Rank: rank, Score: score}
}

// searchVector is shaped so that the planner walks the HNSW index: ORDER BY
// the distance operator on the table's own column, LIMIT, no CTE around it.
// Score is the cosine distance here; SearchVector turns it into a similarity.
const searchVector = `SELECT p.id, p.document_id, p.ordinal, p.heading_path, p.text, p.role, p.placeholders,
       d.title AS document_title, d.org_kind AS document_org_kind, d.kind AS document_kind, p.embedding <=> $1 AS score
FROM passages p JOIN documents d ON d.id = p.document_id
WHERE ` + searchFilter + `
ORDER BY p.embedding <=> $1
LIMIT $2`

// hnsw.ef_search bounds (pgvector rejects values above 1000). A plain vector search uses the
// most: with the local embedder at 100k passages and short queries, draftd's graph (m=32,
// ef_construction=256; see createHNSW) reaches recall@10 0.961 against exact search at 1000 in
// the worst of four builds (pgvector builds in parallel, in no fixed order, so builds differ),
// 0.947 at 800 and 0.88 at 400; pgvector's own query on the same graph finds the same passages.
// Candidates for rank fusion need less: at 200, hybrid search's top 10 agree with those
// found at 1000 for 0.955 of passages (0.985 at 400), in ≈ 70% of the time (measured with
// local-v1 on the larger graph it used).
const (
	minEfSearch          = 1000
	minCandidateEfSearch = 200
	maxEfSearch          = 1000
)

// SearchVector returns up to k passages nearest to vec by cosine distance, best first, under f,
// and k whenever at least k passages match f. It returns EINVALID for k < 1
// or a vector whose dimension is not the recorded embedder's.
func (s *Store) SearchVector(ctx context.Context, vec []float32, k int, f retrieval.Filter) ([]retrieval.Hit, error) {
	return s.searchVector(ctx, vec, k, f, minEfSearch)
}

// SearchVectorCandidates is SearchVector with a narrower HNSW beam, for
// candidates that rank fusion reorders (see minCandidateEfSearch).
func (s *Store) SearchVectorCandidates(ctx context.Context, vec []float32, k int, f retrieval.Filter) ([]retrieval.Hit, error) {
	return s.searchVector(ctx, vec, k, f, minCandidateEfSearch)
}

// searchVector searches with hnsw.ef_search at least minEf (Options.EfSearch overrides it).
func (s *Store) searchVector(ctx context.Context, vec []float32, k int, f retrieval.Filter, minEf int) ([]retrieval.Hit, error) {
	if k < 1 {
		return nil, retrieval.Errorf(retrieval.EINVALID, "pgvector: search: k must be at least 1, got %d", k)
	}
	if spec := s.recorded(); spec != nil && len(vec) != spec.Dim {
		return nil, fmt.Errorf("pgvector: search: %w", retrieval.Errorf(retrieval.EINVALID,
			"the query vector has dimension %d; the store's embedder %s has dimension %d", len(vec), spec.Name, spec.Dim))
	}
	ef := s.opts.EfSearch
	if ef == 0 {
		ef = min(max(4*k, minEf), maxEfSearch)
	}
	args := append([]any{pgv.NewVector(vec), k}, filterArgs(f)...)
	var rows []hitRow
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if s.iterative {
			// Without it, a filter applied after the index scan can leave fewer than k rows.
			iterative := "off"
			if filtered(f) {
				iterative = "relaxed_order"
			}
			_, err = tx.Exec(ctx, setEfSearchIterative, strconv.Itoa(ef), iterative)
		} else {
			_, err = tx.Exec(ctx, setEfSearch, strconv.Itoa(ef))
		}
		if err != nil {
			return err
		}
		if rows, err = collectHits(ctx, tx, searchVector, args); err != nil || len(rows) == k {
			return err
		}
		// Short: the index gave up before finding k matches (a selective filter,
		// dead tuples, or simply fewer than k passages). An exact scan settles it.
		if _, err := tx.Exec(ctx, "SET LOCAL enable_indexscan = off"); err != nil {
			return err
		}
		rows, err = collectHits(ctx, tx, searchVector, args)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pgvector: search: %w", mapErr(s.orChanged(ctx, err)))
	}
	// relaxed_order may return rows slightly out of order.
	slices.SortStableFunc(rows, func(a, b hitRow) int {
		if c := compareDistance(a.Score, b.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	hits := make([]retrieval.Hit, len(rows))
	for i, r := range rows {
		sim := 1 - r.Score
		if math.IsNaN(sim) { // a zero vector has no direction
			sim = 0
		}
		hits[i] = r.hit(i+1, sim)
	}
	return hits, nil
}

// compareDistance orders distances ascending with NaN (zero vectors) last, as PostgreSQL does.
func compareDistance(a, b float64) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(a, b)
}

// Settings for one search transaction; hnsw.iterative_scan exists from pgvector 0.8 on.
const (
	setEfSearch          = `SELECT set_config('hnsw.ef_search', $1, true)`
	setEfSearchIterative = `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', $2, true)`
)

func collectHits(ctx context.Context, tx pgx.Tx, sql string, args []any) ([]hitRow, error) {
	rows, _ := tx.Query(ctx, sql, args...)
	return pgx.CollectRows(rows, pgx.RowToStructByName[hitRow])
}
