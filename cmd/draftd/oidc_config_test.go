package main

import (
	"strings"
	"testing"
)

func TestOIDCConfig(t *testing.T) {
	good := map[string]string{
		"DRAFTD_OIDC_ISSUER": "https://sso.example.gov.cn/realms/city", "DRAFTD_OIDC_CLIENT_ID": "draftd",
		"DRAFTD_OIDC_CLIENT_SECRET": "s3cret", "DRAFTD_OIDC_REDIRECT_URL": "https://draftd.example.gov.cn/api/v1/oidc/callback",
		"DRAFTD_OIDC_ROLE_CLAIM": "groups",
	}
	with := func(changes map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := changes[k]; ok {
				return v
			}
			return good[k]
		}
	}
	tests := []struct {
		name    string
		changes map[string]string
		want    []string // each named in the error; none: valid
	}{
		{"a complete configuration is valid", nil, nil},
		{"a default role instead of a claim is valid", map[string]string{"DRAFTD_OIDC_ROLE_CLAIM": "", "DRAFTD_OIDC_DEFAULT_ROLE": "writer"}, nil},
		{"an http issuer on loopback is valid, for a provider on this machine", map[string]string{"DRAFTD_OIDC_ISSUER": "http://127.0.0.1:8180/realms/x"}, nil},
		{"no OpenID Connect at all is valid", map[string]string{"DRAFTD_OIDC_ISSUER": "", "DRAFTD_OIDC_CLIENT_ID": "", "DRAFTD_OIDC_CLIENT_SECRET": "",
			"DRAFTD_OIDC_REDIRECT_URL": "", "DRAFTD_OIDC_ROLE_CLAIM": ""}, nil},
		{"every missing or bad setting is named at once", map[string]string{"DRAFTD_OIDC_ISSUER": "http://sso.example.gov.cn", "DRAFTD_OIDC_CLIENT_ID": "",
			"DRAFTD_OIDC_CLIENT_SECRET": "", "DRAFTD_OIDC_REDIRECT_URL": "https://draftd.example.gov.cn/", "DRAFTD_OIDC_DEFAULT_ROLE": "boss"},
			[]string{"DRAFTD_OIDC_ISSUER", "DRAFTD_OIDC_CLIENT_ID", "DRAFTD_OIDC_CLIENT_SECRET", "DRAFTD_OIDC_REDIRECT_URL", "DRAFTD_OIDC_DEFAULT_ROLE"}},
		{"neither a role claim nor a default role is refused", map[string]string{"DRAFTD_OIDC_ROLE_CLAIM": ""}, []string{"DRAFTD_OIDC_ROLE_CLAIM or DRAFTD_OIDC_DEFAULT_ROLE"}},
		{"settings without an issuer are refused", map[string]string{"DRAFTD_OIDC_ISSUER": ""}, []string{"DRAFTD_OIDC_CLIENT_ID is set but DRAFTD_OIDC_ISSUER is not"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(with(tt.changes))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not name %s:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the client secret: %v", err)
			}
		})
	}
	t.Run("help lists the variables", func(t *testing.T) {
		for _, v := range []string{"DRAFTD_OIDC_ISSUER", "DRAFTD_OIDC_CLIENT_ID", "DRAFTD_OIDC_CLIENT_SECRET", "DRAFTD_OIDC_REDIRECT_URL", "DRAFTD_OIDC_ROLE_CLAIM", "DRAFTD_OIDC_DEFAULT_ROLE", "draftd users"} {
			if !strings.Contains(usage, v) {
				t.Errorf("help does not mention %s", v)
			}
		}
	})
}
