package draft

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/draftd/draftd/retrieval"
)

// Figures is what a writer gives draftd to draft from: the summary's title and the facts of each section.
type Figures struct {
	Title        string         `json:"title"`
	Organization string         `json:"organization,omitempty"`
	Period       string         `json:"period,omitempty"`
	Sections     []SectionInput `json:"sections"`
	// Template names the stored document the figures were drawn from (see TemplateFrom), if any.
	Template string `json:"template,omitempty"`
	// TemplateOrganization and TemplatePeriod are the organisation and period the template
	// document named, so that drafting writes this draft's where the template wrote those.
	TemplateOrganization string `json:"template_organization,omitempty"`
	TemplatePeriod       string `json:"template_period,omitempty"`
	// Kind is the kind of document (one of DocumentKinds: 总结, 计划, 汇报, 述职); "" is 总结.
	Kind string `json:"kind,omitempty"`
	// OrgKind is the kind of organisation that writes it (卫生健康部门, 县级人民政府…); "" is
	// DefaultOrgKind.
	OrgKind string `json:"org_kind,omitempty"`
}

// DefaultOrgKind is the organisation kind of figures that name none.
const DefaultOrgKind = "卫生健康部门"

// DocumentKind is a kind of document draftd drafts, with the outline a draft of it starts from.
type DocumentKind struct {
	Name    string   `json:"name"`    // 总结
	Title   string   `json:"title"`   // how a title names it: 工作总结
	Outline []string `json:"outline"` // headings of a draft started without a template
	// Signed documents end with a 落款 (organisation and date); 述职 is signed by a person.
	Signed bool `json:"signed"`
}

// DocumentKinds are the kinds of document draftd drafts. Each outline opens with an overview
// (总体情况), the opening paragraph the genre expects.
var DocumentKinds = []DocumentKind{
	{Name: "总结", Title: "工作总结", Signed: true, Outline: []string{"总体情况", "一、主要工作及成效", "二、存在的问题和不足", "三、下一步工作打算"}},
	{Name: "计划", Title: "工作计划", Signed: true, Outline: []string{"总体要求", "一、主要目标", "二、重点任务", "三、保障措施"}},
	{Name: "汇报", Title: "工作汇报", Signed: true, Outline: []string{"总体情况", "一、重点工作进展", "二、存在的困难和问题", "三、下一步工作安排", "四、意见建议"}},
	{Name: "述职", Title: "述职报告", Signed: false, Outline: []string{"总体情况", "一、履职尽责情况", "二、廉洁自律情况", "三、存在的不足", "四、今后努力方向"}},
}

// KindOf returns the document kind named name ("" is 总结), and false for an unknown name.
func KindOf(name string) (DocumentKind, bool) {
	if name == "" {
		name = "总结"
	}
	for _, k := range DocumentKinds {
		if k.Name == name {
			return k, true
		}
	}
	return DocumentKind{}, false
}

// Comparisons are the ways a figure's previous value may be named (Figure.Compare): 同比 (the same
// period last year), 环比 (the period before), 较年初, 较上年, 比上期 (the default).
var Comparisons = []string{"同比", "环比", "较年初", "较上年", "比上期"}

// ComparePhrase writes text, a derived figure's words that say 比上期 or 与上期持平, with the figure's
// comparison instead: 比上期增长 → 同比增长, 与上期持平 → 与年初持平. An empty or unknown comparison
// leaves text as it is.
func ComparePhrase(text, compare string) string {
	var change, flat string
	switch compare {
	case "同比", "环比":
		change, flat = compare, compare+"持平"
	case "较年初":
		change, flat = "较年初", "与年初持平"
	case "较上年":
		change, flat = "较上年", "与上年持平"
	default:
		return text
	}
	return strings.NewReplacer("比上期", change, "与上期持平", flat).Replace(text)
}

// Lengths are the section lengths a writer may ask for by name (SectionInput.Length), with the
// characters each means; a number of characters between MinLength and MaxLength is accepted too.
var Lengths = map[string]int{"简短": 120, "适中": 300, "详细": 600}

// Bounds of a section length given in characters.
const (
	MinLength = 50
	MaxLength = 3000
)

// LengthRunes returns the characters a section length asks for: 0 when it asks for none.
func LengthRunes(length string) int {
	if n, ok := Lengths[length]; ok {
		return n
	}
	n, err := strconv.Atoi(length)
	if err != nil || n < MinLength || n > MaxLength {
		return 0
	}
	return n
}

// SectionInput is one section the writer wants drafted: its heading, optional notes and its figures.
type SectionInput struct {
	Heading string   `json:"heading"`
	Notes   string   `json:"notes,omitempty"`
	Figures []Figure `json:"figures"`
	// TemplateText is the section's text in the template document, each figure slot written as
	// its token (【s2f1】) and a change stated after a slot as the token of the figure derived
	// from it (【s2f1.change】, 【s2f1.growth】). Drafting rewrites it sentence by sentence.
	TemplateText string `json:"template_text,omitempty"`
	// Length is how long the section should be: 简短, 适中 or 详细 (see Lengths), or a number of
	// characters; "" leaves it to the drafter.
	Length string `json:"length,omitempty"`
}

// Optional reports whether f, a figure Derive computed from one of in's figures, may go unstated:
// a change or growth rate in a section drafted from a template (TemplateText set) that the template
// did not state (its token is not in TemplateText), of a figure the template has a slot for and
// whose writer named no comparison (Compare). The template is the writer's choice of what to say:
// it compared only where it wrote a change, so a draft that compares every figure with last year's
// reads heavier than the document it updates. A writer who wants a change asks for it by naming the
// comparison, or by giving a figure of their own (no slot in the template) its previous value.
// Completion and gap (against a target the writer gave) are never optional, nor is anything in a
// section without a template. Optional figures may be stated; they are never missing (Draft.Missing)
// and a drafter is not asked for them. Drafters and the missing-figure check all ask this.
func (in SectionInput) Optional(f Figure) bool {
	if !f.Derived || in.TemplateText == "" || !(strings.HasSuffix(f.ID, SuffixChange) || strings.HasSuffix(f.ID, SuffixGrowth)) {
		return false
	}
	if strings.Contains(in.TemplateText, Token(f.ID)) {
		return false
	}
	for _, b := range in.Figures {
		if b.ID == f.DerivedFrom && !b.Derived {
			return b.Compare == "" && strings.Contains(in.TemplateText, Token(b.ID))
		}
	}
	return false
}

// Figure is one number the draft may state. Value, Previous and Target are decimal strings kept
// exactly as the writer gave them: "226.7" with unit "万元" is written 226.7万元, never 226.70 or 2.267百万元.
type Figure struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Value    string `json:"value"`
	Unit     string `json:"unit,omitempty"`
	Previous string `json:"previous,omitempty"` // the same figure for the period compared with
	Target   string `json:"target,omitempty"`
	Note     string `json:"note,omitempty"`
	// Compare names the period Previous is of (one of Comparisons); "" is 比上期. Drafters say a
	// change with it: 同比增长, 较年初增加.
	Compare string `json:"compare,omitempty"`

	// Derived figures are computed by draftd (see Derive), never given by the writer.
	Derived     bool   `json:"derived,omitempty"`
	DerivedFrom string `json:"derived_from,omitempty"` // ID of the figure it was computed from
	Rule        string `json:"rule,omitempty"`         // the computation, in Chinese, e.g. "90−85=5个百分点"
}

// Text returns the figure as it must appear in a draft: its value followed by its unit, unchanged.
func (f Figure) Text() string { return f.Value + f.Unit }

// Limits on figures input.
const (
	MaxFiguresBytes = 5 << 20 // largest JSON, CSV or XLSX accepted
	MaxUnitRunes    = 10
	MaxIDLen        = 32
)

// EINVALIDFIGURES is the error code of a *ValidationError.
const EINVALIDFIGURES = "invalid_figures"

// Problem is one thing wrong with figures input and where it is. Section and Row are 1-based; for
// input imported from CSV or XLSX, Section is 0, Row is the spreadsheet row and Column its letter.
// Problems with no location (a missing title) leave them zero.
type Problem struct {
	Section int    `json:"section,omitempty"`
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Where describes the problem's location in Chinese, e.g. "第1部分第2项" or "第3行C列".
func (p Problem) Where() string {
	switch {
	case p.Section > 0 && p.Row > 0:
		return fmt.Sprintf("第%d部分第%d项", p.Section, p.Row)
	case p.Section > 0:
		return fmt.Sprintf("第%d部分", p.Section)
	case p.Row > 0:
		return fmt.Sprintf("第%d行%s", p.Row, colSuffix(p.Column))
	}
	return ""
}

func colSuffix(col string) string {
	if col == "" {
		return ""
	}
	return col + "列"
}

// ValidationError lists every problem found in figures input, so a writer can fix them all at once.
type ValidationError struct {
	Problems []Problem `json:"problems"`
}

// Error implements the error interface.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		loc := strings.TrimSpace(p.Where() + " " + p.Field)
		if loc != "" {
			loc += ": "
		}
		parts[i] = loc + p.Message
	}
	return EINVALIDFIGURES + ": " + strings.Join(parts, "; ")
}

// Code returns EINVALIDFIGURES.
func (e *ValidationError) Code() string { return EINVALIDFIGURES }

// As lets errors.As see a *ValidationError as a *retrieval.Error whose Detail carries the problems,
// so the web layer's one error mapping returns them (as 400) without knowing this type.
func (e *ValidationError) As(target any) bool {
	t, ok := target.(**retrieval.Error)
	if !ok {
		return false
	}
	msg := fmt.Sprintf("数据有%d处问题", len(e.Problems))
	if len(e.Problems) > 0 {
		p := e.Problems[0]
		msg += "：" + strings.TrimSpace(p.Where()+" "+p.Message)
		if len(e.Problems) > 1 {
			msg += "（等）"
		}
	}
	*t = &retrieval.Error{Code: EINVALIDFIGURES, Message: msg, Detail: e}
	return true
}

// ParseFiguresJSON reads figures from JSON strictly: an unknown field, or a field of the wrong type,
// is reported as a *ValidationError naming it and where it is. Numbers may be given as JSON strings
// or JSON numbers; a number is kept as the literal text written (226.70 stays "226.70").
// Surrounding spaces are trimmed from every string. The result is not validated: call Validate.
func ParseFiguresJSON(r io.Reader) (*Figures, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFiguresBytes+1))
	if err != nil {
		return nil, fmt.Errorf("draft: parse figures: %w", err)
	}
	if len(data) > MaxFiguresBytes {
		return nil, retrieval.Errorf(retrieval.ETOOLARGE, "数据超过了 %d MB 的上限", MaxFiguresBytes>>20)
	}
	p := &jsonParser{}
	f := p.figures(data)
	if len(p.problems) > 0 {
		return nil, &ValidationError{Problems: p.problems}
	}
	return f, nil
}

// jsonParser decodes figures field by field so that every unknown or mistyped field is reported
// with its location, rather than only the first one encoding/json stops at.
type jsonParser struct {
	problems []Problem
}

var (
	topFields     = []string{"title", "organization", "period", "sections", "template", "template_organization", "template_period", "kind", "org_kind"}
	sectionFields = []string{"heading", "notes", "figures", "template_text", "length"}
	figureFields  = []string{"id", "label", "value", "unit", "previous", "target", "note", "compare", "derived", "derived_from", "rule"}
)

func (p *jsonParser) add(at Problem, field, msg string) {
	at.Field = field
	at.Message = msg
	p.problems = append(p.problems, at)
}

func (p *jsonParser) figures(data []byte) *Figures {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		p.add(Problem{}, "", "JSON 格式错误："+describeJSONError(data, err))
		return nil
	}
	if top == nil {
		p.add(Problem{}, "", "应为 JSON 对象")
		return nil
	}
	p.unknown(top, topFields, Problem{})
	f := &Figures{
		Title:        p.str(top, "title", Problem{}, false),
		Organization: p.str(top, "organization", Problem{}, false),
		Period:       p.str(top, "period", Problem{}, false),
		Template:     p.str(top, "template", Problem{}, false),

		TemplateOrganization: p.str(top, "template_organization", Problem{}, false),
		TemplatePeriod:       p.str(top, "template_period", Problem{}, false),
		Kind:                 p.str(top, "kind", Problem{}, false),
		OrgKind:              p.str(top, "org_kind", Problem{}, false),
	}
	for i, raw := range p.array(top, "sections", Problem{}) {
		at := Problem{Section: i + 1}
		obj := p.object(raw, at)
		if obj == nil {
			continue
		}
		p.unknown(obj, sectionFields, at)
		sec := SectionInput{
			Heading: p.str(obj, "heading", at, false),
			Notes:   p.str(obj, "notes", at, false),

			TemplateText: p.str(obj, "template_text", at, false),
			Length:       p.str(obj, "length", at, true),
		}
		for j, raw := range p.array(obj, "figures", at) {
			at := Problem{Section: i + 1, Row: j + 1}
			obj := p.object(raw, at)
			if obj == nil {
				continue
			}
			p.unknown(obj, figureFields, at)
			sec.Figures = append(sec.Figures, Figure{
				ID:          p.str(obj, "id", at, false),
				Label:       p.str(obj, "label", at, false),
				Value:       p.str(obj, "value", at, true),
				Unit:        p.str(obj, "unit", at, false),
				Previous:    p.str(obj, "previous", at, true),
				Target:      p.str(obj, "target", at, true),
				Note:        p.str(obj, "note", at, false),
				Compare:     p.str(obj, "compare", at, false),
				Derived:     p.boolean(obj, "derived", at),
				DerivedFrom: p.str(obj, "derived_from", at, false),
				Rule:        p.str(obj, "rule", at, false),
			})
		}
		f.Sections = append(f.Sections, sec)
	}
	return f
}

func (p *jsonParser) unknown(obj map[string]json.RawMessage, known []string, at Problem) {
	var extra []string
	for k := range obj {
		if !slices.Contains(known, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		p.add(at, k, fmt.Sprintf("未知字段“%s”；可用字段：%s", k, strings.Join(known, ", ")))
	}
}

func (p *jsonParser) object(raw json.RawMessage, at Problem) map[string]json.RawMessage {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		p.add(at, "", "应为 JSON 对象")
		return nil
	}
	return obj
}

func (p *jsonParser) array(obj map[string]json.RawMessage, field string, at Problem) []json.RawMessage {
	raw, ok := obj[field]
	if !ok || isJSONNull(raw) {
		return nil
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		p.add(at, field, "应为 JSON 数组")
		return nil
	}
	return arr
}

// str decodes a string field; with number set, a JSON number is accepted and kept as written.
func (p *jsonParser) str(obj map[string]json.RawMessage, field string, at Problem, number bool) string {
	raw, ok := obj[field]
	if !ok || isJSONNull(raw) {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strings.TrimSpace(s)
	}
	if number {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err == nil {
			return string(bytes.TrimSpace(raw))
		}
		p.add(at, field, "应为数字（字符串或 JSON 数字）")
		return ""
	}
	p.add(at, field, "应为字符串")
	return ""
}

func (p *jsonParser) boolean(obj map[string]json.RawMessage, field string, at Problem) bool {
	raw, ok := obj[field]
	if !ok || isJSONNull(raw) {
		return false
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		p.add(at, field, "应为 true 或 false")
	}
	return b
}

func isJSONNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// describeJSONError adds the line and column of a syntax error, which encoding/json gives only as
// a byte offset.
func describeJSONError(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		return fmt.Sprintf("第%d行第%d列附近：%v", line, col, err)
	case errors.As(err, &te):
		return "应为 JSON 对象"
	}
	return err.Error()
}

func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return line, col
}

// Validate reports every problem in f as a *ValidationError, or returns nil. Nothing may be
// drafted from figures that do not validate. Derived figures (from WithDerived) are not input and
// do not validate.
func (f *Figures) Validate() error { return f.ValidateWithin(Size{}) }

// Size bounds what one draft may ask for, and so what it costs: a model call per section, and
// checks per figure. Zero fields take the defaults.
type Size struct {
	MaxSections int // sections of one draft
	MaxFigures  int // figures of one draft, over all its sections (derived ones not counted)
}

// The size a draft may have unless the deployment sets another: far above a real work summary's
// (about 5–15 sections, 100 figures), far below what would run up a model bill.
const (
	DefaultMaxSections = 50
	DefaultMaxFigures  = 500
)

// Unbounded is a Size no figures exceed, for reading figures not drafted yet (an imported file,
// as CSV and XLSX are read too): the Drafter bounds what it drafts (Drafter.Size), as the
// deployment configured it.
var Unbounded = Size{MaxSections: math.MaxInt, MaxFigures: math.MaxInt}

// Error codes of a draft above its Size; web maps them to 413.
const (
	ETOOMANYSECTIONS = "too_many_sections"
	ETOOMANYFIGURES  = "too_many_figures"
)

// ValidateWithin is Validate with the draft's size bounded by max: more sections than
// max.MaxSections is ETOOMANYSECTIONS, more figures than max.MaxFigures ETOOMANYFIGURES, both
// found before any other check so that an oversized input costs next to nothing.
func (f *Figures) ValidateWithin(max Size) error {
	if max.MaxSections <= 0 {
		max.MaxSections = DefaultMaxSections
	}
	if max.MaxFigures <= 0 {
		max.MaxFigures = DefaultMaxFigures
	}
	if n := len(f.Sections); n > max.MaxSections {
		return retrieval.Errorf(ETOOMANYSECTIONS, "一份稿件最多 %d 个部分，收到 %d 个：请拆成几份稿件分别起草", max.MaxSections, n)
	}
	figures := 0
	for _, sec := range f.Sections {
		for _, fig := range sec.Figures {
			if !fig.Derived {
				figures++
			}
		}
	}
	if figures > max.MaxFigures {
		return retrieval.Errorf(ETOOMANYFIGURES, "一份稿件最多 %d 项数据，收到 %d 项：请只保留本期总结要陈述的数据，或拆成几份稿件", max.MaxFigures, figures)
	}
	if ps := f.problems(jsonProblemPlace); len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// problemPlace locates a problem: section s and figure r are 0-based; r is -1 for the section itself and
// s is -1 for the whole input.
type problemPlace func(s, r int, field string) Problem

func jsonProblemPlace(s, r int, field string) Problem {
	return Problem{Section: s + 1, Row: r + 1, Field: field}
}

var figureIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func (f *Figures) problems(at problemPlace) []Problem {
	var ps []Problem
	add := func(s, r int, field, msg string) {
		p := at(s, r, field)
		p.Message = msg
		ps = append(ps, p)
	}
	if f.Title == "" {
		add(-1, -1, "title", "缺少标题")
	}
	if len(f.Sections) == 0 {
		add(-1, -1, "sections", "至少需要一个部分")
	}
	if _, ok := KindOf(f.Kind); !ok {
		var names []string
		for _, k := range DocumentKinds {
			names = append(names, k.Name)
		}
		add(-1, -1, "kind", fmt.Sprintf("未知的文种“%s”，可选：%s", f.Kind, strings.Join(names, "、")))
	}
	if n := utf8.RuneCountInString(f.OrgKind); n > 20 {
		add(-1, -1, "org_kind", fmt.Sprintf("单位类型“%s”太长（%d个字），最多20个字", f.OrgKind, n))
	}
	seen := map[string][2]int{}
	for s, sec := range f.Sections {
		if sec.Heading == "" {
			add(s, -1, "heading", "部分的标题不能为空")
		}
		if sec.Length != "" && LengthRunes(sec.Length) == 0 {
			add(s, -1, "length", fmt.Sprintf("篇幅“%s”应为简短、适中、详细，或%d到%d之间的字数", sec.Length, MinLength, MaxLength))
		}
		for r, fig := range sec.Figures {
			switch {
			case fig.ID == "":
				add(s, r, "id", "编号不能为空")
			case len(fig.ID) > MaxIDLen || !figureIDPattern.MatchString(fig.ID):
				add(s, r, "id", fmt.Sprintf("编号“%s”只能由英文字母、数字、_ 和 - 组成，最长%d个字符", fig.ID, MaxIDLen))
			default:
				if first, dup := seen[fig.ID]; dup {
					add(s, r, "id", fmt.Sprintf("编号“%s”与%s重复", fig.ID, at(first[0], first[1], "id").Where()))
				} else {
					seen[fig.ID] = [2]int{s, r}
				}
			}
			if fig.Label == "" {
				add(s, r, "label", "指标名称不能为空")
			}
			if fig.Value == "" {
				add(s, r, "value", "数值不能为空")
			} else if msg := checkFigureNumber(fig.Value, fig.Unit); msg != "" {
				add(s, r, "value", msg)
			}
			if msg := checkFigureNumber(fig.Previous, fig.Unit); fig.Previous != "" && msg != "" {
				add(s, r, "previous", msg)
			}
			if msg := checkFigureNumber(fig.Target, fig.Unit); fig.Target != "" && msg != "" {
				add(s, r, "target", msg)
			}
			if n := utf8.RuneCountInString(fig.Unit); n > MaxUnitRunes {
				add(s, r, "unit", fmt.Sprintf("单位“%s”太长（%d个字），最多%d个字；说明性文字请写在备注里", fig.Unit, n, MaxUnitRunes))
			}
			if fig.Compare != "" && !slices.Contains(Comparisons, fig.Compare) {
				add(s, r, "compare", fmt.Sprintf("比较方式“%s”应为：%s", fig.Compare, strings.Join(Comparisons, "、")))
			}
			if fig.Derived || fig.DerivedFrom != "" || fig.Rule != "" {
				add(s, r, "derived", "derived、derived_from、rule 由 draftd 计算，请勿填写")
			}
		}
	}
	return ps
}

// A number is accepted only in the one form that can be written back exactly as given:
// half-width digits, at most one decimal point with digits on both sides, an optional leading minus.
var (
	plainNumberPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	magnitudeAfter     = regexp.MustCompile(`^(-?[0-9]+(?:\.[0-9]+)?)(万亿|亿|万|千|百)(.*)$`)
	approxWords        = []string{"约", "大约", "近", "将近", "超", "超过", "逾", "达", "余", "多", "左右", "以上", "以下", "不到", "～", "~"}
)

// isPlainNumber reports whether s is a number in the accepted form.
func isPlainNumber(s string) bool { return plainNumberPattern.MatchString(s) }

// checkFigureNumber returns "" when s is a number in the accepted form, or a message saying how to write
// it. Full-width digits, thousands separators and the like are rejected with the exact text to use
// instead rather than silently rewritten: the number in the draft must be the one the writer typed.
func checkFigureNumber(s, unit string) string {
	if isPlainNumber(s) {
		return ""
	}
	if w := halfWidthDigits(s); w != s && isPlainNumber(w) {
		return fmt.Sprintf("“%s”含全角字符，请使用半角数字：写作 %s", s, w)
	}
	if w := strings.NewReplacer(",", "", "，", "").Replace(s); w != s && isPlainNumber(w) {
		return fmt.Sprintf("“%s”请不要使用千位分隔符：写作 %s", s, w)
	}
	for _, pct := range []string{"%", "％"} {
		if w, ok := strings.CutSuffix(s, pct); ok && isPlainNumber(strings.TrimSpace(w)) {
			return fmt.Sprintf("“%s”：百分号请写在单位里，数值写 %s，单位写 %%", s, strings.TrimSpace(w))
		}
	}
	for _, word := range approxWords {
		if strings.Contains(s, word) {
			return fmt.Sprintf("“%s”：只能填写确切的数字，不能使用“%s”等约数说法；需要说明的请写在备注里", s, word)
		}
	}
	if m := magnitudeAfter.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("“%s”：“%s”请写在单位里，数值写 %s，单位写 %s", s, m[2], m[1], m[2]+m[3]+unit)
	}
	if w, ok := strings.CutPrefix(s, "+"); ok && isPlainNumber(w) {
		return fmt.Sprintf("“%s”：请不要写正号，写作 %s", s, w)
	}
	if strings.HasPrefix(s, ".") && isPlainNumber("0"+s) {
		return fmt.Sprintf("“%s”：小数点前要有数字，写作 0%s", s, s)
	}
	if w, ok := strings.CutSuffix(s, "."); ok && isPlainNumber(w) {
		return fmt.Sprintf("“%s”：小数点后要有数字，写作 %s", s, w)
	}
	if strings.ContainsAny(s, "eE") {
		return fmt.Sprintf("“%s”：请不要使用科学计数法，写出完整的数字", s)
	}
	return fmt.Sprintf("“%s”不是数字：只能填写半角数字，可带一个小数点和开头的负号，例如 36239、226.7、-3；单位请写在单位里", s)
}

// halfWidthDigits maps full-width digits, point and minus to half-width.
func halfWidthDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '．':
			return '.'
		case r == '－':
			return '-'
		}
		return r
	}, s)
}

// changeVerbs end a label that says a change (签约率提高); actionVerbs start one that says what was
// done (新建村卫生室, 开展义诊). The number follows such a label directly: a linking 为 or 达到 in
// between reads 提高为2个百分点, 完成改扩建为6所.
var (
	changeVerbs = []string{"提高", "提升", "增长", "增加", "上升", "下降", "降低", "减少", "下滑", "回落", "增", "降"}
	actionVerbs = []string{"完成", "新建", "建成", "新增", "开展", "改扩建", "扩建", "改造", "培训", "救治", "发放", "组织",
		"举办", "招录", "投入", "实施", "签约", "接种", "筛查", "建立", "创建", "组建", "派出", "下达", "受理", "检查", "监督",
		"指导", "查处", "处理", "走访", "慰问", "帮扶", "救助", "资助", "引进", "招聘", "选派", "免费", "累计", "共", "办理"}
)

// VerbLabel reports whether a figure's label is a verb phrase that its number follows directly.
func VerbLabel(label string) bool {
	for _, v := range changeVerbs {
		if strings.HasSuffix(label, v) {
			return true
		}
	}
	for _, v := range actionVerbs {
		if strings.HasPrefix(label, v) {
			return true
		}
	}
	return false
}
