package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
)

func TestWorkspacesCommands(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	env := map[string]string{"DRAFTD_DATA_DIR": dataDir, "DRAFTD_DEMO": "false"}
	run := func(stdin string, args ...string) (string, string, error) {
		m, out, errb := testMain(t, env)
		m.Stdin = strings.NewReader(stdin)
		err := m.Run(ctx, args)
		return out.String(), errb.String(), err
	}
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, errb, err := run(stdin, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errb)
		}
		return out
	}
	file := filepath.Join(t.TempDir(), "2024年上半年工作总结.txt")
	text, err := os.ReadFile("../../web/testdata/summary.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, text, 0o644); err != nil {
		t.Fatal(err)
	}

	must("", "workspaces", "add", "市政府办")
	if out := must("", "workspaces", "list"); !strings.Contains(out, "default") || !strings.Contains(out, "市政府办") {
		t.Fatalf("workspaces list = %q", out)
	}
	must("password123\n", "users", "add", "市办管理员", "--role", "admin", "--workspace", "市政府办")
	must("", "keys", "create", "--name", "市办加载项", "--role", "writer", "--workspace", "市政府办")
	must("", "ingest", "--workspace", "市政府办", "--collection", "公开报告", file)
	must("", "ingest", file) // the same file in the default workspace is another document
	must("", "collections", "share", "公开报告", "--workspace", "市政府办")
	if out := must("", "collections", "list"); !strings.Contains(out, "市政府办") || !strings.Contains(out, "shared") {
		t.Fatalf("collections list = %q", out)
	}
	if out := must("", "users", "list"); !strings.Contains(out, "市政府办") {
		t.Fatalf("users list = %q, want the user's workspace", out)
	}

	s, err := embedded.Open(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	city, def := retrieval.InWorkspace("市政府办"), retrieval.InWorkspace(retrieval.DefaultWorkspace)
	u, err := s.UserByName(ctx, "市办管理员")
	ks, kerr := s.Keys(ctx, city)
	own, derr := s.Documents(ctx, city, "")
	seen, serr := s.Documents(ctx, def, "")
	s.Close()
	if err != nil || u.Workspace != "市政府办" || kerr != nil || len(ks) != 1 {
		t.Fatalf("user %+v (%v), keys %+v (%v)", u, err, ks, kerr)
	}
	// The city's shared document is readable from the default workspace, beside its own copy.
	if derr != nil || len(own) != 1 || serr != nil || len(seen) != 2 {
		t.Fatalf("documents of the city: %+v (%v); seen from the default workspace: %+v (%v)", own, derr, seen, serr)
	}
	out := must("", "search", "--workspace", "市政府办", "--json", "健康扶贫")
	for _, d := range seen {
		if found := strings.Contains(out, `"document_id": "`+d.ID+`"`); found != (d.Workspace == "市政府办") {
			t.Errorf("the city's search finds document %s of %s: %v", d.ID, d.Workspace, found)
		}
	}

	t.Run("mistakes are named", func(t *testing.T) {
		tests := []struct {
			stdin string
			args  []string
			want  string
		}{
			{"", []string{"workspaces"}, "add"},
			{"", []string{"workspaces", "add", "市政府办"}, "already"},
			{"", []string{"workspaces", "add", "a b"}, "不能含空格"},
			{"", []string{"keys", "create", "--name", "x", "--role", "writer", "--workspace", "nope"}, "no workspace"},
			{"password123\n", []string{"users", "add", "新人", "--role", "writer", "--workspace", "nope"}, "no workspace"},
			{"", []string{"ingest", "--workspace", "nope", file}, "no workspace"},
			{"", []string{"collections", "share", "nope"}, "no collection"},
			{"", []string{"collections", "share"}, "collection's name"},
		}
		for _, tt := range tests {
			if _, _, err := run(tt.stdin, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v: err = %v, want mention of %q", tt.args, err, tt.want)
			}
		}
	})
}
