package retrieval

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Section is a node of a document's heading tree.
type Section struct {
	Heading  string     `json:"heading,omitempty"` // "" for the root; "(一)" is written "（一）"
	Level    int        `json:"level"`             // depth in the tree: 0 for the root
	Body     string     `json:"body,omitempty"`    // text under the heading before its first subsection; a substring of the input
	Sections []*Section `json:"sections,omitempty"`
	raw      string     // the heading as written in the input
	kind     int        // numbering kind of the heading (kindChapter…); -1 for the root
	num      int        // value of the heading's number
}

// Heading numbering kinds, outermost first.
const (
	kindChapter  = iota // 第一部分, 第一章
	kindCN              // 一、
	kindParenCN         // （一）
	kindNum             // 1. or 1、
	kindParenNum        // （1）
	kindCircled         // ①
	numHeadingKinds
)

// maxHeadingRunes bounds a heading's text; longer first sentences are cut at a comma.
const maxHeadingRunes = 40

var (
	chapterRe    = regexp.MustCompile(`^第([一二三四五六七八九十百]+|[0-9]+)(部分|章|节|篇)`)
	cnRe         = regexp.MustCompile(`^([一二三四五六七八九十]{1,3})[、.．]`)
	parenCNRe    = regexp.MustCompile(`^[（(]([一二三四五六七八九十]{1,3})[）)]`)
	numRe        = regexp.MustCompile(`^([0-9０-９]{1,2})(?:、|[.．])`)
	parenNumRe   = regexp.MustCompile(`^[（(]([0-9０-９]{1,2})[）)]`)
	circledRe    = regexp.MustCompile(`^([①-⑳])`)
	markerRes    = [numHeadingKinds]*regexp.Regexp{chapterRe, cnRe, parenCNRe, numRe, parenNumRe, circledRe}
	enumStartRes = []string{"一是", "首先", "第一，", "第一,"}
	// innerMarkerRe is a bracketed number that starts a subheading right after a heading's text.
	innerMarkerRe = regexp.MustCompile(`^[（(]([一二三四五六七八九十]{1,3}|[0-9]{1,2})[）)]`)
)

// heading is a heading found in a text, with byte offsets into it.
type heading struct {
	start, bodyStart int
	kind, num        int
	text             string
}

// cnValue returns the value of a Chinese numeral up to 999 (一 to 九百九十九), or 0.
func cnValue(s string) int {
	digits := map[rune]int{'零': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	total, cur := 0, 0
	for _, r := range s {
		switch r {
		case '十':
			if cur == 0 {
				cur = 1
			}
			total += cur * 10
			cur = 0
		case '百':
			if cur == 0 {
				cur = 1
			}
			total += cur * 100
			cur = 0
		default:
			d, ok := digits[r]
			if !ok {
				return 0
			}
			cur = d
		}
	}
	return total + cur
}

func markerValue(kind int, s string) int {
	switch kind {
	case kindCircled:
		r, _ := utf8.DecodeRuneInString(s)
		return int(r-'①') + 1
	case kindNum, kindParenNum:
		n := 0
		for _, r := range s {
			if r >= '０' && r <= '９' {
				r = r - '０' + '0'
			}
			n = n*10 + int(r-'0')
		}
		return n
	case kindChapter:
		if s[0] >= '0' && s[0] <= '9' {
			return markerValue(kindNum, s)
		}
	}
	return cnValue(s)
}

// matchHeading tries to read a heading at the start of s (a suffix of a line).
// It returns the heading with offsets relative to s.
func matchHeading(s string, kinds ...int) (heading, bool) {
	for _, k := range kinds {
		m := markerRes[k].FindStringSubmatchIndex(s)
		if m == nil {
			continue
		}
		rest := s[m[1]:]
		next, _ := utf8.DecodeRuneInString(rest)
		switch k {
		case kindCN:
			if strings.ContainsRune("一二三四五六七八九十是", next) {
				return heading{}, false // 三、四级医院; 一、是 is not a heading either
			}
		case kindNum:
			if isDigitRune(next) || strings.ContainsRune("%％‰", next) {
				return heading{}, false // 1.5万, 1、2月
			}
		}
		textEnd, body, ok := headingEnd(rest)
		if !ok {
			return heading{}, false
		}
		sep := ""
		if k == kindChapter && strings.HasPrefix(rest, " ") {
			sep = " " // 第一部分 总体情况
		}
		return heading{
			bodyStart: m[1] + body,
			kind:      k,
			num:       markerValue(k, s[m[2]:m[3]]),
			text:      normaliseMarker(s[:m[1]]) + sep + strings.TrimSpace(rest[:textEnd]),
		}, true
	}
	return heading{}, false
}

// headingEnd finds where a heading's text ends in rest (the text after its marker) and where
// its body starts. A heading ends at the first sentence or clause end (。：；), before an
// enumeration (一是…) or at the end of the line; if that makes it longer than maxHeadingRunes,
// it is cut at a comma (or at maxHeadingRunes) and the body starts right after the marker,
// so the whole first sentence stays in the body.
func headingEnd(rest string) (textEnd, bodyStart int, ok bool) {
	n := 0
	end := len(rest)
	stop := -1 // byte length of the stopping punctuation, -1 if stopped without one
	var prev rune
	for i, r := range rest {
		if r == '\n' {
			end = i
			break
		}
		if strings.ContainsRune("。！？!?；;：:", r) {
			end, stop = i, utf8.RuneLen(r)
			break
		}
		if n > 0 && (startsEnum(rest[i:]) || innerMarkerRe.MatchString(rest[i:]) || startsFirstNum(rest[i:], prev)) {
			end = i
			break
		}
		n++
		prev = r
	}
	if n == 0 {
		return 0, 0, false
	}
	if n <= maxHeadingRunes {
		if stop > 0 {
			return end, end + stop, true
		}
		return end, end, true
	}
	cut, count := end, 0
	for i, r := range rest[:end] {
		if count == maxHeadingRunes {
			cut = i
			break
		}
		if r == '，' || r == ',' {
			cut = i
			break
		}
		count++
	}
	return cut, 0, true
}

// startsFirstNum reports whether s starts with the first item of a numbered list, 1. or 1、
// (not 1.5 or 1、2月), right after prev, which is no digit or decimal point: a subheading
// that runs on after its heading's short title ("二、下一步打算1.提升数据质量").
func startsFirstNum(s string, prev rune) bool {
	if isDigitRune(prev) || strings.ContainsRune(".．", prev) {
		return false
	}
	var rest string
	switch {
	case strings.HasPrefix(s, "1"):
		rest = s[1:]
	case strings.HasPrefix(s, "１"):
		rest = s[len("１"):]
	default:
		return false
	}
	sep, w := utf8.DecodeRuneInString(rest)
	if !strings.ContainsRune(".．、", sep) {
		return false
	}
	next, _ := utf8.DecodeRuneInString(rest[w:])
	return next != utf8.RuneError && !isDigitRune(next) && !strings.ContainsRune("%％‰ ", next)
}

func startsEnum(s string) bool {
	for _, e := range enumStartRes {
		if strings.HasPrefix(s, e) {
			return true
		}
	}
	return false
}

// normaliseMarker writes half-width brackets in a heading number full width: (一) → （一）.
func normaliseMarker(m string) string {
	m = strings.TrimSpace(m)
	m = strings.Replace(m, "(", "（", 1)
	return strings.Replace(m, ")", "）", 1)
}

// findHeadings returns the headings of text in order. A heading starts a line, or follows a
// sentence end (。！？；) inside a line when it continues the numbering (pages that lost their
// line breaks: "…取得明显成效。二、存在的问题（一）…"); 1. and （1） do so only under a
// heading, so a list of figures in a paragraph stays put. A bracketed number, or 1., right
// after a heading's text starts a subheading when it continues the numbering.
func findHeadings(text string) []heading {
	var hs []heading
	last := [numHeadingKinds]int{}
	var accept func(h heading, lineEnd int)
	accept = func(h heading, lineEnd int) {
		hs = append(hs, h)
		last[h.kind] = h.num
		for k := h.kind + 1; k < numHeadingKinds; k++ {
			last[k] = 0
		}
		if p := h.bodyStart; p < lineEnd && (innerMarkerRe.MatchString(text[p:lineEnd]) || startsFirstNum(text[p:lineEnd], 0)) {
			if in, ok := matchHeading(text[p:lineEnd], kindParenCN, kindNum, kindParenNum); ok && in.kind > h.kind && in.num == last[in.kind]+1 {
				in.start += p
				in.bodyStart += p
				accept(in, lineEnd)
			}
		}
	}
	for lineStart := 0; lineStart < len(text); {
		lineEnd := strings.IndexByte(text[lineStart:], '\n')
		if lineEnd < 0 {
			lineEnd = len(text)
		} else {
			lineEnd += lineStart
		}
		line := text[lineStart:lineEnd]
		pos := lineStart + len(line) - len(strings.TrimLeft(line, " "))
		if h, ok := matchHeading(text[pos:lineEnd], kindChapter, kindCN, kindParenCN, kindNum, kindParenNum, kindCircled); ok {
			h.start += pos
			h.bodyStart += pos
			accept(h, lineEnd)
		}
		// Headings run on after a sentence end within the line.
		for i := lineStart; i < lineEnd; {
			r, w := utf8.DecodeRuneInString(text[i:])
			i += w
			if !strings.ContainsRune("。！？!?；;", r) {
				continue
			}
			j := i
			for j < lineEnd {
				r2, w2 := utf8.DecodeRuneInString(text[j:])
				if !strings.ContainsRune("”’」』 ", r2) {
					break
				}
				j += w2
			}
			if len(hs) > 0 && hs[len(hs)-1].start >= j {
				continue
			}
			h, ok := matchHeading(text[j:lineEnd], kindCN, kindParenCN, kindNum, kindParenNum)
			if !ok || h.num != last[h.kind]+1 || h.kind >= kindNum && !nestsUnder(hs, h) {
				continue
			}
			h.start += j
			h.bodyStart += j
			accept(h, lineEnd)
		}
		lineStart = lineEnd + 1
	}
	return hs
}

// nestsUnder reports whether a heading h of kind 1. or （1） found inside a line may start
// a section: the numbering goes on from an earlier item, or, for a first item, it follows a
// heading of an outer kind.
func nestsUnder(hs []heading, h heading) bool {
	return len(hs) > 0 && (h.num > 1 || hs[len(hs)-1].kind < h.kind)
}

// Structure parses text into a tree of sections under headings numbered 第一部分, 一、,
// （一）, 1. or 1、, （1）, ①, nesting them by numbering style in that order (a level
// may be skipped). Enumerations inside a paragraph (一是…二是…) stay in the body; 1-6月,
// 2.5万 and 三、四级 are not headings. A heading runs to its first 。 or ：; a longer one
// is cut at a comma and its sentence kept in the body too.
func Structure(text string) *Section {
	root := &Section{kind: -1}
	hs := findHeadings(text)
	type open struct {
		s    *Section
		kind int
	}
	stack := []open{{root, -1}}
	bodyEnd := func(i int) int {
		if i+1 < len(hs) {
			return hs[i+1].start
		}
		return len(text)
	}
	if len(hs) == 0 {
		root.Body = strings.TrimSpace(text)
		return root
	}
	root.Body = strings.TrimSpace(text[:hs[0].start])
	for i, h := range hs {
		for len(stack) > 1 && stack[len(stack)-1].kind >= h.kind {
			stack = stack[:len(stack)-1]
		}
		parent := stack[len(stack)-1].s
		s := &Section{Heading: h.text, Level: len(stack), raw: strings.TrimSpace(text[h.start:max(h.start, min(h.bodyStart, bodyEnd(i)))]), kind: h.kind, num: h.num}
		if end := bodyEnd(i); h.bodyStart < end {
			s.Body = strings.TrimSpace(text[h.bodyStart:end])
		}
		parent.Sections = append(parent.Sections, s)
		stack = append(stack, open{s, h.kind})
	}
	return root
}
