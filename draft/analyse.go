package draft

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

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
	claims   []guard.Claim // of text, when the caller has them already; nil: analyse finds them
	guard    *guard.Guard
	bound    []guard.BoundFigure // what report was checked against, with labels and directions
	userText []string
	figures  []Figure // the section's figures: their labels and exact strings are the writer's words
	passages []retrieval.Result
	gram     []map[gram]struct{} // 5-gram sets of passages, parallel to passages
	own      map[gram]struct{}   // 5-grams of the writer's own words, which copy nothing
}

// analyse splits the section text into sentences and gives each its figures, unbound numbers,
// sources, risk and reasons.
func analyse(a analysis) []Sentence {
	sents, offs := guard.SplitSentences(a.text)
	claims := a.claims
	if claims == nil {
		g := a.guard
		if g == nil {
			g = guard.New(nil)
		}
		claims = g.Claims(a.text, a.report, a.bound, a.userText)
	}
	a.gram = make([]map[gram]struct{}, len(a.passages))
	for i, p := range a.passages {
		a.gram[i] = ngrams(p.Text)
	}
	a.own = ownGrams(a.userText, a.figures)
	userSentences := map[string]bool{}
	for _, u := range a.userText {
		us, _ := guard.SplitSentences(u)
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
		for _, f := range a.report.Unbound {
			if in(f.Span) {
				st.UnboundNumbers = append(st.UnboundNumbers, f.Text)
			}
		}
		var reasonsHigh, reasonsMedium []string
		for _, tok := range tokenRE.FindAllString(s, -1) {
			reasonsHigh = append(reasonsHigh, fmt.Sprintf("占位符“%s”不是撰稿人提供的数据编号，模型写错了，请改写或删除。", tok))
		}
		st.Claims = []Claim{}
		if st.Generated {
			for _, c := range claims {
				if !in(c.Span) {
					continue
				}
				st.Claims = append(st.Claims, sentenceClaim(s, start, c))
				switch {
				case c.Supported:
				case c.Kind.High():
					reasonsHigh = append(reasonsHigh, c.Reason)
				default:
					reasonsMedium = append(reasonsMedium, c.Reason)
				}
			}
		}
		sg := ngrams(s)
		for j, p := range a.passages {
			ov := copied(sg, a.gram[j], a.own)
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
		case len(reasonsMedium) > 0:
			st.Risk = RiskMedium
			st.Reasons = reasonsMedium
		case len(st.Figures) > 0:
			st.Risk = RiskLow
			st.Reasons = append(st.Reasons, "只陈述撰稿人提供的数据。")
		default:
			st.Risk = RiskLow
			st.Reasons = append(st.Reasons, reasonNoClaims)
		}
		out = append(out, st)
	}
	return out
}

// reasonNoClaims is the reason of a low-risk sentence that states no figure.
const reasonNoClaims = "没有需要核实的具体说法（数字、变化、排名、荣誉、比较、覆盖面、名称等）。"

// sentenceClaim turns a claim with byte offsets in the section text into one with character offsets
// in its sentence, which starts at byte start.
func sentenceClaim(sentence string, start int, c guard.Claim) Claim {
	a, b := c.Start-start, c.End-start
	return Claim{Start: utf8.RuneCountInString(sentence[:a]), End: utf8.RuneCountInString(sentence[:b]), Text: c.Text,
		Kind: string(c.Kind), Supported: c.Supported, Figure: c.Figure, Reason: c.Reason}
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
	s = strings.TrimRightFunc(s, func(r rune) bool { return guard.IsTerminator(r) || r == '.' || unicode.IsSpace(r) })
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
