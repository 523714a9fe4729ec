package draft

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/draftd/draftd/draft/guard"
)

// ClaimCase is one labelled section of a claims evaluation set: the writer's input, the section's
// prose as a model wrote it (figures already substituted), sentence by sentence, and the claims a
// careful reviewer finds in each sentence. See draft/testdata/claims.
type ClaimCase struct {
	ID        string          `json:"id"`
	OrgKind   string          `json:"org_kind"`
	Figures   *Figures        `json:"figures"`
	Section   int             `json:"section"`
	Sentences []LabelledClaim `json:"sentences"`
	File      string          `json:"-"`
}

// LabelledClaim is one sentence of a ClaimCase with its labelled claims.
type LabelledClaim struct {
	Text   string `json:"text"`
	Claims []struct {
		Text      string `json:"text"`
		Kind      string `json:"kind"`
		Supported bool   `json:"supported"`
		Note      string `json:"note,omitempty"`
	} `json:"claims"`
}

// Correct reports whether every labelled claim of the sentence is supported.
func (l LabelledClaim) Correct() bool {
	for _, c := range l.Claims {
		if !c.Supported {
			return false
		}
	}
	return true
}

// LoadClaimCases reads every *.json file (an array of cases) under the given directories.
func LoadClaimCases(dirs ...string) ([]ClaimCase, error) {
	var out []ClaimCase
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			var cs []ClaimCase
			if err := json.Unmarshal(data, &cs); err != nil {
				return nil, fmt.Errorf("draft: claims set %s: %w", f, err)
			}
			for i := range cs {
				cs[i].File = filepath.Base(f)
				if cs[i].Figures == nil || cs[i].Section < 0 || cs[i].Section >= len(cs[i].Figures.Sections) {
					return nil, fmt.Errorf("draft: claims set %s: case %s: no section %d", f, cs[i].ID, cs[i].Section)
				}
			}
			out = append(out, cs...)
		}
	}
	return out, nil
}

// ClaimResult is how the checker rated one labelled sentence.
type ClaimResult struct {
	Case     string
	Label    LabelledClaim
	Sentence Sentence
	// Missed lists the labelled unsupported claims no unsupported claim of the checker overlaps.
	Missed []string
}

// ClaimEval sums up a run of the checker over a labelled set.
type ClaimEval struct {
	Sentences, Correct         int
	CorrectHigh, CorrectMed    int
	Planted, PlantedLow        int            // unsupported claims labelled; of them, in sentences rated low
	ByKind                     map[string]int // planted per kind
	FoundByKind                map[string]int // planted per kind that an unsupported claim overlaps
	LowByKind                  map[string]int // planted per kind whose sentence was rated low
	Results                    []ClaimResult
	SplitErrors                []string // cases whose sentences did not split as labelled
	MediumAll, HighAll, LowAll int
}

// EvaluateClaims drafts nothing: it checks each case's sentences as the drafting pipeline does
// (guard, claims, risk) and compares the verdicts with the labels.
func EvaluateClaims(cases []ClaimCase, g *guard.Guard) ClaimEval {
	if g == nil {
		g = guard.New(nil)
	}
	ev := ClaimEval{ByKind: map[string]int{}, FoundByKind: map[string]int{}, LowByKind: map[string]int{}}
	for _, c := range cases {
		d := &Draft{Title: c.Figures.Title, Organization: c.Figures.Organization, Period: c.Figures.Period, Input: c.Figures}
		figures, bound, userText := sectionFigures(d, c.Section)
		var texts []string
		for _, l := range c.Sentences {
			texts = append(texts, l.Text)
		}
		// As the pipeline prepares a model's answer: full-width digits become half-width.
		text := foldDigits(strings.Join(texts, ""))
		rep := g.Check(text, bound, userText)
		sents := analyse(analysis{text: text, report: rep, guard: g, bound: bound, userText: userText, figures: figures})
		if len(sents) != len(c.Sentences) {
			ev.SplitErrors = append(ev.SplitErrors, fmt.Sprintf("%s: %d sentences labelled, %d split", c.ID, len(c.Sentences), len(sents)))
			continue
		}
		for i, l := range c.Sentences {
			st := sents[i]
			res := ClaimResult{Case: c.ID, Label: l, Sentence: st}
			ev.Sentences++
			switch st.Risk {
			case RiskHigh:
				ev.HighAll++
			case RiskMedium:
				ev.MediumAll++
			default:
				ev.LowAll++
			}
			if l.Correct() {
				ev.Correct++
				switch st.Risk {
				case RiskHigh:
					ev.CorrectHigh++
				case RiskMedium:
					ev.CorrectMed++
				}
			}
			for _, lc := range l.Claims {
				if lc.Supported {
					continue
				}
				ev.Planted++
				ev.ByKind[lc.Kind]++
				if st.Risk == RiskLow {
					ev.PlantedLow++
					ev.LowByKind[lc.Kind]++
				}
				if overlapsUnsupported(l.Text, lc.Text, st.Claims) {
					ev.FoundByKind[lc.Kind]++
				} else {
					res.Missed = append(res.Missed, lc.Kind+":"+lc.Text)
				}
			}
			ev.Results = append(ev.Results, res)
		}
	}
	return ev
}

// overlapsUnsupported reports whether an unsupported claim overlaps the first occurrence of span in
// sentence.
func overlapsUnsupported(sentence, span string, claims []Claim) bool {
	i := strings.Index(sentence, span)
	if i < 0 {
		return false
	}
	a := utf8.RuneCountInString(sentence[:i])
	b := a + utf8.RuneCountInString(span)
	for _, c := range claims {
		if !c.Supported && c.Start < b && c.End > a {
			return true
		}
	}
	return false
}

// Table prints the evaluation as a Markdown table: recall of unsupported claims by kind, planted
// claims rated low, and the share of correct sentences rated high and medium.
func (ev ClaimEval) Table() string {
	var b strings.Builder
	pct := func(n, d int) string {
		if d == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
	}
	fmt.Fprintf(&b, "| kind | planted | found (recall) | in a sentence rated low |\n|---|---:|---:|---:|\n")
	for _, k := range guard.ClaimKinds {
		n := ev.ByKind[string(k)]
		fmt.Fprintf(&b, "| %s | %d | %d (%s) | %d |\n", k, n, ev.FoundByKind[string(k)], pct(ev.FoundByKind[string(k)], n), ev.LowByKind[string(k)])
	}
	found := 0
	for _, n := range ev.FoundByKind {
		found += n
	}
	fmt.Fprintf(&b, "| **all** | %d | %d (%s) | %d |\n\n", ev.Planted, found, pct(found, ev.Planted), ev.PlantedLow)
	fmt.Fprintf(&b, "| sentences | correct | correct rated high | correct rated medium | all rated low / medium / high |\n|---:|---:|---:|---:|---|\n")
	fmt.Fprintf(&b, "| %d | %d | %d (%s) | %d (%s) | %d / %d / %d |\n", ev.Sentences, ev.Correct,
		ev.CorrectHigh, pct(ev.CorrectHigh, ev.Correct), ev.CorrectMed, pct(ev.CorrectMed, ev.Correct), ev.LowAll, ev.MediumAll, ev.HighAll)
	for _, e := range ev.SplitErrors {
		fmt.Fprintf(&b, "\nnot evaluated: %s", e)
	}
	return b.String()
}

// Errors lists each sentence the checker got wrong: a planted claim missed or rated low, or a correct
// sentence rated medium or high, with the checker's reasons.
func (ev ClaimEval) Errors() []string {
	var out []string
	for _, r := range ev.Results {
		switch {
		case r.Label.Correct() && r.Sentence.Risk != RiskLow:
			out = append(out, fmt.Sprintf("FALSE %s %s: %s — %s", r.Sentence.Risk, r.Case, r.Label.Text, strings.Join(r.Sentence.Reasons, " ")))
		case !r.Label.Correct() && (r.Sentence.Risk == RiskLow || len(r.Missed) > 0):
			out = append(out, fmt.Sprintf("MISS %s %s: %s — missed %v — %s", r.Sentence.Risk, r.Case, r.Label.Text, r.Missed, strings.Join(r.Sentence.Reasons, " ")))
		}
	}
	return out
}
