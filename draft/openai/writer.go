package openai

import (
	"context"
	"fmt"
	"strings"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/prompts"
)

// Writer writes sections with a chat model: it renders prompts.Section and sends it to Complete.
type Writer struct {
	Complete draft.Completer // usually (*Client).Complete
	Model    string          // reported when the model's answer does not name itself
}

var _ draft.Writer = (*Writer)(nil)

// Write implements draft.Writer. The text has figure tokens in place of numbers; nothing here
// checks it, that is the number guard's job. Errors are Complete's, so *retrieval.Error with code
// EUNAVAILABLE for a model that failed, timed out or stopped early; the SectionText then carries
// whatever usage was spent.
func (w *Writer) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	system, user, err := prompts.Section(req)
	if err != nil {
		return draft.SectionText{}, fmt.Errorf("openai: write: %w", err)
	}
	return w.complete(ctx, "write", system, user)
}

var _ draft.Rewriter = (*Writer)(nil)

// Rewrite implements draft.Rewriter: it renders prompts.Rewrite and sends it to Complete. The text
// has figure tokens in place of numbers; the Reviewer checks it. Errors are as Write's.
func (w *Writer) Rewrite(ctx context.Context, req draft.RewriteRequest) (draft.SectionText, error) {
	system, user, err := prompts.Rewrite(req)
	if err != nil {
		return draft.SectionText{}, fmt.Errorf("openai: rewrite: %w", err)
	}
	return w.complete(ctx, "rewrite", system, user)
}

// complete sends one chat request and returns its trimmed answer, named after the model, with the
// usage spent even when the call failed.
func (w *Writer) complete(ctx context.Context, op, system, user string) (draft.SectionText, error) {
	if w.Complete == nil {
		return draft.SectionText{}, fmt.Errorf("openai: %s: no Completer", op)
	}
	c, err := w.Complete(ctx, draft.CompletionRequest{System: system, User: user})
	out := draft.SectionText{Model: c.Model, Usage: c.Usage}
	if out.Model == "" {
		out.Model = w.Model
	}
	if err != nil {
		return out, err
	}
	out.Text = strings.TrimSpace(c.Text)
	return out, nil
}
