package guard

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Class says what a numeric expression is doing in a sentence.
type Class string

// Classes of number spans. Only figures and dates must come from the writer; the others are not claims
// about quantities (rankings are claims, but of another kind, and are reported apart).
const (
	ClassFigure     Class = "figure"     // a quantity: 36239人, 两支医疗队, 3.6万
	ClassDate       Class = "date"       // 2025年, 1-6月, 5月25日, 第一季度, 2020-10-03
	ClassEnumerator Class = "enumerator" // 一是, 第一，, （三）, 一、 at a heading, (1), ①, 其一
	ClassFixedName  Class = "fixed_name" // 十九大, 三甲医院, 5G, 一站式, 进一步, 《…》 and “…” names
	ClassRanking    Class = "ranking"    // 全市第一, 排名第9
)

// BoundFigure is a figure a draft may state: its ID and its text exactly as the writer gave it,
// unit included ("36239人", "226.7万元", "90%").
type BoundFigure struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// Optional figures may be stated but are never missing: the values a figure was compared with.
	Optional bool `json:"optional,omitempty"`
	// Label names what the figure counts, as the writer wrote it (for a derived figure, with the
	// words of its computation: 门诊人次比上期增加). Claims check that a sentence states the figure of
	// what it speaks of.
	Label string `json:"label,omitempty"`
	// Derived is true for figures draftd computed (changes, growth and completion rates).
	Derived bool `json:"derived,omitempty"`
	// Trend is how the figure moved against its previous value, and VsTarget how it stands against
	// its target; the figures derived from one share its directions. DirNone when not given.
	Trend    Direction `json:"trend,omitempty"`
	VsTarget Direction `json:"vs_target,omitempty"`
}

// Match is a number of the draft that states a figure.
type Match struct {
	FigureID string     `json:"figure_id"`
	Span     NumberSpan `json:"span"`
	// Exact is true when the draft has the figure's whole text ("36239人"); false when it has the
	// same numeral with no unit or the figure had none ("36239").
	Exact bool `json:"exact"`
}

// Flag is a number of the draft that is not a figure's: either allowed (a name, an enumerator, a
// date of the writer's) or unbound, with the reason.
type Flag struct {
	NumberSpan
	Class  Class  `json:"class"`
	Reason string `json:"reason"`
	// FigureID names the figure an unbound number resembles (same value spelled otherwise, or a
	// rounding of it), when there is one.
	FigureID string `json:"figure_id,omitempty"`
}

// Report is the guard's verdict on a draft text. Every number of the text is in exactly one of
// Bound, Allowed and Unbound; in Bound once per figure it states (two figures written alike, such as
// a value and its change from a previous value of 0, may share one occurrence).
type Report struct {
	Bound    []Match  `json:"bound"`
	Unbound  []Flag   `json:"unbound"`
	Allowed  []Flag   `json:"allowed"`
	Missing  []string `json:"missing"`  // IDs of figures the text does not state
	Rankings []Phrase `json:"rankings"` // ranking claims (全市第一, 率先, 唯一, 首次) for the writer to confirm
}

// OK reports whether every number is accounted for and every figure stated.
func (r Report) OK() bool { return len(r.Unbound) == 0 && len(r.Missing) == 0 }

// Guard checks that the numbers of a draft are the writer's.
type Guard struct {
	allow *Allowlist
	lex   *Lexicon
}

// NewGuard returns a guard that treats the phrases of a as names and rankings; nil means DefaultAllowlist.
func New(a *Allowlist) *Guard {
	if a == nil {
		a = DefaultAllowlist()
	}
	return &Guard{allow: a, lex: DefaultLexicon()}
}

// Check runs the default guard; see Guard.Check.
func Check(text string, figures []BoundFigure, userText []string) Report {
	return New(nil).Check(text, figures, userText)
}

// Classify runs the default guard's classification; see Guard.Classify.
func Classify(text string, s NumberSpan) Class { return New(nil).Classify(text, s) }

// Check accounts for every number of text.
//
// A number is bound to a figure when it lies inside an occurrence of the figure's text, or when its
// numeral is written exactly as the figure's (same Num: same digits, same width, same magnitude
// character) and its unit is the figure's or absent — percentages only match percentages, and only
// 月份 for 月 and 年度 for 年 count as the same unit. Any other
// spelling is unbound, even of the same value: 3.6万 or 三万六千二百三十九 for 36239人, and also
// ３６２３９人, because a draft must carry the writer's string, not an equivalent of it.
//
// Otherwise a number is allowed when it is an enumerator, a fixed name or a ranking (see Classify),
// or when the same number (by the same rule) occurs in userText: the title, period, headings and notes
// the writer typed, which is how dates get in. Everything else is unbound: when in doubt the guard
// flags. A figure is missing when no number of text is bound to it.
func (g *Guard) Check(text string, figures []BoundFigure, userText []string) Report {
	spans := ExtractNumbers(text)
	figSpans := make([][]NumberSpan, len(figures))
	occ := make([][]Span, len(figures))
	for k, f := range figures {
		figSpans[k] = ExtractNumbers(f.Text)
		occ[k] = occurrences(text, f.Text)
	}
	var user []NumberSpan
	for _, u := range userText {
		for _, sp := range ExtractNumbers(u) {
			// A list number in the writer's notes (1. 2. 一是) states nothing: it must not let the
			// model write that numeral as a count ("新建2所").
			if g.Classify(u, sp) != ClassEnumerator {
				user = append(user, sp)
			}
		}
	}
	var rep Report
	var months []bool // the months of the writer's period, read when a date needs them
	stated := make([]bool, len(figures))
	bind := func(k int, s NumberSpan, exact bool) {
		stated[k] = true
		rep.Bound = append(rep.Bound, Match{FigureID: figures[k].ID, Span: s, Exact: exact})
	}
	ranked := make([]bool, len(spans)) // which numbers were allowed as ranks
	// Figures written alike share occurrences: each occurrence goes to the first of them not yet
	// stated, so 226.70万元，比上期增加226.70万元 states both the value and its change.
	owner := map[int]int{} // occurrence start → the figure it was given to
	for i, s := range spans {
		if k := inOccurrence(occ, s, stated, owner, figures); k >= 0 {
			bind(k, s, true)
			continue
		}
		class := g.Classify(text, s)
		switch class {
		case ClassEnumerator, ClassFixedName, ClassRanking:
			ranked[i] = class == ClassRanking
			rep.Allowed = append(rep.Allowed, Flag{NumberSpan: s, Class: class, Reason: allowedReason[class]})
			continue
		}
		if k, exact := sameAsFigure(figures, figSpans, s); k >= 0 {
			bind(k, s, exact)
			continue
		}
		if inUserText(user, s) {
			rep.Allowed = append(rep.Allowed, Flag{NumberSpan: s, Class: class, Reason: "用户填写的标题、时间段、小标题或备注中有此数"})
			continue
		}
		if class == ClassDate && months == nil {
			months = periodMonths(userText)
		}
		if class == ClassDate && inPeriod(s, months) {
			rep.Allowed = append(rep.Allowed, Flag{NumberSpan: s, Class: class, Reason: "撰稿人填写的时间段之内的月份（如“截至6月底”）"})
			continue
		}
		rep.Unbound = append(rep.Unbound, explainUnbound(figures, figSpans, s, class))
	}
	// A figure written like one that is stated is stated by the same words: saying 226.70万元 once
	// more for the change would only repeat it.
	n := len(rep.Bound)
	for k, f := range figures {
		if stated[k] || f.Optional {
			continue
		}
		for _, m := range rep.Bound[:n] {
			if m.Exact && figures[figureIndex(figures, m.FigureID)].Text == f.Text {
				bind(k, m.Span, true)
				break
			}
		}
	}
	sort.SliceStable(rep.Bound, func(a, b int) bool { return rep.Bound[a].Span.Start < rep.Bound[b].Span.Start })
	for k, f := range figures {
		if stated[k] || f.Optional || (len(figSpans[k]) == 0 && f.Text != "" && strings.Contains(text, f.Text)) {
			continue
		}
		rep.Missing = append(rep.Missing, f.ID)
	}
	// A ranking phrase is reported when it holds no number (率先) or when its number reads as a rank:
	// the 第一 of 第一，加强… is an enumerator, and the phrase must not cut a number (第一季度).
	for _, p := range g.allow.Find(text) {
		if p.Class != ClassRanking || cutsNumber(spans, p.Span) {
			continue
		}
		first := sort.Search(len(spans), func(k int) bool { return spans[k].Start >= p.Start })
		rank, numbers := false, false
		for k := first; k < len(spans) && spans[k].End <= p.End; k++ {
			numbers = true
			rank = rank || ranked[k]
		}
		if rank || !numbers {
			rep.Rankings = append(rep.Rankings, p)
		}
	}
	return rep
}

var allowedReason = map[Class]string{
	ClassEnumerator: "序号，不是数量",
	ClassFixedName:  "固定名称或习惯说法中的数字，不是数量",
	ClassRanking:    "排名或首创说法，请核实（见排名提示）",
}

// occurrences returns the non-overlapping occurrences of sub in text.
func occurrences(text, sub string) []Span {
	if sub == "" {
		return nil
	}
	var out []Span
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], sub)
		if j < 0 {
			break
		}
		out = append(out, Span{Start: i + j, End: i + j + len(sub), Text: sub})
		i += j + len(sub)
	}
	return out
}

// inOccurrence returns the figure with the longest occurrence holding s whole, or -1. Of
// figures written alike, the one the occurrence was given already (owner), else the first one that
// is neither stated nor optional, else the first one.
func inOccurrence(occ [][]Span, s NumberSpan, stated []bool, owner map[int]int, figures []BoundFigure) int {
	best, bestLen, start := -1, 0, 0
	var tied []int
	for k, os := range occ {
		// Occurrences do not overlap and are in order: only the last one starting at or before s can hold it.
		j := sort.Search(len(os), func(j int) bool { return os[j].Start > s.Start }) - 1
		if j < 0 || s.End > os[j].End {
			continue
		}
		switch l := os[j].End - os[j].Start; {
		case l > bestLen:
			best, bestLen, start, tied = k, l, os[j].Start, []int{k}
		case l == bestLen && os[j].Start == start:
			tied = append(tied, k)
		}
	}
	if len(tied) < 2 {
		return best
	}
	if k, ok := owner[start]; ok {
		return k
	}
	for _, k := range tied {
		if !stated[k] && !figures[k].Optional {
			best = k
			break
		}
	}
	owner[start] = best
	return best
}

// figureIndex returns the index of the figure with the given ID.
func figureIndex(figures []BoundFigure, id string) int {
	for k, f := range figures {
		if f.ID == id {
			return k
		}
	}
	return -1
}

// sameAsFigure returns the figure whose numeral s repeats, preferring one written exactly like s.
// The match is exact only when s is the figure's whole text: "36239人次" does not state exactly a
// figure of 36239 with the unit 人次（含急诊）.
func sameAsFigure(figures []BoundFigure, figSpans [][]NumberSpan, s NumberSpan) (int, bool) {
	loose := -1
	for k, fs := range figSpans {
		for _, f := range fs {
			if f.Text == s.Text {
				return k, s.Text == figures[k].Text
			}
			if loose < 0 && sameNumber(s, f) {
				loose = k
			}
		}
	}
	if loose >= 0 {
		return loose, false
	}
	// A figure draftd derived is its value written in Arabic digits in any magnitude: 60% for a
	// completion rate of 60.0%, 增加800人次 for a change of 0.08万人次. The writer's own figures keep
	// their exact strings, and no figure is stated in Chinese numerals it was not given in.
	for k, fs := range figSpans {
		if !figures[k].Derived || len(fs) != 1 {
			continue
		}
		if (s.Kind == KindArabic || s.Kind == KindPercent) && sameValue(s, fs[0]) && fs[0].End == len(figures[k].Text) {
			return k, true
		}
	}
	return -1, false
}

// SameValue reports whether s and ref are the same quantity: equal values in the same unit
// (magnitudes such as 万 are part of the value), percentages only for percentages.
func SameValue(s, ref NumberSpan) bool { return sameValue(s, ref) }

// sameValue reports whether s and ref are the same quantity: equal values in the same unit
// (magnitudes such as 万 are part of the value), percentages only for percentages.
func sameValue(s, ref NumberSpan) bool {
	if s.Value == "" || ref.Value == "" || unitAlias(s.Unit) != unitAlias(ref.Unit) || s.Kind == KindRange || ref.Kind == KindRange {
		return false
	}
	a, ok1 := new(big.Rat).SetString(s.Value)
	b, ok2 := new(big.Rat).SetString(ref.Value)
	return ok1 && ok2 && a.Cmp(b) == 0
}

// unitsComparable reports whether a number in unit a may be another spelling of one in unit
// b: the same unit, or no unit on one side, and a percentage only for a percentage. 三年 is never
// 2.6个百分点.
func unitsComparable(a, b string) bool {
	if isPercent(a) != isPercent(b) {
		return false
	}
	return unitAlias(a) == unitAlias(b) || a == "" || b == ""
}

// sameNumber reports whether s states the number ref states: the same numeral as written, with the
// same unit or no unit on one side, and a percentage only for a percentage.
func sameNumber(s, ref NumberSpan) bool {
	if s.Text == ref.Text {
		return true
	}
	if s.Num != ref.Num {
		return false
	}
	switch {
	case unitAlias(s.Unit) == unitAlias(ref.Unit):
		return true
	case isPercent(s.Unit) || isPercent(ref.Unit):
		return false
	default:
		// A number that lost its unit on one side may be the other, but a date is never a count:
		// 7月 is no statement of a figure of 7.
		return (s.Unit == "" || ref.Unit == "") && !dateUnits[s.Unit] && !dateUnits[ref.Unit]
	}
}

// dateUnits are the units that make a number a point or span of time.
var dateUnits = map[string]bool{"年": true, "月": true, "月份": true, "日": true, "号": true, "季度": true}

// unitAlias maps units that say the same to one: 1-6月份 is the writer's 1-6月, ８.７％ its 8.7%.
func unitAlias(unit string) string {
	switch unit {
	case "％":
		return "%"
	case "月份":
		return "月"
	case "年度":
		return "年"
	}
	return unit
}

func isPercent(unit string) bool { return unit == "%" || unit == "％" || unit == "‰" }

// inUserText reports whether the writer's own text has s: the same numeral, whatever the width
// of its digits, with the same unit (a unit missing on one side does not count here, unlike for
// figures).
func inUserText(user []NumberSpan, s NumberSpan) bool {
	for _, u := range user {
		if s.Text == u.Text || (numFold(s.Num) == numFold(u.Num) && unitAlias(s.Unit) == unitAlias(u.Unit)) {
			return true
		}
	}
	return false
}

// explainUnbound explains an unbound number, naming the figure it resembles if any.
func explainUnbound(figures []BoundFigure, figSpans [][]NumberSpan, s NumberSpan, class Class) Flag {
	fl := Flag{NumberSpan: s, Class: class, Reason: "不是用户提供的数字"}
	if class == ClassDate {
		fl.Reason = "日期未出现在用户填写的标题、时间段、小标题或备注中"
		return fl
	}
	v, ok := new(big.Rat).SetString(s.Value)
	if !ok || s.Value == "" {
		return fl
	}
	// Equal values first, in any figure, then roundings: 60% is not a rounding of 57.7% when a figure
	// of 60.0% exists. Only numbers in comparable units count. Claims check that the label fits too.
	for pass := 0; pass < 2; pass++ {
		for k, fs := range figSpans {
			for _, f := range fs {
				fv, ok := new(big.Rat).SetString(f.Value)
				if !ok || f.Value == "" || !unitsComparable(s.Unit, f.Unit) {
					continue
				}
				if pass == 0 && v.Cmp(fv) == 0 {
					fl.FigureID = figures[k].ID
					fl.Reason = fmt.Sprintf("与数据 %s（%s）数值相同但写法不同，请照原样写作“%s”", figures[k].ID, figures[k].Text, figures[k].Text)
					return fl
				}
				if pass == 1 && rounds(fv, v, s.Value) {
					fl.FigureID = figures[k].ID
					fl.Reason = fmt.Sprintf("与数据 %s（%s）接近，疑似约数或换算，请照原样写作“%s”", figures[k].ID, figures[k].Text, figures[k].Text)
					return fl
				}
			}
		}
	}
	return fl
}

// rounds reports whether v, written as value, is fv rounded to value's last significant digit
// (36239 → 3.6万 = 36000 or 4万, 226.7万 → 227万): a rounding, not a new number.
func rounds(fv, v *big.Rat, value string) bool {
	if fv.Sign() == 0 {
		return false
	}
	unit := big.NewRat(1, 1)
	if _, frac, ok := strings.Cut(value, "."); ok {
		unit.SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil))
	} else if strings.Trim(value, "-0") != "" {
		zeros := len(value) - len(strings.TrimRight(value, "0"))
		unit.SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(zeros)), nil))
	}
	// Round fv/unit half away from zero.
	q := new(big.Rat).Quo(fv, unit)
	half := big.NewRat(1, 2)
	if q.Sign() < 0 {
		half.Neg(half)
	}
	q.Add(q, half)
	n := new(big.Int).Quo(q.Num(), q.Denom())
	rounded := new(big.Rat).Mul(new(big.Rat).SetInt(n), unit)
	return rounded.Cmp(v) == 0 && rounded.Sign() != 0
}

// cutsNumber reports whether p cuts a number span in two (starts or ends inside it).
func cutsNumber(spans []NumberSpan, p Span) bool {
	// Spans are in order and do not overlap: only the first ending after p.Start and the last
	// starting before p.End can straddle p's edges.
	k := sort.Search(len(spans), func(k int) bool { return spans[k].End > p.Start })
	if k < len(spans) && spans[k].Start < p.Start && spans[k].End > p.Start {
		return true
	}
	k = sort.Search(len(spans), func(k int) bool { return spans[k].Start >= p.End }) - 1
	return k >= 0 && spans[k].End > p.End && spans[k].Start < p.End
}

// Classify says what the number s, found in text, is doing there. The rules, in order:
//
//   - enumerators: ①, 一是, 其一, 第一， and 第一章, a bare numeral in brackets ((1), （三）), a bare
//     numeral at the start of a line or sentence followed by 、 or . (一、, 1.);
//   - the longest allowlist phrase containing s whole gives FixedName or Ranking (十九大, 三甲医院,
//     进一步, 全市第一); 十分钟 is not covered by 十分, because the span 十分钟 runs past it;
//   - numerals inside a document title 《…》 or a short quoted name “…” (at most 12 characters,
//     no % or 元) are FixedName: “两癌”, “1+4”;
//   - dates: 2025年 and other four-digit years, months 1–12 with 月, days with 日 or after a month,
//     quarters with 季度, 2020-10-03;
//   - everything else is a Figure.
func (g *Guard) Classify(text string, s NumberSpan) Class {
	if isEnumerator(text, s) {
		return ClassEnumerator
	}
	if _, c, ok := g.allow.Cover(text, s.Start, s.End); ok {
		return c
	}
	if inName(text, s) {
		return ClassFixedName
	}
	if isDate(text, s) {
		return ClassDate
	}
	return ClassFigure
}

func prevRune(text string, i int) rune {
	if i <= 0 {
		return 0
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r
}

func nextRune(text string, i int) rune {
	if i >= len(text) {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return r
}

// atHeading reports whether i starts a line or a sentence, spaces aside.
func atHeading(text string, i int) bool {
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		switch r {
		case ' ', '\t', '　', '\u00a0':
			i -= size
			continue
		}
		return strings.ContainsRune("\n\r。；;！!？?：:", r)
	}
	return true
}

func isEnumerator(text string, s NumberSpan) bool {
	prev, next := prevRune(text, s.Start), nextRune(text, s.End)
	if s.Kind == KindSymbol {
		if r, _ := utf8.DecodeRuneInString(s.Text); (r >= 'Ⅰ' && r <= 'Ⅻ') || (r >= 'ⅰ' && r <= 'ⅻ') {
			// Ⅱ级响应, Ⅲ类: a grade, not a heading.
			return !strings.ContainsRune("级类期型度", next) &&
				(atHeading(text, s.Start) || (strings.ContainsRune("(（", prev) && strings.ContainsRune(")）", next)))
		}
		return true
	}
	if s.Kind != KindChinese && s.Kind != KindArabic {
		return false
	}
	if s.Value == "" || len(s.Value) > 2 || strings.Contains(s.Value, ".") || strings.HasPrefix(s.Num, "-") {
		return false // enumerators count from one to ninety-nine
	}
	chinese := s.Kind == KindChinese
	if prev == '第' {
		switch s.Unit {
		case "":
			// 第一，加强… at a heading; 排名第9，… is a rank.
			if strings.ContainsRune("章节", next) || (strings.ContainsRune("，,、：:；;。", next) && atHeading(text, s.Start-len("第"))) {
				return true
			}
		case "条", "款", "项", "篇":
			return true
		case "部":
			return next == '分'
		}
	}
	if s.Unit != "" {
		return false
	}
	switch {
	case chinese && next == '是':
		return true
	case chinese && prev == '其':
		return true
	case chinese && next == '要' && atHeading(text, s.Start):
		return true
	case strings.ContainsRune("(（〔【[", prev) && strings.ContainsRune(")）〕】]", next):
		return true
	case atHeading(text, s.Start) && strings.ContainsRune("、.．)）", next):
		return true
	case chinese && atHeading(text, s.Start) && strings.ContainsRune("，,", next):
		return true
	}
	return false
}

// inName reports whether s lies inside 《a title》 or a short “quoted name” and has no unit:
// “两癌”, 《1+4》. A number with a unit inside quotes (“新增床位500张”, 《关于投入3862万元的通知》)
// is a count like any other and must come from the writer.
func inName(text string, s NumberSpan) bool {
	if s.Kind == KindArabic && strings.Contains("分钟|小时|公里|米", s.Unit) && between(text, s, '“', '”', 12) {
		return true // “15分钟健康服务圈”: a named service radius
	}
	if s.Unit != "" {
		// A Chinese numeral counting the words of a slogan: “三个以案”, “两个维护”, 五个一, 三个一批.
		if s.Kind != KindChinese {
			return false
		}
		if strings.Contains("级方类项种大个", s.Unit) && countsList(text, s) {
			return true
		}
		if strings.Contains("个项大条张种心化", s.Unit) {
			if r := nextRune(text, s.End); numCNValue(r) >= 0 && numCNValue(r) < 10 {
				return true
			}
		}
		for _, q := range [][2]rune{{'“', '”'}, {'「', '」'}, {'《', '》'}} {
			if v, err := strconv.Atoi(s.Value); err == nil && v <= 10 && between(text, s, q[0], q[1], 12) {
				return true // “一人多岗”, “三个以案”, “两个维护”
			}
		}
		return indefinite(text, s)
	}
	if between(text, s, '《', '》', 60) {
		return true
	}
	// A Chinese numeral with no unit in a quoted slogan: “节水优先、空间均衡、系统治理、两手发力”.
	if s.Kind == KindChinese && (between(text, s, '“', '”', 32) || between(text, s, '「', '」', 32)) {
		return true
	}
	for _, q := range [][2]rune{{'“', '”'}, {'「', '」'}} {
		if between(text, s, q[0], q[1], 12) {
			return true
		}
	}
	return false
}

// between reports whether s is enclosed by open and close on its line, with at most maxRunes
// runes between them, none of them a percent sign or 元.
func between(text string, s NumberSpan, open, close rune, maxRunes int) bool {
	n := utf8.RuneCountInString(s.Text)
	i := s.Start
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if r == open {
			break
		}
		if r == close || r == '\n' || n >= maxRunes {
			return false
		}
		i -= size
		n++
	}
	if i == 0 {
		return false
	}
	start := i
	j := s.End
	for {
		if j >= len(text) {
			return false
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if r == close {
			break
		}
		if r == open || r == '\n' || n >= maxRunes {
			return false
		}
		j += size
		n++
	}
	if open != '《' && strings.ContainsAny(text[start:j], "%％‰元") {
		return false
	}
	return true
}

// isDate reports whether s is a year, month, day or quarter.
func isDate(text string, s NumberSpan) bool {
	if s.Kind == KindDate {
		return true
	}
	values := []string{s.Value}
	if s.Kind == KindRange {
		a, b, _ := strings.Cut(s.Value, "-")
		values = []string{a, b}
	} else if s.Kind != KindArabic && s.Kind != KindChinese {
		return false
	}
	in := func(lo, hi int) bool {
		for _, v := range values {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return false
			}
		}
		return true
	}
	switch s.Unit {
	case "年", "年度":
		return in(1900, 2100) && yearDigits(s)
	case "月", "月份":
		return in(1, 12)
	case "日":
		return in(1, 31)
	case "号":
		return in(1, 31) && strings.HasSuffix(text[:s.Start], "月")
	case "季度":
		return in(1, 4)
	}
	return false
}

// yearDigits reports whether a year is written with four digits (2025, ２０２５, 二〇二五), not as
// an amount (两千年).
func yearDigits(s NumberSpan) bool {
	for _, part := range strings.FieldsFunc(s.Num, func(r rune) bool { return numRangeConnector(string(r), 0) > 0 }) {
		n := 0
		for _, r := range part {
			if numDigit(r) < 0 && (numCNValue(r) < 0 || numCNValue(r) > 9) {
				return false
			}
			n++
		}
		if n != 4 {
			return false
		}
	}
	return true
}

// periodWords are how writers name parts of a year, with the months they span.
var periodWords = []struct {
	word     string
	from, to int
}{
	{"前三季度", 1, 9}, {"上半年", 1, 6}, {"下半年", 7, 12}, {"全年", 1, 12}, {"年度", 1, 12},
	{"一季度", 1, 3}, {"第一季度", 1, 3}, {"二季度", 4, 6}, {"第二季度", 4, 6}, {"三季度", 7, 9}, {"第三季度", 7, 9},
	{"四季度", 10, 12}, {"第四季度", 10, 12}, {"1季度", 1, 3}, {"2季度", 4, 6}, {"3季度", 7, 9}, {"4季度", 10, 12},
}

// periodMonths returns which months (1–12) the writer's text covers: month ranges (1-6月), months,
// words such as 上半年 or 一季度, and a year (2025年, 2025年度) for all twelve: a month or quarter of
// the writer's year restates their time frame (截至9月底, 延后至四季度); a day (5月25日) still does not.
func periodMonths(userText []string) []bool {
	m := make([]bool, 13)
	set := func(a, b int) {
		for i := max(a, 1); i <= min(b, 12); i++ {
			m[i] = true
		}
	}
	for _, u := range userText {
		for _, w := range periodWords {
			if strings.Contains(u, w.word) {
				set(w.from, w.to)
			}
		}
		spans := ExtractNumbers(u)
		for _, sp := range spans {
			switch sp.Unit {
			case "月", "月份":
				a, b, ok := strings.Cut(sp.Value, "-")
				x, err1 := strconv.Atoi(a)
				y, err2 := strconv.Atoi(b)
				switch {
				case ok && err1 == nil && err2 == nil:
					set(x, y)
				case !ok && err1 == nil:
					set(1, x) // 截至9月: the months up to it
				}
			}
		}
		for _, sp := range spans {
			// A month or quarter of the writer's year is the writer's: 截至9月底, 延后至四季度.
			if (sp.Unit == "年" || sp.Unit == "年度") && isDate(u, sp) {
				set(1, 12)
			}
		}
	}
	return m
}

// InPeriod reports whether s is a month or quarter (or a range of them) inside the time frame the
// writer's text names (2025年, 1-6月, 上半年, 一季度): "截至6月底" restates it, it adds no date.
func InPeriod(s NumberSpan, userText []string) bool { return inPeriod(s, periodMonths(userText)) }

// inPeriod reports whether a date is a month or quarter (or a range of them) inside months.
func inPeriod(s NumberSpan, months []bool) bool {
	quarter := s.Unit == "季度"
	if s.Unit != "月" && s.Unit != "月份" && !quarter {
		return false
	}
	a, b, ok := strings.Cut(s.Value, "-")
	if !ok {
		b = a
	}
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if quarter {
		x, y = 3*x-2, 3*y
	}
	if err1 != nil || err2 != nil || x < 1 || y > 12 || x > y {
		return false
	}
	for i := x; i <= y; i++ {
		if !months[i] {
			return false
		}
	}
	return true
}

// countsList reports whether a Chinese numeral with a unit counts the items of the list right
// before it: 县、乡、村三级, 门诊和住院两项. It restates the list, it states no figure.
func countsList(text string, s NumberSpan) bool {
	n, err := strconv.Atoi(s.Value)
	if err != nil || n < 2 || n > 9 {
		return false
	}
	before := text[:s.Start]
	items := 1
	for i := 0; i < 6*n && before != ""; i++ {
		r, size := utf8.DecodeLastRuneInString(before)
		switch {
		case r == '、' || r == '和' || r == '与' || r == '及':
			items++
		case unicode.Is(unicode.Han, r) || r == '”' || r == '“':
		default:
			before = ""
			continue
		}
		before = before[:len(before)-size]
		if items > n {
			break
		}
	}
	return items == n
}

// indefinite reports whether 一 with a measure word is the indefinite article before a long
// description (锻造一支对党忠诚、纪律严明…的队伍; 打造一批可复制、可推广的经验), not a count: the
// description runs to a 的 with a list (、) in it or at least eight characters before it.
func indefinite(text string, s NumberSpan) bool {
	if s.Num != "一" || s.Unit == "" {
		return false
	}
	rest := text[s.End:]
	n := 0
	list := false
	for _, r := range rest {
		switch {
		case r == '的':
			return list || n >= 8
		case r == '、':
			list = true
		case r == '“' || r == '”' || r == '「' || r == '」':
		case !unicode.Is(unicode.Han, r):
			return false
		}
		n++
		if n > 30 {
			return false
		}
	}
	return false
}
