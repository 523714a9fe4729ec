package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Section is a node of a document's heading tree.
type Section struct {
	Heading  string     `json:"heading,omitempty"` // "" for the root; "(一)" is written "（一）"
	Level    int        `json:"level"`             // depth in the tree: 0 for the root
	Body     string     `json:"body,omitempty"`    // text under the heading before its first subsection; a substring of the input
	Sections []*Section `json:"sections,omitempty"`
	raw      string     // the heading as written in the input
	kind     MarkerKind // numbering kind of the heading; -1 for the root
	num      int        // value of the heading's number
}

// findHeadings returns the headings of text in order, with offsets into text. The tree is
// recovered from the sequence of numbers, not from line starts alone, so a page that lost
// its line breaks keeps its headings. A heading starts a line (any numbering), or, inside
// a line, it continues the numbering of its kind (二、 after 一、, （三） after （二）):
// after a sentence or clause end (。！？；：), after a space, right after a heading's short
// title ("二、存在的问题（一）…"), or, for 二、 and （二） and later, glued to the previous
// sentence with no punctuation at all. 1. and （1） do so only under a heading, so a list of
// figures in a paragraph stays put; ① only at a line start; enumerations (一是…二是…) never.
func findHeadings(text string) []Heading {
	var hs []Heading
	last := [numHeadingKinds]int{}
	minPos := 0 // text before minPos is an accepted heading's numbering or title
	continues := func(h Heading) bool {
		if h.Kind == MarkerCircled || h.Kind == MarkerOrdinal || h.Num != last[h.Kind]+1 {
			return false
		}
		return h.Kind < MarkerNum || nestsUnder(hs, h)
	}
	lineStart, afterStop, afterSpace := true, false, false
	stopAt := 0         // where the last sentence or clause end is
	afterColon := false // that end was a colon
	var stopRune rune   // and this was it
	var prev rune
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		if r == ' ' && lineStart {
			i += w
			continue
		}
		if i >= minPos && r != '\n' && r != ' ' {
			h, ok := parseMarker(text[i:], false)
			if ok && h.Kind != MarkerOrdinal {
				h.title(text[i:])
			}
			glued := unicode.Is(unicode.Han, prev) || strings.ContainsRune(closers, prev)
			if ok && afterStop && markerMayFollow(prev) && h.Title != "" && h.Num == 1 && last[h.Kind] > 0 &&
				(strings.HasSuffix(text[:stopAt], "如下") || afterColon && h.body > h.End && len(hs) > 0 && h.Kind <= outermost(hs)) {
				// "…汇报如下：一、" starts the numbering again (a second report in the same
				// text), and so does "重点做好9个方面工作：（一）" at the outermost level in use.
				last[h.Kind] = 0
			}
			listItem := ok && afterStop && strings.ContainsRune("：:；;", stopRune) &&
				(strings.HasPrefix(text[i+h.stop:], "；") || strings.HasPrefix(text[i+h.stop:], ";"))
			switch {
			case !ok || h.Kind == MarkerOrdinal || h.Title == "":
			case lineStart:
			case listItem:
				// "：（一）…；（二）…；" lists items in a paragraph: after a colon or ；, an item
				// ends with ；, a title does not.
				ok = false
			case afterColon && (h.Kind >= MarkerParenCN && h.body == h.End || h.Kind >= MarkerNum && strings.ContainsAny(h.Title, "，,")):
				// "如下：（一）工业支出为…，占…，比…" and "原则是：（1）坚持…，建立…" list items
				// too: after a colon a title must end within maxHeadingRunes, and a 1. or （1）
				// title hold no comma (一、 and 第一部分 after "报告如下：" are the document's own).
				ok = false
			case (afterStop || afterSpace || i == minPos && len(hs) > 0) && markerMayFollow(prev) && continues(h):
			case glued && markerMayFollow(prev) && gluable(h, text[i:]) && continues(h):
			default:
				ok = false
			}
			if ok && h.Title != "" && h.Kind != MarkerOrdinal {
				h.shift(i)
				hs = append(hs, h)
				last[h.Kind] = h.Num
				for k := int(h.Kind) + 1; k < numHeadingKinds; k++ {
					last[k] = 0
				}
				minPos = h.stop
				prev, lineStart, afterStop, afterSpace, afterColon = 0, false, false, false, false
				i = h.stop
				continue
			}
		}
		switch {
		case r == '\n':
			lineStart, afterStop, afterSpace, afterColon = true, false, false, false
		case strings.ContainsRune(titleStops, r):
			lineStart, afterStop, afterSpace = false, true, false
			stopAt, stopRune, afterColon = i, r, r == '：' || r == ':'
		case r == ' ':
			afterSpace = true
		case strings.ContainsRune(closers, r) && afterStop:
		default:
			lineStart, afterStop, afterSpace, afterColon = false, false, false, false
		}
		prev = r
		i += w
	}
	return hs
}

// outermost returns the outermost kind of hs.
func outermost(hs []Heading) MarkerKind {
	k := hs[0].Kind
	for _, h := range hs[1:] {
		k = min(k, h.Kind)
	}
	return k
}

// gluable reports whether h, read at the start of s, may start a heading glued to the
// sentence before it with no punctuation between: 二、 （二） 二） and later, whose number
// continues the numbering (checked by the caller), and 第一部分 or any later chapter.
func gluable(h Heading, s string) bool {
	switch h.Kind {
	case MarkerChapter:
		return h.Num > 1 || strings.HasSuffix(h.Marker, "部分")
	case MarkerCN:
		return h.Num > 1 && strings.HasSuffix(h.Marker, "、")
	case MarkerParenCN:
		// not "（二加强", which lost its closing bracket: glued to a sentence it is a phrase
		return h.Num > 1 && !(h.Repaired && (strings.HasPrefix(s, "(") || strings.HasPrefix(s, "（")))
	}
	return false
}

// nestsUnder reports whether a heading h of kind 1. or （1） found inside a line may start
// a section: the numbering goes on from an earlier item, or, for a first item, it follows a
// heading of an outer kind.
func nestsUnder(hs []Heading, h Heading) bool {
	return len(hs) > 0 && (h.Num > 1 || hs[len(hs)-1].Kind < h.Kind)
}

// Structure parses text into a tree of sections under headings numbered 第一部分, 一、,
// （一）, 1. or 1、, （1）, ①, nesting them by numbering style in that order (a level
// may be skipped), as ParseHeading reads them (ASCII brackets, a lost bracket). Headings
// are found from the sequence of numbers (see findHeadings), so a text that lost its line
// breaks keeps its tree. Enumerations inside a paragraph (一是…二是…, "：（一）…；（二）…；")
// stay in the body; 1-6月, 2.5万 and 三、四级 are not headings. A heading runs to its first 。
// or ：; a longer one is cut at a comma and its sentence kept in the body too.
func Structure(text string) *Section {
	root := &Section{kind: -1}
	hs := findHeadings(text)
	type open struct {
		s    *Section
		kind MarkerKind
	}
	stack := []open{{root, -1}}
	bodyEnd := func(i int) int {
		if i+1 < len(hs) {
			return hs[i+1].Start
		}
		return len(text)
	}
	if len(hs) == 0 {
		root.Body = strings.TrimSpace(text)
		return root
	}
	root.Body = strings.TrimSpace(text[:hs[0].Start])
	for i, h := range hs {
		for len(stack) > 1 && stack[len(stack)-1].kind >= h.Kind {
			stack = stack[:len(stack)-1]
		}
		parent := stack[len(stack)-1].s
		s := &Section{Heading: h.String(), Level: len(stack), raw: strings.TrimSpace(text[h.Start:max(h.Start, min(max(h.body, h.stop), bodyEnd(i)))]), kind: h.Kind, num: h.Num}
		if end := bodyEnd(i); h.body < end {
			s.Body = strings.TrimSpace(text[h.body:end])
		}
		parent.Sections = append(parent.Sections, s)
		stack = append(stack, open{s, h.Kind})
	}
	return root
}
