package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Two drafts whose headings the page could number otherwise than the exports: one opened by an
// overview (总体情况, printed as the first paragraph with no heading) whose next heading the writer
// numbered （二）, and one from a template whose tree lost its （二） and its 二、.
const (
	openingFigures = `{"title":"青禾县卫生健康局2025年上半年工作汇报","organization":"青禾县卫生健康局","period":"2025年上半年","sections":[` +
		`{"heading":"总体情况","notes":"上半年全局围绕年度目标推进各项工作。","figures":[{"id":"f1","label":"门诊诊疗人次","value":"52.3","unit":"万人次","previous":"48.6"}]},` +
		`{"heading":"（二）医疗服务","notes":"推进紧密型县域医共体建设。","figures":[{"id":"f2","label":"家庭医生签约率","value":"68.5","unit":"%"}]},` +
		`{"heading":"三、下一步打算","notes":"做好秋冬季传染病防控。","figures":[]}]}`
	templateFigures = `{"title":"白石镇2025年卫生健康工作总结","organization":"白石镇人民政府","period":"2025年","template":"tpl-baishi-2024","sections":[` +
		`{"heading":"总体情况","notes":"全镇卫生健康工作稳步推进。","figures":[]},` +
		`{"heading":"一、主要工作","notes":"围绕基层服务和公共卫生开展工作。","figures":[]},` +
		`{"heading":"（一）基层服务","notes":"村卫生室标准化建设。","figures":[{"id":"f1","label":"新建村卫生室","value":"6","unit":"所","previous":"4"}]},` +
		`{"heading":"（三）公共卫生","notes":"做好预防接种。","figures":[]},` +
		`{"heading":"1.疫苗接种","notes":"按程序完成接种。","figures":[{"id":"f2","label":"适龄儿童接种率","value":"98.6","unit":"%"}]},` +
		`{"heading":"三、下步打算","notes":"补齐人才短板。","figures":[]}]}`
)

// exported returns draft id exported in format (md or txt), marked.
func exported(t *testing.T, base, id, format string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/drafts/" + id + "/export?format=" + format)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("export %s: status %d, %v: %s", format, resp.StatusCode, err, b)
	}
	return string(b)
}

// mdHeadings returns the section headings (## lines) of a Markdown export, unescaped.
func mdHeadings(md string) []string {
	var out []string
	for _, l := range strings.Split(md, "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			var b strings.Builder
			for i := 0; i < len(h); i++ {
				if h[i] == '\\' && i+1 < len(h) {
					i++
				}
				b.WriteByte(h[i])
			}
			out = append(out, b.String())
		}
	}
	return out
}

// TestPreviewPrintsHeadingsAsTheExports checks in Chromium that 预览全文 prints the headings the
// exports print, which the server gives (printed_heading, opening): a draft's opening overview as
// its first paragraph with no heading, the headings after it numbered from 一、, and a template
// draft's tree renumbered by level; the draft and review pages name the opening 开头段.
func TestPreviewPrintsHeadingsAsTheExports(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	tests := []struct {
		name, figures, shot string
		headings            []string // printed after the opening paragraph, as the exports print them
	}{
		{"a draft opened by its overview", openingFigures, "opening.png", []string{"一、医疗服务", "二、下一步打算"}},
		{"a draft from a template", templateFigures, "template.png", []string{"一、主要工作", "（一）基层服务", "（二）公共卫生", "1.疫苗接种", "二、下步打算"}},
	}
	// A reviewer with a name: the review page asks for none, and no dialog covers the pages after it.
	p.do("open the app", chromedp.Navigate(srv.URL+"/#/drafts"))
	p.eval(`localStorage.setItem('draftd.name', '王审核'), ''`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.t = t
			id := draftAndWait(t, srv.URL, tt.figures)
			md := exported(t, srv.URL, id, "md")
			if got := mdHeadings(md); !slices.Equal(got, tt.headings) {
				t.Fatalf("the Markdown export prints %q, want %q", got, tt.headings)
			}
			if strings.Contains(md, "总体情况") {
				t.Errorf("the Markdown export prints the opening's heading:\n%s", md)
			}

			d := getDraft(t, srv.URL, id)
			var printed []string
			for i, s := range d.Sections {
				if s.Opening != (i == 0) {
					t.Errorf("section %d %q: opening %v", i, s.Heading, s.Opening)
				}
				if !s.Opening {
					printed = append(printed, s.PrintedHeading)
				}
			}
			if !slices.Equal(printed, tt.headings) {
				t.Errorf("the draft's printed_heading are %q, the Markdown export's %q", printed, tt.headings)
			}

			// The paper, block by block, is the text export with its blank lines left out.
			var want []string
			for _, l := range strings.Split(exported(t, srv.URL, id, "txt"), "\n") {
				if l != "" {
					want = append(want, l)
				}
			}
			p.do("open the preview", chromedp.Navigate(srv.URL+"/#/drafts/"+id+"/preview"))
			p.wait("the paper is shown", `document.querySelector('#paper .paper-signature')`)
			got := p.eval(`[...document.querySelectorAll('#paper h1, #paper h2, #paper p')].map(e => e.textContent).join('\n')`)
			if got != strings.Join(want, "\n") {
				t.Errorf("the preview reads\n%s\nwant (as the text export)\n%s", got, strings.Join(want, "\n"))
			}
			h2 := p.eval(`JSON.stringify([...document.querySelectorAll('#paper h2')].map(e => e.textContent))`)
			if want, _ := json.Marshal(tt.headings); h2 != string(want) {
				t.Errorf("the preview's headings are %s, the Markdown export's %s", h2, want)
			}
			if first := p.eval(`document.querySelector('#paper h1').nextElementSibling.tagName + ':' + document.querySelector('#paper h1').nextElementSibling.textContent`); !strings.HasPrefix(first, "P:") || first == "P:" {
				t.Errorf("the title is followed by %q, not the opening paragraph", first)
			}
			p.screenshot("preview-" + tt.shot)

			for _, view := range []struct{ name, hash, root string }{
				{"draft", "", "#draft-view"},
				{"review", "/review", "#review-view"},
			} {
				p.do("open the "+view.name+" page", chromedp.Navigate(srv.URL+"/#/drafts/"+id+view.hash))
				sel := view.root + " .draft-section .section-head h2"
				p.wait("its sections are shown", fmt.Sprintf(`document.querySelectorAll(%q).length === %d`, sel, len(d.Sections)))
				var names []string
				if err := json.Unmarshal([]byte(p.eval(fmt.Sprintf(`JSON.stringify([...document.querySelectorAll(%q)].map(e => e.textContent))`, sel))), &names); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(names[0], "开头段") || !strings.Contains(names[0], "总体情况") || !strings.Contains(names[0], "不加标题") {
					t.Errorf("the %s page names the opening %q", view.name, names[0])
				}
				if !slices.Equal(names[1:], tt.headings) {
					t.Errorf("the %s page's headings are %q, the exports' %q", view.name, names[1:], tt.headings)
				}
				p.screenshot(view.name + "-" + tt.shot)
			}
		})
	}
}
