package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft/openai/openaitest"
)

func TestDraftClaimCheck(t *testing.T) {
	figures := filepath.Join(t.TempDir(), "figures.json")
	os.WriteFile(figures, []byte(`{"title":"松溪县卫生健康局2025年上半年工作总结","organization":"松溪县卫生健康局","period":"2025年上半年",
"sections":[{"heading":"公共卫生","figures":[{"id":"f1","label":"家庭医生签约服务覆盖率","value":"71.2","unit":"%"}]}]}`), 0o644)
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		checks int // claim checks the model is asked for
	}{
		{"with DRAFTD_CLAIM_CHECK unset no check is asked for", nil, nil, 0},
		{"with DRAFTD_CLAIM_CHECK=on each section is checked once", map[string]string{"DRAFTD_CLAIM_CHECK": "on"}, nil, 1},
		{"--claim-check on overrides DRAFTD_CLAIM_CHECK=off", map[string]string{"DRAFTD_CLAIM_CHECK": "off"}, []string{"--claim-check", "on"}, 1},
		{"--claim-check off overrides DRAFTD_CLAIM_CHECK=on", map[string]string{"DRAFTD_CLAIM_CHECK": "on"}, []string{"--claim-check", "off"}, 0},
		{"an offline draft asks the model nothing", map[string]string{"DRAFTD_CLAIM_CHECK": "on"}, []string{"--model", "offline"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			env := map[string]string{"DRAFTD_CHAT_MODEL": "fake-model", "OPENAI_BASE_URL": srv.URL()}
			for k, v := range tt.env {
				env[k] = v
			}
			m, _, errb := testMain(t, env)
			args := append([]string{"draft", "--figures", figures}, tt.args...)
			if err := m.Run(context.Background(), args); err != nil {
				t.Fatalf("%v\n%s", err, errb)
			}
			checks := 0
			for _, r := range srv.Requests() {
				if r.ResponseFormat != "" {
					checks++
				}
			}
			if checks != tt.checks {
				t.Errorf("%d claim checks, want %d", checks, tt.checks)
			}
		})
	}
	t.Run("--claim-check takes on or off only, and on needs a chat model", func(t *testing.T) {
		m, _, _ := testMain(t, nil)
		if err := m.Run(context.Background(), []string{"draft", "--figures", figures, "--claim-check", "maybe"}); err == nil || !strings.Contains(err.Error(), "claim-check") {
			t.Errorf("err = %v", err)
		}
		m, _, _ = testMain(t, nil)
		if err := m.Run(context.Background(), []string{"draft", "--figures", figures, "--claim-check", "on"}); err == nil || !strings.Contains(err.Error(), "DRAFTD_CHAT_MODEL") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("draft -h lists --claim-check", func(t *testing.T) {
		m, _, errb := testMain(t, nil)
		m.Run(context.Background(), []string{"draft", "-h"})
		if !bytes.Contains(errb.Bytes(), []byte("-claim-check")) || !bytes.Contains(errb.Bytes(), []byte("DRAFTD_CLAIM_CHECK")) {
			t.Errorf("help:\n%s", errb)
		}
	})
}
