package retrieval

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Tokenize splits text into keyword tokens: overlapping bigrams of Han
// characters (a lone Han character stands alone), and lowercased runs of
// letters or digits for everything else. Full-width forms are folded first,
// so "２０２５" and "2025" match. Both stores index exactly these tokens.
func Tokenize(text string) []string {
	text = width.Fold.String(text)
	var toks []string
	var han []rune
	var word []rune
	flushHan := func() {
		switch len(han) {
		case 0:
		case 1:
			toks = append(toks, string(han))
		default:
			for i := 0; i+1 < len(han); i++ {
				toks = append(toks, string(han[i:i+2]))
			}
		}
		han = han[:0]
	}
	flushWord := func() {
		if len(word) > 0 {
			toks = append(toks, strings.ToLower(string(word)))
			word = word[:0]
		}
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushHan()
			word = append(word, r)
		default:
			flushHan()
			flushWord()
		}
	}
	flushHan()
	flushWord()
	return toks
}

// PassageTokens returns the tokens a store indexes for p: its heading path and its text.
func PassageTokens(p Passage) []string {
	return Tokenize(strings.Join(p.HeadingPath, " ") + "\n" + p.Text)
}

// QueryTokens returns the distinct tokens of a query, in order of first appearance.
func QueryTokens(query string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range Tokenize(query) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
