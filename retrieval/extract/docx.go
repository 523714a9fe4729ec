package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/draftd/draftd/retrieval"
)

// maxUnzipped caps the bytes Text unpacks from one .docx, so a zip bomb
// costs at most this much work. A variable so tests can lower it.
var maxUnzipped int64 = 64 << 20

// errTooLarge is returned by a budget reader past maxUnzipped.
var errTooLarge = errors.New("extract: unpacked size over the limit")

// Namespaces of the elements the reader looks at.
const (
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsMath    = "http://schemas.openxmlformats.org/officeDocument/2006/math"
	nsMC      = "http://schemas.openxmlformats.org/markup-compatibility/2006"
)

// isDOCX reports whether data is a zip archive holding a Word document.
func isDOCX(data []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if strings.HasPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "word/") {
			return true
		}
	}
	return false
}

// readDOCX reads a Word 2007+ document: the text of every paragraph of the
// main document part, one per line, table cells included (each cell's
// paragraphs on their own lines), with automatic list numbers written out.
func readDOCX(data []byte) (Result, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE,
			"文件不是有效的 .docx 文档（不是 zip 压缩包：%v）；如果来自旧版 Word，请重新另存为 .docx", err)
	}
	p := &docxPackage{files: map[string]*zip.File{}, budget: maxUnzipped}
	for _, f := range zr.File {
		p.files[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))] = f
	}
	res, err := p.read()
	if errors.Is(err, errTooLarge) {
		return Result{}, retrieval.Errorf(retrieval.ETOOLARGE,
			"这个 .docx 文件解压后超过 %d MiB，太大无法读取（或不是真正的 Word 文档）", maxUnzipped>>20)
	}
	return res, err
}

// docxPackage is an open .docx with the unpacking budget left.
type docxPackage struct {
	files  map[string]*zip.File // by lower-cased path
	budget int64
}

// read finds the main document part and its styles and numbering, and writes out the text.
func (p *docxPackage) read() (Result, error) {
	main := "word/document.xml"
	if rels, err := p.rels("_rels/.rels", ""); err != nil {
		return Result{}, err
	} else if t, ok := rels["officeDocument"]; ok {
		main = t
	}
	if p.files[strings.ToLower(main)] == nil {
		return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE,
			"这个 .docx 文件缺少 %s：文件已损坏或不是 Word 文档", main)
	}
	dir := path.Dir(main)
	rels, err := p.rels(path.Join(dir, "_rels", path.Base(main)+".rels"), dir)
	if err != nil {
		return Result{}, err
	}
	part := func(kind, def string) string {
		if t, ok := rels[kind]; ok {
			return t
		}
		return path.Join(dir, def)
	}

	var warnings []string
	st, err := p.styles(part("styles", "styles.xml"))
	if errors.Is(err, errTooLarge) {
		return Result{}, err
	} else if err != nil {
		warnings = append(warnings, "无法读取文档样式，样式中的自动编号没有读出（"+err.Error()+"）")
	}
	num, err := p.numbering(part("numbering", "numbering.xml"))
	if errors.Is(err, errTooLarge) {
		return Result{}, err
	} else if err != nil {
		warnings = append(warnings, "无法读取文档的列表编号，自动编号没有读出（"+err.Error()+"）")
	}

	rc, err := p.open(main)
	if err != nil {
		return Result{}, err
	}
	defer rc.Close()
	w := &docxWriter{lists: newListCounter(num, st), styles: st}
	if err := w.run(xml.NewDecoder(rc)); err != nil {
		if errors.Is(err, errTooLarge) {
			return Result{}, err
		}
		return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE, "这个 .docx 文件已损坏：%s：%v", main, err)
	}
	return Result{Text: w.out.String(), Encoding: encUTF8, Warnings: warnings}, nil
}

// open opens a part for reading within the unpacking budget; a missing part is an error.
func (p *docxPackage) open(name string) (io.ReadCloser, error) {
	f := p.files[strings.ToLower(name)]
	if f == nil {
		return nil, fmt.Errorf("extract: no part %s", name)
	}
	if f.UncompressedSize64 > uint64(p.budget) {
		return nil, errTooLarge
	}
	rc, err := f.Open()
	if err != nil {
		return nil, retrieval.Errorf(retrieval.EUNDECODABLE, "这个 .docx 文件已损坏或已加密：%s：%v", name, err)
	}
	return &budgetReader{rc: rc, p: p}, nil
}

// budgetReader charges what it reads to its package's budget.
type budgetReader struct {
	rc io.ReadCloser
	p  *docxPackage
}

// Read implements io.Reader, failing with errTooLarge once the budget is spent.
func (r *budgetReader) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	r.p.budget -= int64(n)
	if r.p.budget < 0 {
		return n, errTooLarge
	}
	return n, err
}

// Close implements io.Closer.
func (r *budgetReader) Close() error { return r.rc.Close() }

// decode unmarshals an optional part into v; a missing part leaves v alone.
func (p *docxPackage) decode(name string, v any) (found bool, err error) {
	if p.files[strings.ToLower(name)] == nil {
		return false, nil
	}
	rc, err := p.open(name)
	if err != nil {
		return true, err
	}
	defer rc.Close()
	return true, xml.NewDecoder(rc).Decode(v)
}

// rels returns a relationships part as a map from the relationship type's
// last path element (officeDocument, styles, numbering…) to the target's
// path in the package, resolved against dir.
func (p *docxPackage) rels(name, dir string) (map[string]string, error) {
	var x struct {
		Rels []struct {
			Type       string `xml:"Type,attr"`
			Target     string `xml:"Target,attr"`
			TargetMode string `xml:"TargetMode,attr"`
		} `xml:"Relationship"`
	}
	if _, err := p.decode(name, &x); err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, err
		}
		return map[string]string{}, nil // damaged relationships: fall back to the usual names
	}
	m := map[string]string{}
	for _, r := range x.Rels {
		if r.TargetMode == "External" {
			continue
		}
		kind := r.Type[strings.LastIndex(r.Type, "/")+1:]
		target := strings.ReplaceAll(r.Target, `\`, "/")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(dir, target)
		}
		if _, dup := m[kind]; !dup {
			m[kind] = target
		}
	}
	return m, nil
}

// docxWriter turns the token stream of a document part into lines of text.
type docxWriter struct {
	lists  *listCounter
	styles *styleSheet
	out    strings.Builder

	stack  []xml.Name // open elements
	paras  []*docxPara
	skip   int  // depth inside an element whose content is not text (mc:Fallback, w:moveFrom)
	inText bool // inside a visible w:t or m:t
	hidden bool // the current run is hidden (w:vanish)
}

// docxPara is a paragraph being collected.
type docxPara struct {
	text     strings.Builder
	style    string
	numID    string
	hasNumID bool
	ilvl     int
	hasIlvl  bool
}

// isW reports whether n is a WordprocessingML element called local.
func isW(n xml.Name, local string) bool {
	return n.Local == local && (n.Space == nsW || n.Space == nsWStrict)
}

// parentIs reports whether the element i levels above the current one is the WordprocessingML element local.
func (w *docxWriter) parentIs(i int, local string) bool {
	j := len(w.stack) - 1 - i
	return j >= 0 && isW(w.stack[j], local)
}

// attr returns the value of the attribute called local, whatever its namespace.
func attr(se xml.StartElement, local string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// on reports whether a toggle property (w:vanish, w:isLgl…) is on.
func on(se xml.StartElement) bool {
	v, ok := attr(se, "val")
	return !ok || !(v == "0" || v == "false" || v == "off")
}

// run consumes the whole token stream.
func (w *docxWriter) run(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			w.start(t)
			w.stack = append(w.stack, t.Name)
		case xml.EndElement:
			if len(w.stack) > 0 {
				w.stack = w.stack[:len(w.stack)-1]
			}
			w.end(t)
		case xml.CharData:
			if w.inText && w.skip == 0 && !w.hidden && len(w.paras) > 0 {
				w.paras[len(w.paras)-1].text.Write(t)
			}
		}
	}
}

// start handles an opening tag; w.stack does not hold it yet.
func (w *docxWriter) start(se xml.StartElement) {
	n := se.Name
	if w.skip > 0 || n.Space == nsMC && n.Local == "Fallback" || isW(n, "moveFrom") {
		w.skip++
		return
	}
	var p *docxPara
	if len(w.paras) > 0 {
		p = w.paras[len(w.paras)-1]
	}
	switch {
	case isW(n, "p"):
		w.paras = append(w.paras, &docxPara{})
		w.hidden = false
	case isW(n, "r"):
		w.hidden = false
	case (isW(n, "vanish") || isW(n, "specVanish")) && w.parentIs(0, "rPr") && w.parentIs(1, "r"):
		w.hidden = on(se)
	case n.Local == "t" && (n.Space == nsW || n.Space == nsWStrict || n.Space == nsMath):
		w.inText = true
	case p == nil || w.hidden:
	case isW(n, "tab") && w.parentIs(0, "r"):
		p.text.WriteByte('\t')
	case (isW(n, "br") || isW(n, "cr")) && w.parentIs(0, "r"):
		p.text.WriteByte('\n')
	case isW(n, "noBreakHyphen") && w.parentIs(0, "r"):
		p.text.WriteByte('-')
	case isW(n, "pStyle") && w.parentIs(0, "pPr") && w.parentIs(1, "p"):
		p.style, _ = attr(se, "val")
	case isW(n, "numId") && w.parentIs(0, "numPr") && w.parentIs(1, "pPr") && w.parentIs(2, "p"):
		p.numID, p.hasNumID = attr(se, "val")
	case isW(n, "ilvl") && w.parentIs(0, "numPr") && w.parentIs(1, "pPr") && w.parentIs(2, "p"):
		v, _ := attr(se, "val")
		if i, err := strconv.Atoi(v); err == nil && i >= 0 && i < 9 {
			p.ilvl, p.hasIlvl = i, true
		}
	}
}

// end handles a closing tag; w.stack no longer holds it.
func (w *docxWriter) end(ee xml.EndElement) {
	if w.skip > 0 {
		w.skip--
		return
	}
	n := ee.Name
	switch {
	case n.Local == "t":
		w.inText = false
	case isW(n, "p") && len(w.paras) > 0:
		p := w.paras[len(w.paras)-1]
		w.paras = w.paras[:len(w.paras)-1]
		w.emit(p)
	}
}

// emit writes a finished paragraph as a line, its list number first.
func (w *docxWriter) emit(p *docxPara) {
	label := w.lists.label(w.styles.numbering(p))
	text := p.text.String()
	if strings.TrimSpace(text) == "" {
		return // an empty paragraph is spacing; an empty list item still counted above
	}
	w.out.WriteString(label)
	w.out.WriteString(text)
	w.out.WriteByte('\n')
}
