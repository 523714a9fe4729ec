package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/draftd/draftd/draft/auth"
)

// TestSignInWithPasswordsAndAdminister walks identity in the browser: an admin signs in with a
// password, adds a reviewer and creates an API key (its token shown once); the reviewer signs in
// with their password and reviews, and the audit trail names them, never a typed name.
func TestSignInWithPasswordsAndAdminister(t *testing.T) {
	srv := newAppServer(t)
	admin, err := auth.NewUser("管理员周", auth.RoleAdmin, "admin-password-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.store.CreateUser(context.Background(), admin); err != nil {
		t.Fatal(err)
	}
	writer := srv.createKey(t, "撰稿人小李", auth.RoleWriter)
	d := createDraftAs(t, srv.URL, "offline", writer, rankedFigures)
	p := page{t: t, ctx: browser(t), dir: artifacts(t)}
	start := time.Now()
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	const dialogOpen = `document.getElementById('token-dialog').open`
	signIn := func(name, password string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.WaitVisible(chromedp.ID("signin-name")),
			fill("#signin-name", name),
			fill("#signin-password", password),
			chromedp.Click(chromedp.ID("signin-ok")),
		}
	}

	step("the sign-in dialog offers a name and password above the API key", func(t *testing.T) {
		p.do("open the drafts", chromedp.Navigate(srv.URL+"/#/drafts"))
		p.wait("the sign-in dialog opens with the password fields", dialogOpen+` && document.getElementById('signin-password')`)
		if hint := p.text("#token-dialog-hint"); hint != "请输入 API 密钥（由管理员用 draftd keys create 创建）" {
			t.Fatalf("the key's hint says %q", hint)
		}
		p.screenshot("sign-in-password.png")
	})

	step("a wrong password is refused in the dialog", func(t *testing.T) {
		p.do("sign in with a wrong password", signIn("管理员周", "not-the-password")...)
		p.wait("the dialog says so", dialogOpen+` && !document.getElementById('signin-error').hidden`)
		if msg := p.text("#signin-error"); msg != "用户名或密码错误" {
			t.Fatalf("error = %q", msg)
		}
	})

	step("the admin signs in with a password; the session cookie is out of scripts' reach", func(t *testing.T) {
		p.do("sign in as the admin", signIn("管理员周", "admin-password-1")...)
		p.wait("the drafts load", `!document.getElementById('token-dialog').open && document.getElementById('draft-list')`)
		if who := p.text("#whoami-name"); !strings.Contains(who, "管理员周") {
			t.Fatalf("top bar shows %q", who)
		}
		if c := p.eval(`document.cookie`); c != "" {
			t.Fatalf("document.cookie = %q: the session cookie must be HttpOnly", c)
		}
		if k := p.eval(`localStorage.getItem('draftd.token') || ''`); k != "" {
			t.Fatalf("a key was stored: %q", k)
		}
	})

	var token string
	step("the admin adds a reviewer and creates a key, whose token is shown once", func(t *testing.T) {
		p.do("open 管理", chromedp.Click(chromedp.CSS(`[data-nav="admin"]`)))
		p.wait("users and keys are listed", `document.querySelector('#user-list [data-user="管理员周"]') && document.querySelector('#key-list')`)
		if ws := p.eval(`document.querySelector('#admin-workspace [data-workspace]').textContent`); ws != "default" {
			t.Fatalf("the admin page shows workspace %q, want default", ws)
		}
		p.do("add a reviewer",
			fill("#new-user-name", "审核员赵敏"),
			chromedp.SetValue(chromedp.ID("new-user-role"), "reviewer"),
			fill("#new-user-password", "reviewer-password-1"),
			chromedp.Click(chromedp.ID("new-user-ok")))
		p.wait("the reviewer is listed", `document.querySelector('#user-list [data-user="审核员赵敏"]')`)
		if role := p.eval(`document.querySelector('#user-list [data-user="审核员赵敏"] select').value`); role != "reviewer" {
			t.Fatalf("the new user's role = %q", role)
		}
		p.do("create a key",
			fill("#new-key-name", "WPS 加载项（办公室）"),
			chromedp.Click(chromedp.ID("new-key-ok")))
		p.wait("the token is shown", `document.getElementById('new-key-token')`)
		token = p.eval(`document.getElementById('new-key-token').value`)
		if !strings.HasPrefix(token, "dk_") {
			t.Fatalf("token = %q", token)
		}
		p.screenshot("admin.png")
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/drafts", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("the new key: status %d", resp.StatusCode)
		}
		p.do("reload the page", chromedp.Reload())
		p.wait("the keys are listed again", `document.querySelector('#key-list [data-key]') && document.querySelectorAll('#key-list tbody tr').length === 2`)
		if strings.Contains(p.eval(`document.body.innerText`), token[len(auth.TokenPrefix)+7:]) || p.eval(`String(!!document.getElementById('new-key-token'))`) != "false" {
			t.Fatal("the token is shown again after a reload")
		}
	})

	step("the reviewer signs in with their password and reviews under their own name", func(t *testing.T) {
		p.do("sign out", chromedp.Click(chromedp.ID("whoami-signout")))
		p.wait("the app asks to sign in again", dialogOpen)
		p.do("open the review and sign in as the reviewer",
			chromedp.Navigate(srv.URL+"/#/drafts/"+d.ID+"/review"))
		p.wait("the dialog is open", dialogOpen)
		p.do("sign in", signIn("审核员赵敏", "reviewer-password-1")...)
		p.wait("the review loads with approval enabled", `document.querySelector('#review-view .doc .current') && !document.querySelector('.decide .approve').disabled`)
		if p.eval(`String(!!document.querySelector('dialog[open]'))`) != "false" {
			t.Fatal("a dialog is open: signed in, the app must not ask for a name")
		}
		if txt := p.text("main"); strings.Contains(txt, "加载失败") {
			t.Fatalf("the page shows a failure of the page left before signing in:\n%s", txt)
		}
		if nav := p.eval(`String(document.getElementById('nav-admin').hidden)`); nav != "true" {
			t.Fatal("管理 is offered to a reviewer")
		}
		p.do("approve the low-risk sentences", chromedp.Click(chromedp.ID("approve-low")), chromedp.WaitVisible(chromedp.ID("confirm-ok")))
		if msg := p.text("#confirm-message"); !strings.Contains(msg, "“审核员赵敏”") {
			t.Fatalf("confirmation = %q", msg)
		}
		p.do("confirm", chromedp.Click(chromedp.ID("confirm-ok")))
		p.wait("the audit shows the approvals", `document.querySelector('#audit') && document.querySelector('#audit').innerText.includes('审核员赵敏')`)
		got := getDraftWithKey(t, srv.URL, d.ID, writer)
		if len(got.Audit) == 0 {
			t.Fatal("no audit entries")
		}
		for _, a := range got.Audit {
			if a.By != "审核员赵敏" {
				t.Fatalf("audit entry by %q, want the signed-in reviewer", a.By)
			}
		}
		p.screenshot("review-signed-in.png")
	})

	step("signing out ends the session on the server", func(t *testing.T) {
		p.do("sign out", chromedp.Click(chromedp.ID("whoami-signout")))
		p.wait("the app asks to sign in again", dialogOpen)
		if who := p.text("#whoami-name"); strings.Contains(who, "审核员赵敏") {
			t.Fatalf("top bar still shows %q", who)
		}
		status := p.eval(`(() => { const x = new XMLHttpRequest(); x.open('GET', '/api/v1/session', false); x.send(); return String(x.status); })()`)
		if status != "401" {
			t.Fatalf("GET /api/v1/session after signing out: %s", status)
		}
	})
	t.Logf("browser flow took %s", time.Since(start).Round(time.Millisecond))
}
