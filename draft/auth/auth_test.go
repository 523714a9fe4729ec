package auth

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewKey(t *testing.T) {
	k, token, err := NewKey("  撰稿人小李 ", RoleWriter)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the token is dk_ and 32 random bytes in base64url", func(t *testing.T) {
		raw, ok := strings.CutPrefix(token, TokenPrefix)
		b, err := base64.RawURLEncoding.DecodeString(raw)
		if !ok || err != nil || len(b) != 32 {
			t.Fatalf("token %q: prefix %v, %d bytes, %v", token, ok, len(b), err)
		}
	})
	t.Run("the key keeps the token's hash and prefix, never the token", func(t *testing.T) {
		if !bytes.Equal(k.Hash, HashToken(token)) || len(k.Hash) != 32 || !strings.HasPrefix(token, k.Prefix) || len(k.Prefix) != 10 {
			t.Fatalf("hash %x, prefix %q for token %q", k.Hash, k.Prefix, token)
		}
		if k.Name != "撰稿人小李" || k.Role != RoleWriter || len(k.ID) != 12 || k.CreatedAt.IsZero() || k.Revoked() {
			t.Fatalf("key = %+v", k)
		}
	})
	t.Run("two keys share nothing", func(t *testing.T) {
		k2, token2, err := NewKey("撰稿人小李", RoleWriter)
		if err != nil {
			t.Fatal(err)
		}
		if token2 == token || k2.ID == k.ID || bytes.Equal(k2.Hash, k.Hash) {
			t.Fatalf("keys collide: %+v %+v", k, k2)
		}
	})
	t.Run("a key needs a name and a known role", func(t *testing.T) {
		if _, _, err := NewKey(" ", RoleAdmin); err == nil {
			t.Error("a blank name was accepted")
		}
		if _, _, err := NewKey("x", Role("boss")); err == nil {
			t.Error("an unknown role was accepted")
		}
	})
}

func TestParseRole(t *testing.T) {
	for _, s := range []string{"writer", "reviewer", "admin"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, err)
		}
	}
	for _, s := range []string{"", "Admin", "root"} {
		if _, err := ParseRole(s); err == nil {
			t.Errorf("ParseRole(%q) accepted", s)
		}
	}
}

func TestLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.8.9.10:80", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"LOCALHOST:0", true},
		{":8080", false},
		{"0.0.0.0:0", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
		{"draftd.example.gov.cn:443", false},
		{"127.0.0.1", false},
	}
	for _, tt := range tests {
		if got := Loopback(tt.addr); got != tt.want {
			t.Errorf("Loopback(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}
