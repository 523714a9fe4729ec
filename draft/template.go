package draft

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

// overviewHeading names the section of a document's text before its first heading.
const overviewHeading = "总体情况"

// unsure is the prefix of a slot's Note when the extractor is not sure of it, for a form to show.
const unsure = "待确认："

// TemplateFrom turns a stored document into a figures skeleton: its section tree (the passages'
// heading paths, headings as written), one slot per figure of its text (guard.ClassFigure numbers
// only) with the number as written as Previous, and one empty slot per figure placeholder (xx人,
// ___万元, 20xx年). Values are empty for the writer; slots the extractor is unsure of carry a Note
// starting with 待确认. Title, organization and period come from the document's title and
// metadata. It returns an EEMPTY *retrieval.Error when the document has no passages.
func TemplateFrom(doc *retrieval.Document) (*Figures, error) {
	if len(doc.Passages) == 0 {
		return nil, retrieval.Errorf(retrieval.EEMPTY, "文档“%s”没有正文，无法生成模板", doc.Title)
	}
	f := &Figures{Title: doc.Title, Organization: organizationOf(doc.Title), Period: periodOf(doc.Meta), Template: doc.ID}
	if f.Title == "" {
		f.Title = doc.Key
	}
	emitted := map[string]bool{}
	var last []string
	for _, p := range doc.Passages {
		slots := templateSlots(p.Text)
		path := p.HeadingPath
		if len(path) == 0 {
			if len(slots) == 0 {
				continue // an opening without figures offers nothing to fill
			}
			path = []string{overviewHeading}
		}
		if len(f.Sections) > 0 && slices.Equal(path, last) {
			// One section split into several passages.
			sec := &f.Sections[len(f.Sections)-1]
			sec.Figures = append(sec.Figures, slots...)
			continue
		}
		// Headings above this one that have no text of their own keep the tree.
		for i := range len(path) - 1 {
			key := strings.Join(path[:i+1], "\x00")
			if !emitted[key] {
				emitted[key] = true
				f.Sections = append(f.Sections, SectionInput{Heading: path[i], Figures: []Figure{}})
			}
		}
		emitted[strings.Join(path, "\x00")] = true
		f.Sections = append(f.Sections, SectionInput{Heading: path[len(path)-1], Figures: slots})
		last = path
	}
	if len(f.Sections) == 0 {
		f.Sections = []SectionInput{{Heading: overviewHeading, Figures: []Figure{}}}
	}
	for s := range f.Sections {
		for r := range f.Sections[s].Figures {
			f.Sections[s].Figures[r].ID = fmt.Sprintf("s%df%d", s+1, r+1)
		}
	}
	return f, nil
}

// slot is a figure of a text and where it is, before it is given an ID.
type slot struct {
	start, end int
	fig        Figure
}

// templateSlots returns a slot for every figure and figure placeholder of text, in order.
func templateSlots(text string) []Figure {
	var slots []slot
	holes := placeholderSpans(text)
	spans := guard.ExtractNumbers(text)
	for k, h := range holes {
		unit := strings.TrimLeft(text[h[0]:h[1]], "0123456789０１２３４５６７８９.．-－~～—–xXｘＸ×✕_＿")
		end := h[1]
		if unit == "" {
			// ___万元: the underscores stop before the unit.
			unit = unitAfter(text[end:])
			end += len(unit)
			holes[k][1] = end
		}
		label := labelBefore(text, h[0], spans)
		if w, ok := approxBefore(label); ok {
			label = trimLabel(strings.TrimSuffix(label, w))
		}
		fig := Figure{Label: label, Unit: unit}
		if unit == "年" && strings.ContainsAny(text[h[0]:h[1]], "0123456789") {
			fig.Label = "年份"
		}
		slots = append(slots, slot{start: h[0], end: end, fig: fig})
	}
	for _, s := range spans {
		if overlaps(holes, s.Start, s.End) || guard.Classify(text, s) != guard.ClassFigure {
			continue
		}
		slots = append(slots, slot{start: s.Start, end: s.End, fig: figureOf(text, s, spans)})
	}
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].start < slots[j].start })
	out := make([]Figure, 0, len(slots))
	for _, s := range slots {
		fig := s.fig
		if utf8.RuneCountInString(fig.Label) < 2 {
			fig.Note = joinNote(fig.Note, "指标名称不明")
			if fig.Label == "" {
				fig.Label = "指标"
			}
		}
		if utf8.RuneCountInString(fig.Unit) > MaxUnitRunes {
			fig.Note = joinNote(fig.Note, "单位“"+fig.Unit+"”过长")
			fig.Unit = ""
		}
		out = append(out, fig)
	}
	return out
}

func joinNote(note, add string) string {
	if note == "" {
		return unsure + add
	}
	return note + "；" + add
}

// placeholderSpans returns the byte spans of the figure placeholders of text, in order.
func placeholderSpans(text string) [][2]int {
	var out [][2]int
	for _, ph := range retrieval.FindPlaceholders(text) {
		if !retrieval.IsFigurePlaceholder(ph) {
			continue
		}
		for i := 0; ; {
			k := strings.Index(text[i:], ph)
			if k < 0 {
				break
			}
			start := i + k
			i = start + len(ph)
			if !overlaps(out, start, i) {
				out = append(out, [2]int{start, i})
			}
		}
	}
	return out
}

func overlaps(spans [][2]int, start, end int) bool {
	for _, s := range spans {
		if start < s[1] && s[0] < end {
			return true
		}
	}
	return false
}

// unitAfter returns the unit that starts s: a magnitude and a measure word (万元, 人次, %).
func unitAfter(s string) string {
	n := 0
	for _, r := range s {
		if !strings.ContainsRune("万亿千百元人次个家%％‰例份张亩所名户项件天岁米吨台辆床册场期批条倍周层间位座种只副针斤克升度篇本处起支", r) || n >= 4 {
			break
		}
		n++
	}
	rs := []rune(s)
	return string(rs[:n])
}

// figureOf makes the slot of the figure s of text: its label, unit and value as written.
func figureOf(text string, s guard.NumberSpan, spans []guard.NumberSpan) Figure {
	var notes []string
	label := labelBefore(text, s.Start, spans)
	num := strings.NewReplacer(",", "", "，", "").Replace(width.Fold.String(s.Num))
	unit := s.Unit
	// 万 and 亿 stay in the unit: 3.6万人次 is 3.6 of 万人次.
	for _, mag := range []string{"万亿", "亿", "万", "千", "百"} {
		if rest, ok := strings.CutSuffix(num, mag); ok && isPlainNumber(rest) {
			num, unit = rest, mag+unit
			break
		}
	}
	prev := ""
	switch {
	case isPlainNumber(num):
		prev = num
	case s.Kind == guard.KindChinese && isPlainNumber(s.Value):
		prev = s.Value
		notes = append(notes, "原文为“"+s.Text+"”")
	default:
		notes = append(notes, "原文为“"+s.Text+"”，请填写确切的数字")
	}
	// The unit of a span with an approximation word inside (400余次) starts with it.
	for _, w := range []string{"余", "多"} {
		if strings.Contains(s.Text, w) {
			unit = strings.TrimPrefix(unit, w)
			notes = append(notes, "约数（"+w+"）")
			break
		}
	}
	if w, ok := approxBefore(label); ok {
		label = strings.TrimSpace(strings.TrimSuffix(label, w))
		label = trimLabel(label)
		notes = append(notes, "约数（"+w+"）")
	}
	if inList(text, s.Start, s.End) {
		notes = append(notes, "列举中的数字")
	}
	fig := Figure{Label: label, Unit: unit, Previous: prev}
	for _, n := range notes {
		fig.Note = joinNote(fig.Note, n)
	}
	return fig
}

// approximation words written before a number.
var approxPrefixes = []string{"大约", "将近", "超过", "约", "近", "逾", "超"}

func approxBefore(label string) (string, bool) {
	for _, w := range approxPrefixes {
		if strings.HasSuffix(label, w) {
			return w, true
		}
	}
	return "", false
}

// clauseStops end the clause a label is read from.
const clauseStops = "，,。；;：:！!？?、\n（(）)“”\"《》"

// labelBefore returns the words before byte i in their clause, since the previous number,
// without the verbs that link them to the number (达到, 为) or the scope in front (全县, 其中).
func labelBefore(text string, i int, spans []guard.NumberSpan) string {
	start := 0
	for k := i; k > 0; {
		r, size := utf8.DecodeLastRuneInString(text[:k])
		if strings.ContainsRune(clauseStops, r) {
			start = k
			break
		}
		k -= size
	}
	for _, s := range spans {
		if s.End <= i && s.End > start {
			start = s.End
		}
	}
	label := strings.TrimSpace(text[start:i])
	if _, ok := approxBefore(label); ok {
		return label // figureOf notes the approximation and trims it
	}
	return trimLabel(label)
}

var (
	labelVerbs = regexp.MustCompile(`(?:达到了?|达|为|是|有|至|到|共计|合计|总计|累计|共)$`)
	labelScope = regexp.MustCompile(`^(?:其中|全年|今年以来|今年|上半年|全[省市县区镇乡]|我[局委院市县区镇乡]|累计|共)`)
)

func trimLabel(label string) string {
	for range 2 {
		label = labelVerbs.ReplaceAllString(label, "")
	}
	if t := labelScope.ReplaceAllString(label, ""); utf8.RuneCountInString(t) >= 2 {
		label = t
	}
	return strings.TrimSpace(label)
}

// inList reports whether the number at text[start:end] is one of a list: its clause is set off
// by 、 (新建卫生院3所、卫生室12所).
func inList(text string, start, end int) bool {
	for k := start; k > 0; {
		r, size := utf8.DecodeLastRuneInString(text[:k])
		if r == '、' {
			return true
		}
		if strings.ContainsRune(clauseStops, r) {
			break
		}
		k -= size
	}
	for _, r := range text[end:] {
		if r == '、' {
			return true
		}
		if strings.ContainsRune(clauseStops, r) {
			break
		}
	}
	return false
}

var (
	titleOrgRe  = regexp.MustCompile(`^(.{2,40}?)(?:关于)?(?:19|20)[0-9]{2}年`)
	titleOrgEnd = regexp.MustCompile(`^(.{2,40}?(?:委员会|办公室|政府|中心|医院|学校|公司|局|委|院|厅|办|站|所|部|处|校|队))`)
)

// organizationOf returns the organisation a document's title names before its year
// (青禾县卫生健康局2024年工作总结), or "".
func organizationOf(title string) string {
	title = strings.TrimSpace(title)
	if m := titleOrgRe.FindStringSubmatch(title); m != nil {
		return m[1]
	}
	if m := titleOrgEnd.FindStringSubmatch(title); m != nil {
		return m[1]
	}
	return ""
}

// periodOf returns the period the metadata names: "2024年上半年", "2024年", "第一季度".
func periodOf(m retrieval.Meta) string {
	p := m.Period
	if p == "全年" {
		p = ""
	}
	if len(m.Years) == 1 {
		return strconv.Itoa(m.Years[0]) + "年" + p
	}
	return p
}
