package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/retrieval/embedded"
)

// xssPayload is what a hostile page or model answer might hold; the app must show it as text.
const (
	xssScript = `<script>window.__xss=1</script>`
	xssImg    = `<img src=x onerror="window.__xss=1">`
)

// xssWriter is a model that answers with markup around the figure tokens.
type xssWriter struct{}

func (xssWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	var b strings.Builder
	for _, f := range req.Figures {
		if !f.Derived {
			fmt.Fprintf(&b, "%s%s达到%s。", xssScript, f.Label, draft.Token(f.ID))
		}
	}
	b.WriteString(xssImg + "各项工作稳步推进。")
	return draft.SectionText{Text: b.String(), Model: "xss"}, nil
}

// slowWriter writes like w, after a pause, so that a browser sees sections arrive one by one.
type slowWriter struct {
	w     draft.Writer
	pause time.Duration
}

func (s slowWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	select {
	case <-time.After(s.pause):
	case <-ctx.Done():
		return draft.SectionText{}, ctx.Err()
	}
	return s.w.Write(ctx, req)
}

// gatedWriter writes like w once release is closed, so that a test decides when a draft is done.
type gatedWriter struct {
	w       draft.Writer
	release <-chan struct{}
}

func (g gatedWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	select {
	case <-g.release:
	case <-ctx.Done():
		return draft.SectionText{}, ctx.Err()
	}
	return g.w.Write(ctx, req)
}

// getDraft reads a draft from the API.
func getDraft(t *testing.T, base, id string) draft.Draft {
	t.Helper()
	return getDraftWithKey(t, base, id, "")
}

// getDraftWithKey reads a draft from the API with an API key ("": none).
func getDraftWithKey(t *testing.T, base, id, token string) draft.Draft {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/drafts/"+id, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d draft.Draft
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET draft %s: status %d, %v", id, resp.StatusCode, err)
	}
	return d
}

// appServer is a server for the browser tests, with drafting and review over a fresh embedded store.
type appServer struct {
	*httptest.Server
	store *embedded.Store

	release chan struct{} // each value lets one section of a "gated" draft be written; closed at the end

	mu           sync.Mutex
	streams      []string // "status Authorization" of each request for a draft's events
	breakStreams int      // how many of the next requests for events to refuse with 503
}

// newAppServer starts an appServer. Its key store is its embedded store: it runs single-user until a
// test creates keys there, which turns authentication on.
func newAppServer(t *testing.T) *appServer {
	t.Helper()
	s, store := testServer(t)
	app := &appServer{store: store, release: make(chan struct{})}
	s.MaxUploadBytes = 8 << 20
	s.Drafter.PromptVersion = ""
	s.Writers = map[string]draft.Writer{
		offline.Model: slowWriter{offline.Writer{}, 700 * time.Millisecond},
		"xss":         xssWriter{},
		"gated":       gatedWriter{offline.Writer{}, app.release},
	}
	h := s.Handler()
	app.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/events") {
			h.ServeHTTP(w, r)
			return
		}
		// Noted as soon as the status is written: a stream stays open while its draft is written.
		rec := &statusRecorder{ResponseWriter: w, onStatus: func(status int) {
			app.mu.Lock()
			app.streams = append(app.streams, fmt.Sprintf("%d %s", status, r.Header.Get("Authorization")))
			app.mu.Unlock()
		}}
		app.mu.Lock()
		broken := app.breakStreams > 0
		if broken {
			app.breakStreams--
		}
		app.mu.Unlock()
		if broken {
			rec.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(rec, r)
	}))
	t.Cleanup(func() { close(app.release); app.Close() })
	return app
}

// streamLog returns the "status Authorization" of each request for a draft's events so far.
func (app *appServer) streamLog() []string {
	app.mu.Lock()
	defer app.mu.Unlock()
	return slices.Clone(app.streams)
}

// createKey stores a new key and returns its token.
func (app *appServer) createKey(t *testing.T, name string, role auth.Role) string {
	t.Helper()
	k, token, err := auth.NewKey(name, role)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.store.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return token
}

// statusRecorder tells onStatus the status a handler writes; Unwrap lets the event stream flush
// through it.
type statusRecorder struct {
	http.ResponseWriter
	onStatus func(status int)
}

func (r *statusRecorder) WriteHeader(status int) {
	r.onStatus(status)
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// browser starts headless Chromium with a fresh profile and returns a tab's context. Page
// exceptions, CSP violations and console errors are collected and fail the test at the end.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		} else if os.Getenv("DRAFTD_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium is not installed and DRAFTD_REQUIRE_BROWSER=1: install the chromium package")
		} else {
			t.Skip("chromium is not installed (apt-get install chromium); set DRAFTD_REQUIRE_BROWSER=1 to make this a failure")
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1360, 900),
	}
	var mu sync.Mutex
	var problems []string
	listen := func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			p = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				p += " " + ev.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				p = "console.error"
				for _, a := range ev.Args {
					p += " " + string(a.Value) + a.Description
				}
			}
		case *cdplog.EventEntryAdded:
			// Failed requests (a 400 the app shows to the user) are expected; script errors and
			// CSP violations are not.
			if ev.Entry.Level == cdplog.EntryLevelError && ev.Entry.Source != cdplog.EntrySourceNetwork {
				p = fmt.Sprintf("%s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
		if p != "" {
			mu.Lock()
			problems = append(problems, p)
			mu.Unlock()
		}
	}
	// Chromium now and then dies while starting on a busy machine (its crash reporter, not a page
	// of ours): a browser that never started is started again, twice at most, in a fresh profile.
	var ctx context.Context
	for attempt := 1; ; attempt++ {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, chromedp.UserDataDir(t.TempDir()))...)
		tab, cancelTab := chromedp.NewContext(actx)
		tctx, cancelTime := context.WithTimeout(tab, 90*time.Second)
		err := chromedp.Listen(tctx, listen) // starts the browser
		if err == nil {
			t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
			ctx = tctx
			break
		}
		cancelTime()
		cancelTab()
		cancelAlloc()
		if attempt == 3 {
			t.Fatalf("start chromium: %v", err)
		}
		t.Logf("chromium did not start (attempt %d): %v", attempt, err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("browser: %s", p)
		}
	})
	return ctx
}

// artifacts is where screenshots go: $DRAFTD_ARTIFACTS, or a temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("DRAFTD_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// page wraps a tab with helpers that fail the test on error.
type page struct {
	t   *testing.T
	ctx context.Context
	dir string
}

func (p page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	for i, a := range actions {
		ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
		err := chromedp.Do(ctx, a)
		cancel()
		if err != nil {
			p.fail(fmt.Sprintf("%s (step %d)", what, i+1), err)
		}
	}
}

// fail ends the test with the page's text and a screenshot of it.
func (p page) fail(what string, err error) {
	p.t.Helper()
	text, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if buf, serr := chromedp.Run(p.ctx, chromedp.FullScreenshot(100)); serr == nil {
		path := filepath.Join(p.dir, "failure.png")
		os.WriteFile(path, buf, 0o644)
		p.t.Logf("screenshot of the failure: %s", path)
	}
	p.t.Fatalf("%s: %v\npage text:\n%s", what, err, text)
}

// wait polls a JavaScript expression until it is truthy.
func (p page) wait(what, expr string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		p.fail(fmt.Sprintf("waiting until %s (%s)", what, expr), err)
	}
}

func (p page) eval(expr string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// text returns the visible text of the first element matching a CSS selector.
func (p page) text(sel string) string {
	p.t.Helper()
	return p.eval(fmt.Sprintf(`(document.querySelector(%q) || {innerText: ''}).innerText`, sel))
}

// fill sets a field's value as typing would, with an input event.
func fill(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`(() => { const el = document.querySelector(%q); el.value = %q; el.dispatchEvent(new Event('input', {bubbles: true})); })()`, sel, value))
}

func (p page) key(k string) {
	p.t.Helper()
	p.do("press "+k, chromedp.KeyEvent(k))
}

func (p page) screenshot(name string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
}

// noXSS checks that no payload ran and that it shows literally in the element's text.
func (p page) noXSS(sel, literal string) {
	p.t.Helper()
	if ran := p.eval(`String(window.__xss)`); ran != "undefined" {
		p.t.Fatalf("window.__xss = %s: markup from data was executed", ran)
	}
	if n := p.eval(fmt.Sprintf(`String(document.querySelectorAll('%s img, %s script').length)`, sel, sel)); n != "0" {
		p.t.Fatalf("%s holds %s img/script elements made from data", sel, n)
	}
	if txt := p.text(sel); !strings.Contains(txt, literal) {
		p.t.Fatalf("%s does not show %q as text; it shows:\n%s", sel, literal, txt)
	}
}

// progress reads "已审核 n / m".
func (p page) progress() (int, int) {
	p.t.Helper()
	var n, m int
	if _, err := fmt.Sscanf(p.text("#progress-text"), "已审核 %d / %d", &n, &m); err != nil {
		p.t.Fatalf("progress text %q: %v", p.text("#progress-text"), err)
	}
	return n, m
}

func (p page) current() string {
	return p.eval(`(document.querySelector('.doc .current') || {dataset: {}}).dataset.sid || ''`)
}

func (p page) decision(sid string) string {
	return p.eval(fmt.Sprintf(`[...document.querySelector('.doc [data-sid="%s"]').classList].find(c => c.startsWith('decision-')) || ''`, sid))
}

func TestWebAppEndToEnd(t *testing.T) {
	srv := newAppServer(t)
	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	start := time.Now()
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	abs := func(name string) string {
		a, err := filepath.Abs(filepath.Join("testdata", "e2e", name))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	step("a writer uploads documents to the corpus", func(t *testing.T) {
		p.do("open the corpus",
			chromedp.Navigate(srv.URL+"/#/corpus"),
			chromedp.WaitVisible(chromedp.ID("dropzone")),
			chromedp.SetUploadFiles(chromedp.ID("corpus-file"), []string{abs("bureau.txt"), abs("xss.txt")}))
		p.wait("both documents are listed", `document.querySelectorAll('#documents tbody tr').length === 2`)
		if res := p.text("#upload-results"); !strings.Contains(res, "新增") || !strings.Contains(res, "个段落") {
			t.Fatalf("upload results = %q", res)
		}
		if got := p.eval(`String(document.getElementById('upload-progress').value)`); got != "100" {
			t.Errorf("upload progress = %s, want 100", got)
		}
		if list := p.text("#documents"); !strings.Contains(list, "青禾县文化和旅游局2024年工作总结") && !strings.Contains(list, "bureau") {
			t.Fatalf("document list = %q", list)
		}
		p.screenshot("corpus.png")
	})

	step("a page with markup shows it as text in the section tree", func(t *testing.T) {
		p.do("open the xss document", chromedp.Click(chromedp.Search(`//table[@id="documents"]//a[contains(., "测试页")]`)))
		p.wait("the section tree shows", `document.querySelector('#doc-tree .tree-node')`)
		p.noXSS("#doc-tree", xssImg)
		p.noXSS("#doc-tree", xssScript)
		if tree := p.text("#doc-tree"); !strings.Contains(tree, "一、主要工作情况") || !strings.Contains(tree, "二、下一步工作计划") {
			t.Fatalf("section tree = %q", tree)
		}
		p.screenshot("corpus-document.png")
	})

	step("search shows passages with their heading paths", func(t *testing.T) {
		p.do("search",
			chromedp.Navigate(srv.URL+"/#/corpus"),
			chromedp.WaitVisible(chromedp.ID("search-query")),
			chromedp.SendKeys(chromedp.ID("search-query"), "乡村旅游 接待游客\n"))
		p.wait("results show", `document.querySelector('#search-results .result')`)
		if res := p.text("#search-results"); !strings.Contains(res, "（二）旅游市场持续回暖") {
			t.Fatalf("results = %q", res)
		}
	})

	var draftID string
	step("a writer fills figures, sees a validation error on its row and generates", func(t *testing.T) {
		p.do("fill the form",
			chromedp.Navigate(srv.URL+"/#/new"),
			chromedp.WaitVisible(chromedp.ID("f-title")),
			chromedp.SendKeys(chromedp.ID("f-title"), "青禾县文化和旅游局2025年工作总结"),
			chromedp.SendKeys(chromedp.ID("f-org"), "青禾县文化和旅游局"),
			chromedp.SendKeys(chromedp.ID("f-period"), "2025年"),
			chromedp.Click(chromedp.CSS(`[data-add-row="0"]`)),
			chromedp.SendKeys(chromedp.CSS(`[data-field="s0.r0.label"]`), "全县接待游客"),
			chromedp.SendKeys(chromedp.CSS(`[data-field="s0.r0.value"]`), "约421.6"),
			chromedp.SendKeys(chromedp.CSS(`[data-field="s0.r0.unit"]`), "万人次"),
			chromedp.SendKeys(chromedp.CSS(`[data-field="s0.r0.previous"]`), "386.5"),
			// A block copied from Excel, header row included.
			chromedp.Click(chromedp.CSS(`[data-paste-open="0"]`)),
			fill("#paste-0", "指标名称\t数值\t单位\n旅游综合收入\t35.8\t亿元\n送戏下乡演出\t196\t场\n新建村级文化活动室\t31\t个\n县图书馆接待读者\t13.4\t万人次\n"),
			chromedp.Click(chromedp.CSS(`[data-paste-add="0"]`)))
		p.wait("pasted rows are added", `document.querySelectorAll('[data-section="0"] .figures tbody tr').length === 5`)
		if got := p.eval(`document.querySelector('[data-field="s0.r2.id"]').value + ' ' + document.querySelector('[data-field="s0.r2.label"]').value`); got != "f3 送戏下乡演出" {
			t.Fatalf("third row = %q", got)
		}
		p.do("add a second section",
			chromedp.Click(chromedp.ID("add-section")),
			chromedp.WaitVisible(chromedp.ID("heading-1")),
			chromedp.SendKeys(chromedp.ID("heading-1"), "二、2026年工作打算"),
			chromedp.SendKeys(chromedp.ID("notes-1"), "持续完善公共文化服务体系，丰富旅游产品供给。"),
			chromedp.Click(chromedp.ID("generate")))
		p.wait("the error shows on the value it concerns", `document.querySelector('[data-field="s0.r0.value"][aria-invalid="true"]') && document.getElementById('err-s0-r0-value')`)
		if msg := p.text("#err-s0-r0-value"); !strings.Contains(msg, "约") {
			t.Fatalf("error under the value = %q", msg)
		}
		p.screenshot("writer-form.png")
		p.do("fix the value and generate",
			fill(`[data-field="s0.r0.value"]`, "421.6"),
			chromedp.Click(chromedp.ID("generate")))
		p.wait("the draft view opens", `location.hash.startsWith('#/drafts/') && document.getElementById('draft-view')`)
		draftID = strings.TrimPrefix(p.eval(`location.hash`), "#/drafts/")
	})

	step("sections stream in one by one and sentences are highlighted by risk", func(t *testing.T) {
		p.wait("the first section is written while the second is not",
			`document.querySelector('[data-section="0"] [data-status="ready"]') && document.querySelector('[data-section="0"] .sentence') && !document.querySelector('[data-section="1"] [data-status="ready"]')`)
		p.screenshot("writer-streaming.png")
		p.wait("the draft is ready", `document.querySelector('#draft-status [data-status="ready"]')`)
		if n := p.eval(`String(document.querySelectorAll('.sentence.risk-low, .sentence.risk-medium, .sentence.risk-high').length)`); n == "0" {
			t.Fatal("no highlighted sentence")
		}
		counts := p.eval(`['low','medium','high'].map(r => document.querySelector('[data-risk-count="'+r+'"]').textContent).join(',')`)
		want := p.eval(`['low','medium','high'].map(r => document.querySelectorAll('.sentence.risk-'+r).length).join(',')`)
		if counts != want {
			t.Fatalf("legend counts %s, highlighted sentences %s", counts, want)
		}
		if text := p.text("#draft-view"); !strings.Contains(text, "421.6万人次") || !strings.Contains(text, "35.8亿元") {
			t.Fatalf("draft text lacks the figures: %s", text)
		}
		p.screenshot("writer-view.png")
	})

	step("a writer edits a sentence and signs it once", func(t *testing.T) {
		sid := p.eval(`document.querySelector('[data-section="0"] .sentence[role="button"]').dataset.sid`)
		p.do("edit the first sentence",
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`.sentence[data-sid="%s"]`, sid))),
			chromedp.WaitVisible(chromedp.CSS(".edit-text")),
			fill(".edit-text", "今年以来，我局扎实推进文化和旅游各项工作。"),
			chromedp.Click(chromedp.Search(`//div[@class="editor-actions"]/button[text()="保存"]`)),
			chromedp.WaitVisible(chromedp.ID("name-input")),
			chromedp.SendKeys(chromedp.ID("name-input"), "李审核"),
			chromedp.Click(chromedp.ID("name-ok")))
		p.wait("the edit is saved", fmt.Sprintf(`document.querySelector('.sentence[data-sid="%s"].decision-edited')`, sid))
		if got := p.text(fmt.Sprintf(`.sentence[data-sid="%s"]`, sid)); got != "今年以来，我局扎实推进文化和旅游各项工作。" {
			t.Fatalf("edited sentence shows %q", got)
		}
	})

	step("a section is regenerated", func(t *testing.T) {
		p.do("regenerate section 2",
			chromedp.Click(chromedp.CSS(`[data-regenerate="1"]`)),
			chromedp.WaitVisible(chromedp.ID("confirm-ok")),
			chromedp.Click(chromedp.ID("confirm-ok")))
		p.wait("the section is being written again", `document.querySelector('[data-section="1"] [data-status="generating"]')`)
		// The server must say so too, or the stream would end at once and a reviewer could decide
		// on sentences about to be replaced.
		if d := getDraft(t, srv.URL, draftID); d.Status != draft.StatusGenerating {
			t.Fatalf("while a section is regenerated the stored draft is %q, want generating", d.Status)
		}
		p.wait("the section is written again", `document.querySelector('#draft-status [data-status="ready"]') && document.querySelector('[data-section="1"] [data-status="ready"]') && document.querySelector('[data-section="1"] .sentence')`)
		if d := getDraft(t, srv.URL, draftID); d.Status != draft.StatusReady || d.Sections[1].Status != draft.StatusReady {
			t.Fatalf("after regenerating: draft %q, section %q", d.Status, d.Sections[1].Status)
		}
	})

	step("a reviewer approves, edits and rejects with the keyboard", func(t *testing.T) {
		p.do("open the review", chromedp.Click(chromedp.CSS(`a[href$="/review"]`)))
		p.wait("the review view shows a selected sentence", `document.querySelector('#review-view .doc .current') && document.getElementById('panel')`)
		if p.eval(`String(!!document.querySelector('dialog[open]'))`) != "false" {
			t.Fatal("the name was asked again")
		}
		_, total := p.progress()

		first := p.current()
		p.key("a")
		p.wait("the first is approved", fmt.Sprintf(`document.querySelector('.doc [data-sid="%s"].decision-approved')`, first))
		if p.current() == first {
			t.Fatal("the selection did not move on after approving")
		}

		edited := p.current()
		p.key("e")
		p.do("edit with a number of the reviewer's own",
			chromedp.WaitVisible(chromedp.ID("review-edit")),
			fill("#review-edit", "全年举办各类文化活动999场。"),
			chromedp.Click(chromedp.ID("review-save")))
		p.wait("the edit is re-checked", `document.querySelector('#panel-unbound')`)
		if got := p.text("#panel-unbound"); !strings.Contains(got, "999") {
			t.Fatalf("unbound numbers = %q", got)
		}
		if d := p.decision(edited); d != "decision-edited" {
			t.Fatalf("edited sentence has %q", d)
		}

		p.key("j")
		rejected := p.current()
		if rejected == edited {
			t.Fatal("j did not move to the next sentence")
		}
		p.key("k")
		if p.current() != edited {
			t.Fatal("k did not move back")
		}
		p.key("j")
		p.key("r")
		p.wait("the sentence is rejected", fmt.Sprintf(`document.querySelector('.doc [data-sid="%s"].decision-rejected')`, rejected))
		if n, _ := p.progress(); n < 4 { // the writer's edit, approve, edit, reject
			t.Fatalf("progress %d/%d after four decisions", n, total)
		}
	})

	step("the side panel shows figures, sources with overlaps marked, and reasons", func(t *testing.T) {
		// Pick a sentence that leans on a source, from the API.
		d := getDraft(t, srv.URL, draftID)
		var withSource, withFigure, withDerived string
		for _, sec := range d.Sections {
			for _, s := range sec.Sentences {
				if withSource == "" && len(s.Sources) > 0 {
					withSource = s.ID
				}
				if withFigure == "" && len(s.Figures) > 0 {
					withFigure = s.ID
				}
				for _, f := range s.Figures {
					if withDerived == "" && (strings.HasSuffix(f, ".change") || strings.HasSuffix(f, ".growth")) {
						withDerived = s.ID
					}
				}
			}
		}
		if withDerived == "" {
			t.Fatal("no sentence states the change or growth derived from 386.5 → 421.60")
		}
		p.do("select a sentence with a derived figure", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, withDerived))))
		p.wait("the panel shows how the derived figure was computed", `document.querySelector('#panel-figures .rule')`)
		if rule := p.text("#panel-figures .rule"); !strings.Contains(rule, "386.5") || !strings.Contains(rule, "四舍五入") && !strings.Contains(rule, "−") {
			t.Fatalf("rule = %q", rule)
		}
		if withFigure == "" {
			t.Fatal("no sentence states a figure")
		}
		p.do("select a sentence with figures", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, withFigure))))
		p.wait("the panel shows its figures", `document.querySelector('#panel-figures')`)
		if figs := p.text("#panel-figures"); !strings.Contains(figs, "万人次") && !strings.Contains(figs, "亿元") && !strings.Contains(figs, "场") {
			t.Fatalf("figures = %q", figs)
		}
		if withSource == "" {
			t.Log("no sentence leans on a source; the marks are not checked")
		} else {
			p.do("select a sentence with sources", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, withSource))))
			p.wait("the panel shows its sources with marks", `document.querySelector('#panel-sources mark')`)
			if src := p.text("#panel-sources"); !strings.Contains(src, "›") && !strings.Contains(src, "工作总结") {
				t.Fatalf("sources = %q", src)
			}
		}
		if r := p.text("#panel-reasons"); r == "" {
			t.Fatal("no reasons shown")
		}
		p.screenshot("reviewer-view.png")
	})

	step("approving all low-risk sentences is one confirmed action, and the draft is approved", func(t *testing.T) {
		before, total := p.progress()
		if label := p.text("#approve-low"); label == "全部通过低风险句子（0）" {
			t.Fatalf("no low-risk sentence is left to approve: %q", label)
		}
		p.do("approve all low-risk sentences",
			chromedp.Click(chromedp.ID("approve-low")),
			chromedp.WaitVisible(chromedp.ID("confirm-ok")),
			chromedp.Click(chromedp.ID("confirm-ok")))
		p.wait("progress moves", fmt.Sprintf(`!document.querySelector('#progress-text').textContent.startsWith('已审核 %d ')`, before))
		// Whatever is left is of medium or high risk: approve each with a.
		for i := 0; i < total; i++ {
			n, m := p.progress()
			if n == m {
				break
			}
			p.key("a")
			p.wait("one more is reviewed", fmt.Sprintf(`!document.querySelector('#progress-text').textContent.startsWith('已审核 %d ')`, n))
		}
		// The figures of the sentences edited away and rejected are missing: the draft waits for a
		// reviewer to restore or drop each, with a reason.
		if p.eval(`String(!!document.getElementById('approved-notice'))`) == "true" {
			t.Fatal("the draft is approved while figures are missing")
		}
		for i := 0; i < 10 && p.eval(`String(document.querySelectorAll('[data-drop]').length)`) != "0"; i++ {
			fid := p.eval(`document.querySelector('[data-drop]').dataset.drop`)
			p.do("drop "+fid+" with a reason",
				chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`[data-drop-reason="%s"]`, fid)), "本节不再陈述该数据"),
				chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-drop="%s"]`, fid))))
			p.wait(fid+" is dropped", fmt.Sprintf(`!document.querySelector('[data-drop="%s"]')`, fid))
		}
		p.wait("the draft is approved", `document.querySelector('#draft-status [data-status="approved"]') && document.getElementById('approved-notice')`)
		rows := p.eval(`String(document.querySelectorAll('#audit tbody tr').length)`)
		if rows == "0" || !strings.Contains(p.text("#audit"), "李审核") {
			t.Fatalf("audit trail: %s rows, %q", rows, p.text("#audit"))
		}
		p.screenshot("reviewer-approved.png")
	})

	step("a model answer with markup shows as text in both views", func(t *testing.T) {
		body := `{"title":"白石镇2025年工作总结","sections":[{"heading":"一、主要工作","figures":[{"id":"f1","label":"办理便民服务事项","value":"3350","unit":"件"}]}]}`
		resp, err := http.Post(srv.URL+"/api/v1/drafts?model=xss&wait=true", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var d draft.Draft
		json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if d.ID == "" || d.Status != draft.StatusReady {
			t.Fatalf("xss draft: status %d, %+v", resp.StatusCode, d)
		}
		p.do("open the draft", chromedp.Navigate(srv.URL+"/#/drafts/"+d.ID))
		p.wait("it shows", `document.querySelector('#draft-view .sentence')`)
		p.noXSS("#draft-view", xssScript+"办理便民服务事项达到3350件。")
		p.noXSS("#draft-view", xssImg)
		p.do("open its review", chromedp.Navigate(srv.URL+"/#/drafts/"+d.ID+"/review"))
		p.wait("it shows", `document.querySelector('#review-view .doc .current') && document.getElementById('panel')`)
		p.noXSS("#review-view", xssScript)
		p.noXSS("#panel", xssScript)
	})
	step("the drafts list shows both drafts", func(t *testing.T) {
		p.do("open the list", chromedp.Navigate(srv.URL+"/#/drafts"))
		p.wait("both drafts are listed", `document.querySelectorAll('#draft-list tbody tr').length === 2`)
		if list := p.text("#draft-list"); !strings.Contains(list, "已通过") || !strings.Contains(list, "白石镇2025年工作总结") {
			t.Fatalf("drafts list = %q", list)
		}
	})

	step("a spreadsheet fills the form", func(t *testing.T) {
		p.do("import a CSV",
			chromedp.Navigate(srv.URL+"/#/new"),
			chromedp.WaitVisible(chromedp.ID("f-title")),
			chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{abs("figures.csv")}))
		p.wait("the form has the spreadsheet's sections", `document.getElementById('heading-1') && document.getElementById('heading-1').value === '二、旅游发展'`)
		got := p.eval(`[...document.querySelectorAll('[data-field$=".label"]')].map(e => e.value).join('|')`)
		if got != "新建村级文化活动室|送戏下乡演出|全县接待游客" {
			t.Fatalf("labels = %q", got)
		}
		if prev := p.eval(`document.querySelector('[data-field="s1.r0.previous"]').value`); prev != "386.5" {
			t.Fatalf("previous = %q", prev)
		}
	})

	step("rows are reordered and cells pasted from Excel become rows", func(t *testing.T) {
		p.do("move the first row down", chromedp.Click(chromedp.CSS(`button[aria-label="下移第1部分第1项"]`)))
		labels := `[...document.querySelectorAll('[data-section="0"] [data-field$=".label"]')].map(e => e.value).join('|')`
		if got := p.eval(labels); got != "送戏下乡演出|新建村级文化活动室" {
			t.Fatalf("after moving down: %q", got)
		}
		p.do("paste two rows into a cell", chromedp.Evaluate[chromedp.Void](`(() => {
			const dt = new DataTransfer();
			dt.setData('text/plain', '文艺演出\t52\t场\n非遗展示活动\t18\t次');
			document.querySelector('[data-field="s0.r0.note"]').dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
		})()`))
		if got := p.eval(labels); got != "送戏下乡演出|新建村级文化活动室|文艺演出|非遗展示活动" {
			t.Fatalf("after pasting: %q", got)
		}
	})

	step("a document is deleted after confirmation", func(t *testing.T) {
		p.do("delete the xss document",
			chromedp.Navigate(srv.URL+"/#/corpus"),
			chromedp.WaitVisible(chromedp.ID("documents")),
			chromedp.Click(chromedp.CSS(`button[aria-label="删除 白石镇综合服务中心2024年工作总结（测试页）"]`)),
			chromedp.WaitVisible(chromedp.ID("confirm-ok")),
			chromedp.Click(chromedp.ID("confirm-ok")))
		p.wait("one document is left", `document.querySelectorAll('#documents tbody tr').length === 1`)
	})
	t.Logf("browser flow took %s", time.Since(start).Round(time.Millisecond))
}

// TestWebAppWithAPIKeys runs the app against a server with API keys: it asks for a key on the
// first call, sends it on every call and on the draft's event stream, shows a writer the server's
// 403 when approving and disables approval, lets a reviewer approve after signing out and in,
// and opens a broken event stream again with the key.
func TestWebAppWithAPIKeys(t *testing.T) {
	srv := newAppServer(t)
	writer := srv.createKey(t, "撰稿人小李", auth.RoleWriter)
	reviewer := srv.createKey(t, "审核人王科长", auth.RoleReviewer)
	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	start := time.Now()
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	const dialogOpen = `document.getElementById('token-dialog').open`
	signIn := func(token string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.WaitVisible(chromedp.ID("token-input")),
			fill("#token-input", token),
			chromedp.Click(chromedp.ID("token-ok")),
		}
	}

	step("the app asks for a key on its first call", func(t *testing.T) {
		p.do("open the corpus", chromedp.Navigate(srv.URL+"/#/corpus"))
		p.wait("the sign-in dialog opens", dialogOpen)
		if hint := p.text("#token-dialog-hint"); hint != "请输入 API 密钥（由管理员用 draftd keys create 创建）" {
			t.Fatalf("dialog says %q", hint)
		}
		if p.eval(`String(document.getElementById('token-error').hidden)`) != "true" {
			t.Fatalf("the first dialog shows an error: %q", p.text("#token-error"))
		}
		p.screenshot("sign-in.png")
	})

	step("an unknown key is refused in the dialog with the server's reason", func(t *testing.T) {
		p.do("sign in with a wrong key", signIn("dk_notakeyatall")...)
		p.wait("the dialog asks again, saying why", dialogOpen+` && !document.getElementById('token-error').hidden`)
		if msg := p.text("#token-error"); !strings.Contains(msg, "API 密钥无效") {
			t.Fatalf("error in the dialog = %q", msg)
		}
		if got := p.eval(`localStorage.getItem('draftd.token') || ''`); got != "" {
			t.Fatalf("the refused key is still stored: %q", got)
		}
	})

	step("the writer's key is stored and the corpus loads", func(t *testing.T) {
		p.do("sign in as the writer", signIn(writer)...)
		p.wait("the corpus loads", `!document.getElementById('token-dialog').open && document.querySelector('#doc-list .empty')`)
		if got := p.eval(`localStorage.getItem('draftd.token')`); got != writer {
			t.Fatalf("stored key = %q, want the writer's", got)
		}
		if who := p.text("#whoami-name"); !strings.Contains(who, writer[:10]) || strings.Contains(who, writer[10:]) {
			t.Fatalf("top bar shows %q, want the key's first characters only", who)
		}
		if p.eval(`String(document.getElementById('whoami-signout').offsetParent !== null && document.getElementById('whoami-change').offsetParent === null)`) != "true" {
			t.Fatal("the top bar should offer 退出 and not ask for a name")
		}
	})

	step("the writer uploads a document with the key", func(t *testing.T) {
		abs, err := filepath.Abs(filepath.Join("testdata", "e2e", "bureau.txt"))
		if err != nil {
			t.Fatal(err)
		}
		p.do("upload", chromedp.SetUploadFiles(chromedp.ID("corpus-file"), []string{abs}))
		p.wait("the document is listed", `document.querySelectorAll('#documents tbody tr').length === 1`)
	})

	var draftID string
	step("the writer creates a draft that streams in over an authenticated stream", func(t *testing.T) {
		p.do("fill the form and generate",
			chromedp.Navigate(srv.URL+"/#/new"),
			chromedp.WaitVisible(chromedp.ID("f-title")),
			chromedp.SendKeys(chromedp.ID("f-title"), "青禾县文化和旅游局2025年工作总结"),
			chromedp.Click(chromedp.CSS(`[data-add-row="0"]`)),
			chromedp.SendKeys(chromedp.CSS(`[data-field="s0.r0.label"]`), "全县接待游客"),
			chromedp.SendKeys(chromedp.CSS(`[data-field="s0.r0.value"]`), "421.6"),
			chromedp.SendKeys(chromedp.CSS(`[data-field="s0.r0.unit"]`), "万人次"),
			chromedp.Click(chromedp.ID("add-section")),
			chromedp.WaitVisible(chromedp.ID("heading-1")),
			chromedp.SendKeys(chromedp.ID("heading-1"), "二、2026年工作打算"),
			chromedp.SendKeys(chromedp.ID("notes-1"), "持续完善公共文化服务体系。"),
			chromedp.Click(chromedp.ID("generate")))
		p.wait("the draft view opens", `location.hash.startsWith('#/drafts/') && document.getElementById('draft-view')`)
		draftID = strings.TrimPrefix(p.eval(`location.hash`), "#/drafts/")
		p.wait("the first section is written while the second is not",
			`document.querySelector('[data-section="0"] [data-status="ready"]') && document.querySelector('[data-section="0"] .sentence') && !document.querySelector('[data-section="1"] [data-status="ready"]')`)
		p.wait("the draft is ready", `document.querySelector('#draft-status [data-status="ready"]') && document.querySelector('[data-section="1"] .sentence')`)
		streams := srv.streamLog()
		if len(streams) == 0 {
			t.Fatal("the app never opened the draft's event stream")
		}
		for _, s := range streams {
			if s != "200 Bearer "+writer {
				t.Errorf("event stream request: %q, want 200 with the writer's key", s)
			}
		}
	})

	step("a writer's approval is refused with the server's message and approval is disabled", func(t *testing.T) {
		p.do("open the review", chromedp.Click(chromedp.CSS(`a[href$="/review"]`)))
		p.wait("the review view shows a selected sentence", `document.querySelector('#review-view .doc .current') && document.getElementById('panel')`)
		if p.eval(`String(!!document.querySelector('dialog[open]'))`) != "false" {
			t.Fatal("a dialog opened: with a key the app must not ask for a name")
		}
		sid := p.current()
		p.do("approve", chromedp.Click(chromedp.CSS(`.decide .approve`)))
		p.wait("the 403 shows", `document.getElementById('toast').classList.contains('show') && document.getElementById('review-denied')`)
		if msg := p.text("#toast"); !strings.Contains(msg, "没有权限") || !strings.Contains(msg, "角色为 writer 的 API 密钥不能通过或驳回句子") {
			t.Fatalf("toast = %q", msg)
		}
		if got := p.eval(`String(document.querySelector('.decide .approve').disabled && document.querySelector('.decide .reject').disabled && document.getElementById('approve-low').disabled)`); got != "true" {
			t.Fatal("approve, reject and approve-all stay enabled for a writer")
		}
		if d := p.decision(sid); d != "decision-pending" {
			t.Fatalf("the sentence shows %q after a refused approval", d)
		}
		if d := getDraftWithKey(t, srv.URL, draftID, reviewer); len(d.Audit) != 0 {
			t.Fatalf("the refused approval left an audit trail: %+v", d.Audit)
		}
		p.screenshot("writer-refused.png")
	})

	step("after signing out the reviewer signs in and approves", func(t *testing.T) {
		p.do("sign out", chromedp.Click(chromedp.ID("whoami-signout")))
		p.wait("the app asks for a key again", dialogOpen)
		if got := p.eval(`localStorage.getItem('draftd.token') || ''`); got != "" {
			t.Fatalf("signing out left the key stored: %q", got)
		}
		p.do("sign in as the reviewer", signIn(reviewer)...)
		p.wait("the review view loads with approval enabled", `document.querySelector('#review-view .doc .current') && !document.querySelector('.decide .approve').disabled && !document.getElementById('review-denied')`)
		p.do("approve all low-risk sentences",
			chromedp.Click(chromedp.ID("approve-low")),
			chromedp.WaitVisible(chromedp.ID("confirm-ok")))
		if msg := p.text("#confirm-message"); !strings.Contains(msg, "当前 API 密钥持有人") {
			t.Fatalf("confirmation = %q", msg)
		}
		before, total := p.progress()
		p.do("confirm", chromedp.Click(chromedp.ID("confirm-ok")))
		p.wait("progress moves", fmt.Sprintf(`!document.querySelector('#progress-text').textContent.startsWith('已审核 %d ')`, before))
		for i := 0; i < total; i++ {
			n, m := p.progress()
			if n == m {
				break
			}
			p.key("a")
			p.wait("one more is reviewed", fmt.Sprintf(`!document.querySelector('#progress-text').textContent.startsWith('已审核 %d ')`, n))
		}
		p.wait("the draft is approved", `document.querySelector('#draft-status [data-status="approved"]') && document.getElementById('approved-notice')`)
		if audit := p.text("#audit"); !strings.Contains(audit, "审核人王科长") || strings.Contains(audit, "API 密钥") {
			t.Fatalf("audit trail should name the reviewer's key: %q", audit)
		}
	})

	step("a broken event stream is opened again, with the key", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/drafts?model=gated", strings.NewReader(
			`{"title":"白石镇2025年工作总结","sections":[{"heading":"一、主要工作","figures":[{"id":"f1","label":"办理便民服务事项","value":"3350","unit":"件"}]}]}`))
		req.Header.Set("Authorization", "Bearer "+writer)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var created struct{ ID string }
		json.NewDecoder(resp.Body).Decode(&created)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted || created.ID == "" {
			t.Fatalf("create draft: status %d", resp.StatusCode)
		}
		srv.mu.Lock()
		srv.breakStreams, srv.streams = 1, nil
		srv.mu.Unlock()
		p.do("open the draft", chromedp.Navigate(srv.URL+"/#/drafts/"+created.ID))
		deadline := time.Now().Add(10 * time.Second)
		for len(srv.streamLog()) < 2 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		want := []string{"503 Bearer " + reviewer, "200 Bearer " + reviewer}
		if got := srv.streamLog(); !slices.Equal(got, want) {
			t.Fatalf("event stream requests = %q, want %q", got, want)
		}
		select {
		case srv.release <- struct{}{}: // the draft's one section is written
		case <-time.After(10 * time.Second):
			t.Fatal("the draft's section was never started")
		}
		p.wait("the draft is written", `document.querySelector('#draft-status [data-status="ready"]') && document.querySelector('[data-section="0"] .sentence')`)
	})
	t.Logf("browser flow took %s", time.Since(start).Round(time.Millisecond))
}

// TestAppHelpers checks the app's pure functions in the browser, where they run.
func TestAppHelpers(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	p.do("open the app", chromedp.Navigate(srv.URL+"/#/corpus"), chromedp.WaitVisible(chromedp.ID("dropzone")))
	run := func(module, call string) string {
		t.Helper()
		js := fmt.Sprintf(`import(%q).then(m => JSON.stringify(m.%s))`, module, call)
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", call, err)
		}
		return s
	}
	marks := func(source, sentence string) string {
		t.Helper()
		out := run("/static/js/views/review.js", fmt.Sprintf(`overlapMarks(%q, %q).marks.map(Number).join('')`, source, sentence))
		return strings.Trim(out, `"`)
	}
	tests := []struct {
		name, source, sentence, want string
	}{
		{"a shared run of five characters is marked", "全年新建活动室26个", "我县新建活动室31个", "0011111000"},
		{"a shared run of four characters is not", "新建活动室", "新建活动", "00000"},
		{"every occurrence in the source is marked", "送戏下乡演出，送戏下乡演出", "开展送戏下乡演出", "1111110111111"},
		{"characters outside the BMP count as one", "😀新建活动室😀", "新建活动室", "0111110"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := marks(tt.source, tt.sentence); got != tt.want {
				t.Fatalf("marks(%q, %q) = %s, want %s", tt.source, tt.sentence, got, tt.want)
			}
		})
	}
	t.Run("rows pasted from Excel skip the header and keep numbers as typed", func(t *testing.T) {
		got := run("/static/js/views/new.js", `parsePasted("指标\t数值\t单位\n接待游客\t421.60\t万人次\t386.5\n\n送戏下乡\t196\t场\r\n")`)
		want := `[{"label":"接待游客","value":"421.60","unit":"万人次","previous":"386.5","target":"","note":""},{"label":"送戏下乡","value":"196","unit":"场","previous":"","target":"","note":""}]`
		if got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
	// The draft's event stream is read with fetch, in pieces that may end anywhere.
	streamTests := []struct {
		name   string
		pieces []string
		stop   int // onEvent returns false after this many events; 0: never
		want   string
	}{
		{"an event split across pieces is put together", []string{"event: sn", "apshot\ndata: {\"a\"", ":1}\n", "\n"}, 0, `[["snapshot","{\"a\":1}"]]`},
		{"a CRLF split between pieces ends one line", []string{"event: x\r", "\ndata: 1\r", "\n\r", "\n"}, 0, `[["x","1"]]`},
		{"data lines are joined with newlines and comments skipped", []string{": ping\n\ndata: a\ndata:b\n\nevent: y\ndata\n\n"}, 0, `[["message","a\nb"],["y",""]]`},
		{"an unfinished event at the end is dropped", []string{"event: x\ndata: 1\n\nevent: y\ndata: 2\n"}, 0, `[["x","1"]]`},
		{"returning false stops reading", []string{"data: 1\n\ndata: 2\n\n", "data: 3\n\n"}, 1, `[["message","1"]]`},
	}
	for _, tt := range streamTests {
		t.Run(tt.name, func(t *testing.T) {
			pieces, _ := json.Marshal(tt.pieces)
			js := fmt.Sprintf(`import('/static/js/api.js').then(m => {
				const out = [];
				const p = m.eventParser((type, data) => { out.push([type, data]); return %d === 0 || out.length < %d; });
				for (const x of %s) if (!p.push(x)) break;
				p.end();
				return JSON.stringify(out);
			})`, tt.stop, tt.stop, pieces)
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("events = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantType           string
	}{
		{"the app page", "GET", "/", 200, "text/html; charset=utf-8"},
		{"a script", "GET", "/static/js/app.js", 200, "text/javascript; charset=utf-8"},
		{"a view module", "GET", "/static/js/views/review.js", 200, "text/javascript; charset=utf-8"},
		{"the style sheet", "GET", "/static/css/app.css", 200, "text/css; charset=utf-8"},
		{"the icon", "GET", "/static/favicon.svg", 200, "image/svg+xml"},
		{"an API answer", "GET", "/api/v1/documents", 200, "application/json"},
		{"an API error", "GET", "/api/v1/documents/nope", 404, "application/json"},
		{"a missing static file", "GET", "/static/nope.js", 404, "application/json"},
		{"an unknown route", "GET", "/nowhere", 404, "application/json"},
		{"a health check", "GET", "/healthz", 200, "application/json"},
		{"a HEAD of the page", "HEAD", "/", 200, "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" carries them", func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type %q, want %q", ct, tt.wantType)
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != contentSecurityPolicy {
				t.Errorf("Content-Security-Policy = %q", got)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
				t.Errorf("Referrer-Policy = %q", got)
			}
		})
	}
	t.Run("the policy allows only this origin and no inline code", func(t *testing.T) {
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(contentSecurityPolicy, want) {
				t.Errorf("policy lacks %q", want)
			}
		}
		if strings.Contains(contentSecurityPolicy, "unsafe") {
			t.Errorf("policy allows unsafe sources: %s", contentSecurityPolicy)
		}
	})
	t.Run("a static file is revalidated with its ETag", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/static/js/app.js")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		etag := resp.Header.Get("ETag")
		if etag == "" || resp.Header.Get("Cache-Control") == "" {
			t.Fatalf("ETag %q, Cache-Control %q", etag, resp.Header.Get("Cache-Control"))
		}
		req, _ := http.NewRequest("GET", srv.URL+"/static/js/app.js", nil)
		req.Header.Set("If-None-Match", etag)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Fatalf("status %d, want 304", resp.StatusCode)
		}
	})
}

// TestAppHasNoInlineCodeOrRemoteAssets keeps the app within its own policy: no inline script or
// style, no handler attributes, nothing loaded from another origin, no HTML parsing of data.
func TestAppHasNoInlineCodeOrRemoteAssets(t *testing.T) {
	err := filepathWalk("static", func(path string, data string) {
		bad := []string{"http://", "https://", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"}
		if strings.HasSuffix(path, ".html") {
			bad = append(bad, "<script>", "<style", " style=", " onclick=", " onload=", " onerror=")
		}
		for _, b := range bad {
			if strings.Contains(data, b) {
				t.Errorf("%s contains %q", path, b)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func filepathWalk(root string, fn func(path, data string)) error {
	return filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.HasSuffix(path, ".svg") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, string(b))
		return nil
	})
}

// rankingWriter is a model that states each figure and then claims a ranking nobody gave, after a
// character outside the Basic Multilingual Plane (one character, two UTF-16 units).
type rankingWriter struct{}

func (rankingWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	var b strings.Builder
	for _, f := range req.Figures {
		if !f.Derived {
			fmt.Fprintf(&b, "全年%s%s。", f.Label, draft.Token(f.ID))
		}
	}
	b.WriteString("𠮷祥服务满意度位居全市第一。")
	return draft.SectionText{Text: b.String(), Model: "ranking"}, nil
}

// TestReviewMarksClaims checks that the review page marks exactly the words of an unsupported
// claim, lists the sentence's claims in the side panel, and warns of a figure no sentence states
// once the sentence that did is rejected.
func TestReviewMarksClaims(t *testing.T) {
	s, _ := testServer(t)
	s.Writers["ranking"] = rankingWriter{}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}

	body := `{"title":"白石镇2025年工作总结","sections":[{"heading":"一、主要工作","figures":[{"id":"f1","label":"办理便民服务事项","value":"3350","unit":"件"}]}]}`
	resp, err := http.Post(srv.URL+"/api/v1/drafts?model=ranking&wait=true", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var d draft.Draft
	json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if d.ID == "" || d.Status != draft.StatusReady {
		t.Fatalf("draft: status %d, %+v", resp.StatusCode, d)
	}
	var ranked, stated string // the sentence with the ranking, and the one stating f1
	var ranking draft.Claim
	for _, x := range getDraft(t, srv.URL, d.ID).Sections[0].Sentences {
		for _, c := range x.Claims {
			if c.Kind == "ranking" && !c.Supported {
				ranked, ranking = x.ID, c
			}
		}
		if slices.Contains(x.Figures, "f1") {
			stated = x.ID
		}
	}
	if ranked == "" || stated == "" || ranking.Text != "位居全市第一" {
		t.Fatalf("want a sentence with the unsupported ranking 位居全市第一 and one stating f1; got %q (%+v) and %q", ranked, ranking, stated)
	}

	step("the review page marks exactly the ranking's words", func(t *testing.T) {
		p.do("open the review",
			chromedp.Navigate(srv.URL+"/#/drafts/"+d.ID+"/review"),
			chromedp.WaitVisible(chromedp.ID("name-input")),
			chromedp.SendKeys(chromedp.ID("name-input"), "李审核"),
			chromedp.Click(chromedp.ID("name-ok")))
		sel := fmt.Sprintf(`.doc [data-sid="%s"] mark.claim[data-kind~="ranking"]`, ranked)
		p.wait("the ranking is marked", fmt.Sprintf(`document.querySelector(%q)`, sel))
		if got := p.eval(fmt.Sprintf(`[...document.querySelectorAll(%q)].map(m => m.textContent).join('|')`, sel)); got != "位居全市第一" {
			t.Fatalf("marked words = %q, want 位居全市第一", got)
		}
		if got := p.eval(fmt.Sprintf(`document.querySelector(%q).className + ' ' + document.querySelector(%q).title`, sel, sel)); !strings.Contains(got, "claim-high") || !strings.Contains(got, "排名：") || !strings.Contains(got, ranking.Reason) {
			t.Fatalf("mark class and title = %q", got)
		}
		if got := p.text(fmt.Sprintf(`.doc [data-sid="%s"]`, ranked)); got != "𠮷祥服务满意度位居全市第一。" {
			t.Fatalf("the sentence reads %q with its mark", got)
		}
		if n := p.eval(fmt.Sprintf(`String(document.querySelectorAll('.doc [data-sid="%s"] mark').length)`, stated)); n != "0" {
			t.Fatalf("the sentence stating the writer's figure has %s marks", n)
		}
		p.screenshot("review-claims.png")
	})

	step("the side panel lists the claims with their kind and reason", func(t *testing.T) {
		p.do("select the sentence", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, ranked))))
		p.wait("the panel lists its claims", fmt.Sprintf(`document.querySelector('#panel h2').textContent.includes(%q) && document.querySelector('#panel-claims')`, ranked))
		claims := p.text("#panel-claims")
		for _, w := range []string{"排名", "位居全市第一", "无依据", ranking.Reason} {
			if !strings.Contains(claims, w) {
				t.Errorf("claims list lacks %q: %s", w, claims)
			}
		}
		if got := p.eval(`(document.querySelector('#panel .panel-text mark.claim') || {}).textContent || ''`); got != "位居全市第一" {
			t.Errorf("the panel's copy of the sentence marks %q", got)
		}
		p.screenshot("review-claims-panel.png")
	})

	step("a figure whose only sentence is rejected is shown missing on its section", func(t *testing.T) {
		if n := p.eval(`String(document.querySelectorAll('[data-missing-for]').length)`); n != "0" {
			t.Fatalf("%s missing-figure warnings before any rejection", n)
		}
		p.do("reject the sentence stating f1", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, stated))))
		p.key("r")
		p.wait("the section warns", `document.querySelector('[data-missing-for="0"] [data-missing-figure="f1"]')`)
		if got := p.text(`[data-missing-for="0"] [data-missing-figure="f1"]`); got != "办理便民服务事项（3350件）" {
			t.Fatalf("warning names %q", got)
		}
		p.screenshot("review-missing.png")
	})

	step("a missing figure is restored in a sentence of draftd's, or dropped with a reason", func(t *testing.T) {
		p.do("restore f1", chromedp.Click(chromedp.CSS(`[data-missing-for="0"] [data-restore="f1"]`)))
		p.wait("the warning is gone and a sentence states the figure again",
			`!document.querySelector('[data-missing-for]') && [...document.querySelectorAll('.doc [data-sid]')].some(e => e.textContent.includes('3350件') && !e.classList.contains('decision-rejected'))`)
		restored := p.eval(`[...document.querySelectorAll('.doc [data-sid]')].filter(e => e.textContent.includes('3350件') && !e.classList.contains('decision-rejected')).pop().dataset.sid`)
		p.do("reject the restored sentence", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.doc [data-sid="%s"]`, restored))))
		p.key("r")
		p.wait("the section warns again", `document.querySelector('[data-missing-for="0"] [data-drop="f1"]')`)
		p.do("drop without a reason", chromedp.Click(chromedp.CSS(`[data-drop="f1"]`)))
		p.wait("the reason is asked for", `document.getElementById('toast') && document.getElementById('toast').textContent.includes('理由')`)
		p.do("drop with a reason",
			chromedp.SendKeys(chromedp.CSS(`[data-drop-reason="f1"]`), "该数据另行报送"),
			chromedp.Click(chromedp.CSS(`[data-drop="f1"]`)))
		p.wait("the figure is listed as dropped", `!document.querySelector('[data-missing-for]') && document.querySelector('[data-dropped-for="0"]')`)
		if got := p.text(`[data-dropped-for="0"]`); !strings.Contains(got, "办理便民服务事项（3350件）") || !strings.Contains(got, "该数据另行报送") {
			t.Fatalf("dropped = %q", got)
		}
		if audit := p.text("#audit"); !strings.Contains(audit, "删去数据") || !strings.Contains(audit, "恢复数据") {
			t.Fatalf("audit = %q", audit)
		}
		p.screenshot("review-dropped.png")
	})

	// Offsets count code points: a UTF-16 index would shift the mark after 𠮷, and the words occur
	// twice, so no search for them could hide the shift.
	t.Run("claim segments slice code points, not UTF-16 units", func(t *testing.T) {
		js := `import('/static/js/views/claims.js').then(m => JSON.stringify(m.claimSegments('𠮷位居第一，位居第一。',
			[{start: 1, end: 5, text: '位居第一', kind: 'ranking'}, {start: 0, end: 1, text: '𠮷', kind: 'name', supported: true}]).map(s => [s.text, s.claims.length])))`
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if want := `[["𠮷",0],["位居第一",1],["，位居第一。",0]]`; got != want {
			t.Fatalf("segments = %s, want %s", got, want)
		}
	})
}
