package draft

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

//go:embed templates/*.html
var templateFS embed.FS

// htmlTemplate renders a standalone HTML draft (an htmlPage): inline CSS, no external assets.
var htmlTemplate = template.Must(template.New("draft.html").Funcs(template.FuncMap{
	"riskName": Risk.Name,
	"join":     strings.Join,
}).ParseFS(templateFS, "templates/draft.html"))

// CheckClean returns nil when d may be written without review marks, as a copy ready to hand in:
// only an approved draft may, so that no unreviewed text ever reads as final. Otherwise it returns a
// retrieval ECONFLICT error. Every clean export (CleanHTML, CleanMarkdown, CleanText, DOCX) asks it.
func (d *Draft) CheckClean() error {
	if d.Status != StatusApproved {
		return retrieval.Errorf(retrieval.ECONFLICT, "只有审核通过的稿件才能导出无标记版本")
	}
	return nil
}

// Part is a section as a reader sees it in every export: its heading numbered once, and the
// sentences no reviewer rejected, with the punctuation mended where rejected ones were left out.
type Part struct {
	Index   int    // the section's index
	Heading string // "一、粮食生产", whatever number the writer gave it; "" for the opening
	// Opening marks the document's opening paragraph (总体情况): the first section, printed
	// without a heading of its own, as 公文 open; the headings after it are numbered from 一、.
	Opening   bool
	Status    Status
	Error     string     // why the section failed
	Sentences []Sentence // copies: mending never changes the draft
}

// Parts returns d's sections as a reader sees them (see Part, PrintedHeadings and mend). A first
// section that is the opening (see opening) has no heading.
func (d *Draft) Parts() []Part {
	out := make([]Part, len(d.Sections))
	headings, lead := d.PrintedHeadings()
	for i, s := range d.Sections {
		out[i] = Part{Index: s.Index, Heading: headings[i], Opening: i == 0 && lead, Status: s.Status, Error: s.Error, Sentences: mend(s.Sentences)}
	}
	return out
}

// opening reports whether heading names a document's opening paragraph rather than a part of it:
// a heading the writer gave no number that names an overview (总体情况, 基本情况, 概况: the text a
// template had before its first heading) or opens a kind's outline (计划's 总体要求). A numbered
// one (一、总体情况) is a part like any other.
func opening(heading string) bool {
	h := strings.TrimSpace(heading)
	if h == "" {
		return false
	}
	if _, numbered := retrieval.ParseHeading(h); numbered {
		return false
	}
	if SectionRole(h) == retrieval.RoleOverview {
		return true
	}
	return slices.ContainsFunc(DocumentKinds, func(k DocumentKind) bool { return len(k.Outline) > 0 && k.Outline[0] == h })
}

// TreeHeadings numbers the headings of a draft drawn from a template as a tree, once each: the
// template's kinds of numbering give the levels (一、 over （一） over 1. …), and each level is numbered
// again by place in the house style 一、 （一） 1. （1） ①, so a section the writer left out leaves no
// gap. A heading without a number (总体情况) is printed as it is.
func TreeHeadings(headings []string) []string {
	out := make([]string, len(headings))
	var kinds []retrieval.MarkerKind
	var counts []int
	for i, h := range headings {
		ph, ok := retrieval.ParseHeading(h)
		if !ok {
			out[i] = strings.TrimSpace(h)
			continue
		}
		depth := slices.Index(kinds, ph.Kind)
		if depth < 0 {
			kinds = append(kinds, ph.Kind)
			counts = append(counts, 0)
			depth = len(kinds) - 1
		}
		kinds, counts = kinds[:depth+1], counts[:depth+1]
		counts[depth]++
		out[i] = levelNumber(depth, counts[depth]) + HeadingText(h)
	}
	return out
}

// levelNumber is the number of the nth heading at depth (0-based) in the house style.
func levelNumber(depth, n int) string {
	switch depth {
	case 0:
		return ChineseOrdinal(n) + "、"
	case 1:
		return "（" + ChineseOrdinal(n) + "）"
	case 2:
		return strconv.Itoa(n) + "."
	case 3:
		return "（" + strconv.Itoa(n) + "）"
	}
	if n <= 20 {
		return string(rune('①' + n - 1))
	}
	return strconv.Itoa(n) + "）"
}

// Heading is the nth (1-based) section heading as printed: numbered 一、二、… by its place, once. A
// number the writer already put in front (一、 （一） 1. 第一部分 …) is replaced, not repeated: the
// sections may have been reordered, and a draft numbers all its headings alike.
func Heading(n int, heading string) string { return ChineseOrdinal(n) + "、" + HeadingText(heading) }

// HeadingText is a heading without the number a writer may have put in front of it (see Heading):
// any numbering retrieval's heading grammar knows (retrieval.TrimMarker), but not the 1. of 1.5万亩
// or the 第一 of 第一产业.
func HeadingText(heading string) string { return retrieval.TrimMarker(heading) }

// Punctuation as mend reads it: final marks end a sentence, pauses do not; closers (quotes and
// brackets) may follow either.
const (
	finalMarks = "。！？!?…"
	pauseMarks = "；;：:，,、"
	closers    = "”’」』）)》】"
)

// strength orders marks for mend: a final mark, then ；, then ：, then a comma; 0 for no mark.
func strength(r rune) int {
	switch {
	case strings.ContainsRune(finalMarks, r):
		return 4
	case r == '；' || r == ';':
		return 3
	case r == '：' || r == ':':
		return 2
	case strings.ContainsRune(pauseMarks, r):
		return 1
	}
	return 0
}

// mend returns the sentences no reviewer rejected, as copies whose punctuation reads well once the
// rejected ones are gone: where a left-out run ended a sentence, the kept sentence before it ends
// with 。 too (一是…；[二是…。]此外… → 一是…。此外…); two marks meeting at a join become the
// stronger one; the paragraph starts with no mark and ends with a final one, 。 replacing a trailing
// ； ， 、 or ： or added after text that has none. Claims move with the words they mark.
func mend(sentences []Sentence) []Sentence {
	var kept []Sentence
	droppedEnd := rune(0) // the end mark of the rejected run since the last kept sentence
	for _, x := range sentences {
		if x.Review.Decision == DecisionRejected {
			if _, r := lastMark(x.Text); r != 0 {
				droppedEnd = r
			}
			continue
		}
		lead := []rune(x.Text)
		n := 0
		for n < len(lead) && strength(lead[n]) > 0 {
			n++
		}
		if len(kept) == 0 {
			if n > 0 {
				splice(&x, 0, n, "")
			}
		} else {
			prev := &kept[len(kept)-1]
			if strength(droppedEnd) == 4 {
				finish(prev)
			}
			if n > 0 {
				// Marks meet at the join: the stronger one stays, at the end of prev.
				pr := []rune(prev.Text)
				if last := len(pr) - 1; last >= 0 && strength(pr[last]) > 0 {
					best := pr[last]
					for _, r := range lead[:n] {
						if strength(r) > strength(best) {
							best = r
						}
					}
					splice(prev, last, 1, string(best))
					splice(&x, 0, n, "")
				}
			}
		}
		droppedEnd = 0
		kept = append(kept, x)
	}
	if len(kept) > 0 {
		finish(&kept[len(kept)-1])
	}
	return kept
}

// lastMark returns the character offset and the value of the last character of s that is no
// closer or space, or -1 and 0 when there is none.
func lastMark(s string) (int, rune) {
	rs := []rune(s)
	for i := len(rs) - 1; i >= 0; i-- {
		if !unicode.IsSpace(rs[i]) && !strings.ContainsRune(closers, rs[i]) {
			return i, rs[i]
		}
	}
	return -1, 0
}

// finish makes x end a sentence: a trailing pause becomes 。, before any closing quote; text that
// ends with no mark gets one.
func finish(x *Sentence) {
	at, r := lastMark(x.Text)
	switch {
	case r == 0 || strength(r) == 4:
	case strength(r) > 0:
		splice(x, at, 1, "。")
	default:
		text := strings.TrimRightFunc(x.Text, unicode.IsSpace)
		splice(x, utf8.RuneCountInString(text), utf8.RuneCountInString(x.Text)-utf8.RuneCountInString(text), "。")
	}
}

// splice replaces del characters of x's text at character offset at with ins. Claims after the
// change move with their words; a claim whose offsets no longer gave its words is left as it was,
// for Segments to find by its words.
func splice(x *Sentence, at, del int, ins string) {
	rs := []rune(x.Text)
	text := string(rs[:at]) + ins + string(rs[at+del:])
	nrs := []rune(text)
	move := func(p int) int {
		switch {
		case p <= at:
			return p
		case p >= at+del:
			return p - del + utf8.RuneCountInString(ins)
		}
		return at
	}
	claims := slices.Clone(x.Claims)
	for i := range claims {
		c := &claims[i]
		if c.Start < 0 || c.Start >= c.End || c.End > len(rs) || (c.Text != "" && string(rs[c.Start:c.End]) != c.Text) {
			continue
		}
		c.Start, c.End = move(c.Start), move(c.End)
		if c.Text != "" {
			c.Text = string(nrs[c.Start:c.End])
		}
	}
	x.Text, x.Claims = text, claims
}

// chinaTime is the time zone of the date in a 落款: a draft written in the morning in China is dated
// that day, not the day before as in UTC.
var chinaTime = time.FixedZone("CST", 8*60*60)

// Signature returns the 落款 that closes the document: the organisation, then the date — the day
// the draft was created, written as GB/T 9704 writes a 成文日期 (2025年7月1日), or the draft's
// period when the day is not known. Either may be ""; the organisation is "" for a kind of document
// that is not signed by one (see DocumentKind.Signed).
func (d *Draft) Signature() (org, date string) {
	date = d.Period
	if !d.CreatedAt.IsZero() {
		date = d.CreatedAt.In(chinaTime).Format("2006年1月2日")
	}
	org = strings.TrimSpace(d.Organization)
	if d.Input != nil {
		if k, ok := KindOf(d.Input.Kind); ok && !k.Signed {
			org = "" // a 述职报告 is signed by its speaker, whom the draft does not name
		}
	}
	return org, strings.TrimSpace(date)
}

// htmlPage is what the HTML template renders.
type htmlPage struct {
	*Draft
	Clean     bool
	Parts     []Part
	Org, Date string
}

// Name is the risk level in the reviewer's words.
func (r Risk) Name() string {
	switch r {
	case RiskLow:
		return "低风险"
	case RiskMedium:
		return "中风险"
	case RiskHigh:
		return "高风险"
	}
	return string(r)
}

// Provenance says where the figure comes from, in the reviewer's words: the writer, or how draftd
// computed it and from which figure.
func (f SectionFigure) Provenance() string {
	switch f.Origin {
	case OriginDerived:
		if f.Rule == "" {
			return fmt.Sprintf("由%s计算", f.DerivedFrom)
		}
		return fmt.Sprintf("由%s计算：%s", f.DerivedFrom, f.Rule)
	case OriginPrevious:
		return fmt.Sprintf("撰稿人提供（%s的上期数）", f.DerivedFrom)
	case OriginTarget:
		return fmt.Sprintf("撰稿人提供（%s的目标数）", f.DerivedFrom)
	}
	return "撰稿人提供"
}

// RiskCounts counts a draft's generated, not rejected sentences by risk level ("low", "medium", "high").
func (d *Draft) RiskCounts() map[string]int {
	n := map[string]int{}
	for _, s := range d.Sections {
		for _, x := range s.Sentences {
			if x.Generated && x.Review.Decision != DecisionRejected {
				n[string(x.Risk)]++
			}
		}
	}
	return n
}

// claimKindNames are the kinds of claims in the reviewer's words; the web app's claims.js uses the same.
var claimKindNames = map[guard.ClaimKind]string{
	guard.ClaimNumber:     "数字",
	guard.ClaimTrend:      "变化",
	guard.ClaimDirection:  "与数据不符",
	guard.ClaimComparison: "与其他地区比较",
	guard.ClaimRanking:    "排名",
	guard.ClaimHonour:     "荣誉",
	guard.ClaimCoverage:   "覆盖面",
	guard.ClaimRecord:     "纪录",
	guard.ClaimName:       "名称",
	guard.ClaimNonProse:   "非正文",
}

// KindName is the claim's kind in the reviewer's words, or the kind itself when it is unknown.
func (c Claim) KindName() string {
	if n, ok := claimKindNames[guard.ClaimKind(c.Kind)]; ok {
		return n
	}
	return c.Kind
}

// High reports whether the claim, unsupported, makes its sentence high risk (see guard.ClaimKind.High).
func (c Claim) High() bool { return guard.ClaimKind(c.Kind).High() }

// Note is the claim as a reviewer reads it in a comment: its kind, its words and why to check them.
func (c Claim) Note() string { return fmt.Sprintf("%s“%s”：%s", c.KindName(), c.Text, c.Reason) }

// Segment is a stretch of a sentence's text: the words of unsupported claims, which the marked
// exports show, or the plain text between them.
type Segment struct {
	Text   string
	Claims []Claim // the unsupported claims these words make, in text order; none for plain text
}

// Risk is how a segment is marked: high when one of its claims makes a sentence high risk, else
// medium; low for plain text.
func (s Segment) Risk() Risk {
	if len(s.Claims) == 0 {
		return RiskLow
	}
	for _, c := range s.Claims {
		if c.High() {
			return RiskHigh
		}
	}
	return RiskMedium
}

// Kinds lists the kinds of the segment's claims, space-separated, each once.
func (s Segment) Kinds() string {
	var kinds []string
	for _, c := range s.Claims {
		if !slices.Contains(kinds, c.Kind) {
			kinds = append(kinds, c.Kind)
		}
	}
	return strings.Join(kinds, " ")
}

// Title gives the segment's claims with their reasons, one a line.
func (s Segment) Title() string {
	notes := make([]string, len(s.Claims))
	for i, c := range s.Claims {
		notes[i] = c.KindName() + "：" + c.Reason
	}
	return strings.Join(notes, "\n")
}

// Unsupported returns the claims of x that the writer's input does not support, in text order.
func (x Sentence) Unsupported() []Claim {
	var out []Claim
	for _, c := range x.Claims {
		if !c.Supported {
			out = append(out, c)
		}
	}
	return out
}

// OtherReasons returns x's reasons that none of its unsupported claims gives: a footnote or
// comment that lists the claims with their reasons need not repeat them.
func (x Sentence) OtherReasons() []string {
	given := map[string]bool{}
	for _, c := range x.Unsupported() {
		given[c.Reason] = true
	}
	var out []string
	for _, r := range x.Reasons {
		if !given[r] {
			out = append(out, r)
		}
	}
	return out
}

// Segments splits x's text at the words of its unsupported claims; together the segments are the
// text. Claims whose words overlap share one segment. Claims count characters (code points): a
// claim whose offsets do not give its words — a text changed since it was checked — marks the one
// place its words occur, or nothing.
func (x Sentence) Segments() []Segment {
	at := make([]int, 0, len(x.Text)+1) // byte offset of each character, and of the end
	for i := range x.Text {
		at = append(at, i)
	}
	at = append(at, len(x.Text))
	type span struct {
		start, end int // bytes
		claim      Claim
	}
	var spans []span
	for _, c := range x.Unsupported() {
		if c.Start >= 0 && c.Start < c.End && c.End < len(at) && (c.Text == "" || x.Text[at[c.Start]:at[c.End]] == c.Text) {
			spans = append(spans, span{at[c.Start], at[c.End], c})
		} else if i := strings.Index(x.Text, c.Text); c.Text != "" && i >= 0 && !strings.Contains(x.Text[i+1:], c.Text) {
			spans = append(spans, span{i, i + len(c.Text), c})
		}
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var out []Segment
	plain := 0
	for i := 0; i < len(spans); {
		start, end := spans[i].start, spans[i].end
		claims := []Claim{spans[i].claim}
		for i++; i < len(spans) && spans[i].start < end; i++ {
			end = max(end, spans[i].end)
			claims = append(claims, spans[i].claim)
		}
		if start > plain {
			out = append(out, Segment{Text: x.Text[plain:start]})
		}
		out = append(out, Segment{Text: x.Text[start:end], Claims: claims})
		plain = end
	}
	if plain < len(x.Text) || len(out) == 0 {
		out = append(out, Segment{Text: x.Text[plain:]})
	}
	return out
}

// HTML renders d as a standalone HTML page with generated sentences highlighted by risk and the
// words of their unsupported claims marked, each mark titled with its claims' reasons, a legend and
// each section's figures. All draft text is escaped: a model's answer can never become markup.
func HTML(d *Draft) ([]byte, error) { return renderHTML(d, false) }

// CleanHTML renders an approved draft as a standalone HTML page ready to hand in: title, numbered
// headings, paragraphs and 落款, with no marks, legend or figures. A draft not approved is refused
// (see CheckClean).
func CleanHTML(d *Draft) ([]byte, error) {
	if err := d.CheckClean(); err != nil {
		return nil, err
	}
	return renderHTML(d, true)
}

func renderHTML(d *Draft, clean bool) ([]byte, error) {
	org, date := d.Signature()
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, htmlPage{Draft: d, Clean: clean, Parts: d.Parts(), Org: org, Date: date}); err != nil {
		return nil, fmt.Errorf("draft: render html: %w", err)
	}
	return b.Bytes(), nil
}

// Markdown renders d as Markdown. Generated sentences are marked ==like this==, the words of their
// unsupported claims **like this** inside, with a footnote giving their risk, reasons and claims, so
// a reader sees what to check; each section lists its figures.
func Markdown(d *Draft) []byte { return markdown(d, false) }

// CleanMarkdown renders an approved draft as Markdown ready to hand in: title, numbered headings,
// paragraphs and 落款, with no marks, footnotes or figures. A draft not approved is refused (see
// CheckClean).
func CleanMarkdown(d *Draft) ([]byte, error) {
	if err := d.CheckClean(); err != nil {
		return nil, err
	}
	return markdown(d, true), nil
}

func markdown(d *Draft, clean bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(d.Title))
	var notes []string
	for _, p := range d.Parts() {
		if !p.Opening {
			fmt.Fprintf(&b, "## %s\n\n", mdEscape(p.Heading))
		}
		if !clean {
			for _, w := range d.HeadingWarnings(p.Index) {
				fmt.Fprintf(&b, "> 请核实：%s\n\n", mdEscape(w))
			}
		}
		if p.Status == StatusFailed {
			fmt.Fprintf(&b, "> 本部分生成失败：%s\n\n", mdEscape(p.Error))
			continue
		}
		for _, x := range p.Sentences {
			if clean || !x.Generated {
				b.WriteString(mdEscape(x.Text))
				continue
			}
			note := x.Risk.Name() + "：" + mdEscape(strings.Join(x.OtherReasons(), ""))
			for _, c := range x.Unsupported() {
				note += fmt.Sprintf("**%s**（%s）%s", mdEscape(c.Text), c.KindName(), mdEscape(c.Reason))
			}
			notes = append(notes, fmt.Sprintf("[^%s]: %s", x.ID, note))
			b.WriteString("==")
			for _, sg := range x.Segments() {
				if len(sg.Claims) > 0 {
					b.WriteString("**" + mdEscape(sg.Text) + "**")
				} else {
					b.WriteString(mdEscape(sg.Text))
				}
			}
			fmt.Fprintf(&b, "==[^%s]", x.ID)
		}
		b.WriteString("\n\n")
		if figs := d.SectionFigures(p.Index); len(figs) > 0 && !clean {
			// The figures table lets a reviewer check every number, derived ones included.
			b.WriteString("数据来源：\n\n| 编号 | 指标 | 数值 | 来源 |\n| --- | --- | --- | --- |\n")
			for _, f := range figs {
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdCell(f.ID), mdCell(f.Label), mdCell(f.Text), mdCell(f.Provenance()))
			}
			b.WriteString("\n")
		}
	}
	// Markdown cannot align right: the 落款 is two paragraphs after the body.
	org, date := d.Signature()
	for _, l := range []string{org, date} {
		if l != "" {
			b.WriteString(mdEscape(l) + "\n\n")
		}
	}
	if len(notes) > 0 {
		b.WriteString("---\n\n" + strings.Join(notes, "\n") + "\n")
	}
	return []byte(b.String())
}

// mdEscape escapes the characters Markdown would read as markup.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "#", `\#`, "=", `\=`)
	return r.Replace(s)
}

// mdCell escapes s for a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(mdEscape(s))
}

// ChineseOrdinal writes 1–99 as 一…九十九 for section headings, and larger n in Arabic digits.
func ChineseOrdinal(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	case n < 100:
		return digits[n/10] + "十" + digits[n%10]
	}
	return fmt.Sprint(n)
}

// Text renders d as plain text: title, numbered headings, the paragraphs and the 落款, with no
// marks; a failed section says so.
func Text(d *Draft) []byte {
	var b strings.Builder
	b.WriteString(d.Title + "\n\n")
	for _, p := range d.Parts() {
		if !p.Opening {
			b.WriteString(p.Heading + "\n")
		}
		if p.Status == StatusFailed {
			fmt.Fprintf(&b, "（本部分生成失败：%s）\n\n", p.Error)
			continue
		}
		for _, x := range p.Sentences {
			b.WriteString(x.Text)
		}
		b.WriteString("\n\n")
	}
	org, date := d.Signature()
	for _, l := range []string{org, date} {
		if l != "" {
			b.WriteString(l + "\n")
		}
	}
	return []byte(b.String())
}

// CleanText renders an approved draft as plain text ready to hand in; text has no marks, so it is
// Text, refused for a draft not approved (see CheckClean) like every clean export.
func CleanText(d *Draft) ([]byte, error) {
	if err := d.CheckClean(); err != nil {
		return nil, err
	}
	return Text(d), nil
}
