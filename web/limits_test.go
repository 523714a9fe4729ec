package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/retrieval"
)

// replica returns another server on env's store, as a second draftd replica on one database is:
// its own gate (limiters, budget counts), the same store, the same clock.
func replica(t *testing.T, env *authEnv) *authEnv {
	t.Helper()
	s := &Server{Store: env.s.Store, Workspaces: env.s.Workspaces, Searcher: env.s.Searcher, Ingester: env.s.Ingester,
		Logger: env.s.Logger, MaxUploadBytes: env.s.MaxUploadBytes, DraftStore: env.s.DraftStore, Drafter: env.s.Drafter,
		Writers: env.s.Writers, DefaultModel: env.s.DefaultModel, Reviewer: env.s.Reviewer, Keys: env.s.Keys,
		Idempotency: env.s.Idempotency, Limits: env.s.Limits}
	other := *env
	other.s = s
	other.handler = s.Handler()
	s.gate.now = env.clock.now
	other.srv = httptest.NewServer(other.handler)
	t.Cleanup(other.srv.Close)
	return &other
}

func TestLimitsSharedByReplicas(t *testing.T) {
	t.Run("two replicas give one key's burst once", func(t *testing.T) {
		env := newAuthServer(t, true, func(s *Server) {
			s.Limits = Limits{RatePerMin: 60, Burst: 10, Shared: s.Keys.(SharedLimits)}
		})
		other := replica(t, env)
		writer := env.tokens[auth.RoleWriter]
		given := 0
		for i := range 30 {
			e := env
			if i%2 == 1 {
				e = other
			}
			switch r := e.send(t, "GET", "/api/v1/config", writer, ""); r.status {
			case 200:
				given++
			case 429:
				if r.code() != ERATELIMITED {
					t.Fatalf("429 with code %q", r.code())
				}
			default:
				t.Fatalf("status %d %v", r.status, r.body)
			}
		}
		t.Logf("burst of 10 over two replicas: %d requests given of 30", given)
		if given != 10 {
			t.Fatalf("%d requests given over two replicas, want the burst of 10 (each replica counting alone gives 20)", given)
		}
		env.clock.advance(time.Second)
		if r := other.send(t, "GET", "/api/v1/config", writer, ""); r.status != 200 {
			t.Fatalf("a second later: status %d, want the bucket refilled", r.status)
		}
	})
	t.Run("the day's spending is one for every replica and survives a restart", func(t *testing.T) {
		env := newAuthServer(t, true, func(s *Server) {
			s.Limits = Limits{TokenBudget: 250, Shared: s.Keys.(SharedLimits)}
			s.Writers["chat"] = usageWriter{tokens: 100}
			s.DefaultModel = "chat"
		})
		other := replica(t, env)
		writer := env.tokens[auth.RoleWriter]
		if r := env.send(t, "POST", "/api/v1/drafts?wait=true", writer, figuresJSON); r.status != 200 || r.body["status"] != "ready" {
			t.Fatalf("first draft on replica A: %d %v", r.status, r.body)
		}
		scope, now := principalScope(t, env, writer), env.clock.now()
		spent, err := env.s.Limits.Shared.SpentTokens(t.Context(), scope, day(now), now)
		if err != nil || spent != 200 {
			t.Fatalf("spent after replica A's draft = %d, %v; want its two calls of 100", spent, err)
		}
		// 200 of 250 spent, as replica B sees: its draft starts, and spends.
		if r := other.send(t, "POST", "/api/v1/drafts?wait=true", writer, figuresJSON); r.status != 200 {
			t.Fatalf("second draft on replica B: %d %v", r.status, r.body)
		}
		for name, e := range map[string]*authEnv{"replica A": env, "replica B": other, "a restarted replica": replica(t, env)} {
			if r := e.send(t, "POST", "/api/v1/drafts", writer, figuresJSON); r.status != 429 || r.code() != EBUDGETEXCEEDED {
				t.Errorf("%s: a draft after the budget is spent: %d %v, want 429 %s", name, r.status, r.body, EBUDGETEXCEEDED)
			}
		}
	})
	t.Run("each model call holds tokens first, so a replica cannot spend what another's call holds", func(t *testing.T) {
		env := newAuthServer(t, true, func(s *Server) {
			s.Limits = Limits{TokenBudget: 250, HoldPerCall: 200, Shared: s.Keys.(SharedLimits)}
		})
		other := replica(t, env)
		scope := principalScope(t, env, env.tokens[auth.RoleWriter])
		started, release := make(chan struct{}), make(chan struct{})
		slow := &blockingWriter{tokens: 100, started: started, release: release}
		wA, _ := env.s.meterJob(scope, "chat", slow, nil)
		fast := &blockingWriter{tokens: 100}
		wB, _ := other.s.meterJob(scope, "chat", fast, nil)
		done := make(chan error, 1)
		go func() { _, err := wA.Write(t.Context(), draft.SectionRequest{}); done <- err }()
		<-started // replica A's call holds 200 of 250
		if _, err := wB.Write(t.Context(), draft.SectionRequest{}); err != nil {
			t.Fatalf("replica B's first call, with 50 left to hold: %v", err)
		}
		// 200 held by A and 100 spent by B: nothing left.
		if _, err := wB.Write(t.Context(), draft.SectionRequest{}); retrieval.ErrorCode(err) != EBUDGETEXCEEDED {
			t.Fatalf("replica B's second call = %v, want %s", err, EBUDGETEXCEEDED)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if fast.calls != 1 {
			t.Errorf("replica B made %d model calls, want 1: a call the budget cannot cover is not made", fast.calls)
		}
		now := env.clock.now()
		if spent, err := env.s.Limits.Shared.SpentTokens(t.Context(), scope, day(now), now); err != nil || spent != 200 {
			t.Errorf("spent = %d, %v; want 200, the holds settled with what the calls used", spent, err)
		}
	})
}

// blockingWriter reports tokens like a chat model; with started set it signals it has been called
// and waits for release.
type blockingWriter struct {
	offline.Writer
	tokens           int
	started, release chan struct{}
	calls            int
}

func (w *blockingWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	w.calls++
	if w.started != nil {
		close(w.started)
		<-w.release
	}
	return draft.SectionText{Usage: draft.Usage{PromptTokens: w.tokens}}, nil
}

// principalScope returns the budget scope of the key token: its ID.
func principalScope(t *testing.T, env *authEnv, token string) string {
	t.Helper()
	k, err := env.store.KeyByHash(t.Context(), auth.HashToken(token))
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

func TestDraftSizeIsBounded(t *testing.T) {
	env := newAuthServer(t, true, nil)
	writer := env.tokens[auth.RoleWriter]
	body := func(sections, figures int) string {
		var b strings.Builder
		b.WriteString(`{"title":"松林镇2025年上半年工作总结","sections":[`)
		for s := range sections {
			if s > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"heading":"第%d部分","figures":[`, s+1)
			for r := range figures {
				if r > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"id":"s%df%d","label":"完成项目","value":"3","unit":"个"}`, s, r)
			}
			b.WriteString("]}")
		}
		b.WriteString("]}")
		return b.String()
	}
	tests := []struct {
		name              string
		sections, figures int
		code              string
	}{
		{"1,000 sections are 413", 1000, 0, draft.ETOOMANYSECTIONS},
		{"a thousand figures are 413", 2, 500, draft.ETOOMANYFIGURES},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.send(t, "POST", "/api/v1/drafts", writer, body(tt.sections, tt.figures))
			if r.status != 413 || r.code() != tt.code {
				t.Fatalf("status %d %v, want 413 %s", r.status, r.body, tt.code)
			}
			if msg, _ := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "一份稿件最多") {
				t.Errorf("message %q says nothing of the bound", msg)
			}
		})
	}
}
