//go:build unix

package openai

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/draft/openai/openaitest"
	"github.com/draftd/draftd/prompts"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/evalset"
	"github.com/draftd/draftd/retrieval/pgvector"
)

// Benchmarks of issue 3, for the README's numbers; nothing here asserts a time:
//
//	go test ./draft/openai -run '^$' -bench Section              # 2k passages
//	DRAFTD_BENCH_100K=1 go test ./draft/openai -run '^$' -bench Section
//	go test ./draft/openai -run '^$' -bench ConcurrentDrafts -benchtime 3x
//
// DRAFTD_BENCH_DIR=dir keeps the generated stores there between runs.
//
// Targets: p50 ≤ 20 ms per section with retrieval over 100k passages; 200 concurrent drafts against
// a model answering in 500 ms with no errors, ≥ 80% of ideal throughput and peak RSS ≤ 300 MB.

const benchEmbedDim = 256 // the local embedder's default dimension in cmd/draftd

// benchCorpusSentences returns the sentences of ../shared/corpus/government_work_reports.jsonl,
// or nil when it is absent.
var benchCorpusSentences = sync.OnceValue(func() []string {
	reports, err := evalset.SampleReports()
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range reports {
		ss, _ := guard.SplitSentences(r.Content)
		for _, s := range ss {
			if n := utf8.RuneCountInString(s); n >= 12 && n <= 160 {
				out = append(out, s)
			}
		}
	}
	return out
})

var benchHeadings = [][]string{
	{"一、主要工作成效", "（一）基层卫生服务能力持续提升"},
	{"一、主要工作成效", "（二）公共卫生服务扎实开展"},
	{"一、上半年工作开展情况", "（三）健康扶贫成果巩固拓展"},
	{"二、存在的问题"},
	{"三、下一步工作计划"},
	{"一、2024年工作回顾"},
}

// benchDocuments makes documents of n passages in all, each passage 3–8 sentences of the corpus
// recombined at random, with its heading's role.
func benchDocuments(sentences []string, n int) []*retrieval.Document {
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	const perDoc = 20
	var docs []*retrieval.Document
	for d := 0; d*perDoc < n; d++ {
		doc := &retrieval.Document{Collection: retrieval.DefaultCollection, Key: fmt.Sprintf("bench-%06d.txt", d),
			Title: fmt.Sprintf("基准县第%d号工作总结", d), Meta: retrieval.Meta{Kind: "总结", Years: []int{2015 + d%10}}}
		var all strings.Builder
		for i := 0; i < perDoc && d*perDoc+i < n; i++ {
			var b strings.Builder
			for range 3 + rng.IntN(6) {
				b.WriteString(sentences[rng.IntN(len(sentences))])
			}
			path := benchHeadings[rng.IntN(len(benchHeadings))]
			doc.Passages = append(doc.Passages, retrieval.Passage{HeadingPath: path, Text: b.String(),
				Role: retrieval.Role(path, retrieval.RoleAchievements)})
			all.WriteString(b.String())
		}
		doc.Text = all.String()
		retrieval.AssignIDs(doc)
		docs = append(docs, doc)
	}
	return docs
}

var (
	benchStores   sync.Map // passages → *benchStoreEntry
	benchCleanups []func()
	benchMu       sync.Mutex
)

type benchStoreEntry struct {
	once  sync.Once
	dir   string
	err   error
	build time.Duration
}

// benchStore returns an embedded store of n passages recombined from the shared corpus, built once
// per process (skipping when the corpus is absent), with a Searcher over it.
func benchStore(b *testing.B, n int) (*embedded.Store, draft.Searcher) {
	b.Helper()
	sentences := benchCorpusSentences()
	if len(sentences) == 0 {
		b.Skip("../shared/corpus/government_work_reports.jsonl is absent: no corpus to build the benchmark store from")
	}
	v, _ := benchStores.LoadOrStore(n, &benchStoreEntry{})
	e := v.(*benchStoreEntry)
	emb := retrieval.NewLocalEmbedder(benchEmbedDim)
	ctx := context.Background()
	e.once.Do(func() {
		start := time.Now()
		// $DRAFTD_BENCH_DIR keeps the stores between runs, so a run measures no build.
		if keep := os.Getenv("DRAFTD_BENCH_DIR"); keep != "" {
			e.dir = filepath.Join(keep, strconv.Itoa(n))
			if _, err := os.Stat(filepath.Join(e.dir, embedded.FileName)); err == nil {
				return
			}
		} else if e.dir, e.err = os.MkdirTemp("", "draftd-bench-"); e.err == nil {
			benchMu.Lock()
			dir := e.dir
			benchCleanups = append(benchCleanups, func() { os.RemoveAll(dir) })
			benchMu.Unlock()
		}
		if e.err != nil {
			return
		}
		s, err := embedded.Open(ctx, e.dir)
		if err != nil {
			e.err = err
			return
		}
		defer s.Close()
		if e.err = s.CheckEmbedder(ctx, emb.Spec()); e.err != nil {
			return
		}
		docs := benchDocuments(sentences, n)
		// Embed on every core; store one document at a time, as ingestion does.
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < len(docs); i = int(next.Add(1) - 1) {
					texts := make([]string, len(docs[i].Passages))
					for j, p := range docs[i].Passages {
						texts[j] = retrieval.EmbedText(p)
					}
					vs, _ := emb.Embed(ctx, texts)
					for j := range vs {
						docs[i].Passages[j].Embedding = vs[j]
					}
				}
			})
		}
		wg.Wait()
		for _, d := range docs {
			if _, err := s.Put(ctx, d); err != nil {
				e.err = err
				return
			}
		}
		e.build = time.Since(start)
	})
	if e.err != nil {
		b.Fatalf("building the benchmark store: %v", e.err)
	}
	s, err := embedded.Open(ctx, e.dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	b.Logf("store of %d passages (built in %v)", n, e.build.Round(time.Millisecond))
	searcher := &retrieval.Searcher{Store: s, Embed: emb.Embed}
	return s, searcher.Search
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range benchCleanups {
		f()
	}
	os.Exit(code)
}

// instantWriter renders the prompt, as Writer does, then answers at once with a fixed text in house
// style, every figure token once, instead of calling a model.
type instantWriter struct{}

func (instantWriter) Write(_ context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	if _, _, err := prompts.Section(req); err != nil {
		return draft.SectionText{}, err
	}
	var b strings.Builder
	openers := []string{"一是持续夯实基础工作，", "二是不断提升服务能力，", "三是深化重点领域改革，"}
	for i, f := range req.Figures {
		b.WriteString(openers[i%len(openers)] + f.Label + "达到" + draft.Token(f.ID) + "。")
	}
	b.WriteString("各项工作有序推进，群众获得感不断增强。")
	return draft.SectionText{Text: b.String(), Model: "instant"}, nil
}

// benchFigures is a three-section summary whose figures have previous values and targets.
func benchFigures(tag string) *draft.Figures {
	return &draft.Figures{
		Title: "青岚县卫生健康局2025年上半年工作总结" + tag, Organization: "青岚县卫生健康局", Period: "2025年上半年",
		Sections: []draft.SectionInput{
			{Heading: "（一）基层卫生服务能力持续提升", Notes: "重点写家庭医生签约和县域医共体建设。", Figures: []draft.Figure{
				{ID: "f1", Label: "家庭医生签约服务人数", Value: "36239", Unit: "人", Previous: "34012"},
				{ID: "f2", Label: "基层医疗机构诊疗量", Value: "226.7", Unit: "万人次", Previous: "210.5", Target: "400"},
			}},
			{Heading: "（二）公共卫生服务扎实开展", Figures: []draft.Figure{
				{ID: "f3", Label: "65岁以上老年人健康管理人数", Value: "18342", Unit: "人"},
				{ID: "f4", Label: "高血压患者规范管理率", Value: "72.5", Unit: "%", Previous: "70.1"},
			}},
			{Heading: "（三）健康扶贫成果巩固拓展", Figures: []draft.Figure{
				{ID: "f5", Label: "享受健康扶贫政策人数", Value: "1026", Unit: "人"},
				{ID: "f6", Label: "大病患者住院费用实际报销比例", Value: "90", Unit: "%", Previous: "85"},
			}},
		},
	}
}

// BenchmarkSection measures draftd's own time per section, the model excluded: retrieval over the
// embedded store, the prompt, substitution, the guard, provenance and saving.
func BenchmarkSection(b *testing.B) {
	n := 2000
	if os.Getenv("DRAFTD_BENCH_100K") == "1" {
		n = 100_000
	}
	store, search := benchStore(b, n)
	ctx := context.Background()
	d := &draft.Drafter{Search: search, Writer: instantWriter{}, Store: store, Model: "instant", PromptVersion: prompts.Version}
	dr, err := d.Create(ctx, benchFigures(""))
	if err != nil {
		b.Fatal(err)
	}
	var times []time.Duration
	i := 0
	cpu0 := processCPU()
	for b.Loop() {
		start := time.Now()
		sec := i % len(dr.Sections)
		if err := d.RunSection(ctx, dr, sec, func(draft.Event) {}); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		if len(dr.Sections[sec].Sources) == 0 {
			b.Fatal("no passages retrieved")
		}
		i++
	}
	// CPU time per section, all goroutines included: less sensitive than wall time to a busy machine.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(len(times)), "cpu-ms/op")
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
	b.ReportMetric(float64(n), "passages")
}

// BenchmarkConcurrentDrafts drafts 200 drafts at once against a model that answers in 500 ms,
// through the production client (openai.New), with a draft's sections in order (sections=1) and
// three at a time (sections=3, production's default), over the embedded store and, when
// DRAFTD_TEST_DATABASE_URL is set, over pgvector (pgvector/sections=…; its store of 2k passages is
// built in a schema of its own, which takes about 20 s, and dropped afterwards).
func BenchmarkConcurrentDrafts(b *testing.B) {
	for _, concurrency := range []int{1, 3} {
		b.Run(fmt.Sprintf("sections=%d", concurrency), func(b *testing.B) {
			var store draft.Store
			var search draft.Searcher
			if len(benchCorpusSentences()) > 0 {
				store, search = benchStore(b, 2000)
			} else {
				store, search = pipeCorpus(b)
			}
			benchConcurrentDrafts(b, store, search, concurrency)
		})
	}
	for _, concurrency := range []int{1, 3} {
		b.Run(fmt.Sprintf("pgvector/sections=%d", concurrency), func(b *testing.B) {
			store, search := benchPgStore(b, 2000)
			benchConcurrentDrafts(b, store, search, concurrency)
		})
	}
}

var (
	benchPgOnce   sync.Once
	benchPg       *pgvector.Store
	benchPgSearch draft.Searcher
	benchPgErr    error
)

// benchPgStore returns a pgvector store of n passages recombined from the shared corpus, in a schema
// of its own made once per process and dropped at exit, skipping without DRAFTD_TEST_DATABASE_URL
// or the corpus.
func benchPgStore(b *testing.B, n int) (*pgvector.Store, draft.Searcher) {
	b.Helper()
	url := os.Getenv("DRAFTD_TEST_DATABASE_URL")
	if url == "" {
		b.Skip("DRAFTD_TEST_DATABASE_URL is not set: no PostgreSQL to draft over")
	}
	sentences := benchCorpusSentences()
	if len(sentences) == 0 {
		b.Skip("../shared/corpus/government_work_reports.jsonl is absent: no corpus to build the benchmark store from")
	}
	benchPgOnce.Do(func() {
		ctx := context.Background()
		emb := retrieval.NewLocalEmbedder(benchEmbedDim)
		schema := fmt.Sprintf("draftd_bench_%d", time.Now().UnixNano())
		start := time.Now()
		if benchPg, benchPgErr = pgvector.Open(ctx, url, pgvector.Options{Schema: schema}); benchPgErr != nil {
			return
		}
		benchMu.Lock()
		benchCleanups = append(benchCleanups, func() {
			benchPg.Close()
			if conn, err := pgx.Connect(context.Background(), url); err == nil {
				conn.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
				conn.Close(context.Background())
			}
		})
		benchMu.Unlock()
		if benchPgErr = benchPg.CheckEmbedder(ctx, emb.Spec()); benchPgErr != nil {
			return
		}
		for _, d := range benchDocuments(sentences, n) {
			texts := make([]string, len(d.Passages))
			for j, p := range d.Passages {
				texts[j] = retrieval.EmbedText(p)
			}
			vs, _ := emb.Embed(ctx, texts)
			for j := range vs {
				d.Passages[j].Embedding = vs[j]
			}
			if _, benchPgErr = benchPg.Put(ctx, d); benchPgErr != nil {
				return
			}
		}
		// A store in service has planner statistics (autovacuum analyzes a table that grew); keyword
		// search weighs and prunes tokens by them, so take them now as autovacuum would within a minute.
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			benchPgErr = err
			return
		}
		_, benchPgErr = conn.Exec(ctx, "ANALYZE "+pgx.Identifier{schema, "passages"}.Sanitize())
		conn.Close(ctx)
		if benchPgErr != nil {
			return
		}
		b.Logf("pgvector store of %d passages in schema %s (built in %v)", n, schema, time.Since(start).Round(time.Millisecond))
		searcher := &retrieval.Searcher{Store: benchPg, Embed: emb.Embed}
		benchPgSearch = searcher.Search
	})
	if benchPgErr != nil {
		b.Fatalf("building the pgvector benchmark store: %v", benchPgErr)
	}
	return benchPg, benchPgSearch
}

func benchConcurrentDrafts(b *testing.B, store draft.Store, search draft.Searcher, concurrency int) {
	const (
		drafts   = 200
		sections = 3
		latency  = 500 * time.Millisecond
	)
	srv := openaitest.New(b, openaitest.Default(openaitest.Slow(latency)))
	c := New(Config{BaseURL: srv.URL(), Model: "fake-model", Timeout: 30 * time.Second, IdleTimeout: 10 * time.Second})
	// The ideal is one model latency per round of concurrently drafted sections.
	d := &draft.Drafter{Search: search, Writer: &Writer{Complete: c.Complete, Model: "fake-model"}, Store: store,
		Model: "fake-model", PromptVersion: prompts.Version, Concurrency: concurrency}
	ctx := context.Background()
	ideal := time.Duration((sections+concurrency-1)/concurrency) * latency
	var walls []time.Duration
	var errs atomic.Int64
	var firstErr atomic.Value
	iter := 0
	cpu0 := processCPU()
	for b.Loop() {
		iter++
		var wg sync.WaitGroup
		start := time.Now()
		for k := range drafts {
			wg.Go(func() {
				dr, err := d.Create(ctx, benchFigures(" #"+strconv.Itoa(iter)+"-"+strconv.Itoa(k)))
				if err == nil {
					err = d.Run(ctx, dr, nil)
				}
				if err == nil && dr.Status != draft.StatusReady {
					err = fmt.Errorf("draft %s is %s", dr.ID, dr.Status)
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			})
		}
		wg.Wait()
		walls = append(walls, time.Since(start))
	}
	if n := errs.Load(); n > 0 {
		b.Fatalf("%d of %d drafts failed; first: %v", n, drafts*len(walls), firstErr.Load())
	}
	slices.Sort(walls)
	wall := walls[len(walls)/2]
	b.ReportMetric(float64(drafts)/wall.Seconds(), "drafts/s")
	b.ReportMetric(float64(drafts)/ideal.Seconds(), "ideal-drafts/s")
	b.ReportMetric(100*ideal.Seconds()/wall.Seconds(), "%-of-ideal")
	b.ReportMetric(0, "errors")
	// CPU per draft, the fake model's serving included: on 2 idle cores, 2 s ÷ this is the most drafts a
	// second can hold, whatever the model's latency.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(drafts*len(walls)), "cpu-ms/draft")
	if mb, ok := peakRSS(); ok {
		b.ReportMetric(mb, "peak-RSS-MB")
	}
	if got, want := srv.ChatCalls(), drafts*sections*len(walls); got != want {
		b.Fatalf("the fake saw %d chat requests, want %d", got, want)
	}
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS returns the process's peak resident set size in MB (VmHWM): the fake server and, for a
// run of several benchmarks, the others' stores are in it too.
func peakRSS() (float64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				return 0, false
			}
			return float64(kb) / 1024, true
		}
	}
	return 0, false
}
