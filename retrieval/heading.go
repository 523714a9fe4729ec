package retrieval

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// This file is draftd's one heading grammar and its one role classifier. The readers
// (extract), the cleaner, the splitter, Structure and drafting all ask it; none keeps a
// copy of its own.

// MarkerKind is the numbering style of a heading, outermost first: in a document a heading
// nests under the nearest heading before it of an outer kind (a kind may be skipped).
type MarkerKind int

// Heading numbering kinds.
const (
	MarkerChapter  MarkerKind = iota // 第一部分, 第一章, 第一节, 第一篇
	MarkerCN                         // 一、 一. 一．
	MarkerParenCN                    // （一） (一) ㈠, and 二）or （二 that lost a bracket
	MarkerNum                        // 1. 1、 1． １．
	MarkerParenNum                   // （1） (1) ⑴, and 1）or （1 that lost a bracket
	MarkerCircled                    // ①
	// MarkerOrdinal is 第一， or 第二、: an enumeration inside a paragraph, and a heading number
	// only where a writer put it before a heading of their own (see TrimMarker).
	MarkerOrdinal
)

// numHeadingKinds counts the kinds that structure a document (all but MarkerOrdinal).
const numHeadingKinds = int(MarkerOrdinal)

// maxHeadingRunes bounds a heading's title; a longer first sentence is cut at a comma.
const maxHeadingRunes = 40

// titleScanRunes is how far a title is looked for: a text that runs on without a sentence
// end for longer than this holds no title that ends further, and reading it all for every
// number in it would take time in the square of its length.
const titleScanRunes = 4 * maxHeadingRunes

// Heading is a heading read by ParseHeading: its numbering and its title.
type Heading struct {
	Kind  MarkerKind
	Level int // the kind's rank, 1 (第一部分) to 6 (①), 7 for an ordinal; Structure decides the depth in a tree
	Num   int // the number: 2 for 二、, （二）, 2. and ②
	// Marker is the numbering as Structure writes it: brackets full width, a lost one
	// restored ("(二" and "二)" are "（二）"), spaces dropped.
	Marker string
	// Start and End are the byte span of the numbering in the line; End is past the
	// separators and spaces that follow it ("（一）、", "第一部分：").
	Start, End int
	// Title is the heading's own text: up to its first sentence end or colon, an enumeration
	// (一是…) or a subheading's number; a title glued to its first sentence without
	// punctuation ends before it, a longer one is cut at a comma or at maxHeadingRunes.
	// "" when the line holds only the numbering.
	Title    string
	Repaired bool // the numbering had lost a bracket
	// body is where the section's text starts, a byte offset in the line: after the
	// title's stop (。 or ：), or at the title's end when the title was cut out of a sentence.
	body int
	stop int    // where the title ends, a byte offset in the line
	sep  string // " " between a chapter's number and its title when the line had a space there
}

// String is the heading as Structure names a section: Marker, then Title.
func (h Heading) String() string { return h.Marker + h.sep + h.Title }

// ParseHeading reads the heading a line starts with (after spaces). It knows 第一部分 and
// 第一章, 一、 and 一., （一） and (一), 1. and 1、, （1） and (1), ①, full-width digits, and a
// bracketed number that lost one of its brackets ("二)加强…", "(二加强…"). A number that
// is the start of a sentence is not a heading: 1.5万, 1、2月, 三、四级医院, 一、是, 20%.
// The enumeration 第一， is not a heading either (see TrimMarker).
func ParseHeading(line string) (Heading, bool) {
	start := len(line) - len(strings.TrimLeft(line, " \t\u3000\u00a0"))
	h, ok := parseMarker(line[start:], false)
	if !ok || h.Kind == MarkerOrdinal {
		return Heading{}, false
	}
	h.title(line[start:])
	h.shift(start)
	return h, true
}

// TrimMarker returns a heading without the number in front of it (any ParseHeading reads,
// and the ordinal 第一， a writer may put there) or the separators and spaces after it;
// it is for a writer's heading, which may arrive numbered in any style.
func TrimMarker(heading string) string {
	h := strings.TrimSpace(heading)
	if m, ok := parseMarker(h, true); ok {
		return strings.TrimSpace(h[m.End:])
	}
	return h
}

// shift moves a heading's offsets by n bytes.
func (h *Heading) shift(n int) {
	h.Start += n
	h.End += n
	h.body += n
	h.stop += n
}

const (
	cnNumerals = "一二三四五六七八九十"
	// notAfterLostBracket are runes after "(二" that say it is no heading but a phrase:
	// （一次…, (2号…, （二〇二四年.
	notAfterLostBracket = "是年月日号个项次人万亿元级类批期届种条名家所位倍成百千〇零"
)

func isCNNumeral(r rune) bool { return strings.ContainsRune(cnNumerals, r) }

func isOpenParen(r rune) bool  { return r == '(' || r == '（' }
func isCloseParen(r rune) bool { return r == ')' || r == '）' }

// parseMarker reads the numbering at the very start of s; ordinals says whether 第一， counts.
// It fills Kind, Level, Num, Marker, Start (0), End and Repaired, and body (= End).
func parseMarker(s string, ordinals bool) (Heading, bool) {
	r0, w0 := utf8.DecodeRuneInString(s)
	h := Heading{Num: -1}
	var next int // byte offset of what follows the numbering proper, before separators
	switch {
	case r0 == '第':
		digits, n, w := readNumeral(s[w0:], true)
		if n == 0 {
			return Heading{}, false
		}
		i := w0 + w
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "部分"):
			i += len("部分")
		case strings.HasPrefix(rest, "章"), strings.HasPrefix(rest, "节"), strings.HasPrefix(rest, "篇"):
			i += len("章")
		default:
			r, rw := utf8.DecodeRuneInString(rest)
			if !ordinals || !strings.ContainsRune("，,、", r) || digits {
				return Heading{}, false
			}
			h.Kind, h.Num, h.Marker = MarkerOrdinal, n, s[:i+rw]
			h.End = i + rw
			h.finish(s)
			return h, true
		}
		h.Kind, h.Num, h.Marker, next = MarkerChapter, n, s[:i], i
	case r0 >= '①' && r0 <= '⑳':
		h.Kind, h.Num, h.Marker, next = MarkerCircled, int(r0-'①')+1, string(r0), w0
	case r0 >= '⑴' && r0 <= '⒇':
		h.Kind, h.Num, next = MarkerParenNum, int(r0-'⑴')+1, w0
		h.Marker = "（" + itoa(h.Num) + "）"
	case r0 >= '㈠' && r0 <= '㈩':
		h.Kind, h.Num, next = MarkerParenCN, int(r0-'㈠')+1, w0
		h.Marker = "（" + cnOrdinal(h.Num) + "）"
	case isOpenParen(r0):
		digits, n, w := readNumeral(s[w0:], false)
		if n == 0 {
			return Heading{}, false
		}
		num := s[w0 : w0+w]
		i := w0 + w
		h.Kind = MarkerParenCN
		if digits {
			h.Kind = MarkerParenNum
		}
		h.Num, h.Marker = n, "（"+num+"）"
		if r, rw := utf8.DecodeRuneInString(s[i:]); isCloseParen(r) {
			next = i + rw
			break
		}
		// The closing bracket was lost: "(二加强…". Only a title may follow.
		r, _ := utf8.DecodeRuneInString(s[i:])
		if !unicode.Is(unicode.Han, r) || strings.ContainsRune(notAfterLostBracket, r) || isCNNumeral(r) {
			return Heading{}, false
		}
		h.Repaired, next = true, i
	case isCNNumeral(r0) || isDigitRune(r0):
		digits, n, w := readNumeral(s, false)
		if n == 0 {
			return Heading{}, false
		}
		num := s[:w]
		sep, sw := utf8.DecodeRuneInString(s[w:])
		switch {
		case isCloseParen(sep): // "二)加强…": the opening bracket was lost
			h.Kind, h.Repaired = MarkerParenCN, true
			if digits {
				h.Kind = MarkerParenNum
			}
			h.Marker = "（" + num + "）"
		case sep == '、' || sep == '.' || sep == '．':
			h.Kind = MarkerCN
			if digits {
				h.Kind = MarkerNum
			}
			h.Marker = num + string(sep)
		default:
			return Heading{}, false
		}
		h.Num, next = n, w+sw
	default:
		return Heading{}, false
	}
	if !startsTitle(h.Kind, h.Num, s[next:]) {
		return Heading{}, false
	}
	h.End = next
	h.finish(s)
	return h, true
}

// finish sets Level, moves End past the separators after the numbering and sets body.
func (h *Heading) finish(s string) {
	h.Level = int(h.Kind) + 1
	for h.End < len(s) {
		r, w := utf8.DecodeRuneInString(s[h.End:])
		if r == ' ' || r == '\u3000' || r == '\t' {
			if h.Kind == MarkerChapter {
				h.sep = " " // 第一部分 总体情况
			}
			h.End += w
			continue
		}
		// "（一）、" and "第一部分：" put a separator after a number that needs none.
		if (h.Kind == MarkerChapter || h.Kind == MarkerParenCN || h.Kind == MarkerParenNum || h.Kind == MarkerCircled) &&
			strings.ContainsRune("、，,：:.．", r) {
			h.End += w
			continue
		}
		break
	}
	h.body, h.stop = h.End, h.End
}

// startsTitle reports whether rest, the text right after a number n of kind k, may be a
// heading's title rather than the rest of a figure: 1.5万, 1、2月, 20%, 三、四级, 一、二、三,
// 一、是. A numeral that does not continue the list may start a title: 一、三年来的….
func startsTitle(k MarkerKind, n int, rest string) bool {
	r, w := utf8.DecodeRuneInString(rest)
	switch k {
	case MarkerCN:
		if r == '是' {
			return false
		}
		if isCNNumeral(r) {
			_, m, mw := readNumeral(rest, false)
			after, _ := utf8.DecodeRuneInString(rest[mw:])
			return m != n+1 && !strings.ContainsRune("、，,至到或和及", after)
		}
		return true
	case MarkerNum:
		if r == ' ' {
			r, _ = utf8.DecodeRuneInString(rest[w:])
		}
		return !isDigitRune(r) && !strings.ContainsRune("%％‰.．", r)
	}
	return true
}

// readNumeral reads a number at the start of s: one to three Chinese numerals (一 to 九十九),
// or one or two digits; long allows the longer numbers of chapters (一百零五, 123). It returns
// whether it was written in digits, its value (0 if none) and its byte length.
func readNumeral(s string, long bool) (digits bool, n, w int) {
	maxCN, maxDigits, set := 3, 2, cnNumerals
	if long {
		maxCN, maxDigits, set = 8, 3, cnNumerals+"百零〇"
	}
	count := 0
	for i, r := range s {
		if !strings.ContainsRune(set, r) {
			break
		}
		count++
		w = i + utf8.RuneLen(r)
	}
	if count > 0 {
		if count > maxCN {
			return false, 0, 0
		}
		return false, cnValue(s[:w]), w
	}
	for i, r := range s {
		if !isDigitRune(r) {
			break
		}
		w = i + utf8.RuneLen(r)
		if r >= '０' {
			r = r - '０' + '0'
		}
		n = n*10 + int(r-'0')
		count++
	}
	if count == 0 || count > maxDigits {
		return false, 0, 0
	}
	return true, n, w
}

// cnValue returns the value of a Chinese numeral up to 999 (一 to 九百九十九), or 0.
func cnValue(s string) int {
	digits := map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
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

// cnOrdinal writes 1 to 99 in Chinese numerals.
func cnOrdinal(n int) string {
	ds := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return ds[n]
	case n < 20:
		return "十" + ds[n-10]
	}
	return ds[n/10] + "十" + ds[n%10]
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// title finds the title in line (which starts with h's numbering) and where the body starts.
func (h *Heading) title(line string) {
	rest := line[h.End:]
	textEnd, body, ok := h.titleEnd(rest)
	if !ok {
		h.body, h.stop = h.End, h.End
		return
	}
	h.Title = strings.TrimSpace(rest[:textEnd])
	h.body, h.stop = h.End+body, h.End+textEnd
}

// Heading titles end at these, and at a line end.
const titleStops = "。！？!?；;：:"

// titleEnd finds where the title ends in rest (the text after the numbering) and where the
// body starts. The title ends at the first sentence or clause end (。：；), before an
// enumeration (一是…), before a number that starts another heading, or at the line's end; a
// title glued to its first sentence ends before it (see gluedSentence); if that still makes
// it longer than maxHeadingRunes, it is cut at a comma (or at maxHeadingRunes) and the body
// starts right after the numbering, so the whole first sentence stays in the body.
func (h *Heading) titleEnd(rest string) (textEnd, bodyStart int, ok bool) {
	n := 0
	end := len(rest)
	stop := -1 // byte length of the stopping punctuation, -1 if stopped without one
	var prev rune
	for i, r := range rest {
		if r == '\n' || n == titleScanRunes {
			end = i
			break
		}
		if strings.ContainsRune(titleStops, r) {
			end, stop = i, utf8.RuneLen(r)
			break
		}
		if n > 0 && (startsEnum(rest[i:]) || h.startsInner(rest[i:], prev)) {
			end = i
			break
		}
		n++
		prev = r
	}
	if n == 0 {
		return 0, 0, false
	}
	if cut := gluedSentence(rest[:end], n); cut > 0 {
		return cut, cut, true
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

// startsInner reports whether s, inside h's title after the rune prev, starts the number of
// another heading that runs on after this one's short title: a bracketed number, a chapter,
// the first item of an inner level ("二、下一步打算1.提升数据质量", "第一部分 回顾一、…"),
// h's next sibling ("一、主要工作二、…") or a later item of an outer level ("（二）…提高二、…").
func (h *Heading) startsInner(s string, prev rune) bool {
	if !markerMayFollow(prev) {
		return false
	}
	m, ok := parseMarker(s, false)
	if !ok || !nextIsTitle(s[m.End:]) {
		return false
	}
	switch m.Kind {
	case MarkerParenCN, MarkerParenNum:
		// not "（二加强", which lost its closing bracket: inside a title it is more likely a phrase
		r, _ := utf8.DecodeRuneInString(s)
		return !m.Repaired || !isOpenParen(r)
	case MarkerChapter:
		return true
	case MarkerNum, MarkerCN:
		if m.Kind == MarkerCN && !strings.HasSuffix(m.Marker, "、") {
			return false
		}
		return m.Kind > h.Kind && m.Num == 1 || m.Kind == h.Kind && m.Num == h.Num+1 || m.Kind < h.Kind && m.Num > 1
	}
	return false
}

// nextIsTitle reports whether s starts with a title's first rune (not a space or the end).
func nextIsTitle(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r != utf8.RuneError && r != ' '
}

func lastRune(s string) rune { r, _ := utf8.DecodeLastRuneInString(s); return r }

// markerMayFollow reports whether a heading's number may come right after prev without
// being part of a bigger number or a list of numbers: not after a digit, a numeral, 第, 其
// (其二), a point or 、.
func markerMayFollow(prev rune) bool {
	return !isDigitRune(prev) && !isCNNumeral(prev) && !strings.ContainsRune("第其.．、〇零百", prev)
}

var enumStarts = []string{"一是", "首先", "第一，", "第一,"}

func startsEnum(s string) bool {
	for _, e := range enumStarts {
		if strings.HasPrefix(s, e) {
			return true
		}
	}
	return false
}

var (
	// titleEndRe ends a title that a sentence follows with no punctuation between them
	// ("近期工作动态近年来，…", "舆情概述1月28日…"): the nouns titles end with.
	titleEndRe = regexp.MustCompile(`(情况|概述|概况|分析|问题|不足|打算|措施|思路|动态|建议|警示|成效|做法|经验|举措|形势|任务|要求)$`)
	// sentenceOpenRe starts a sentence: a date, or words that open a paragraph.
	sentenceOpenRe = regexp.MustCompile(`^([0-9０-９]{1,2}月[0-9０-９]{1,2}日|[0-9]{4}年(以来|是|[，,]|[0-9]{1,2}月)|近年来|今年|年初以来|去年以来|一年来|过去|刚刚过去|全年|截至|截止|按照|根据|围绕|针对|面对|从|在)`)
)

// sentenceOpenFirst holds the first runes of sentenceOpenRe's words, its dates aside.
const sentenceOpenFirst = "近今年去一过刚全截按根围针面从在"

// minGluedRunes is how long a title must run before its end is looked for inside it; a date
// after a title ends it whatever the length.
const minGluedRunes = 12

// gluedSentence returns where a title that runs into its first sentence with no punctuation
// ends (a byte offset in t, which has n runes), or 0: after a noun titles end with
// (情况, 分析, 问题…), before a date or words that open a sentence (近年来, 面对, 在…).
func gluedSentence(t string, n int) int {
	count := 0 // runes before i
	for i, r := range t {
		count++
		if count <= 2 || !isDigitRune(r) && !strings.ContainsRune(sentenceOpenFirst, r) {
			continue
		}
		m := sentenceOpenRe.FindString(t[i:])
		if m == "" || len(m) >= len(t)-i {
			continue
		}
		// A date opens a sentence after any title; words do after the nouns titles end with.
		if date := isDigitRune(rune(m[0])); date && count > 4 || !date && n > minGluedRunes && titleEndRe.MatchString(t[:i]) {
			return i
		}
	}
	return 0
}

// Roles of the parts a document appends after its body.
const (
	RoleGlossary = "glossary" // 名词解释: terms the document used, explained
	RoleAnnex    = "annex"    // 附件, 附表: an annex
)

var (
	// glossaryRe is a glossary's heading; annexRe an annex's.
	glossaryRe = regexp.MustCompile(`^(名词|术语)(、术语)?(解释|注释|说明)$|名词(、术语)?(解释|注释)$`)
	annexRe    = regexp.MustCompile(`^(附件|附表|附录)[0-9０-９一二三四五六七八九十]*([:：].*)?$`)
)

// Role patterns, tried in the order of roleOf.
var (
	problemsRe = regexp.MustCompile(`(存在|面临|工作中|发展中|当前)(的)?(主要|突出)?(问题|不足|困难|短板|差距|挑战|薄弱)|(问题|不足|困难|差距|短板)(和|与|及|、)(不足|差距|困难|挑战|短板|问题|建议|原因)|不足之处|薄弱环节|短板弱项|^(主要|突出|几个)?(问题|不足|短板|差距)`)
	// reviewRe names a look back; it wins over plan words in the same heading (重点任务完成情况).
	reviewRe       = regexp.MustCompile(`(完成|执行|落实|进展|开展)情况|工作(开展)?情况|回顾|工作总结`)
	plansRe        = regexp.MustCompile(`下一步|打算|计划|思路|设想|展望|工作安排|努力方向|工作重点|今后|明年|总体要求|总体部署|工作部署|目标任务|重点任务|主要任务|主要目标|工作的建议|工作措施`)
	achievementsRe = regexp.MustCompile(`主要工作|成效|成绩|做法|亮点|进展|取得`)
	overviewRe     = regexp.MustCompile(`基本情况|总体情况|概况|总体评价`)
	// notPlanWords are phrases with a plan word that name a topic, not a plan.
	notPlanWords = strings.NewReplacer("计划生育", "", "计划免疫", "", "计划单列", "")
)

// RoleOf returns the role a heading names on its own, whatever its numbering: RoleGlossary
// (名词解释), RoleAnnex (附件2), RoleProblems
// (存在的问题, 不足之处, 主要问题), RolePlans (下一步打算, 工作计划, 思路, 展望, 目标任务),
// RoleAchievements (主要工作, 成效, 完成情况, 回顾), RoleOverview (基本情况), or "" when it
// names none (a topical heading such as 坚守安全底线 or 困难群众救助). A heading that names
// problems and plans (存在问题及下一步打算) is problems; a look back wins over plan words
// (重点任务完成情况). Storing passages (Segment) and drafting (draft.SectionRole) both ask it.
func RoleOf(heading string) string {
	r, _ := roleOf(heading)
	return r
}

// roleOf is RoleOf, and whether the heading says so clearly: every role but achievements
// named by a loose word (主要工作, 成效, 取得…), which items of a plan use too ("推动…取得新进展").
func roleOf(heading string) (role string, clear bool) {
	h := notPlanWords.Replace(width.Fold.String(TrimMarker(heading)))
	switch {
	case glossaryRe.MatchString(h):
		return RoleGlossary, true
	case annexRe.MatchString(h):
		return RoleAnnex, true
	case problemsRe.MatchString(h):
		return RoleProblems, true
	case reviewRe.MatchString(h):
		return RoleAchievements, true
	case plansRe.MatchString(h):
		return RolePlans, true
	case achievementsRe.MatchString(h):
		return RoleAchievements, false
	case overviewRe.MatchString(h):
		return RoleOverview, true
	}
	return "", false
}
