package draft

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

// htmlTemplate renders a standalone HTML draft: inline CSS, a legend, no external assets.
var htmlTemplate = template.Must(template.New("draft.html").Funcs(template.FuncMap{
	"riskName": riskName,
	"join":     strings.Join,
	"inc":      func(i int) int { return i + 1 },
	"figures":  func(d *Draft, s Section) []SectionFigure { return d.SectionFigures(s.Index) },
}).ParseFS(templateFS, "templates/draft.html"))

// riskName is a risk level in the reviewer's words.
func riskName(r Risk) string {
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

// HTML renders d as a standalone HTML page with generated sentences highlighted by risk.
// All draft text is escaped: a model's answer can never become markup.
func HTML(d *Draft) ([]byte, error) {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("draft: render html: %w", err)
	}
	return b.Bytes(), nil
}

// Markdown renders d as Markdown. Generated sentences are marked ==like this== with a footnote
// giving their risk and reasons, so a reader sees what to check.
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
			notes = append(notes, fmt.Sprintf("[^%s]: %s：%s", x.ID, riskName(x.Risk), strings.Join(x.Reasons, "")))
			fmt.Fprintf(&b, "==%s==[^%s]", mdEscape(x.Text), x.ID)
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
