package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/retrieval"
)

// pdfOf writes a PDF with one page per entry of pages. Each page has an
// ASCII line in Helvetica and a Chinese line in a font without glyphs whose
// ToUnicode map gives the text, which is all pdftotext needs.
func pdfOf(pages [][2]string) []byte {
	cids := map[rune]int{}
	var order []rune
	for _, p := range pages {
		for _, r := range p[1] {
			if _, ok := cids[r]; !ok {
				cids[r] = len(order) + 1
				order = append(order, r)
			}
		}
	}
	var cmap strings.Builder
	cmap.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	fmt.Fprintf(&cmap, "%d beginbfchar\n", len(order))
	for i, r := range order {
		fmt.Fprintf(&cmap, "<%04X> <%04X>\n", i+1, r)
	}
	cmap.WriteString("endbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")

	stream := func(s string) string {
		return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"", // pages, filled in below
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Type /Font /Subtype /Type0 /BaseFont /DraftdCJK /Encoding /Identity-H /DescendantFonts [5 0 R] /ToUnicode 6 0 R >>",
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DraftdCJK /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
		stream(cmap.String()),
		"<< /Type /FontDescriptor /FontName /DraftdCJK /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
	}
	var kids []string
	for _, p := range pages {
		var hex strings.Builder
		for _, r := range p[1] {
			fmt.Fprintf(&hex, "%04X", cids[r])
		}
		content := fmt.Sprintf("BT /F1 14 Tf 72 760 Td (%s) Tj ET\nBT /F2 14 Tf 72 730 Td <%s> Tj ET", p[0], hex.String())
		objs = append(objs, stream(content))
		contentID := len(objs)
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>", contentID))
		kids = append(kids, fmt.Sprintf("%d 0 R", len(objs)))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func TestTextReadsPDFWithPdftotext(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext is not installed (Debian package poppler-utils); the real PDF path is not tested")
	}
	data := pdfOf([][2]string{
		{"Qingchuan County Bureau 2025", "青川县示范局工作总结"},
		{"Page two", "全年完成投资三亿元"},
	})
	res, err := Text(context.Background(), "report.pdf", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Qingchuan County Bureau 2025", "青川县示范局工作总结", "Page two", "全年完成投资三亿元"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, res.Text)
		}
	}
	if strings.Contains(res.Text, "\f") || res.Format != FormatPDF || res.Encoding != "utf-8" {
		t.Errorf("format %s encoding %s, form feed kept: %v", res.Format, res.Encoding, strings.Contains(res.Text, "\f"))
	}

	t.Run("a damaged PDF is undecodable", func(t *testing.T) {
		_, err := Text(context.Background(), "bad.pdf", []byte("%PDF-1.4\nnot really a pdf"))
		wantCode(t, err, retrieval.EUNDECODABLE, "PDF")
	})
	t.Run("a PDF without a text layer is empty", func(t *testing.T) {
		_, err := Text(context.Background(), "scan.pdf", pdfOf([][2]string{{"", ""}}))
		wantCode(t, err, retrieval.EEMPTY, "扫描版")
	})
}

func TestTextNamesTheMissingDebianPackage(t *testing.T) {
	t.Setenv("PATH", "")
	ole := append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 512)...)
	cases := []struct {
		name  string
		file  string
		data  []byte
		parts []string
	}{
		{"a PDF needs poppler-utils", "a.pdf", pdfOf([][2]string{{"x", "字"}}), []string{"pdftotext", "poppler-utils"}},
		{"a PDF named .txt is routed to pdftotext", "a.txt", pdfOf([][2]string{{"x", "字"}}), []string{"poppler-utils"}},
		{"a .doc needs antiword or catdoc", "a.doc", ole, []string{"antiword", "catdoc"}},
		{"a .doc named .docx is routed to antiword", "a.docx", ole, []string{"antiword"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Text(context.Background(), c.file, c.data)
			wantCode(t, err, retrieval.EMISSINGDEPENDENCY, c.parts...)
		})
	}
}

// fakeTools puts shell scripts named after tools first on PATH. Scripts call
// other programs by absolute path, since PATH holds only the fakes.
func fakeTools(t *testing.T, scripts map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
}

// program returns the absolute path of a program the fake tools call.
func program(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not found: %v", name, err)
	}
	return p
}

func TestTextRunsExternalTools(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh for the fake tools")
	}
	cat, sleep, yes := program(t, "cat"), program(t, "sleep"), program(t, "yes")
	pdf := []byte("%PDF-1.4\n伪造的PDF正文")
	ole := append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "伪造的Word正文"...)
	cases := []struct {
		name    string
		file    string
		data    []byte
		scripts map[string]string
		text    string // wanted text, when no error is wanted
		code    string // wanted error code
		parts   []string
	}{
		{
			name: "pdftotext gets the data in a temporary .pdf file and UTF-8 output is asked for",
			file: "a.pdf", data: pdf,
			scripts: map[string]string{"pdftotext": `case "$3" in *.pdf) ;; *) exit 9;; esac; echo "$1 $2 $4"; ` + cat + ` "$3"`},
			text:    "-enc UTF-8 -\n%PDF-1.4\n伪造的PDF正文",
		},
		{
			name: "a tool that runs past the timeout makes the file too large",
			file: "a.pdf", data: pdf,
			scripts: map[string]string{"pdftotext": "exec " + sleep + " 10"},
			code:    retrieval.ETOOLARGE, parts: []string{"未能在"},
		},
		{
			name: "a tool that writes too much makes the file too large",
			file: "a.pdf", data: pdf,
			scripts: map[string]string{"pdftotext": "exec " + yes + " 总结"},
			code:    retrieval.ETOOLARGE, parts: []string{"MiB"},
		},
		{
			name: "pdftotext's permission error is reported",
			file: "a.pdf", data: pdf,
			scripts: map[string]string{"pdftotext": "echo 'Permission Error: copying of text not allowed' >&2; exit 3"},
			code:    retrieval.EUNDECODABLE, parts: []string{"权限"},
		},
		{
			name: "a password-protected PDF is reported",
			file: "a.pdf", data: pdf,
			scripts: map[string]string{"pdftotext": "echo 'Command Line Error: Incorrect password' >&2; exit 1"},
			code:    retrieval.EUNDECODABLE, parts: []string{"密码"},
		},
		{
			name: "antiword is asked for UTF-8 without wrapping",
			file: "a.doc", data: ole,
			scripts: map[string]string{"antiword": `echo "$1 $2 $3 $4"; case "$5" in *.doc) echo "read $5";; esac`, "catdoc": "exit 7"},
			text:    "-m UTF-8.txt -w 0\nread ",
		},
		{
			name: "catdoc takes over when antiword fails",
			file: "a.doc", data: ole,
			scripts: map[string]string{"antiword": "echo 'a.doc is not a Word Document.' >&2; exit 1", "catdoc": `echo "catdoc $1 $2 $3"`},
			text:    "catdoc -d utf-8 -w",
		},
		{
			name: "catdoc is used when antiword is missing",
			file: "a.doc", data: ole,
			scripts: map[string]string{"catdoc": `echo "catdoc read it"`},
			text:    "catdoc read it",
		},
		{
			name: "when both tools fail antiword's message is reported",
			file: "a.doc", data: ole,
			scripts: map[string]string{"antiword": "echo 'a.doc is not a Word Document.' >&2; exit 1", "catdoc": "exit 1"},
			code:    retrieval.EUNDECODABLE, parts: []string{"not a Word Document"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakeTools(t, c.scripts)
			oldTimeout, oldMax := toolTimeout, maxToolOutput
			toolTimeout, maxToolOutput = 500*time.Millisecond, 1<<20
			t.Cleanup(func() { toolTimeout, maxToolOutput = oldTimeout, oldMax })

			res, err := Text(context.Background(), c.file, c.data)
			if c.code != "" {
				wantCode(t, err, c.code, c.parts...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != c.text && !(strings.HasSuffix(c.text, " ") && strings.HasPrefix(res.Text, c.text)) {
				t.Errorf("text = %q, want %q", res.Text, c.text)
			}
		})
	}
}

func TestTextLeavesNoTemporaryFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	fakeTools(t, map[string]string{"pdftotext": "echo 正文"})
	if _, err := Text(context.Background(), "a.pdf", []byte("%PDF-1.4\n")); err != nil {
		t.Fatal(err)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestTextStopsWhenCancelled(t *testing.T) {
	sleep := program(t, "sleep")
	fakeTools(t, map[string]string{"pdftotext": "exec " + sleep + " 10"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Text(ctx, "a.pdf", []byte("%PDF-1.4\n"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Text took %s after cancellation", d)
	}
}

func TestTextReadsOddDocFiles(t *testing.T) {
	t.Setenv("PATH", "") // none of these may need a tool
	cases := []struct {
		name  string
		data  []byte
		text  string
		code  string
		parts []string
	}{
		{name: "a .doc that is plain text is read as text", data: []byte("乡镇工作总结（纯文本）"), text: "乡镇工作总结（纯文本）"},
		{name: "a password-protected Word file is reported", data: append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), utf16le("EncryptedPackage")...),
			code: retrieval.EUNDECODABLE, parts: []string{"密码"}},
		{name: "a .doc of binary junk is undecodable", data: []byte{0x01, 0x02, 0x00, 0xFF, 0xFE, 0x00}, code: retrieval.EUNDECODABLE, parts: []string{"不是 Word 文档"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Text(context.Background(), "x.doc", c.data)
			if c.code != "" {
				wantCode(t, err, c.code, c.parts...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != c.text || res.Format != FormatTXT || len(res.Warnings) == 0 {
				t.Errorf("got %s %q %v, want txt %q with a warning", res.Format, res.Text, res.Warnings, c.text)
			}
		})
	}
	t.Run("a .pdf without a PDF header is undecodable", func(t *testing.T) {
		_, err := Text(context.Background(), "x.pdf", []byte("只是文本"))
		wantCode(t, err, retrieval.EUNDECODABLE, "不是 PDF")
	})
}
