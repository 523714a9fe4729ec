package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // substring; "" means valid
	}{
		{"defaults select the embedded store and the local embedder", nil, ""},
		{"a postgres URL is accepted", map[string]string{"DRAFTD_DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db"}, ""},
		{"a non-postgres URL names the variable", map[string]string{"DRAFTD_DATABASE_URL": "mysql://u:secret@h/db"}, "DRAFTD_DATABASE_URL"},
		{"an unknown embedder names the variable", map[string]string{"DRAFTD_EMBEDDER": "bert"}, "DRAFTD_EMBEDDER"},
		{"the openai embedder needs a model", map[string]string{"DRAFTD_EMBEDDER": "openai", "DRAFTD_EMBED_DIM": "1536"}, "DRAFTD_EMBED_MODEL"},
		{"the openai embedder needs a dimension", map[string]string{"DRAFTD_EMBEDDER": "openai", "DRAFTD_EMBED_MODEL": "m"}, "DRAFTD_EMBED_DIM"},
		{"a dimension that is not a number names the variable", map[string]string{"DRAFTD_EMBED_DIM": "lots"}, "DRAFTD_EMBED_DIM"},
		{"a section concurrency out of range names the variable", map[string]string{"DRAFTD_SECTION_CONCURRENCY": "0"}, "DRAFTD_SECTION_CONCURRENCY"},
		{"an address without a port names the variable", map[string]string{"DRAFTD_ADDR": "localhost"}, "DRAFTD_ADDR"},
		{"a port out of range names the variable", map[string]string{"DRAFTD_ADDR": "127.0.0.1:99999"}, "DRAFTD_ADDR"},
		{"a named port is not a port number", map[string]string{"DRAFTD_ADDR": "127.0.0.1:http"}, "DRAFTD_ADDR"},
		{"a dimension of zero is refused, not taken as the default", map[string]string{"DRAFTD_EMBED_DIM": "0"}, "DRAFTD_EMBED_DIM"},
		{"limits and add-in origins are accepted", map[string]string{"DRAFTD_RATE_PER_MIN": "0", "DRAFTD_TOKEN_BUDGET": "50000", "DRAFTD_CORS_ORIGINS": "https://localhost:3000, https://addin.example.gov.cn"}, ""},
		{"a negative rate names the variable", map[string]string{"DRAFTD_RATE_PER_MIN": "-1"}, "DRAFTD_RATE_PER_MIN"},
		{"a negative token budget names the variable", map[string]string{"DRAFTD_TOKEN_BUDGET": "-5"}, "DRAFTD_TOKEN_BUDGET"},
		{"a wildcard origin is refused", map[string]string{"DRAFTD_CORS_ORIGINS": "*"}, "DRAFTD_CORS_ORIGINS"},
		{"an origin with a path is refused", map[string]string{"DRAFTD_CORS_ORIGINS": "https://addin.example.gov.cn/"}, "DRAFTD_CORS_ORIGINS"},
		{"the claim check is off unless asked for", map[string]string{"DRAFTD_CLAIM_CHECK": "off"}, ""},
		{"the claim check can be turned on with a chat model", map[string]string{"DRAFTD_CLAIM_CHECK": "on", "DRAFTD_CHAT_MODEL": "qwen-plus"}, ""},
		{"a claim check that is neither on nor off names the variable", map[string]string{"DRAFTD_CLAIM_CHECK": "yes", "DRAFTD_CHAT_MODEL": "qwen-plus"}, "DRAFTD_CLAIM_CHECK"},
		{"a claim check without a chat model names both variables", map[string]string{"DRAFTD_CLAIM_CHECK": "on"}, "needs DRAFTD_CHAT_MODEL"},
		{"a draft size is accepted", map[string]string{"DRAFTD_MAX_SECTIONS": "120", "DRAFTD_MAX_FIGURES": "2000"}, ""},
		{"no sections a draft names the variable", map[string]string{"DRAFTD_MAX_SECTIONS": "0"}, "DRAFTD_MAX_SECTIONS"},
		{"sections past the largest bound name the variable", map[string]string{"DRAFTD_MAX_SECTIONS": "501"}, "DRAFTD_MAX_SECTIONS"},
		{"figures that are not a number name the variable", map[string]string{"DRAFTD_MAX_FIGURES": "many"}, "DRAFTD_MAX_FIGURES"},
		{"negative figures name the variable", map[string]string{"DRAFTD_MAX_FIGURES": "-1"}, "DRAFTD_MAX_FIGURES"},
		{"no days of drafting events kept names the variable", map[string]string{"DRAFTD_EVENTS_KEEP_DAYS": "0"}, "DRAFTD_EVENTS_KEEP_DAYS"},
		{"finished jobs kept for ever names the variable", map[string]string{"DRAFTD_JOBS_KEEP_DAYS": "100000"}, "DRAFTD_JOBS_KEEP_DAYS"},
		{"a bad base URL names the variable", map[string]string{"DRAFTD_EMBEDDER": "openai", "DRAFTD_EMBED_MODEL": "m", "DRAFTD_EMBED_DIM": "8", "OPENAI_BASE_URL": "ftp://x"}, "OPENAI_BASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(env(tt.env))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want mention of %s", err, tt.wantErr)
			}
		})
	}
	t.Run("the claim check is off by default and on when asked", func(t *testing.T) {
		c, _ := LoadConfig(env(nil))
		on, _ := LoadConfig(env(map[string]string{"DRAFTD_CLAIM_CHECK": "ON", "DRAFTD_CHAT_MODEL": "m"}))
		if c.ClaimCheck || !on.ClaimCheck {
			t.Errorf("default %v, on %v", c.ClaimCheck, on.ClaimCheck)
		}
	})
	t.Run("drafting events are kept 30 days and finished jobs 7 unless configured", func(t *testing.T) {
		c, _ := LoadConfig(env(nil))
		set, _ := LoadConfig(env(map[string]string{"DRAFTD_EVENTS_KEEP_DAYS": "90", "DRAFTD_JOBS_KEEP_DAYS": "2"}))
		day := 24 * time.Hour
		if c.EventsKeep != 30*day || c.JobsKeep != 7*day || set.EventsKeep != 90*day || set.JobsKeep != 2*day {
			t.Errorf("default %v/%v, set %v/%v", c.EventsKeep, c.JobsKeep, set.EventsKeep, set.JobsKeep)
		}
	})
	t.Run("a draft's size is the default unless configured", func(t *testing.T) {
		c, _ := LoadConfig(env(nil))
		set, _ := LoadConfig(env(map[string]string{"DRAFTD_MAX_SECTIONS": "8", "DRAFTD_MAX_FIGURES": "40"}))
		if c.Size() != (draft.Size{MaxSections: draft.DefaultMaxSections, MaxFigures: draft.DefaultMaxFigures}) || set.Size() != (draft.Size{MaxSections: 8, MaxFigures: 40}) {
			t.Errorf("default %+v, configured %+v", c.Size(), set.Size())
		}
	})
	t.Run("every bad variable is named at once", func(t *testing.T) {
		_, err := LoadConfig(env(map[string]string{"DRAFTD_MAX_SECTIONS": "0", "DRAFTD_MAX_FIGURES": "0", "DRAFTD_RATE_BURST": "0"}))
		for _, name := range []string{"DRAFTD_MAX_SECTIONS", "DRAFTD_MAX_FIGURES", "DRAFTD_RATE_BURST"} {
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("err = %v, want mention of %s", err, name)
			}
		}
	})
	t.Run("a password in a bad database URL is not echoed", func(t *testing.T) {
		_, err := LoadConfig(env(map[string]string{"DRAFTD_DATABASE_URL": "mysql://u:secret@h/db"}))
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Fatalf("err = %v", err)
		}
	})
}

// sizedFigures is figures JSON of sections sections with perSection figures each.
func sizedFigures(sections, perSection int) string {
	var b strings.Builder
	b.WriteString(`{"title":"松林镇2025年上半年工作总结","sections":[`)
	for s := range sections {
		if s > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"heading":"第%d部分","figures":[`, s+1)
		for r := range perSection {
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

// TestConfiguredDraftSize checks that DRAFTD_MAX_SECTIONS and DRAFTD_MAX_FIGURES bound the drafts
// the API and the draft command accept: above them 413 with the code and a Chinese message that
// names the bound, at them a draft; and that a bound above the default lets a larger draft in.
func TestConfiguredDraftSize(t *testing.T) {
	m, _, stderr := testMain(t, map[string]string{"DRAFTD_MAX_SECTIONS": "3", "DRAFTD_MAX_FIGURES": "4", "DRAFTD_DEMO": "false"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve exited: %v\n%s", err, stderr)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	tests := []struct {
		name              string
		sections, figures int
		status            int
		code, message     string
	}{
		{"a section past the configured bound is 413", 4, 1, http.StatusRequestEntityTooLarge, draft.ETOOMANYSECTIONS, "一份稿件最多 3 个部分，收到 4 个"},
		{"a figure past the configured bound is 413", 1, 5, http.StatusRequestEntityTooLarge, draft.ETOOMANYFIGURES, "一份稿件最多 4 项数据，收到 5 项"},
		{"a draft at the configured bounds is drafted", 2, 2, http.StatusOK, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post("http://"+addr+"/api/v1/drafts?wait=true", "application/json", strings.NewReader(sizedFigures(tt.sections, tt.figures)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Status string `json:"status"`
				Error  struct{ Code, Message string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || body.Error.Code != tt.code || !strings.Contains(body.Error.Message, tt.message) {
				t.Fatalf("status %d, error %+v; want %d %s saying %q", resp.StatusCode, body.Error, tt.status, tt.code, tt.message)
			}
			if tt.status == http.StatusOK && body.Status != string(draft.StatusReady) {
				t.Fatalf("the draft is %s", body.Status)
			}
		})
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}

	t.Run("the draft command keeps to the configured bound", func(t *testing.T) {
		figures := filepath.Join(t.TempDir(), "figures.json")
		os.WriteFile(figures, []byte(sizedFigures(4, 1)), 0o644)
		m, _, _ := testMain(t, map[string]string{"DRAFTD_MAX_SECTIONS": "3", "DRAFTD_DEMO": "false"})
		err := m.Run(context.Background(), []string{"draft", "--figures", figures})
		if retrieval.ErrorCode(err) != draft.ETOOMANYSECTIONS {
			t.Fatalf("err = %v, want %s", err, draft.ETOOMANYSECTIONS)
		}
	})
	t.Run("a bound above the default lets a longer draft in", func(t *testing.T) {
		figures := filepath.Join(t.TempDir(), "figures.json")
		os.WriteFile(figures, []byte(sizedFigures(draft.DefaultMaxSections+1, 1)), 0o644)
		m, out, errb := testMain(t, map[string]string{"DRAFTD_MAX_SECTIONS": "60", "DRAFTD_DEMO": "false"})
		if err := m.Run(context.Background(), []string{"draft", "--figures", figures}); err != nil {
			t.Fatalf("%v\n%s", err, errb)
		}
		var d draft.Draft
		if err := json.Unmarshal(out.Bytes(), &d); err != nil || len(d.Sections) != draft.DefaultMaxSections+1 {
			t.Fatalf("%v: %d sections", err, len(d.Sections))
		}
	})
}
