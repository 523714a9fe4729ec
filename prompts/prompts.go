// Package prompts renders the messages draftd sends a chat model. The templates are embedded,
// checked when the package loads and versioned: a draft records the Version that wrote it.
package prompts

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// Version names the templates; bump it whenever a .tmpl file changes (a test enforces this).
const Version = "v4"

//go:embed *.tmpl
var files embed.FS

var templates = template.Must(template.New("").Option("missingkey=error").ParseFS(files, "*.tmpl"))

func init() {
	for _, name := range []string{"system.tmpl", "user.tmpl", "check_system.tmpl", "check_user.tmpl", "rewrite_system.tmpl", "rewrite_user.tmpl"} {
		if templates.Lookup(name) == nil {
			panic("prompts: missing template " + name)
		}
	}
}

// Section renders the system and user messages asking a model to write one section of a draft, or,
// when the request has a Previous answer, to edit that answer where its marks say. The writer's
// notes and the retrieved passages are fenced as data and neutralised so that text in them can
// neither close a fence nor pose as a figure token; the previous answer is fenced too, its tokens
// kept. It fails only on a request with no heading or a template that cannot execute.
func Section(req draft.SectionRequest) (system, user string, err error) {
	if strings.TrimSpace(req.Heading) == "" {
		return "", "", retrieval.Errorf(retrieval.EINVALID, "部分标题为空")
	}
	d := sectionData{
		Title:        line(req.Title),
		Organization: line(req.Organization),
		Period:       line(req.Period),
		Heading:      line(req.Heading),
		Notes:        block(req.Notes),
	}
	d.Figures = figureLines(req.Figures)
	d.Template = templateText(req)
	d.OrgKind = line(req.OrgKind)
	if k, ok := draft.KindOf(req.Kind); ok && req.Kind != "" {
		d.KindTitle = k.Title
	}
	var outline []string
	for _, h := range req.Outline {
		if h = line(h); h != "" {
			outline = append(outline, "“"+h+"”")
		}
	}
	d.Outline = strings.Join(outline, "、")
	if n := draft.LengthRunes(req.Length); n > 0 {
		d.Length = n
	}
	for i, p := range req.Passages {
		d.Passages = append(d.Passages, passage{
			N:        i + 1,
			Title:    line(p.DocumentTitle),
			Heading:  line(p.Heading()),
			Text:     block(p.Text),
			Template: p.Placeholders,
		})
	}
	// The previous answer is the model's own, tokens and marks included; it must only stay inside its fence.
	d.Previous = strings.TrimSpace(unfence(strings.ReplaceAll(req.Previous, "\r\n", "\n")))
	for _, f := range req.Feedback {
		// Feedback is draftd's own and may name figure tokens, so only fences are stripped.
		if f = strings.TrimSpace(unfence(oneLine(f))); f != "" {
			d.Feedback = append(d.Feedback, f)
		}
	}
	var sys, usr strings.Builder
	if err := templates.ExecuteTemplate(&sys, "system.tmpl", d); err != nil {
		return "", "", fmt.Errorf("prompts: section: %w", err)
	}
	if err := templates.ExecuteTemplate(&usr, "user.tmpl", d); err != nil {
		return "", "", fmt.Errorf("prompts: section: %w", err)
	}
	return strings.TrimSpace(sys.String()), strings.TrimSpace(usr.String()), nil
}

type sectionData struct {
	Title, Organization, Period, Heading string
	Notes                                string
	Figures                              []figureLine
	Passages                             []passage
	Previous                             string
	Feedback                             []string
	Template                             string // the section's template text to update, its figure tokens kept
	OrgKind, KindTitle                   string // 卫生健康部门, 工作总结
	Outline                              string // the other sections' headings, quoted and joined
	Length                               int    // characters asked for; 0 for none
}

// templateText is the section's template text as a model is asked to update it: the template's
// organisation and period replaced by the request's, its tokens kept where they name a figure of the
// request and written ×× where they do not (a slot the writer removed), fences stripped.
func templateText(req draft.SectionRequest) string {
	t := strings.TrimSpace(req.TemplateText)
	if t == "" {
		return ""
	}
	t = draft.Retarget(t, req.TemplateOrganization, req.Organization, req.TemplatePeriod, req.Period)
	known := map[string]bool{}
	for _, f := range req.Figures {
		known[draft.Token(f.ID)] = true
	}
	t = templateTokenRE.ReplaceAllStringFunc(t, func(tok string) string {
		if known[tok] {
			return tok
		}
		return "××"
	})
	return strings.TrimSpace(unfence(strings.ReplaceAll(t, "\r\n", "\n")))
}

var templateTokenRE = regexp.MustCompile(`【[A-Za-z0-9_.\-]+】`)

// figureLines lists figures as the writer's prompts show them: by token, label, unit and note, never
// by value.
func figureLines(figures []draft.Figure) []figureLine {
	var out []figureLine
	compare := map[string]string{}
	for _, f := range figures {
		compare[f.ID] = f.Compare
	}
	for _, f := range figures {
		if f.Derived {
			f.Label = draft.ComparePhrase(f.Label, compare[f.DerivedFrom]) // 比上期增长 → 同比增长
		}
		fl := figureLine{
			Token: draft.Token(f.ID),
			Label: line(f.Label),
			Unit:  line(f.Unit),
			Note:  line(f.Note),
		}
		// Derived figures say what they come from but never their rule: the rule holds the numbers.
		if f.Derived && f.DerivedFrom != "" {
			fl.From = draft.Token(f.DerivedFrom)
		}
		out = append(out, fl)
	}
	return out
}

type figureLine struct {
	Token, Label, Unit, Note string
	From                     string // token of the figure a derived figure was computed from
}

type passage struct {
	N              int
	Title, Heading string
	Text           string
	Template       bool // a style template whose numbers are placeholders
}

// ClaimCheck renders the system and user messages asking a model which claims of a drafted section
// the writer's figures and notes do not support, as one JSON object {"claims":[{"span","kind",
// "reason"}]} (the messages say "json", as OpenAI's json_object mode requires). The notes and the
// section text are fenced as data; the text keeps its characters otherwise, so that the spans the
// model quotes are the text's. It fails only on a request with no text or a template that cannot
// execute.
func ClaimCheck(req draft.ClaimCheckRequest) (system, user string, err error) {
	if strings.TrimSpace(req.Text) == "" {
		return "", "", retrieval.Errorf(retrieval.EINVALID, "核实说法：这一部分的正文为空")
	}
	d := checkData{
		Title:        line(req.Title),
		Organization: line(req.Organization),
		Period:       line(req.Period),
		Heading:      line(req.Heading),
		Notes:        block(req.Notes),
		Text:         strings.TrimSpace(unfence(strings.ReplaceAll(req.Text, "\r\n", "\n"))),
	}
	label := map[string]string{}
	for _, f := range req.Figures {
		label[f.ID] = f.Label
	}
	for _, f := range req.Figures {
		cf := checkFigure{Label: line(f.Label), Text: line(f.Text())}
		if f.Derived { // previous values and targets name their figure too, but in their label
			cf.From = line(label[f.DerivedFrom])
		}
		d.Figures = append(d.Figures, cf)
	}
	var sys, usr strings.Builder
	if err := templates.ExecuteTemplate(&sys, "check_system.tmpl", d); err != nil {
		return "", "", fmt.Errorf("prompts: claim check: %w", err)
	}
	if err := templates.ExecuteTemplate(&usr, "check_user.tmpl", d); err != nil {
		return "", "", fmt.Errorf("prompts: claim check: %w", err)
	}
	return strings.TrimSpace(sys.String()), strings.TrimSpace(usr.String()), nil
}

type checkData struct {
	Title, Organization, Period, Heading string
	Notes, Text                          string
	Figures                              []checkFigure
}

// checkFigure is a figure as the claim check shows it: with its value, which the writer's prompt withholds.
type checkFigure struct {
	Label, Text string
	From        string // label of the figure a derived one was computed from
}

// fenceRE matches anything that could read as a fence marker (<<<, >>>, full-width too).
var fenceRE = regexp.MustCompile(`[<>＜＞]{3,}`)

// tokenBrackets turns 【】 into [] so data can never contain a figure token.
var tokenBrackets = strings.NewReplacer("【", "[", "】", "]")

func unfence(s string) string { return fenceRE.ReplaceAllString(s, "") }

// block neutralises multi-line data: no fence markers, no figure tokens, no blank-line padding.
func block(s string) string {
	s = tokenBrackets.Replace(unfence(strings.ReplaceAll(s, "\r\n", "\n")))
	return strings.TrimSpace(s)
}

// line neutralises a one-line field, which must not be able to start a line of its own.
func line(s string) string { return strings.TrimSpace(tokenBrackets.Replace(unfence(oneLine(s)))) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// tasks say what each rewrite mode asks of the model.
var tasks = map[string]string{
	draft.ModeRewrite: "改写：换一种说法表达同样的内容，意思和事实不变，长短与原句相近。",
	draft.ModeExpand:  "扩写：把这句话写得更充实具体，可以写明做法和意义，但不得增加原句、备注和数据清单以外的事实，篇幅约为原句的一倍半到两倍。",
	draft.ModeShorten: "缩写：删去套话和重复，写成更简练的一句，保留全部数据标记，篇幅约为原句的一半到三分之二。",
}

// Rewrite renders the system and user messages asking a model for a new version of one sentence:
// reworded, expanded or shortened as req.Mode says, keeping its figure tokens. The sentence is
// fenced as data with its tokens kept; the notes are fenced and neutralised as Section's are. It
// fails on an unknown mode, an empty sentence or a template that cannot execute.
func Rewrite(req draft.RewriteRequest) (system, user string, err error) {
	task, ok := tasks[req.Mode]
	if !ok {
		return "", "", retrieval.Errorf(retrieval.EINVALID, "改写：未知的方式 %q", req.Mode)
	}
	sentence := strings.TrimSpace(unfence(oneLine(req.Sentence)))
	if sentence == "" {
		return "", "", retrieval.Errorf(retrieval.EINVALID, "改写：句子为空")
	}
	d := rewriteData{
		Title:        line(req.Title),
		Organization: line(req.Organization),
		Period:       line(req.Period),
		Heading:      line(req.Heading),
		Notes:        block(req.Notes),
		Task:         task,
		Sentence:     sentence,
		Figures:      figureLines(req.Figures),
	}
	var sys, usr strings.Builder
	if err := templates.ExecuteTemplate(&sys, "rewrite_system.tmpl", d); err != nil {
		return "", "", fmt.Errorf("prompts: rewrite: %w", err)
	}
	if err := templates.ExecuteTemplate(&usr, "rewrite_user.tmpl", d); err != nil {
		return "", "", fmt.Errorf("prompts: rewrite: %w", err)
	}
	return strings.TrimSpace(sys.String()), strings.TrimSpace(usr.String()), nil
}

type rewriteData struct {
	Title, Organization, Period, Heading string
	Notes, Task, Sentence                string
	Figures                              []figureLine
}
