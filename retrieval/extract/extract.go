// Package extract turns an uploaded file (plain text, Markdown, HTML, Word or
// PDF) into UTF-8 plain text for ingestion.
//
// Text formats are decoded from UTF-8, UTF-16 (with a byte order mark) or
// GB18030/GBK; .docx is read in pure Go, with Word's automatic list numbering
// written back as text; .pdf and legacy .doc go through the Debian tools
// pdftotext (poppler-utils) and antiword or catdoc, looked up on PATH.
package extract

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/draftd/draftd/retrieval"
)

// Result is the plain text of a file and how it was read.
type Result struct {
	Text     string   // UTF-8, "\n" line ends, no trailing spaces, no runs of blank lines
	Format   string   // the format actually read: txt, md, html, docx, pdf or doc
	Encoding string   // the source encoding for text formats (utf-8, utf-16le, gb18030…); utf-8 otherwise
	Warnings []string // things the user may want to know, e.g. a file whose name lied about its format
}

// Formats read by Text.
const (
	FormatTXT  = "txt"
	FormatMD   = "md"
	FormatHTML = "html"
	FormatDOCX = "docx"
	FormatPDF  = "pdf"
	FormatDOC  = "doc"
)

// formatMHT is a MIME web archive, found by sniffing and reported as html.
const formatMHT = "mht"

// extensions maps each supported file extension to its format.
var extensions = map[string]string{
	".txt":      FormatTXT,
	".text":     FormatTXT,
	".md":       FormatMD,
	".markdown": FormatMD,
	".html":     FormatHTML,
	".htm":      FormatHTML,
	".docx":     FormatDOCX,
	".pdf":      FormatPDF,
	".doc":      FormatDOC,
}

// supportedList is the user-facing list of extensions, in a stable order.
const supportedList = ".txt, .md, .html, .htm, .docx, .pdf, .doc"

// Supported reports whether a file name has a format Text reads.
func Supported(name string) bool {
	_, ok := extensions[strings.ToLower(filepath.Ext(name))]
	return ok
}

// Text returns the plain text of a file named name with contents data.
//
// The format comes from the extension; the content is sniffed as a sanity
// check, so a .doc that is really a .docx (or HTML, or PDF) is read as what it
// is, with a warning. Errors are *retrieval.Error with code EUNSUPPORTED (an
// extension Text does not read), EUNDECODABLE (bytes that are not text in a
// known encoding, a corrupt Word file or PDF), ETOOLARGE (a zip bomb, or a
// file the external tool cannot finish in time), EEMPTY (no text at all, e.g.
// a scanned PDF) or EMISSINGDEPENDENCY (pdftotext or antiword/catdoc not
// installed); a cancelled ctx is returned wrapped.
func Text(ctx context.Context, name string, data []byte) (Result, error) {
	ext := strings.ToLower(filepath.Ext(name))
	declared, ok := extensions[ext]
	if !ok {
		shown := ext
		if shown == "" {
			shown = "（无扩展名）"
		}
		return Result{}, retrieval.Errorf(retrieval.EUNSUPPORTED,
			"不支持的格式：%s；支持的格式：%s", shown, supportedList)
	}
	format := declared
	var warnings []string
	if sniffed := sniff(data); sniffed != "" && sniffed != declared && !compatible(declared, sniffed) {
		format = sniffed
		warnings = append(warnings, fmt.Sprintf("%s 的扩展名是 %s，实际是%s，已按实际格式读取",
			filepath.Base(name), ext, describe(sniffed)))
	}

	var (
		res Result
		err error
	)
	switch format {
	case FormatTXT, FormatMD:
		res, err = readPlain(data, format)
	case FormatHTML:
		res, err = readHTML(data)
	case formatMHT:
		res, err = readMHT(data)
		res.Format = FormatHTML
	case FormatDOCX:
		res, err = readDOCX(data)
	case FormatPDF:
		res, err = readPDF(ctx, data)
	case FormatDOC:
		res, err = readDOC(ctx, data)
	}
	if err != nil {
		return Result{}, err
	}
	if res.Format == "" {
		res.Format = format
	}
	res.Text = tidy(res.Text)
	res.Warnings = append(warnings, res.Warnings...)
	if strings.TrimSpace(res.Text) == "" {
		msg := fmt.Sprintf("%s 中没有文字", filepath.Base(name))
		if format == FormatPDF {
			msg += "（扫描版 PDF 只有图片，需要先做文字识别（OCR））"
		}
		return Result{}, retrieval.Errorf(retrieval.EEMPTY, "%s", msg)
	}
	return res, nil
}

// sniff names the format that data's magic bytes prove, or "" when they prove nothing.
// Only binary containers are recognised; HTML is recognised when it starts like a document.
func sniff(data []byte) string {
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		if isDOCX(data) {
			return FormatDOCX
		}
		return "zip"
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return FormatDOC
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return FormatPDF
	case bytes.HasPrefix(data, []byte(`{\rtf`)):
		return "rtf"
	case isMHT(data):
		return formatMHT
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
	lower := bytes.ToLower(t)
	if bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) {
		return FormatHTML
	}
	return ""
}

// compatible reports whether content sniffed as sniffed may be read as declared without rerouting.
func compatible(declared, sniffed string) bool {
	switch sniffed {
	case FormatHTML:
		// An .md or .txt that is HTML is still text; only a .doc saved as a web page is rerouted.
		return declared != FormatDOC
	case "zip":
		// A zip that is not a Word document: let the declared reader report what is wrong.
		return true
	case formatMHT:
		// A web archive named .doc or .html is read as one; as .txt or .md it is text.
		return declared != FormatDOC && declared != FormatHTML
	case "rtf":
		// catdoc reads RTF; for anything but .doc the declared reader reports it.
		return true
	}
	return false
}

// describe names a format for a warning.
func describe(format string) string {
	switch format {
	case FormatDOCX:
		return " Word .docx 文档"
	case FormatDOC:
		return "旧版 Word .doc 文档"
	case FormatPDF:
		return " PDF 文件"
	case FormatHTML:
		return " HTML 网页"
	case formatMHT:
		return "网页存档（MHT）"
	}
	return format
}

// tidy normalises line ends and blank lines: CRLF and CR become LF, form feeds
// and Unicode line separators become LF, spaces at either end of a line go
// (the full-width indent of Chinese paragraphs too, so headings such as
// "一、" start their lines), and runs of blank lines shrink to one.
func tidy(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\f", "\n", "\u2028", "\n", "\u2029", "\n", "\ufeff", "").Replace(s)
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := true // drop leading blank lines
	for _, l := range lines {
		l = strings.TrimFunc(l, unicode.IsSpace)
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}
