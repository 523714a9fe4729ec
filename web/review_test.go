package web

import (
	"fmt"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

func TestReviewConflicts(t *testing.T) {
	env := newAuthServer(t, true, nil)
	writer, reviewer := env.tokens[auth.RoleWriter], env.tokens[auth.RoleReviewer]
	d := env.send(t, "POST", "/api/v1/drafts?wait=true", writer, figuresJSON)
	if d.status != 200 {
		t.Fatalf("draft: %d %v", d.status, d.body)
	}
	id := d.body["id"].(string)
	sid := sentenceOf(t, d.body, draft.RiskLow)
	version := func() int {
		got, err := env.store.Draft(t.Context(), retrieval.Scope{}, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range got.Sections {
			for _, x := range s.Sentences {
				if x.ID == sid {
					return x.Version
				}
			}
		}
		t.Fatalf("no sentence %s", sid)
		return 0
	}
	review := func(body string) reply {
		return env.send(t, "POST", "/api/v1/drafts/"+id+"/sentences/"+sid+"/review", reviewer, body)
	}
	seen := version()
	t.Run("a decision on the version served is applied", func(t *testing.T) {
		if r := review(fmt.Sprintf(`{"decision":"edit","text":"全县享受健康扶贫政策36239人。","version":%d}`, seen)); r.status != 200 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	t.Run("a decision on a version another reviewer changed since is 409 stale_sentence", func(t *testing.T) {
		r := review(fmt.Sprintf(`{"decision":"approve","version":%d}`, seen))
		if r.status != 409 || r.code() != draft.ESTALE {
			t.Fatalf("status %d %v, want 409 %s", r.status, r.body, draft.ESTALE)
		}
		got, _ := env.store.Draft(t.Context(), retrieval.Scope{}, id)
		if len(got.Audit) != 1 || got.Audit[0].Decision != draft.DecisionEdited {
			t.Errorf("audit after the stale decision = %+v, want only the edit", got.Audit)
		}
	})
	t.Run("a decision without a version decides on the sentence as stored", func(t *testing.T) {
		if r := review(`{"decision":"approve"}`); r.status != 200 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	t.Run("a review while the draft is generating is 409 draft_generating and leaves it generating", func(t *testing.T) {
		if err := env.store.SetStatus(t.Context(), id, draft.StatusGenerating, draft.Usage{}); err != nil {
			t.Fatal(err)
		}
		r := review(`{"decision":"reject"}`)
		if r.status != 409 || r.code() != draft.EGENERATING {
			t.Fatalf("status %d %v, want 409 %s", r.status, r.body, draft.EGENERATING)
		}
		if got, _ := env.store.Draft(t.Context(), retrieval.Scope{}, id); got.Status != draft.StatusGenerating {
			t.Errorf("status after the refused review = %s, want generating", got.Status)
		}
	})
}
