package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/draftd/draftd/draft"
)

// exportFigures is a draft whose headings carry the writer's own numbers (一、 and （二）), so that
// every export shows whether it numbers them once.
const exportFigures = `{"title":"青禾县卫生健康局2025年上半年工作总结","organization":"青禾县卫生健康局","period":"2025年上半年","sections":[` +
	`{"heading":"一、医疗服务","notes":"推进紧密型县域医共体建设。","figures":[{"id":"f1","label":"门诊诊疗人次","value":"52.3","unit":"万人次","previous":"48.6"},{"id":"f2","label":"家庭医生签约率","value":"68.5","unit":"%"}]},` +
	`{"heading":"（二）下一步工作打算","notes":"持续推进医共体建设，做好秋冬季传染病防控。","figures":[]}]}`

// draftAndWait drafts figures through the API, waiting until it is written, and returns its id.
func draftAndWait(t *testing.T, base, figures string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/drafts?wait=true", "application/json", strings.NewReader(figures))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d draft.Draft
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || d.Status != draft.StatusReady {
		t.Fatalf("create draft: status %d, %v, %+v", resp.StatusCode, err, d)
	}
	return d.ID
}

// reviewWithReason records a reviewer's decision through the API; approvals give a reason, which a
// high-risk sentence needs.
func reviewWithReason(t *testing.T, base, id, sid, decision, text string) {
	t.Helper()
	req := map[string]string{"decision": decision, "by": "王审核"}
	if text != "" {
		req["text"] = text
	}
	if decision == "approve" {
		req["reason"] = "已与统计报表核对"
	}
	status, body := call(t, "POST", base+"/api/v1/drafts/"+id+"/sentences/"+sid+"/review", "application/json", jsonBody(req))
	if status != http.StatusOK {
		t.Fatalf("%s %s: status %d %v", decision, sid, status, body)
	}
}

// waitForDownloadNamed returns the path of the finished download called name in dir.
func waitForDownloadNamed(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if info, err := os.Stat(path); err == nil && info.Size() > 0 {
			if _, err := os.Stat(path + ".crdownload"); os.IsNotExist(err) {
				return path
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Fatalf("%s was not downloaded; the folder holds %q", name, names)
	return ""
}

// docxPartsOf reads the named parts of a .docx; a part it does not hold is nil.
func docxPartsOf(t *testing.T, path string) map[string][]byte {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("%s is not a .docx: %v", path, err)
	}
	defer z.Close()
	parts := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	return parts
}

// libreOfficeText opens each .docx in LibreOffice, as the office tests of draft/docx do, and returns its
// text by file. Without LibreOffice the test is skipped, unless DRAFTD_REQUIRE_OFFICE=1 makes that a
// failure.
func libreOfficeText(t *testing.T, files ...string) map[string]string {
	t.Helper()
	soffice := ""
	for _, n := range []string{"libreoffice", "soffice"} {
		if p, err := exec.LookPath(n); err == nil {
			soffice = p
			break
		}
	}
	if soffice == "" {
		if os.Getenv("DRAFTD_REQUIRE_OFFICE") == "1" {
			t.Fatal("libreoffice is not installed (Debian package libreoffice-writer); DRAFTD_REQUIRE_OFFICE=1 requires it")
		}
		t.Skip("libreoffice is not installed; set DRAFTD_REQUIRE_OFFICE=1 to make this a failure")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--norestore", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--convert-to", "txt:Text (encoded):UTF8", "--outdir", dir}, files...)
	cmd := exec.CommandContext(ctx, soffice, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	texts := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(filepath.Base(f), ".docx")+".txt"))
		if err != nil {
			t.Fatalf("LibreOffice did not convert %s: %v", f, err)
		}
		texts[f] = string(b)
	}
	return texts
}

// missingInOrder reports the first of want that s lacks after the ones before it, or "".
func missingInOrder(s string, want ...string) string {
	at := 0
	for _, w := range want {
		i := strings.Index(s[at:], w)
		if i < 0 {
			return w
		}
		at += i + len(w)
	}
	return ""
}

// paperBlocks is what the preview must show, block by block: the title, each section's numbered
// heading and paragraph (as every export gives them), and the 落款.
func paperBlocks(d *draft.Draft) []string {
	out := []string{d.Title}
	for _, p := range d.Parts() {
		out = append(out, p.Heading)
		if p.Status == draft.StatusFailed {
			out = append(out, "（本部分生成失败："+p.Error+"）")
			continue
		}
		var b strings.Builder
		for _, x := range p.Sentences {
			b.WriteString(x.Text)
		}
		if b.Len() > 0 {
			out = append(out, b.String())
		}
	}
	org, date := d.Signature()
	for _, l := range []string{org, date} {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestWebAppExports(t *testing.T) {
	srv := newAppServer(t)
	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	id := draftAndWait(t, srv.URL, exportFigures)
	d := getDraft(t, srv.URL, id)
	title := d.Title
	downloads := t.TempDir()
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	// download clicks an export button and returns the file it saved, which must be called name.
	download := func(key, name string) string {
		p.t.Helper()
		p.do("export "+key, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#draft-view [data-export=%q]`, key))))
		p.wait("the bar says it is downloaded", fmt.Sprintf(`document.querySelector('#draft-view .export-status').textContent.startsWith('已下载 ' + %q)`, name))
		return waitForDownloadNamed(p.t, downloads, name)
	}
	openDraft := func() {
		p.t.Helper()
		p.do("open the draft", chromedp.Navigate(srv.URL+"/#/drafts/"+id))
		p.wait("the export buttons are shown", `document.querySelectorAll('#draft-view .export-bar [data-export]').length === 6`)
	}
	var reviewCopies []string

	step("before approval the draft page offers every export but the final Word copy, and says why", func(t *testing.T) {
		openDraft()
		labels := p.eval(`[...document.querySelectorAll('#draft-view [data-export]')].map(b => b.dataset.export + ':' + b.textContent + ':' + b.disabled).join('|')`)
		want := "docx:Word（审阅标记）:false|docx-tracked:Word（修订模式）:false|docx-clean:Word（定稿）:true|html:HTML:false|md:Markdown:false|txt:纯文本:false"
		if labels != want {
			t.Fatalf("buttons %s\nwant    %s", labels, want)
		}
		if why := p.eval(`document.querySelector('[data-export="docx-clean"]').title`); !strings.Contains(why, "审核通过后才能导出定稿") {
			t.Errorf("the disabled final copy's title %q does not say why", why)
		}
		if hint := p.text("#draft-view .export-hint"); !strings.Contains(hint, "审核通过后才能导出定稿") {
			t.Errorf("no visible hint: %q", hint)
		}
		p.screenshot("export-draft-page.png")
	})

	step("before approval each export downloads the review copy with its marks", func(t *testing.T) {
		marked := docxPartsOf(t, download("docx", title+"（审阅稿）.docx"))
		if marked["word/comments.xml"] == nil || !bytes.Contains(marked["word/document.xml"], []byte(`w:fill="C6EFCE"`)) || bytes.Contains(marked["word/document.xml"], []byte("<w:highlight")) {
			t.Error("the Word review copy has no comments or light shading, or a highlight")
		}
		tracked := docxPartsOf(t, download("docx-tracked", title+"（修订稿）.docx"))
		if !bytes.Contains(tracked["word/document.xml"], []byte("<w:ins ")) || !bytes.Contains(tracked["word/settings.xml"], []byte("trackRevisions")) {
			t.Error("the tracked copy has no tracked insertions")
		}
		html, _ := os.ReadFile(download("html", title+"（审阅稿）.html"))
		md, _ := os.ReadFile(download("md", title+"（审阅稿）.md"))
		txt, _ := os.ReadFile(download("txt", title+"（审阅稿）.txt"))
		for name, c := range map[string]struct {
			got  string
			want []string
		}{
			"HTML":     {string(html), []string{`class="legend"`, `<span class="s-low"`, "<h2>一、医疗服务</h2>", "<caption>数据来源</caption>", "<h2>二、下一步工作打算</h2>", "青禾县卫生健康局</p>"}},
			"Markdown": {string(md), []string{"## 一、医疗服务", "==一是门诊诊疗人次", "数据来源", "## 二、下一步工作打算", "[^s1-2]: "}},
			"text":     {string(txt), []string{title, "一、医疗服务", "二、下一步工作打算", "青禾县卫生健康局\n"}},
		} {
			if miss := missingInOrder(c.got, c.want...); miss != "" {
				t.Errorf("the %s review copy lacks %q (or has it out of order):\n%s", name, miss, c.got)
			}
			if strings.Contains(c.got, "一、一、") || strings.Contains(c.got, "二、（二）") || strings.Contains(c.got, "1. 一、") {
				t.Errorf("the %s review copy numbers a heading twice:\n%s", name, c.got)
			}
		}
		reviewCopies = []string{filepath.Join(downloads, title+"（审阅稿）.docx"), filepath.Join(downloads, title+"（修订稿）.docx")}
	})

	step("the preview of a draft not approved reads as the paper and says it is no final copy", func(t *testing.T) {
		p.do("follow 预览全文", chromedp.Click(chromedp.CSS(`#draft-view [data-preview]`)))
		p.wait("the paper is shown", `document.querySelector('#paper .paper-signature')`)
		if n := p.eval(`String(document.querySelectorAll('#paper mark, #paper .sentence, #paper [class*="risk-"], #paper [title], #preview-view .legend').length)`); n != "0" {
			t.Errorf("%s marks or legends in the preview", n)
		}
		if notice := p.text(".preview-unapproved"); !strings.Contains(notice, "不是定稿") {
			t.Errorf("no notice that this is no final copy: %q", notice)
		}
		p.screenshot("preview-unapproved.png")
	})

	// The review: approve the first item, end the second with ； and reject the sentence after it, so
	// that the paragraph must be mended, and approve the rest.
	for _, x := range d.Sections[0].Sentences[1:] {
		switch {
		case strings.HasPrefix(x.Text, "一是"):
			reviewWithReason(t, srv.URL, id, x.ID, "approve", "")
		case strings.HasPrefix(x.Text, "二是"):
			reviewWithReason(t, srv.URL, id, x.ID, "edit", strings.TrimSuffix(x.Text, "。")+"；")
		default:
			reviewWithReason(t, srv.URL, id, x.ID, "reject", "")
		}
	}
	for _, x := range d.Sections[1].Sentences {
		if x.Generated {
			reviewWithReason(t, srv.URL, id, x.ID, "approve", "")
		}
	}
	d = getDraft(t, srv.URL, id)
	if d.Status != draft.StatusApproved {
		t.Fatalf("after the review the draft is %s", d.Status)
	}
	wantText, err := draft.CleanText(&d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(wantText), "二是家庭医生签约率为68.5%。\n") {
		t.Fatalf("the test's review should leave a paragraph to mend:\n%s", wantText)
	}

	step("once approved every export downloads the final copy, with no marks, and the 落款", func(t *testing.T) {
		openDraft()
		if p.eval(`String(document.querySelector('[data-export="docx-clean"]').disabled)`) != "false" {
			t.Fatal("the final Word copy is still disabled")
		}
		p.screenshot("export-draft-approved.png")
		clean := docxPartsOf(t, download("docx-clean", title+".docx"))
		doc := string(clean["word/document.xml"])
		if clean["word/comments.xml"] != nil || strings.Contains(doc, "<w:shd") || strings.Contains(doc, "<w:ins ") || strings.Contains(doc, "ReviewNote") {
			t.Error("the final Word copy carries marks")
		}
		html, _ := os.ReadFile(download("html", title+".html"))
		md, _ := os.ReadFile(download("md", title+".md"))
		txt, _ := os.ReadFile(download("txt", title+".txt"))
		if string(txt) != string(wantText) {
			t.Errorf("the text is\n%s\nwant\n%s", txt, wantText)
		}
		for name, c := range map[string]struct {
			got       string
			want, not []string
		}{
			"HTML": {string(html), []string{"<h2>一、医疗服务</h2>", "二是家庭医生签约率为68.5%。</p>", "<h2>二、下一步工作打算</h2>", `<div class="signature"><p>青禾县卫生健康局</p>`},
				[]string{"<mark", "<span", "legend", "数据来源", "风险", "下阶段"}},
			"Markdown": {string(md), []string{"# " + title, "## 一、医疗服务", "二是家庭医生签约率为68.5%。\n", "## 二、下一步工作打算", "青禾县卫生健康局\n"},
				[]string{"==", "**", "[^", "数据来源", "风险", "下阶段"}},
		} {
			if miss := missingInOrder(c.got, c.want...); miss != "" {
				t.Errorf("the final %s lacks %q (or has it out of order):\n%s", name, miss, c.got)
			}
			for _, w := range c.not {
				if strings.Contains(c.got, w) {
					t.Errorf("the final %s has %q:\n%s", name, w, c.got)
				}
			}
		}
	})

	step("LibreOffice opens every downloaded Word file; the final one reads title, body, 落款", func(t *testing.T) {
		final := filepath.Join(downloads, title+".docx")
		texts := libreOfficeText(t, append(reviewCopies, final)...)
		org, date := d.Signature()
		for _, f := range reviewCopies {
			if miss := missingInOrder(texts[f], title, "一、医疗服务", "二、下一步工作打算", org, date); miss != "" {
				t.Errorf("%s lacks %q:\n%s", filepath.Base(f), miss, texts[f])
			}
		}
		got := texts[final]
		if miss := missingInOrder(got, title, "一、医疗服务", "二是家庭医生签约率为68.5%。", "二、下一步工作打算", d.Sections[1].Sentences[len(d.Sections[1].Sentences)-1].Text, org, date); miss != "" {
			t.Errorf("the final copy lacks %q or has it out of order:\n%s", miss, got)
		}
		if strings.Contains(got, "审阅说明") || strings.Contains(got, "下阶段") {
			t.Errorf("the final copy has the legend or the rejected sentence:\n%s", got)
		}
	})

	step("the preview of the approved draft reads as the exports do, with no marks and the 落款", func(t *testing.T) {
		p.do("open the preview", chromedp.Navigate(srv.URL+"/#/drafts/"+id+"/preview"))
		p.wait("the paper is shown", `document.querySelector('#paper .paper-signature')`)
		got := p.eval(`[...document.querySelectorAll('#paper h1, #paper h2, #paper p')].map(e => e.textContent).join('\n')`)
		if want := strings.Join(paperBlocks(&d), "\n"); got != want {
			t.Errorf("the preview reads\n%s\nwant (as the exports)\n%s", got, want)
		}
		if n := p.eval(`String(document.querySelectorAll('#paper mark, #paper .sentence, #paper [class*="risk-"], #paper [title], #preview-view .legend, .preview-unapproved').length)`); n != "0" {
			t.Errorf("%s marks, legends or notices in the preview of an approved draft", n)
		}
		org, date := d.Signature()
		if sig := p.eval(`[...document.querySelectorAll('#paper .paper-signature p')].map(e => e.textContent + ':' + getComputedStyle(e).textAlign).join('|')`); sig != org+":right|"+date+":right" {
			t.Errorf("the 落款 is %q", sig)
		}
		p.screenshot("preview.png")
	})

	step("printed, the preview is the paper alone", func(t *testing.T) {
		media := func(m string) {
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m}); err != nil {
				t.Fatalf("emulate media %q: %v", m, err)
			}
		}
		media("print")
		defer media("")
		shown := p.eval(`['.topbar', '#preview-view .page-head', '#preview-view .export-bar', '#paper', '.preview-view .paper-signature'].map(s => document.querySelector(s).getClientRects().length > 0).join(',')`)
		if shown != "false,false,false,true,true" {
			t.Errorf("in print the top bar, page head, export bar, paper and 落款 show: %s; want only the paper and its 落款", shown)
		}
		p.screenshot("preview-print.png")
	})
}

// TestCleanExportNeedsApproval checks the one rule for copies to hand in: in every format, clean=true
// is refused until the draft is approved, and tracked is DOCX's alone.
func TestCleanExportNeedsApproval(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	id := draftAndWait(t, srv.URL, exportFigures)
	for _, format := range []string{"docx", "md", "html", "txt"} {
		t.Run("a clean "+format+" of a draft not approved is a conflict", func(t *testing.T) {
			status, body := call(t, "GET", srv.URL+"/api/v1/drafts/"+id+"/export?clean=true&format="+format, "", nil)
			if status != http.StatusConflict || errCode(body) != "conflict" {
				t.Errorf("status %d %v, want 409 conflict", status, body)
			}
		})
	}
	for _, x := range getDraft(t, srv.URL, id).Sections[0].Sentences {
		if x.Generated {
			reviewWithReason(t, srv.URL, id, x.ID, "approve", "")
		}
	}
	for _, x := range getDraft(t, srv.URL, id).Sections[1].Sentences {
		if x.Generated {
			reviewWithReason(t, srv.URL, id, x.ID, "approve", "")
		}
	}
	for _, format := range []string{"docx", "md", "html", "txt"} {
		t.Run("a clean "+format+" of an approved draft is served", func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/api/v1/drafts/" + id + "/export?clean=true&tracked=true&format=" + format)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), exportFormats[format].contentType) {
				t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if format != "docx" && (bytes.Contains(b, []byte("==")) || bytes.Contains(b, []byte("<mark")) || bytes.Contains(b, []byte("数据来源"))) {
				t.Errorf("the clean %s has marks:\n%s", format, b)
			}
		})
	}
}
