package pgvector

import (
	"bytes"
	"context"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// logged captures the default logger's records while f runs.
func logged(t *testing.T, f func()) string {
	t.Helper()
	var mu sync.Mutex
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	defer slog.SetDefault(old)
	f()
	mu.Lock()
	defer mu.Unlock()
	return buf.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestHNSWGraph(t *testing.T) {
	ctx := context.Background()
	const dim = 16
	s, schema := openTestSchema(t, Options{MaxConns: 4})
	if _, err := s.RebuildIndex(ctx, nil); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("RebuildIndex before any embedder is recorded: %v, want EINVALID", err)
	}
	if _, ok, err := s.IndexGraph(ctx); err != nil || ok {
		t.Errorf("IndexGraph with no index: %v, %v; want none", ok, err)
	}
	if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "random", Dim: dim}); err != nil {
		t.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(21, 22))
	docs := bulkLoad(t, s, rng, 4, 25, dim)

	t.Run("a new store's index has the graph draftd builds, which createHNSW names", func(t *testing.T) {
		if !strings.Contains(createHNSW, "WITH ("+wantHNSW.String()+")") {
			t.Errorf("createHNSW %q does not build %s", createHNSW, wantHNSW)
		}
		if got, ok, err := s.IndexGraph(ctx); err != nil || !ok || got != wantHNSW {
			t.Errorf("IndexGraph: %+v, %v, %v; want %+v", got, ok, err, wantHNSW)
		}
	})
	// The store as an older draftd built it: the graph of before, and one with pgvector's defaults.
	for _, tc := range []struct{ with, want string }{
		{" WITH (m = 16, ef_construction = 128)", "m = 16, ef_construction = 128"},
		{"", "m = 16, ef_construction = 64"},
	} {
		for _, q := range []string{dropHNSW, `CREATE INDEX passages_embedding_hnsw ON passages USING hnsw (embedding vector_cosine_ops)` + tc.with} {
			if _, err := s.pool.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("opening a store whose index has "+tc.want+" warns, naming the command", func(t *testing.T) {
			out := logged(t, func() {
				again, err := Open(ctx, testURL(t), Options{Schema: schema, MaxConns: 2})
				if err != nil {
					t.Fatal(err)
				}
				again.Close()
			})
			if !strings.Contains(out, "draftd reindex --index-only") || !strings.Contains(out, tc.want) || !strings.Contains(out, wantHNSW.String()) {
				t.Errorf("Open logged %q; want a warning naming the command, the index's graph and the wanted one", out)
			}
		})
	}
	t.Run("RebuildIndex builds the wanted graph without re-embedding, and search finds the same", func(t *testing.T) {
		const vectors = `SELECT string_agg(embedding::text, ';' ORDER BY id) FROM passages`
		var before string
		if err := s.pool.QueryRow(ctx, vectors).Scan(&before); err != nil {
			t.Fatal(err)
		}
		msg, err := s.RebuildIndex(ctx, func(done, total int) {
			if total != 100 || done > total {
				t.Errorf("progress(%d, %d), want done ≤ total = 100", done, total)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, "m = 16, ef_construction = 64 → "+wantHNSW.String()) {
			t.Errorf("RebuildIndex said %q", msg)
		}
		if got, ok, err := s.IndexGraph(ctx); err != nil || !ok || got != wantHNSW {
			t.Errorf("IndexGraph after the rebuild: %+v, %v, %v; want %+v", got, ok, err, wantHNSW)
		}
		var after string
		if err := s.pool.QueryRow(ctx, vectors).Scan(&after); err != nil {
			t.Fatal(err)
		}
		if after != before || strings.Count(after, ";") != 99 {
			t.Errorf("the stored vectors changed with the rebuild (%d bytes before, %d after)", len(before), len(after))
		}
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname LIKE 'passages_embedding_hnsw%' AND relnamespace = to_regnamespace($1)`, schema).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d HNSW indexes after the rebuild (%v), want 1", n, err)
		}
		q := unit(rng, dim)
		hits, err := s.SearchVector(ctx, q, 5, retrieval.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		exact := exactNearest(docs, q, 5, func(*retrieval.Document) bool { return true })
		if got := hitIDs(hits); len(got) != 5 || got[0] != exact[0] {
			t.Errorf("search after the rebuild: %v, want the nearest %v first", got, exact)
		}
		out := logged(t, func() {
			again, err := Open(ctx, testURL(t), Options{Schema: schema, MaxConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			again.Close()
		})
		if strings.Contains(out, "reindex") {
			t.Errorf("Open after the rebuild still warns: %q", out)
		}
	})
	t.Run("RebuildIndex is refused while a bulk load runs", func(t *testing.T) {
		if err := s.SuspendIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RebuildIndex(ctx, nil); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Errorf("RebuildIndex during a bulk load: %v, want ECONFLICT", err)
		}
		if err := s.RestoreIndexes(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.IndexGraph(ctx); err != nil || !ok || got != wantHNSW {
			t.Errorf("IndexGraph after the bulk load: %+v, %v, %v", got, ok, err)
		}
	})
}
