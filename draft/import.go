package draft

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/draftd/draftd/retrieval"
)

// Meta is what a spreadsheet of figures does not hold: it comes from flags or the request.
type Meta struct {
	Title        string `json:"title"`
	Organization string `json:"organization,omitempty"`
	Period       string `json:"period,omitempty"`
	Template     string `json:"-"` // the template document a workbook names; never from a request
}

// Column names accepted in a spreadsheet's header row, compared ignoring case and spaces.
var columnNames = map[string]string{
	"section": "section", "heading": "section", "章节": "section", "部分": "section",
	"section_no": "section_no", "部分序号": "section_no", "章节序号": "section_no",
	"id": "id", "编号": "id",
	"label": "label", "指标": "label", "名称": "label",
	"value": "value", "数值": "value", "数据": "value", "本期数值": "value", "本期": "value",
	"unit": "unit", "单位": "unit",
	"previous": "previous", "上期": "previous", "去年同期": "previous",
	"target": "target", "目标": "target",
	"note": "note", "备注": "note",
}

var requiredColumns = []string{"section", "label", "value"}

// ImportFigures reads figures from a file named name, by its extension:
//
//   - .json: ParseFiguresJSON; meta fills the title, organization and period the file leaves empty;
//   - .csv: UTF-8 (with or without BOM), UTF-16 with BOM, or else GB18030 (what Excel on Chinese
//     Windows saves); comma- or tab-separated;
//   - .xlsx: the first sheet, see readXLSX for how numbers are read; a sheet named 说明, as
//     WriteXLSX writes it, gives the title, organization, period and template, else meta does.
//
// A spreadsheet has a header row (the first non-empty row; see columnNames) and one row per figure;
// empty rows are skipped, and a missing id is generated as f1, f2… in row order. Sections are
// grouped in order of first appearance, by heading, or by section number and heading when a
// section number column (部分序号) is given, so that two sections may share a heading. A row with
// a section and nothing else declares a section without figures. The result is validated: problems come back as one
// *ValidationError whose rows and columns are the spreadsheet's. Other errors are *retrieval.Error
// with code ETOOLARGE, EUNSUPPORTED or EUNDECODABLE.
func ImportFigures(name string, r io.Reader, meta Meta) (*Figures, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFiguresBytes+1))
	if err != nil {
		return nil, fmt.Errorf("draft: import figures: %w", err)
	}
	if len(data) > MaxFiguresBytes {
		return nil, retrieval.Errorf(retrieval.ETOOLARGE, "%s 超过了 %d MB 的上限", filepath.Base(name), MaxFiguresBytes>>20)
	}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".json":
		f, err := ParseFiguresJSON(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		f.Title = orMeta(f.Title, meta.Title)
		f.Organization = orMeta(f.Organization, meta.Organization)
		f.Period = orMeta(f.Period, meta.Period)
		if err := f.ValidateWithin(Unbounded); err != nil { // the Drafter bounds the size it drafts
			return nil, err
		}
		return f, nil
	case ".csv":
		rows, err := readCSV(data)
		if err != nil {
			return nil, err
		}
		f, _, err := buildFigures(rows, meta)
		return f, err
	case ".xlsx":
		rows, info, extras, err := readXLSX(data)
		if err != nil {
			return nil, err
		}
		meta.Title = orMeta(info["标题"], meta.Title)
		meta.Organization = orMeta(info["单位名称"], meta.Organization)
		meta.Period = orMeta(info["时期"], meta.Period)
		meta.Template = info["模板文档"]
		f, nos, err := buildFigures(rows, meta)
		if err != nil {
			return nil, err
		}
		mergeExtras(f, nos, extras)
		return f, nil
	case ".xls", ".et", ".wps", ".numbers", ".ods":
		return nil, retrieval.Errorf(retrieval.EUNSUPPORTED, "不支持 %s 文件：请把表格另存为 .xlsx 或 .csv", ext)
	default:
		return nil, retrieval.Errorf(retrieval.EUNSUPPORTED, "数据文件应为 .json、.csv 或 .xlsx 文件，收到的是 %q", filepath.Base(name))
	}
}

func orMeta(a, b string) string {
	if a != "" {
		return a
	}
	return strings.TrimSpace(b)
}

// sheetRow is one spreadsheet row: its 1-based number and its cells.
type sheetRow struct {
	num   int
	cells []sheetCell
}

// sheetCell is one cell's text as it will be used, and what reading it found.
type sheetCell struct {
	text    string
	percent bool   // the cell showed a percentage: text is the number before "%"
	problem string // why the cell's number cannot be used as is
}

func (r sheetRow) empty() bool {
	for _, c := range r.cells {
		if c.text != "" || c.problem != "" {
			return false
		}
	}
	return true
}

func (r sheetRow) at(i int) sheetCell {
	if i < 0 || i >= len(r.cells) {
		return sheetCell{}
	}
	return r.cells[i]
}

// buildFigures turns a header row and figure rows into validated Figures, and returns the
// section number the sheet gave each section ("" for none).
func buildFigures(rows []sheetRow, meta Meta) (*Figures, []string, error) {
	var ps []Problem
	for len(rows) > 0 && rows[0].empty() {
		rows = rows[1:]
	}
	if len(rows) == 0 {
		return nil, nil, &ValidationError{Problems: []Problem{{Message: "表格是空的：第一行应为列名（章节、指标、数值…），其下每行一个数据"}}}
	}
	header, rows := rows[0], rows[1:]
	col := map[string]int{} // field → 0-based column
	for i, c := range header.cells {
		name := normalizeHeader(c.text)
		if name == "" {
			continue
		}
		field, ok := columnNames[name]
		switch {
		case !ok:
			ps = append(ps, Problem{Row: header.num, Column: colName(i), Message: fmt.Sprintf("未知的列“%s”；可用的列：section/章节/部分、section_no/部分序号、id/编号、label/指标/名称、value/数值/本期数值/数据、unit/单位、previous/上期/去年同期、target/目标、note/备注", c.text)})
		case hasColumn(col, field):
			ps = append(ps, Problem{Row: header.num, Column: colName(i), Field: field, Message: fmt.Sprintf("列“%s”与%s列重复", c.text, colName(col[field]))})
		default:
			col[field] = i
		}
	}
	for _, field := range requiredColumns {
		if !hasColumn(col, field) {
			ps = append(ps, Problem{Row: header.num, Field: field, Message: fmt.Sprintf("缺少“%s”列", map[string]string{"section": "章节", "label": "指标", "value": "数值"}[field])})
		}
	}
	if len(ps) > 0 {
		return nil, nil, &ValidationError{Problems: ps}
	}
	colOf := func(field string) string {
		if i, ok := col[field]; ok {
			return colName(i)
		}
		return ""
	}
	text := func(r sheetRow, field string) string {
		i, ok := col[field]
		if !ok {
			return ""
		}
		return r.at(i).text
	}

	f := &Figures{Title: strings.TrimSpace(meta.Title), Organization: strings.TrimSpace(meta.Organization), Period: strings.TrimSpace(meta.Period),
		Template: strings.TrimSpace(meta.Template)}
	var sectionRows [][]int       // spreadsheet row of each figure, by section
	var sectionNos []string       // section number the sheet gave each section
	bySection := map[string]int{} // section number and heading → index
	byHeading := map[string]int{} // heading → index of the first section with it
	explicitIDs := map[string]bool{}
	for _, r := range rows {
		if id := text(r, "id"); id != "" {
			explicitIDs[id] = true
		}
	}
	nextID := 0
	for _, r := range rows {
		if r.empty() {
			continue
		}
		for i, c := range r.cells {
			if c.problem != "" {
				ps = append(ps, Problem{Row: r.num, Column: colName(i), Field: fieldAt(col, i), Message: c.problem})
			} else if c.text != "" && header.at(i).text == "" {
				ps = append(ps, Problem{Row: r.num, Column: colName(i), Message: fmt.Sprintf("“%s”所在的列没有列名", c.text)})
			}
		}
		heading := text(r, "section")
		if heading == "" {
			ps = append(ps, Problem{Row: r.num, Column: colOf("section"), Field: "section", Message: "章节不能为空"})
			continue
		}
		no := text(r, "section_no")
		s, ok := byHeading[heading]
		if no != "" {
			s, ok = bySection[no+"\x00"+heading]
		}
		if !ok {
			s = len(f.Sections)
			if no != "" {
				bySection[no+"\x00"+heading] = s
			}
			if _, seen := byHeading[heading]; !seen {
				byHeading[heading] = s
			}
			f.Sections = append(f.Sections, SectionInput{Heading: heading, Figures: []Figure{}})
			sectionRows = append(sectionRows, nil)
			sectionNos = append(sectionNos, no)
		}
		if onlySection(r, col) {
			continue
		}
		fig := Figure{
			ID:       text(r, "id"),
			Label:    text(r, "label"),
			Value:    text(r, "value"),
			Unit:     text(r, "unit"),
			Previous: text(r, "previous"),
			Target:   text(r, "target"),
			Note:     text(r, "note"),
		}
		if fig.ID == "" {
			for {
				nextID++
				fig.ID = "f" + strconv.Itoa(nextID)
				if !explicitIDs[fig.ID] {
					break
				}
			}
		}
		if i, ok := col["value"]; ok && r.at(i).percent && fig.Unit == "" {
			fig.Unit = "%"
		}
		f.Sections[s].Figures = append(f.Sections[s].Figures, fig)
		sectionRows[s] = append(sectionRows[s], r.num)
	}
	if len(f.Sections) == 0 && len(ps) == 0 {
		ps = append(ps, Problem{Row: header.num, Message: "列名下面没有数据行"})
	}
	cellProblem := map[Problem]bool{} // row and column of cells already reported
	for _, p := range ps {
		cellProblem[Problem{Row: p.Row, Column: p.Column}] = true
	}
	for _, p := range f.problems(func(s, r int, field string) Problem {
		if s < 0 {
			return Problem{Field: field}
		}
		if field == "heading" {
			field = "section"
		}
		if r < 0 {
			r = 0
		}
		return Problem{Row: sectionRows[s][r], Column: colOf(field), Field: field}
	}) {
		if !cellProblem[Problem{Row: p.Row, Column: p.Column}] || p.Row == 0 {
			ps = append(ps, p)
		}
	}
	if len(f.Sections) == 0 {
		ps = dropProblems(ps, "sections") // already said: no data rows, or every row lacks a section
	}
	for i := range ps {
		if ps[i].Field == "title" && ps[i].Row == 0 {
			ps[i].Message = "缺少标题：请在请求中给出 title（命令行用 --title）"
		}
	}
	if len(ps) > 0 {
		return nil, nil, &ValidationError{Problems: ps}
	}
	return f, sectionNos, nil
}

// onlySection reports whether r names a section and no figure: every figure column is empty.
func onlySection(r sheetRow, col map[string]int) bool {
	for field, i := range col {
		if field != "section" && field != "section_no" && (r.at(i).text != "" || r.at(i).problem != "") {
			return false
		}
	}
	return true
}

func hasColumn(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

func fieldAt(col map[string]int, i int) string {
	for field, j := range col {
		if j == i {
			return field
		}
	}
	return ""
}

func dropProblems(ps []Problem, field string) []Problem {
	out := ps[:0]
	for _, p := range ps {
		if p.Field != field {
			out = append(out, p)
		}
	}
	return out
}

// normalizeHeader lowercases a column name and removes its spaces (full-width ones too).
func normalizeHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// colName is the spreadsheet letter of 0-based column i: A, B, … Z, AA…
func colName(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return name
}

// readCSV decodes a CSV file into rows; see ImportFigures for the encodings accepted.
func readCSV(data []byte) ([]sheetRow, error) {
	text, err := decodeCSVText(data)
	if err != nil {
		return nil, err
	}
	rd := csv.NewReader(strings.NewReader(text))
	rd.FieldsPerRecord = -1
	rd.Comma = sniffComma(text)
	var rows []sheetRow
	extra := 0 // line breaks inside quoted cells so far: Excel counts rows, not lines
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ValidationError{Problems: []Problem{{Row: pe.StartLine - extra, Message: "CSV 格式错误：" + pe.Err.Error()}}}
			}
			return nil, fmt.Errorf("draft: read csv: %w", err)
		}
		line, _ := rd.FieldPos(0)
		row := sheetRow{num: line - extra, cells: make([]sheetCell, len(rec))}
		for i, s := range rec {
			row.cells[i] = sheetCell{text: strings.TrimSpace(s)}
			extra += strings.Count(s, "\n")
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// decodeCSVText returns data as UTF-8: UTF-8 (BOM stripped) if it is valid UTF-8, UTF-16 if it starts
// with a UTF-16 BOM, otherwise GB18030, a superset of the GBK that Excel on Chinese Windows writes.
func decodeCSVText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xff\xfe")), bytes.HasPrefix(data, []byte("\xfe\xff")):
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", retrieval.Errorf(retrieval.EUNDECODABLE, "这个 CSV 文件不是有效的 UTF-16 文本")
		}
		return string(out), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return "", retrieval.Errorf(retrieval.EUNDECODABLE, "这个 CSV 文件既不是 UTF-8 文本，也不是 GB18030（GBK）文本")
	}
	return string(out), nil
}

// sniffComma picks tab when the first line has tabs and no commas (Excel's "Unicode text").
func sniffComma(text string) rune {
	first, _, _ := strings.Cut(text, "\n")
	if strings.Contains(first, "\t") && !strings.Contains(first, ",") {
		return '\t'
	}
	return ','
}

// readXLSX reads the first sheet of an XLSX workbook into rows. Text cells are read as shown.
// A number cell is read from its stored value, rounded to Excel's 15 significant digits (so a
// stored 226.69999999999999 is 226.7, as Excel shows it), then compared with the text Excel
// displays with the cell's number format:
//
//   - displayed "90%" for a stored 0.9 is read as 90 with the percent flag (unit "%" when empty);
//   - displayed with thousands separators or a currency sign, the number without them is used;
//   - displayed with other decimals that are the same number ("90.0"), the displayed text is used;
//   - displayed as a different number (a format rounding 93.4782… to "93.5"), the cell is a problem:
//     the writer must decide which number is the fact, e.g. with ROUND or "paste as values";
//   - displayed with the stored number inside other text (a 0"人" format showing 36239人), the
//     stored number is used;
//   - displayed otherwise (dates, scientific notation), the cell is a problem.
//
// Cells of merged ranges all take the range's top-left value. A formula with no cached result
// (a file never opened in Excel) is a problem.
//
// It also returns the fields of the workbook's information sheet (readXLSXInfo) and hidden
// template sheet (readXLSXExtras), if any.
func readXLSX(data []byte) ([]sheetRow, map[string]string, map[string]string, error) {
	wb, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 8 * MaxFiguresBytes, UnzipXMLSizeLimit: 8 * MaxFiguresBytes})
	if err != nil {
		return nil, nil, nil, retrieval.Errorf(retrieval.EUNSUPPORTED, "无法按 .xlsx 读取这个文件：%v", err)
	}
	defer wb.Close()
	sheets := wb.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, nil, retrieval.Errorf(retrieval.EUNSUPPORTED, "这个 .xlsx 文件没有工作表")
	}
	sheet := sheets[0]
	shown, err := wb.GetRows(sheet)
	if err != nil {
		return nil, nil, nil, retrieval.Errorf(retrieval.EUNSUPPORTED, "无法读取工作表 %q：%v", sheet, err)
	}
	raw, err := wb.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, nil, nil, retrieval.Errorf(retrieval.EUNSUPPORTED, "无法读取工作表 %q：%v", sheet, err)
	}
	merged, err := wb.GetMergeCells(sheet)
	if err != nil {
		return nil, nil, nil, retrieval.Errorf(retrieval.EUNSUPPORTED, "无法读取工作表 %q：%v", sheet, err)
	}
	for _, m := range merged {
		fillMerged(shown, raw, m)
	}

	rows := make([]sheetRow, len(shown))
	numeric := map[int]bool{} // columns holding value, previous or target
	headerSeen := false
	for y, line := range shown {
		row := sheetRow{num: y + 1, cells: make([]sheetCell, len(line))}
		for x, s := range line {
			row.cells[x] = sheetCell{text: strings.TrimSpace(s)}
		}
		if !headerSeen {
			if !row.empty() {
				headerSeen = true
				for x, c := range row.cells {
					switch columnNames[normalizeHeader(c.text)] {
					case "value", "previous", "target":
						numeric[x] = true
					}
				}
			}
			rows[y] = row
			continue
		}
		for x := range row.cells {
			if !numeric[x] {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(x+1, y+1)
			row.cells[x] = readNumberCell(wb, sheet, ref, row.cells[x].text, gridAt(raw, y, x))
		}
		for x := range numeric {
			if x < len(row.cells) && row.cells[x].text != "" {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(x+1, y+1)
			if formula, _ := wb.GetCellFormula(sheet, ref); formula != "" {
				for len(row.cells) <= x {
					row.cells = append(row.cells, sheetCell{})
				}
				row.cells[x].problem = fmt.Sprintf("公式 =%s 没有计算结果：请用 Excel 或 WPS 打开并保存后再导入", formula)
			}
		}
		rows[y] = row
	}
	return rows, readXLSXInfo(wb), readXLSXExtras(wb), nil
}

func gridAt(rows [][]string, y, x int) string {
	if y < len(rows) && x < len(rows[y]) {
		return rows[y][x]
	}
	return ""
}

// fillMerged copies a merged range's top-left value into every cell of the range.
func fillMerged(shown, raw [][]string, m excelize.MergeCell) {
	x0, y0, err0 := excelize.CellNameToCoordinates(m.GetStartAxis())
	x1, y1, err1 := excelize.CellNameToCoordinates(m.GetEndAxis())
	if err0 != nil || err1 != nil {
		return
	}
	s, r := gridAt(shown, y0-1, x0-1), gridAt(raw, y0-1, x0-1)
	for y := y0; y <= y1 && y <= len(shown); y++ {
		for x := x0; x <= x1; x++ {
			setCell(shown, y-1, x-1, s)
			setCell(raw, y-1, x-1, r)
		}
	}
}

func setCell(rows [][]string, y, x int, v string) {
	if y >= len(rows) {
		return
	}
	for len(rows[y]) <= x {
		rows[y] = append(rows[y], "")
	}
	rows[y][x] = v
}

// readNumberCell reads a value, previous or target cell; see readXLSX.
func readNumberCell(wb *excelize.File, sheet, ref, shown, raw string) sheetCell {
	if shown == "" {
		return sheetCell{}
	}
	typ, err := wb.GetCellType(sheet, ref)
	if err != nil || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
		return sheetCell{text: shown} // text typed by the writer: validated as such
	}
	stored, ok := excelNumber(raw)
	if !ok {
		return sheetCell{text: shown}
	}
	disp := strings.TrimSpace(shown)
	disp = strings.NewReplacer(",", "", "¥", "", "￥", "", "$", "", " ", "").Replace(disp)
	percent := false
	if d, ok := strings.CutSuffix(disp, "%"); ok {
		disp, percent = d, true
	}
	if !isPlainNumber(disp) {
		if strings.Contains(shown, plainDecimal(stored)) {
			return sheetCell{text: plainDecimal(stored)} // e.g. 0"人" shows 36239人
		}
		return sheetCell{text: shown, problem: fmt.Sprintf("单元格显示为“%s”，无法确定要写入的数字（存储的值是 %s）；请把单元格格式设为“常规”或“数值”", strings.TrimSpace(shown), plainDecimal(stored))}
	}
	want := stored
	if percent {
		want = new(big.Rat).Mul(stored, big.NewRat(100, 1))
	}
	got, _ := new(big.Rat).SetString(disp)
	if got.Cmp(want) != 0 {
		return sheetCell{text: shown, problem: fmt.Sprintf("单元格显示为“%s”，但实际存储的值是 %s；请把单元格改成要写进总结的数字（例如用 ROUND 函数，或复制后“粘贴为数值”）", strings.TrimSpace(shown), plainDecimal(stored))}
	}
	return sheetCell{text: disp, percent: percent}
}

// excelNumber parses a stored number and rounds it to the 15 significant digits Excel keeps.
func excelNumber(raw string) (*big.Rat, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(v, 'g', 15, 64))
	return r, ok
}

// plainDecimal writes r in the accepted number form with as many decimals as it needs.
func plainDecimal(r *big.Rat) string {
	for d := 0; d <= 30; d++ {
		s := r.FloatString(d)
		if back, _ := new(big.Rat).SetString(s); back.Cmp(r) == 0 {
			return s
		}
	}
	return r.FloatString(30)
}
