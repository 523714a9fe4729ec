package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// identityExamples are the exchanges of TestOpenAPIExamples, against the server at base, for
// signing in and for the users and keys admins manage. They come last: the first key they create
// turns single-user mode off. Their headers are maps filled in as the tokens become known.
func identityExamples(base string) []exchange {
	var keyID, userID string
	admin := map[string]string{}
	cookie, cookieCSRF := map[string]string{}, map[string]string{}
	signIn := func(t *testing.T, body []byte) {
		// The answer's cookie is not handed to then: sign in once more, the same way, to hold one.
		resp, err := http.Post(base+"/api/v1/session", "application/json", strings.NewReader(`{"name":"审核员赵敏","password":"新的密码12345"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s sessionInfo
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || s.CSRFToken == "" || len(resp.Cookies()) != 1 {
			t.Fatalf("sign in: %d %+v %v", resp.StatusCode, s, err)
		}
		c := resp.Cookies()[0]
		cookie["Cookie"] = c.Name + "=" + c.Value
		cookieCSRF["Cookie"], cookieCSRF[headerCSRFToken] = c.Name+"="+c.Value, s.CSRFToken
	}
	return []exchange{
		{name: "the single user is told who they are", method: "GET", path: at("/api/v1/session"), wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				var s sessionInfo
				if json.Unmarshal(body, &s); s.Method != "local" || s.Role != "admin" {
					t.Fatalf("session = %+v", s)
				}
			}},
		{name: "a server without users lists none", method: "GET", path: at("/api/v1/users"), wantStatus: 200},
		{name: "the single user creates an admin key, shown once", method: "POST", path: at("/api/v1/keys"), contentType: "application/json",
			body: []byte(`{"name":"办公室管理员","role":"admin"}`), wantStatus: 201, then: func(t *testing.T, body []byte) {
				var k createdKey
				json.Unmarshal(body, &k)
				admin["Authorization"] = "Bearer " + k.Token
			}},
		{name: "which turns single-user mode off", method: "GET", path: at("/api/v1/keys"), wantStatus: 401, wantCode: "unauthorized"},
		{name: "the admin creates a second key", method: "POST", path: at("/api/v1/keys"), header: admin, contentType: "application/json",
			body: []byte(`{"name":"WPS 加载项","role":"writer"}`), wantStatus: 201},
		{name: "the admin lists keys, never their tokens", method: "GET", path: at("/api/v1/keys"), header: admin, wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				var keys []map[string]any
				json.Unmarshal(body, &keys)
				if len(keys) != 2 || keys[1]["token"] != nil {
					t.Fatalf("keys = %v", keys)
				}
				keyID = keys[1]["id"].(string)
			}},
		{name: "a key with an unknown role is refused by both", method: "POST", path: at("/api/v1/keys"), header: admin, contentType: "application/json",
			body: []byte(`{"name":"x","role":"boss"}`), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "the admin revokes a key", method: "DELETE", path: func() string { return "/api/v1/keys/" + keyID }, header: admin, wantStatus: 204},
		{name: "an unknown key is not found", method: "DELETE", path: at("/api/v1/keys/nope"), header: admin, wantStatus: 404, wantCode: "not_found"},
		{name: "the admin adds a reviewer", method: "POST", path: at("/api/v1/users"), header: admin, contentType: "application/json",
			body: []byte(`{"name":"审核员赵敏","role":"reviewer","password":"正确的密码abc"}`), wantStatus: 201, then: func(t *testing.T, body []byte) {
				var u map[string]any
				json.Unmarshal(body, &u)
				userID, _ = u["id"].(string)
			}},
		{name: "a second user of the same name conflicts", method: "POST", path: at("/api/v1/users"), header: admin, contentType: "application/json",
			body: []byte(`{"name":"审核员赵敏","role":"writer","password":"另一个密码abc"}`), wantStatus: 409, wantCode: "conflict"},
		{name: "the admin lists users", method: "GET", path: at("/api/v1/users"), header: admin, wantStatus: 200},
		{name: "the admin resets the reviewer's password", method: "PATCH", path: func() string { return "/api/v1/users/" + userID }, header: admin,
			contentType: "application/json", body: []byte(`{"password":"新的密码12345"}`), wantStatus: 200},
		{name: "the old password is refused", method: "POST", path: at("/api/v1/session"), contentType: "application/json",
			body: []byte(`{"name":"审核员赵敏","password":"正确的密码abc"}`), wantStatus: 401, wantCode: "unauthorized"},
		{name: "the reviewer signs in", method: "POST", path: at("/api/v1/session"), contentType: "application/json",
			body: []byte(`{"name":"审核员赵敏","password":"新的密码12345"}`), wantStatus: 200, then: signIn},
		{name: "the reviewer's session says who they are", method: "GET", path: at("/api/v1/session"), header: cookie, wantStatus: 200},
		{name: "signing out without the CSRF token is refused", method: "DELETE", path: at("/api/v1/session"), header: cookie, wantStatus: 403, wantCode: "csrf"},
		{name: "the reviewer signs out", method: "DELETE", path: at("/api/v1/session"), header: cookieCSRF, wantStatus: 204},
		{name: "the session is over", method: "GET", path: at("/api/v1/session"), header: cookie, wantStatus: 401, wantCode: "unauthorized"},
		{name: "without OpenID Connect its sign-in is not found", method: "GET", path: at("/api/v1/oidc/login"), wantStatus: 404, wantCode: "not_found"},
		{name: "nor its callback", method: "GET", path: at("/api/v1/oidc/callback?code=x&state=y"), wantStatus: 404, wantCode: "not_found"},
	}
}
