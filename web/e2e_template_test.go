package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// TestTemplateInBrowser walks a writer through drafting this year's summary from last year's in
// Chromium, on PostgreSQL when DRAFTD_TEST_DATABASE_URL is set (else the embedded store): the
// document's title and kind are corrected on the corpus page (and audited), the new-draft page
// starts from the document, shows its skeleton with unsure slots highlighted, downloads it as
// .xlsx, imports it back filled in, and drafts.
func TestTemplateInBrowser(t *testing.T) {
	store, srv := browserApp(t)
	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	downloads := t.TempDir()
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(filepath.Join("testdata", "e2e", "bureau.txt"))
	if err != nil {
		t.Fatal(err)
	}
	const title = "青禾县文化和旅游局2024年度工作总结"

	var docID string
	step("a writer corrects a document's title and kind on the corpus page, and the change is audited", func(t *testing.T) {
		p.do("upload last year's summary",
			chromedp.Navigate(srv.URL+"/#/corpus"),
			chromedp.WaitVisible(chromedp.ID("dropzone")),
			chromedp.SetUploadFiles(chromedp.ID("corpus-file"), []string{abs}))
		p.wait("it is listed", `document.querySelectorAll('#documents tbody tr').length === 1`)
		docID = p.eval(`document.querySelector('#documents tbody tr').dataset.doc`)
		p.do("open it and edit",
			chromedp.Click(chromedp.CSS(`#documents tbody a`)),
			chromedp.WaitVisible(chromedp.ID("doc-edit-open")),
			chromedp.Click(chromedp.ID("doc-edit-open")),
			chromedp.WaitVisible(chromedp.ID("doc-edit-title")),
			fill("#doc-edit-title", title),
			fill("#doc-edit-kind", "汇报"),
			chromedp.Click(chromedp.ID("doc-edit-save")))
		p.wait("the page shows the new title and the edits", fmt.Sprintf(`(document.querySelector('main h1') || {}).innerText === %q && document.querySelector('#doc-edits')`, title))
		if got := p.text("#doc-edits"); !strings.Contains(got, "2") {
			t.Fatalf("edits = %q", got)
		}
		edits, err := store.DocumentEdits(t.Context(), retrieval.Scope{}, docID)
		if err != nil || len(edits) != 2 || edits[0].Field != "title" || edits[0].New != title || edits[1].Field != "kind" || edits[1].New != "汇报" || edits[0].By != localEditor {
			t.Fatalf("audit trail = %+v, %v", edits, err)
		}
		p.do("a blank title is refused with a Chinese message",
			chromedp.Click(chromedp.ID("doc-edit-open")),
			fill("#doc-edit-title", " "),
			chromedp.Click(chromedp.ID("doc-edit-save")))
		p.wait("the error shows", `!document.getElementById('doc-edit-error').hidden`)
		if msg := p.text("#doc-edit-error"); !strings.Contains(msg, "标题不能为空") {
			t.Fatalf("error = %q", msg)
		}
		p.screenshot("template-corpus-edit.png")
	})

	// The skeleton as the API gives it, to compare the form with.
	var skeleton draft.Figures
	status, body := apiCall(t, "POST", srv.URL+"/api/v1/documents/"+docID+"/template", "", nil)
	if status != http.StatusOK || json.Unmarshal(body, &skeleton) != nil {
		t.Fatalf("template: %d %s", status, body)
	}
	var figures []draft.Figure
	unsure := 0
	for _, sec := range skeleton.Sections {
		for _, f := range sec.Figures {
			figures = append(figures, f)
			if strings.HasPrefix(f.Note, "待确认") {
				unsure++
			}
		}
	}
	if len(figures) < 5 {
		t.Fatalf("skeleton has %d figures: %s", len(figures), body)
	}

	step("the new-draft page starts from the document picked by title and shows its skeleton", func(t *testing.T) {
		p.do("pick the document",
			chromedp.Navigate(srv.URL+"/#/new"),
			chromedp.WaitVisible(chromedp.ID("from-doc-open")),
			chromedp.Click(chromedp.ID("from-doc-open")),
			chromedp.WaitVisible(chromedp.ID("doc-search")))
		p.wait("the corpus is listed", `document.querySelectorAll('[data-use-doc]').length === 1`)
		p.do("filter and use it", fill("#doc-search", "没有这样的标题"))
		p.wait("nothing matches", `document.querySelectorAll('[data-use-doc]').length === 0`)
		p.do("search the text", fill("#doc-search", "油菜花节"), chromedp.Click(chromedp.ID("doc-search-text")))
		p.wait("the text search finds it", fmt.Sprintf(`document.querySelectorAll('[data-use-doc]').length === 1 && document.querySelector('[data-use-doc]').dataset.useDoc === %q`, docID))
		p.do("filter and use it", fill("#doc-search", "2024年度"), chromedp.Click(chromedp.CSS(`[data-use-doc]`)))
		p.wait("the form is the skeleton", fmt.Sprintf(`document.querySelectorAll('.section-card').length === %d && document.getElementById('from-template')`, len(skeleton.Sections)))
		if got := p.eval(`document.getElementById('f-title').value`); got != skeleton.Title {
			t.Fatalf("title %q, want %q", got, skeleton.Title)
		}
		for si, sec := range skeleton.Sections {
			if got := p.eval(fmt.Sprintf(`document.getElementById('heading-%d').value`, si)); got != sec.Heading {
				t.Fatalf("heading %d = %q, want %q", si, got, sec.Heading)
			}
			for ri, f := range sec.Figures {
				for field, want := range map[string]string{"label": f.Label, "unit": f.Unit, "previous": f.Previous, "value": ""} {
					if got := p.eval(fmt.Sprintf(`document.querySelector('[data-field="s%d.r%d.%s"]').value`, si, ri, field)); got != want {
						t.Fatalf("section %d row %d %s = %q, want %q", si, ri, field, got, want)
					}
				}
			}
		}
		if got := p.eval(`String(document.querySelectorAll('table.figures tr.unsure').length)`); got != strconv.Itoa(unsure) {
			t.Fatalf("%s rows highlighted, want the %d unsure slots", got, unsure)
		}
		p.screenshot("template-form.png")
	})

	filled := filepath.Join(t.TempDir(), "filled.xlsx")
	step("the skeleton downloads as .xlsx, and the workbook filled in imports back into the form", func(t *testing.T) {
		p.do("download", chromedp.Click(chromedp.ID("download-xlsx")))
		var got string
		deadline := time.Now().Add(15 * time.Second)
		for got == "" && time.Now().Before(deadline) {
			entries, _ := os.ReadDir(downloads)
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".xlsx") {
					got = filepath.Join(downloads, e.Name())
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got == "" {
			t.Fatal("no workbook was downloaded")
		}
		wb, err := excelize.OpenFile(got)
		if err != nil {
			t.Fatalf("the download is not a workbook: %v", err)
		}
		sheet := wb.GetSheetList()[0]
		rows, _ := wb.GetRows(sheet)
		n := 0
		for y, r := range rows[1:] {
			if len(r) > 2 && r[2] != "" {
				n++
				wb.SetCellStr(sheet, "G"+strconv.Itoa(y+2), strconv.Itoa(100+n)+".5")
			}
		}
		if n != len(figures) {
			t.Fatalf("the workbook has %d figure rows, the skeleton %d", n, len(figures))
		}
		if err := wb.SaveAs(filled); err != nil {
			t.Fatal(err)
		}
		wb.Close()
		first := ""
		for si, sec := range skeleton.Sections {
			if len(sec.Figures) > 0 && first == "" {
				first = fmt.Sprintf(`[data-field="s%d.r0.value"]`, si)
			}
		}
		p.do("type a value, then import", fill(first, "7"), chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{filled}))
		p.wait("the values are in the form", fmt.Sprintf(`(document.querySelector(%q) || {}).value === '101.5'`, first))
		k := 0
		for si, sec := range skeleton.Sections {
			for ri, f := range sec.Figures {
				k++
				if got := p.eval(fmt.Sprintf(`document.querySelector('[data-field="s%d.r%d.value"]').value`, si, ri)); got != strconv.Itoa(100+k)+".5" {
					t.Fatalf("section %d row %d value = %q", si, ri, got)
				}
				if got := p.eval(fmt.Sprintf(`document.querySelector('[data-field="s%d.r%d.previous"]').value`, si, ri)); got != f.Previous {
					t.Fatalf("section %d row %d previous = %q, want %q", si, ri, got, f.Previous)
				}
			}
		}
	})

	step("the filled form drafts from the template", func(t *testing.T) {
		p.do("generate", chromedp.Click(chromedp.ID("generate")))
		p.wait("the draft opens", `location.hash.startsWith('#/drafts/')`)
		id := strings.TrimPrefix(p.eval(`location.hash`), "#/drafts/")
		if i := strings.IndexByte(id, '/'); i >= 0 {
			id = id[:i]
		}
		var d draft.Draft
		for range 100 {
			d = getDraft(t, srv.URL, id)
			if d.Status != draft.StatusPending && d.Status != draft.StatusGenerating {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if d.Input == nil || d.Input.Template != docID || len(d.Input.Sections) != len(skeleton.Sections) {
			t.Fatalf("the draft's input does not name its template: %+v", d.Input)
		}
		for i, sec := range skeleton.Sections {
			if d.Input.Sections[i].Heading != sec.Heading {
				t.Fatalf("section %d heading %q, want %q", i, d.Input.Sections[i].Heading, sec.Heading)
			}
		}
		p.screenshot("template-draft.png")
	})

	step("a file uploaded from the new-draft page becomes the template, once the writer agrees to replace the form", func(t *testing.T) {
		p.do("upload a template",
			chromedp.Navigate(srv.URL+"/#/new"),
			chromedp.WaitVisible(chromedp.ID("from-doc-open")),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('f-title').value = ''`),
			fill("#f-title", "另一份稿件"),
			chromedp.Click(chromedp.ID("from-doc-open")),
			chromedp.WaitReady(chromedp.ID("template-file")),
			chromedp.SetUploadFiles(chromedp.ID("template-file"), []string{abs}),
			chromedp.WaitVisible(chromedp.ID("confirm-ok")),
			chromedp.Click(chromedp.ID("confirm-ok")))
		p.wait("the form is the uploaded document's skeleton", fmt.Sprintf(`document.getElementById('f-title').value === %q && document.querySelectorAll('.section-card').length === %d`,
			skeleton.Title, len(skeleton.Sections)))
	})
}

// browserApp serves the app for a browser walk over PostgreSQL when DRAFTD_TEST_DATABASE_URL is
// set, else over the embedded store, with uploads of up to 8 MB.
func browserApp(t *testing.T) (testStore, *httptest.Server) {
	t.Helper()
	all := stores(t)
	open, backend := all["embedded"], "embedded"
	if pg, ok := all["pgvector"]; ok {
		open, backend = pg, "pgvector"
	}
	t.Logf("store: %s", backend)
	store := open(t)
	s := serverOn(t, store)
	s.MaxUploadBytes = 8 << 20
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return store, srv
}
