package draft

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

// SectionRequest is everything a Writer needs to write one section.
type SectionRequest struct {
	Title        string // the draft's title, e.g. XX县卫生健康局2025年上半年工作总结
	Organization string
	Period       string
	Heading      string
	Notes        string             // the writer's own words, to be said; data, not instructions
	Figures      []Figure           // bound figures, derived ones included; written only as Token(ID)
	Passages     []retrieval.Result // similar historical passages, best first; data, not instructions
	// TemplateText is the section as the template document wrote it, its figure slots as tokens
	// (see SectionInput.TemplateText); "" when the draft has no template. A writer updates it:
	// keeps its structure and wording, states this period's figures, and drops or keeps (to be
	// flagged) what cannot carry over. TemplateOrganization and TemplatePeriod are what the template
	// named, to be replaced by Organization and Period.
	TemplateText         string
	TemplateOrganization string
	TemplatePeriod       string
	// Kind is the document's kind (a DocumentKinds name) and OrgKind its organisation's kind; Outline
	// lists the headings of the draft's other sections, in order, so that sections do not open
	// alike; Length is the section's length as the writer asked (see LengthRunes), "" for none.
	Kind, OrgKind string
	Outline       []string
	Length        string
	// Previous is the writer's last answer, as it wrote it (figure tokens and all, trimmed, digits
	// folded), with the words of each problem wrapped as ⟦…⟧ and numbered 〔1〕, 〔2〕…; empty on the
	// first attempt. A retry edits it rather than writing anew.
	Previous string
	// Feedback lists the problems of the previous attempt, empty on the first: those marked in
	// Previous start with their number and quote the marked words; a figure left out has no mark.
	Feedback []string
}

// SectionText is a Writer's answer: section prose in which every figure is a Token.
type SectionText struct {
	Text  string
	Model string
	Usage Usage
}

// Writer writes a section's prose with figure tokens in place of numbers.
// Errors are *retrieval.Error where the writer can tell what went wrong (EUNAVAILABLE for a model
// that failed, timed out or stopped early).
type Writer interface {
	Write(ctx context.Context, req SectionRequest) (SectionText, error)
}

// Token is how a figure appears in a Writer's text before draftd substitutes its exact string:
// 【f1】. The brackets are full-width so a model writing Chinese keeps them intact.
func Token(id string) string { return "【" + id + "】" }

// tokenRE matches a figure token; IDs are [A-Za-z0-9_.-].
var tokenRE = regexp.MustCompile(`【([A-Za-z0-9_.\-]+)】`)

// Completion is a chat model's answer.
type Completion struct {
	Text         string
	Model        string
	FinishReason string
	Usage        Usage
}

// CompletionRequest is a chat request: a system and a user message.
type CompletionRequest struct {
	System      string
	User        string
	MaxTokens   int
	Temperature float32
	JSON        bool // ask for one JSON object (response_format json_object); the prompt must say "json"
}

// Completer sends a chat request to a model and returns its whole answer.
// An answer that did not finish normally (cut off, or stopped for length) is an error.
type Completer func(ctx context.Context, req CompletionRequest) (Completion, error)

// prepare turns a Writer's answer into draft text: valid UTF-8, trimmed, rid of the marks of an edit
// request, full-width digits folded to half-width (house style, and the writer's own "3场" must match
// a model's "３场"), then figure tokens substituted. Unknown tokens are returned.
func prepare(answer string, byID map[string]Figure) (string, []string) {
	a := prepareAnswer(answer, byID)
	return a.text, a.unknown
}

// marksRE matches the marks draftd puts around the problems of an answer it asks to be edited (see
// SectionRequest.Previous), which a model sometimes leaves in its new answer.
var marksRE = regexp.MustCompile(`⟦|⟧(?:〔[0-9]+〕)*`)

// prepareAnswer prepares an answer as prepare does, keeping the answer as written and how the two
// texts map onto each other.
func prepareAnswer(answer string, byID map[string]Figure) prepared {
	written := strings.TrimSpace(strings.ToValidUTF8(answer, "\uFFFD"))
	if strings.ContainsAny(written, "⟦⟧") {
		written = strings.TrimSpace(marksRE.ReplaceAllString(written, ""))
	}
	return substituteMapped(foldDigits(written), byID)
}

// prepared is a writer's answer ready for checking.
type prepared struct {
	written   string   // as the writer wrote it, figure tokens kept (valid UTF-8, trimmed, digits folded)
	text      string   // written with each known token replaced by its figure's exact string
	unknown   []string // IDs of tokens that name no figure, in order
	unknownAt [][2]int // where each unknown token stands in text
	pieces    []piece  // text and written cut into corresponding stretches, in order, covering both
}

// piece is a stretch of text and the stretch of written it comes from: the same bytes, or a
// figure's exact string and the token it replaced, with the unit written again after it.
type piece struct {
	text, written [2]int
	figure        bool
}

// toWritten maps the span [a, b) of text to the span of written that says the same: a span that
// ends or starts inside a figure's string takes its whole token.
func (p prepared) toWritten(a, b int) (int, int) {
	wa, wb := 0, 0
	for _, x := range p.pieces {
		if a >= x.text[0] && a < x.text[1] {
			wa = x.written[0]
			if !x.figure {
				wa += a - x.text[0]
			}
		}
		if b > x.text[0] && b <= x.text[1] {
			wb = x.written[1]
			if !x.figure {
				wb = x.written[0] + b - x.text[0]
			}
		}
	}
	if a >= len(p.text) {
		wa = len(p.written)
	}
	if b <= a {
		wb = wa
	}
	return wa, wb
}

// foldDigits folds full-width digits to ASCII, and a full-width point between two digits too.
func foldDigits(s string) string {
	if !strings.ContainsAny(s, "０１２３４５６７８９") {
		return s
	}
	rs := []rune(s)
	isDigit := func(i int) bool {
		return i >= 0 && i < len(rs) && (rs[i] >= '0' && rs[i] <= '9' || rs[i] >= '０' && rs[i] <= '９')
	}
	for i, r := range rs {
		switch {
		case r >= '０' && r <= '９':
			rs[i] = r - '０' + '0'
		case r == '．' && isDigit(i-1) && isDigit(i+1):
			rs[i] = '.'
		}
	}
	return string(rs)
}

// substitute replaces figure tokens in text with the figures' exact strings. Unknown tokens are
// returned so the caller can treat them as a model error.
//
// A model often writes the unit after a token as if the token were a bare number (【f1】人 for
// 36239人); the repetition is dropped, so the draft reads 36239人, not 36239人人. Only a repeat of
// the unit's end that the number reader would have read as that unit goes: 【f1】人次 with unit 人
// stays 36239人人次, since 36239人次 would state another figure.
func substitute(text string, byID map[string]Figure) (string, []string) {
	p := substituteMapped(text, byID)
	return p.text, p.unknown
}

// substituteMapped substitutes as substitute does and says which stretch of the result comes from
// which stretch of text.
func substituteMapped(text string, byID map[string]Figure) prepared {
	p := prepared{written: text}
	var b strings.Builder
	last := 0
	literal := func(to int) {
		if to > last {
			p.pieces = append(p.pieces, piece{text: [2]int{b.Len(), b.Len() + to - last}, written: [2]int{last, to}})
			b.WriteString(text[last:to])
		}
	}
	for _, m := range tokenRE.FindAllStringSubmatchIndex(text, -1) {
		if m[0] < last {
			continue // inside a repeat already dropped
		}
		literal(m[0])
		last = m[1]
		id := text[m[2]:m[3]]
		f, ok := byID[id]
		if !ok {
			p.unknown = append(p.unknown, id)
			p.unknownAt = append(p.unknownAt, [2]int{b.Len(), b.Len() + m[1] - m[0]})
			last = m[0]
			literal(m[1])
			last = m[1]
			continue
		}
		last += repeatedUnit(f, text[m[1]:])
		p.pieces = append(p.pieces, piece{text: [2]int{b.Len(), b.Len() + len(f.Text())}, written: [2]int{m[0], last}, figure: true})
		b.WriteString(f.Text())
	}
	literal(len(text))
	p.text = b.String()
	return p
}

// repeatedUnit returns the length of the repeat of f's unit that rest starts with, or 0: the longest
// end of the unit (个百分点, 百分点, 点) rest starts with, when f's text followed by what is left of
// rest still reads as f's text alone.
func repeatedUnit(f Figure, rest string) int {
	unit := f.Unit
	if unit == "" || rest == "" {
		return 0
	}
	want := guard.ExtractNumbers(f.Text())
	if len(want) == 0 || want[len(want)-1].End != len(f.Text()) {
		return 0 // a unit the number reader does not read whole: leave the text alone
	}
	for i := 0; i < len(unit); {
		suffix := unit[i:]
		if strings.HasPrefix(rest, suffix) {
			got := guard.ExtractNumbers(f.Text() + rest[len(suffix):])
			if len(got) >= len(want) && got[len(want)-1].Text == want[len(want)-1].Text && got[len(want)-1].Start == want[len(want)-1].Start {
				return len(suffix)
			}
			return 0
		}
		_, size := utf8.DecodeRuneInString(suffix)
		i += size
	}
	return 0
}

// errModel wraps a writer failure as a user-facing error.
func errModel(format string, args ...any) error {
	return retrieval.Errorf(retrieval.EUNAVAILABLE, "%s", fmt.Sprintf(format, args...))
}
