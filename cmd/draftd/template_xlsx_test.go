package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/draftd/draftd/draft"
)

func TestTemplateXLSX(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "songxi.txt")
	os.WriteFile(file, []byte(fixture), 0o644)
	book := filepath.Join(dir, "figures.xlsx")
	m, out, errb := testMain(t, nil)
	ctx := context.Background()
	if err := m.Run(ctx, []string{"template", file, "-o", book}); err != nil {
		t.Fatalf("template: %v\n%s", err, errb)
	}
	if out.Len() != 0 {
		t.Fatalf("stdout should be empty with -o: %q", out)
	}
	m2, js, _ := testMain(t, map[string]string{"DRAFTD_DATA_DIR": m.Getenv("DRAFTD_DATA_DIR")})
	if err := m2.Run(ctx, []string{"template", file}); err != nil {
		t.Fatal(err)
	}
	skeleton, err := draft.ParseFiguresJSON(js)
	if err != nil {
		t.Fatal(err)
	}

	// The writer types a value into every figure row of the workbook's first sheet.
	wb, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatalf("-o figures.xlsx is not a workbook: %v", err)
	}
	sheet := wb.GetSheetList()[0]
	rows, err := wb.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for y, r := range rows[1:] {
		if len(r) > 2 && r[2] != "" {
			n++
			if err := wb.SetCellStr(sheet, "G"+strconv.Itoa(y+2), strconv.Itoa(n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n == 0 {
		t.Fatal("the workbook has no figure rows")
	}
	filled := filepath.Join(dir, "filled.xlsx")
	if err := wb.SaveAs(filled); err != nil {
		t.Fatal(err)
	}
	wb.Close()

	t.Run("the filled workbook imports as the skeleton with the values typed", func(t *testing.T) {
		fh, err := os.Open(filled)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		got, err := draft.ImportFigures(filled, fh, draft.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for s := range skeleton.Sections {
			for r := range skeleton.Sections[s].Figures {
				k++
				skeleton.Sections[s].Figures[r].Value = strconv.Itoa(k)
			}
		}
		if got.Template != skeleton.Template || got.Title != skeleton.Title || len(got.Sections) != len(skeleton.Sections) {
			t.Fatalf("got %+v\nwant %+v", got, skeleton)
		}
		for s := range got.Sections {
			if got.Sections[s].Heading != skeleton.Sections[s].Heading || len(got.Sections[s].Figures) != len(skeleton.Sections[s].Figures) {
				t.Fatalf("section %d: got %+v, want %+v", s, got.Sections[s], skeleton.Sections[s])
			}
			for r, fig := range got.Sections[s].Figures {
				if fig != skeleton.Sections[s].Figures[r] {
					t.Fatalf("figure %d.%d: got %+v, want %+v", s, r, fig, skeleton.Sections[s].Figures[r])
				}
			}
		}
	})
	t.Run("the filled workbook drafts offline", func(t *testing.T) {
		m3, _, errb := testMain(t, map[string]string{"DRAFTD_DATA_DIR": m.Getenv("DRAFTD_DATA_DIR")})
		if err := m3.Run(ctx, []string{"draft", "--figures", filled, "--model", "offline", "-o", filepath.Join(dir, "draft.json")}); err != nil {
			t.Fatalf("draft: %v\n%s", err, errb)
		}
	})
}
