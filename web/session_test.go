package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/draft/auth"
)

// addUser stores a user with a password and returns it.
func (env *authEnv) addUser(t *testing.T, name string, role auth.Role, password string) *auth.User {
	t.Helper()
	u, err := auth.NewUser(name, role, password)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// browserSession is what a browser holds once signed in: the cookie, and the CSRF token.
type browserSession struct {
	cookie *http.Cookie
	csrf   string
}

// headers returns the Cookie header and, with csrf, the X-CSRF-Token header, as pairs for send.
func (b browserSession) headers(csrf bool) []string {
	h := []string{"Cookie", b.cookie.Name + "=" + b.cookie.Value}
	if csrf {
		h = append(h, headerCSRFToken, b.csrf)
	}
	return h
}

// signInAs signs in with name and password and returns the session, failing unless it is 200.
func (env *authEnv) signInAs(t *testing.T, name, password string, headers ...string) (browserSession, reply) {
	t.Helper()
	r := env.send(t, "POST", "/api/v1/session", "", `{"name":"`+name+`","password":"`+password+`"}`, headers...)
	if r.status != 200 {
		t.Fatalf("sign in as %s: status %d %v", name, r.status, r.body)
	}
	var b browserSession
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == sessionCookie {
			b.cookie = c
		}
	}
	if b.cookie == nil {
		t.Fatalf("sign in as %s set no %s cookie: %v", name, sessionCookie, r.header["Set-Cookie"])
	}
	b.csrf, _ = r.body["csrf_token"].(string)
	return b, r
}

func TestPasswordSignIn(t *testing.T) {
	env := newAuthServer(t, true, nil)
	env.addUser(t, "审核员赵敏", auth.RoleReviewer, "正确的密码abc")
	env.addUser(t, "撰稿员钱多", auth.RoleWriter, "writer-password")

	t.Run("the right password starts a session in an HttpOnly, SameSite cookie", func(t *testing.T) {
		b, r := env.signInAs(t, "审核员赵敏", "正确的密码abc")
		c := b.cookie
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/api/v1" || c.Secure || len(c.Value) < 40 {
			t.Fatalf("cookie = %+v", c)
		}
		if r.body["name"] != "审核员赵敏" || r.body["role"] != "reviewer" || r.body["method"] != "password" || b.csrf == "" || b.csrf == c.Value {
			t.Fatalf("answer = %v", r.body)
		}
		if who := env.send(t, "GET", "/api/v1/session", "", "", b.headers(false)...); who.status != 200 || who.body["name"] != "审核员赵敏" || who.body["csrf_token"] != b.csrf {
			t.Fatalf("GET /session: %d %v", who.status, who.body)
		}
		if got := env.send(t, "GET", "/api/v1/drafts", "", "", b.headers(false)...); got.status != 200 {
			t.Fatalf("GET /drafts with the cookie: %d %v", got.status, got.body)
		}
	})
	t.Run("behind a proxy that says HTTPS the cookie is Secure", func(t *testing.T) {
		b, _ := env.signInAs(t, "审核员赵敏", "正确的密码abc", "X-Forwarded-Proto", "https")
		if !b.cookie.Secure {
			t.Fatalf("cookie = %+v", b.cookie)
		}
	})
	t.Run("a wrong password and an unknown name are refused alike", func(t *testing.T) {
		for _, body := range []string{`{"name":"审核员赵敏","password":"wrong-password"}`, `{"name":"无此人","password":"正确的密码abc"}`} {
			r := env.send(t, "POST", "/api/v1/session", "", body)
			if r.status != 401 || r.code() != EUNAUTHORIZED || !strings.Contains(r.body["error"].(map[string]any)["message"].(string), "用户名或密码错误") ||
				r.header.Get("Set-Cookie") != "" {
				t.Fatalf("%s: status %d %v, Set-Cookie %q", body, r.status, r.body, r.header.Get("Set-Cookie"))
			}
		}
	})
	t.Run("a form cannot sign in: the body must be JSON", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/session", "", "name=a&password=b", "Content-Type", "application/x-www-form-urlencoded")
		if r.status != 415 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	env.clock.advance(time.Hour) // the failures above are forgotten
}

func TestCSRF(t *testing.T) {
	env := newAuthServer(t, true, nil)
	env.addUser(t, "撰稿员钱多", auth.RoleWriter, "writer-password")
	b, _ := env.signInAs(t, "撰稿员钱多", "writer-password")
	search := `{"query":"家庭医生","k":3}`
	t.Run("a request with the cookie that changes something is refused without the token", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/search", "", search, b.headers(false)...)
		if r.status != 403 || r.code() != ECSRF {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	t.Run("and with another session's token", func(t *testing.T) {
		other, _ := env.signInAs(t, "撰稿员钱多", "writer-password")
		h := append(b.headers(false), headerCSRFToken, other.csrf)
		if r := env.send(t, "POST", "/api/v1/search", "", search, h...); r.status != 403 || r.code() != ECSRF {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	t.Run("it is accepted with the token", func(t *testing.T) {
		if r := env.send(t, "POST", "/api/v1/search", "", search, b.headers(true)...); r.status != 200 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	t.Run("an API key needs no token, and wins over a cookie", func(t *testing.T) {
		h := append(b.headers(false), "Authorization", "Bearer "+env.tokens[auth.RoleReviewer])
		r := env.send(t, "POST", "/api/v1/search", "", search, h...)
		if r.status != 200 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	t.Run("reading needs no token", func(t *testing.T) {
		if r := env.send(t, "GET", "/api/v1/drafts", "", "", b.headers(false)...); r.status != 200 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
}

func TestSignOutAndRevocation(t *testing.T) {
	env := newAuthServer(t, true, nil)
	u := env.addUser(t, "审核员赵敏", auth.RoleReviewer, "正确的密码abc")
	admin := env.tokens[auth.RoleAdmin]
	t.Run("signing out ends the session, even for a copy of the cookie", func(t *testing.T) {
		b, _ := env.signInAs(t, "审核员赵敏", "正确的密码abc")
		if r := env.send(t, "DELETE", "/api/v1/session", "", "", b.headers(false)...); r.status != 403 {
			t.Fatalf("sign out without the CSRF token: status %d, want 403", r.status)
		}
		r := env.send(t, "DELETE", "/api/v1/session", "", "", b.headers(true)...)
		if r.status != 204 || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
			t.Fatalf("sign out: status %d, Set-Cookie %q", r.status, r.header.Get("Set-Cookie"))
		}
		if r := env.send(t, "GET", "/api/v1/drafts", "", "", b.headers(false)...); r.status != 401 {
			t.Fatalf("the old cookie after signing out: status %d", r.status)
		}
	})
	t.Run("a session expires", func(t *testing.T) {
		b, _ := env.signInAs(t, "审核员赵敏", "正确的密码abc")
		env.clock.advance(auth.SessionTTL)
		if r := env.send(t, "GET", "/api/v1/drafts", "", "", b.headers(false)...); r.status != 401 || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
			t.Fatalf("an expired session: status %d", r.status)
		}
	})
	t.Run("a new password signs the user out everywhere", func(t *testing.T) {
		b, _ := env.signInAs(t, "审核员赵敏", "正确的密码abc")
		if r := env.send(t, "PATCH", "/api/v1/users/"+u.ID, admin, `{"password":"新的密码12345"}`); r.status != 200 {
			t.Fatalf("reset password: status %d %v", r.status, r.body)
		}
		if r := env.send(t, "GET", "/api/v1/drafts", "", "", b.headers(false)...); r.status != 401 {
			t.Fatalf("the session after a password reset: status %d", r.status)
		}
		if r := env.send(t, "POST", "/api/v1/session", "", `{"name":"审核员赵敏","password":"正确的密码abc"}`); r.status != 401 {
			t.Fatalf("the old password: status %d", r.status)
		}
		env.signInAs(t, "审核员赵敏", "新的密码12345")
	})
	t.Run("a disabled user is signed out and cannot sign in", func(t *testing.T) {
		b, _ := env.signInAs(t, "审核员赵敏", "新的密码12345")
		if r := env.send(t, "PATCH", "/api/v1/users/"+u.ID, admin, `{"disabled":true}`); r.status != 200 || r.body["disabled_at"] == nil {
			t.Fatalf("disable: status %d %v", r.status, r.body)
		}
		if r := env.send(t, "GET", "/api/v1/drafts", "", "", b.headers(false)...); r.status != 401 {
			t.Fatalf("the session of a disabled user: status %d", r.status)
		}
		if r := env.send(t, "POST", "/api/v1/session", "", `{"name":"审核员赵敏","password":"新的密码12345"}`); r.status != 401 {
			t.Fatalf("a disabled user's sign-in: status %d", r.status)
		}
		if r := env.send(t, "PATCH", "/api/v1/users/"+u.ID, admin, `{"disabled":false}`); r.status != 200 || r.body["disabled_at"] != nil {
			t.Fatalf("enable: status %d %v", r.status, r.body)
		}
		env.signInAs(t, "审核员赵敏", "新的密码12345")
	})
}

func TestFailedSignInsAreLimited(t *testing.T) {
	env := newAuthServer(t, true, nil)
	env.addUser(t, "审核员赵敏", auth.RoleReviewer, "正确的密码abc")
	wrong := `{"name":"审核员赵敏","password":"guess-guess"}`
	for i := range failureBurst {
		if r := env.send(t, "POST", "/api/v1/session", "", wrong); r.status != 401 {
			t.Fatalf("failure %d: status %d, want 401", i+1, r.status)
		}
	}
	t.Run("past the burst even the right password is refused with Retry-After", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/session", "", `{"name":"审核员赵敏","password":"正确的密码abc"}`)
		if r.status != 429 || r.code() != ERATELIMITED || r.header.Get("Retry-After") != "10" {
			t.Fatalf("status %d, code %q, Retry-After %q", r.status, r.code(), r.header.Get("Retry-After"))
		}
	})
	t.Run("so are unknown API keys from the same address", func(t *testing.T) {
		r := env.send(t, "GET", "/api/v1/drafts", "dk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "")
		if r.status != 429 || r.header.Get("Retry-After") == "" {
			t.Fatalf("status %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
	})
	t.Run("a valid API key is still let in", func(t *testing.T) {
		if r := env.send(t, "GET", "/api/v1/drafts", env.tokens[auth.RoleWriter], ""); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("the address gets one more try as time passes", func(t *testing.T) {
		env.clock.advance(10 * time.Second)
		env.signInAs(t, "审核员赵敏", "正确的密码abc")
		if r := env.send(t, "POST", "/api/v1/session", "", wrong); r.status != 401 {
			t.Fatalf("status %d: a success uses up no try", r.status)
		}
		if r := env.send(t, "POST", "/api/v1/session", "", wrong); r.status != 429 {
			t.Fatalf("status %d: a success does not refill the bucket", r.status)
		}
	})
}

func TestBadKeysAreLimited(t *testing.T) {
	env := newAuthServer(t, true, nil)
	answered := 0
	for range 300 {
		r := env.send(t, "GET", "/api/v1/drafts", "dk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "")
		if r.status == 401 {
			answered++
			continue
		}
		if r.status != 429 || r.header.Get("Retry-After") == "" {
			t.Fatalf("status %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
	}
	if answered != failureBurst {
		t.Fatalf("%d of 300 bad keys were told 401, want the first %d", answered, failureBurst)
	}
}

func TestSessionReviewsUnderTheUsersName(t *testing.T) {
	env := newAuthServer(t, true, nil)
	env.addUser(t, "审核员赵敏", auth.RoleReviewer, "正确的密码abc")
	r := env.send(t, "POST", "/api/v1/drafts?wait=true", env.tokens[auth.RoleWriter],
		`{"title":"白石镇2025年工作总结","sections":[{"heading":"一、主要工作","figures":[{"id":"f1","label":"办理便民服务事项","value":"3350","unit":"件"}]}]}`)
	if r.status != 200 {
		t.Fatalf("create draft: %d %v", r.status, r.body)
	}
	id := r.body["id"].(string)
	sid := generatedSentences(r.body)[0]
	b, _ := env.signInAs(t, "审核员赵敏", "正确的密码abc")
	r = env.send(t, "POST", "/api/v1/drafts/"+id+"/sentences/"+sid+"/review", "", `{"decision":"reject","by":"冒名顶替"}`, b.headers(true)...)
	if r.status != 200 {
		t.Fatalf("review: %d %v", r.status, r.body)
	}
	audit := r.body["audit"].([]any)
	if by := audit[len(audit)-1].(map[string]any)["by"]; by != "审核员赵敏" {
		t.Fatalf("audit records %v, want the signed-in user's name", by)
	}
}

func TestAdminManagesUsersAndKeys(t *testing.T) {
	env := newAuthServer(t, true, nil)
	admin, writer := env.tokens[auth.RoleAdmin], env.tokens[auth.RoleWriter]
	t.Run("only an admin may list users", func(t *testing.T) {
		if r := env.send(t, "GET", "/api/v1/users", writer, ""); r.status != 403 {
			t.Fatalf("status %d", r.status)
		}
	})
	var id string
	t.Run("an admin creates a user, never shown the password's hash", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/users", admin, `{"name":"审核员孙莉","role":"reviewer","password":"孙莉的密码很长很长"}`)
		if r.status != 201 || r.body["name"] != "审核员孙莉" || r.body["password"] != true || r.body["PasswordHash"] != nil || r.body["password_hash"] != nil {
			t.Fatalf("status %d %v", r.status, r.body)
		}
		id = r.body["id"].(string)
		if r := env.send(t, "POST", "/api/v1/users", admin, `{"name":"审核员孙莉","role":"reviewer","password":"另一个密码123"}`); r.status != 409 {
			t.Fatalf("the same name again: status %d", r.status)
		}
		if r := env.send(t, "POST", "/api/v1/users", admin, `{"name":"短","role":"reviewer","password":"short"}`); r.status != 400 {
			t.Fatalf("a short password: status %d", r.status)
		}
		env.signInAs(t, "审核员孙莉", "孙莉的密码很长很长")
	})
	t.Run("an admin changes a user's role", func(t *testing.T) {
		if r := env.send(t, "PATCH", "/api/v1/users/"+id, admin, `{"role":"writer"}`); r.status != 200 || r.body["role"] != "writer" {
			t.Fatalf("status %d %v", r.status, r.body)
		}
		if r := env.send(t, "PATCH", "/api/v1/users/nope", admin, `{"role":"writer"}`); r.status != 404 {
			t.Fatalf("an unknown user: status %d", r.status)
		}
	})
	t.Run("an admin cannot disable themselves", func(t *testing.T) {
		me := env.addUser(t, "管理员周", auth.RoleAdmin, "admin-password")
		b, _ := env.signInAs(t, "管理员周", "admin-password")
		if r := env.send(t, "PATCH", "/api/v1/users/"+me.ID, "", `{"disabled":true}`, b.headers(true)...); r.status != 400 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	t.Run("a key is created with its token shown once, and revoked", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/keys", admin, `{"name":"WPS 加载项","role":"writer"}`)
		if r.status != 201 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
		token := r.body["token"].(string)
		key := r.body["key"].(map[string]any)
		if !strings.HasPrefix(token, "dk_") || key["name"] != "WPS 加载项" {
			t.Fatalf("answer %v", r.body)
		}
		if r := env.send(t, "GET", "/api/v1/drafts", token, ""); r.status != 200 {
			t.Fatalf("the new key: status %d", r.status)
		}
		if r := env.send(t, "DELETE", "/api/v1/keys/"+key["id"].(string), admin, ""); r.status != 204 {
			t.Fatalf("revoke: status %d %v", r.status, r.body)
		}
		if r := env.send(t, "GET", "/api/v1/drafts", token, ""); r.status != 401 {
			t.Fatalf("the revoked key: status %d", r.status)
		}
		if r := env.send(t, "DELETE", "/api/v1/keys/nope", admin, ""); r.status != 404 {
			t.Fatalf("an unknown key: status %d", r.status)
		}
	})
}

func TestFirstUserTurnsSingleUserModeOff(t *testing.T) {
	env := newAuthServer(t, false, nil)
	if r := env.send(t, "POST", "/api/v1/users", "", `{"name":"管理员周","role":"admin","password":"admin-password"}`); r.status != 201 {
		t.Fatalf("the single user creates an admin: status %d %v", r.status, r.body)
	}
	if r := env.send(t, "GET", "/api/v1/drafts", "", ""); r.status != 401 {
		t.Fatalf("right after: status %d, want 401", r.status)
	}
	b, _ := env.signInAs(t, "管理员周", "admin-password")
	if r := env.send(t, "GET", "/api/v1/config", "", "", b.headers(false)...); r.status != 200 {
		t.Fatalf("the admin signed in: status %d", r.status)
	}
}
