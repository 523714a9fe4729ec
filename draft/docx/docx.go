// Package docx writes a draft as a Word document in the GB/T 9704 公文 layout — title, body, then
// the 落款 — with the review marks a reviewer works through in Word or WPS: generated sentences not
// yet approved are lightly shaded by risk, the words of their unsupported claims shaded more
// strongly, and carry a comment giving their claims and provenance, optionally as tracked insertions.
//
// It is a small writer on archive/zip and text/template rather than a library: of the Go DOCX
// libraries without a paid licence, none writes comments and tracked run insertions (see README).
package docx

import (
	"archive/zip"
	"bytes"
	"embed"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// Options choose which marks a document carries.
type Options struct {
	Tracked bool      // write unapproved generated text as tracked insertions (ignored when Clean)
	Clean   bool      // no shading, comments or legend; only for an approved draft
	Author  string    // author of comments and tracked insertions; "draftd" when empty
	Date    time.Time // date of the marks and document properties; the draft's UpdatedAt when zero
}

//go:embed parts/*
var partFS embed.FS

// parts are the package's XML parts other than document.xml and comments.xml, by zip name.
var parts = template.Must(template.New("").Funcs(template.FuncMap{"x": escape}).ParseFS(partFS, "parts/*"))

// partFiles maps each zip entry to the template that writes it, in the order they are written.
var partFiles = []struct{ name, tmpl string }{
	{"[Content_Types].xml", "content_types.xml"},
	{"_rels/.rels", "rels.xml"},
	{"docProps/core.xml", "core.xml"},
	{"docProps/app.xml", "app.xml"},
	{"word/_rels/document.xml.rels", "document.xml.rels"},
	{"word/styles.xml", "styles.xml"},
	{"word/settings.xml", "settings.xml"},
	{"word/fontTable.xml", "fontTable.xml"},
	{"word/footer1.xml", "footer1.xml"},
	{"word/footer2.xml", "footer2.xml"},
}

// shades are the light fills (Excel's good, neutral and bad) that mark unapproved sentences by risk.
// They are not Word's highlighter colours: black text is hard to read on its full red, and Word,
// WPS and LibreOffice draw tracked insertions in the reviewer's colour, often red or dark yellow,
// which cannot be read on a saturated highlight at all.
var shades = map[draft.Risk]string{draft.RiskLow: "C6EFCE", draft.RiskMedium: "FFEB9C", draft.RiskHigh: "FFC7CE"}

// claimShades fill the words of unsupported claims, a step stronger than shades and distinct from
// every highlight, yet light enough for black or a reviewer's colour to stay legible on them; the
// double underline in claimLines marks them where colour does not show (print, colour blindness).
var (
	claimShades = map[draft.Risk]string{draft.RiskMedium: "FFC966", draft.RiskHigh: "FF9999"}
	claimLines  = map[draft.Risk]string{draft.RiskMedium: "9C5700", draft.RiskHigh: "C00000"}
)

// claimMark returns the run properties that show the words of unsupported claims making risk r.
// They are shaded, never highlighted: a highlight would hide the shading in Word.
func claimMark(r draft.Risk) string {
	if _, ok := claimShades[r]; !ok {
		r = draft.RiskHigh
	}
	return `<w:u w:val="double" w:color="` + claimLines[r] + `"/><w:shd w:val="clear" w:color="auto" w:fill="` + claimShades[r] + `"/>`
}

// mark returns the run properties that show risk r.
func mark(r draft.Risk) string {
	if _, ok := shades[r]; !ok {
		r = draft.RiskHigh // an unknown risk is checked like a high one
	}
	return `<w:shd w:val="clear" w:color="auto" w:fill="` + shades[r] + `"/>`
}

// Write writes d to w as a .docx file.
//
// The document is the title, the sections as draft.Draft.Parts gives them (headings numbered once,
// sentences a reviewer rejected left out with the paragraph's punctuation mended: the audit trail,
// not the document, records them) and the 落款. Approved sentences and the writer's own text are
// plain; every other generated sentence is shaded by risk, the words of its unsupported claims in
// runs of their own with a stronger shading, and commented with its risk, reasons, claims, figures,
// unbound numbers and sources. With opt.Clean nothing is marked, and a draft that is not approved
// is refused (see draft.Draft.CheckClean).
func Write(w io.Writer, d *draft.Draft, opt Options) error {
	if d == nil {
		return retrieval.Errorf(retrieval.EINVALID, "没有可导出的稿件")
	}
	if opt.Clean {
		if err := d.CheckClean(); err != nil {
			return err
		}
	}
	if opt.Author == "" {
		opt.Author = "draftd"
	}
	if opt.Date.IsZero() {
		opt.Date = d.UpdatedAt
	}
	if opt.Date.IsZero() {
		opt.Date = time.Now()
	}
	opt.Date = opt.Date.UTC().Truncate(time.Second)
	doc := newDocument(d, opt)
	body, comments := doc.render()
	data := map[string]any{
		"Comments":    doc.comments > 0,
		"Tracked":     opt.Tracked && !opt.Clean,
		"Title":       d.Title,
		"Subject":     strings.TrimSpace(d.Organization + " " + d.Period),
		"Description": description(d),
		"Author":      opt.Author,
		"Company":     d.Organization,
		"Created":     w3cdtf(d.CreatedAt, opt.Date),
		"Modified":    w3cdtf(opt.Date, opt.Date),
	}
	z := zip.NewWriter(w)
	add := func(name string, content []byte) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: opt.Date})
		if err != nil {
			return err
		}
		_, err = f.Write(content)
		return err
	}
	for _, p := range partFiles {
		var b bytes.Buffer
		if err := parts.ExecuteTemplate(&b, p.tmpl, data); err != nil {
			return fmt.Errorf("docx: write %s: %w", p.name, err)
		}
		if err := add(p.name, b.Bytes()); err != nil {
			return fmt.Errorf("docx: write %s: %w", p.name, err)
		}
	}
	if err := add("word/document.xml", body); err != nil {
		return fmt.Errorf("docx: write document: %w", err)
	}
	if doc.comments > 0 {
		if err := add("word/comments.xml", comments); err != nil {
			return fmt.Errorf("docx: write comments: %w", err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("docx: write: %w", err)
	}
	return nil
}

// description records where the draft came from in the document's properties.
func description(d *draft.Draft) string {
	s := "draftd 稿件 " + d.ID
	if d.Model != "" {
		s += "，模型 " + d.Model
	}
	if d.PromptVersion != "" {
		s += "，提示词版本 " + d.PromptVersion
	}
	return s
}

// w3cdtf formats t for docProps, or def when t is zero.
func w3cdtf(t, def time.Time) string {
	if t.IsZero() {
		t = def
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// document accumulates document.xml and comments.xml for one draft.
type document struct {
	d        *draft.Draft
	opt      Options
	figures  map[string]draft.SectionFigure
	body     strings.Builder
	notes    strings.Builder // comments.xml's w:comment elements
	comments int             // comments written
	nextID   int             // w:id shared by comments and insertions, unique in the document
}

func newDocument(d *draft.Draft, opt Options) *document {
	doc := &document{d: d, opt: opt, figures: map[string]draft.SectionFigure{}}
	for _, s := range d.Sections {
		for _, f := range d.SectionFigures(s.Index) {
			doc.figures[f.ID] = f
		}
	}
	return doc
}

const (
	xmlHeader  = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	namespaces = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	// sectPr is A4 with GB/T 9704 margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm) and
	// page numbers right on odd pages, left on even ones.
	sectPr = `<w:sectPr><w:footerReference w:type="default" r:id="rId4"/><w:footerReference w:type="even" r:id="rId5"/>` +
		`<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587" w:header="851" w:footer="1247" w:gutter="0"/>` +
		`<w:cols w:space="425"/><w:docGrid w:linePitch="560"/></w:sectPr>`
)

// marked reports whether x carries review marks: it is generated and no reviewer approved it.
func (doc *document) marked(x draft.Sentence) bool {
	return !doc.opt.Clean && x.Generated && x.Review.Decision != draft.DecisionApproved
}

// render returns document.xml and comments.xml.
func (doc *document) render() (body, comments []byte) {
	b := &doc.body
	b.WriteString(xmlHeader + `<w:document ` + namespaces + `><w:body>` + "\n")
	doc.paragraph("Title", "", doc.d.Title)
	if !doc.opt.Clean {
		doc.legend()
	}
	for _, p := range doc.d.Parts() {
		if !p.Opening { // the opening paragraph has no heading of its own
			doc.paragraph("Heading1", "", p.Heading)
		}
		if !doc.opt.Clean {
			for _, w := range doc.d.HeadingWarnings(p.Index) {
				doc.paragraph("", `<w:i/><w:iCs/><w:color w:val="C00000"/>`, "请核实："+w)
			}
		}
		if p.Status == draft.StatusFailed {
			doc.paragraph("", `<w:i/><w:iCs/><w:color w:val="C00000"/>`, "本部分生成失败："+p.Error)
			continue
		}
		if len(p.Sentences) == 0 {
			continue
		}
		b.WriteString("<w:p>")
		for _, x := range p.Sentences {
			doc.sentence(x)
		}
		b.WriteString("</w:p>\n")
	}
	doc.signature()
	b.WriteString(sectPr + "</w:body></w:document>\n")
	notes := xmlHeader + `<w:comments ` + namespaces + `>` + "\n" + doc.notes.String() + "</w:comments>\n"
	return []byte(b.String()), []byte(notes)
}

// paragraph writes one paragraph of the given style (empty: Normal) and run properties.
func (doc *document) paragraph(style, rPr, text string) {
	b := &doc.body
	b.WriteString("<w:p>")
	if style != "" {
		b.WriteString(`<w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`)
	}
	run(b, rPr, text)
	b.WriteString("</w:p>\n")
}

// signature writes the 落款 one line below the body as GB/T 9704-2012 7.3.5.2 places it: the date
// four characters from the right margin, the organisation centred above it.
func (doc *document) signature() {
	org, date := doc.d.Signature()
	if org == "" && date == "" {
		return
	}
	b := &doc.body
	b.WriteString("<w:p/>\n")
	dateIndent := 400 // hundredths of a character
	orgIndent := dateIndent
	if date != "" {
		orgIndent = max(0, dateIndent+(width(date)-width(org))/2)
	}
	for _, l := range []struct {
		text   string
		indent int
	}{{org, orgIndent}, {date, dateIndent}} {
		if l.text == "" {
			continue
		}
		// A character is the 三号 body size, 16 pt or 320 twips.
		fmt.Fprintf(b, `<w:p><w:pPr><w:pStyle w:val="Signature"/><w:ind w:rightChars="%d" w:right="%d"/></w:pPr>`, l.indent, l.indent*320/100)
		run(b, "", l.text)
		b.WriteString("</w:p>\n")
	}
}

// width estimates how wide s prints, in hundredths of a character of the body size: Chinese
// characters are a character wide, digits and Latin letters (Times New Roman) about half.
func width(s string) int {
	n := 0
	for _, r := range s {
		if r < 0x2E80 {
			n += 50
		} else {
			n += 100
		}
	}
	return n
}

// legend explains the marks above the body; a clean document has none to explain.
func (doc *document) legend() {
	count := map[draft.Risk]int{}
	claims := false
	for _, s := range doc.d.Sections {
		for _, x := range s.Sentences {
			if doc.marked(x) && x.Review.Decision != draft.DecisionRejected && s.Status != draft.StatusFailed {
				count[x.Risk]++
				claims = claims || len(x.Unsupported()) > 0
			}
		}
	}
	if len(count) == 0 {
		return
	}
	b := &doc.body
	b.WriteString(`<w:p><w:pPr><w:pStyle w:val="ReviewNote"/></w:pPr>`)
	run(b, `<w:b/>`, "审阅说明：")
	run(b, "", "draftd 生成、尚未审核通过的句子按风险标色，批注中列出依据的数据和参考资料。")
	for _, l := range []struct {
		risk       draft.Risk
		name, note string
	}{
		{draft.RiskLow, "低风险", "只陈述提供的数据"},
		{draft.RiskMedium, "中风险", "定性表述，请确认"},
		{draft.RiskHigh, "高风险", "未绑定数字、照搬资料或排名说法，必须核实"},
	} {
		run(b, mark(l.risk), l.name)
		run(b, "", fmt.Sprintf(" %d 句：%s；", count[l.risk], l.note))
	}
	if claims {
		run(b, "", "句中")
		run(b, claimMark(draft.RiskHigh), "另加底色和双下划线")
		run(b, "", "的词语是撰稿人数据不支持的说法，批注中逐条说明；")
	}
	note := "审核中删除的句子已略去。"
	if doc.opt.Tracked {
		note = "生成的文字以修订方式插入，可在“审阅”中逐条接受或拒绝；" + note
	}
	run(b, "", note)
	b.WriteString("</w:p>\n")
}

// sentence writes x's runs into the current paragraph, with its marks when it has any.
func (doc *document) sentence(x draft.Sentence) {
	b := &doc.body
	if !doc.marked(x) {
		run(b, "", x.Text)
		return
	}
	cid := doc.id()
	doc.comment(cid, x)
	fmt.Fprintf(b, `<w:commentRangeStart w:id="%d"/>`, cid)
	if doc.opt.Tracked {
		fmt.Fprintf(b, `<w:ins w:id="%d" w:author="%s" w:date="%s">`, doc.id(), escape(doc.opt.Author), doc.date())
	}
	for _, sg := range x.Segments() {
		if len(sg.Claims) > 0 {
			run(b, claimMark(sg.Risk()), sg.Text)
		} else {
			run(b, mark(x.Risk), sg.Text)
		}
	}
	fmt.Fprintf(b, `<w:commentRangeEnd w:id="%d"/><w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:commentReference w:id="%d"/></w:r>`, cid, cid)
	if doc.opt.Tracked {
		b.WriteString(`</w:ins>`)
	}
}

// comment writes comment id on x: its provenance, one fact per paragraph.
func (doc *document) comment(id int, x draft.Sentence) {
	doc.comments++
	lines := []string{"风险等级：" + x.Risk.Name()}
	if reasons := x.OtherReasons(); len(reasons) > 0 {
		lines = append(lines, "原因："+strings.Join(reasons, ""))
	}
	if claims := x.Unsupported(); len(claims) > 0 {
		lines = append(lines, "待核实的说法：")
		for i, c := range claims {
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, c.Note()))
		}
	}
	if x.Added {
		lines = append(lines, "说明：模型遗漏了这项数据，由 draftd 补写。")
	}
	figs := "无"
	if len(x.Figures) > 0 {
		var fs []string
		for _, id := range x.Figures {
			if f, ok := doc.figures[id]; ok && f.Origin == draft.OriginWriter {
				fs = append(fs, fmt.Sprintf("%s（%s %s）", id, f.Label, f.Text))
			} else if ok {
				// A derived figure says how it was computed, so the reviewer can check it.
				fs = append(fs, fmt.Sprintf("%s（%s %s，%s）", id, f.Label, f.Text, f.Provenance()))
			} else {
				fs = append(fs, id)
			}
		}
		figs = strings.Join(fs, "、")
	}
	lines = append(lines, "引用数据："+figs)
	if len(x.UnboundNumbers) > 0 {
		lines = append(lines, "未绑定数字："+strings.Join(x.UnboundNumbers, "、")+"（不是撰稿人提供的数据，请核实）")
	}
	if len(x.Sources) == 0 {
		lines = append(lines, "参考资料：无")
	}
	for i, s := range x.Sources {
		title := s.DocumentTitle
		if title == "" {
			title = s.DocumentID
		}
		if title == "" {
			title = s.PassageID
		}
		src := "《" + title + "》"
		if len(s.HeadingPath) > 0 {
			src += " " + strings.Join(s.HeadingPath, " › ")
		}
		lines = append(lines, fmt.Sprintf("参考资料%d：%s（重合 %.0f%%）", i+1, src, s.Overlap*100))
	}
	if x.Review.Decision == draft.DecisionEdited {
		by := x.Review.By
		if x.Review.At != nil {
			by += "，" + x.Review.At.Format("2006-01-02")
		}
		lines = append(lines, "审核：已修改（"+by+"），待确认")
		for _, h := range x.History {
			lines = append(lines, "修改前："+h.Text)
		}
	}
	lines = append(lines, "句子编号："+x.ID)

	n := &doc.notes
	fmt.Fprintf(n, `<w:comment w:id="%d" w:author="%s" w:date="%s" w:initials="%s">`, id, escape(doc.opt.Author), doc.date(), escape(initials(doc.opt.Author)))
	for i, l := range lines {
		n.WriteString(`<w:p><w:pPr><w:pStyle w:val="CommentText"/></w:pPr>`)
		if i == 0 {
			n.WriteString(`<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:annotationRef/></w:r>`)
		}
		run(n, "", l)
		n.WriteString("</w:p>")
	}
	n.WriteString("</w:comment>\n")
}

// id returns the next annotation id.
func (doc *document) id() int {
	doc.nextID++
	return doc.nextID - 1
}

func (doc *document) date() string { return doc.opt.Date.Format("2006-01-02T15:04:05Z") }

// initials abbreviates a comment author: "DD" for draftd, else the author's first two letters.
func initials(author string) string {
	if author == "draftd" {
		return "DD"
	}
	r := []rune(strings.ToUpper(author))
	return string(r[:min(2, len(r))])
}

// run writes a run with properties rPr; tabs and line breaks in text become w:tab and w:br.
func run(b *strings.Builder, rPr, text string) {
	text = strip(text)
	if text == "" {
		return
	}
	b.WriteString("<w:r>")
	if rPr != "" {
		b.WriteString("<w:rPr>" + rPr + "</w:rPr>")
	}
	start := 0
	flush := func(end int) {
		if end > start {
			b.WriteString(`<w:t xml:space="preserve">` + escape(text[start:end]) + `</w:t>`)
		}
	}
	for i, r := range text {
		switch r {
		case '\t':
			flush(i)
			b.WriteString("<w:tab/>")
			start = i + 1
		case '\n':
			flush(i)
			b.WriteString("<w:br/>")
			start = i + 1
		}
	}
	flush(len(text))
	b.WriteString("</w:r>")
}

// strip removes what XML 1.0 cannot carry (control characters, surrogates, U+FFFE/U+FFFF) and
// carriage returns, and replaces invalid UTF-8 with U+FFFD.
func strip(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n':
			return r
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// escapes are the characters XML text and attribute values must escape.
var escapes = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;", "\t", "&#9;", "\n", "&#10;")

// escape makes s safe as XML text or an attribute value.
func escape(s string) string { return escapes.Replace(strip(s)) }
