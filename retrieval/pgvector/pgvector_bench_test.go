package pgvector

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	pgv "github.com/pgvector/pgvector-go"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/evalset"
)

// Benchmarks need DRAFTD_TEST_DATABASE_URL; the 100k-passage one also needs
// DRAFTD_BENCH_100K=1, and reuses (without dropping) DRAFTD_BENCH_SCHEMA when set
// (DRAFTD_BENCH_DOCS=250 loads 5,000 passages instead, to try it out):
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
	docs, per := 5000, 20
	if n, err := strconv.Atoi(os.Getenv("DRAFTD_BENCH_DOCS")); err == nil && n > 0 {
		docs = n // a smaller store, to try the benchmark out quickly
	}
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

// p50 returns the median.
func (l latencies) p50() time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(l))
	return s[len(s)/2]
}

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
	// The baselines: pgvector's own query on the same table and vectors, with
	// nothing of draftd's around it (no filter, no join, no transaction), at
	// the hnsw.ef_search SearchVector uses for k; and PostgreSQL's exact scan.
	ef := min(max(4*k, minEfSearch), maxEfSearch)
	for _, base := range []struct{ name, set string }{
		{"RawHNSW", fmt.Sprintf("SET hnsw.ef_search = %d", ef)},
		{"RawExact", "SET enable_indexscan = off"},
	} {
		b.Run(base.name, func(b *testing.B) {
			conn, err := h.s.pool.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Release()
			// A session setting on a connection that went back to the pool would leak into other
			// searches: closing it first makes Release drop it.
			defer conn.Conn().Close(ctx)
			if _, err := conn.Exec(ctx, base.set); err != nil {
				b.Fatal(err)
			}
			var l latencies
			for i := 0; b.Loop(); i++ {
				v := pgv.NewVector(embed(b, h.queries[i%len(h.queries)]))
				t0 := time.Now()
				rows, _ := conn.Query(ctx, rawSearch, v, k)
				ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
				l = append(l, time.Since(t0))
				if err != nil || len(ids) != k {
					b.Fatalf("%d ids, %v", len(ids), err)
				}
			}
			l.report(b)
		})
	}
	// The ratios: the three searches of one query back to back, in an order
	// that rotates, so that on a shared machine the load each one meets is
	// the same and the ratios of their medians hold even when the absolute
	// numbers move. Hybrid is the whole of retrieval.Searcher.Search: it
	// embeds the query, searches both ways and fuses.
	b.Run("Paired", func(b *testing.B) {
		conn, err := h.s.pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Release()
		defer conn.Conn().Close(ctx)
		if _, err := conn.Exec(ctx, fmt.Sprintf("SET hnsw.ef_search = %d", ef)); err != nil {
			b.Fatal(err)
		}
		searcher := retrieval.Searcher{Store: h.s, Embed: h.e.Embed}
		var raw, vector, hybrid latencies
		for i := 0; b.Loop(); i++ {
			q := h.queries[i%len(h.queries)]
			v := embed(b, q)
			runs := []func() error{
				func() error {
					t0 := time.Now()
					rows, _ := conn.Query(ctx, rawSearch, pgv.NewVector(v), k)
					_, err := pgx.CollectRows(rows, pgx.RowTo[string])
					raw = append(raw, time.Since(t0))
					return err
				},
				func() error {
					t0 := time.Now()
					_, err := h.s.SearchVector(ctx, v, k, retrieval.Filter{})
					vector = append(vector, time.Since(t0))
					return err
				},
				func() error {
					t0 := time.Now()
					_, err := searcher.Search(ctx, retrieval.Query{Text: q})
					hybrid = append(hybrid, time.Since(t0))
					return err
				},
			}
			for j := range runs {
				if err := runs[(i+j)%len(runs)](); err != nil {
					b.Fatal(err)
				}
			}
		}
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(raw.p50()), "raw-p50-ms")
		b.ReportMetric(ms(vector.p50()), "vector-p50-ms")
		b.ReportMetric(ms(hybrid.p50()), "hybrid-p50-ms")
		b.ReportMetric(float64(vector.p50())/float64(raw.p50()), "vector/raw")
		b.ReportMetric(float64(hybrid.p50())/float64(raw.p50()), "hybrid/raw")
	})
	// Recall over several builds of the graph, since pgvector builds in
	// parallel and no two builds are alike: the minimum is what a deployment
	// can count on. DRAFTD_BENCH_BUILDS sets how many (default 3);
	// DRAFTD_BENCH_HNSW replaces the index's WITH clause, to try other graphs.
	b.Run("Recall@10", func(b *testing.B) {
		builds := 3
		if n, err := strconv.Atoi(os.Getenv("DRAFTD_BENCH_BUILDS")); err == nil && n > 0 {
			builds = n
		}
		create := createHNSW
		if with := os.Getenv("DRAFTD_BENCH_HNSW"); with != "" {
			create = createHNSW[:strings.Index(createHNSW, "WITH (")] + "WITH (" + with + ")"
		}
		exact := make([][]string, len(h.queries))
		kth := make([]float32, len(h.queries)) // similarity of the 10th exact neighbour
		qs := make([][]float32, len(h.queries))
		for i, q := range h.queries {
			qs[i] = embed(b, q)
			exact[i], kth[i] = h.exactK(qs[i], 10)
		}
		conn, err := h.s.pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Release()
		defer conn.Conn().Close(ctx)
		if _, err := conn.Exec(ctx, fmt.Sprintf("SET hnsw.ef_search = %d", maxEfSearch)); err != nil {
			b.Fatal(err)
		}
		// The brute force here must agree with PostgreSQL's exact scan, or recall measures nothing.
		agree, checked := 0, 0
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL enable_indexscan = off"); err != nil {
				return err
			}
			for i := range min(20, len(qs)) {
				rows, _ := tx.Query(ctx, rawSearch, pgv.NewVector(qs[i]), 10)
				ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					return err
				}
				for _, id := range ids {
					if slices.Contains(exact[i], id) {
						agree++
					}
				}
				checked += len(exact[i])
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if float64(agree) < 0.99*float64(checked) {
			b.Fatalf("the brute force agrees with PostgreSQL's exact scan on %d of %d neighbours", agree, checked)
		}
		// pgvector's own query on the same graph at these ef_search values: how far the beam could
		// narrow (it costs latency) with recall still held.
		efs := []int{400, 600, 800, maxEfSearch}
		raws := make([][]float64, len(efs))
		var recalls, tolerant []float64
		for b.Loop() {
			if recalls != nil {
				continue // one measurement per run, whatever -benchtime says
			}
			for build := range builds {
				if build > 0 || create != createHNSW {
					t0 := time.Now()
					h.rebuild(b, create)
					b.Logf("build %d (%s) in %v", build+1, create[strings.Index(create, "WITH"):], time.Since(t0).Round(time.Second))
				}
				var found, near, total int
				for i, q := range qs {
					hits, err := h.s.SearchVector(ctx, q, 10, retrieval.Filter{})
					if err != nil {
						b.Fatal(err)
					}
					for _, hit := range hits {
						if slices.Contains(exact[i], hit.Passage.ID) {
							found++
						}
						// ann-benchmarks' definition: within 1e-3 of the 10th neighbour's distance.
						if float32(hit.Score) >= kth[i]-1e-3 {
							near++
						}
					}
					total += len(exact[i])
				}
				recalls = append(recalls, float64(found)/float64(total))
				tolerant = append(tolerant, float64(near)/float64(total))
				for j, ef := range efs {
					if _, err := conn.Exec(ctx, fmt.Sprintf("SET hnsw.ef_search = %d", ef)); err != nil {
						b.Fatal(err)
					}
					found := 0
					for i, q := range qs {
						rows, _ := conn.Query(ctx, rawSearch, pgv.NewVector(q), 10)
						ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
						if err != nil {
							b.Fatal(err)
						}
						for _, id := range ids {
							if slices.Contains(exact[i], id) {
								found++
							}
						}
					}
					raws[j] = append(raws[j], float64(found)/float64(total))
				}
			}
		}
		b.Logf("recall@10 of %d queries on each of %d builds: %.4f (within 1e-3 of the 10th distance: %.4f)", len(qs), builds, recalls, tolerant)
		b.ReportMetric(slices.Min(tolerant), "recall-eps-min")
		for j, ef := range efs {
			b.Logf("the raw query at ef_search %d: %.4f", ef, raws[j])
			b.ReportMetric(slices.Min(raws[j]), fmt.Sprintf("raw-recall-min@ef%d", ef))
		}
		b.ReportMetric(slices.Min(recalls), "recall-min")
		b.ReportMetric(slices.Max(recalls), "recall-max")
	})
}

// rawSearch is pgvector's nearest-neighbour query with nothing around it.
const rawSearch = `SELECT id FROM passages ORDER BY embedding <=> $1 LIMIT $2`

// rebuild drops the HNSW index and builds it again with create, the way RestoreIndexes does.
func (h *hundredK) rebuild(b *testing.B, create string) {
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, h.s.pool, func(tx pgx.Tx) error {
		for _, sql := range []string{dropHNSW, setBuildMem, create} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("rebuild the HNSW index: %v", err)
	}
}

// exact returns the ids of the k passages nearest to q by brute force.
func (h *hundredK) exact(q []float32, k int) []string {
	ids, _ := h.exactK(q, k)
	return ids
}

// exactK is exact, with the similarity of the kth passage.
func (h *hundredK) exactK(q []float32, k int) ([]string, float32) {
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
	return ids, cs[k-1].sim
}
