package draft

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/draftd/draftd/retrieval"
)

var testMeta = Meta{Title: "青禾县卫生健康局2025年上半年工作总结", Organization: "青禾县卫生健康局", Period: "2025年上半年"}

// csvWant is what figures.csv and its re-encodings import as.
var csvWant = &Figures{
	Title: testMeta.Title, Organization: testMeta.Organization, Period: testMeta.Period,
	Sections: []SectionInput{
		{Heading: "健康扶贫", Figures: []Figure{
			{ID: "f1", Label: "享受健康扶贫政策人数", Value: "36239", Unit: "人", Previous: "35000"},
			{ID: "f2", Label: "大病患者住院费用实际报销比例", Value: "90", Unit: "%", Previous: "85", Note: "含二次报销"},
		}},
		{Heading: "疾病预防控制", Figures: []Figure{
			{ID: "f3", Label: "适龄儿童免疫规划疫苗接种率", Value: "98.65", Unit: "%", Target: "95"},
		}},
		{Heading: "医疗服务, 基层", Figures: []Figure{
			{ID: "f4", Label: "家庭医生签约人数", Value: "12040", Unit: "人"},
		}},
	},
}

func TestImportFiguresCSV(t *testing.T) {
	utf8CSV, err := os.ReadFile(filepath.Join("testdata", "figures", "figures.csv"))
	if err != nil {
		t.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(utf8CSV)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes(bytes.ReplaceAll(bytes.ReplaceAll(utf8CSV, []byte(","), []byte("\t")), []byte("服务\t"), []byte("服务,")))
	if err != nil {
		t.Fatal(err)
	}
	chineseHeader := bytes.Replace(utf8CSV, []byte("section,id,label,value,unit,previous,target,note"), []byte("章节, 编号,指标,数值,单位,去年同期,目标,备注"), 1)
	upperHeader := bytes.Replace(utf8CSV, []byte("section,id,label"), []byte(" Section ,ID,Label"), 1)
	tests := []struct {
		name string
		data []byte
	}{
		{"UTF-8 imports with sections grouped in order of first appearance and ids generated around explicit ones", utf8CSV},
		{"UTF-8 with a BOM imports the same", append([]byte("\xef\xbb\xbf"), utf8CSV...)},
		{"GBK, as Excel saves on Chinese Windows, imports the same", gbk},
		{"tab-separated UTF-16, Excel's Unicode text, imports the same", utf16},
		{"Chinese column names import the same", chineseHeader},
		{"column names ignore case and spaces", upperHeader},
		{"CRLF line ends import the same", bytes.ReplaceAll(utf8CSV, []byte("\n"), []byte("\r\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bytes.Equal(tt.data, utf8CSV) && tt.name != tests[0].name {
				t.Fatal("the test input was not transformed")
			}
			got, err := ImportFigures("数据.CSV", bytes.NewReader(tt.data), testMeta)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, csvWant) {
				t.Errorf("got\n%+v\nwant\n%+v", got, csvWant)
			}
		})
	}
}

func TestImportFiguresProblems(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		meta    Meta
		want    []Problem
		message string // part of the first problem's message
	}{
		{
			name:    "an unknown column is named with its row and column",
			csv:     "章节,指标,数值,口径\n健康扶贫,人数,5,全县\n",
			meta:    testMeta,
			want:    []Problem{{Row: 1, Column: "D"}},
			message: "“口径”",
		},
		{
			name:    "a missing value names its spreadsheet row, counting empty lines",
			csv:     "章节,指标,数值\n健康扶贫,人数,5\n\n健康扶贫,户数,\n",
			meta:    testMeta,
			want:    []Problem{{Row: 4, Column: "C", Field: "value"}},
			message: "数值不能为空",
		},
		{
			name:    "a missing required column is reported",
			csv:     "章节,指标\n健康扶贫,人数\n",
			meta:    testMeta,
			want:    []Problem{{Row: 1, Field: "value"}},
			message: "缺少“数值”列",
		},
		{
			name:    "a duplicated column is reported",
			csv:     "章节,指标,数值,数据\n健康扶贫,人数,5,6\n",
			meta:    testMeta,
			want:    []Problem{{Row: 1, Column: "D", Field: "value"}},
			message: "与C列重复",
		},
		{
			name:    "an empty section cell is reported",
			csv:     "章节,指标,数值\n健康扶贫,人数,5\n,户数,6\n",
			meta:    testMeta,
			want:    []Problem{{Row: 3, Column: "A", Field: "section"}},
			message: "章节不能为空",
		},
		{
			name:    "a value with its percent sign is reported at its cell",
			csv:     "章节,编号,指标,数值\n健康扶贫,a,比例,90%\n健康扶贫,a,人数,5\n",
			meta:    testMeta,
			want:    []Problem{{Row: 2, Column: "D", Field: "value"}, {Row: 3, Column: "B", Field: "id"}},
			message: "单位写 %",
		},
		{
			name:    "a cell under no column name is reported",
			csv:     "章节,指标,数值\n健康扶贫,人数,5,多余\n",
			meta:    testMeta,
			want:    []Problem{{Row: 2, Column: "D"}},
			message: "没有列名",
		},
		{
			name:    "a missing title says where to give it",
			csv:     "章节,指标,数值\n健康扶贫,人数,5\n",
			want:    []Problem{{Field: "title"}},
			message: "--title",
		},
		{
			name:    "a header with no rows is reported once",
			csv:     "章节,指标,数值\n\n",
			meta:    testMeta,
			want:    []Problem{{Row: 1}},
			message: "没有数据行",
		},
		{
			name:    "broken quoting is reported with its row",
			csv:     "章节,指标,数值\n健康扶贫,\"人数,5\n",
			meta:    testMeta,
			want:    []Problem{{Row: 2}},
			message: "CSV 格式错误",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ImportFigures("figures.csv", strings.NewReader(tt.csv), tt.meta)
			got := problemsOf(t, err)
			if !strings.Contains(got[0].Message, tt.message) {
				t.Errorf("message = %q, want it to contain %q", got[0].Message, tt.message)
			}
			for i := range got {
				got[i].Message = ""
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestImportFiguresFiles(t *testing.T) {
	t.Run("JSON is parsed, validated and takes the title from meta when it has none", func(t *testing.T) {
		got, err := ImportFigures("f.json", strings.NewReader(`{"sections":[{"heading":"h","figures":[{"id":"a","label":"l","value":"1"}]}]}`), testMeta)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != testMeta.Title || got.Period != testMeta.Period {
			t.Errorf("title, period = %q, %q", got.Title, got.Period)
		}
	})

	tests := []struct {
		name, file, data, code string
	}{
		{"an .xls file is unsupported with a hint to save as .xlsx", "数据.xls", "x", retrieval.EUNSUPPORTED},
		{"an unknown extension is unsupported", "数据.txt", "x", retrieval.EUNSUPPORTED},
		{"a CSV that is neither UTF-8 nor GB18030 is undecodable", "数据.csv", "\x81\x30\xff\xff", retrieval.EUNDECODABLE},
		{"a file that is not really XLSX is unsupported", "数据.xlsx", "not a zip", retrieval.EUNSUPPORTED},
		{"an invalid JSON file gives its problems", "数据.json", `{"title":"t","sections":[{"heading":""}]}`, EINVALIDFIGURES},
		{"a file over the limit is too large", "数据.csv", strings.Repeat("x", MaxFiguresBytes+1), retrieval.ETOOLARGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ImportFigures(tt.file, strings.NewReader(tt.data), testMeta)
			if got := retrieval.ErrorCode(err); got != tt.code {
				t.Errorf("code = %q (%v), want %q", got, err, tt.code)
			}
		})
	}
}

// xlsxFile builds a workbook in memory; cells maps a reference to a value, styles a reference to a
// number format code.
func xlsxFile(t *testing.T, build func(f *excelize.File, sheet string)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	build(f, sheet)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func setNumFmt(t *testing.T, f *excelize.File, sheet, ref, code string) {
	t.Helper()
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sheet, ref, ref, style); err != nil {
		t.Fatal(err)
	}
}

func mustXLSX(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestImportFiguresXLSX(t *testing.T) {
	data := xlsxFile(t, func(f *excelize.File, sheet string) {
		mustXLSX(t, f.SetSheetRow(sheet, "A1", &[]any{"章节", "指标", "数值", "单位", "上期", "目标"}))
		// A percentage as Excel stores it: 0.9 shown as 90%.
		mustXLSX(t, f.SetSheetRow(sheet, "A2", &[]any{"健康扶贫", "报销比例", 0.9, nil, 0.855}))
		setNumFmt(t, f, sheet, "C2", "0%")
		setNumFmt(t, f, sheet, "E2", "0.0%")
		// A float typed as 226.7 and a stored value with a binary residue.
		mustXLSX(t, f.SetSheetRow(sheet, "A3", &[]any{nil, "专项资金", 226.7, "万元"}))
		mustXLSX(t, f.SetCellDefault(sheet, "E3", "200.00000000000003"))
		mustXLSX(t, f.MergeCell(sheet, "A2", "A3"))
		// Row 4 is left empty and must be skipped.
		mustXLSX(t, f.SetSheetRow(sheet, "A5", &[]any{"医疗服务", "签约人数", 36239, "人", nil, 1234567}))
		setNumFmt(t, f, sheet, "F5", "#,##0")
		mustXLSX(t, f.SetSheetRow(sheet, "A6", &[]any{"医疗服务", "达标率", 98.5, "%"}))
		setNumFmt(t, f, sheet, "C6", "0.00")
		mustXLSX(t, f.SetSheetRow(sheet, "A7", &[]any{"医疗服务", "床位数", "1280", "张"}))
		mustXLSX(t, f.SetSheetRow(sheet, "A8", &[]any{"医疗服务", "门诊人次", 52000, "人次"}))
		setNumFmt(t, f, sheet, "C8", `0"人次"`)
		mustXLSX(t, f.SetSheetRow(sheet, "A9", &[]any{"医疗服务", "账面资金", 1500.5, "元"}))
		setNumFmt(t, f, sheet, "C9", `"¥"#,##0.0`)
	})
	got, err := ImportFigures("数据.xlsx", bytes.NewReader(data), testMeta)
	if err != nil {
		t.Fatal(err)
	}
	want := []SectionInput{
		{Heading: "健康扶贫", Figures: []Figure{
			{ID: "f1", Label: "报销比例", Value: "90", Unit: "%", Previous: "85.5"},
			{ID: "f2", Label: "专项资金", Value: "226.7", Unit: "万元", Previous: "200"},
		}},
		{Heading: "医疗服务", Figures: []Figure{
			{ID: "f3", Label: "签约人数", Value: "36239", Unit: "人", Target: "1234567"},
			{ID: "f4", Label: "达标率", Value: "98.50", Unit: "%"},
			{ID: "f5", Label: "床位数", Value: "1280", Unit: "张"},
			{ID: "f6", Label: "门诊人次", Value: "52000", Unit: "人次"},
			{ID: "f7", Label: "账面资金", Value: "1500.5", Unit: "元"},
		}},
	}
	cases := []struct {
		name string
		s, r int
	}{
		{"a percent-formatted 0.9 reads as 90 with its % moved to the unit", 0, 0},
		{"226.7 stays 226.7 and a binary residue is dropped at 15 digits, merged section cells included", 0, 1},
		{"a big integer is not shortened and a thousands separator is dropped", 1, 0},
		{"the decimals shown are kept", 1, 1},
		{"a number typed as text is read as typed", 1, 2},
		{"a number shown inside a unit format reads as the number", 1, 3},
		{"a currency format reads as the number", 1, 4},
	}
	if len(got.Sections) != len(want) || len(got.Sections[0].Figures) != 2 || len(got.Sections[1].Figures) != 5 {
		t.Fatalf("sections = %+v, want %+v", got.Sections, want)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if g, w := got.Sections[c.s].Figures[c.r], want[c.s].Figures[c.r]; g != w {
				t.Errorf("got %+v, want %+v", g, w)
			}
		})
	}

	problems := []struct {
		name    string
		build   func(f *excelize.File, sheet string)
		want    Problem
		message string
	}{
		{
			name: "a number shown rounded is a problem naming both numbers",
			build: func(f *excelize.File, sheet string) {
				mustXLSX(t, f.SetSheetRow(sheet, "A2", &[]any{"医疗服务", "比率", 93.4782608695652}))
				setNumFmt(t, f, sheet, "C2", "0.0")
			},
			want:    Problem{Row: 2, Column: "C", Field: "value"},
			message: "单元格显示为“93.5”，但实际存储的值是 93.4782608695652",
		},
		{
			name: "a date in the value column is a problem",
			build: func(f *excelize.File, sheet string) {
				mustXLSX(t, f.SetSheetRow(sheet, "A2", &[]any{"医疗服务", "日期", 45838}))
				setNumFmt(t, f, sheet, "C2", "yyyy/m/d")
			},
			want:    Problem{Row: 2, Column: "C", Field: "value"},
			message: "无法确定要写入的数字",
		},
		{
			name: "a formula never calculated is a problem",
			build: func(f *excelize.File, sheet string) {
				mustXLSX(t, f.SetSheetRow(sheet, "A2", &[]any{"医疗服务", "合计"}))
				mustXLSX(t, f.SetCellFormula(sheet, "C2", "SUM(D2:E2)"))
			},
			want:    Problem{Row: 2, Column: "C", Field: "value"},
			message: "=SUM(D2:E2) 没有计算结果",
		},
		{
			name: "an unknown column is named",
			build: func(f *excelize.File, sheet string) {
				mustXLSX(t, f.SetCellValue(sheet, "D1", "口径"))
				mustXLSX(t, f.SetSheetRow(sheet, "A2", &[]any{"医疗服务", "人数", 5}))
			},
			want:    Problem{Row: 1, Column: "D"},
			message: "“口径”",
		},
	}
	for _, tt := range problems {
		t.Run(tt.name, func(t *testing.T) {
			data := xlsxFile(t, func(f *excelize.File, sheet string) {
				mustXLSX(t, f.SetSheetRow(sheet, "A1", &[]any{"章节", "指标", "数值"}))
				tt.build(f, sheet)
			})
			_, err := ImportFigures("数据.xlsx", bytes.NewReader(data), testMeta)
			ps := problemsOf(t, err)
			msg := ps[0].Message
			ps[0].Message = ""
			if len(ps) != 1 || ps[0] != tt.want || !strings.Contains(msg, tt.message) {
				t.Errorf("problems = %+v %q, want %+v containing %q", ps, msg, tt.want, tt.message)
			}
		})
	}
}
