package embedded_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/evalset"
)

const (
	benchDim      = 256
	benchPassages = 100_000
	benchPerDoc   = 20
)

// words is a vocabulary of invented two- to four-character Han words; drawn
// with a Zipf distribution they give keyword search a realistic spread of
// common and rare tokens.
var words = func() []string {
	rng := rand.New(rand.NewPCG(7, 7))
	out := make([]string, 3000)
	for i := range out {
		n := 2 + rng.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteRune(rune(0x4E00 + rng.IntN(3000)))
		}
		out[i] = b.String()
	}
	return out
}()

// benchText returns a passage-sized text of about n words.
func benchText(rng *rand.Rand, zipf *rand.Zipf, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(words[zipf.Uint64()])
		if i%6 == 5 {
			b.WriteString("。")
		} else {
			b.WriteString("，")
		}
	}
	return b.String()
}

func randomUnit(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var n float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		n += x * x
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i] /= float32(n)
	}
	return v
}

// corpusText returns the text of the public government work reports in
// ../shared/corpus, or nothing when the corpus is absent.
var corpusText = sync.OnceValue(func() []rune {
	reports, err := evalset.SampleReports()
	if err != nil {
		return nil
	}
	var all []rune
	for _, r := range reports {
		all = append(all, []rune(r.Content)...)
	}
	return all
})

// benchDocs returns documents holding n passages in all. Passage texts are
// 500-character windows of the shared corpus when it is present, so keyword
// search meets real token frequencies, and Zipf-distributed invented words
// otherwise.
func benchDocs(seed uint64, n int) []*retrieval.Document {
	rng := rand.New(rand.NewPCG(seed, 1))
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(words)-1))
	src := corpusText()
	text := func() string {
		if len(src) < 1000 {
			return benchText(rng, zipf, 60)
		}
		o := rng.IntN(len(src) - 500)
		return string(src[o : o+500])
	}
	roles := []string{retrieval.RoleOverview, retrieval.RoleAchievements, retrieval.RoleProblems, retrieval.RolePlans}
	var docs []*retrieval.Document
	for d := 0; d*benchPerDoc < n; d++ {
		id := fmt.Sprintf("bench-%d-%d", seed, d)
		doc := &retrieval.Document{
			ID: id, Collection: fmt.Sprint("c", d%3), Key: id + ".txt", Title: "基准文件" + id, Hash: id,
			Meta: retrieval.Meta{Kind: "总结", Years: []int{2015 + d%10}},
		}
		for i := 0; i < benchPerDoc && d*benchPerDoc+i < n; i++ {
			doc.Passages = append(doc.Passages, retrieval.Passage{
				ID: fmt.Sprintf("%s-p%d", id, i), DocumentID: id, Ordinal: i,
				HeadingPath: []string{"一、" + words[rng.IntN(50)]},
				Text:        text(),
				Role:        roles[i%len(roles)],
				Embedding:   randomUnit(rng, benchDim),
			})
		}
		docs = append(docs, doc)
	}
	return docs
}

var (
	benchOnce sync.Once
	benchDir  string // removed when the tests end
	keep      string // kept
	benchErr  error
)

// benchStore opens a store of benchPassages passages, built once per process,
// or once for good in $EMBEDDED_BENCH_DIR when that is set.
func benchStore(b *testing.B) *embedded.Store {
	b.Helper()
	ctx := context.Background()
	benchOnce.Do(func() {
		if dir := os.Getenv("EMBEDDED_BENCH_DIR"); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, embedded.FileName)); err == nil {
				return
			}
			keep, benchErr = dir, os.MkdirAll(dir, 0o755)
		} else {
			benchDir, benchErr = os.MkdirTemp("", "embedded-bench-")
		}
		if benchErr != nil {
			return
		}
		s, err := embedded.Open(ctx, cmp.Or(keep, benchDir))
		if err != nil {
			benchErr = err
			return
		}
		defer s.Close()
		for _, d := range benchDocs(1, benchPassages) {
			if _, err := s.Put(ctx, d); err != nil {
				benchErr = err
				return
			}
		}
	})
	if benchErr != nil {
		b.Fatalf("building the benchmark store: %v", benchErr)
	}
	start := time.Now()
	s, err := embedded.Open(ctx, cmp.Or(os.Getenv("EMBEDDED_BENCH_DIR"), benchDir))
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Logf("Open with %d passages took %v", benchPassages, time.Since(start))
	b.Cleanup(func() { s.Close() })
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchQueries returns query vectors and the tokens of section topics.
func benchQueries(n int) ([][]float32, [][]string) {
	topics := []string{"卫生健康工作情况", "疫情防控", "脱贫攻坚成效", "加强基层医疗卫生服务体系建设",
		"发展经济", "生态环境保护", "科技创新能力", "深化改革开放"}
	rng := rand.New(rand.NewPCG(99, 1))
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(words)-1))
	synthetic := len(corpusText()) == 0
	vecs := make([][]float32, n)
	toks := make([][]string, n)
	for i := range n {
		vecs[i] = randomUnit(rng, benchDim)
		if synthetic {
			toks[i] = retrieval.QueryTokens(benchText(rng, zipf, 4))
		} else {
			toks[i] = retrieval.QueryTokens(topics[i%len(topics)])
		}
	}
	return vecs, toks
}

// loop runs search b.N times and reports the median latency.
func loop(b *testing.B, search func(i int) error) {
	var times []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if err := search(i); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		i++
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
}

func BenchmarkSearchVector100k(b *testing.B) {
	s := benchStore(b)
	vecs, _ := benchQueries(64)
	ctx := context.Background()
	loop(b, func(i int) error {
		_, err := s.SearchVector(ctx, vecs[i%len(vecs)], 20, retrieval.Filter{})
		return err
	})
}

func BenchmarkSearchVectorFiltered100k(b *testing.B) {
	s := benchStore(b)
	vecs, _ := benchQueries(64)
	ctx := context.Background()
	f := retrieval.Filter{Collection: "c1", YearFrom: 2020, Roles: []string{retrieval.RoleAchievements}}
	loop(b, func(i int) error {
		_, err := s.SearchVector(ctx, vecs[i%len(vecs)], 20, f)
		return err
	})
}

func BenchmarkSearchKeyword100k(b *testing.B) {
	s := benchStore(b)
	_, toks := benchQueries(64)
	ctx := context.Background()
	loop(b, func(i int) error {
		_, err := s.SearchKeyword(ctx, toks[i%len(toks)], 20, retrieval.Filter{})
		return err
	})
}

func BenchmarkSearchHybrid100k(b *testing.B) {
	s := benchStore(b)
	vecs, toks := benchQueries(64)
	ctx := context.Background()
	f := retrieval.Filter{Collection: "c1"}
	loop(b, func(i int) error {
		if _, err := s.SearchVector(ctx, vecs[i%len(vecs)], 20, f); err != nil {
			return err
		}
		_, err := s.SearchKeyword(ctx, toks[i%len(toks)], 20, f)
		return err
	})
}

func BenchmarkPut(b *testing.B) {
	ctx := context.Background()
	s, err := embedded.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	docs := benchDocs(2, 200*benchPerDoc)
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		d := docs[i%len(docs)]
		d.Hash = fmt.Sprint(i) // a new version each time round
		if _, err := s.Put(ctx, d); err != nil {
			b.Fatal(err)
		}
		n += len(d.Passages)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "passages/s")
}
