package pgvector

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/draftd/draftd/retrieval"
)

// Keyword search scores a passage by BM25 with every term frequency taken as
// one: the inverse document frequencies of the query tokens it contains,
// scaled down for long passages. Each token's passages come from its own GIN
// lookup, so no passage's tsvector (4 KB, stored out of line) is read, and the
// cost is a heap fetch per (token, passage) pair.
//
// A bigram such as 工作 is in most government summaries, so fetching all its
// passages would take hundreds of milliseconds at 100k passages while adding
// almost nothing to the score. When a query's estimated pairs exceed
// keywordBudget, the commonest tokens are dropped first, keeping at least the
// rarest; keywordCandidates caps the passages fetched for one token when even
// the rarest is common. Frequencies come from the planner's statistics on the
// tokens column (autovacuum's ANALYZE keeps them fresh), cached for statsTTL.
const (
	keywordBudget     = 2000
	keywordCandidates = 5000
	statsTTL          = time.Minute
	bm25K1            = 1.2
	bm25B             = 0.75
)

// searchKeyword takes $1 the query tokens as tsquery texts, $2 k, $3–$9 the
// filter, $10 the tokens' IDFs, $11 the mean passage length in tokens, $12
// keywordCandidates, $13 BM25's k1 and $14 b.
const searchKeyword = `SELECT p.id, p.document_id, p.ordinal, p.heading_path, p.text, p.role, p.placeholders,
       d.title AS document_title, d.org_kind AS document_org_kind, d.kind AS document_kind, m.score
FROM (
    SELECT t.id, sum(q.idf) * ($13 + 1) / (1 + $13 * (1 - $14 + $14 * t.n_tokens / $11::float8)) AS score
    FROM unnest($1::text[], $10::float8[]) AS q (query, idf)
    CROSS JOIN LATERAL (
        SELECT p.id, p.n_tokens FROM passages p
        WHERE p.tokens @@ q.query::tsquery AND ` + searchFilter + `
        LIMIT $12
    ) t
    GROUP BY t.id, t.n_tokens
    ORDER BY score DESC, t.id
    LIMIT $2
) m
JOIN passages p ON p.id = m.id
JOIN documents d ON d.id = p.document_id
ORDER BY m.score DESC, p.id`

// SearchKeyword returns up to k passages containing any of tokens, best first, under f;
// none for no tokens. In a large store, tokens most passages contain are ignored
// (see keywordBudget), so fewer than k may come back. It returns EINVALID for k < 1.
func (s *Store) SearchKeyword(ctx context.Context, tokens []string, k int, f retrieval.Filter) ([]retrieval.Hit, error) {
	if k < 1 {
		return nil, retrieval.Errorf(retrieval.EINVALID, "pgvector: search: k must be at least 1, got %d", k)
	}
	st, err := s.tokenStats(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgvector: search: %w", mapErr(err))
	}
	var queries []string
	var idfs []float64
	seen := map[string]bool{}
	for _, t := range st.prune(tokens) {
		if q := quoteLexeme(t); q != "" && !seen[t] {
			seen[t] = true
			queries = append(queries, q)
			idfs = append(idfs, st.idf(t))
		}
	}
	if len(queries) == 0 {
		return nil, nil
	}
	args := append([]any{queries, k}, filterArgs(f)...)
	args = append(args, idfs, st.meanTokens, keywordCandidates, bm25K1, bm25B)
	rows, _ := s.pool.Query(ctx, searchKeyword, args...)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[hitRow])
	if err != nil {
		return nil, fmt.Errorf("pgvector: search: %w", mapErr(err))
	}
	hits := make([]retrieval.Hit, len(rs))
	for i, r := range rs {
		hits[i] = r.hit(i+1, r.Score)
	}
	return hits, nil
}

// quoteLexeme writes token as a tsquery text matching exactly that lexeme,
// quoted so that no character is read as an operator; "" for a token no
// tsvector can hold.
func quoteLexeme(token string) string {
	if token == "" || len(token) > maxLexeme {
		return ""
	}
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range token {
		switch r {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// tokenStats is how many passages there are and how often the commonest tokens occur.
type tokenStats struct {
	rows       float64            // passages, as of the last ANALYZE; < 0 before the first
	freq       map[string]float64 // fraction of passages containing the token
	minFreq    float64            // tokens not in freq are rarer than this
	meanTokens float64            // mean passage length in tokens
	loaded     time.Time
}

// selectTokenStats reads ANALYZE's most common elements of passages.tokens
// (NULL before the first ANALYZE) and the mean length of up to 1,000 passages.
const selectTokenStats = `SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs,
       (SELECT coalesce(avg(n_tokens), 0)::float8 FROM (SELECT n_tokens FROM passages LIMIT 1000) l)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'tokens'
WHERE c.oid = 'passages'::regclass`

// tokenStats returns the cached statistics, reloading them when older than statsTTL.
func (s *Store) tokenStats(ctx context.Context) (*tokenStats, error) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if s.stats != nil && time.Since(s.stats.loaded) < statsTTL {
		return s.stats, nil
	}
	st := &tokenStats{loaded: time.Now()}
	var elems []string
	var freqs []float64
	if err := s.pool.QueryRow(ctx, selectTokenStats).Scan(&st.rows, &elems, &freqs, &st.meanTokens); err != nil {
		return nil, err
	}
	st.meanTokens = max(st.meanTokens, 1)
	st.freq = make(map[string]float64, len(elems))
	// most_common_elem_freqs ends with the minimum and maximum frequency (and, for arrays, the null fraction).
	if len(elems) > 0 && len(freqs) >= len(elems)+2 {
		for i, e := range elems {
			st.freq[e] = freqs[i]
		}
		st.minFreq = freqs[len(elems)]
	}
	s.stats = st
	return st, nil
}

// known reports whether there are statistics to weigh tokens by.
func (st *tokenStats) known() bool { return len(st.freq) > 0 && st.rows > 0 }

// passages estimates how many passages contain t; a token outside the
// statistics is taken as half as frequent as the least frequent one listed, as the planner does.
func (st *tokenStats) passages(t string) float64 {
	if f, ok := st.freq[t]; ok {
		return f * st.rows
	}
	return st.minFreq / 2 * st.rows
}

// idf is BM25's inverse document frequency of t, 1 for every token before the first ANALYZE.
func (st *tokenStats) idf(t string) float64 {
	if !st.known() {
		return 1
	}
	df := st.passages(t)
	return math.Log(1 + (st.rows-df+0.5)/(df+0.5))
}

// prune drops the commonest tokens until the passages expected to match the
// rest, counted once per token, fit keywordBudget; it keeps at least the rarest.
func (st *tokenStats) prune(tokens []string) []string {
	if !st.known() {
		return tokens
	}
	var total float64
	for _, t := range tokens {
		total += st.passages(t)
	}
	if total <= keywordBudget {
		return tokens
	}
	sorted := slices.Clone(tokens)
	slices.SortStableFunc(sorted, func(a, b string) int { return cmp.Compare(st.passages(a), st.passages(b)) })
	var kept []string
	var sum float64
	for _, t := range sorted {
		n := st.passages(t)
		if len(kept) > 0 && sum+n > keywordBudget {
			break
		}
		kept = append(kept, t)
		sum += n
	}
	return kept
}
