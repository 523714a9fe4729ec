package guard

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// lexiconText is the claim lexicon draftd ships with; see the header of claims.txt for its format.
//
//go:embed claims.txt
var lexiconText string

// Lexicon holds the patterns of claims.txt by section. Each pattern is compiled alone, anchored,
// and indexed by the characters it can start with, so that finding a section's phrases in a text
// tries at each character only the few patterns that can start there (one big alternation of all
// of them cost 30 ms a section).
type Lexicon struct {
	sections map[string]*lexSection
	words    map[string]map[string]bool // the plain patterns of each section, for exact look-ups
}

// lexSection is one section's patterns.
type lexSection struct {
	patterns []*regexp.Regexp // each anchored at the start: ^(?:…)
	byFirst  map[rune][]int   // patterns by a character they can start with
	anyFirst []int            // patterns that can start with any character
}

// Lexicon sections the checker needs; ParseLexicon refuses a lexicon without them.
var lexiconSections = []string{"ranking", "honour", "comparison", "coverage", "record", "trend_up", "trend_down",
	"trend_flat", "trend_exceed", "trend_reach", "not_indicator", "not_claim", "indicator", "negation", "generic_name", "org_suffix", "place_suffix",
	"person_title", "surname", "instruction"}

var defaultLexicon = sync.OnceValue(func() *Lexicon {
	l, err := ParseLexicon(lexiconText)
	if err != nil {
		panic(err) // the embedded lexicon is checked by TestDefaultLexiconParses
	}
	return l
})

// DefaultLexicon returns the claim lexicon embedded in draftd.
func DefaultLexicon() *Lexicon { return defaultLexicon() }

// gap is what … stands for: up to ten characters of one clause.
const lexGap = `[^，。；：、！？,.;:!?\s]{0,10}`

// lexNumeralRunes are the characters of a numeral; lexNumeral is what # stands for.
const (
	lexNumeralRunes = "0123456789０１２３４５６７８９〇零一二两三四五六七八九十百千万亿"
	lexNumeral      = `[0-9０-９〇零一二两三四五六七八九十百千万亿]+`
)

// ParseLexicon reads a claim lexicon. It returns an error naming the line of the first pattern it
// cannot read, or the first required section that is missing.
func ParseLexicon(data string) (*Lexicon, error) {
	type patternLine struct {
		text, re string
		n        int
	}
	alts := map[string][]patternLine{}
	words := map[string]map[string]bool{}
	err := eachPattern(data, nil, func(n int, section, line string) error {
		re, err := lexRegexp(line)
		if err != nil {
			return err
		}
		alts[section] = append(alts[section], patternLine{text: line, re: re, n: n})
		if words[section] == nil {
			words[section] = map[string]bool{}
		}
		// Plain words are kept for exact look-ups, where a line expands to few.
		if pats, err := allowExpand(line); err == nil {
			for _, p := range pats {
				words[section][p] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("guard: lexicon %w", err)
	}
	l := &Lexicon{sections: map[string]*lexSection{}, words: words}
	for _, sec := range lexiconSections {
		if len(alts[sec]) == 0 {
			return nil, fmt.Errorf("guard: lexicon: section [%s] is missing or empty", sec)
		}
	}
	for name, lines := range alts {
		sec := &lexSection{byFirst: map[rune][]int{}}
		for _, line := range lines {
			re, err := regexp.Compile("^(?:" + line.re + ")")
			if err != nil {
				return nil, fmt.Errorf("guard: lexicon [%s] line %d: %w", name, line.n, err)
			}
			re.Longest()
			k := len(sec.patterns)
			sec.patterns = append(sec.patterns, re)
			firsts, ok := lexFirsts(line.text)
			if !ok {
				sec.anyFirst = append(sec.anyFirst, k)
				continue
			}
			for _, r := range firsts {
				sec.byFirst[r] = append(sec.byFirst[r], k)
			}
		}
		l.sections[name] = sec
	}
	return l, nil
}

// lexFirsts returns the characters a pattern line can start with; ok is false when it can start
// with any (a leading #, @, … or an empty alternative).
func lexFirsts(p string) ([]rune, bool) {
	r, size := utf8.DecodeRuneInString(p)
	switch r {
	case '#':
		return []rune(lexNumeralRunes), true
	case '@', '…':
		return nil, false
	case '{':
		end := strings.IndexByte(p, '}')
		if end < 0 {
			return nil, false
		}
		var out []rune
		for _, alt := range strings.Split(p[size:end], ",") {
			if alt == "" {
				return nil, false
			}
			sub, ok := lexFirsts(alt)
			if !ok {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	}
	return []rune{r}, true
}

// lexRegexp turns one pattern line into a regular expression: {a,b} becomes an alternation.
func lexRegexp(p string) (string, error) {
	var b strings.Builder
	depth, empty := 0, true
	for _, r := range p {
		switch r {
		case '{':
			if depth > 0 {
				return "", fmt.Errorf("pattern %q: nested {", p)
			}
			depth++
			b.WriteString("(?:")
		case '}':
			if depth == 0 {
				return "", fmt.Errorf("pattern %q: stray }", p)
			}
			depth--
			b.WriteString(")")
		case ',':
			if depth == 0 {
				return "", fmt.Errorf("pattern %q: stray ,", p)
			}
			b.WriteString("|")
		case '…':
			b.WriteString(lexGap)
		case '#':
			b.WriteString(lexNumeral)
			empty = false
		case '@':
			b.WriteString(`\p{Han}`)
			empty = false
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
			empty = false
		}
	}
	if depth != 0 {
		return "", fmt.Errorf("pattern %q: { without }", p)
	}
	if empty {
		return "", fmt.Errorf("pattern %q matches nothing", p)
	}
	return b.String(), nil
}

// find returns the byte spans of section's matches in s, leftmost first, each the longest there,
// without overlaps.
func (l *Lexicon) find(section, s string) [][]int {
	sec := l.sections[section]
	var out [][]int
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		best := -1
		try := func(k int) {
			if m := sec.patterns[k].FindStringIndex(s[i:]); m != nil && m[1] > best {
				best = m[1]
			}
		}
		for _, k := range sec.byFirst[r] {
			try(k)
		}
		for _, k := range sec.anyFirst {
			try(k)
		}
		if best > 0 {
			out = append(out, []int{i, i + best})
			i += best
			continue
		}
		i += size
	}
	return out
}

// has reports whether a pattern of section matches somewhere in s.
func (l *Lexicon) has(section, s string) bool { return len(l.find(section, s)) > 0 }

// is reports whether w is one of section's plain patterns.
func (l *Lexicon) is(section, w string) bool { return l.words[section][w] }

// Patterns returns the number of expanded patterns of a section.
func (l *Lexicon) Patterns(section string) int { return len(l.words[section]) }

// eachPattern calls fn with each pattern line of a word-list file (allowlist.txt, claims.txt): its
// 1-based line number, the [section] it stands under and the pattern. Empty lines and lines starting
// with "# " are comments. It fails, naming the line, for a section not in known (when known is not
// nil), a pattern before any section, a pattern with a space, or an error of fn's.
func eachPattern(data string, known []string, fn func(n int, section, line string) error) error {
	section := ""
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line == "#" || strings.HasPrefix(line, "# ") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[]")
			if known != nil && !slices.Contains(known, section) {
				return fmt.Errorf("line %d: unknown section %s", n+1, line)
			}
			continue
		}
		if section == "" {
			return fmt.Errorf("line %d: pattern %q before any section", n+1, line)
		}
		if strings.ContainsAny(line, " \t") {
			return fmt.Errorf("line %d: pattern %q has a space", n+1, line)
		}
		if err := fn(n+1, section, line); err != nil {
			return fmt.Errorf("line %d: %w", n+1, err)
		}
	}
	return nil
}
