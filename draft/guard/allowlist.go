package guard

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// allowlistText is the phrase list the guard ships with; see the header of allowlist.txt for its format.
//
//go:embed allowlist.txt
var allowlistText string

// MaxAllowPatterns bounds the patterns one allowlist line may expand to, so that a typo in braces
// cannot blow up memory.
const MaxAllowPatterns = 1000

// Allowlist holds phrases whose numerals are not figures (十九大, 一站式, 三甲医院, 5G) and phrases that
// claim a rank (全市第一, 率先, 唯一). Patterns may hold {a,b} alternatives and # for a run of digits.
type Allowlist struct {
	entries  []allowEntry
	byFirst  map[rune][]int // entries whose pattern starts with a literal rune
	numFirst []int          // entries whose pattern starts with #
	maxBack  int            // how far before a span a covering phrase can start, in bytes
}

// allowMaxDigits is the longest numeral # matches, in characters: names hold short numerals, and the
// bound keeps matching linear on a long run of digits.
const allowMaxDigits = 16

// allowEntry is one expanded pattern.
type allowEntry struct {
	pattern string
	parts   []string // literal pieces; "" stands for # (a run of digits)
	class   Class
}

var defaultAllowlist = sync.OnceValue(func() *Allowlist {
	a, err := ParseAllowlist(allowlistText)
	if err != nil {
		panic(err) // the embedded list is checked by TestDefaultAllowlistParses
	}
	return a
})

// DefaultAllowlist returns the allowlist embedded in draftd.
func DefaultAllowlist() *Allowlist { return defaultAllowlist() }

// ParseAllowlist reads an allowlist: one pattern a line, under a [name] or [ranking] section header.
// Lines that are empty or start with "# " are comments. It returns an error naming the line of the
// first pattern it cannot read.
func ParseAllowlist(data string) (*Allowlist, error) {
	a := &Allowlist{byFirst: map[rune][]int{}}
	err := eachPattern(data, []string{"name", "ranking"}, func(_ int, section, line string) error {
		class := ClassFixedName
		if section == "ranking" {
			class = ClassRanking
		}
		pats, err := allowExpand(line)
		if err != nil {
			return err
		}
		for _, p := range pats {
			e, err := allowCompile(p, class)
			if err != nil {
				return err
			}
			a.add(e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("guard: allowlist %w", err)
	}
	return a, nil
}

func (a *Allowlist) add(e allowEntry) {
	i := len(a.entries)
	a.entries = append(a.entries, e)
	if e.parts[0] == "" {
		a.numFirst = append(a.numFirst, i)
	} else {
		r, _ := utf8.DecodeRuneInString(e.parts[0])
		a.byFirst[r] = append(a.byFirst[r], i)
	}
	// A # may swallow a numeral before the span.
	back := 0
	for _, p := range e.parts {
		if p == "" {
			back += allowMaxDigits * utf8.UTFMax
		}
		back += len(p)
	}
	if back > a.maxBack {
		a.maxBack = back
	}
}

// Len returns how many patterns the allowlist holds after expansion.
func (a *Allowlist) Len() int { return len(a.entries) }

// Patterns returns the expanded patterns of a class, in file order.
func (a *Allowlist) Patterns(c Class) []string {
	var out []string
	for _, e := range a.entries {
		if e.class == c {
			out = append(out, e.pattern)
		}
	}
	return out
}

// allowExpand expands every {a,b,…} group of a pattern (groups do not nest; an alternative may be empty).
func allowExpand(p string) ([]string, error) {
	open := strings.IndexByte(p, '{')
	if open < 0 {
		if strings.IndexByte(p, '}') >= 0 || strings.IndexByte(p, ',') >= 0 {
			return nil, fmt.Errorf("pattern %q: stray } or ,", p)
		}
		return []string{p}, nil
	}
	closing := strings.IndexByte(p[open:], '}')
	if closing < 0 {
		return nil, fmt.Errorf("pattern %q: { without }", p)
	}
	closing += open
	group := p[open+1 : closing]
	if strings.IndexByte(group, '{') >= 0 {
		return nil, fmt.Errorf("pattern %q: nested {", p)
	}
	if strings.IndexByte(p[:open], '}') >= 0 || strings.IndexByte(p[:open], ',') >= 0 {
		return nil, fmt.Errorf("pattern %q: stray } or ,", p)
	}
	rest, err := allowExpand(p[closing+1:])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, alt := range strings.Split(group, ",") {
		for _, r := range rest {
			out = append(out, p[:open]+alt+r)
			if len(out) > MaxAllowPatterns {
				return nil, fmt.Errorf("pattern %q expands to more than %d patterns", p, MaxAllowPatterns)
			}
		}
	}
	return out, nil
}

// allowCompile splits an expanded pattern at its # wildcards.
func allowCompile(p string, c Class) (allowEntry, error) {
	if p == "" {
		return allowEntry{}, fmt.Errorf("empty pattern")
	}
	e := allowEntry{pattern: p, class: c}
	lit := false
	for i, piece := range strings.Split(p, "#") {
		if i > 0 {
			if len(e.parts) > 0 && e.parts[len(e.parts)-1] == "" {
				return allowEntry{}, fmt.Errorf("pattern %q: ## matches nothing more than #", p)
			}
			e.parts = append(e.parts, "")
		}
		if piece != "" {
			e.parts = append(e.parts, piece)
			lit = true
		}
	}
	if !lit {
		return allowEntry{}, fmt.Errorf("pattern %q has no literal text", p)
	}
	return e, nil
}

// match returns where e's pattern, placed at i, ends in text.
func (e *allowEntry) match(text string, i int) (int, bool) {
	return allowMatchParts(text, i, e.parts)
}

func allowMatchParts(text string, i int, parts []string) (int, bool) {
	if len(parts) == 0 {
		return i, true
	}
	if parts[0] != "" {
		if !strings.HasPrefix(text[i:], parts[0]) {
			return 0, false
		}
		return allowMatchParts(text, i+len(parts[0]), parts[1:])
	}
	// # takes the longest run of digits (at most allowMaxDigits) that lets the rest match.
	end, n := i, 0
	for end < len(text) && n < allowMaxDigits {
		r, size := utf8.DecodeRuneInString(text[end:])
		if numDigit(r) < 0 && numCNValue(r) < 0 {
			break
		}
		end += size
		n++
	}
	for end > i {
		if e, ok := allowMatchParts(text, end, parts[1:]); ok {
			return e, true
		}
		_, size := utf8.DecodeLastRuneInString(text[i:end])
		end -= size
	}
	return 0, false
}

// candidates calls f with each entry that may start at i.
func (a *Allowlist) candidates(text string, i int, f func(e *allowEntry)) {
	r, _ := utf8.DecodeRuneInString(text[i:])
	for _, k := range a.byFirst[r] {
		f(&a.entries[k])
	}
	if numDigit(r) >= 0 || numCNValue(r) >= 0 {
		for _, k := range a.numFirst {
			f(&a.entries[k])
		}
	}
}

// Cover returns the longest phrase of the allowlist that contains text[start:end] whole, and its class.
// ok is false when no phrase does.
func (a *Allowlist) Cover(text string, start, end int) (phrase Span, class Class, ok bool) {
	lo := max(start-a.maxBack, 0)
	for i := start; i >= lo; i-- {
		if !utf8.RuneStart(text[i]) {
			continue
		}
		a.candidates(text, i, func(e *allowEntry) {
			if j, m := e.match(text, i); m && j >= end && j-i > phrase.End-phrase.Start {
				phrase, class, ok = Span{Start: i, End: j, Text: text[i:j]}, e.class, true
			}
		})
	}
	return phrase, class, ok
}

// Find returns the occurrences of the allowlist's phrases in text, leftmost first and each the
// longest there, without overlaps.
func (a *Allowlist) Find(text string) []Phrase {
	var out []Phrase
	for i := 0; i < len(text); {
		best, cls := -1, Class("")
		a.candidates(text, i, func(e *allowEntry) {
			if j, m := e.match(text, i); m && j > best {
				best, cls = j, e.class
			}
		})
		if best > i {
			out = append(out, Phrase{Span: Span{Start: i, End: best, Text: text[i:best]}, Class: cls})
			i = best
			continue
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return out
}

// Phrase is an occurrence of an allowlist phrase.
type Phrase struct {
	Span
	Class Class `json:"class"`
}
