package guard

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// lexiconText is the claim lexicon draftd ships with; see the header of claims.txt for its format.
//
//go:embed claims.txt
var lexiconText string

// Lexicon holds, per section of claims.txt, one regular expression matching any of its patterns
// (leftmost, then longest).
type Lexicon struct {
	res   map[string]*regexp.Regexp
	words map[string]map[string]bool // the plain patterns of each section, for exact look-ups
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

// lexNumeral is what # stands for.
const lexNumeral = `[0-9０-９〇零一二两三四五六七八九十百千万亿]+`

// ParseLexicon reads a claim lexicon. It returns an error naming the line of the first pattern it
// cannot read, or the first required section that is missing.
func ParseLexicon(data string) (*Lexicon, error) {
	alts := map[string][]string{}
	words := map[string]map[string]bool{}
	section := ""
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line == "#" || strings.HasPrefix(line, "# ") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[]")
			continue
		}
		if section == "" {
			return nil, fmt.Errorf("guard: lexicon line %d: pattern %q before any section", n+1, line)
		}
		if strings.ContainsAny(line, " \t") {
			return nil, fmt.Errorf("guard: lexicon line %d: pattern %q has a space", n+1, line)
		}
		re, err := lexRegexp(line)
		if err != nil {
			return nil, fmt.Errorf("guard: lexicon line %d: %w", n+1, err)
		}
		alts[section] = append(alts[section], re)
		if words[section] == nil {
			words[section] = map[string]bool{}
		}
		// Plain words are kept for exact look-ups, where a line expands to few.
		if pats, err := allowExpand(line); err == nil {
			for _, p := range pats {
				words[section][p] = true
			}
		}
	}
	l := &Lexicon{res: map[string]*regexp.Regexp{}, words: words}
	for _, s := range lexiconSections {
		if len(alts[s]) == 0 {
			return nil, fmt.Errorf("guard: lexicon: section [%s] is missing or empty", s)
		}
	}
	for s, a := range alts {
		// Longer alternatives first, so that even before Longest the obvious match wins.
		sort.SliceStable(a, func(i, j int) bool { return len(a[i]) > len(a[j]) })
		re, err := regexp.Compile("(?:" + strings.Join(a, "|") + ")")
		if err != nil {
			return nil, fmt.Errorf("guard: lexicon [%s]: %w", s, err)
		}
		re.Longest()
		l.res[s] = re
	}
	return l, nil
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

// find returns the byte spans of section's matches in s, leftmost first, without overlaps.
func (l *Lexicon) find(section, s string) [][]int {
	return l.res[section].FindAllStringIndex(s, -1)
}

// has reports whether a pattern of section matches somewhere in s.
func (l *Lexicon) has(section, s string) bool { return l.res[section].MatchString(s) }

// is reports whether w is one of section's plain patterns.
func (l *Lexicon) is(section, w string) bool { return l.words[section][w] }

// Patterns returns the number of expanded patterns of a section.
func (l *Lexicon) Patterns(section string) int { return len(l.words[section]) }
