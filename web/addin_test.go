package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/draftd/draftd/draft"
)

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestAddinIsServedWithItsOwnPolicy(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	const addin, strict = addinContentSecurityPolicy, contentSecurityPolicy
	tests := []struct {
		name, path string
		wantStatus int
		wantType   string
		wantCSP    string
	}{
		{"the task pane", "/addin/taskpane.html", 200, "text/html; charset=utf-8", addin},
		{"the add-in's root, which is the task pane", "/addin/", 200, "text/html; charset=utf-8", addin},
		{"the task pane's script", "/addin/taskpane.js", 200, "text/javascript; charset=utf-8", addin},
		{"the task pane's style sheet", "/addin/taskpane.css", 200, "text/css; charset=utf-8", addin},
		{"an icon", "/addin/icon-80.png", 200, "image/png", addin},
		{"the templates", "/addin/templates.json", 200, "application/json", addin},
		{"the Word manifest", "/addin/manifest.xml", 200, "application/xml; charset=utf-8", addin},
		{"the Word function file", "/addin/commands.html", 200, "text/html; charset=utf-8", addin},
		{"the install steps", "/addin/README.md", 200, "text/plain; charset=utf-8", addin},
		{"the WPS add-in's page", "/addin/wps/", 200, "text/html; charset=utf-8", addin},
		{"the WPS ribbon", "/addin/wps/ribbon.xml", 200, "application/xml; charset=utf-8", addin},
		{"the WPS configuration", "/addin/wps/config.js", 200, "text/javascript; charset=utf-8", addin},
		{"the WPS package", "/addin/draftd-wps.zip", 200, "application/zip", addin},
		{"a missing add-in file", "/addin/nope.js", 404, "application/json", addin},
		{"the app page", "/", 200, "text/html; charset=utf-8", strict},
		{"an app script", "/static/js/app.js", 200, "text/javascript; charset=utf-8", strict},
		{"an API answer", "/api/v1/documents", 200, "application/json", strict},
		{"an unknown route", "/nowhere", 404, "application/json", strict},
	}
	for _, tt := range tests {
		t.Run(tt.name+" carries the "+map[string]string{addin: "add-in", strict: "app's"}[tt.wantCSP]+" policy", func(t *testing.T) {
			resp, _ := get(t, srv.URL+tt.path, nil)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type %q, want %q", ct, tt.wantType)
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != tt.wantCSP {
				t.Errorf("Content-Security-Policy = %q", got)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
		})
	}
	t.Run("the add-in policy lets in Office.js and the Office hosts and no inline script", func(t *testing.T) {
		directives := map[string]string{}
		for _, d := range strings.Split(addin, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			directives[name] = value
		}
		if got := directives["script-src"]; got != "'self' https://appsforoffice.microsoft.com" {
			t.Errorf("script-src %q", got)
		}
		for _, host := range []string{"https://*.officeapps.live.com", "https://*.sharepoint.com", "https://*.cloud.microsoft"} {
			if !strings.Contains(directives["frame-ancestors"], host) {
				t.Errorf("frame-ancestors %q lacks %s", directives["frame-ancestors"], host)
			}
		}
		for _, name := range []string{"default-src", "connect-src", "script-src"} {
			if strings.Contains(directives[name], "unsafe") || strings.Contains(directives[name], "*") {
				t.Errorf("%s allows too much: %q", name, directives[name])
			}
		}
		if directives["base-uri"] != "'none'" {
			t.Errorf("base-uri %q", directives["base-uri"])
		}
	})
	t.Run("/addin leads to the task pane", func(t *testing.T) {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(srv.URL + "/addin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/addin/" {
			t.Fatalf("status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("a file is revalidated with its ETag", func(t *testing.T) {
		resp, _ := get(t, srv.URL+"/addin/manifest.xml", nil)
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		resp, _ = get(t, srv.URL+"/addin/manifest.xml", map[string]string{"If-None-Match": etag})
		if resp.StatusCode != http.StatusNotModified {
			t.Fatalf("status %d, want 304", resp.StatusCode)
		}
	})
}

// manifest is the part of an Office add-in manifest the test checks.
type manifest struct {
	XMLName     xml.Name `xml:"http://schemas.microsoft.com/office/appforoffice/1.1 OfficeApp"`
	Type        string   `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
	ID          string   `xml:"Id"`
	DisplayName struct {
		Value string `xml:"DefaultValue,attr"`
	} `xml:"DisplayName"`
	Hosts []struct {
		Name string `xml:"Name,attr"`
	} `xml:"Hosts>Host"`
	SourceLocation struct {
		Value string `xml:"DefaultValue,attr"`
	} `xml:"DefaultSettings>SourceLocation"`
	Permissions string `xml:"Permissions"`
}

// xmlURLs checks that body is well-formed XML and returns the URLs in its attributes and text,
// XML namespaces aside.
func xmlURLs(t *testing.T, body []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	var urls []string
	isURL := func(s string) bool {
		s = strings.TrimSpace(s)
		return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && !strings.HasPrefix(s, "http://schemas.") && !strings.HasPrefix(s, "http://www.w3.org/")
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			for _, a := range tok.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" && isURL(a.Value) {
					urls = append(urls, a.Value)
				}
			}
		case xml.CharData:
			if isURL(string(tok)) {
				urls = append(urls, strings.TrimSpace(string(tok)))
			}
		}
	}
	return urls
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func TestAddinManifestPointsAtItsServer(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name     string
		query    string
		header   map[string]string
		wantBase string
	}{
		{"a manifest downloaded from draftd points at it", "", nil, srv.URL},
		{"behind a TLS proxy it points at the https address", "", map[string]string{"X-Forwarded-Proto": "https"}, "https://" + host},
		{"an address given as base is used, path and all", "?base=https://oa.example.gov.cn/draftd/", nil, "https://oa.example.gov.cn/draftd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+"/addin/manifest.xml"+tt.query, tt.header)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
				t.Errorf("Content-Disposition %q: the manifest should download as a file", cd)
			}
			urls := xmlURLs(t, body)
			var m manifest
			if err := xml.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			if m.Type != "TaskPaneApp" || len(m.Hosts) != 1 || m.Hosts[0].Name != "Document" || m.Permissions != "ReadWriteDocument" {
				t.Errorf("type %q, hosts %+v, permissions %q", m.Type, m.Hosts, m.Permissions)
			}
			if !guidPattern.MatchString(m.ID) {
				t.Errorf("Id %q is not a GUID", m.ID)
			}
			if m.DisplayName.Value != "draftd 起草助手" {
				t.Errorf("DisplayName %q", m.DisplayName.Value)
			}
			if want := tt.wantBase + "/addin/taskpane.html?host=word"; m.SourceLocation.Value != want {
				t.Errorf("SourceLocation %q, want %q", m.SourceLocation.Value, want)
			}
			if len(urls) < 8 {
				t.Fatalf("only %d URLs in the manifest: %v", len(urls), urls)
			}
			for _, u := range urls {
				if !strings.HasPrefix(u, tt.wantBase+"/") {
					t.Errorf("URL %q is not under %s", u, tt.wantBase)
				}
			}
			if tt.query != "" || tt.header != nil {
				return
			}
			for _, u := range urls {
				if resp, _ := get(t, strings.SplitN(u, "?", 2)[0], nil); resp.StatusCode != http.StatusOK {
					t.Errorf("%s: status %d", u, resp.StatusCode)
				}
			}
		})
	}
	t.Run("a base that is not an http address is refused", func(t *testing.T) {
		for _, base := range []string{"javascript:alert(1)", "ftp://x", "https://x/?a=b", "/relative"} {
			resp, _ := get(t, srv.URL+"/addin/manifest.xml?base="+strings.ReplaceAll(base, "?", "%3F"), nil)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("base %q: status %d, want 400", base, resp.StatusCode)
			}
		}
	})
	t.Run("markup in the host name is escaped", func(t *testing.T) {
		_, body := get(t, srv.URL+`/addin/manifest.xml?base=https://a.example/"<x>&`, nil)
		xmlURLs(t, body)
	})
}

func TestWPSAddinFiles(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	for _, name := range []string{"publish.xml", "jsplugins.xml"} {
		t.Run(name+" names the add-in on this server", func(t *testing.T) {
			_, body := get(t, srv.URL+"/addin/wps/"+name, nil)
			var doc struct {
				Online []struct {
					Name string `xml:"name,attr"`
					Type string `xml:"type,attr"`
					URL  string `xml:"url,attr"`
				} `xml:"jspluginonline"`
			}
			xmlURLs(t, body)
			if err := xml.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Online) != 1 || doc.Online[0].Name != "draftd" || doc.Online[0].Type != "wps" || doc.Online[0].URL != srv.URL+"/addin/wps/" {
				t.Fatalf("jspluginonline %+v", doc.Online)
			}
		})
	}
	t.Run("the ribbon is well-formed", func(t *testing.T) {
		_, body := get(t, srv.URL+"/addin/wps/ribbon.xml", nil)
		xmlURLs(t, body)
	})
	t.Run("the package holds the add-in and this server's address", func(t *testing.T) {
		_, body := get(t, srv.URL+"/addin/draftd-wps.zip", nil)
		z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range z.File {
			names = append(names, f.Name)
			if f.Name != "config.js" {
				continue
			}
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if want := fmt.Sprintf("window.DRAFTD_BASE = %q;", srv.URL); !strings.Contains(string(b), want) {
				t.Errorf("config.js = %s, want %s", b, want)
			}
		}
		if got := strings.Join(names, " "); got != "config.js index.html main.js ribbon.xml images/draftd.svg" {
			t.Fatalf("package holds %s", got)
		}
	})
}

// TestAddinHasNoInlineCodeOrHTMLParsing keeps the add-in within its policy: no inline script or
// handler, no HTML parsing of data, and no script from elsewhere but Office.js.
func TestAddinHasNoInlineCodeOrHTMLParsing(t *testing.T) {
	err := filepathWalk("addin", func(path, data string) {
		var bad []string
		switch filepath.Ext(path) {
		case ".js":
			bad = []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "http://"}
			rest := strings.ReplaceAll(data, "https://appsforoffice.microsoft.com/lib/1/hosted/office.js", "")
			if strings.Contains(rest, "https://") {
				t.Errorf("%s names an https address other than Office.js", path)
			}
		case ".html":
			bad = []string{"<script>", "<style", " style=", " onclick=", " onload=", " onerror=", "http://", "https://"}
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

// injectBeforeLoad runs testdata/addin/file in every new document of the tab before the page's
// own scripts, as Office and WPS provide their objects; the returned func stops it.
func injectBeforeLoad(t *testing.T, ctx context.Context, file string) func() {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "addin", file))
	if err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: string(src)})
	if err != nil {
		t.Fatalf("inject %s: %v", file, err)
	}
	return func() {
		if _, err := chromedp.Call(ctx, cdppage.RemoveScriptToEvaluateOnNewDocument, cdppage.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: res.Identifier}); err != nil {
			t.Fatalf("remove %s: %v", file, err)
		}
	}
}

// wordParagraph is a paragraph of the Word stub's document.
type wordParagraph struct {
	Text  string `json:"text"`
	Style string `json:"style"`
	Runs  []struct {
		Text      string   `json:"text"`
		Highlight *string  `json:"highlight"`
		Comments  []string `json:"comments"`
	} `json:"runs"`
}

// expectedSentence is a sentence as the task pane must insert it.
type expectedSentence struct {
	draft.Sentence
	marked bool
}

// inserted lists what must go into the document per section: the sentences a reviewer did not
// reject, marked unless approved or the writer's own.
func inserted(d draft.Draft) [][]expectedSentence {
	var out [][]expectedSentence
	for _, s := range d.Sections {
		var xs []expectedSentence
		for _, x := range s.Sentences {
			if x.Review.Decision == draft.DecisionRejected {
				continue
			}
			xs = append(xs, expectedSentence{x, x.Generated && x.Review.Decision != draft.DecisionApproved})
		}
		out = append(out, xs)
	}
	return out
}

var riskNames = map[draft.Risk]string{draft.RiskLow: "低风险", draft.RiskMedium: "中风险", draft.RiskHigh: "高风险"}

// checkComment checks that a comment gives the sentence's risk, reasons and id.
func checkComment(t *testing.T, x draft.Sentence, comment string) {
	t.Helper()
	want := []string{"风险等级：" + riskNames[x.Risk], "句子编号：" + x.ID, "引用数据："}
	want = append(want, x.Reasons...)
	if len(x.UnboundNumbers) > 0 {
		want = append(want, "未绑定数字："+strings.Join(x.UnboundNumbers, "、"))
	}
	if x.Review.Decision == draft.DecisionEdited {
		want = append(want, "审核：已修改（王审核，")
	}
	for _, w := range want {
		if !strings.Contains(comment, w) {
			t.Errorf("the comment on %q lacks %q:\n%s", x.Text, w, comment)
		}
	}
}

// review decides on a sentence through the API.
func review(t *testing.T, base, id, sid, decision, text string) {
	t.Helper()
	req := map[string]string{"decision": decision, "by": "王审核"}
	if text != "" {
		req["text"] = text
	}
	status, body := call(t, "POST", base+"/api/v1/drafts/"+id+"/sentences/"+sid+"/review", "application/json", jsonBody(req))
	if status != http.StatusOK {
		t.Fatalf("%s %s: status %d %v", decision, sid, status, body)
	}
}

// reviewSome approves the first generated sentence, edits the second to state a number that is
// no figure (which makes it high-risk) and rejects the last, so that an insertion shows each case.
func reviewSome(t *testing.T, base, id string) {
	t.Helper()
	d := getDraft(t, base, id)
	var generated []string
	for _, s := range d.Sections {
		for _, x := range s.Sentences {
			if x.Generated {
				generated = append(generated, x.ID)
			}
		}
	}
	if len(generated) < 4 {
		t.Fatalf("only %d generated sentences", len(generated))
	}
	review(t, base, id, generated[0], "approve", "")
	review(t, base, id, generated[1], "edit", "全年开展各类主题活动999场。")
	review(t, base, id, generated[len(generated)-1], "reject", "")
}

func TestAddinTaskPane(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	// open loads the task pane afresh, as narrow as Word's, with nothing saved from a previous step.
	open := func(query, host string) {
		p.do("open the task pane",
			chromedp.EmulateViewport(360, 900),
			chromedp.Navigate(srv.URL+"/addin/icon-16.png"),
			chromedp.Evaluate[chromedp.Void](`localStorage.clear()`),
			chromedp.Navigate(srv.URL+"/addin/taskpane.html"+query))
		waitAfterNavigate(p, "the pane knows its host", fmt.Sprintf(`document.body.dataset.host === %q`, host))
	}
	values := func(field string) string {
		return p.eval(fmt.Sprintf(`[...document.querySelectorAll('[data-section="0"] [data-field$=".%s"]')].map(e => e.value).join('|')`, field))
	}
	generate := func() string {
		p.do("generate", chromedp.Click(chromedp.ID("generate")))
		p.wait("the draft is shown", `!document.getElementById('result').hidden && document.getElementById('status').textContent.startsWith('稿件已生成')`)
		return p.eval(`document.getElementById('result').dataset.draftId`)
	}

	step("the pane's table reader keeps numbers as written and moves units to the unit column", func(t *testing.T) {
		p.do("open", chromedp.Navigate(srv.URL+"/addin/taskpane.html"))
		waitAfterNavigate(p, "the script has run", `window.draftdAddin`)
		tests := []struct{ name, cells, want string }{
			{"a header row is skipped", `[["指标","数值","单位"],["接待游客","421.6","万人次"]]`, `[{"label":"接待游客","value":"421.6","unit":"万人次","previous":""}]`},
			{"a unit in the value cell moves to an empty unit cell", `[["完成投资","3.5亿元"],["签约率","68.5%",""]]`, `[{"label":"完成投资","value":"3.5","unit":"亿元","previous":""},{"label":"签约率","value":"68.5","unit":"%","previous":""}]`},
			{"a unit cell that is filled wins", `[["投资","3.5亿","元","2.1"]]`, `[{"label":"投资","value":"3.5亿","unit":"元","previous":"2.1"}]`},
			{"an inexact number is left for draftd to explain", `[["接待游客","约421.6","万人次"]]`, `[{"label":"接待游客","value":"约421.6","unit":"万人次","previous":""}]`},
			{"cell marks and empty rows go", "[[\"讲座\",\"126\\r\\u0007\",\"场\\r\\u0007\"],[\"\",\"\",\"\"]]", `[{"label":"讲座","value":"126","unit":"场","previous":""}]`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := p.eval(fmt.Sprintf(`JSON.stringify(draftdAddin.parseTable(%s))`, tt.cells)); got != tt.want {
					t.Fatalf("got  %s\nwant %s", got, tt.want)
				}
			})
		}
	})

	step("the pane inserts the headings the exports print, and no heading for the opening", func(t *testing.T) {
		tests := []struct {
			name, figures string
			headings      []string // as the exports print them, "" for the opening paragraph
		}{
			{"a draft opened by its overview is numbered by place", openingFigures, []string{"", "一、医疗服务", "二、下一步打算"}},
			{"a draft from a template keeps its tree, renumbered by level", templateFigures, []string{"", "一、主要工作", "（一）基层服务", "（二）公共卫生", "1.疫苗接种", "二、下步打算"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := draftAndWait(t, srv.URL, tt.figures)
				_, body := get(t, srv.URL+"/api/v1/drafts/"+id, nil)
				var headings []string
				if err := json.Unmarshal([]byte(p.eval(fmt.Sprintf(`JSON.stringify(draftdAddin.insertionPlan(%s).sections.map(s => s.heading))`, body))), &headings); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(headings, tt.headings) {
					t.Fatalf("the pane inserts the headings %q, want %q", headings, tt.headings)
				}
				if exports := mdHeadings(exported(t, srv.URL, id, "md")); !slices.Equal(headings[1:], exports) {
					t.Errorf("the pane's headings %q are not the Markdown export's %q", headings[1:], exports)
				}
			})
		}
	})

	stopWord := injectBeforeLoad(t, ctx, "word-stub.js")
	var wordDraft string
	step("in Word, the selected table fills the figures", func(t *testing.T) {
		open("?host=word", "word")
		if calls := p.eval(`window.__word.calls.join(',')`); calls != "onReady" {
			t.Fatalf("Office calls %q: the pane should wait for Office.onReady and nothing else", calls)
		}
		if n := p.eval(`String(document.querySelectorAll('script[src*="appsforoffice"]').length)`); n != "0" {
			t.Fatalf("%s Office.js script tags although Office is already there", n)
		}
		p.do("fill the heading fields and read the table",
			chromedp.SendKeys(chromedp.ID("f-title"), "青禾县卫生健康局2025年上半年工作总结"),
			chromedp.SendKeys(chromedp.ID("f-org"), "青禾县卫生健康局"),
			chromedp.SendKeys(chromedp.ID("f-period"), "2025年上半年"),
			fill("#s0-heading", "总体情况"), // the opening paragraph: inserted with no heading
			chromedp.Click(chromedp.CSS(`[data-read-table="0"]`)))
		p.wait("the rows are filled", `document.querySelectorAll('[data-section="0"] tbody tr').length === 3`)
		for field, want := range map[string]string{
			"label":    "门诊诊疗人次|家庭医生签约率|新建标准化村卫生室",
			"value":    "52.3|68.5|9",
			"unit":     "万人次|%|个",
			"previous": "48.6||",
		} {
			if got := values(field); got != want {
				t.Errorf("%s column = %q, want %q", field, got, want)
			}
		}
		if st := p.text("#status"); !strings.Contains(st, "已从表格读取 3 项数据") {
			t.Errorf("status %q", st)
		}
	})

	step("in Word, the draft goes in at the cursor with highlights and comments", func(t *testing.T) {
		p.do("add a second section",
			chromedp.Click(chromedp.ID("add-section")),
			chromedp.WaitVisible(chromedp.ID("s1-heading")),
			fill("#s1-heading", "二、下半年工作打算"),
			fill("#s1-notes", "持续推进紧密型县域医共体建设，做好秋冬季传染病防控。"))
		wordDraft = generate()
		paneShot(p, "addin-word-generated.png")
		reviewSome(t, srv.URL, wordDraft)
		p.do("insert", chromedp.Click(chromedp.ID("insert")))
		p.wait("it is inserted", `document.getElementById('status').textContent.startsWith('已插入')`)
		paneShot(p, "addin-word-inserted.png")
		if p.eval(`String(window.__word.unsynced)`) != "false" {
			t.Fatal("Word.run ended with operations never synced")
		}
		var doc []wordParagraph
		if err := json.Unmarshal([]byte(p.eval(`window.__word.dump()`)), &doc); err != nil {
			t.Fatal(err)
		}
		d := getDraft(t, srv.URL, wordDraft)
		want := inserted(d)
		colours := map[draft.Risk]string{draft.RiskLow: "#00FF00", draft.RiskMedium: "#FFFF00", draft.RiskHigh: "#FF0000"}
		if len(doc) < 2 || doc[0].Text != "已有的正文。" || doc[1].Text != d.Title || doc[1].Style != "Title" {
			t.Fatalf("the document starts %+v", doc[:min(2, len(doc))])
		}
		if len(d.Sections) != 2 || !d.Sections[0].Opening || d.Sections[1].PrintedHeading != "一、下半年工作打算" {
			t.Fatalf("the draft should open with its overview and print 一、下半年工作打算: %+v", d.Sections)
		}
		if got := p.eval(`[...document.querySelectorAll('#preview h3')].map(e => e.textContent).join('|')`); got != "一、下半年工作打算" {
			t.Errorf("the pane's preview shows the headings %q, want only 一、下半年工作打算", got)
		}
		i := 2
		risks := map[draft.Risk]int{}
		for n, sec := range d.Sections {
			if !sec.Opening { // the opening paragraph follows the title directly
				if i >= len(doc) || doc[i].Text != sec.PrintedHeading || doc[i].Style != "Heading1" {
					t.Fatalf("paragraph %d = %+v, want the heading %q", i, doc[min(i, len(doc)-1)], sec.PrintedHeading)
				}
				i++
			}
			if len(want[n]) == 0 {
				continue
			}
			body := doc[i]
			i++
			if body.Style != "Normal" || len(body.Runs) != len(want[n]) {
				t.Fatalf("section %d: body paragraph %q with %d runs, want %d sentences", n, body.Style, len(body.Runs), len(want[n]))
			}
			for k, x := range want[n] {
				r := body.Runs[k]
				if r.Text != x.Text {
					t.Fatalf("section %d sentence %d = %q, want %q", n, k, r.Text, x.Text)
				}
				if !x.marked {
					if r.Highlight != nil || len(r.Comments) != 0 {
						t.Errorf("%q (approved or the writer's) has highlight %v and %d comments", x.Text, r.Highlight, len(r.Comments))
					}
					continue
				}
				risks[x.Risk]++
				if r.Highlight == nil || *r.Highlight != colours[x.Risk] {
					t.Errorf("%q of %s risk has highlight %v, want %s", x.Text, x.Risk, r.Highlight, colours[x.Risk])
				}
				if len(r.Comments) != 1 {
					t.Fatalf("%q has %d comments, want 1", x.Text, len(r.Comments))
				}
				checkComment(t, x.Sentence, r.Comments[0])
			}
		}
		if i != len(doc) {
			t.Fatalf("%d paragraphs, want %d", len(doc), i)
		}
		// The offline drafter writes no unsupported trend, coverage or record, so its drafts have no
		// medium sentence; the pane's medium colour is checked against its table below.
		if risks[draft.RiskLow] == 0 || risks[draft.RiskHigh] == 0 {
			t.Fatalf("marked sentences by risk %v: the test should see low and high risks", risks)
		}
		if got := p.eval(`window.draftdAddin.wordHighlight.medium + '|' + window.draftdAddin.wpsHighlight.medium`); got != colours[draft.RiskMedium]+"|7" {
			t.Errorf("the pane marks medium risk with %q, want %s|7", got, colours[draft.RiskMedium])
		}
		t.Logf("marked sentences by risk: %v", risks)
		if st := p.text("#status"); !strings.Contains(st, "并附批注") {
			t.Errorf("status %q", st)
		}
	})
	stopWord()

	stopWPS := injectBeforeLoad(t, ctx, "wps-stub.js")
	step("in WPS, a template and the selected table fill the figures", func(t *testing.T) {
		open("?host=wps", "wps")
		if badge := p.text("#host-badge"); badge != "WPS 文字" {
			t.Fatalf("badge %q", badge)
		}
		p.do("apply the health template",
			chromedp.SetValue(chromedp.ID("template"), "0"),
			chromedp.Click(chromedp.ID("apply-template")))
		if got := p.eval(`document.getElementById('f-title').value + '|' + document.getElementById('s1-heading').value`); got != "青禾县卫生健康局2025年上半年工作总结|二、下半年工作打算" {
			t.Fatalf("after the template: %q", got)
		}
		p.do("read the table", chromedp.Click(chromedp.CSS(`[data-read-table="0"]`)))
		p.wait("the rows are replaced", `document.querySelectorAll('[data-section="0"] tbody tr').length === 2`)
		if got := values("label") + " " + values("value") + " " + values("unit"); got != "开展健康讲座|建立居民健康档案 126|4.2 场|万" {
			t.Fatalf("rows %q", got)
		}
	})

	step("in WPS, the draft is typed at the cursor with highlights and comments", func(t *testing.T) {
		id := generate()
		reviewSome(t, srv.URL, id)
		p.do("insert", chromedp.Click(chromedp.ID("insert")))
		p.wait("it is inserted", `document.getElementById('status').textContent.startsWith('已插入')`)
		paneShot(p, "addin-wps-inserted.png")
		var rec struct {
			Text       string   `json:"text"`
			Typed      []string `json:"typed"`
			Styles     []int    `json:"styles"`
			Highlights []struct {
				Text  string `json:"text"`
				Value int    `json:"value"`
			} `json:"highlights"`
			Comments []struct {
				Range string `json:"range"`
				Text  string `json:"text"`
			} `json:"comments"`
		}
		if err := json.Unmarshal([]byte(p.eval(`JSON.stringify(window.__wps)`)), &rec); err != nil {
			t.Fatal(err)
		}
		d := getDraft(t, srv.URL, id)
		want := inserted(d)
		if !strings.HasPrefix(rec.Text, "已有正文。选中的字\n") {
			t.Fatalf("the document now starts %q: the writer's selection was typed over", rec.Text[:min(30, len(rec.Text))])
		}
		// Everything typed, in order, paragraph marks as ¶, and the styles set before each paragraph.
		wantTyped := []string{"\n", d.Title, "\n"}
		wantStyles := []int{-63}
		var wantMarked []expectedSentence
		for n, sec := range d.Sections {
			if !sec.Opening {
				wantTyped = append(wantTyped, sec.PrintedHeading, "\n")
				wantStyles = append(wantStyles, -2)
			}
			if len(want[n]) == 0 {
				continue
			}
			wantStyles = append(wantStyles, -1)
			for _, x := range want[n] {
				wantTyped = append(wantTyped, x.Text)
				if x.marked {
					wantMarked = append(wantMarked, x)
				}
			}
			wantTyped = append(wantTyped, "\n")
		}
		if got, want := strings.Join(rec.Typed, "¶"), strings.Join(wantTyped, "¶"); got != want {
			t.Fatalf("typed:\n%s\nwant:\n%s", got, want)
		}
		if got, want := fmt.Sprint(rec.Styles), fmt.Sprint(wantStyles); got != want {
			t.Errorf("styles %s, want %s", got, want)
		}
		highlight := map[string]int{}
		for _, h := range rec.Highlights {
			highlight[h.Text] = h.Value
		}
		indexes := map[draft.Risk]int{draft.RiskLow: 4, draft.RiskMedium: 7, draft.RiskHigh: 6}
		for _, xs := range want {
			for _, x := range xs {
				v, ok := highlight[x.Text]
				wantV := 0
				if x.marked {
					wantV = indexes[x.Risk]
				}
				if !ok || v != wantV {
					t.Errorf("%q (%s, marked %v): HighlightColorIndex %d (set: %v), want %d", x.Text, x.Risk, x.marked, v, ok, wantV)
				}
			}
		}
		if len(rec.Comments) != len(wantMarked) || len(wantMarked) == 0 {
			t.Fatalf("%d comments for %d marked sentences", len(rec.Comments), len(wantMarked))
		}
		for k, c := range rec.Comments {
			if c.Range != wantMarked[k].Text {
				t.Errorf("comment %d is on %q, want %q", k, c.Range, wantMarked[k].Text)
			}
			checkComment(t, wantMarked[k].Sentence, c.Text)
		}
	})

	step("in WPS, the ribbon button opens the task pane from this server", func(t *testing.T) {
		p.do("load the WPS add-in page", chromedp.Navigate(srv.URL+"/addin/wps/"))
		waitAfterNavigate(p, "main.js has run", `window.ribbon`)
		_, ribbon := get(t, srv.URL+"/addin/wps/ribbon.xml", nil)
		for _, m := range regexp.MustCompile(`(?:onLoad|onAction|getImage)="ribbon\.(\w+)"`).FindAllStringSubmatch(string(ribbon), -1) {
			if p.eval(fmt.Sprintf(`typeof ribbon.%s`, m[1])) != "function" {
				t.Errorf("ribbon.xml calls ribbon.%s, which main.js does not define", m[1])
			}
		}
		got := p.eval(`ribbon.OnAddinLoad({}); ribbon.OnAction({Id: 'draftdTaskpane'}); const a = __wps.panes.map(x => x.url + ' ' + x.Visible).join(); ribbon.OnAction({Id: 'draftdTaskpane'}); a + ' ' + __wps.panes.length + ' ' + __wps.panes[0].Visible`)
		if want := srv.URL + "/addin/taskpane.html?host=wps true 1 false"; got != want {
			t.Fatalf("panes: %q, want %q", got, want)
		}
		img := p.eval(`ribbon.GetImage({Id: 'draftdTaskpane'})`)
		if resp, _ := get(t, srv.URL+"/addin/wps/"+img, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("the button's image %s: status %d", img, resp.StatusCode)
		}
	})
	stopWPS()

	step("in a browser, the pane says so, does not fetch Office.js, and still drafts and downloads", func(t *testing.T) {
		open("", "browser")
		if notice := p.text("#host-notice"); !strings.Contains(notice, "浏览器") {
			t.Fatalf("notice %q", notice)
		}
		p.do("apply the education template",
			chromedp.SetValue(chromedp.ID("template"), "1"),
			chromedp.Click(chromedp.ID("apply-template")))
		generate()
		if p.eval(`String(document.getElementById('insert').disabled)`) != "true" {
			t.Fatal("insert is enabled outside Word and WPS")
		}
		if n := p.eval(`String(performance.getEntriesByType('resource').filter(e => e.name.includes('appsforoffice')).length + document.querySelectorAll('script[src*="appsforoffice"]').length)`); n != "0" {
			t.Fatalf("Office.js was requested in a browser (%s)", n)
		}
		paneShot(p, "addin-browser.png")
		dir := t.TempDir()
		if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir,
		}); err != nil {
			t.Fatal(err)
		}
		p.do("download", chromedp.Click(chromedp.ID("download")))
		p.wait("it is downloaded", `document.getElementById('status').textContent.startsWith('已下载')`)
		if st := p.text("#status"); !strings.Contains(st, "青禾县教育局2025年工作总结.docx") {
			t.Errorf("status %q", st)
		}
		file := waitForDownload(t, dir)
		z, err := zip.OpenReader(file)
		if err != nil {
			t.Fatalf("the download is not a .docx: %v", err)
		}
		defer z.Close()
		var parts []string
		for _, f := range z.File {
			parts = append(parts, f.Name)
		}
		if all := strings.Join(parts, " "); !strings.Contains(all, "word/document.xml") || !strings.Contains(all, "word/comments.xml") {
			t.Fatalf("the .docx holds %s", all)
		}
	})

	step("a validation error is shown on the field it concerns", func(t *testing.T) {
		p.do("type an inexact number",
			fill(`[data-field="s0.r1.value"]`, "约99.2"),
			chromedp.Click(chromedp.ID("generate")))
		p.wait("the problem is listed and the field marked", `!document.getElementById('problems').hidden && document.querySelector('[data-field="s0.r1.value"][aria-invalid="true"]')`)
		if got := p.text("#problems"); !strings.Contains(got, "第1部分第2项") || !strings.Contains(got, "约") {
			t.Fatalf("problems %q", got)
		}
	})
}

// waitAfterNavigate is page.wait for just after a navigation, when chromedp may still name the
// old document's JavaScript context: that error is retried.
func waitAfterNavigate(p page, what, expr string) {
	p.t.Helper()
	for try := 0; ; try++ {
		_, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second)))
		if err == nil {
			return
		}
		if try < 10 && strings.Contains(err.Error(), "Cannot find context") {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		p.fail(fmt.Sprintf("waiting until %s (%s)", what, expr), err)
	}
}

// paneShot saves a picture of the whole task pane, 360 pixels wide as in Word, in a window tall
// enough that no scroll bar narrows it.
func paneShot(p page, name string) {
	p.t.Helper()
	var height int64
	if _, err := fmt.Sscan(p.eval(`String(document.documentElement.scrollHeight)`), &height); err != nil {
		p.t.Fatal(err)
	}
	p.do("fit the window to the pane", chromedp.EmulateViewport(360, height))
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	p.do("restore the window", chromedp.EmulateViewport(360, 900))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
}

// waitForDownload returns the first finished file in dir.
func waitForDownload(t *testing.T, dir string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".crdownload") {
				if info, err := e.Info(); err == nil && info.Size() > 0 {
					return filepath.Join(dir, e.Name())
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("nothing was downloaded")
	return ""
}
