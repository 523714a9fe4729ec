package offline

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

// A passage sentence lends the writer only its predicate: the subject is replaced by the figure's
// label and everything else (the organisation, the time, other numbers, what follows the number)
// is dropped. leads and verbs are the words kept before the label and between the label and the
// number; both are neutral, so a borrowed sentence cannot claim a rise, a rank or a period the
// writer did not give.
var (
	leads = []string{"完成", "累计完成", "累计", "共", "共有", "共计", "实现"}
	verbs = []string{"", "达到", "达", "为", "是", "共", "共计", "合计", "总计", "累计", "累计达", "累计达到",
		"累计完成", "完成", "实现", "保持在", "稳定在"}
)

// minCoverage is the share of the label's character bigrams a sentence must hold before its number.
const minCoverage = 0.6

// clause is a piece of a retrieved passage between two breaks (。；，：！？ and newlines).
type clause struct {
	text        string // placeholders replaced by a digit, ％ by %
	placeholder bool   // from a style template
}

// placeholderRE matches a figure placeholder of a style template: xx, XXX, x.xx, ××.
var placeholderRE = regexp.MustCompile(`[xXｘＸ×✕]+(?:[.．][xXｘＸ]+)?`)

// clauses splits passages into clauses, best passage first. In a passage with placeholders every
// placeholder becomes the digit 8, so that the number extractor reads "xx万剂次" as it reads
// "12万剂次" and the same fitting applies to both.
func clauses(ps []retrieval.Result) []clause {
	var out []clause
	for _, p := range ps {
		text := strings.ReplaceAll(p.Text, "％", "%")
		if p.Placeholders {
			text = fillPlaceholders(text)
		}
		for _, c := range strings.FieldsFunc(text, isBreak) {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, clause{text: c, placeholder: p.Placeholders})
			}
		}
	}
	return out
}

func isBreak(r rune) bool { return strings.ContainsRune("。；;，,：:！!？?\n\r", r) }

// fillPlaceholders replaces placeholders with 8, except x inside a Latin word (Excel).
func fillPlaceholders(text string) string {
	var b strings.Builder
	last := 0
	for _, m := range placeholderRE.FindAllStringIndex(text, -1) {
		before, _ := utf8.DecodeLastRuneInString(text[:m[0]])
		after, _ := utf8.DecodeRuneInString(text[m[1]:])
		if isLatin(before) || isLatin(after) {
			continue
		}
		b.WriteString(text[last:m[0]])
		b.WriteString("8")
		last = m[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

func isLatin(r rune) bool { return r < utf8.RuneSelf && 'a' <= r|0x20 && r|0x20 <= 'z' }

// fit returns the statement of fig modelled on the best-fitting clause not yet used, and marks it
// used. ok is false when no clause fits.
func fit(fig draft.Figure, cs []clause, used []bool) (string, bool) {
	best, bestScore, bestText := -1, 0.0, ""
	for i, c := range cs {
		if used[i] {
			continue
		}
		for _, s := range guard.ExtractNumbers(c.text) {
			text, cov, ok := shape(fig, c.text, s)
			if !ok {
				continue
			}
			if c.placeholder {
				cov += 0.01 // a style template is written to be filled in
			}
			if cov > bestScore {
				best, bestScore, bestText = i, cov, text
			}
		}
	}
	if best < 0 {
		return "", false
	}
	used[best] = true
	return bestText, true
}

// shape turns the clause text around its number s into a statement of fig: lead + label + verb +
// token. It returns the label's bigram coverage, and false when s is not a number in fig's unit,
// the clause is not about fig's label, or its words are not neutral.
func shape(fig draft.Figure, text string, s guard.NumberSpan) (string, float64, bool) {
	if s.Kind != guard.KindArabic && s.Kind != guard.KindPercent {
		return "", 0, false
	}
	digits := len(s.Text) - len(strings.TrimLeft(s.Text, "0123456789.,-０１２３４５６７８９．－−"))
	unit := strings.ReplaceAll(fig.Unit, "％", "%")
	at := s.Start + digits
	end := at + len(unit)
	if digits == 0 || !strings.HasPrefix(text[at:], unit) || s.End > end {
		return "", 0, false // another unit: 人次 is no 人, 万亩 no 万
	}
	if next, _ := utf8.DecodeRuneInString(text[end:]); end < len(text) && strings.ContainsRune("次元人户剂吨亩米克", next) {
		return "", 0, false // 剂次 is no 剂
	}
	prefix := text[:s.Start]
	cov, start, stop := coverage(fig.Label, prefix)
	if cov < minCoverage {
		return "", 0, false
	}
	verb := prefix[stop:]
	if !slices.Contains(verbs, verb) {
		return "", 0, false
	}
	lead := leadOf(prefix[:start])
	if draft.VerbLabel(fig.Label) {
		// The label is the predicate already: 新建村卫生室 takes its number directly.
		verb, lead = "", ""
	}
	return lead + fig.Label + verb + draft.Token(fig.ID), cov, true
}

// coverage returns the share of label's character bigrams found in text and the span of text
// from the first to the end of the last one found. A one-character label is its own bigram.
func coverage(label, text string) (float64, int, int) {
	rs := []rune(label)
	var grams []string
	for i := 0; i+1 < len(rs); i++ {
		grams = append(grams, string(rs[i:i+2]))
	}
	if len(rs) == 1 {
		grams = []string{label}
	}
	found, start, stop := 0, len(text), 0
	for _, g := range grams {
		if i := strings.Index(text, g); i >= 0 {
			found++
			start, stop = min(start, i), max(stop, i+len(g))
		}
	}
	if found == 0 {
		return 0, 0, 0
	}
	return float64(found) / float64(len(grams)), start, stop
}

// leadOf keeps the longest neutral word that ends the text before the label (全年完成 → 完成) and
// drops the rest: the passage's organisation and time are not the writer's.
func leadOf(text string) string {
	best := ""
	for _, l := range leads {
		if strings.HasSuffix(text, l) && len(l) > len(best) {
			best = l
		}
	}
	return best
}
