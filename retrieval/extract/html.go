package extract

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/draftd/draftd/retrieval"
)

// readHTML reads an HTML page: the visible text of its body, one block per
// line, without scripts, styles, navigation, page headers and footers, and
// asides.
func readHTML(data []byte) (Result, error) {
	return readHTMLIn(data, "")
}

// readHTMLIn reads an HTML page whose charset a container (a MIME part) may have declared.
func readHTMLIn(data []byte, declared string) (Result, error) {
	text, enc, warnings, err := decodeHTML(data, declared)
	if err != nil {
		return Result{}, err
	}
	doc, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE, "无法解析这个 HTML 网页：%v", err)
	}
	var w htmlWriter
	w.walk(doc, false)
	return Result{Text: w.b.String(), Encoding: enc, Warnings: warnings}, nil
}

// decodeHTML decodes an HTML page, honouring a byte order mark, then the
// declared charset or else a <meta> one, then detecting UTF-8 or GB18030 as for plain text. A
// declaration that the bytes contradict (a "utf-8" page in GBK, a "gbk" page
// in UTF-8, both common on scraped sites) is overruled with a warning.
func decodeHTML(data []byte, declared string) (text, enc string, warnings []string, err error) {
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return decodeText(data)
	}
	label := declared
	if label == "" {
		label = metaCharset(data)
	}
	if label == "" {
		return decodeText(data)
	}
	e, name := charset.Lookup(label)
	switch {
	case e == nil:
		text, enc, warnings, err = decodeText(data)
		if err == nil {
			warnings = append(warnings, fmt.Sprintf("网页声明了未知的字符集 %q，已按 %s 读取", label, enc))
		}
		return text, enc, warnings, err
	case name == "utf-8", name == "gbk", name == "gb18030":
		text, enc, warnings, err = decodeText(data)
		if err == nil && declaredFamily(name) != enc && hasHighBytes(data) {
			warnings = append(warnings, fmt.Sprintf("网页声明的字符集是 %s，实际是 %s，已按 %s 读取", label, enc, enc))
		}
		return text, enc, warnings, err
	}
	out, derr := e.NewDecoder().Bytes(data)
	if derr != nil {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE, "网页不是有效的 %s 文本", name)
	}
	return checkText(string(out), name)
}

// hasHighBytes reports whether data has any non-ASCII byte.
func hasHighBytes(data []byte) bool {
	for _, c := range data {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// declaredFamily maps a declared charset to the encoding name decodeText reports for it.
func declaredFamily(name string) string {
	if name == "gbk" {
		return encGB18030
	}
	return name
}

// metaCharset returns the charset a page declares in a <meta> element in its
// first 4 KiB (<meta charset=…> or <meta http-equiv=Content-Type content=…>), or "".
func metaCharset(data []byte) string {
	if len(data) > 4096 {
		data = data[:4096]
	}
	z := html.NewTokenizer(bytes.NewReader(data))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Body:
				return ""
			case atom.Meta:
			default:
				continue
			}
			var content, httpEquiv string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(bytes.ToLower(k)) {
				case "charset":
					return strings.TrimSpace(string(v))
				case "content":
					content = string(v)
				case "http-equiv":
					httpEquiv = strings.ToLower(string(v))
				}
			}
			if httpEquiv == "content-type" {
				if i := strings.Index(strings.ToLower(content), "charset="); i >= 0 {
					cs := content[i+len("charset="):]
					if j := strings.IndexAny(cs, "; \"'"); j >= 0 {
						cs = cs[:j]
					}
					return strings.TrimSpace(cs)
				}
			}
		}
	}
}

// Elements never shown as page text, and page chrome that is not the content.
var htmlSkip = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Nav: true, atom.Aside: true, atom.Iframe: true, atom.Object: true, atom.Embed: true,
	atom.Svg: true, atom.Math: true, atom.Canvas: true, atom.Audio: true, atom.Video: true,
	atom.Button: true, atom.Select: true, atom.Datalist: true,
}

// htmlBlock lists elements that start and end a line.
var htmlBlock = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Blockquote: true, atom.Body: true, atom.Br: true,
	atom.Caption: true, atom.Center: true, atom.Dd: true, atom.Details: true, atom.Dialog: true,
	atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true,
	atom.Figure: true, atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true, atom.Hr: true,
	atom.Legend: true, atom.Li: true, atom.Main: true, atom.Ol: true, atom.P: true, atom.Pre: true,
	atom.Section: true, atom.Summary: true, atom.Table: true, atom.Tbody: true, atom.Td: true,
	atom.Tfoot: true, atom.Th: true, atom.Thead: true, atom.Tr: true, atom.Ul: true,
}

// htmlWriter collects the visible text of a parsed page.
type htmlWriter struct {
	b          strings.Builder
	last       rune // last rune written, 0 at the start of a line
	space      bool // whitespace seen since last
	spaceBreak bool // that whitespace had a line break
}

// walk writes the text of n and its children. inContent is true inside
// <article> or <main>, where <header> and <footer> belong to the content.
func (w *htmlWriter) walk(n *html.Node, inContent bool) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
		if htmlSkip[n.DataAtom] || hidden(n) {
			return
		}
		if (n.DataAtom == atom.Header || n.DataAtom == atom.Footer) && !inContent {
			return
		}
		if n.DataAtom == atom.Article || n.DataAtom == atom.Main {
			inContent = true
		}
		if n.DataAtom == atom.Pre || n.DataAtom == atom.Textarea {
			w.newline()
			w.pre(n)
			w.newline()
			return
		}
	}
	block := n.Type == html.ElementNode && htmlBlock[n.DataAtom]
	if block {
		w.newline()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, inContent)
	}
	if block {
		w.newline()
	}
}

// hidden reports whether an element is hidden by an attribute or inline style.
func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "style":
			s := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			if strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}

// text writes a text node with whitespace collapsed as a browser would,
// except that a line break next to a CJK character disappears: Chinese has
// no spaces between words, and a source line break in "检查\n46次" is not one.
func (w *htmlWriter) text(s string) {
	for _, r := range s {
		if r == '\u00a0' || unicode.IsSpace(r) && r != '\u3000' {
			w.space = true
			if r == '\n' || r == '\r' {
				w.spaceBreak = true
			}
			continue
		}
		if w.space && w.last != 0 && !(w.spaceBreak && (wide(w.last) || wide(r))) {
			w.b.WriteByte(' ')
		}
		w.space, w.spaceBreak = false, false
		w.b.WriteRune(r)
		w.last = r
	}
}

// pre writes preformatted text as it is.
func (w *htmlWriter) pre(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			w.b.WriteString(c.Data)
			if r, _ := utf8.DecodeLastRuneInString(c.Data); r != utf8.RuneError {
				w.last = r
			}
		case html.ElementNode:
			if c.DataAtom == atom.Br {
				w.b.WriteByte('\n')
				w.last = 0
				continue
			}
			w.pre(c)
		}
	}
}

// newline ends the current line unless it is empty.
func (w *htmlWriter) newline() {
	if w.last != 0 {
		w.b.WriteByte('\n')
	}
	w.last = 0
	w.space, w.spaceBreak = false, false
}

// wide reports whether r is a CJK character or punctuation, written without spaces.
func wide(r rune) bool {
	return unicode.Is(unicode.Han, r) || r >= 0x3000 && r < 0x3040 || r >= 0xFF00 && r < 0xFFF0
}
