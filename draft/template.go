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
// ___万元, 20xx年). A change stated after a figure (比上年增加220人) and the comparison's old value
// (比2023年的980人) are no slots but the figure's derived and previous tokens (see markChanges);
// set phrases that say none (无一人伤亡, 零死亡) stay as written.
// Values are empty for the writer; slots the extractor is unsure of carry a Note
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
	var parts [][]templatePart // parallel to f.Sections: the text each section's slots stand in
	var last []string
	for _, p := range doc.Passages {
		slots := markChanges(p.Text, slotsOf(p.Text))
		path := p.HeadingPath
		if len(path) == 0 {
			// The text before the first heading is the opening paragraph a draft needs too.
			if strings.TrimSpace(p.Text) == "" {
				continue
			}
			path = []string{overviewHeading}
		}
		part := templatePart{text: p.Text, slots: slots}
		if len(f.Sections) > 0 && slices.Equal(path, last) {
			// One section split into several passages.
			parts[len(parts)-1] = append(parts[len(parts)-1], part)
			continue
		}
		// Headings above this one that have no text of their own keep the tree.
		for i := range len(path) - 1 {
			key := strings.Join(path[:i+1], "\x00")
			if !emitted[key] {
				emitted[key] = true
				f.Sections = append(f.Sections, SectionInput{Heading: path[i], Figures: []Figure{}})
				parts = append(parts, nil)
			}
		}
		emitted[strings.Join(path, "\x00")] = true
		f.Sections = append(f.Sections, SectionInput{Heading: path[len(path)-1], Figures: []Figure{}})
		parts = append(parts, []templatePart{part})
		last = path
	}
	if len(f.Sections) == 0 {
		f.Sections = []SectionInput{{Heading: overviewHeading, Figures: []Figure{}}}
		parts = append(parts, nil)
	}
	for s := range f.Sections {
		var texts []string
		for _, part := range parts[s] {
			ids := make([]string, len(part.slots))
			for k, sl := range part.slots {
				if sl.base >= 0 {
					continue
				}
				ids[k] = fmt.Sprintf("s%df%d", s+1, len(f.Sections[s].Figures)+1)
				fig := sl.fig
				fig.ID = ids[k]
				f.Sections[s].Figures = append(f.Sections[s].Figures, fig)
			}
			texts = append(texts, part.render(ids))
		}
		f.Sections[s].TemplateText = strings.TrimSpace(strings.Join(texts, "\n"))
	}
	f.TemplateOrganization, f.TemplatePeriod = f.Organization, f.Period
	return f, nil
}

// templatePart is a passage of a template section and its slots.
type templatePart struct {
	text  string
	slots []slot
}

// render writes the part's text with each slot as its token: ids[k] for slot k, or, for a change
// stated after a slot, the token of the figure derived from that slot.
func (p templatePart) render(ids []string) string {
	var b strings.Builder
	last := 0
	for k, sl := range p.slots {
		if sl.start < last {
			continue
		}
		b.WriteString(p.text[last:sl.start])
		id := ids[k]
		if sl.base >= 0 {
			id = ids[sl.base] + sl.suffix
		}
		b.WriteString(Token(id))
		last = sl.end
	}
	b.WriteString(p.text[last:])
	return b.String()
}

// changeLabel matches the words before a number that states a change from the period compared with
// (比上年提高, 同比增长, 较去年同期减少).
var changeLabel = regexp.MustCompile(`^(?:同比|环比|(?:比|较)[^，,。；;、]{0,10}?)?(?:增长|增加|提高|提升|上升|下降|降低|减少|下滑|回落|增|降)了?$`)

// rateLabel matches the label of a slot that is itself a change (绿电交易量增长): its previous value
// would be last year's change, so it is not offered as one (Derive would compute a change of a change).
var rateLabel = regexp.MustCompile(`(?:增长|增加|提高|提升|上升|下降|降低|减少|下滑|回落|增幅|降幅|增速)了?$`)

// changeWords returns the words of a label that may say a change: those after its last 、 or scope
// word (其中, 分别), which stand between the figure and its change.
func changeWords(label string) string {
	label = strings.TrimSpace(label)
	if i := strings.LastIndex(label, "、"); i >= 0 {
		label = label[i+len("、"):]
	}
	return label
}

// comparedWith matches the words of a clause before a number that is the value of the period
// compared with (比2023年的980人, 较上年同期的97.2%, 与上年末的): the previous value of the figure
// stated just before it, not a figure of its own.
var comparedWith = regexp.MustCompile(`^(?:比|较|与|同)(?:[0-9０-９]{4}年|上一?年|去年|上年度|上期|同期|上半年|上季度|上月|年初)(?:同期|年末|年底|末|底|初|度)?的$`)

// markChanges finds the slots that state a change of a figure before them in the same sentence
// (签约率达到68.5%，比上年提高2.1个百分点): such a number is computed again from the figure's
// new and previous values (Derive), so it is no slot for the writer but the derived figure's token.
// A slot that is the comparison's old value (献血人数达1200人，比2023年的980人增加220人) is the
// figure's previous value, and the change after it is the figure's (1200's), never the old
// value's; a second change after a change (较上年减少12公里，下降20.7%) is of the same figure.
// A slot is never taken as the base of a change when it is itself a comparison's old value.
func markChanges(text string, slots []slot) []slot {
	for k := range slots {
		slots[k].base = -1
	}
	sameSentence := func(a, b slot) bool { return !strings.ContainsAny(text[a.end:b.start], "。；;！？!?\n") }
	for k := 1; k < len(slots); k++ {
		o, m := &slots[k], slots[k-1]
		if !comparedWith.MatchString(clauseText(text, o.start)) || m.fig.Previous == "" || m.base >= 0 ||
			!sameSentence(m, *o) || !sameMeasure(m.fig.Unit, o.fig.Unit) {
			continue
		}
		o.base, o.suffix = k-1, SuffixPrevious
	}
	for k := 1; k < len(slots); k++ {
		c := &slots[k]
		if c.base >= 0 || !changeLabel.MatchString(changeWords(c.rawLabel)) || c.fig.Previous == "" {
			continue
		}
		if comparedWith.MatchString(clauseText(text, slots[k-1].start)) && slots[k-1].base < 0 {
			continue // the old value of a figure this template does not hold: no base for a change
		}
		b := k - 1
		if p := slots[b]; p.base >= 0 {
			if p.suffix != SuffixPrevious && p.suffix != SuffixChange {
				continue
			}
			b = p.base // 比2023年的【previous】增加…, 减少【change】，下降…: the figure's
		}
		base := slots[b]
		if base.base >= 0 || base.fig.Previous == "" || !sameSentence(base, *c) {
			continue
		}
		_, isRate := pointUnitOf(base.fig.Unit)
		switch {
		case isRate && (c.fig.Unit == "个百分点" || c.fig.Unit == "%" || c.fig.Unit == "百分点"):
			c.suffix = SuffixChange
		case !isRate && (c.fig.Unit == "%" || c.fig.Unit == "％"):
			c.suffix = SuffixGrowth
		case !isRate && sameMeasure(c.fig.Unit, base.fig.Unit):
			c.suffix = SuffixChange
		default:
			continue
		}
		if slices.ContainsFunc(slots[:k], func(s slot) bool { return s.base == b && s.suffix == c.suffix }) {
			c.suffix = ""
			continue // the change is stated once already
		}
		c.base = b
	}
	for k := range slots {
		s := &slots[k]
		switch raw := strings.TrimSpace(s.rawLabel); {
		case s.base >= 0 || s.fig.Previous == "":
		case rateLabel.MatchString(raw):
			s.fig.Note = joinNote(s.fig.Note, "增减幅度，上期为"+s.fig.Previous+s.fig.Unit+"，不作比较")
			s.fig.Previous = ""
		case strings.HasSuffix(raw, "第"):
			// 第32个爱国卫生月 is an ordinal: the next one is 第33个, not an increase of 1.
			s.fig.Note = joinNote(s.fig.Note, "序数，上期为第"+s.fig.Previous+s.fig.Unit+"，不作比较")
			s.fig.Previous = ""
		case comparedWith.MatchString(clauseText(text, s.start)):
			// The old value of a comparison with no figure before it: last year's old value is no
			// previous value of anything.
			s.fig.Note = joinNote(s.fig.Note, "对比的基数，上期为"+s.fig.Previous+s.fig.Unit+"，不作比较")
			s.fig.Previous = ""
		}
	}
	return slots
}

// clauseText returns the words of text before byte i in their clause, numbers included.
func clauseText(text string, i int) string {
	for k := i; k > 0; {
		r, size := utf8.DecodeLastRuneInString(text[:k])
		if strings.ContainsRune(clauseStops, r) {
			return strings.TrimSpace(text[k:i])
		}
		k -= size
	}
	return strings.TrimSpace(text[:i])
}

// sameMeasure reports whether two units measure the same thing, magnitudes aside: 亿元 and 万元,
// 万人次 and 人次. A derived change is stated in the figure's unit (1.2亿元 − 1亿元 = 0.2亿元).
func sameMeasure(a, b string) bool {
	strip := func(u string) string {
		u = strings.ReplaceAll(u, "％", "%")
		return strings.TrimLeft(u, "万亿千百")
	}
	return strip(a) == strip(b)
}

// slot is a figure of a text and where it is, before it is given an ID.
type slot struct {
	start, end int
	fig        Figure
	rawLabel   string // the words before the number in its clause, verbs and all
	base       int    // for a change or the previous value of another slot (see markChanges), that slot's index; else -1
	suffix     string // SuffixChange, SuffixGrowth or SuffixPrevious, when base is set
}

// templateSlots returns a figure for every figure and figure placeholder of text, in order.
func templateSlots(text string) []Figure {
	var out []Figure
	for _, s := range slotsOf(text) {
		out = append(out, s.fig)
	}
	return out
}

// slotsOf returns a slot for every figure and figure placeholder of text, in order.
func slotsOf(text string) []slot {
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
		slots = append(slots, slot{start: h[0], end: end, fig: fig, base: -1})
	}
	for _, s := range spans {
		if overlaps(holes, s.Start, s.End) || guard.Classify(text, s) != guard.ClassFigure {
			continue
		}
		if s.Kind == guard.KindSymbol || s.Kind == guard.KindDate || s.Kind == guard.KindRatio {
			continue // Ⅲ类 is a class, not a quantity
		}
		if setPhrase(text, s) {
			continue // 无一人伤亡, 零死亡: a way of saying none, kept as written
		}
		slots = append(slots, slot{start: s.Start, end: s.End, fig: figureOf(text, s, spans), rawLabel: clauseBefore(text, s.Start, spans), base: -1})
	}
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].start < slots[j].start })
	out := make([]slot, 0, len(slots))
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
		s.fig = fig
		out = append(out, s)
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
	label := clauseBefore(text, i, spans)
	if _, ok := approxBefore(label); ok {
		return label // figureOf notes the approximation and trims it
	}
	return trimLabel(label)
}

// clauseBefore returns the words before byte i in their clause, since the previous number.
func clauseBefore(text string, i int, spans []guard.NumberSpan) string {
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
	return strings.TrimSpace(text[start:i])
}

var (
	labelVerbs = regexp.MustCompile(`(?:达到了?|达|为|是|有|至|到|共计|合计|总计|累计|共|均)$`)
	labelScope = regexp.MustCompile(`^(?:其中|全年|今年以来|今年|上半年|全[省市县区镇乡]|我[局委院市县区镇乡]|累计|共)`)
)

func trimLabel(label string) string {
	for range 2 {
		if strings.HasSuffix(label, "行为") || strings.HasSuffix(label, "作为") {
			break // 违法行为, 不作为: the 为 is the word's own
		}
		label = labelVerbs.ReplaceAllString(label, "")
	}
	if t := labelScope.ReplaceAllString(label, ""); utf8.RuneCountInString(t) >= 2 {
		label = t
	}
	return strings.TrimSpace(label)
}

// setPhrase reports whether the Chinese numeral s of text is part of a set phrase that says none
// (无一人伤亡, 零死亡, 零事故, 一票否决): no figure for a writer to fill in.
func setPhrase(text string, s guard.NumberSpan) bool {
	if s.Kind != guard.KindChinese {
		return false
	}
	before := text[:s.Start]
	switch {
	case strings.HasSuffix(before, "无") || strings.HasSuffix(before, "没有") || strings.HasSuffix(before, "未有"):
		return strings.HasPrefix(s.Text, "一")
	case s.Text == "零" || strings.HasPrefix(s.Text, "零") && s.Unit == "":
		return true
	}
	return strings.HasPrefix(text[s.Start:], "一票否决")
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

// reasonTemplate starts the reason of a sentence that carries over something of the template's
// that this draft's figures do not support.
const reasonTemplate = "去年的内容，请确认是否仍然属实"

// flagTemplate raises to high risk every generated sentence of a section drafted from a template
// (sents, as analyse made them of text, checked as rep) that states a number of the template's
// other than this period's figures: a number the template text holds (a date, a ranking, a figure
// the writer gave no slot for), or a figure's previous value, which came from the template. It
// also names the template as the cause in a high-risk sentence largely copied from it. A number
// bound only to a figure the drafter was not asked for (unasked: the changes SectionInput.Optional
// leaves out) is no figure of this draft's: no drafter wrote that figure's token, so the number is
// the template's own (its 4家 happening to equal this year's change of 4家). A sentence that
// still holds a placeholder of the template's (XX镇, xx公里) is high too.
func flagTemplate(g *guard.Guard, text string, rep guard.Report, sents []Sentence, templateText string, unasked map[string]bool) {
	plain := tokenRE.ReplaceAllString(templateText, "□")
	old := map[string]bool{}
	for _, sp := range guard.ExtractNumbers(plain) {
		if c := g.Classify(plain, sp); c == guard.ClassEnumerator || c == guard.ClassFixedName {
			continue
		}
		old[width.Fold.String(sp.Text)] = true
	}
	ss, offs := guard.SplitSentences(text)
	if len(ss) > len(sents) {
		return
	}
	sentenceAt := func(pos int) int {
		for i := len(offs) - 1; i >= 0; i-- {
			if pos >= offs[i] {
				return i
			}
		}
		return -1
	}
	flag := func(i int, why string) {
		if i < 0 || !sents[i].Generated {
			return
		}
		st := &sents[i]
		reason := reasonTemplate + "：" + why
		if slices.Contains(st.Reasons, reason) {
			return
		}
		if st.Risk != RiskHigh {
			st.Risk, st.Reasons = RiskHigh, nil
		}
		st.Reasons = append([]string{reason}, st.Reasons...)
	}
	for _, sp := range guard.ExtractNumbers(text) {
		if c := g.Classify(text, sp); c == guard.ClassEnumerator || c == guard.ClassFixedName {
			continue
		}
		current, previous := false, false
		for _, m := range rep.Bound {
			if m.Span.Start < sp.End && sp.Start < m.Span.End {
				if strings.HasSuffix(m.FigureID, SuffixPrevious) {
					previous = true
				} else if !unasked[m.FigureID] {
					current = true
				}
			}
		}
		switch {
		case previous && !current:
			flag(sentenceAt(sp.Start), "“"+sp.Text+"”是模板中的上期数。")
		case !current && old[width.Fold.String(sp.Text)]:
			flag(sentenceAt(sp.Start), "“"+sp.Text+"”出自模板原文，本期没有对应的数据。")
		}
	}
	for i, s := range ss {
		// A blank the template's author left (XX镇, xx公里) is never this period's fact.
		if ph := retrieval.FindPlaceholders(s); len(ph) > 0 {
			flag(i, "“"+ph[0]+"”是模板中的占位符，请填写确切的内容或删除。")
		}
	}
	tg := ngrams(plain)
	for i, s := range ss {
		flagged := slices.ContainsFunc(sents[i].Reasons, func(r string) bool { return strings.HasPrefix(r, reasonTemplate) })
		if !flagged && sents[i].Risk == RiskHigh && copied(ngrams(s), tg, nil) >= copyThreshold {
			flag(i, "这句话沿用了模板原文。")
		}
	}
}

var templateYearRE = regexp.MustCompile(`((?:19|20)[0-9]{2})年`)

// periodFrames match what follows a year that frames the period it opens (2024年，… 2024年以来
// 2024年全年 2024年全县…), and what follows next year's that opens a plan (2025年，… 2025年将…).
var (
	periodFrames = regexp.MustCompile(`^(?:[，,]|以来|全年|年度|度|全[省市县区镇乡国]|我[局委院办厅市县区镇乡]|是|共|累计|期间|工作)`)
	planFrames   = regexp.MustCompile(`^(?:[，,]|将|要|是|全年|年度|度|工作|计划|力争|继续)`)
	anyFrame     = regexp.MustCompile(`^(?:以来|全年|年度|度)`)
	// planHeading matches the rest of a heading that names next year's plan (2025年工作安排), so a
	// heading the writer already moved on (2025年主要工作) is not moved twice.
	planHeading = regexp.MustCompile(`计划|安排|打算|思路|要点|目标|任务|展望|重点工作`)
)

// Retarget writes a draft's organisation and period where a template's body text wrote the
// template's own (fromOrg, fromPeriod): the organisation; the period as a whole when it is more
// than a year (2024年上半年 → 2025年上半年); the period's year only where it frames the period (a
// clause opening 2024年， or 2024年全县, and 2024年以来, 2024年全年, 2024年度 anywhere); next year's
// where it opens a plan (2025年将 → 2026年将); and the year before after 比, 较 or 与 (较2023年 →
// 较2024年). Every other year (2024年6月18日, 自2024年起) is history and stays as written, for the
// pipeline to flag. Full-width digits are written half-width first.
func Retarget(text, fromOrg, toOrg, fromPeriod, toPeriod string) string {
	return retarget(text, fromOrg, toOrg, fromPeriod, toPeriod, false)
}

// RetargetHeading is Retarget for a heading or a title, which name the period wherever they name
// its year: every year of the period and the one after it (三、2025年工作安排 of a 2024 template)
// moves on, as does the year before after 比, 较 or 与.
func RetargetHeading(text, fromOrg, toOrg, fromPeriod, toPeriod string) string {
	return retarget(text, fromOrg, toOrg, fromPeriod, toPeriod, true)
}

// DraftTitle returns the title of a draft of f: the template's title with this draft's
// organisation and period when f comes from a template (RetargetHeading).
func (f *Figures) DraftTitle() string {
	if f.TemplatePeriod == "" && f.TemplateOrganization == "" || f.Period != "" && strings.Contains(foldDigits(f.Title), foldDigits(f.Period)) {
		return f.Title // not from a template, or the writer's title names the period already
	}
	return RetargetHeading(f.Title, f.TemplateOrganization, f.Organization, f.TemplatePeriod, f.Period)
}

func retarget(text, fromOrg, toOrg, fromPeriod, toPeriod string, heading bool) string {
	text = foldDigits(text)
	if o, n := strings.TrimSpace(fromOrg), strings.TrimSpace(toOrg); o != "" && n != "" && o != n {
		text = strings.ReplaceAll(text, o, n)
	}
	op, np := foldDigits(strings.TrimSpace(fromPeriod)), foldDigits(strings.TrimSpace(toPeriod))
	if op == "" || np == "" || op == np {
		return text
	}
	oy, ny := yearOf(op), yearOf(np)
	const whole = "\x00period\x00"
	if strings.Contains(op, "年") && strings.TrimSpace(templateYearRE.ReplaceAllString(op, "")) != "" {
		// 2024年上半年 as a whole, kept from the year rules below; a bare 2024年 is placed by them.
		text = strings.ReplaceAll(text, op, whole)
	}
	if oy == 0 || ny == 0 || oy == ny {
		return strings.ReplaceAll(text, whole, np)
	}
	ms := templateYearRE.FindAllStringSubmatchIndex(text, -1)
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if m[0] > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:m[0]]); r >= '0' && r <= '9' {
				continue
			}
		}
		y, _ := strconv.Atoi(text[m[2]:m[3]])
		before, after := text[:m[0]], text[m[1]:]
		opens := before == ""
		if r, _ := utf8.DecodeLastRuneInString(before); strings.ContainsRune("。！？!?；;，,：:\n", r) {
			opens = true
		}
		dated := after != "" && (after[0] >= '0' && after[0] <= '9' || strings.HasPrefix(after, "起") || strings.HasPrefix(after, "前"))
		switch {
		case y == oy-1 && (strings.HasSuffix(before, "比") || strings.HasSuffix(before, "较") || strings.HasSuffix(before, "与")):
			y = ny - 1
		case dated:
			continue
		case y == oy && (heading || anyFrame.MatchString(after) || opens && periodFrames.MatchString(after)):
			y = ny
		case y == oy+1 && (heading && planHeading.MatchString(after) || opens && planFrames.MatchString(after)):
			y = ny + 1
		default:
			continue
		}
		b.WriteString(text[last:m[2]])
		b.WriteString(strconv.Itoa(y))
		last = m[3]
	}
	b.WriteString(text[last:])
	return strings.ReplaceAll(b.String(), whole, np)
}

func yearOf(period string) int {
	m := templateYearRE.FindStringSubmatch(period)
	if m == nil {
		return 0
	}
	y, _ := strconv.Atoi(m[1])
	return y
}

// Outline returns the headings a new draft of kind starts from: the top-level headings most common
// among docs of that kind (retrieval's kind read from each document's metadata; 述职 is 报告), those
// found in at least two documents, at most limit (0: no limit), in the order they usually come, numbered 一、二、…
// and opened by 总体情况 as the kind's built-in outline is; the built-in outline (DocumentKinds) when
// docs have fewer than two such headings. An unknown kind has no outline.
func Outline(kind string, docs []*retrieval.Document, limit int) []string {
	k, ok := KindOf(kind)
	if !ok {
		return nil
	}
	type seen struct {
		docs int
		pos  float64 // the sum of its relative places, one per document
	}
	count := map[string]*seen{}
	var order []string
	for _, d := range docs {
		if d.Meta.Kind != retrievalKinds[k.Name] {
			continue
		}
		var tops []string
		for _, p := range d.Passages {
			if len(p.HeadingPath) == 0 {
				continue
			}
			h := HeadingText(p.HeadingPath[0])
			if h != "" && !slices.Contains(tops, h) {
				tops = append(tops, h)
			}
		}
		for i, h := range tops {
			c := count[h]
			if c == nil {
				c = &seen{}
				count[h] = c
				order = append(order, h)
			}
			c.docs++
			c.pos += float64(i) / float64(len(tops))
		}
	}
	var common []string
	for _, h := range order {
		if count[h].docs >= 2 {
			common = append(common, h)
		}
	}
	if len(common) < 2 {
		return slices.Clone(k.Outline)
	}
	sort.SliceStable(common, func(i, j int) bool { return count[common[i]].docs > count[common[j]].docs })
	if limit > 0 && len(common) > limit {
		common = common[:limit]
	}
	sort.SliceStable(common, func(i, j int) bool {
		return count[common[i]].pos/float64(count[common[i]].docs) < count[common[j]].pos/float64(count[common[j]].docs)
	})
	out := []string{}
	if _, numbered := retrieval.ParseHeading(k.Outline[0]); !numbered {
		out = append(out, k.Outline[0]) // the overview: 总体情况, 总体要求
	}
	for i, h := range common {
		out = append(out, ChineseOrdinal(i+1)+"、"+h)
	}
	return out
}

// HeadingWarnings returns what a reviewer must check in section n's heading, as the draft prints
// it, when the draft comes from a template: each number of the heading (一、接待游客突破500万人次)
// that is no figure of the section's, which is the template's own and no fact of this period. A
// heading's years are the template's period, moved on by RetargetHeading, and are not listed.
func (d *Draft) HeadingWarnings(n int) []string {
	if d.Input == nil || d.Input.Template == "" || n < 0 || n >= len(d.Sections) {
		return nil
	}
	h := d.Sections[n].Heading
	var current map[string]bool
	var out []string
	for _, sp := range guard.ExtractNumbers(h) {
		if c := guard.Classify(h, sp); c == guard.ClassEnumerator || c == guard.ClassFixedName ||
			sp.Kind == guard.KindDate || sp.Kind == guard.KindSymbol || templateYearRE.MatchString(sp.Text) || quoted(h, sp.Start) {
			continue
		}
		if current == nil {
			current = map[string]bool{}
			for _, f := range d.SectionFigures(n) {
				current[width.Fold.String(f.Text)] = true
			}
		}
		if !current[width.Fold.String(sp.Text)] {
			out = append(out, "小标题中的“"+sp.Text+"”出自模板，本期没有对应的数据，请核实或修改。")
		}
	}
	return out
}

// quoted reports whether byte i of s stands inside “…” (实施“3个100”工程: a name, not a figure).
func quoted(s string, i int) bool {
	return strings.Count(s[:i], "“") > strings.Count(s[:i], "”")
}
