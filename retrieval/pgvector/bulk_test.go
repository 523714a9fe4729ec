package pgvector

import (
	"context"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// indexes reports which of the two search indexes exist.
func indexes(t *testing.T, s *Store) (tokens, hnsw bool) {
	t.Helper()
	var recorded bool
	if err := s.pool.QueryRow(context.Background(), selectIndexes).Scan(&tokens, &hnsw, &recorded); err != nil {
		t.Fatal(err)
	}
	return tokens, hnsw
}

func TestBulkLoad(t *testing.T) {
	ctx := context.Background()
	const dim = 16
	s, schema := openTestSchema(t, Options{MaxConns: 4})
	if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "random", Dim: dim}); err != nil {
		t.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(11, 12))
	docs := bulkLoad(t, s, rng, 5, 20, dim)

	if err := s.SuspendIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("suspending drops both search indexes", func(t *testing.T) {
		if tok, hnsw := indexes(t, s); tok || hnsw {
			t.Fatalf("tokens index %v, hnsw index %v after SuspendIndexes", tok, hnsw)
		}
	})
	for i := range 10 {
		d := makeDoc(rng, "common", "late"+strings.Repeat("x", i), 20, dim)
		mustPut(t, s, d)
		docs = append(docs, d)
	}
	t.Run("puts and searches stay correct while the indexes are suspended", func(t *testing.T) {
		if n, err := s.PassageCount(ctx); err != nil || n != 300 {
			t.Fatalf("PassageCount = %d, %v; want 300", n, err)
		}
		q := unit(rng, dim)
		hits, err := s.SearchVector(ctx, q, 10, retrieval.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		exact := exactNearest(docs, q, 10, func(*retrieval.Document) bool { return true })
		if got := hitIDs(hits); !slices.Equal(got, exact) {
			t.Fatalf("without the index the search must be exact: got %v, want %v", got, exact)
		}
		last := docs[len(docs)-1].Passages[3]
		kw, err := s.SearchKeyword(ctx, retrieval.QueryTokens(last.Text), 1, retrieval.Filter{})
		if err != nil || len(kw) != 1 || kw[0].Passage.ID != last.ID {
			t.Fatalf("keyword search for a passage put while suspended: %v, %v", hitIDs(kw), err)
		}
	})
	t.Run("restoring builds both indexes and reports progress against the passage count", func(t *testing.T) {
		var calls [][2]int
		if err := s.RestoreIndexes(ctx, func(done, total int) { calls = append(calls, [2]int{done, total}) }); err != nil {
			t.Fatal(err)
		}
		if tok, hnsw := indexes(t, s); !tok || !hnsw {
			t.Fatalf("tokens index %v, hnsw index %v after RestoreIndexes", tok, hnsw)
		}
		for _, c := range calls { // the build may finish before the first poll
			if c[1] != 300 || c[0] < 0 || c[0] > c[1] {
				t.Fatalf("progress(%d, %d), want done ≤ total = 300", c[0], c[1])
			}
		}
		if err := s.RestoreIndexes(ctx, nil); err != nil {
			t.Fatalf("restoring indexes that exist: %v", err)
		}
	})
	t.Run("opening a store while a bulk load runs leaves the indexes to it", func(t *testing.T) {
		if err := s.SuspendIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(ctx, testURL(t), Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if tok, hnsw := indexes(t, s2); tok || hnsw {
			t.Fatalf("tokens index %v, hnsw index %v: Open rebuilt them under a running bulk load", tok, hnsw)
		}
		if err := s2.SuspendIndexes(ctx); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Fatalf("a second bulk load: %v, want %s", err, retrieval.ECONFLICT)
		}
		if err := s.RestoreIndexes(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if err := s2.SuspendIndexes(ctx); err != nil {
			t.Fatalf("a bulk load after the first finished: %v", err)
		}
		if err := s2.RestoreIndexes(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("opening a store a bulk load left suspended rebuilds its indexes", func(t *testing.T) {
		s2, err := Open(ctx, testURL(t), Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		if err := s2.SuspendIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		s2.Close() // the loading process goes away without restoring
		s3, err := Open(ctx, testURL(t), Options{Schema: schema, MaxConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer s3.Close()
		if tok, hnsw := indexes(t, s3); !tok || !hnsw {
			t.Fatalf("tokens index %v, hnsw index %v after Open", tok, hnsw)
		}
	})
	t.Run("without a recorded embedder only the keyword index comes back", func(t *testing.T) {
		s3 := openTest(t)
		if err := s3.SuspendIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s3.RestoreIndexes(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if tok, hnsw := indexes(t, s3); !tok || hnsw {
			t.Fatalf("tokens index %v, hnsw index %v; want only the tokens index", tok, hnsw)
		}
	})
}

func TestSearchVectorCandidates(t *testing.T) {
	ctx := context.Background()
	const dim = 16
	s := openTest(t)
	if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "random", Dim: dim}); err != nil {
		t.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(13, 14))
	docs := bulkLoad(t, s, rng, 10, 20, dim)
	q := unit(rng, dim)
	hits, err := s.SearchVectorCandidates(ctx, q, 30, retrieval.Filter{Collection: "rare"})
	if err != nil {
		t.Fatal(err)
	}
	exact := exactNearest(docs, q, 30, func(d *retrieval.Document) bool { return d.Collection == "rare" })
	if got := hitIDs(hits); len(got) != 20 || !slices.Equal(got, exact[:20]) {
		t.Fatalf("candidates under a filter: got %v, want the 20 rare passages %v", got, exact)
	}
	if _, err := s.SearchVectorCandidates(ctx, q, 0, retrieval.Filter{}); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Fatalf("k = 0: %v", err)
	}
}
