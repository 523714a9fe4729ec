package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServe runs serve with m in the background and returns its address; serve stops when the test ends.
func startServe(t *testing.T, m *Main, stderr *bytes.Buffer) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return addr
	case err := <-done:
		done <- err
		t.Fatalf("serve exited: %v\n%s", err, stderr)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

// status returns the status of GET url with token as the bearer ("" for none).
func status(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestKeysCommand(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	env := map[string]string{"DRAFTD_DATA_DIR": dataDir, "DRAFTD_DEMO": "false"}
	run := func(args ...string) (string, string, error) {
		m, out, errb := testMain(t, env)
		err := m.Run(ctx, args)
		return out.String(), errb.String(), err
	}

	out, errb, err := run("keys", "create", "--name", "审核人王科长", "--role", "reviewer")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, errb)
	}
	token := strings.TrimSpace(out)
	if !strings.HasPrefix(token, "dk_") || len(token) != len("dk_")+43 || strings.Contains(token, "\n") {
		t.Fatalf("create printed %q, want one dk_ token of 32 base64url bytes", out)
	}
	if !strings.Contains(errb, "only this once") {
		t.Errorf("create did not warn that the token is shown once: %s", errb)
	}

	out, _, err = run("keys", "list")
	if err != nil {
		t.Fatal(err)
	}
	// A row is ID, workspace, name, role, token prefix, created (date and time), last used and revoked (each a
	// date and time, or -).
	row := func(out string) []string {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 {
			t.Fatalf("list = %q, want a header and one key", out)
		}
		return strings.Fields(lines[1])
	}
	f := row(out)
	if len(f) != 9 || f[1] != "default" || f[2] != "审核人王科长" || f[3] != "reviewer" || f[4] != token[:10]+"…" || f[7] != "-" || f[8] != "-" || strings.Contains(out, token) {
		t.Fatalf("list = %q; want the unused key with its workspace, name, role and token prefix, never the token", out)
	}
	id := f[0]

	m, _, serveErr := testMain(t, env)
	api := "http://" + startServe(t, m, serveErr) + "/api/v1/drafts"
	t.Run("serve says it requires keys", func(t *testing.T) {
		if !strings.Contains(serveErr.String(), "API keys required") {
			t.Errorf("serve log: %s", serveErr)
		}
	})
	t.Run("the printed token authenticates", func(t *testing.T) {
		if st := status(t, api, token); st != 200 {
			t.Fatalf("status %d", st)
		}
		if st := status(t, api, ""); st != 401 {
			t.Fatalf("without a token: status %d", st)
		}
	})
	t.Run("list shows when the key was last used", func(t *testing.T) {
		out, _, _ := run("keys", "list")
		if f := row(out); len(f) != 10 || f[9] != "-" {
			t.Fatalf("list after use = %q, want a last-used time and no revocation", out)
		}
	})
	t.Run("a revoked key is refused at once", func(t *testing.T) {
		if _, errb, err := run("keys", "revoke", id); err != nil {
			t.Fatalf("revoke: %v\n%s", err, errb)
		}
		if st := status(t, api, token); st != 401 {
			t.Fatalf("status %d after revoke", st)
		}
		out, _, _ := run("keys", "list")
		if f := row(out); len(f) != 11 {
			t.Fatalf("list after revoke = %q, want a revocation time", out)
		}
	})
	t.Run("mistakes are explained", func(t *testing.T) {
		tests := []struct {
			args []string
			want string
		}{
			{[]string{"keys"}, "create"},
			{[]string{"keys", "rotate"}, "unknown subcommand"},
			{[]string{"keys", "create", "--name", "x", "--role", "boss"}, "writer、reviewer 或 admin"},
			{[]string{"keys", "create", "--role", "writer"}, "--name"},
			{[]string{"keys", "revoke"}, "key ID"},
			{[]string{"keys", "revoke", "nope"}, "no key"},
		}
		for _, tt := range tests {
			if _, _, err := run(tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v: err = %v, want mention of %q", tt.args, err, tt.want)
			}
		}
	})
}

func TestServeWithoutKeys(t *testing.T) {
	t.Run("serve refuses a non-loopback address and names draftd keys create", func(t *testing.T) {
		m, _, _ := testMain(t, map[string]string{"DRAFTD_ADDR": "0.0.0.0:0", "DRAFTD_DEMO": "false"})
		err := m.Run(context.Background(), []string{"serve"})
		if err == nil || !strings.Contains(err.Error(), "draftd keys create") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("serve on loopback says it is single-user and needs no token", func(t *testing.T) {
		m, _, stderr := testMain(t, map[string]string{"DRAFTD_DEMO": "false"})
		addr := startServe(t, m, stderr)
		if !strings.Contains(stderr.String(), "no API keys: single-user mode on loopback") {
			t.Errorf("serve log: %s", stderr)
		}
		if st := status(t, "http://"+addr+"/api/v1/drafts", ""); st != 200 {
			t.Fatalf("status %d", st)
		}
	})
}
