package retrieval

import (
	"slices"
	"strconv"
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

// candidate is a heading number found in text, with what comes before it.
type candidate struct {
	h          Heading // offsets into text
	lineStart  bool    // only spaces before it on its line
	afterStop  bool    // right after a sentence or clause end (closing quotes aside)
	afterSpace bool
	afterColon bool // that end was a colon
	ruxia      bool // and "如下" came right before it
	glued      bool // right after a Han character or a closing mark, with no punctuation
	mayFollow  bool // markerMayFollow of the rune before it
	stopRune   rune // the sentence or clause end before it
	listItem   bool // after a colon or ；, its title ends with ；: an item of a list in a paragraph
}

// candidates returns every heading number of text that has a title, in order.
func candidates(text string) []candidate {
	var cs []candidate
	lineStart, afterStop, afterSpace, afterColon := true, false, false, false
	stopAt := 0
	markerEnd := 0 // the end of the last candidate's number: "（一）" holds no "一）"
	var stopRune, prev rune
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		if r == ' ' && lineStart {
			i += w
			continue
		}
		if r != '\n' && r != ' ' && i >= markerEnd {
			if h, ok := parseMarker(text[i:], false); ok && h.Kind != MarkerOrdinal {
				h.title(text[i:])
				if h.Title != "" {
					c := candidate{
						lineStart: lineStart, afterStop: afterStop, afterSpace: afterSpace, afterColon: afterColon,
						ruxia:     afterStop && strings.HasSuffix(text[:stopAt], "如下"),
						glued:     unicode.Is(unicode.Han, prev) || strings.ContainsRune(closers, prev),
						mayFollow: markerMayFollow(prev),
						stopRune:  stopRune,
					}
					c.listItem = afterStop && strings.ContainsRune("：:；;", stopRune) &&
						(strings.HasPrefix(text[i+h.stop:], "；") || strings.HasPrefix(text[i+h.stop:], ";"))
					h.shift(i)
					c.h = h
					cs = append(cs, c)
					markerEnd = h.End
				}
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
	return cs
}

// findHeadings returns the headings of text in order, with offsets into text. The tree is
// recovered from the sequence of numbers, not from line starts alone, so a page that lost
// its line breaks keeps its headings. A heading starts a line (any numbering), or, inside
// a line, it continues the numbering of its kind (二、 after 一、, （三） after （二）):
// after a sentence or clause end (。！？；：), after a space, right after a heading's short
// title ("二、存在的问题（一）…"), or, for 二、 and （二） and later, glued to the previous
// sentence with no punctuation at all. 1. and （1） do so only under a heading, so a list of
// figures in a paragraph stays put; ① only after a full sentence end (not after ；) and
// when the items have sentences of their own ("①雨量站。新建12个。②…", not "①新建12个。
// ②改造8座。"); enumerations (一是…二是…) never.
// A number inside a line that none of these admit (a first item after a colon whose title
// runs into its first sentence, numbering that starts again after an unnumbered heading, a
// glossary's "名词解释1.…") is a heading still when the sequence confirms it: its next
// number follows after a full sentence (see confirmed). "：一、…；二、…；三、…。" is a list
// of headings a writer set one item a line (see headingList). A numbering of an outer kind
// goes on past a list under it, and around a kind usually outer when the document nests its
// kinds in an order of its own (see documentKindOrder).
func findHeadings(text string) []Heading {
	hs, _ := headingsInOrder(text)
	return hs
}

// headingsInOrder returns the headings of text and the document's order of kinds: the
// headings are found again in that order when it is not the usual one.
func headingsInOrder(text string) ([]Heading, kindOrder) {
	hs := findHeadingsIn(text, nil)
	order := documentKindOrder(hs)
	if order != nil {
		hs = findHeadingsIn(text, order)
	}
	return hs, order
}

// kindOrder maps a kind to its rank in a document's order of kinds; nil is the usual order
// (第一部分, 一、, （一）, 1., （1）, ①).
type kindOrder []MarkerKind

func (o kindOrder) rank(k MarkerKind) MarkerKind {
	if o == nil || int(k) >= len(o) {
		return k
	}
	return o[k]
}

// documentKindOrder returns the order of kinds a document follows when it is not the usual
// one, or nil: a kind's level is fixed by the order the kinds first appear in ("1.…（一）…
// （二）…2.…" has its （一） under 1.), when the document shows it: a kind that comes
// before a kind that is usually outer goes on numbering around it (1. before （一）, 2.
// after it). A stray first heading ("（一）" before the first 一、, with the numbering of
// （一） starting again under 一、) leaves the usual order; 第一部分 is always outermost.
func documentKindOrder(hs []Heading) kindOrder {
	var first [numHeadingKinds]int
	for k := range first {
		first[k] = -1
	}
	var kinds []MarkerKind // by first appearance
	for i, h := range hs {
		if h.Kind < MarkerOrdinal && first[h.Kind] < 0 {
			first[h.Kind] = i
			kinds = append(kinds, h.Kind)
		}
	}
	inverted := false
	for i, b := range kinds {
		for _, a := range kinds[i+1:] {
			if b < a {
				continue
			}
			if a == MarkerChapter || !numberedAround(hs, b, first[a]) {
				return nil
			}
			inverted = true
		}
	}
	if !inverted {
		return nil
	}
	slots := slices.Clone(kinds)
	slices.Sort(slots)
	o := make(kindOrder, numHeadingKinds)
	for k := range o {
		o[k] = MarkerKind(k)
	}
	for i, k := range kinds {
		o[k] = slots[i]
	}
	return o
}

// numberedAround reports whether the numbering of kind b goes on around hs[at]: the last
// heading of kind b before it is numbered n, and the next one after it n+1.
func numberedAround(hs []Heading, b MarkerKind, at int) bool {
	n := 0
	for _, h := range hs[:at] {
		if h.Kind == b {
			n = h.Num
		}
	}
	if n == 0 {
		return false
	}
	for _, h := range hs[at+1:] {
		if h.Kind == b {
			return h.Num == n+1
		}
	}
	return false
}

// numberedAroundOuter reports whether h continues a numbering of its kind that headings of
// a kind usually outer interrupted, starting from one: "（二）…一、…二、…（三）", a document
// that nests its kinds in an order of its own (see documentKindOrder).
func numberedAroundOuter(hs []Heading, h Heading) bool {
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].Kind == h.Kind {
			return hs[i].Num == h.Num-1 && i+1 < len(hs) && hs[i+1].Num == 1
		}
		if hs[i].Kind > h.Kind {
			return false
		}
	}
	return false
}

// findHeadingsIn finds the headings of text with the kinds nested in order (see findHeadings).
func findHeadingsIn(text string, order kindOrder) []Heading {
	cs := candidates(text)
	var hs []Heading
	var open headingStack
	minPos := 0 // text before minPos is an accepted heading's numbering or title
	// interrupted is the stack before the first item of a list of headings ("：一、…；二、…；
	// 三、…。"), whose numbering may go on after the list ("…三、…。五、…" when 四、 came before).
	var interrupted headingStack
	inList := map[int]bool{} // candidates that are items of a list of headings (see headingList)
	var lastCN map[string]int
	// ① goes on inside a line only after a full sentence (see circledMayFollow).
	continues := func(h Heading, restart, circled bool) bool {
		if h.Kind == MarkerCircled && !circled || !(restart || open.continues(h) || open.continuesPastList(h) || h.Num > 1 && interrupted.continues(h) || order == nil && numberedAroundOuter(hs, h)) {
			return false
		}
		return h.Kind < MarkerNum || nestsUnder(hs, h)
	}
	for ci, c := range cs {
		h := c.h
		if h.Start < minPos {
			continue
		}
		if h.Num == 1 && c.afterColon && !c.lineStart && !rightAfterHeading(hs, minPos, h) {
			if lastCN == nil {
				lastCN = lastCNs(cs)
			}
			if items := headingList(text, cs, ci, lastCN); len(items) > 0 {
				interrupted = open
				for _, i := range items {
					inList[i] = true
				}
			}
		}
		if inList[ci] {
			hs = append(hs, h)
			open = open.push(h, order.rank(h.Kind), text)
			minPos = h.stop
			continue
		}
		// Right after an accepted heading's title the text starts afresh.
		rightAfter := h.Start == minPos && len(hs) > 0
		afterStop, mayFollow, glued := c.afterStop && !rightAfter, c.mayFollow || rightAfter, c.glued && !rightAfter
		afterColon := c.afterColon && !rightAfter
		// "…汇报如下：一、" starts the numbering again (a second report in the same text), and
		// so does "重点做好9个方面工作：（一）" at the outermost level in use.
		restart := afterStop && mayFollow && h.Num == 1 && open.has(h.Kind) &&
			(c.ruxia || afterColon && h.body > h.End && len(hs) > 0 && h.Kind <= outermost(hs))
		ok, soft := false, false
		listItem := c.listItem && !rightAfter
		switch {
		case c.lineStart && !rightAfter:
			ok = true
		case listItem:
			// "：（一）…；（二）…；" lists items in a paragraph: after a colon or ；, an item
			// ends with ；, a title does not.
		case afterColon && (h.Kind >= MarkerParenCN && h.body == h.End || h.Kind >= MarkerNum && strings.ContainsAny(h.Title, "，,")):
			// "如下：（一）工业支出为…，占…，比…" and "原则是：（1）坚持…，建立…" list items
			// too: after a colon a title must end within maxHeadingRunes, and a 1. or （1）
			// title hold no comma (一、 and 第一部分 after "报告如下：" are the document's own),
			// unless the sequence confirms it.
			soft = true
		case (afterStop || c.afterSpace || rightAfter) && mayFollow && continues(h, restart, rightAfter || circledMayFollow(c, afterStop) && circledHasBody(text, cs, ci) && len(hs) > 0 && hasBody(text[hs[len(hs)-1].stop:h.Start])):
			ok = true
		case glued && mayFollow && gluable(h, text[h.Start:]) && continues(h, restart, false):
			ok = true
		default:
			soft = true
		}
		if soft && mayFollow && (afterStop || glued || c.afterSpace) && (h.Kind != MarkerCircled || circledMayFollow(c, afterStop) && nestsUnder(hs, h) && circledHasBody(text, cs, ci)) && (h.Kind < MarkerNum || len(hs) > 0) &&
			(h.Num == 1 || open.near(h)) && confirmed(text, cs, ci, open) {
			ok = true
		}
		if !ok {
			continue
		}
		hs = append(hs, h)
		open = open.push(h, order.rank(h.Kind), text)
		minPos = h.stop
		if h.Kind <= MarkerCN {
			interrupted = nil // the first heading of the list's kind after it closes the list
		}
	}
	return hs
}

// circledMayFollow reports whether a ① found inside a line may start a heading: after a
// full sentence end (not a clause end: "：①…；②…；" lists items in a paragraph).
func circledMayFollow(c candidate, afterStop bool) bool {
	return afterStop && strings.ContainsRune(sentenceEnds, c.stopRune) && !c.listItem
}

// hasBody reports whether the text after a heading's title holds a sentence of its own: a
// list of one-sentence items ("①新建站点12个。②改造泵站8座。") is an enumeration in a
// paragraph, not a list of sections.
func hasBody(between string) bool {
	n := 0
	for _, r := range between {
		if strings.ContainsRune(sentenceEnds, r) {
			n++
		}
	}
	// The title's own sentence ends first, unless the title ended at a colon; a long title
	// was cut at a comma, before the rest of its sentence.
	if r, _ := utf8.DecodeRuneInString(between); r == '：' || r == ':' {
		return n > 0
	}
	return n > 1
}

// circledHasBody reports whether the ① at cs[ci] has a body before its next number (or,
// for the last one, before the next number of any kind or the end).
func circledHasBody(text string, cs []candidate, ci int) bool {
	h := cs[ci].h
	end := len(text)
	for _, d := range cs[ci+1:] {
		if d.h.Start < h.stop {
			continue
		}
		if d.h.Kind == h.Kind && d.h.Num == h.Num+1 {
			return hasBody(text[h.stop:d.h.Start])
		}
		if d.h.Kind <= h.Kind {
			end = min(end, d.h.Start)
		}
	}
	return h.Num > 1 && hasBody(text[h.stop:end])
}

// openHeading is a heading whose section is open at some point of a document.
type openHeading struct {
	kind MarkerKind
	num  int
	list bool       // a numbering of an outer kind that started again under a deeper heading
	rank MarkerKind // the kind's place in the document's order of kinds (see kindOrder)
}

// headingStack holds the open sections, outermost first (the root aside). Numbers go in
// order: a heading is the sibling of the nearest open heading of its kind numbered one
// less, and otherwise nests under the nearest open heading of an outer kind. A numbering of
// an outer kind that starts again inside a deeper section ("三、…（一）…：一、…二、…（二）")
// is a list under that section, and so is the next one that starts again after it: a
// marker keeps the level it first had.
type headingStack []openHeading

// place returns how many open headings stay open when h, whose kind has rank r in the
// document's order of kinds, comes (h goes right under them) and whether h is an item of a
// list.
func (st headingStack) place(h Heading, r MarkerKind, text string) (int, bool) {
	for j := len(st) - 1; j >= 0; j-- {
		if st[j].kind == h.Kind && st[j].num == h.Num-1 {
			return j, st[j].list
		}
	}
	if h.Num == 1 && len(st) > 0 && !afterTitleLine(text, h.Start) {
		if st[len(st)-1].rank > r && st.has(h.Kind) {
			return len(st), true
		}
		for j := len(st) - 1; j >= 0 && st[j].rank >= r; j-- {
			if st[j].kind == h.Kind && st[j].list {
				return j, true
			}
		}
	}
	n := len(st)
	for n > 0 && st[n-1].rank >= r {
		n--
	}
	return n, false
}

// afterTitleLine reports whether the heading at i follows text that ends no sentence or
// clause: a title of its own ("下半年工作打算\n一、…", or glued, "…十件民生实事一、…"),
// whose items start the numbering again at the level they first had. After a sentence or a
// colon a numbering that starts again is a list.
func afterTitleLine(text string, i int) bool {
	before := strings.TrimRight(text[:i], " \n")
	return before != "" && !terminated(before) && !strings.HasSuffix(before, "：") && !strings.HasSuffix(before, ":")
}

// push returns the stack once h, whose kind has rank r, has come in text.
func (st headingStack) push(h Heading, r MarkerKind, text string) headingStack {
	d, list := st.place(h, r, text)
	return append(st[:d:d], openHeading{h.Kind, h.Num, list, r})
}

// has reports whether a heading of kind k is open.
func (st headingStack) has(k MarkerKind) bool {
	_, ok := st.nearest(k)
	return ok
}

// nearest returns the innermost open heading of kind k.
func (st headingStack) nearest(k MarkerKind) (openHeading, bool) {
	for j := len(st) - 1; j >= 0; j-- {
		if st[j].kind == k {
			return st[j], true
		}
	}
	return openHeading{}, false
}

// continues reports whether h continues the numbering: the innermost open heading of its
// kind is numbered one less, or h is a first one and none of its kind is open.
func (st headingStack) continues(h Heading) bool {
	o, ok := st.nearest(h.Kind)
	if h.Num == 1 {
		return !ok
	}
	return ok && o.num == h.Num-1
}

// continuesPastList reports whether h continues an outer numbering that a list under it
// interrupted: "一、…二、…（三）…：一、…四、…。三、…" has its last 三、 follow 二、.
func (st headingStack) continuesPastList(h Heading) bool {
	if h.Num == 1 {
		return false
	}
	for j := len(st) - 1; j >= 0; j-- {
		if st[j].kind != h.Kind {
			continue
		}
		if st[j].num == h.Num-1 {
			return true
		}
		if !st[j].list {
			return false
		}
	}
	return false
}

// near reports whether h continues the numbering with at most one number skipped (an item
// whose number the grammar cannot read, "3．10种有色金属").
func (st headingStack) near(h Heading) bool {
	o, ok := st.nearest(h.Kind)
	return ok && (o.num == h.Num-1 || o.num == h.Num-2)
}

// sentenceEnds end the sentences between two numbers that confirm each other.
const sentenceEnds = "。！？!?"

// confirmed reports whether the number cs[ci] is confirmed by its successor: the next
// number of its kind that is one more, which starts a line or follows a full sentence end
// and is no list item, with a full sentence between them, and no number of the same value
// or a continuing number of an outer kind before it.
func confirmed(text string, cs []candidate, ci int, open headingStack) bool {
	h := cs[ci].h
	// A first number of a kind already open is confirmed only by a successor that does not
	// continue the open numbering: "一、…合一、一照一码…二、" has its 二、 follow the first 一、.
	restart := h.Num == 1 && open.has(h.Kind)
	for _, d := range cs[ci+1:] {
		if d.h.Start < h.stop {
			continue
		}
		switch {
		case d.h.Kind < h.Kind:
			if d.lineStart || d.afterStop && open.continues(d.h) {
				return false
			}
		case d.h.Kind != h.Kind:
		case d.h.Num == h.Num:
			return false
		case d.h.Num == h.Num+1:
			if restart && open.continues(d.h) {
				return false
			}
			between := text[h.stop:d.h.Start]
			placed := d.lineStart || d.afterStop && strings.ContainsRune(sentenceEnds, d.stopRune)
			return placed && !d.listItem && strings.ContainsAny(between, sentenceEnds)
		}
	}
	return false
}

// headingList returns the candidates of a list of headings that starts at cs[ci], or nil:
// numbers of the outermost-but-chapter kind (一、) in order from 一、 after a colon, each
// item one clause that ends with ；, the last one with a sentence end, and no item's title
// numbered the same again later (a table of contents, "本报告分三部分：一、…；二、…。",
// announces the headings and is not one). Writers set such a list one item a line; a text
// that lost its line breaks shows it as a paragraph. Lists of the inner kinds
// ("：（一）工业支出为…；（二）…") and enumerations (一是…) stay in the body.
func headingList(text string, cs []candidate, ci int, lastCN map[string]int) []int {
	first := cs[ci].h
	if first.Kind != MarkerCN || first.Num != 1 {
		return nil
	}
	if clauseEnd(text[first.End:]) != '；' {
		return nil
	}
	items := []int{ci}
	last := first
	for j := ci + 1; j < len(cs); j++ {
		d := cs[j]
		if d.h.Start < last.stop {
			continue
		}
		if utf8.RuneCountInString(text[last.Start:min(d.h.Start, last.Start+4*titleScanRunes)]) > titleScanRunes {
			break // an item is one clause
		}
		between := text[last.Start:d.h.Start]
		if strings.ContainsAny(between, sentenceEnds) {
			break
		}
		if d.h.Kind != MarkerCN {
			continue
		}
		if d.h.Num != last.Num+1 || !d.afterStop || (d.stopRune != '；' && d.stopRune != ';') {
			break
		}
		if strings.Count(between, "；")+strings.Count(between, ";") != 1 {
			return nil
		}
		items = append(items, j)
		last = d.h
	}
	if len(items) < 2 {
		return nil
	}
	// the last item ends with a sentence end, and holds no other clause end
	rest := text[last.Start:min(len(text), last.Start+4*titleScanRunes)]
	end := strings.IndexAny(rest, sentenceEnds)
	if end < 0 || strings.ContainsAny(rest[:end], "；;：:") {
		return nil
	}
	listEnd := last.Start + end
	for _, i := range items {
		if lastCN[tocKey(cs[i].h)] > listEnd {
			return nil
		}
	}
	return items
}

// tocKey names a 一、 heading by its number and the start of its title, to find a table of
// contents' items again.
func tocKey(h Heading) string {
	title := []rune(h.Title)
	return strconv.Itoa(h.Num) + "|" + string(title[:min(len(title), 6)])
}

// lastCNs returns where the last 一、 candidate of each tocKey starts.
func lastCNs(cs []candidate) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		if c.h.Kind == MarkerCN {
			m[tocKey(c.h)] = c.h.Start
		}
	}
	return m
}

// clauseEnd returns the first sentence or clause end of s (；for ";"), or 0.
func clauseEnd(s string) rune {
	i := strings.IndexAny(s, titleStops)
	if i < 0 {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == ';' {
		r = '；'
	}
	return r
}

// rightAfterHeading reports whether h comes right after an accepted heading's title.
func rightAfterHeading(hs []Heading, minPos int, h Heading) bool {
	return len(hs) > 0 && h.Start == minPos
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
// may be skipped), or in the order the styles first appear where the document shows an
// order of its own (see documentKindOrder), and numbers in order (see headingStack), as
// ParseHeading reads them (ASCII brackets, a lost bracket). Headings
// are found from the sequence of numbers (see findHeadings), so a text that lost its line
// breaks keeps its tree. Enumerations inside a paragraph (一是…二是…, "：（一）…；（二）…；")
// stay in the body; 1-6月, 2.5万 and 三、四级 are not headings. A heading runs to its first 。
// or ：; a longer one is cut at a comma and its sentence kept in the body too.
func Structure(text string) *Section {
	root := &Section{kind: -1}
	hs, order := headingsInOrder(text)
	sections := []*Section{root} // the open sections; sections[i+1] is open[i]'s
	var open headingStack
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
		r := order.rank(h.Kind)
		d, _ := open.place(h, r, text)
		open = open.push(h, r, text)
		parent := sections[d]
		s := &Section{Heading: h.String(), Level: d + 1, raw: strings.TrimSpace(text[h.Start:max(h.Start, min(max(h.body, h.stop), bodyEnd(i)))]), kind: h.Kind, num: h.Num}
		if end := bodyEnd(i); h.body < end {
			s.Body = strings.TrimSpace(text[h.body:end])
		}
		parent.Sections = append(parent.Sections, s)
		sections = append(sections[:d+1], s)
	}
	return root
}
