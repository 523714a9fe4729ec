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
const Version = "v1"

//go:embed *.tmpl
var files embed.FS

var templates = template.Must(template.New("").Option("missingkey=error").ParseFS(files, "*.tmpl"))

func init() {
	for _, name := range []string{"system.tmpl", "user.tmpl"} {
		if templates.Lookup(name) == nil {
			panic("prompts: missing template " + name)
		}
	}
}

// Section renders the system and user messages asking a model to write one section of a draft.
// The writer's notes and the retrieved passages are fenced as data and neutralised so that text in
// them can neither close a fence nor pose as a figure token. It fails only on a request with no
// heading or a template that cannot execute.
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
