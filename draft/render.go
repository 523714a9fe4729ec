package draft

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"

	"github.com/draftd/draftd/draft/guard"
)

//go:embed templates/*.html
var templateFS embed.FS

// htmlTemplate renders a standalone HTML draft: inline CSS, a legend, no external assets.
var htmlTemplate = template.Must(template.New("draft.html").Funcs(template.FuncMap{
	"riskName": Risk.Name,
	"join":     strings.Join,
	"inc":      func(i int) int { return i + 1 },
	"figures":  func(d *Draft, s Section) []SectionFigure { return d.SectionFigures(s.Index) },
}).ParseFS(templateFS, "templates/draft.html"))

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
// words of their unsupported claims marked, each mark titled with its claims' reasons.
// All draft text is escaped: a model's answer can never become markup.
func HTML(d *Draft) ([]byte, error) {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("draft: render html: %w", err)
	}
	return b.Bytes(), nil
}

// Markdown renders d as Markdown. Generated sentences are marked ==like this==, the words of their
// unsupported claims **like this** inside, with a footnote giving their risk, reasons and claims, so
// a reader sees what to check.
func Markdown(d *Draft) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(d.Title))
	var notes []string
	for i, s := range d.Sections {
		fmt.Fprintf(&b, "## %s、%s\n\n", ChineseOrdinal(i+1), mdEscape(s.Heading))
		if s.Status == StatusFailed {
			fmt.Fprintf(&b, "> 本部分生成失败：%s\n\n", mdEscape(s.Error))
			continue
		}
		for _, x := range s.Sentences {
			if x.Review.Decision == DecisionRejected {
				continue // a reviewer removed it
			}
			if !x.Generated {
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
		if figs := d.SectionFigures(s.Index); len(figs) > 0 {
			// The figures table lets a reviewer check every number, derived ones included.
			b.WriteString("数据来源：\n\n| 编号 | 指标 | 数值 | 来源 |\n| --- | --- | --- | --- |\n")
			for _, f := range figs {
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdCell(f.ID), mdCell(f.Label), mdCell(f.Text), mdCell(f.Provenance()))
			}
			b.WriteString("\n")
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

// Text renders d as plain text: title, numbered headings and the sentences, with no marks.
// Rejected sentences are left out.
func Text(d *Draft) []byte {
	var b strings.Builder
	b.WriteString(d.Title + "\n\n")
	for i, s := range d.Sections {
		fmt.Fprintf(&b, "%s、%s\n", ChineseOrdinal(i+1), s.Heading)
		if s.Status == StatusFailed {
			fmt.Fprintf(&b, "（本部分生成失败：%s）\n\n", s.Error)
			continue
		}
		for _, x := range s.Sentences {
			if x.Review.Decision != DecisionRejected {
				b.WriteString(x.Text)
			}
		}
		b.WriteString("\n\n")
	}
	return []byte(b.String())
}
