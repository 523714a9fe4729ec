package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/draftd/draftd/retrieval"
)

// reportPage is a fictional bureau's page as a site serves it: the summary, then the site's
// footer menu, a contact line and a copyright line. furniture says which lines (1-based) are
// the site's and the rules that may drop each; every other line is the document's own.
const reportPage = `青禾县水利局2024年工作总结
2024年，青禾县水利局在县委、县政府的坚强领导下，围绕防汛抗旱和农村供水两项重点，扎实推进各项工作，全年目标任务全面完成。现将有关情况总结如下：
一、主要工作成效
（一）防汛抗旱保障有力。全年开展汛前隐患排查3轮，整改隐患点27处，修订防汛预案12部，安全度过主汛期。
（二）农村供水提质增效。新建改造供水管网46公里，农村自来水普及率达到98.3%，惠及群众1.2万人。
二、存在的问题
水利工程管护资金不足，部分小型水库管理人员专业能力有待提高。
三、2025年工作打算
持续推进灌区续建配套和节水改造，加快完成白石河治理工程，确保群众饮水安全。
机构概况
政务公开
政策文件
办事服务
互动交流
数据发布
专题专栏
新闻动态
联系电话：0571-86612345　电子邮箱：slj@qinghe.example.cn
版权所有：青禾县水利局　未经许可不得转载
`

var reportFurniture = func() map[int][]string {
	menu := []string{retrieval.RuleMenu, retrieval.RuleNavigation}
	f := map[int][]string{18: {retrieval.RuleContact}, 19: {retrieval.RuleCopyright}}
	for line := 10; line <= 17; line++ {
		f[line] = menu
	}
	return f
}()

// shownDrop is a row of a file's list of dropped lines, as the page shows it.
type shownDrop struct {
	Line, Rule, LineCell, Text, RuleCell string
}

// TestUploadReportInBrowser uploads two files on the corpus page in Chromium and reads, per
// file and in the order sent, what cleaning dropped: counts by rule under the rules' Chinese
// names, and behind a disclosure every dropped line with its number and rule, the site's
// furniture and none of the document's own lines; then the notices, once per file. A file that
// is all furniture is refused, and the page shows what was dropped from it.
func TestUploadReportInBrowser(t *testing.T) {
	_, srv := browserApp(t)
	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const pageName = "水利局年度总结.txt"
	pagePath := write(pageName, reportPage)
	clean, err := filepath.Abs(filepath.Join("testdata", "e2e", "bureau.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// What the server reports for the page: no other file or stored document bears on it (the
	// collection is empty and two files are too few for the batch rule).
	_, want, err := retrieval.Prepare(pageName, reportPage, "")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(reportPage, "\n")

	// drops reads the dropped-lines rows of the n-th file's report.
	drops := func(n int) []shownDrop {
		raw := p.eval(fmt.Sprintf(`JSON.stringify([...document.querySelectorAll('.upload-file')[%d].querySelectorAll('.dropped-lines tbody tr')]
			.map((tr) => ({Line: tr.dataset.line, Rule: tr.dataset.rule, LineCell: tr.cells[0].textContent, Text: tr.cells[1].textContent, RuleCell: tr.cells[2].textContent})))`, n))
		var rows []shownDrop
		if err := json.Unmarshal([]byte(raw), &rows); err != nil {
			t.Fatalf("rows %s: %v", raw, err)
		}
		return rows
	}

	step("an upload shows, per file, the lines cleaning dropped with their rules in Chinese and none of the document's own", func(t *testing.T) {
		p.do("upload a page with its site's furniture and a clean summary",
			chromedp.Navigate(srv.URL+"/#/corpus"),
			chromedp.WaitVisible(chromedp.ID("dropzone")),
			chromedp.SetUploadFiles(chromedp.ID("corpus-file"), []string{pagePath, clean}))
		p.wait("both files are reported", `document.querySelectorAll('#upload-results .upload-file').length === 2`)
		if got := p.eval(`[...document.querySelectorAll('.upload-file')].map((li) => li.dataset.file).join('|')`); got != pageName+"|bureau.txt" {
			t.Fatalf("files reported as %q, want them in the order sent", got)
		}

		rows := drops(0)
		if len(rows) != len(want.Dropped) {
			t.Fatalf("the page lists %d dropped lines, the report has %d: %+v", len(rows), len(want.Dropped), rows)
		}
		for i, d := range want.Dropped {
			r := rows[i]
			if r.Line != strconv.Itoa(d.Line) || r.LineCell != r.Line || r.Text != d.Text || r.Rule != d.Rule || r.RuleCell != retrieval.RuleName(d.Rule) {
				t.Errorf("row %d = %+v, want line %d %q by %s (%s)", i+1, r, d.Line, d.Text, d.Rule, retrieval.RuleName(d.Rule))
			}
		}
		listed := map[int]shownDrop{}
		for _, r := range rows {
			n, _ := strconv.Atoi(r.Line)
			listed[n] = r
		}
		for n, rules := range reportFurniture {
			r, ok := listed[n]
			if !ok {
				t.Errorf("the site's line %d %q is not listed as dropped", n, lines[n-1])
				continue
			}
			if r.Text != strings.Join(strings.Fields(lines[n-1]), " ") || !slices.Contains(rules, r.Rule) {
				t.Errorf("line %d listed as %+v, want %q by one of %v", n, r, lines[n-1], rules)
			}
			if r.RuleCell == r.Rule || r.RuleCell == "" {
				t.Errorf("line %d: the rule shows as %q, not by its Chinese name", n, r.RuleCell)
			}
		}
		for n := 1; n <= 9; n++ {
			if r, ok := listed[n]; ok {
				t.Errorf("the document's own line %d is listed as dropped: %+v", n, r)
			}
		}

		// The counts by rule agree with the rows, and name the rules in Chinese.
		raw := p.eval(`JSON.stringify([...document.querySelectorAll('.upload-file')[0].querySelectorAll('.rule-counts tbody tr')].map((tr) => [tr.dataset.rule, tr.cells[0].innerText, tr.cells[1].innerText]))`)
		var counts [][3]string
		if err := json.Unmarshal([]byte(raw), &counts); err != nil {
			t.Fatal(err)
		}
		if len(counts) != len(want.Rules) {
			t.Fatalf("counts by rule = %v, want %v", counts, want.Rules)
		}
		for _, c := range counts {
			if c[1] != retrieval.RuleName(c[0]) || c[2] != strconv.Itoa(want.Rules[c[0]]) {
				t.Errorf("count row %v, want %s %d", c, retrieval.RuleName(c[0]), want.Rules[c[0]])
			}
		}
		for _, rule := range []string{retrieval.RuleContact, retrieval.RuleCopyright} {
			if !strings.Contains(p.text(".upload-file .rule-counts"), retrieval.RuleName(rule)) {
				t.Errorf("the counts do not name %s", retrieval.RuleName(rule))
			}
		}

		// The list is collapsed until asked for.
		if p.eval(`String(document.querySelector('.upload-file .dropped-lines').open)`) != "false" {
			t.Error("the dropped lines are shown open; they should wait behind a disclosure")
		}
		if txt := p.text(".upload-file .dropped-lines"); strings.Contains(txt, "版权所有") {
			t.Errorf("a closed list shows its lines: %q", txt)
		}
		p.do("open the list", chromedp.Click(chromedp.CSS(`.upload-file .dropped-lines summary`)))
		p.wait("the list opens", `document.querySelector('.upload-file .dropped-lines').open`)
		if txt := p.text(".upload-file .dropped-lines"); !strings.Contains(txt, "版权所有：青禾县水利局") || !strings.Contains(txt, retrieval.RuleName(retrieval.RuleContact)) {
			t.Errorf("the open list shows %q", txt)
		}

		// Notices: every one of the file's, once, and not again under its document.
		notices := p.text(".upload-file .upload-notices")
		if len(want.Notices) == 0 {
			t.Fatal("the page's report has no notices to show")
		}
		for _, n := range want.Notices {
			if strings.Count(notices, n.Message) != 1 {
				t.Errorf("notices show %q, want %q once", notices, n.Message)
			}
			if docs := p.text(".upload-file .upload-docs"); strings.Contains(docs, n.Message) {
				t.Errorf("the document repeats the file's notice: %q", docs)
			}
		}
		if docs := p.text(".upload-file .upload-docs"); !strings.Contains(docs, "青禾县水利局2024年工作总结") || !strings.Contains(docs, "新增") {
			t.Errorf("the file's document shows as %q", docs)
		}

		// The clean summary had nothing dropped, and says so.
		if got := p.eval(`String(document.querySelectorAll('.upload-file')[1].querySelectorAll('.dropped-lines, .rule-counts').length)`); got != "0" {
			t.Errorf("the clean file shows %s dropped-lines tables", got)
		}
		if txt := p.eval(`document.querySelectorAll('.upload-file')[1].innerText`); !strings.Contains(txt, "没有去掉") {
			t.Errorf("the clean file's report = %q", txt)
		}
		p.screenshot("upload-report.png")
	})

	step("a file that is all furniture is refused, and the page shows what was dropped from it", func(t *testing.T) {
		// Its last line carries markup: dropped text is shown as text, never run.
		const markup = `版权所有 <img src=x onerror="window.__xss=1"> 未经许可不得转载`
		only := strings.Join(lines[9:19], "\n") + "\n" + markup + "\n"
		path := write("只有网页模板.txt", only)
		p.do("upload it", chromedp.SetUploadFiles(chromedp.ID("corpus-file"), []string{path}))
		p.wait("the refusal shows", `document.querySelector('#upload-results [role=alert]')`)
		p.wait("with what cleaning dropped, open", `document.querySelector('#upload-results .dropped-lines[open]')`)
		txt := p.text("#upload-results")
		for _, want := range []string{"版权所有：青禾县水利局", retrieval.RuleName(retrieval.RuleCopyright), retrieval.RuleName(retrieval.RuleContact)} {
			if !strings.Contains(txt, want) {
				t.Errorf("the refusal's report does not show %q:\n%s", want, txt)
			}
		}
		p.noXSS("#upload-results", markup)
		p.screenshot("upload-report-empty.png")
	})
}

// TestUploadNamesItsRules checks the API side of the report the corpus page shows: each file's
// report names every rule it counts in Chinese, and so does the report an empty_document
// error carries.
func TestUploadNamesItsRules(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	named := func(t *testing.T, rep map[string]any) {
		t.Helper()
		rules, _ := rep["rules"].(map[string]any)
		names, _ := rep["rule_names"].(map[string]any)
		if len(rules) == 0 || len(names) != len(rules) {
			t.Fatalf("rules %v named %v", rules, names)
		}
		for rule := range rules {
			if names[rule] != retrieval.RuleName(rule) || names[rule] == rule {
				t.Errorf("rule %s is named %v, want %s", rule, names[rule], retrieval.RuleName(rule))
			}
		}
	}
	t.Run("an upload names the rules of each file's report", func(t *testing.T) {
		ct, b := multipartBody(t, map[string][]byte{"page.txt": []byte(reportPage)}, nil)
		code, body := call(t, http.MethodPost, srv.URL+"/api/v1/documents", ct, b)
		if code != http.StatusCreated {
			t.Fatalf("upload: %d %v", code, body)
		}
		reports, _ := body["reports"].([]any)
		if len(reports) != 1 {
			t.Fatalf("reports = %v", body["reports"])
		}
		rep := reports[0].(map[string]any)
		named(t, rep)
		if got := rep["rule_names"].(map[string]any)[retrieval.RuleContact]; got != "联系方式" {
			t.Errorf("the contact rule is named %v", got)
		}
	})
	t.Run("a file left empty by cleaning is refused with its report, rules named", func(t *testing.T) {
		only := strings.Join(strings.Split(reportPage, "\n")[9:19], "\n")
		ct, b := multipartBody(t, map[string][]byte{"only.txt": []byte(only)}, nil)
		code, body := call(t, http.MethodPost, srv.URL+"/api/v1/documents", ct, b)
		e, _ := body["error"].(map[string]any)
		if code != http.StatusUnprocessableEntity || e == nil || e["code"] != "empty_document" {
			t.Fatalf("upload: %d %v", code, body)
		}
		detail, _ := e["detail"].(map[string]any)
		if detail == nil {
			t.Fatalf("no report in %v", e)
		}
		named(t, detail)

		doc, _ := json.Marshal(map[string]string{"title": "模板页", "text": only})
		code, body = call(t, http.MethodPost, srv.URL+"/api/v1/documents", "application/json", bytes.NewReader(doc))
		e, _ = body["error"].(map[string]any)
		if code != http.StatusUnprocessableEntity || e == nil || e["code"] != "empty_document" || e["message"] != "模板页：去掉网页模板文字后没有剩下任何文字" {
			t.Fatalf("JSON upload: %d %v", code, body)
		}
		detail, _ = e["detail"].(map[string]any)
		named(t, detail)
	})
}
