package draft

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

// Overlap thresholds, as shares of a sentence's character 5-grams found in one passage.
// copyThreshold is where a sentence counts as largely copied (it may state another
// organisation's facts); sourceThreshold is where a passage is listed as a source at all.
const (
	copyThreshold   = 0.5
	sourceThreshold = 0.15
	overlapN        = 5
)

// analysis is what analyse needs about a section's final text.
type analysis struct {
	text     string
	report   guard.Report
	userText []string
	figures  []Figure // the section's figures: their labels and exact strings are the writer's words
	passages []retrieval.Result
	gram     []map[gram]struct{} // 5-gram sets of passages, parallel to passages
	own      map[gram]struct{}   // 5-grams of the writer's own words, which copy nothing
}

// analyse splits the section text into sentences and gives each its figures, unbound numbers,
// sources, risk and reasons.
func analyse(a analysis) []Sentence {
	sents, offs := SplitSentences(a.text)
	a.gram = make([]map[gram]struct{}, len(a.passages))
	for i, p := range a.passages {
		a.gram[i] = ngrams(p.Text)
	}
	a.own = ownGrams(a.userText, a.figures)
	userSentences := map[string]bool{}
	for _, u := range a.userText {
		us, _ := SplitSentences(u)
		for _, s := range us {
			if k := verbatimKey(s); k != "" {
				userSentences[k] = true
			}
		}
	}
	out := make([]Sentence, 0, len(sents))
	for i, s := range sents {
		start, end := offs[i], offs[i]+len(s)
		in := func(sp guard.Span) bool { return sp.Start >= start && sp.End <= end }
		st := Sentence{Text: s, Generated: !userSentences[verbatimKey(s)], Figures: []string{}, UnboundNumbers: []string{}, Sources: []Source{}, Reasons: []string{},
			Review: Review{Decision: DecisionPending}, History: []Revision{}}
		seen := map[string]bool{}
		for _, m := range a.report.Bound {
			if in(m.Span.Span) && !seen[m.FigureID] {
				seen[m.FigureID] = true
				st.Figures = append(st.Figures, m.FigureID)
			}
		}
		var reasonsHigh []string
		for _, f := range a.report.Unbound {
			if in(f.Span) {
				st.UnboundNumbers = append(st.UnboundNumbers, f.Text)
				reasonsHigh = append(reasonsHigh, fmt.Sprintf("“%s”不是撰稿人提供的数据（%s），请核实或删除。", f.Text, f.Reason))
			}
		}
		for _, tok := range tokenRE.FindAllString(s, -1) {
			reasonsHigh = append(reasonsHigh, fmt.Sprintf("占位符“%s”不是撰稿人提供的数据编号，模型写错了，请改写或删除。", tok))
		}
		for _, p := range a.report.Rankings {
			if in(p.Span) && !inAny(p.Text, a.userText) {
				reasonsHigh = append(reasonsHigh, fmt.Sprintf("“%s”是排名或首创说法，没有数据支持，请核实。", p.Text))
			}
		}
		g := ngrams(s)
		for j, p := range a.passages {
			ov := copied(g, a.gram[j], a.own)
			if ov >= sourceThreshold {
				st.Sources = append(st.Sources, Source{PassageID: p.PassageID, DocumentID: p.DocumentID, DocumentTitle: p.DocumentTitle, HeadingPath: p.HeadingPath, Overlap: round2(ov)})
			}
		}
		sort.SliceStable(st.Sources, func(x, y int) bool { return st.Sources[x].Overlap > st.Sources[y].Overlap })
		if len(st.Sources) > 0 && st.Sources[0].Overlap >= copyThreshold && st.Generated {
			top := st.Sources[0]
			reasonsHigh = append(reasonsHigh, fmt.Sprintf("与参考资料《%s》高度重合（%.0f%%），可能描述的是其他单位的情况，请改写或核实。", top.DocumentTitle, top.Overlap*100))
		}
		switch {
		case !st.Generated:
			st.Risk = RiskLow
			st.Reasons = append(st.Reasons, "撰稿人提供的原文。")
		case len(reasonsHigh) > 0:
			st.Risk = RiskHigh
			st.Reasons = reasonsHigh
		case len(st.Figures) > 0:
			st.Risk = RiskLow
			st.Reasons = append(st.Reasons, "只陈述撰稿人提供的数据。")
		default:
			st.Risk = RiskMedium
			st.Reasons = append(st.Reasons, "定性表述，没有数据支持，请确认是否属实。")
		}
		out = append(out, st)
	}
	return out
}

func inAny(s string, texts []string) bool {
	for _, t := range texts {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// gram is a character n-gram. Its runes are word runes, all in the Basic Multilingual Plane, so
// each fits 16 bits; a fixed array keeps sets of them free of a string per n-gram.
type gram [overlapN]uint16

// ngrams returns the set of character n-grams of s, ignoring whitespace and punctuation.
func ngrams(s string) map[gram]struct{} {
	rs := make([]uint16, 0, len(s)/3+1) // most word runes are CJK, three bytes each
	for _, r := range s {
		if isWordRune(r) {
			rs = append(rs, uint16(r))
		}
	}
	g := make(map[gram]struct{}, len(rs))
	for i := 0; i+overlapN <= len(rs); i++ {
		g[gram(rs[i:i+overlapN])] = struct{}{}
	}
	return g
}

func isWordRune(r rune) bool {
	switch {
	case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		return true
	case r >= 0x4e00 && r <= 0x9fff, r >= 0x3400 && r <= 0x4dbf:
		return true
	}
	return false
}

// verbatimKey is how a sentence is compared with the writer's own: spaces around it and its final
// punctuation do not count (a note without a final 。 is still the writer's when a drafter adds one),
// nor does the width of its digits. "" for a sentence of punctuation alone.
func verbatimKey(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimRightFunc(s, func(r rune) bool { return isTerminator(r) || r == '.' || unicode.IsSpace(r) })
	return foldDigits(s)
}

// ownGrams returns the n-grams of the writer's words: title, organisation, period, heading, notes
// and labels (userText), and each figure's exact string, alone and after its label. A sentence that
// repeats them copies nothing from a passage, however alike the passage's words.
func ownGrams(userText []string, figures []Figure) map[gram]struct{} {
	own := map[gram]struct{}{}
	add := func(s string) {
		for g := range ngrams(s) {
			own[g] = struct{}{}
		}
	}
	for _, u := range userText {
		add(u)
	}
	for _, f := range figures {
		add(f.Text())
		add(f.Label + f.Text())
	}
	return own
}

// copied is the share of a sentence's n-grams (a) that it takes from a passage (p), not counting
// those that are the writer's own words (own): they are in the sentence because the writer gave
// them, whichever passage happens to use them too.
func copied(a, p, own map[gram]struct{}) float64 {
	if len(a) == 0 {
		return 0
	}
	n := 0
	for x := range a {
		if _, ok := p[x]; !ok {
			continue
		}
		if _, ok := own[x]; !ok {
			n++
		}
	}
	return float64(n) / float64(len(a))
}

func round2(x float64) float64 { return float64(int(x*100+0.5)) / 100 }
