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
// sentence may keep some of it).
func matched(want, got []corpusHeading) int {
	dp := make([][]int, len(want)+1)
	for i := range dp {
		dp[i] = make([]int, len(got)+1)
	}
	for i := len(want) - 1; i >= 0; i-- {
		for j := len(got) - 1; j >= 0; j-- {
			w, g := want[i], got[j]
			if w.depth == g.depth && w.marker == g.marker && strings.HasPrefix(g.title, w.title) {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
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
		// Precision and recall must stay at or above the figures first measured (0.893 and
		// 0.686 without line breaks, 0.999 and 0.999 with lost brackets; the target is
		// 0.95 each, which the run-on text does not reach yet).
		precision, recall float64
	}{
		{"no line breaks", func(s string) string { return strings.ReplaceAll(s, "\n", "") }, 0.88, 0.67},
		{"ASCII brackets, lost opening brackets", dropOpeningBrackets, 0.99, 0.99},
		{"both", func(s string) string { return strings.ReplaceAll(dropOpeningBrackets(s), "\n", "") }, 0.88, 0.67},
	}
	var table strings.Builder
	table.WriteString("| variant | headings | precision | recall |\n|---|---:|---:|---:|\n")
	for _, v := range variants {
		var want, got, match int
		for _, f := range files {
			text, rep := retrieval.Clean(f.Text)
			for _, p := range retrieval.SplitDocuments(text, rep) {
				w := corpusHeadings(p.Text)
				g := corpusHeadings(v.edit(p.Text))
				want += len(w)
				got += len(g)
				match += matched(w, g)
			}
		}
		precision, recall := float64(match)/float64(got), float64(match)/float64(want)
		fmt.Fprintf(&table, "| %s | %d | %.3f | %.3f |\n", v.name, want, precision, recall)
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
