package offline

import (
	_ "embed"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
)

// phrasesText is the phrase bank; see the header of phrases.txt for its format.
//
//go:embed phrases.txt
var phrasesText string

// phraseSections are the sections phrases.txt must have, each with at least one phrase.
var phraseSections = []string{"opening", "opening-action", "opening-overview", "opening-plans", "opening-problems", "closing", "closing-plans",
	"closing-problems", "percent", "money", "people", "count", "derived"}

// phrases holds the bank by section, in file order.
type phrases map[string][]string

var bank = sync.OnceValue(func() phrases {
	p, err := parsePhrases(phrasesText)
	if err != nil {
		panic(err) // the embedded bank is checked by TestPhraseBank
	}
	return p
})

// parsePhrases reads a phrase bank and checks that every section is there and every figure
// phrase has its {label} and {token} exactly once.
func parsePhrases(data string) (phrases, error) {
	p := phrases{}
	section := ""
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line == "#" || strings.HasPrefix(line, "# "):
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			continue
		case section == "":
			return nil, fmt.Errorf("offline: phrases line %d: phrase before any section", n+1)
		}
		p[section] = append(p[section], line)
	}
	for _, s := range phraseSections {
		if len(p[s]) == 0 {
			return nil, fmt.Errorf("offline: phrases: section [%s] is missing or empty", s)
		}
		if strings.HasPrefix(s, "opening") || strings.HasPrefix(s, "closing") {
			continue
		}
		for _, ph := range p[s] {
			if strings.Count(ph, "{label}") != 1 || strings.Count(ph, "{token}") != 1 {
				return nil, fmt.Errorf("offline: phrases: [%s] %q must hold {label} and {token} once each", s, ph)
			}
		}
	}
	return p, nil
}

// pick returns a phrase of section chosen by key: the same key always gets the same phrase, and
// different figures get different ones, so a section does not say 达到 ten times over.
func (p phrases) pick(section, key string, vars ...string) string {
	list := p[section]
	h := fnv.New32a()
	h.Write([]byte(key))
	return strings.NewReplacer(vars...).Replace(list[int(h.Sum32()%uint32(len(list)))])
}

// unitSection is the phrase section for a figure's unit.
func unitSection(unit string) string {
	switch {
	case unit == "%" || unit == "％" || unit == "‰" || strings.HasSuffix(unit, "百分点") || strings.HasSuffix(unit, "千分点"):
		return "percent"
	case strings.HasSuffix(unit, "元"):
		return "money"
	case strings.Contains(unit, "人") || unit == "名" || unit == "户" || unit == "位":
		return "people"
	}
	return "count"
}
