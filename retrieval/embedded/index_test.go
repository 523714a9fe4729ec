package embedded

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// bruteVector is the reference answer for searchVector: every live slot passing m, sorted.
func bruteVector(ix *index, q []float32, k int, m mask) []int64 {
	var all []scored
	for s := range ix.seqs {
		if ix.ok(m, s) {
			all = append(all, scored{seq: ix.seqs[s], score: dot(q, ix.vecs[s*ix.dim:(s+1)*ix.dim])})
		}
	}
	t := topK{k: len(all), items: all}
	return seqsOf(t.sorted()[:min(k, len(all))])
}

func seqsOf(ss []scored) []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = s.seq
	}
	return out
}

type testDoc struct {
	entry    docEntry
	passages []indexedPassage
}

// randomDocs returns docs documents of perDoc passages with random vectors,
// roles and tokens.
func randomDocs(rng *rand.Rand, docs, perDoc, dim int) []testDoc {
	words := []string{"卫生", "健康", "教育", "交通", "水利", "环保", "conference2025"}
	var out []testDoc
	seq := int64(0)
	for d := range docs {
		var ps []indexedPassage
		for range perDoc {
			seq++
			v := make([]float32, dim)
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
			var toks []string
			for range 1 + rng.IntN(6) {
				toks = append(toks, words[rng.IntN(len(words))])
			}
			ps = append(ps, indexedPassage{seq: seq, role: []string{"a", "b", "c"}[rng.IntN(3)], vec: v, tokens: toks})
		}
		e := docEntry{id: fmt.Sprint("d", d), collection: fmt.Sprint("c", d%2), kind: "总结", years: []int{2020 + d%5}}
		out = append(out, testDoc{e, ps})
	}
	return out
}

func indexOf(t *testing.T, dim int, docs []testDoc) *index {
	t.Helper()
	ix := newIndex(dim)
	for _, d := range docs {
		if err := ix.add(d.entry, d.passages); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

func TestSearchVectorMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ix := indexOf(t, 8, randomDocs(rng, 1100, 20, 8)) // 22,000 passages: the scan runs in parallel
	filters := []retrieval.Filter{{}, {Collection: "c1", Roles: []string{"b"}}, {YearFrom: 2023, YearTo: 2023}}
	for _, f := range filters {
		t.Run(fmt.Sprintf("filter %+v", f), func(t *testing.T) {
			m := ix.compile(f, nil)
			for range 5 {
				q := appendNormalised(nil, []float32{rng.Float32(), rng.Float32(), -rng.Float32(), 0, 1, 0, rng.Float32(), 0})
				got, want := seqsOf(ix.searchVector(q, 25, m)), bruteVector(ix, q, 25, m)
				if !slices.Equal(got, want) {
					t.Fatalf("searchVector = %v, want %v", got, want)
				}
			}
		})
	}
}

func TestRemovedDocumentsLeaveTheIndexAsIfNeverAdded(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	docs := randomDocs(rng, 40, 5, 4)
	ix := indexOf(t, 4, docs)
	var kept []testDoc
	for i, d := range docs {
		if i%3 == 0 {
			ix.remove(d.entry.id)
		} else {
			kept = append(kept, d)
		}
	}
	ref := indexOf(t, 4, kept)
	if ix.len() != ref.len() {
		t.Fatalf("index holds %d passages, want %d", ix.len(), ref.len())
	}
	// Compaction ran (slots were renumbered) and some dead slots remain since, so searches see both.
	if len(ix.seqs) == len(docs)*5 || ix.dead == 0 {
		t.Fatalf("after removing a third of the documents: %d dead of %d slots, want it compacted once and some dead since", ix.dead, len(ix.seqs))
	}

	for _, f := range []retrieval.Filter{{}, {Collection: "c0"}, {Roles: []string{"a", "c"}}} {
		t.Run(fmt.Sprintf("filter %+v", f), func(t *testing.T) {
			q := appendNormalised(nil, []float32{1, 2, 3, 4})
			if got, want := ix.searchVector(q, 30, ix.compile(f, nil)), ref.searchVector(q, 30, ref.compile(f, nil)); !slices.EqualFunc(got, want, sameHit) {
				t.Errorf("searchVector = %v, want %v", got, want)
			}
			for _, toks := range [][]string{{"卫生"}, {"教育", "水利", "conference2025"}} {
				got, want := ix.searchKeyword(toks, 30, ix.compile(f, nil)), ref.searchKeyword(toks, 30, ref.compile(f, nil))
				if len(want) == 0 || !slices.EqualFunc(got, want, sameHit) {
					t.Errorf("searchKeyword(%q) = %v, want %v", toks, got, want)
				}
			}
		})
	}
}

func sameHit(a, b scored) bool { return a.seq == b.seq && math.Abs(float64(a.score-b.score)) < 1e-5 }

func BenchmarkIndexSearchVector100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	ix := newIndex(256)
	for d := range 5000 {
		var ps []indexedPassage
		for i := range 20 {
			v := make([]float32, 256)
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			ps = append(ps, indexedPassage{seq: int64(d*20 + i + 1), role: "a", vec: v})
		}
		ix.add(docEntry{id: fmt.Sprint(d)}, ps)
	}
	q := appendNormalised(nil, ix.vecs[:256])
	for b.Loop() {
		ix.searchVector(q, 20, mask{all: true})
	}
}
