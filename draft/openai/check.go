package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/prompts"
	"github.com/draftd/draftd/retrieval"
)

// ClaimChecker has a chat model check a drafted section's claims: it renders prompts.ClaimCheck,
// asks for one JSON object and keeps the findings whose words are the section's. Its Check method is
// a draft.ClaimChecker.
type ClaimChecker struct {
	Complete draft.Completer // usually (*Client).Complete
	Log      *slog.Logger    // one line per finding ignored; nil means slog.Default()
}

// maxReasonRunes caps a finding's reason: it is shown to reviewers as one sentence.
const maxReasonRunes = 200

// Check implements draft.ClaimChecker. The answer must hold one JSON object with a "claims" array
// (models wrap it in prose or a code fence; that is taken off); an item that is no object of string
// span, kind and reason, whose kind is not one of draft.CheckedKinds, or whose span is not the
// section's exact words (two characters at least) is ignored with a log line. A span the text holds
// more than once is found at each place: the same words make the same claim. Errors are Complete's
// (*retrieval.Error with code EUNAVAILABLE for a model that failed), or EUNAVAILABLE for an answer
// with no such object; the Usage is what the call spent either way.
func (c *ClaimChecker) Check(ctx context.Context, req draft.ClaimCheckRequest) ([]draft.CheckedClaim, draft.Usage, error) {
	if c.Complete == nil {
		return nil, draft.Usage{}, errors.New("openai: claim check: no Completer")
	}
	system, user, err := prompts.ClaimCheck(req)
	if err != nil {
		return nil, draft.Usage{}, fmt.Errorf("openai: claim check: %w", err)
	}
	out, err := c.Complete(ctx, draft.CompletionRequest{System: system, User: user, JSON: true})
	if err != nil {
		return nil, out.Usage, err
	}
	items, err := claimItems(out.Text)
	if err != nil {
		return nil, out.Usage, retrieval.Errorf(retrieval.EUNAVAILABLE, "核实说法：%v", err)
	}
	log := c.Log
	if log == nil {
		log = slog.Default()
	}
	var found []draft.CheckedClaim
	seen := map[string]bool{}
	for i, raw := range items {
		it, why := checkItem(raw, req.Text)
		if why != "" {
			log.Info("claim check: item ignored", "item", i, "why", why, "answer", truncate(string(raw), 200))
			continue
		}
		if key := it.Kind + "\x00" + it.Span; !seen[key] {
			seen[key] = true
			for at := 0; ; {
				k := strings.Index(req.Text[at:], it.Span)
				if k < 0 {
					break
				}
				found = append(found, draft.CheckedClaim{Start: at + k, End: at + k + len(it.Span), Kind: guard.ClaimKind(it.Kind), Reason: it.Reason})
				at += k + len(it.Span)
			}
		}
	}
	return found, out.Usage, nil
}

// claimItems returns the items of the "claims" array of the JSON object in a model's answer: the
// answer itself, or what lies from its first { to its last } when prose or a code fence surrounds it.
func claimItems(answer string) ([]json.RawMessage, error) {
	s := strings.TrimSpace(answer)
	i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}')
	if i < 0 || j < i {
		return nil, fmt.Errorf("the answer holds no JSON object: %q", truncate(s, 200))
	}
	var obj struct {
		Claims *[]json.RawMessage `json:"claims"`
	}
	if err := json.Unmarshal([]byte(s[i:j+1]), &obj); err != nil {
		return nil, fmt.Errorf("the answer's JSON does not parse (%v): %q", err, truncate(s, 200))
	}
	if obj.Claims == nil {
		return nil, fmt.Errorf("the answer's JSON object has no claims array: %q", truncate(s, 200))
	}
	return *obj.Claims, nil
}

// claimItem is one finding as the prompt asks for it.
type claimItem struct {
	Span   string `json:"span"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// checkItem decodes and validates one item against the section text; why says what is wrong with it.
func checkItem(raw json.RawMessage, text string) (it claimItem, why string) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return it, "not a JSON object"
	}
	for name, dst := range map[string]*string{"span": &it.Span, "kind": &it.Kind, "reason": &it.Reason} {
		v, ok := fields[name]
		if !ok {
			return it, "no " + name
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return it, name + " is not a string"
		}
	}
	it.Kind = strings.ToLower(strings.TrimSpace(it.Kind))
	it.Reason = truncate(strings.Join(strings.Fields(it.Reason), " "), maxReasonRunes)
	switch {
	case !slices.Contains(draft.CheckedKinds, guard.ClaimKind(it.Kind)):
		return it, fmt.Sprintf("unknown kind %q", it.Kind)
	case it.Reason == "":
		return it, "empty reason"
	case utf8.RuneCountInString(it.Span) < 2:
		return it, fmt.Sprintf("span %q is too short to say anything", it.Span)
	case !strings.Contains(text, it.Span):
		return it, fmt.Sprintf("span %q is not the section's exact words", it.Span)
	}
	return it, ""
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
