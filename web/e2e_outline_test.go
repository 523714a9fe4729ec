package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/draftd/draftd/draft"
)

// TestOutlineInBrowser walks a writer through a draft started from a kind of document in Chromium,
// on PostgreSQL when DRAFTD_TEST_DATABASE_URL is set (else the embedded store): picking 工作汇报 on an
// empty form fills the sections with the outline drawn from the workspace's reports; the writer
// names the organisation kind, asks for a short section and says a figure is compared 同比; the
// draft's input carries all of it, and its export opens with the overview as a paragraph without
// a heading, the headings after it numbered from 一、.
func TestOutlineInBrowser(t *testing.T) {
	_, srv := browserApp(t)
	for i, county := range []string{"青峰县", "松岭县", "临川县"} {
		doc := map[string]string{"title": county + "卫生健康局2025年上半年工作汇报", "collection": "main",
			"text": outlineReport(county, fmt.Sprintf("第%d项特色工作", i+1))}
		if status, body := apiCall(t, "POST", srv.URL+"/api/v1/documents", "", doc); status != http.StatusCreated {
			t.Fatalf("ingest %s: %d %s", county, status, body)
		}
	}
	want := []string{"总体情况", "一、重点工作推进情况", "二、存在的主要问题", "三、下半年工作安排"}

	ctx := browser(t)
	p := page{t: t, ctx: ctx, dir: artifacts(t)}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; fn(t) }) {
			t.FailNow()
		}
	}
	choose := func(sel, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
			el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value))
	}

	step("picking a kind of document on an empty form fills the sections with its outline", func(t *testing.T) {
		p.do("open the form", chromedp.Navigate(srv.URL+"/#/new"), chromedp.WaitVisible(chromedp.ID("f-kind")))
		if got := p.eval(`document.getElementById('f-kind').value`); got != "总结" {
			t.Fatalf("the form starts as %q, want 总结", got)
		}
		p.do("pick 工作汇报", choose("#f-kind", "汇报"))
		p.wait("the outline is the sections", fmt.Sprintf(`document.querySelectorAll('.section-card').length === %d && document.getElementById('heading-1').value === %q`, len(want), want[1]))
		for i, h := range want {
			if got := p.eval(fmt.Sprintf(`document.getElementById('heading-%d').value`, i)); got != h {
				t.Fatalf("heading %d = %q, want %q", i, got, h)
			}
		}
		if got := p.eval(`document.getElementById('toast').textContent`); !strings.Contains(got, "3 篇工作汇报") {
			t.Errorf("the writer is not told the outline comes from 3 reports: %q", got)
		}
	})

	step("the writer sets the organisation kind, a section's length and a figure's comparison", func(t *testing.T) {
		p.do("fill the form",
			fill("#f-title", "青禾县卫生健康局2025年上半年工作汇报"),
			fill("#f-org", "青禾县卫生健康局"),
			fill("#f-period", "2025年上半年"),
			fill("#f-org-kind", "县级卫生健康部门"),
			fill("#length-1", "简短"),
			chromedp.Click(chromedp.CSS(`[data-add-row="1"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-field="s1.r0.label"]`)),
			fill(`[data-field="s1.r0.label"]`, "家庭医生签约率"),
			fill(`[data-field="s1.r0.value"]`, "72.4"),
			fill(`[data-field="s1.r0.unit"]`, "%"),
			fill(`[data-field="s1.r0.previous"]`, "68.5"),
			choose(`[data-field="s1.r0.compare"]`, "同比"),
			chromedp.Click(chromedp.CSS(`[data-add-row="0"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-field="s0.r0.label"]`)),
			fill(`[data-field="s0.r0.label"]`, "基层诊疗人次"),
			fill(`[data-field="s0.r0.value"]`, "41.2"),
			fill(`[data-field="s0.r0.unit"]`, "万人次"))
		if got := p.eval(`[...document.querySelector('[data-field="s1.r0.compare"]').options].map(o => o.value).join(',')`); got != ",同比,环比,较年初,较上年,比上期" {
			t.Fatalf("comparisons offered: %q", got)
		}
		p.screenshot("outline-form.png")
	})

	step("the draft's input carries the kind, the organisation kind, the length and the comparison", func(t *testing.T) {
		p.do("generate", chromedp.Click(chromedp.ID("generate")))
		p.wait("the draft opens", `location.hash.startsWith('#/drafts/')`)
		id := strings.TrimPrefix(p.eval(`location.hash`), "#/drafts/")
		if i := strings.IndexByte(id, '/'); i >= 0 {
			id = id[:i]
		}
		var d draft.Draft
		for range 200 {
			d = getDraft(t, srv.URL, id)
			if d.Status != draft.StatusPending && d.Status != draft.StatusGenerating {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		in := d.Input
		if in == nil || in.Kind != "汇报" || in.OrgKind != "县级卫生健康部门" || len(in.Sections) != len(want) {
			t.Fatalf("input = %+v", in)
		}
		for i, h := range want {
			if in.Sections[i].Heading != h {
				t.Errorf("section %d heading %q, want %q", i, in.Sections[i].Heading, h)
			}
		}
		if in.Sections[1].Length != "简短" || in.Sections[0].Length != "" {
			t.Errorf("lengths %q, %q; want 简短 on the second section only", in.Sections[0].Length, in.Sections[1].Length)
		}
		if f := in.Sections[1].Figures; len(f) != 1 || f[0].Compare != "同比" || f[0].Previous != "68.5" {
			t.Errorf("figures of section 1 = %+v", f)
		}
		if f := in.Sections[0].Figures; len(f) != 1 || f[0].Compare != "" {
			t.Errorf("figures of section 0 = %+v", f)
		}
		if d.Status != draft.StatusReady {
			t.Fatalf("status %s", d.Status)
		}

		status, md := apiCall(t, "GET", srv.URL+"/api/v1/drafts/"+id+"/export?format=md", "", nil)
		if status != http.StatusOK {
			t.Fatalf("export: %d %s", status, md)
		}
		got := string(md)
		title := "# 青禾县卫生健康局2025年上半年工作汇报\n\n"
		first := strings.Index(got, "## ")
		if !strings.HasPrefix(got, title) || strings.Contains(got, "总体情况") || first < 0 || !strings.HasPrefix(got[first:], "## 一、重点工作推进情况") ||
			strings.TrimSpace(got[len(title):first]) == "" {
			t.Errorf("the export does not open with the overview as a paragraph before 一、:\n%s", got)
		}
		p.screenshot("outline-draft.png")
	})
}
