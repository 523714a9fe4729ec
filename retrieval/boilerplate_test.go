package retrieval_test

import (
	"context"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/evalset"
	"github.com/draftd/draftd/retrieval/evalset/corpus"
)

// phraseRules are the rules that drop a line for a site's own phrases; every other rule
// drops lines for their shape or their repetition, and never a sentence.
var phraseRules = map[string]bool{
	retrieval.RuleCopyright: true, retrieval.RuleMembership: true, retrieval.RuleDownload: true,
	retrieval.RulePromo: true, retrieval.RuleHidden: true, retrieval.RuleDocSharing: true,
}

// TestCleanKeepsBodySentences cleans the State Council reports and the provincial reports
// as one batch (the evidence of repetition across them in use) and checks that no body
// sentence is dropped: nothing with a sentence end and 20 runes or more goes, but for a
// site's own phrases (the public-domain licence notes of the State Council reports).
func TestCleanKeepsBodySentences(t *testing.T) {
	dir := corpus.DirOrSkip(t)
	files, err := evalset.Files(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	texts := make([]string, len(files))
	for i, f := range files {
		texts[i] = f.Text
	}
	ev := retrieval.NewEvidence(texts)
	rules := map[string]int{}
	bodies := 0
	for _, f := range files {
		_, rep := retrieval.CleanWith(f.Text, ev)
		for _, d := range rep.Dropped {
			rules[d.Rule]++
			if strings.ContainsAny(d.Text, "。！？") && len([]rune(d.Text)) >= 20 && !phraseRules[d.Rule] {
				bodies++
				t.Errorf("%s: line %d dropped as %s: %q", f.Name, d.Line, d.Rule, d.Text)
			}
		}
	}
	t.Logf("%d files: dropped by rule %v; body sentences dropped: %d", len(files), rules, bodies)
}
