package draft

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
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
}

// SectionInput is one section the writer wants drafted: its heading, optional notes and its figures.
type SectionInput struct {
	Heading string   `json:"heading"`
	Notes   string   `json:"notes,omitempty"`
	Figures []Figure `json:"figures"`
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
	topFields     = []string{"title", "organization", "period", "sections", "template"}
	sectionFields = []string{"heading", "notes", "figures"}
	figureFields  = []string{"id", "label", "value", "unit", "previous", "target", "note", "derived", "derived_from", "rule"}
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
func (f *Figures) Validate() error {
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
	seen := map[string][2]int{}
	for s, sec := range f.Sections {
		if sec.Heading == "" {
			add(s, -1, "heading", "部分的标题不能为空")
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
