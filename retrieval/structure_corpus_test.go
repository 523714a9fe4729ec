package retrieval_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/evalset"
	"github.com/draftd/draftd/retrieval/evalset/corpus"
)

// corpusHeading is a heading of a recovered tree: its depth, numbering and title.
type corpusHeading struct {
	depth         int
	marker, title string
}

func corpusHeadings(text string) []corpusHeading {
	var out []corpusHeading
	var walk func(s *retrieval.Section)
	walk = func(s *retrieval.Section) {
		if s.Level > 0 {
			h, _ := retrieval.ParseHeading(s.Heading)
			out = append(out, corpusHeading{s.Level, h.Marker, h.Title})
		}
		for _, c := range s.Sections {
			walk(c)
		}
	}
	walk(retrieval.Structure(text))
	return out
}

// matched counts the headings of got that match want in order (longest common subsequence):
// same depth and numbering, and a title that starts with want's (a title glued to its first
// sentence may keep some of it). With clauses, a title that is want's up to one of its
// commas matches too: a run-on title longer than maxHeadingRunes is cut at a comma, since
// nothing tells where a title glued to its first sentence ends.
func matched(want, got []corpusHeading, clauses bool) int {
	dp := make([][]int, len(want)+1)
	for i := range dp {
		dp[i] = make([]int, len(got)+1)
	}
	for i := len(want) - 1; i >= 0; i-- {
		for j := len(got) - 1; j >= 0; j-- {
			if sameHeading(want[i], got[j], clauses) {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func sameHeading(w, g corpusHeading, clauses bool) bool {
	if w.depth != g.depth || w.marker != g.marker {
		return false
	}
	if strings.HasPrefix(g.title, w.title) {
		return true
	}
	return clauses && g.title != "" && (strings.HasPrefix(w.title, g.title+"，") || strings.HasPrefix(w.title, g.title+","))
}

// corpusGroup names the part of the corpus a file belongs to. The provincial reports of five
// provinces are held out: the structure rules were developed on the others and checked on
// these only at the end.
func corpusGroup(name string) string {
	switch {
	case !strings.HasSuffix(name, ".docx"):
		return "State Council reports"
	case strings.ContainsAny(name, "陕青黑重辽"):
		return "provincial, held out"
	}
	return "provincial"
}

// TestStructureCorpusWithoutLineBreaks is the self-supervised structure test: every
// document of the sample corpus (provincial .docx, State Council reports) loses its line
// breaks, and separately its brackets become ASCII with every second opening bracket
// dropped, and the heading tree recovered must match the one recovered from the original.
// It logs heading precision and recall and holds them to the figures first measured.
// A heading is recovered when it has the same depth and numbering and its title starts
// with the original's.
func TestStructureCorpusWithoutLineBreaks(t *testing.T) {
	dir := corpus.DirOrSkip(t)
	files, err := evalset.Files(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	variants := []struct {
		name string
		edit func(string) string
		// Precision and recall (titles matched up to a comma) must reach the target,
		// 0.95 each, over the whole corpus and in each of its groups.
		precision, recall float64
	}{
		{"no line breaks", func(s string) string { return strings.ReplaceAll(s, "\n", "") }, 0.95, 0.95},
		{"ASCII brackets, lost opening brackets", dropOpeningBrackets, 0.99, 0.99},
		{"both", func(s string) string { return strings.ReplaceAll(dropOpeningBrackets(s), "\n", "") }, 0.95, 0.95},
	}
	type tally struct{ want, got, match, strict int }
	var table strings.Builder
	table.WriteString("| variant | group | headings | precision | recall | precision (whole titles) | recall (whole titles) |\n|---|---|---:|---:|---:|---:|---:|\n")
	row := func(variant, group string, c tally) {
		fmt.Fprintf(&table, "| %s | %s | %d | %.3f | %.3f | %.3f | %.3f |\n", variant, group, c.want,
			float64(c.match)/float64(c.got), float64(c.match)/float64(c.want),
			float64(c.strict)/float64(c.got), float64(c.strict)/float64(c.want))
	}
	groups := []string{"provincial", "provincial, held out", "State Council reports"}
	for _, v := range variants {
		by := map[string]*tally{}
		for _, g := range groups {
			by[g] = &tally{}
		}
		var all tally
		for _, f := range files {
			text, rep := retrieval.Clean(f.Text)
			c := by[corpusGroup(f.Name)]
			for _, p := range retrieval.SplitDocuments(text, rep) {
				w := corpusHeadings(p.Text)
				g := corpusHeadings(v.edit(p.Text))
				for _, c := range []*tally{c, &all} {
					c.want += len(w)
					c.got += len(g)
					c.match += matched(w, g, true)
					c.strict += matched(w, g, false)
				}
			}
		}
		for _, g := range groups {
			row(v.name, g, *by[g])
			c := by[g]
			if c.want == 0 {
				continue
			}
			// and in every group of the corpus
			if p, r := float64(c.match)/float64(c.got), float64(c.match)/float64(c.want); p < v.precision || r < v.recall {
				t.Errorf("%s, %s: precision %.3f, recall %.3f; want ≥ %.2f and ≥ %.2f", v.name, g, p, r, v.precision, v.recall)
			}
		}
		row(v.name, "all", all)
		precision, recall := float64(all.match)/float64(all.got), float64(all.match)/float64(all.want)
		if precision < v.precision || recall < v.recall {
			t.Errorf("%s: precision %.3f, recall %.3f; want ≥ %.2f and ≥ %.2f", v.name, precision, recall, v.precision, v.recall)
		}
	}
	t.Logf("headings recovered from %d files:\n%s", len(files), table.String())
}

// dropOpeningBrackets writes full-width brackets ASCII and drops the opening bracket of
// every second bracketed heading number: "(二)加强" → "二)加强".
func dropOpeningBrackets(text string) string {
	text = strings.NewReplacer("（", "(", "）", ")").Replace(text)
	var b strings.Builder
	n := 0
	for i := 0; i < len(text); i++ {
		if text[i] == '(' && (i == 0 || text[i-1] == '\n') {
			if h, ok := retrieval.ParseHeading(text[i:]); ok && h.Kind == retrieval.MarkerParenCN && !h.Repaired {
				if n++; n%2 == 0 {
					continue
				}
			}
		}
		b.WriteByte(text[i])
	}
	return b.String()
}
