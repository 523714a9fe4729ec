package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestTextReadsTheProvincialReports reads the 31 real Word files of the
// sample corpus. Their names in the zip are GBK bytes without the UTF-8 flag.
func TestTextReadsTheProvincialReports(t *testing.T) {
	zr, err := zip.OpenReader(corpusFile(t, "provincial_reports_2025_docx.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()

	var docs, numbered, withHeadings int
	for _, f := range zr.File {
		name := f.Name
		if !f.NonUTF8 && utf8.ValidString(name) {
			t.Logf("entry %q is flagged UTF-8; the corpus README says GBK", name)
		} else if n, err := simplifiedchinese.GB18030.NewDecoder().String(name); err == nil {
			name = n
		}
		if !strings.HasSuffix(name, ".docx") {
			continue
		}
		docs++
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		usesNumbering := docxUsesNumbering(t, data)
		if usesNumbering {
			numbered++
		}
		t.Run("reads "+name, func(t *testing.T) {
			if !strings.Contains(name, "政府工作报告") {
				t.Errorf("the decoded entry name %q does not read as a government work report: GBK name decoding failed", name)
			}
			res, err := Text(context.Background(), name, data)
			if err != nil {
				t.Fatal(err)
			}
			n := utf8.RuneCountInString(res.Text)
			if n < 5000 {
				t.Errorf("only %d characters of text", n)
			}
			if !strings.Contains(res.Text, "政府工作报告") && !strings.Contains(res.Text, "各位代表") {
				t.Errorf("text has neither 政府工作报告 nor 各位代表; it starts %q", firstRunes(res.Text, 80))
			}
			if strings.ContainsAny(res.Text, "<>\x00") && strings.Contains(res.Text, "w:") {
				t.Errorf("XML markup leaked into the text")
			}
			if len(res.Warnings) > 0 {
				t.Errorf("warnings: %v", res.Warnings)
			}
			if hasLineStarting(res.Text, "一、") {
				withHeadings++
			} else if usesNumbering {
				t.Errorf("the document uses automatic numbering but no line starts with 一、")
			}
		})
	}
	if docs != 31 {
		t.Errorf("read %d .docx files, the corpus has 31", docs)
	}
	if withHeadings < docs*9/10 {
		t.Errorf("only %d of %d reports have a line starting with 一、", withHeadings, docs)
	}
	t.Logf("%d reports read; %d use Word's automatic numbering; %d have 一、 headings in the text", docs, numbered, withHeadings)
}

// docxUsesNumbering reports whether a .docx has a numbering part and paragraphs that point at it.
func docxUsesNumbering(t *testing.T, data []byte) bool {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	hasPart, hasRef := false, false
	for _, f := range zr.File {
		switch f.Name {
		case "word/numbering.xml":
			hasPart = true
		case "word/document.xml", "word/styles.xml":
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if bytes.Contains(b, []byte("<w:numId ")) && !bytes.Contains(b, []byte(`<w:numId w:val="0"/>`)) {
				hasRef = true
			}
		}
	}
	return hasPart && hasRef
}

// TestTextReadsTheSampleSummariesInAnyEncoding reads the scraped summaries as
// they are (UTF-8) and re-encoded as GB18030, which must give the same text.
func TestTextReadsTheSampleSummariesInAnyEncoding(t *testing.T) {
	for _, name := range []string{"000_dab9e7b674f79ebd.txt", "001_b1ea3985e9880e92.txt", "002_f6faebdb4ee4e257.txt"} {
		data, err := os.ReadFile(corpusFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Run("reads "+name+" as UTF-8 and as GB18030 alike", func(t *testing.T) {
			utf, err := Text(context.Background(), name, data)
			if err != nil {
				t.Fatal(err)
			}
			if utf.Encoding != "utf-8" {
				t.Errorf("encoding = %s, want utf-8", utf.Encoding)
			}
			gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(data)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Text(context.Background(), name, gb)
			if err != nil {
				t.Fatal(err)
			}
			if res.Encoding != "gb18030" || res.Text != utf.Text {
				t.Errorf("GB18030 copy read as %s, same text: %v", res.Encoding, res.Text == utf.Text)
			}
		})
	}
}

// hasLineStarting reports whether a line of text starts with prefix.
func hasLineStarting(text, prefix string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " \t\u3000"), prefix) {
			return true
		}
	}
	return false
}

// firstRunes returns up to n runes of s.
func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
