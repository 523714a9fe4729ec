package retrieval_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"golang.org/x/sync/errgroup"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/evalset"
	"github.com/draftd/draftd/retrieval/evalset/corpus"
	"github.com/draftd/draftd/retrieval/pgvector"
)

// evalDim is the local embedder's dimension in the evaluation and the benchmarks.
const evalDim = 256

var modes = []struct {
	name string
	mode retrieval.Mode
}{
	{"keyword", retrieval.KeywordOnly},
	{"vector", retrieval.VectorOnly},
	{"hybrid", retrieval.Hybrid},
}

// score is the mean of a mode's metrics over queries.
type score struct {
	recall5, mrr10 float64
	n              int
}

func (s *score) add(recall, rr float64) { s.recall5 += recall; s.mrr10 += rr; s.n++ }

func (s score) mean() (float64, float64) {
	if s.n == 0 {
		return 0, 0
	}
	return s.recall5 / float64(s.n), s.mrr10 / float64(s.n)
}

// TestRetrievalEval ingests the sample corpus (31 provincial 2025 reports
// from .docx, the State Council reports and NPC resolutions) into the
// embedded store with the local embedder, and measures recall@5 and MRR@10
// of keyword-only, vector-only and hybrid search over evalset.Queries, with
// passages judged relevant by evalset.Judge (see its rule). It logs a table
// and writes it to $DRAFTD_EVAL_OUT when set; it asserts only sanity.
func TestRetrievalEval(t *testing.T) {
	dir := corpus.DirOrSkip(t)
	ctx := context.Background()

	start := time.Now()
	files, err := evalset.Files(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	readTime := time.Since(start)

	store, err := embedded.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	emb := retrieval.NewLocalEmbedder(evalDim)
	if err := store.CheckEmbedder(ctx, emb.Spec()); err != nil {
		t.Fatal(err)
	}
	in := retrieval.Ingester{Store: store, Embed: emb.Embed}

	start = time.Now()
	labels := map[string][]string{} // passage ID → topics it is about
	perTopic := map[string]int{}
	passages := 0
	for _, f := range files {
		_, prep, err := in.Ingest(ctx, retrieval.Scope{}, f.Name, f.Text, "eval")
		if err != nil {
			t.Fatalf("ingest %s: %v", f.Name, err)
		}
		for _, d := range prep.Documents {
			for _, p := range d.Passages {
				passages++
				topics := evalset.Judge(p)
				labels[p.ID] = topics
				for _, tp := range topics {
					perTopic[tp]++
				}
			}
		}
	}
	t.Logf("read %d files in %v; ingested %d passages in %v", len(files), readTime.Round(time.Millisecond), passages, time.Since(start).Round(time.Millisecond))

	// Labels that mark almost nothing or almost everything relevant would make the metrics meaningless.
	t.Run("every topic labels between 15 and a fifth of the passages", func(t *testing.T) {
		for _, tp := range evalset.Topics {
			if n := perTopic[tp.Name]; n < 15 || n > passages/5 {
				t.Errorf("topic %s labels %d of %d passages", tp.Name, n, passages)
			}
		}
	})

	scores := map[string]*score{}
	byTopic := map[string]map[string]*score{} // mode → topic → score
	for _, m := range modes {
		s := &retrieval.Searcher{Store: store, Embed: emb.Embed, Mode: m.mode}
		scores[m.name] = &score{}
		byTopic[m.name] = map[string]*score{}
		for _, q := range evalset.Queries {
			res, err := s.Search(ctx, retrieval.Query{Text: q.Text, K: 10})
			if err != nil {
				t.Fatalf("%s search %q: %v", m.name, q.Text, err)
			}
			rel := make([]bool, len(res))
			for i, r := range res {
				rel[i] = slices.Contains(labels[r.PassageID], q.Topic)
			}
			recall, rr := evalset.RecallAt(rel, 5, perTopic[q.Topic]), evalset.ReciprocalRank(rel, 10)
			scores[m.name].add(recall, rr)
			if byTopic[m.name][q.Topic] == nil {
				byTopic[m.name][q.Topic] = &score{}
			}
			byTopic[m.name][q.Topic].add(recall, rr)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "retrieval evaluation: %d files, %d passages, %d queries over %d topics; embedded store, %s dim %d\n\n",
		len(files), passages, len(evalset.Queries), len(evalset.Topics), retrieval.LocalEmbedderName, evalDim)
	fmt.Fprintf(&b, "| mode | recall@5 | MRR@10 |\n|---|---|---|\n")
	for _, m := range modes {
		r, mrr := scores[m.name].mean()
		fmt.Fprintf(&b, "| %s | %.3f | %.3f |\n", m.name, r, mrr)
	}
	fmt.Fprintf(&b, "\nMRR@10 by topic (relevant passages):\n\n| topic | relevant | keyword | vector | hybrid |\n|---|---|---|---|---|\n")
	for _, tp := range evalset.Topics {
		fmt.Fprintf(&b, "| %s | %d |", tp.Name, perTopic[tp.Name])
		for _, m := range modes {
			_, mrr := byTopic[m.name][tp.Name].mean()
			fmt.Fprintf(&b, " %.3f |", mrr)
		}
		b.WriteString("\n")
	}
	t.Log("\n" + b.String())
	if out := os.Getenv("DRAFTD_EVAL_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Errorf("write %s: %v", out, err)
		}
	}

	_, kw := scores["keyword"].mean()
	_, vec := scores["vector"].mean()
	hr, hybrid := scores["hybrid"].mean()
	t.Run("hybrid search ranks a relevant passage high for most queries", func(t *testing.T) {
		if hybrid <= 0.3 {
			t.Errorf("hybrid MRR@10 = %.3f, want > 0.3", hybrid)
		}
	})
	t.Run("hybrid search is not much worse than the worse single method", func(t *testing.T) {
		if worst := min(kw, vec); hybrid < worst-0.05 {
			t.Errorf("hybrid MRR@10 = %.3f, keyword %.3f, vector %.3f", hybrid, kw, vec)
		}
		kr, _ := scores["keyword"].mean()
		vr, _ := scores["vector"].mean()
		if worst := min(kr, vr); hr < worst-0.05 {
			t.Errorf("hybrid recall@5 = %.3f, keyword %.3f, vector %.3f", hr, kr, vr)
		}
	})
}

// benchPerDoc is how many passages each benchmark document holds.
const benchPerDoc = 20

// TestBench100k measures both stores at 100,000 passages recombined from the
// State Council reports (evalset.NewSynth), embedded with the local embedder:
// the load rate (pgvector: in bulk, indexes suspended and rebuilt, one Put per
// core, as draftd ingest does for a large load) and then Put one document at a
// time into the full indexes, hybrid, vector-only and keyword-only search latency over 500
// query sentences (Searcher.Search, k = 10), and recall@10 of SearchVector
// against exact search (a brute-force scan in Go over the same vectors). It
// runs only with DRAFTD_BENCH_100K=1, takes about 5 minutes on two cores (most
// of it pgvector's HNSW build), needs DRAFTD_TEST_DATABASE_URL for pgvector,
// and writes its table to $DRAFTD_BENCH_OUT when set.
func TestBench100k(t *testing.T) {
	if os.Getenv("DRAFTD_BENCH_100K") != "1" {
		t.Skip("set DRAFTD_BENCH_100K=1 to run the 100k-passage benchmarks")
	}
	dir := corpus.DirOrSkip(t)
	ctx := context.Background()
	reports, err := evalset.Reports(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	syn := evalset.NewSynth(reports, 100_000, benchPerDoc, 500, 1)
	ps := syn.Passages()
	t.Logf("generated %d passages in %d documents and %d queries in %v", len(ps), len(syn.Documents), len(syn.Queries), time.Since(start).Round(time.Millisecond))

	emb := retrieval.NewLocalEmbedder(evalDim)
	texts := make([]string, len(ps))
	for i, p := range ps {
		texts[i] = retrieval.EmbedText(*p)
	}
	start = time.Now()
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	embedRate := float64(len(ps)) / time.Since(start).Seconds()
	for i, p := range ps {
		p.Embedding = vecs[i]
	}
	qvecs, err := emb.Embed(ctx, syn.Queries)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	exact := make([][]string, len(qvecs))
	for i, q := range qvecs {
		exact[i] = bruteForce(ps, q, 10)
	}
	bruteP50 := time.Since(start) / time.Duration(len(qvecs))
	t.Logf("local embedder: %.0f passages/s (one goroutine); Go brute force: %v per query (mean)", embedRate, bruteP50.Round(time.Microsecond))

	var rows []benchRow
	t.Run("embedded", func(t *testing.T) {
		s, err := embedded.Open(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		rows = append(rows, runBench(t, "embedded", s, emb, syn, qvecs, exact, 0))
	})
	t.Run("pgvector", func(t *testing.T) {
		s, _ := openBenchPG(t, pgvector.Options{MaxConns: 4})
		rows = append(rows, runBench(t, "pgvector", s, emb, syn, qvecs, exact, 0))
	})

	var b strings.Builder
	fmt.Fprintf(&b, "%d passages, %d queries, k = 10, %s dim %d, 2 cores\n\n", len(ps), len(qvecs), retrieval.LocalEmbedderName, evalDim)
	b.WriteString("| store | load passages/s | Put into full index passages/s | hybrid p50 / p99 | vector p50 / p99 | keyword p50 / p99 | SearchVector recall@10 |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %s / %s | %s / %s | %s / %s | %.3f%s |\n", r.store, r.putRate, r.rowRate,
			ms(r.hybrid[0]), ms(r.hybrid[1]), ms(r.vector[0]), ms(r.vector[1]), ms(r.keyword[0]), ms(r.keyword[1]), r.recall, r.note)
	}
	t.Log("\n" + b.String())
	if out := os.Getenv("DRAFTD_BENCH_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Errorf("write %s: %v", out, err)
		}
	}
}

// benchRow is one store's benchmark figures; latencies are p50 and p99.
type benchRow struct {
	store                   string
	putRate                 float64 // loading the whole corpus, in bulk where the store can
	rowRate                 float64 // one Put at a time into the full indexes
	hybrid, vector, keyword [2]time.Duration
	recall                  float64
	note                    string
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// runBench loads syn into s and measures it; ef is the ef_search the store was opened with (0: its default).
func runBench(t *testing.T, name string, s retrieval.Store, emb *retrieval.LocalEmbedder, syn *evalset.Synth,
	qvecs [][]float32, exact [][]string, ef int) benchRow {
	t.Helper()
	ctx := context.Background()
	if err := s.CheckEmbedder(ctx, emb.Spec()); err != nil {
		t.Fatal(err)
	}
	row := benchRow{store: name}
	// put stores docs with workers Puts at a time, as draftd ingest does (one per core on PostgreSQL).
	put := func(docs []*retrieval.Document, workers int) (n int, rate float64) {
		start := time.Now()
		var g errgroup.Group
		g.SetLimit(workers)
		for _, d := range docs {
			n += len(d.Passages)
			g.Go(func() error {
				if _, err := s.Put(ctx, d); err != nil {
					return fmt.Errorf("put %s: %w", d.ID, err)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		return n, float64(n) / time.Since(start).Seconds()
	}
	// A store with a bulk mode loads as draftd ingest would (indexes suspended, then rebuilt),
	// keeping back the last 2,000 passages to measure Put into the full index row by row.
	docs, rest := syn.Documents, []*retrieval.Document(nil)
	bl, err := retrieval.BulkFor(ctx, s, len(syn.Passages()))
	if err != nil {
		t.Fatal(err)
	}
	if bl != nil {
		for held := 0; held < 2000; {
			rest = append(rest, docs[len(docs)-1])
			held += len(docs[len(docs)-1].Passages)
			docs = docs[:len(docs)-1]
		}
		start := time.Now()
		if err := bl.SuspendIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		n, loadRate := put(docs, runtime.GOMAXPROCS(0))
		loaded := time.Since(start)
		if err := bl.RestoreIndexes(ctx, nil); err != nil {
			t.Fatal(err)
		}
		row.putRate = float64(n) / time.Since(start).Seconds()
		t.Logf("%s: bulk load of %d passages in %v (%.0f/s without indexes), index build %v: %.0f passages/s overall",
			name, n, time.Since(start).Round(time.Millisecond), loadRate, (time.Since(start) - loaded).Round(time.Millisecond), row.putRate)
		n, row.rowRate = put(rest, 1)
		t.Logf("%s: then %d passages row by row into the full indexes: %.0f/s", name, n, row.rowRate)
	} else {
		n, rate := put(docs, 1)
		row.putRate, row.rowRate = rate, rate
		t.Logf("%s: put %d passages: %.0f/s", name, n, rate)
	}

	for _, m := range []struct {
		mode retrieval.Mode
		out  *[2]time.Duration
	}{{retrieval.Hybrid, &row.hybrid}, {retrieval.VectorOnly, &row.vector}, {retrieval.KeywordOnly, &row.keyword}} {
		se := &retrieval.Searcher{Store: s, Embed: emb.Embed, Mode: m.mode}
		for _, q := range syn.Queries[:20] { // warm caches
			if _, err := se.Search(ctx, retrieval.Query{Text: q, K: 10}); err != nil {
				t.Fatal(err)
			}
		}
		times := make([]time.Duration, 0, len(syn.Queries))
		for _, q := range syn.Queries {
			st := time.Now()
			if _, err := se.Search(ctx, retrieval.Query{Text: q, K: 10}); err != nil {
				t.Fatal(err)
			}
			times = append(times, time.Since(st))
		}
		*m.out = percentiles(times)
	}

	var sum float64
	for i, q := range qvecs {
		hits, err := s.SearchVector(ctx, q, 10, retrieval.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		sum += overlap(hits, exact[i])
	}
	row.recall = sum / float64(len(qvecs))
	if name == "pgvector" {
		if ef == 0 {
			row.note = " (HNSW, the store's default ef_search)"
		} else {
			row.note = fmt.Sprintf(" (HNSW ef_search %d)", ef)
		}
	}
	return row
}

func percentiles(ds []time.Duration) [2]time.Duration {
	slices.Sort(ds)
	return [2]time.Duration{ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)]}
}

// overlap returns the share of exact's IDs that hits contains.
func overlap(hits []retrieval.Hit, exact []string) float64 {
	found := 0
	for _, h := range hits {
		if slices.Contains(exact, h.Passage.ID) {
			found++
		}
	}
	return float64(found) / float64(len(exact))
}

// bruteForce returns the IDs of the k passages nearest to q by cosine similarity (vectors are unit length).
func bruteForce(ps []*retrieval.Passage, q []float32, k int) []string {
	type cand struct {
		id  string
		sim float32
	}
	top := make([]cand, 0, k+1)
	for _, p := range ps {
		sim := retrieval.Dot(p.Embedding, q)
		if len(top) == k && sim <= top[k-1].sim {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return top[i].sim < sim })
		top = slices.Insert(top, i, cand{p.ID, sim})
		if len(top) > k {
			top = top[:k]
		}
	}
	ids := make([]string, len(top))
	for i, c := range top {
		ids[i] = c.id
	}
	return ids
}

// openBenchPG opens a pgvector store in a fresh schema that is dropped when
// the test ends, skipping the test when DRAFTD_TEST_DATABASE_URL is not set.
func openBenchPG(t testing.TB, opts pgvector.Options) (*pgvector.Store, string) {
	t.Helper()
	url := os.Getenv("DRAFTD_TEST_DATABASE_URL")
	if url == "" {
		t.Skip("DRAFTD_TEST_DATABASE_URL is not set: skipping the pgvector benchmark")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	// The extension lives in public so that dropping the test schema cannot take it away.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('draftd.create_extension'));
CREATE EXTENSION IF NOT EXISTS vector SCHEMA public`); err != nil {
		t.Fatalf("create extension: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "draftd_bench_" + hex.EncodeToString(b)
	opts.Schema = schema
	s, err := pgvector.Open(ctx, url, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return s, schema
}
