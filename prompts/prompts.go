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
const Version = "v2"

//go:embed *.tmpl
var files embed.FS

var templates = template.Must(template.New("").Option("missingkey=error").ParseFS(files, "*.tmpl"))

func init() {
	for _, name := range []string{"system.tmpl", "user.tmpl", "check_system.tmpl", "check_user.tmpl"} {
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
		return "", "", retrieval.Errorf(retrieval.EINVALID, "section heading is empty")
	}
	d := sectionData{
		Title:        line(req.Title),
		Organization: line(req.Organization),
		Period:       line(req.Period),
		Heading:      line(req.Heading),
		Notes:        block(req.Notes),
	}
	for _, f := range req.Figures {
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
		d.Figures = append(d.Figures, fl)
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
		return "", "", retrieval.Errorf(retrieval.EINVALID, "claim check: the section text is empty")
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
