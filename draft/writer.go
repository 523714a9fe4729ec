package draft

import (
	"context"
	"fmt"
	"regexp"

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

// substitute replaces figure tokens in text with the figures' exact strings. Unknown tokens are
// returned so the caller can treat them as a model error.
func substitute(text string, byID map[string]Figure) (string, []string) {
	var unknown []string
	out := tokenRE.ReplaceAllStringFunc(text, func(tok string) string {
		id := tokenRE.FindStringSubmatch(tok)[1]
		f, ok := byID[id]
		if !ok {
			unknown = append(unknown, id)
			return tok
		}
		return f.Text()
	})
	return out, unknown
}

// errModel wraps a writer failure as a user-facing error.
func errModel(format string, args ...any) error {
	return retrieval.Errorf(retrieval.EUNAVAILABLE, "%s", fmt.Sprintf(format, args...))
}
