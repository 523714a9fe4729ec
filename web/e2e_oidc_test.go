package web

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/draftd/draftd/draft/auth"
)

// TestSignInWithOIDCInTheBrowser walks the organisation's sign-in in the browser: the sign-in
// dialog offers it, the browser goes to the provider (a fake one in the test, which signs the
// account in at once) and back to the callback, and draftd makes the user with the role the
// claim gives and starts a session. The user opens the drafts and reviews, and the audit trail
// names them; signing out brings the dialog back.
func TestSignInWithOIDCInTheBrowser(t *testing.T) {
	f := newFakeProvider(t)
	s, store := testServer(t)
	// The callback's address is known before the server starts, so that the configuration is
	// complete before any request.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	s.OIDC = &OIDC{Issuer: f.URL, ClientID: "draftd", ClientSecret: "s3cret", RedirectURL: base + "/api/v1/oidc/callback",
		RoleClaim: "draftd_roles", Client: f.Client()}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)

	k, writer, err := auth.NewKey("撰稿人小李", auth.RoleWriter)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	d := createDraftAs(t, srv.URL, "offline", writer, rankedFigures)
	const name = "审核员孙莉"
	f.mu.Lock()
	f.claims = map[string]any{"sub": "e2e-248289761001", "name": name, "draftd_roles": []any{"staff", "reviewer"}}
	f.mu.Unlock()

	p := page{t: t, ctx: browser(t), dir: artifacts(t)}
	start := time.Now()
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	const dialogOpen = `document.getElementById('token-dialog').open`
	const oidcOffered = dialogOpen + ` && document.getElementById('signin-oidc') && !document.getElementById('signin-oidc').hidden`

	step("the sign-in dialog offers the organisation's sign-in", func(t *testing.T) {
		p.do("open the drafts", chromedp.Navigate(srv.URL+"/#/drafts"))
		p.wait("the sign-in dialog offers the organisation's sign-in", oidcOffered)
		if txt := p.text("#signin-oidc"); txt != "使用单位统一身份认证登录" {
			t.Fatalf("the organisation's sign-in reads %q", txt)
		}
		if href := p.eval(`document.getElementById('signin-oidc').href`); href != srv.URL+"/api/v1/oidc/login" {
			t.Fatalf("the organisation's sign-in goes to %q", href)
		}
		p.screenshot("oidc-sign-in-dialog.png")
	})

	step("the provider signs the account in and draftd starts a session with the claim's role", func(t *testing.T) {
		p.do("sign in at the organisation", chromedp.Click(chromedp.ID("signin-oidc")))
		waitAcrossNavigation(p, "the app is back with the drafts", fmt.Sprintf(`location.href === %q && !document.getElementById('token-dialog').open && document.querySelector('#draft-list')`, srv.URL+"/#/drafts"))
		p.wait("the top bar names the user", fmt.Sprintf(`document.getElementById('whoami-name').innerText.includes(%q)`, name))
		if who := p.text("#whoami-name"); who != "当前用户："+name {
			t.Fatalf("top bar shows %q", who)
		}
		if p.eval(`String(document.getElementById('whoami-signout').hidden)`) != "false" {
			t.Fatal("退出 is not offered to the signed-in user")
		}
		f.mu.Lock()
		authorized := slices.Clone(f.authorized)
		f.mu.Unlock()
		if len(authorized) != 1 || authorized[0]["redirect_uri"][0] != base+"/api/v1/oidc/callback" {
			t.Fatalf("authorization requests at the provider: %v", authorized)
		}
		if c := p.eval(`document.cookie`); c != "" {
			t.Fatalf("document.cookie = %q: the session and sign-in cookies must be HttpOnly", c)
		}
		u, err := store.UserBySubject(context.Background(), f.URL+" e2e-248289761001")
		if err != nil {
			t.Fatalf("the user was not made: %v", err)
		}
		if u.Name != name || u.Role != auth.RoleReviewer || u.PasswordHash != nil {
			t.Fatalf("user = %+v", u)
		}
		session := p.eval(`(() => { const x = new XMLHttpRequest(); x.open('GET', '/api/v1/session', false); x.send(); return x.status + ' ' + x.responseText; })()`)
		if !strings.HasPrefix(session, "200 ") || !strings.Contains(session, `"method":"oidc"`) || !strings.Contains(session, `"role":"reviewer"`) {
			t.Fatalf("GET /api/v1/session: %s", session)
		}
		p.wait("the draft is listed", `document.querySelector('#draft-list').innerText.includes('白石镇2025年工作总结')`)
		if nav := p.eval(`String(document.getElementById('nav-admin').hidden)`); nav != "true" {
			t.Fatal("管理 is offered to a reviewer")
		}
		p.screenshot("oidc-signed-in.png")
	})

	step("the user opens the draft and approves under their own name", func(t *testing.T) {
		p.do("open the review", chromedp.Click(chromedp.CSS(`#draft-list a[href="#/drafts/`+d.ID+`/review"]`)))
		p.wait("the review loads with approval enabled", `document.querySelector('#review-view .doc .current') && !document.querySelector('.decide .approve').disabled`)
		if p.eval(`String(!!document.querySelector('dialog[open]'))`) != "false" {
			t.Fatal("a dialog is open: signed in, the app must not ask for a name")
		}
		p.do("approve the low-risk sentences", chromedp.Click(chromedp.ID("approve-low")), chromedp.WaitVisible(chromedp.ID("confirm-ok")))
		if msg := p.text("#confirm-message"); !strings.Contains(msg, "“"+name+"”") {
			t.Fatalf("confirmation = %q", msg)
		}
		p.do("confirm", chromedp.Click(chromedp.ID("confirm-ok")))
		p.wait("the audit shows the approvals", fmt.Sprintf(`document.querySelector('#audit') && document.querySelector('#audit').innerText.includes(%q)`, name))
		got := getDraftWithKey(t, srv.URL, d.ID, writer)
		if len(got.Audit) == 0 {
			t.Fatal("no audit entries")
		}
		for _, a := range got.Audit {
			if a.By != name {
				t.Fatalf("audit entry by %q, want the user signed in at the organisation", a.By)
			}
		}
		p.screenshot("oidc-review.png")
	})

	step("signing out ends the session and brings back the sign-in dialog", func(t *testing.T) {
		p.do("sign out", chromedp.Click(chromedp.ID("whoami-signout")))
		p.wait("the app asks to sign in again, offering the organisation's sign-in", oidcOffered)
		if who := p.text("#whoami-name"); strings.Contains(who, name) {
			t.Fatalf("top bar still shows %q", who)
		}
		status := p.eval(`(() => { const x = new XMLHttpRequest(); x.open('GET', '/api/v1/session', false); x.send(); return String(x.status); })()`)
		if status != "401" {
			t.Fatalf("GET /api/v1/session after signing out: %s", status)
		}
		p.screenshot("oidc-signed-out.png")
	})
	t.Logf("browser flow took %s", time.Since(start).Round(time.Millisecond))
}

// waitAcrossNavigation is page.wait for a page that is being left: it evaluates expr again and
// again, across the documents the tab goes through (each navigation destroys the context of the
// last evaluation), until it is true in one of them.
func waitAcrossNavigation(p page, what, expr string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	p.fail(fmt.Sprintf("waiting until %s (%s)", what, expr), fmt.Errorf("not true within 15s; last error: %v", last))
}
