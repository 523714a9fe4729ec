package draft

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// XLSXContentType is the media type of the workbooks WriteXLSX writes.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Sheet names of a figures workbook. The figures sheet comes first: ImportFigures reads the first
// sheet's rows, and the information sheet's title, organisation, period and template by name.
const (
	figuresSheet = "数据"
	infoSheet    = "说明"
	extrasSheet  = "模板" // hidden: what else a skeleton holds (see writeExtrasSheet)
)

// workbookColumns are the figures sheet's columns, in order: names ImportFigures reads back
// (see columnNames), and the width of each in characters.
var workbookColumns = []struct {
	name  string
	width float64
}{
	{"部分序号", 9}, {"章节", 30}, {"编号", 9}, {"指标", 28}, {"单位", 9},
	{"去年同期", 12}, {"本期数值", 12}, {"目标", 10}, {"备注", 30},
}

// infoRows are the information sheet's fields: the name in its first column and the figures'
// value it holds.
var infoRows = []struct {
	name string
	get  func(*Figures) *string
}{
	{"标题", func(f *Figures) *string { return &f.Title }},
	{"单位名称", func(f *Figures) *string { return &f.Organization }},
	{"时期", func(f *Figures) *string { return &f.Period }},
	{"模板文档", func(f *Figures) *string { return &f.Template }},
}

// WriteXLSX writes f as a workbook a writer fills in Excel or WPS and gives back to ImportFigures,
// which reads it as the same figures with the values typed. The first sheet has one row per
// figure (section number and heading, id, label, unit, previous value, this period's value,
// target, note) and one row per section without figures, so the section tree survives; the
// number columns are text-formatted so that what the writer types is kept as typed (226.70 stays
// 226.70); the value column is shaded for input, and rows whose note starts with 待确认 are
// highlighted. The second sheet holds the title, organisation, period and template document; a
// hidden third one the rest of the figures' and sections' fields (a template's text and names),
// so that a skeleton comes back whole.
func WriteXLSX(w io.Writer, f *Figures) error {
	wb := excelize.NewFile()
	defer wb.Close()
	if err := writeFiguresSheet(wb, f); err != nil {
		return fmt.Errorf("draft: write xlsx: %w", err)
	}
	if err := writeInfoSheet(wb, f); err != nil {
		return fmt.Errorf("draft: write xlsx: %w", err)
	}
	if err := writeExtrasSheet(wb, f); err != nil {
		return fmt.Errorf("draft: write xlsx: %w", err)
	}
	if _, err := wb.WriteTo(w); err != nil {
		return fmt.Errorf("draft: write xlsx: %w", err)
	}
	return nil
}

// Spare rows below the figures keep the text format, for rows a writer adds.
const spareRows = 50

func writeFiguresSheet(wb *excelize.File, f *Figures) error {
	if err := wb.SetSheetName("Sheet1", figuresSheet); err != nil {
		return err
	}
	header, err := wb.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: solid("D9E2F3"), Alignment: &excelize.Alignment{Vertical: "center"}})
	if err != nil {
		return err
	}
	text, err := wb.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	input, err := wb.NewStyle(&excelize.Style{NumFmt: 49, Fill: solid("E2EFDA"), Border: thinBorder()})
	if err != nil {
		return err
	}
	doubt, err := wb.NewStyle(&excelize.Style{NumFmt: 49, Fill: solid("FFF2CC")})
	if err != nil {
		return err
	}
	heading, err := wb.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, c := range workbookColumns {
		col := colName(i)
		if err := wb.SetColWidth(figuresSheet, col, col, c.width); err != nil {
			return err
		}
		if err := wb.SetColStyle(figuresSheet, col, text); err != nil {
			return err
		}
		if err := wb.SetCellStr(figuresSheet, col+"1", c.name); err != nil {
			return err
		}
	}
	last := colName(len(workbookColumns) - 1)
	if err := wb.SetCellStyle(figuresSheet, "A1", last+"1", header); err != nil {
		return err
	}
	y := 1
	put := func(cells ...string) error {
		y++
		for x, s := range cells {
			if s == "" {
				continue
			}
			if err := wb.SetCellStr(figuresSheet, colName(x)+strconv.Itoa(y), s); err != nil {
				return err
			}
		}
		return nil
	}
	valueCol := colName(6)
	for s, sec := range f.Sections {
		no := strconv.Itoa(s + 1)
		if len(sec.Figures) == 0 {
			if err := put(no, sec.Heading); err != nil {
				return err
			}
			if err := wb.SetCellStyle(figuresSheet, "B"+strconv.Itoa(y), "B"+strconv.Itoa(y), heading); err != nil {
				return err
			}
			continue
		}
		for _, fig := range sec.Figures {
			if err := put(no, sec.Heading, fig.ID, fig.Label, fig.Unit, fig.Previous, fig.Value, fig.Target, fig.Note); err != nil {
				return err
			}
			row := strconv.Itoa(y)
			if strings.HasPrefix(fig.Note, unsure) {
				if err := wb.SetCellStyle(figuresSheet, "A"+row, last+row, doubt); err != nil {
					return err
				}
			}
			if err := wb.SetCellStyle(figuresSheet, valueCol+row, valueCol+row, input); err != nil {
				return err
			}
		}
	}
	for range spareRows {
		y++
		if err := wb.SetCellStyle(figuresSheet, valueCol+strconv.Itoa(y), valueCol+strconv.Itoa(y), input); err != nil {
			return err
		}
	}
	return wb.SetPanes(figuresSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

func writeInfoSheet(wb *excelize.File, f *Figures) error {
	if _, err := wb.NewSheet(infoSheet); err != nil {
		return err
	}
	text, err := wb.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	if err := wb.SetColWidth(infoSheet, "A", "A", 12); err != nil {
		return err
	}
	if err := wb.SetColWidth(infoSheet, "B", "B", 70); err != nil {
		return err
	}
	if err := wb.SetColStyle(infoSheet, "B", text); err != nil {
		return err
	}
	for i, r := range infoRows {
		row := strconv.Itoa(i + 1)
		if err := wb.SetCellStr(infoSheet, "A"+row, r.name); err != nil {
			return err
		}
		if err := wb.SetCellStr(infoSheet, "B"+row, *r.get(f)); err != nil {
			return err
		}
	}
	help := []string{
		"填写方法：在“数据”表的“本期数值”一栏（绿色）逐行填写本期的数字，只写半角数字，可带小数点和负号；单位写在“单位”一栏。",
		"黄色的行是自动识别时没有把握的数据（见“备注”），请核对指标名称和单位。",
		"没有数据的章节只占一行，保留即可；不需要的数据行可以整行删除，也可以在下面添加新行（章节、指标、本期数值必填）。",
		"填好后在“新建稿件”页面点“导入 Excel/CSV”，或用 draftd draft --figures 本文件。",
	}
	for i, s := range help {
		if err := wb.SetCellStr(infoSheet, "B"+strconv.Itoa(len(infoRows)+2+i), s); err != nil {
			return err
		}
	}
	return nil
}

func solid(color string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
}

func thinBorder() []excelize.Border {
	var out []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		out = append(out, excelize.Border{Type: side, Color: "A9D08E", Style: 1})
	}
	return out
}

// readXLSXInfo reads the information sheet of a workbook WriteXLSX wrote, if it has one: the
// fields of infoRows by the name in their first column. Other sheets and rows are ignored.
func readXLSXInfo(wb *excelize.File) map[string]string {
	if idx, err := wb.GetSheetIndex(infoSheet); err != nil || idx < 0 {
		return nil
	}
	rows, err := wb.GetRows(infoSheet)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, r := range rows {
		if len(r) < 2 {
			continue
		}
		name := normalizeHeader(r[0])
		for _, f := range infoRows {
			if name == f.name {
				out[f.name] = strings.TrimSpace(r[1])
			}
		}
	}
	return out
}

// Fields a sheet already holds, at the top of the figures and in a section.
var (
	sheetTopFields     = []string{"title", "organization", "period", "template", "sections"}
	sheetSectionFields = []string{"heading", "notes", "figures"}
)

// maxCellChars is how much text one cell holds; longer JSON continues in the next column.
const maxCellChars = 32000

// writeExtrasSheet writes, on a hidden sheet, the JSON of every field of f and of its sections
// that the figures and information sheets do not hold (whatever drafting from a template needs:
// a section's template text, the template's organisation…): one row per part that has any, keyed
// "*" for the top and by section number, so that ImportFigures gives them back to the sections
// the writer kept, wherever they moved.
func writeExtrasSheet(wb *excelize.File, f *Figures) error {
	var rows [][2]string
	if top := extraFields(f, sheetTopFields); top != "" {
		rows = append(rows, [2]string{"*", top})
	}
	for i := range f.Sections {
		if sec := extraFields(f.Sections[i], sheetSectionFields); sec != "" {
			rows = append(rows, [2]string{strconv.Itoa(i + 1), sec})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := wb.NewSheet(extrasSheet); err != nil {
		return err
	}
	for y, r := range rows {
		if err := wb.SetCellStr(extrasSheet, "A"+strconv.Itoa(y+1), r[0]); err != nil {
			return err
		}
		for x, chunk := range chunks(r[1], maxCellChars) {
			if err := wb.SetCellStr(extrasSheet, colName(x+1)+strconv.Itoa(y+1), chunk); err != nil {
				return err
			}
		}
	}
	return wb.SetSheetVisible(extrasSheet, false)
}

// extraFields returns the JSON object of v's fields but known, or "" when it has no others.
func extraFields(v any, known []string) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	for _, k := range known {
		delete(m, k)
	}
	if len(m) == 0 {
		return ""
	}
	out, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return string(out)
}

// chunks cuts s into pieces of at most n bytes, on rune boundaries.
func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return append(out, s)
}

// readXLSXExtras reads the hidden sheet writeExtrasSheet wrote: JSON objects by "*" or section number.
func readXLSXExtras(wb *excelize.File) map[string]string {
	if idx, err := wb.GetSheetIndex(extrasSheet); err != nil || idx < 0 {
		return nil
	}
	rows, err := wb.GetRows(extrasSheet)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, r := range rows {
		if len(r) > 1 {
			out[strings.TrimSpace(r[0])] = strings.Join(r[1:], "")
		}
	}
	return out
}

// mergeExtras gives f and its sections, by the section numbers the sheet gave them (nos), the
// fields read by readXLSXExtras. A field the sheets hold is never overwritten, and JSON that does
// not fit is ignored: the hidden sheet only adds what the writer could not see.
func mergeExtras(f *Figures, nos []string, extras map[string]string) {
	merge := func(dst any, raw string, known []string) {
		var add map[string]json.RawMessage
		if raw == "" || json.Unmarshal([]byte(raw), &add) != nil {
			return
		}
		for _, k := range known {
			delete(add, k)
		}
		data, err := json.Marshal(dst)
		if err != nil {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			return
		}
		for k, v := range add {
			m[k] = v
		}
		if data, err = json.Marshal(m); err == nil {
			json.Unmarshal(data, dst) // a field of the wrong type leaves dst's as it was
		}
	}
	merge(f, extras["*"], sheetTopFields)
	for i := range f.Sections {
		if i < len(nos) && nos[i] != "" {
			merge(&f.Sections[i], extras[nos[i]], sheetSectionFields)
		}
	}
}
