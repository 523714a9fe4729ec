package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/openai"
	"github.com/draftd/draftd/draft/openai/openaitest"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
)

// heldModel is a chat model's Completer whose calls wait until the test lets them through: first
// calls on first, retries (a request that shows the previous answer) on retry; a nil channel holds
// nothing.
type heldModel struct {
	complete     draft.Completer
	first, retry chan struct{}
}

func (m heldModel) Complete(ctx context.Context, req draft.CompletionRequest) (draft.Completion, error) {
	hold := m.first
	if strings.Contains(req.User, "<<<上一稿") {
		hold = m.retry
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return draft.Completion{}, ctx.Err()
		}
	}
	return m.complete(ctx, req)
}

// toolsApp is a server with the offline writer and a chat model, "fake-model", that is the fake
// OpenAI server behind the real client and writer; its calls can be held.
type toolsApp struct {
	*httptest.Server
	store   *embedded.Store
	fake    *openaitest.Server
	streams atomic.Int32 // streams of a draft's events opened so far
}

// newToolsApp starts a toolsApp whose model holds calls as held says (its complete is set here),
// with keys (name → role) stored before it serves; their tokens are returned by name.
func newToolsApp(t *testing.T, held heldModel, keys map[string]auth.Role, opts ...openaitest.Option) (*toolsApp, map[string]string) {
	t.Helper()
	s, store := testServer(t)
	app := &toolsApp{store: store, fake: openaitest.New(t, opts...)}
	held.complete = openai.New(openai.Config{BaseURL: app.fake.URL(), Model: "fake-model", Timeout: 20 * time.Second}).Complete
	s.Writers["fake-model"] = &openai.Writer{Complete: held.Complete, Model: "fake-model"}
	s.Drafter.MaxAttempts = 3
	tokens := map[string]string{}
	for name, role := range keys {
		k, token, err := auth.NewKey(name, role)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.CreateKey(context.Background(), k); err != nil {
			t.Fatal(err)
		}
		tokens[name] = token
	}
	h := s.Handler()
	app.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/events") {
			h.ServeHTTP(w, r)
			return
		}
		// Counted once the status is written: the stream has subscribed to the draft's events by then.
		h.ServeHTTP(&statusRecorder{ResponseWriter: w, onStatus: func(int) { app.streams.Add(1) }}, r)
	}))
	t.Cleanup(app.Close)
	return app, tokens
}

// apiCall makes an API call with token ("" for none) and JSON body (nil for none), and returns the
// status and the answer's body.
func apiCall(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	var req *http.Request
	if body != nil {
		b, _ := json.Marshal(body)
		req, _ = http.NewRequest(method, url, strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req, _ = http.NewRequest(method, url, nil)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// errorOf returns the code and message of an error answer.
func errorOf(body []byte) (string, string) {
	var e errorBody
	json.Unmarshal(body, &e)
	return e.Error.Code, e.Error.Message
}

// sentenceStating returns the first generated sentence of d that states a figure.
func sentenceStating(t *testing.T, d draft.Draft) draft.Sentence {
	t.Helper()
	for _, sec := range d.Sections {
		for _, x := range sec.Sentences {
			if x.Generated && len(x.Figures) > 0 {
				return x
			}
		}
	}
	t.Fatalf("draft %s has no sentence stating a figure", d.ID)
	return draft.Sentence{}
}

// sentenceByID returns sentence sid of d.
func sentenceByID(d draft.Draft, sid string) draft.Sentence {
	for _, sec := range d.Sections {
		for _, x := range sec.Sentences {
			if x.ID == sid {
				return x
			}
		}
	}
	return draft.Sentence{}
}

func TestDraftToolsAPI(t *testing.T) {
	t.Run("only an admin deletes a draft, which takes its audit with it; a draft being written has its jobs cancelled", func(t *testing.T) {
		first := make(chan struct{})
		app, keys := newToolsApp(t, heldModel{first: first}, map[string]auth.Role{"王撰稿": auth.RoleWriter, "李审核": auth.RoleReviewer, "管理员": auth.RoleAdmin})
		d := createDraftAs(t, app.URL, "offline", keys["王撰稿"], exportFigures)
		sid := sentenceStating(t, d).ID
		if status, body := apiCall(t, "POST", app.URL+"/api/v1/drafts/"+d.ID+"/sentences/"+sid+"/review", keys["李审核"], map[string]string{"decision": "approve", "reason": "已核对"}); status != 200 {
			t.Fatalf("approve: %d %s", status, body)
		}
		for _, who := range []string{"王撰稿", "李审核"} {
			if status, body := apiCall(t, "DELETE", app.URL+"/api/v1/drafts/"+d.ID, keys[who], nil); status != http.StatusForbidden {
				t.Errorf("DELETE by %s: %d %s, want 403", who, status, body)
			}
		}
		if status, body := apiCall(t, "DELETE", app.URL+"/api/v1/drafts/"+d.ID, keys["管理员"], nil); status != http.StatusNoContent {
			t.Fatalf("DELETE by the admin: %d %s", status, body)
		}
		status, body := apiCall(t, "GET", app.URL+"/api/v1/drafts/"+d.ID, keys["管理员"], nil)
		if code, msg := errorOf(body); status != http.StatusNotFound || code != "not_found" || !strings.Contains(msg, "已被删除") {
			t.Errorf("GET a deleted draft: %d %s", status, body)
		}
		if _, err := app.store.Draft(context.Background(), retrieval.Scope{}, d.ID); err == nil {
			t.Errorf("the store still has the draft")
		}
		if status, _ := apiCall(t, "DELETE", app.URL+"/api/v1/drafts/"+d.ID, keys["管理员"], nil); status != http.StatusNotFound {
			t.Errorf("DELETE again: %d, want 404", status)
		}

		status, body = apiCall(t, "POST", app.URL+"/api/v1/drafts?model=fake-model", keys["王撰稿"], json.RawMessage(exportFigures))
		var accepted createDraftResponse
		json.Unmarshal(body, &accepted)
		if status != http.StatusAccepted {
			t.Fatalf("create: %d %s", status, body)
		}
		// Deleting a draft being written cancels its jobs: the section held by the model is not
		// written afterwards into a draft that is gone, nor does the draft come back.
		status, body = apiCall(t, "DELETE", app.URL+"/api/v1/drafts/"+accepted.ID, keys["管理员"], nil)
		if status != http.StatusNoContent {
			t.Errorf("DELETE while drafting: %d %s, want 204", status, body)
		}
		close(first)
		time.Sleep(300 * time.Millisecond) // a job not cancelled would write its section now
		if _, err := app.store.Draft(context.Background(), retrieval.Scope{}, accepted.ID); !errors.Is(err, retrieval.ErrNotFound) {
			t.Errorf("the draft deleted while drafting is back: %v", err)
		}
	})

	t.Run("a duplicate is the draft's figures for the next period, values left for the writer, nothing stored", func(t *testing.T) {
		app, keys := newToolsApp(t, heldModel{}, map[string]auth.Role{"王撰稿": auth.RoleWriter, "李审核": auth.RoleReviewer})
		d := createDraftAs(t, app.URL, "offline", keys["王撰稿"], exportFigures)
		status, body := apiCall(t, "POST", app.URL+"/api/v1/drafts/"+d.ID+"/duplicate", keys["王撰稿"], nil)
		var next draft.Figures
		if err := json.Unmarshal(body, &next); err != nil || status != 200 {
			t.Fatalf("duplicate: %d %s", status, body)
		}
		if next.Title != "青禾县卫生健康局2025年下半年工作总结" || next.Period != "2025年下半年" || next.Organization != "青禾县卫生健康局" {
			t.Errorf("title %q period %q organization %q", next.Title, next.Period, next.Organization)
		}
		f := next.Sections[0].Figures
		if len(f) != 2 || f[0].Value != "" || f[0].Previous != "52.3" || f[1].Previous != "68.5" || f[0].Label != "门诊诊疗人次" || f[0].Unit != "万人次" {
			t.Errorf("figures = %+v", f)
		}
		if next.Sections[1].Heading != "（二）下一步工作打算" || len(next.Sections) != 2 {
			t.Errorf("sections = %+v", next.Sections)
		}
		status, body = apiCall(t, "POST", app.URL+"/api/v1/drafts/"+d.ID+"/duplicate", keys["王撰稿"], map[string]string{"title": "青禾县卫生健康局2025年工作总结", "period": "2025年"})
		json.Unmarshal(body, &next)
		if status != 200 || next.Title != "青禾县卫生健康局2025年工作总结" || next.Period != "2025年" {
			t.Errorf("duplicate with a title and period: %d %s", status, body)
		}
		if status, _ := apiCall(t, "POST", app.URL+"/api/v1/drafts/"+d.ID+"/duplicate", keys["李审核"], nil); status != http.StatusForbidden {
			t.Errorf("duplicate by a reviewer: %d, want 403", status)
		}
		if status, _ := apiCall(t, "POST", app.URL+"/api/v1/drafts/nope/duplicate", keys["王撰稿"], nil); status != http.StatusNotFound {
			t.Errorf("duplicate of an unknown draft: %d, want 404", status)
		}
		_, body = apiCall(t, "GET", app.URL+"/api/v1/drafts", keys["王撰稿"], nil)
		var list draftsResponse
		json.Unmarshal(body, &list)
		if len(list.Drafts) != 1 {
			t.Errorf("%d drafts after duplicating, want the one: a duplicate stores nothing", len(list.Drafts))
		}
	})

	t.Run("a rewrite goes through the chat model, keeps the figures and is checked again", func(t *testing.T) {
		app, _ := newToolsApp(t, heldModel{}, nil, openaitest.Script(openaitest.Follow, openaitest.Follow, openaitest.InventPercent, openaitest.DropFigure))
		d := createDraftAs(t, app.URL, "offline", "", exportFigures)
		x := sentenceStating(t, d)
		url := app.URL + "/api/v1/drafts/" + d.ID + "/sentences/" + x.ID + "/rewrite"

		status, body := apiCall(t, "POST", url, "", map[string]string{"mode": "expand", "by": "王撰稿"})
		var got draft.Draft
		if err := json.Unmarshal(body, &got); err != nil || status != 200 {
			t.Fatalf("expand: %d %s", status, body)
		}
		y := sentenceByID(got, x.ID)
		if !strings.Contains(y.Text, "提质增效") || strings.Join(y.Figures, ",") != strings.Join(x.Figures, ",") || y.Risk != draft.RiskLow || y.Review.Decision != draft.DecisionPending {
			t.Fatalf("expanded %q → %q, figures %v → %v, risk %s, review %+v", x.Text, y.Text, x.Figures, y.Figures, y.Risk, y.Review)
		}
		for _, f := range got.Sections[0].Figures {
			if strings.Contains(x.Text, f.Text) && strings.Count(y.Text, f.Text) != 1 {
				t.Errorf("figure %s (%s) is not stated exactly once in %q", f.ID, f.Text, y.Text)
			}
		}
		if a := got.Audit[len(got.Audit)-1]; a.Decision != draft.DecisionRevised || !strings.Contains(a.Reason, "扩写") {
			t.Errorf("audit entry = %+v", a)
		}

		status, body = apiCall(t, "POST", url, "", map[string]string{"mode": "shorten", "by": "王撰稿"})
		json.Unmarshal(body, &got)
		if status != 200 || len(sentenceByID(got, x.ID).History) != 2 {
			t.Fatalf("shorten: %d %s", status, body)
		}
		status, body = apiCall(t, "POST", url, "", map[string]string{"mode": "rewrite", "by": "王撰稿"})
		json.Unmarshal(body, &got)
		if y := sentenceByID(got, x.ID); status != 200 || y.Risk != draft.RiskHigh || !strings.Contains(strings.Join(y.UnboundNumbers, ","), "98%") {
			t.Fatalf("a rewrite that invents a number: %d, %q %s %v", status, y.Text, y.Risk, y.UnboundNumbers)
		}
		before := sentenceByID(got, x.ID).Text
		status, body = apiCall(t, "POST", url, "", map[string]string{"mode": "rewrite", "by": "王撰稿"})
		if code, msg := errorOf(body); status != http.StatusServiceUnavailable || code != "unavailable" || !strings.Contains(msg, "漏掉了数据") {
			t.Errorf("a rewrite that drops a figure: %d %s", status, body)
		}
		if after := sentenceByID(getDraft(t, app.URL, d.ID), x.ID).Text; after != before {
			t.Errorf("a failed rewrite changed the sentence to %q", after)
		}
		status, body = apiCall(t, "POST", url, "", map[string]string{"mode": "translate", "by": "王撰稿"})
		if code, msg := errorOf(body); status != 400 || code != "invalid" || !strings.Contains(msg, "扩写") {
			t.Errorf("an unknown mode: %d %s", status, body)
		}
	})

	t.Run("without a chat model a rewrite is a conflict, said in Chinese", func(t *testing.T) {
		s, _ := testServer(t)
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		d := createDraftAs(t, srv.URL, "offline", "", exportFigures)
		status, body := apiCall(t, "POST", srv.URL+"/api/v1/drafts/"+d.ID+"/sentences/"+sentenceStating(t, d).ID+"/rewrite", "", map[string]string{"mode": "expand", "by": "王撰稿"})
		if code, msg := errorOf(body); status != http.StatusConflict || code != "conflict" || !strings.Contains(msg, "对话模型") {
			t.Errorf("rewrite offline: %d %s", status, body)
		}
	})

	t.Run("the event stream announces each attempt, so a retry is visible", func(t *testing.T) {
		first := make(chan struct{})
		app, _ := newToolsApp(t, heldModel{first: first}, nil, openaitest.Script(openaitest.InventRanking))
		status, body := apiCall(t, "POST", app.URL+"/api/v1/drafts?model=fake-model", "", json.RawMessage(exportFigures))
		var accepted createDraftResponse
		if json.Unmarshal(body, &accepted); status != http.StatusAccepted {
			t.Fatalf("create: %d %s", status, body)
		}
		resp, err := http.Get(app.URL + "/api/v1/drafts/" + accepted.ID + "/events")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var attempts []string
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		typ := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				typ = strings.TrimPrefix(line, "event: ")
				if typ == "snapshot" {
					close(first) // subscribed: the model may answer now
				}
			case strings.HasPrefix(line, "data: ") && typ == draft.EventSectionAttempt:
				var e draft.Event
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e)
				attempts = append(attempts, fmt.Sprintf("section %d attempt %d", e.Section, e.Attempt))
			}
			if typ == draft.EventDraftDone || typ == draft.EventDraftFailed {
				break
			}
		}
		// The first attempt may have been announced before this client subscribed.
		want := "section 0 attempt 2,section 1 attempt 1"
		if got := strings.TrimPrefix(strings.Join(attempts, ","), "section 0 attempt 1,"); got != want || typ != draft.EventDraftDone {
			t.Errorf("attempt events %q ending with %s, want %q ending with draft_done", got, typ, want)
		}
	})
}

// toolsCorpus are two summaries of different collections, kinds of bureau and years, for the
// corpus page's filters.
var toolsCorpus = []createDocumentRequest{
	{Title: "青禾县卫生健康局2023年工作总结", Collection: "卫健", Text: "青禾县卫生健康局2023年工作总结\n\n一、主要工作成效\n\n全县推进乡村旅游与健康服务融合，接待游客就医咨询，基层医疗服务能力持续提升。\n\n二、存在的问题\n\n基层人才不足，乡村旅游点医疗保障薄弱。\n\n三、下一步工作计划\n\n继续推进乡村旅游医疗保障，完善接待游客急救网络。"},
	{Title: "澄江县文化和旅游局2024年工作总结", Collection: "文旅", Text: "澄江县文化和旅游局2024年工作总结\n\n一、主要工作成效\n\n大力发展乡村旅游，接待游客人次稳步增长，文旅融合取得积极成效。\n\n二、存在的问题\n\n乡村旅游产品同质化，接待游客能力不足。\n\n三、下一步工作计划\n\n打造乡村旅游精品线路，提升接待游客服务水平。"},
}

// TestWebAppWritersTools walks the writer's everyday tools in Chromium: the attempt counter while
// the model retries, 扩写 in the review panel, 复制为下一期 into the new-draft form, deleting a draft
// after a confirmation, and the corpus search filters, with messages in Chinese.
func TestWebAppWritersTools(t *testing.T) {
	first, retry := make(chan struct{}), make(chan struct{})
	app, _ := newToolsApp(t, heldModel{first: first, retry: retry}, nil, openaitest.Script(openaitest.InventRanking))
	p := page{t: t, ctx: browser(t), dir: artifacts(t)}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	for _, doc := range toolsCorpus {
		if status, body := apiCall(t, "POST", app.URL+"/api/v1/documents", "", doc); status != http.StatusCreated {
			t.Fatalf("upload %s: %d %s", doc.Title, status, body)
		}
	}
	status, body := apiCall(t, "POST", app.URL+"/api/v1/drafts?model=fake-model", "", json.RawMessage(exportFigures))
	var accepted createDraftResponse
	if json.Unmarshal(body, &accepted); status != http.StatusAccepted {
		t.Fatalf("create: %d %s", status, body)
	}
	id := accepted.ID

	step("a section the model writes again shows which attempt it is on", func(t *testing.T) {
		p.do("open the draft", chromedp.Navigate(app.URL+"/#/drafts/"+id), chromedp.WaitVisible(chromedp.ID("draft-view")))
		deadline := time.Now().Add(10 * time.Second)
		for app.streams.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		close(first) // the first answer invents a ranking; its retry is held
		p.wait("the first section shows its second attempt", `(() => { const b = document.querySelector('[data-section="0"] [data-attempt="2"]'); return b && b.innerText.includes('第2次尝试…'); })()`)
		if txt := p.text(`[data-section="0"]`); strings.Contains(txt, "待生成") || !strings.Contains(txt, "正在第2次尝试") {
			t.Errorf("the section says %q", txt)
		}
		p.screenshot("tools-attempt-counter.png")
		close(retry)
		p.wait("the draft is ready", `document.querySelector('#draft-status [data-status="ready"]')`)
		if n := p.eval(`String(document.querySelectorAll('[data-attempt]').length)`); n != "0" {
			t.Errorf("%s attempt counters left once the draft is ready", n)
		}
	})

	step("扩写 in the review panel rewrites the sentence with its figures, to be reviewed again", func(t *testing.T) {
		d := getDraft(t, app.URL, id)
		x := sentenceStating(t, d)
		figure := ""
		for _, f := range d.Sections[0].Figures {
			if x.Figures[0] == f.ID {
				figure = f.Text
			}
		}
		p.eval(`localStorage.setItem('draftd.name', '王撰稿'), ''`)
		p.do("open the review",
			chromedp.Navigate(app.URL+"/#/drafts/"+id+"/review"),
			chromedp.WaitVisible(chromedp.ID("panel")),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, x.ID))),
			chromedp.WaitVisible(chromedp.CSS(`[data-rewrite="expand"]`)))
		if got := p.eval(`[...document.querySelectorAll('[data-rewrite]')].map(b => b.innerText).join(' ')`); got != "改写 扩写 缩写" {
			t.Errorf("rewrite buttons = %q", got)
		}
		p.do("expand", chromedp.Click(chromedp.CSS(`[data-rewrite="expand"]`)))
		p.wait("the panel shows the expanded sentence", `document.querySelector('#panel .panel-text').innerText.includes('提质增效')`)
		if txt := p.text("#panel .panel-text"); !strings.Contains(txt, figure) {
			t.Errorf("the expanded sentence %q lost the figure %s", txt, figure)
		}
		if dec := p.text("#panel-decision"); !strings.Contains(dec, "待审核") {
			t.Errorf("decision = %q, want 待审核", dec)
		}
		if toast := p.text("#toast"); !strings.Contains(toast, "已扩写") {
			t.Errorf("toast = %q", toast)
		}
		p.screenshot("tools-review-rewrite.png")
	})

	step("复制为下一期 opens the new-draft form with last period's values as 上期值", func(t *testing.T) {
		p.do("copy the draft",
			chromedp.Navigate(app.URL+"/#/drafts/"+id),
			chromedp.WaitVisible(chromedp.ID("duplicate-draft")),
			chromedp.Click(chromedp.ID("duplicate-draft")))
		p.wait("the form is filled", `location.hash === '#/new' && document.getElementById('copied-from')`)
		for sel, want := range map[string]string{
			"#f-title":                      "青禾县卫生健康局2025年下半年工作总结",
			"#f-period":                     "2025年下半年",
			`[data-field="s0.r0.value"]`:    "",
			`[data-field="s0.r0.previous"]`: "52.3",
			`[data-field="s0.r1.previous"]`: "68.5",
		} {
			if got := p.eval(fmt.Sprintf(`document.querySelector(%q).value`, sel)); got != want {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		if ph := p.eval(`document.querySelector('[data-field="s0.r0.value"]').placeholder`); ph != "本期数值" {
			t.Errorf("the empty value says %q", ph)
		}
		p.screenshot("tools-duplicate-form.png")
		p.do("generate without values", chromedp.Click(chromedp.ID("generate")))
		p.wait("the empty values are pointed out", `document.querySelector('.error-summary')`)
	})

	step("an admin deletes a draft from the list after confirming", func(t *testing.T) {
		p.do("open the list",
			chromedp.Navigate(app.URL+"/#/drafts"),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-delete="%s"]`, id))),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-delete="%s"]`, id))),
			chromedp.WaitVisible(chromedp.ID("confirm-ok")))
		if msg := p.text("#confirm-message"); !strings.Contains(msg, "审核记录") || !strings.Contains(msg, "不能恢复") {
			t.Errorf("confirmation = %q", msg)
		}
		p.screenshot("tools-delete-confirm.png")
		p.do("confirm", chromedp.Click(chromedp.ID("confirm-ok")))
		p.wait("the draft is gone from the list", fmt.Sprintf(`!document.querySelector('[data-draft="%s"]')`, id))
		if status, _ := apiCall(t, "GET", app.URL+"/api/v1/drafts/"+id, "", nil); status != http.StatusNotFound {
			t.Errorf("GET the deleted draft: %d", status)
		}
		p.do("open the deleted draft", chromedp.Navigate(app.URL+"/#/drafts/"+id))
		p.wait("it says so in Chinese", `document.querySelector('main').innerText.includes('不存在，可能已被删除')`)
	})

	step("the corpus search narrows by collection, kind, role and years, and says what is wrong in Chinese", func(t *testing.T) {
		p.do("open the corpus",
			chromedp.Navigate(app.URL+"/#/corpus"),
			chromedp.WaitVisible(chromedp.ID("search-query")))
		p.wait("the filters offer the corpus's collections and kinds", `document.querySelectorAll('#filter-collection option').length === 3 && document.querySelectorAll('#filter-kind option').length === 2`)
		p.do("search the plans of 文旅",
			fill("#search-query", "乡村旅游 接待游客"),
			fill("#filter-collection", "文旅"),
			fill("#filter-kind", "总结"),
			fill("#filter-role", "plans"),
			fill("#filter-year-from", "2024"),
			fill("#filter-year-to", "2024"),
			chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)))
		p.wait("results come", `document.querySelector('#search-results .result') || document.querySelector('#search-results .muted:not(:empty)') && !document.querySelector('#search-results').innerText.includes('检索中')`)
		titles := p.eval(`[...document.querySelectorAll('#search-results .result .source-head a')].map(a => a.innerText).join('|')`)
		roles := p.eval(`[...document.querySelectorAll('#search-results .result .badge.role')].map(a => a.innerText).join('|')`)
		if titles == "" || strings.Contains(titles, "青禾县") || strings.Trim(strings.ReplaceAll(roles, "计划", ""), "|") != "" {
			t.Errorf("results %q with roles %q, want only 澄江县's plans", titles, roles)
		}
		if got := p.text("#search-narrowed"); !strings.Contains(got, "文集“文旅”") || !strings.Contains(got, "计划类段落") || !strings.Contains(got, "2024—2024年") {
			t.Errorf("summary = %q", got)
		}
		p.screenshot("tools-corpus-filters.png")
		p.do("search with the years reversed",
			fill("#filter-year-from", "2025"),
			fill("#filter-year-to", "2023"),
			chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)))
		p.wait("the mistake is said in Chinese", `document.querySelector('#search-results').innerText.includes('起始年份（2025）不能晚于截止年份（2023）')`)
		p.do("clear the filters and search everything",
			chromedp.Click(chromedp.ID("filter-clear")),
			chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)))
		p.wait("both bureaus are found", `(() => { const t = document.querySelector('#search-results').innerText; return t.includes('青禾县') && t.includes('澄江县'); })()`)
	})
}
