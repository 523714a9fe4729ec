package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Tokenize splits text into keyword tokens: overlapping bigrams of Han
// characters (a lone Han character stands alone), and lowercased runs of
// letters or digits for everything else. Full-width forms are folded first,
// so "２０２５" and "2025" match. Both stores index exactly these tokens.
func Tokenize(text string) []string {
	text = width.Fold.String(text)
	var toks []string
	// Tokens are sliced out of the folded text: no string is built per token.
	hanStart, hanPrev, hanLen := 0, 0, 0 // byte offsets of the Han run's first and last rune, its length
	wordStart := -1
	endHan := func(at int) {
		if hanLen == 1 { // longer runs emitted their bigrams as they grew
			toks = append(toks, text[hanStart:at])
		}
		hanLen = 0
	}
	endWord := func(at int) {
		if wordStart >= 0 {
			toks = append(toks, lower(text[wordStart:at]))
			wordStart = -1
		}
	}
	for i, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			endWord(i)
			if hanLen > 0 {
				toks = append(toks, text[hanPrev:i+utf8.RuneLen(r)])
			} else {
				hanStart = i
			}
			hanPrev = i
			hanLen++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			endHan(i)
			if wordStart < 0 {
				wordStart = i
			}
		default:
			endHan(i)
			endWord(i)
		}
	}
	endHan(len(text))
	endWord(len(text))
	return toks
}

// lower lowercases s, without allocating when it has no upper-case letter.
func lower(s string) string {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return strings.ToLower(s)
		}
	}
	return s
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
