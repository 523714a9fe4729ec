package draft

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// fillWorkbook opens a workbook WriteXLSX wrote and types a value into each figure row, as a writer
// would in Excel: set(f, cell, i) for the i-th figure row's value cell.
func fillWorkbook(t *testing.T, data []byte, set func(f *excelize.File, cell string, i int)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(figuresSheet)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], "|"); got != "部分序号|章节|编号|指标|单位|去年同期|本期数值|目标|备注" {
		t.Fatalf("header %q", got)
	}
	i := 0
	for y, r := range rows[1:] {
		if len(r) > 2 && r[2] != "" { // a figure row: it has an id
			set(f, "G"+strconv.Itoa(y+2), i)
			i++
		}
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestWriteXLSXRoundTrip(t *testing.T) {
	doc := templateDoc(t, "青禾县卫生健康局2024年上半年工作总结", templateText)
	skeleton, err := TemplateFrom(doc)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, skeleton); err != nil {
		t.Fatal(err)
	}
	hasEmpty := false
	for _, s := range skeleton.Sections {
		hasEmpty = hasEmpty || len(s.Figures) == 0
	}
	if !hasEmpty {
		t.Fatal("the fixture should have a section without figures")
	}

	typed := []struct {
		name  string
		value func(i int) string
		set   func(f *excelize.File, cell string, v string)
	}{
		{"values typed into the text-formatted column are kept as typed",
			func(i int) string { return fmt.Sprintf("%d.50", 100+i) },
			func(f *excelize.File, cell, v string) { mustXLSX(t, f.SetCellStr(figuresSheet, cell, v)) }},
		{"values pasted as numbers read as the numbers",
			func(i int) string { return fmt.Sprintf("%d.25", 40+i) },
			func(f *excelize.File, cell, v string) {
				n, _ := strconv.ParseFloat(v, 64)
				mustXLSX(t, f.SetCellFloat(figuresSheet, cell, n, -1, 64))
			}},
	}
	for _, tc := range typed {
		t.Run(tc.name, func(t *testing.T) {
			filled := fillWorkbook(t, buf.Bytes(), func(f *excelize.File, cell string, i int) { tc.set(f, cell, tc.value(i)) })
			got, err := ImportFigures("骨架.xlsx", bytes.NewReader(filled), Meta{Title: "别的标题"})
			if err != nil {
				t.Fatal(err)
			}
			want := *skeleton
			want.Sections = make([]SectionInput, len(skeleton.Sections))
			i := 0
			for s, sec := range skeleton.Sections {
				want.Sections[s] = sec
				want.Sections[s].Figures = make([]Figure, len(sec.Figures))
				for r, fig := range sec.Figures {
					fig.Value = tc.value(i)
					i++
					want.Sections[s].Figures[r] = fig
				}
			}
			if !reflect.DeepEqual(got, &want) {
				t.Fatalf("import of the filled skeleton differs\n got %+v\nwant %+v", got, &want)
			}
		})
	}

	t.Run("an unfilled value is reported at its cell", func(t *testing.T) {
		_, err := ImportFigures("骨架.xlsx", bytes.NewReader(buf.Bytes()), Meta{})
		ps := problemsOf(t, err)
		if ps[0].Column != "G" || ps[0].Field != "value" || ps[0].Row < 2 {
			t.Fatalf("problems %+v", ps)
		}
	})
}

func TestWriteXLSX(t *testing.T) {
	f := &Figures{
		Title: "青禾县文化和旅游局2025年工作总结", Organization: "青禾县文化和旅游局", Period: "2025年", Template: "doc-1",
		Sections: []SectionInput{
			{Heading: "一、主要工作", Figures: []Figure{}},
			{Heading: "主要做法", Figures: []Figure{{ID: "s2f1", Label: "接待游客", Unit: "万人次", Previous: "226.70"}},
				TemplateText: strings.Repeat("全年接待游客【s2f1】，文旅融合持续推进。", 1500)}, // longer than a cell holds
			{Heading: "二、文物保护", Figures: []Figure{}},
			{Heading: "主要做法", Figures: []Figure{{ID: "s4f1", Label: "指标", Unit: "处", Previous: "12", Note: unsure + "指标名称不明"}}},
		},
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, f); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()

	t.Run("the figures sheet comes first and the information sheet holds the metadata", func(t *testing.T) {
		if got := wb.GetSheetList(); !reflect.DeepEqual(got, []string{figuresSheet, infoSheet, extrasSheet}) {
			t.Fatalf("sheets %q", got)
		}
		info := readXLSXInfo(wb)
		if info["标题"] != f.Title || info["单位名称"] != f.Organization || info["时期"] != f.Period || info["模板文档"] != "doc-1" {
			t.Fatalf("info %q", info)
		}
	})
	t.Run("a previous value is written as text, exactly as given", func(t *testing.T) {
		v, _ := wb.GetCellValue(figuresSheet, "F3")
		typ, _ := wb.GetCellType(figuresSheet, "F3")
		if v != "226.70" || typ == excelize.CellTypeNumber {
			t.Fatalf("F3 = %q (%v)", v, typ)
		}
	})
	t.Run("the value column is text-formatted so typed numbers stay as typed", func(t *testing.T) {
		id, _ := wb.GetCellStyle(figuresSheet, "G3")
		st, _ := wb.GetStyle(id)
		if st == nil || st.NumFmt != 49 {
			t.Fatalf("G3 style %+v", st)
		}
	})
	t.Run("an unsure slot's row is highlighted and a sure one's is not", func(t *testing.T) {
		fill := func(cell string) string {
			id, _ := wb.GetCellStyle(figuresSheet, cell)
			st, _ := wb.GetStyle(id)
			if st == nil || len(st.Fill.Color) == 0 {
				return ""
			}
			return st.Fill.Color[0]
		}
		if got := fill("D5"); got != "FFF2CC" {
			t.Errorf("unsure row's label fill %q", got)
		}
		if got := fill("D3"); got != "" {
			t.Errorf("sure row's label fill %q", got)
		}
	})
	t.Run("sections sharing a heading stay apart, sections without figures are kept and a template text longer than a cell comes back whole", func(t *testing.T) {
		filled := fillWorkbook(t, buf.Bytes(), func(x *excelize.File, cell string, i int) {
			mustXLSX(t, x.SetCellStr(figuresSheet, cell, strconv.Itoa(7+i)))
		})
		got, err := ImportFigures("骨架.xlsx", bytes.NewReader(filled), Meta{})
		if err != nil {
			t.Fatal(err)
		}
		want := *f
		want.Sections = []SectionInput{
			f.Sections[0],
			{Heading: "主要做法", Figures: []Figure{{ID: "s2f1", Label: "接待游客", Unit: "万人次", Previous: "226.70", Value: "7"}}, TemplateText: f.Sections[1].TemplateText},
			f.Sections[2],
			{Heading: "主要做法", Figures: []Figure{{ID: "s4f1", Label: "指标", Unit: "处", Previous: "12", Note: unsure + "指标名称不明", Value: "8"}}},
		}
		if !reflect.DeepEqual(got, &want) {
			t.Fatalf("got %+v\nwant %+v", got, &want)
		}
	})
	t.Run("without section numbers rows of one heading form one section", func(t *testing.T) {
		csv := "章节,指标,本期数值\n主要做法,甲,1\n二、文物保护\n主要做法,乙,2\n"
		got, err := ImportFigures("a.csv", strings.NewReader(csv), Meta{Title: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Sections) != 2 || len(got.Sections[0].Figures) != 2 || got.Sections[1].Heading != "二、文物保护" || len(got.Sections[1].Figures) != 0 {
			t.Fatalf("sections %+v", got.Sections)
		}
	})
}

// BenchmarkWorkbook writes and imports a 200-figure skeleton (20 sections of 10), about the
// largest work summary's.
func BenchmarkWorkbook(b *testing.B) {
	f := &Figures{Title: "青禾县卫生健康局2025年工作总结", Template: "doc-1"}
	for s := range 20 {
		sec := SectionInput{Heading: fmt.Sprintf("（%d）重点工作", s+1), TemplateText: strings.Repeat("全年完成【s1f1】，稳步推进。", 20)}
		for r := range 10 {
			sec.Figures = append(sec.Figures, Figure{ID: fmt.Sprintf("s%df%d", s+1, r+1), Label: "新建卫生室", Unit: "所", Previous: "12", Value: strconv.Itoa(r + 3)})
		}
		f.Sections = append(f.Sections, sec)
	}
	var buf bytes.Buffer
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			buf.Reset()
			if err := WriteXLSX(&buf, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("import", func(b *testing.B) {
		for b.Loop() {
			if _, err := ImportFigures("f.xlsx", bytes.NewReader(buf.Bytes()), Meta{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
