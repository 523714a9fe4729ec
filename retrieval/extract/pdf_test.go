package extract

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/draftd/draftd/retrieval"
)

func TestUnwrapPDF(t *testing.T) {
	// A full line is 40 wide characters; pdftotext output is imitated by hand.
	full := strings.Repeat("各项工作", 10)
	cases := []struct {
		name, in, want string
	}{
		{"spaces around digits and Latin runs next to CJK go",
			"我局 2021 年为 XX 人援助 xx 万元，增长 5.2% 的水平",
			"我局2021年为XX人援助xx万元，增长5.2%的水平"},
		{"spaces between CJK characters go",
			"工 作 总 结",
			"工作总结"},
		{"spaces between Latin words stay",
			"使用 Office 365 Pro Plus 办公",
			"使用Office 365 Pro Plus办公"},
		{"a full line that ends mid-sentence joins the next",
			full + "\n" + "继续推进。",
			full + "继续推进。"},
		{"a full line that ends a sentence keeps its line end",
			full + "。\n" + "继续推进。",
			full + "。\n继续推进。"},
		{"a short title and a short heading keep their line ends",
			"某县某局2021年工作总结\n一、主要工作\n" + full + "\n完成。",
			"某县某局2021年工作总结\n一、主要工作\n" + full + "完成。"},
		{"a full line does not swallow a heading",
			full + "\n（二）加强队伍建设\n" + full + "\n2.提升能力。",
			full + "\n（二）加强队伍建设\n" + full + "\n2.提升能力。"},
		{"a wrapped line may start with 二、三级",
			full + "\n二、三级医院全覆盖。",
			full + "二、三级医院全覆盖。"},
		{"a wrapped line may start with a decimal",
			full + "\n2.5万元。",
			full + "2.5万元。"},
		{"a full line does not swallow a page number",
			full + "\n\n- 3 -\n\n\f继续推进。",
			full + "\n\n- 3 -\n\n继续推进。"},
		{"a full line joins the next page's first line across the page's margin",
			full + "\n\n\f继续推进。",
			full + "继续推进。"},
		{"a blank line inside a page is a paragraph break",
			full + "\n\n继续推进。",
			full + "\n\n继续推进。"},
		{"an English line wrapped between words keeps a space",
			strings.Repeat("word ", 16) + "wrapped\nhere.",
			strings.Repeat("word ", 16) + "wrapped here."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := unwrapPDF(c.in); got != c.want {
				t.Errorf("unwrapPDF(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

// officePDFs converts files (paths) to PDF with LibreOffice and returns the PDFs by base
// name. It skips the test when soffice or pdftotext is missing, unless DRAFTD_REQUIRE_OFFICE=1.
func officePDFs(t *testing.T, files ...string) map[string][]byte {
	t.Helper()
	for _, tool := range []string{"soffice", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("%s is not installed (Debian packages libreoffice-writer and poppler-utils): PDFs made by an office suite are not tested", tool)
			if os.Getenv("DRAFTD_REQUIRE_OFFICE") == "1" {
				t.Fatal(msg + ", and DRAFTD_REQUIRE_OFFICE=1")
			}
			t.Skip(msg)
		}
	}
	dir := t.TempDir()
	args := []string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--headless", "--convert-to", "pdf", "--outdir", dir}
	cmd := exec.Command("soffice", append(args, files...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdfs := map[string][]byte{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)) + ".pdf"
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("soffice made no %s: %v", name, err)
		}
		pdfs[name] = data
	}
	return pdfs
}

// pagedODT is a flat OpenDocument text with a page number in its footer and one paragraph
// long enough to run over two pages, made of numbered sentences.
func pagedODT(title string, sentences []string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles><style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" fo:margin-right="2cm"/></style:page-layout></office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"><style:footer><text:p>- <text:page-number text:select-page="current">1</text:page-number> -</text:p></style:footer></style:master-page></office:master-styles>
<office:body><office:text><text:p>` + title + `</text:p><text:p>一、主要工作</text:p><text:p>` + strings.Join(sentences, "") + `</text:p><text:p>二、下一步打算</text:p><text:p>继续做好巡查工作。</text:p></office:text></office:body></office:document>`
}

func TestTextReadsLibreOfficePDFs(t *testing.T) {
	dir := t.TempDir()
	var sentences []string
	for i := 1; i <= 90; i++ {
		sentences = append(sentences, fmt.Sprintf("第%d批次巡查水库%d座，整改隐患%d处，完成加固工程%d项。", i, i+3, 2*i+1, i%7+1))
	}
	odt := filepath.Join(dir, "paged.fodt")
	if err := os.WriteFile(odt, []byte(pagedODT("云溪县水利局2022年工作总结", sentences)), 0o644); err != nil {
		t.Fatal(err)
	}
	summary, err := filepath.Abs(filepath.Join("testdata", "pdf_summary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	pdfs := officePDFs(t, summary, odt)

	t.Run("a summary printed to PDF reads as the text it was printed from", func(t *testing.T) {
		src, err := os.ReadFile(summary)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Text(context.Background(), "pdf_summary.pdf", pdfs["pdf_summary.pdf"])
		if err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSpace(string(src))
		if res.Text != want {
			t.Errorf("PDF text differs from its source\n--- got ---\n%s\n--- want ---\n%s", res.Text, want)
		}
		docs, _, err := retrieval.Prepare("pdf_summary.pdf", res.Text, "")
		if err != nil {
			t.Fatal(err)
		}
		fromText, _, err := retrieval.Prepare("pdf_summary.txt", want, "")
		if err != nil {
			t.Fatal(err)
		}
		if docs[0].Title != "青禾县卫生健康局2021年上半年重点工作汇报材料" || docs[0].Text != fromText[0].Text {
			t.Errorf("PDF copy: title %q, same text as the .txt copy: %v", docs[0].Title, docs[0].Text == fromText[0].Text)
		}
		if !strings.Contains(strings.Join(docs[0].Warnings, " "), "XX人") {
			t.Errorf("the blanked figure XX人 is not reported: %v", docs[0].Warnings)
		}
	})

	t.Run("a paragraph over two pages keeps its sentences whole, without the page number", func(t *testing.T) {
		res, err := Text(context.Background(), "paged.pdf", pdfs["paged.pdf"])
		if err != nil {
			t.Fatal(err)
		}
		docs, rep, err := retrieval.Prepare("paged.pdf", res.Text, "")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rules[retrieval.RulePageNumber] == 0 {
			t.Errorf("no page number dropped: %v\n%s", rep.Rules, res.Text)
		}
		doc := docs[0]
		// A wrapped line that happens to end a sentence cannot be told from a paragraph's
		// end; what matters is that no sentence is cut, at a line end or at the page break.
		for _, s := range sentences {
			if !strings.Contains(doc.Text, s) {
				t.Errorf("sentence %q is cut in the cleaned text:\n%s", s, doc.Text)
			}
		}
		for _, l := range strings.Split(doc.Text, "\n") {
			if !strings.HasPrefix(l, "第") && !strings.HasSuffix(l, "、主要工作") && !strings.HasSuffix(l, "、下一步打算") && l != "继续做好巡查工作。" {
				t.Errorf("line starts mid-sentence: %q", l)
			}
		}
		if doc.Title != "云溪县水利局2022年工作总结" {
			t.Errorf("title = %q", doc.Title)
		}
	})
}

func FuzzUnwrapPDF(f *testing.F) {
	full := strings.Repeat("各项工作", 10)
	for _, s := range []string{"", "我局 2021 年\n" + full + "\n继续。", full + "\n\n- 3 -\n\n\f继续", "word  word\n\fx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.ToValidUTF8(s, "\uFFFD") // as runTool hands it over
		// Only spaces and line breaks change: the characters are kept, in order.
		keep := func(s string) string {
			return strings.Map(func(r rune) rune {
				if unicode.IsSpace(r) {
					return -1
				}
				return r
			}, s)
		}
		if got := unwrapPDF(s); keep(got) != keep(s) {
			t.Fatalf("unwrapPDF(%q) = %q: characters changed", s, got)
		}
	})
}
