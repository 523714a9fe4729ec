package main

import (
	"context"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval/embedded"
)

func TestUsersCommand(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	env := map[string]string{"DRAFTD_DATA_DIR": dataDir, "DRAFTD_DEMO": "false"}
	run := func(stdin string, args ...string) (string, string, error) {
		m, out, errb := testMain(t, env)
		m.Stdin = strings.NewReader(stdin)
		err := m.Run(ctx, args)
		return out.String(), errb.String(), err
	}
	const password = "审核员的密码123"
	out, errb, err := run(password+"\n", "users", "add", "审核员赵敏", "--role", "reviewer")
	if err != nil {
		t.Fatalf("add: %v\n%s", err, errb)
	}
	if strings.Contains(out+errb, password) {
		t.Fatalf("add printed the password: %q %q", out, errb)
	}
	check := func(want string) *auth.User {
		t.Helper()
		s, err := embedded.Open(ctx, dataDir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		u, err := s.UserByName(ctx, "审核员赵敏")
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != auth.RoleReviewer || !auth.CheckPassword(u, want) {
			t.Fatalf("user = %+v; the password %q does not match", u, want)
		}
		return u
	}
	check(password)

	out, _, err = run("", "users", "list")
	if err != nil || !strings.Contains(out, "审核员赵敏") || !strings.Contains(out, "reviewer") || strings.Contains(out, "$2a$") {
		t.Fatalf("list = %q, %v", out, err)
	}
	if _, errb, err := run("another-password\n", "users", "passwd", "审核员赵敏"); err != nil {
		t.Fatalf("passwd: %v\n%s", err, errb)
	}
	check("another-password")
	if _, _, err := run("", "users", "disable", "审核员赵敏"); err != nil {
		t.Fatal(err)
	}
	if u := check("another-password"); !u.Disabled() {
		t.Fatal("disable left the user enabled")
	}

	t.Run("mistakes are named", func(t *testing.T) {
		tests := []struct {
			stdin string
			args  []string
			want  string
		}{
			{"", []string{"users"}, "add"},
			{"", []string{"users", "remove", "x"}, "unknown subcommand"},
			{"password123\n", []string{"users", "add", "x", "--role", "boss"}, "writer、reviewer 或 admin"},
			{"password123\n", []string{"users", "add", "--role", "writer"}, "name"},
			{"short\n", []string{"users", "add", "新人", "--role", "writer"}, "至少需要 8 个字符"},
			{"", []string{"users", "add", "新人", "--role", "writer"}, "no password"},
			{"password123\n", []string{"users", "add", "审核员赵敏", "--role", "writer"}, "already"},
			{"", []string{"users", "disable", "无此人"}, "no user"},
		}
		for _, tt := range tests {
			if _, _, err := run(tt.stdin, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v: err = %v, want mention of %q", tt.args, err, tt.want)
			}
		}
	})
}
