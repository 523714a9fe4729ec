package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
)

// rankedFigures is a draft of one figure; with rankingWriter its second sentence claims a ranking
// nobody gave, which makes it high risk.
const rankedFigures = `{"title":"白石镇2025年工作总结","sections":[{"heading":"一、主要工作","figures":[{"id":"f1","label":"办理便民服务事项","value":"3350","unit":"件"}]}]}`

// createDraftAs drafts body with model and waits for it, sending token ("" for none); it returns the draft.
func createDraftAs(t *testing.T, base, model, token, body string) draft.Draft {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/drafts?wait=true&model="+model, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d draft.Draft
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != http.StatusOK || d.Status != draft.StatusReady {
		t.Fatalf("create draft: status %d, %v, draft %s", resp.StatusCode, err, d.Status)
	}
	return d
}

// sentenceWithRisk returns the ID of d's first generated sentence of risk.
func sentenceWithRisk(t *testing.T, d draft.Draft, risk draft.Risk) string {
	t.Helper()
	for _, sec := range d.Sections {
		for _, x := range sec.Sentences {
			if x.Generated && x.Risk == risk {
				return x.ID
			}
		}
	}
	t.Fatalf("draft %s has no %s-risk sentence", d.ID, risk)
	return ""
}

// TestApprovingHighRiskAsksForAReason checks that approving a high-risk sentence, with the button
// or the a key, asks for a reason first, approves nothing without one, and shows the reason in the
// audit trail; a low-risk sentence is approved at once.
func TestApprovingHighRiskAsksForAReason(t *testing.T) {
	s, _ := testServer(t)
	s.Writers["ranking"] = rankingWriter{}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	p := page{t: t, ctx: browser(t), dir: artifacts(t)}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	d := createDraftAs(t, srv.URL, "ranking", "", rankedFigures)
	high, low := sentenceWithRisk(t, d, draft.RiskHigh), sentenceWithRisk(t, d, draft.RiskLow)
	const reason = "排名见市政务服务中心2025年第二季度通报"
	const dialogOpen = `document.getElementById('prompt-dialog') && document.getElementById('prompt-dialog').open`

	step("the approve button asks for a reason, and cancelling approves nothing", func(t *testing.T) {
		p.do("open the review and sign",
			chromedp.Navigate(srv.URL+"/#/drafts/"+d.ID+"/review"),
			chromedp.WaitVisible(chromedp.ID("name-input")),
			chromedp.SendKeys(chromedp.ID("name-input"), "李审核"),
			chromedp.Click(chromedp.ID("name-ok")),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, high))),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, high))))
		p.wait("the panel shows the sentence and says a reason is needed",
			fmt.Sprintf(`document.querySelector('#panel h2').textContent.includes(%q) && document.getElementById('panel-reason-hint')`, high))
		p.do("approve with the button", chromedp.Click(chromedp.CSS(".decide .approve")))
		p.wait("the reason is asked for", dialogOpen)
		if msg := p.text("#prompt-message"); !strings.Contains(msg, high) || !strings.Contains(msg, "高风险") || !strings.Contains(msg, "理由") {
			t.Fatalf("the dialog says %q", msg)
		}
		p.screenshot("review-reason-dialog.png")
		p.do("confirm without a reason", chromedp.Click(chromedp.ID("prompt-ok")))
		p.wait("the dialog stays open and says a reason is needed", dialogOpen+` && !document.getElementById('prompt-error').hidden`)
		p.do("cancel", chromedp.Click(chromedp.ID("prompt-cancel")))
		p.wait("the dialog closes", `!(`+dialogOpen+`)`)
		if dec := p.decision(high); dec != "decision-pending" {
			t.Fatalf("after cancelling the sentence shows %q", dec)
		}
		if got := getDraft(t, srv.URL, d.ID); len(got.Audit) != 0 {
			t.Fatalf("a cancelled approval reached the audit trail: %+v", got.Audit)
		}
	})

	step("the a key asks too, and the audit trail shows the reason", func(t *testing.T) {
		p.key("a")
		p.wait("the reason is asked for", dialogOpen)
		p.do("give the reason", fill("#prompt-input", reason), chromedp.Click(chromedp.ID("prompt-ok")))
		p.wait("the sentence is approved", fmt.Sprintf(`document.querySelector('.doc [data-sid="%s"].decision-approved')`, high))
		p.wait("the audit trail shows the reason", fmt.Sprintf(`document.getElementById('audit') && document.getElementById('audit').innerText.includes(%q)`, reason))
		if got := getDraft(t, srv.URL, d.ID).Audit; len(got) != 1 || got[0].SentenceID != high || got[0].Reason != reason || got[0].By != "李审核" {
			t.Fatalf("audit = %+v, want the approval of %s by 李审核 with its reason", got, high)
		}
		p.screenshot("review-reason-audit.png")
	})

	step("a low-risk sentence is approved at once", func(t *testing.T) {
		p.do("select it", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, low))))
		p.key("a")
		p.wait("it is approved", fmt.Sprintf(`document.querySelector('.doc [data-sid="%s"].decision-approved')`, low))
		if p.eval(`String(!!(`+dialogOpen+`))`) != "false" {
			t.Fatal("a reason was asked for a low-risk sentence")
		}
	})
}

// TestOwnDraftCannotBeApprovedInTheApp checks that the holder of the key that created a draft,
// signed in with a reviewer's key of theirs, is refused its approval with the server's message and
// finds approval disabled, while another reviewer approves it.
func TestOwnDraftCannotBeApprovedInTheApp(t *testing.T) {
	s, store := testServer(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	key := func(name string, role auth.Role) string {
		k, token, err := auth.NewKey(name, role)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.CreateKey(context.Background(), k); err != nil {
			t.Fatal(err)
		}
		return token
	}
	writer := key("撰稿人小李", auth.RoleWriter)
	writersReview := key("撰稿人小李", auth.RoleReviewer) // the same person's reviewer key
	reviewer := key("审核人王科长", auth.RoleReviewer)
	d := createDraftAs(t, srv.URL, "offline", writer, rankedFigures)
	if d.CreatedBy != "撰稿人小李" {
		t.Fatalf("created_by = %q, want the writer key's holder", d.CreatedBy)
	}
	p := page{t: t, ctx: browser(t), dir: artifacts(t)}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	signIn := func(token string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.WaitVisible(chromedp.ID("token-input")),
			fill("#token-input", token),
			chromedp.Click(chromedp.ID("token-ok")),
		}
	}

	step("the writer's approval of their own draft is refused with the server's message", func(t *testing.T) {
		p.do("open the review and sign in with the writer's reviewer key",
			append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(srv.URL + "/#/drafts/" + d.ID + "/review")}, signIn(writersReview)...)...)
		p.wait("the review view shows a selected sentence", `document.querySelector('#review-view .doc .current') && document.getElementById('panel')`)
		if meta := p.text("#review-view .meta"); !strings.Contains(meta, "撰稿：撰稿人小李") {
			t.Fatalf("the page head says %q, want the draft's creator", meta)
		}
		sid := p.current()
		p.key("a")
		p.wait("the refusal shows", `document.getElementById('toast').classList.contains('show') && document.getElementById('review-own')`)
		if msg := p.text("#toast"); !strings.Contains(msg, "不能由本人审核") || !strings.Contains(msg, "撰稿人小李") {
			t.Fatalf("toast = %q", msg)
		}
		if notice := p.text("#review-own"); !strings.Contains(notice, "其他审核人") {
			t.Fatalf("notice = %q", notice)
		}
		if got := p.eval(`String(document.querySelector('.decide .approve').disabled && document.querySelector('.decide .reject').disabled && document.getElementById('approve-low').disabled)`); got != "true" {
			t.Fatal("approve, reject and approve-all stay enabled on the writer's own draft")
		}
		if dec := p.decision(sid); dec != "decision-pending" {
			t.Fatalf("the sentence shows %q after a refused approval", dec)
		}
		if got := getDraftWithKey(t, srv.URL, d.ID, reviewer); len(got.Audit) != 0 {
			t.Fatalf("the refused approval left an audit trail: %+v", got.Audit)
		}
		p.screenshot("review-own-draft.png")
	})

	step("another reviewer approves it", func(t *testing.T) {
		p.do("sign out and in as another reviewer", append([]chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.ID("whoami-signout"))}, signIn(reviewer)...)...)
		p.wait("the review loads with approval enabled", `document.querySelector('#review-view .doc .current') && !document.querySelector('.decide .approve').disabled && !document.getElementById('review-own')`)
		sid := p.current()
		p.key("a")
		p.wait("the sentence is approved", fmt.Sprintf(`document.querySelector('.doc [data-sid="%s"].decision-approved')`, sid))
		if audit := p.text("#audit"); !strings.Contains(audit, "审核人王科长") {
			t.Fatalf("audit = %q", audit)
		}
	})
}
