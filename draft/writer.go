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
	// Feedback lists problems with the previous attempt (unbound numbers, missing figures), empty on the first.
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
}

// Completer sends a chat request to a model and returns its whole answer.
// An answer that did not finish normally (cut off, or stopped for length) is an error.
type Completer func(ctx context.Context, req CompletionRequest) (Completion, error)

// prepare turns a Writer's answer into draft text: valid UTF-8, trimmed, full-width digits folded to
// half-width (house style, and the writer's own "3场" must match a model's "３场"), then figure
// tokens substituted. Unknown tokens are returned.
func prepare(answer string, byID map[string]Figure) (string, []string) {
	return substitute(foldDigits(strings.TrimSpace(strings.ToValidUTF8(answer, "\uFFFD"))), byID)
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
	var unknown []string
	var b strings.Builder
	last := 0
	for _, m := range tokenRE.FindAllStringSubmatchIndex(text, -1) {
		if m[0] < last {
			continue // inside a repeat already dropped
		}
		b.WriteString(text[last:m[0]])
		last = m[1]
		id := text[m[2]:m[3]]
		f, ok := byID[id]
		if !ok {
			unknown = append(unknown, id)
			b.WriteString(text[m[0]:m[1]])
			continue
		}
		b.WriteString(f.Text())
		last += repeatedUnit(f, text[m[1]:])
	}
	b.WriteString(text[last:])
	return b.String(), unknown
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
