package main

import (
	"strings"
	"testing"
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
	t.Run("a password in a bad database URL is not echoed", func(t *testing.T) {
		_, err := LoadConfig(env(map[string]string{"DRAFTD_DATABASE_URL": "mysql://u:secret@h/db"}))
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Fatalf("err = %v", err)
		}
	})
}
