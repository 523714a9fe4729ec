package pgvector

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	pgv "github.com/pgvector/pgvector-go"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/evalset"
)

// Benchmarks need DRAFTD_TEST_DATABASE_URL; the 100k-passage one also needs
// DRAFTD_BENCH_100K=1, and reuses (without dropping) DRAFTD_BENCH_SCHEMA when set:
//
//	DRAFTD_BENCH_100K=1 go test ./retrieval/pgvector/ -run '^$' -bench . -benchtime 300x
const benchDim = 256

// sentences returns sentences from the sample corpus (../shared/corpus beside
// the repository), so generated passages have real Chinese token statistics;
// nil when the corpus is absent.
func sentences() []string {
	reports, err := evalset.SampleReports()
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range reports {
		for _, s := range strings.FieldsFunc(r.Content, func(r rune) bool { return strings.ContainsRune("。！？；\n", r) }) {
			if s = strings.TrimSpace(s); utf8.RuneCountInString(s) >= 6 {
				out = append(out, s+"。")
			}
		}
	}
	return out
}

// textGen makes passage texts and queries, from corpus sentences when there are any.
type textGen struct {
	rng  *mrand.Rand
	sent []string
}

func (g *textGen) text(minRunes int) string {
	if len(g.sent) == 0 {
		return phrase(g.rng, minRunes)
	}
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < minRunes {
		b.WriteString(g.sent[g.rng.IntN(len(g.sent))])
	}
	return b.String()
}

// query returns a clause of 6 to 20 characters, the size of a section topic a writer types.
func (g *textGen) query() string {
	rs := []rune(g.text(20))
	n := 6 + g.rng.IntN(15)
	start := g.rng.IntN(max(len(rs)-n, 1))
	return string(rs[start:min(start+n, len(rs))])
}

var roles = []string{retrieval.RoleOverview, retrieval.RoleAchievements, retrieval.RoleProblems, retrieval.RolePlans}

// benchDoc returns document i with n passages of 150 to 600 characters, without embeddings.
func (g *textGen) benchDoc(i, n int) *retrieval.Document {
	coll := "gov"
	if i%10 == 0 {
		coll = "health"
	}
	id := fmt.Sprintf("doc%06d", i)
	doc := &retrieval.Document{
		ID: id, Collection: coll, Key: id, Title: g.text(8), Hash: id,
		Meta: retrieval.Meta{Years: []int{2015 + i%11}, Kind: []string{"总结", "报告", "计划"}[i%3]},
		Text: "(not stored in the benchmark)",
	}
	for j := range n {
		doc.Passages = append(doc.Passages, retrieval.Passage{
			ID: fmt.Sprintf("%s-%02d", id, j), DocumentID: id, Ordinal: j,
			HeadingPath: []string{"（" + fmt.Sprint(j+1) + "）" + []string{"主要工作", "存在问题", "下步打算", "工作成效"}[j%4]},
			Text:        g.text(150 + g.rng.IntN(450)),
			Role:        roles[j%4],
		})
	}
	return doc
}

// embedDocs fills in embeddings with the local embedder, using every core.
func embedDocs(tb testing.TB, e *retrieval.LocalEmbedder, docs []*retrieval.Document) {
	var wg sync.WaitGroup
	ch := make(chan *retrieval.Document)
	for range 2 {
		wg.Go(func() {
			for d := range ch {
				texts := make([]string, len(d.Passages))
				for i, p := range d.Passages {
					texts[i] = retrieval.EmbedText(p)
				}
				vs, err := e.Embed(context.Background(), texts)
				if err != nil {
					tb.Error(err)
				}
				for i := range d.Passages {
					d.Passages[i].Embedding = vs[i]
				}
			}
		})
	}
	for _, d := range docs {
		ch <- d
	}
	close(ch)
	wg.Wait()
}

// BenchmarkPut measures ingest into an indexed store: documents of 20
// passages, embeddings precomputed, put by one or several goroutines.
func BenchmarkPut(b *testing.B) {
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			ctx := context.Background()
			s, _ := openTestSchema(b, Options{MaxConns: int32(workers)})
			e := retrieval.NewLocalEmbedder(benchDim)
			if err := s.CheckEmbedder(ctx, e.Spec()); err != nil {
				b.Fatal(err)
			}
			g := &textGen{rng: mrand.New(mrand.NewPCG(1, 1)), sent: sentences()}
			docs := make([]*retrieval.Document, b.N)
			for i := range docs {
				docs[i] = g.benchDoc(i, 20)
			}
			embedDocs(b, e, docs)
			ch := make(chan *retrieval.Document)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range workers {
				wg.Go(func() {
					for d := range ch {
						if _, err := s.Put(ctx, d); err != nil {
							b.Error(err)
						}
					}
				})
			}
			for _, d := range docs {
				ch <- d
			}
			close(ch)
			wg.Wait()
			b.ReportMetric(float64(20*b.N)/time.Since(start).Seconds(), "passages/s")
		})
	}
}

// hundredK is the 100k-passage store shared by the sub-benchmarks.
type hundredK struct {
	s       *Store
	e       *retrieval.LocalEmbedder
	queries []string
	ids     []string    // passage ids, for the exact search
	vecs    [][]float32 // their embeddings
}

func loadHundredK(b *testing.B) *hundredK {
	ctx := context.Background()
	const docs, per = 5000, 20
	h := &hundredK{e: retrieval.NewLocalEmbedder(benchDim)}
	var schema string
	if schema = os.Getenv("DRAFTD_BENCH_SCHEMA"); schema != "" {
		s, err := Open(ctx, testURL(b), Options{Schema: schema, MaxConns: 4})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		h.s = s
	} else {
		h.s, schema = openTestSchema(b, Options{MaxConns: 4})
	}
	g := &textGen{rng: mrand.New(mrand.NewPCG(2, 2)), sent: sentences()}
	if g.sent == nil {
		b.Log("sample corpus absent: passages are random characters")
	}
	for range 300 {
		h.queries = append(h.queries, g.query())
	}
	var n int
	if err := h.s.pool.QueryRow(ctx, "SELECT count(*) FROM passages").Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n < docs*per && h.s.recorded() != nil {
		b.Fatalf("schema %s holds %d passages, not %d, and has its HNSW index: drop it and start again", schema, n, docs*per)
	}
	if n < docs*per {
		start := time.Now()
		batch := make([]*retrieval.Document, 0, 250)
		var putTime time.Duration
		for i := n / per; i < docs; i++ {
			batch = append(batch, g.benchDoc(i, per))
			if len(batch) == cap(batch) || i == docs-1 {
				embedDocs(b, h.e, batch)
				t0 := time.Now()
				for _, d := range batch {
					if _, err := h.s.Put(ctx, d); err != nil {
						b.Fatal(err)
					}
				}
				putTime += time.Since(t0)
				batch = batch[:0]
			}
		}
		for _, table := range []string{"passages", "documents"} {
			if _, err := h.s.pool.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("loaded %d passages into schema %s in %v; Put alone (no HNSW index yet): %.0f passages/s",
			docs*per-n, schema, time.Since(start).Round(time.Second), float64(docs*per-n)/putTime.Seconds())
	}
	// Recording the embedder on a loaded store builds the HNSW index in one go,
	// much faster than inserting 100k vectors one by one.
	start := time.Now()
	if err := h.s.CheckEmbedder(ctx, h.e.Spec()); err != nil {
		b.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("built the HNSW index in %v", d.Round(time.Second))
	}
	rows, _ := h.s.pool.Query(ctx, "SELECT id, embedding FROM passages ORDER BY id")
	for rows.Next() {
		var id string
		var v pgv.Vector
		if err := rows.Scan(&id, &v); err != nil {
			b.Fatal(err)
		}
		h.ids = append(h.ids, id)
		h.vecs = append(h.vecs, v.Slice())
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return h
}

// latencies records durations and reports their percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	pct := func(p float64) float64 {
		return float64(l[min(int(p*float64(len(l))), len(l)-1)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkHundredK measures searches over 100,000 passages of 256 dimensions
// embedded by the local embedder: latency percentiles, and HNSW recall@10 against exact search.
func BenchmarkHundredK(b *testing.B) {
	if os.Getenv("DRAFTD_BENCH_100K") != "1" {
		b.Skip("set DRAFTD_BENCH_100K=1 to load 100,000 passages (a few minutes) and benchmark search")
	}
	ctx := context.Background()
	h := loadHundredK(b)
	embed := func(b *testing.B, q string) []float32 {
		vs, err := h.e.Embed(ctx, []string{q})
		if err != nil {
			b.Fatal(err)
		}
		return vs[0]
	}
	const k = 30 // what retrieval.Searcher asks each method for at the default K
	for _, f := range []struct {
		name string
		f    retrieval.Filter
	}{{"", retrieval.Filter{}}, {"/filter=health", retrieval.Filter{Collection: "health"}}, {"/filter=role+year", retrieval.Filter{Roles: []string{retrieval.RoleProblems}, YearFrom: 2024}}} {
		b.Run("SearchVector"+f.name, func(b *testing.B) {
			var l latencies
			for i := 0; b.Loop(); i++ {
				v := embed(b, h.queries[i%len(h.queries)])
				t0 := time.Now()
				hits, err := h.s.SearchVector(ctx, v, k, f.f)
				l = append(l, time.Since(t0))
				if err != nil || len(hits) != k {
					b.Fatalf("%d hits, %v", len(hits), err)
				}
			}
			l.report(b)
		})
		b.Run("SearchKeyword"+f.name, func(b *testing.B) {
			var l latencies
			for i := 0; b.Loop(); i++ {
				toks := retrieval.QueryTokens(h.queries[i%len(h.queries)])
				t0 := time.Now()
				_, err := h.s.SearchKeyword(ctx, toks, k, f.f)
				l = append(l, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
			}
			l.report(b)
		})
	}
	b.Run("Hybrid", func(b *testing.B) {
		s := retrieval.Searcher{Store: h.s, Embed: h.e.Embed}
		var l latencies
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			_, err := s.Search(ctx, retrieval.Query{Text: h.queries[i%len(h.queries)]})
			l = append(l, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
		}
		l.report(b)
	})
	b.Run("Recall@10", func(b *testing.B) {
		var found, total int
		for i := 0; b.Loop(); i++ {
			q := embed(b, h.queries[i%len(h.queries)])
			hits, err := h.s.SearchVector(ctx, q, 10, retrieval.Filter{})
			if err != nil {
				b.Fatal(err)
			}
			exact := h.exact(q, 10)
			for _, hit := range hits {
				if slices.Contains(exact, hit.Passage.ID) {
					found++
				}
			}
			total += len(exact)
		}
		b.ReportMetric(float64(found)/float64(total), "recall")
	})
}

// exact returns the ids of the k passages nearest to q by brute force.
func (h *hundredK) exact(q []float32, k int) []string {
	type cand struct {
		i   int
		sim float32
	}
	cs := make([]cand, len(h.vecs))
	for i, v := range h.vecs {
		cs[i] = cand{i, retrieval.Dot(q, v)}
	}
	sort.Slice(cs, func(a, b int) bool { return cs[a].sim > cs[b].sim })
	ids := make([]string, k)
	for i := range ids {
		ids[i] = h.ids[cs[i].i]
	}
	return ids
}
