package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// countyPage is a page of a fictional county site: its furniture around a work summary.
func countyPage(org, body string) []byte {
	return []byte("青石政务网\n首页 | 政务公开 | 互动交流\n" + org + "2023年工作总结\n发布时间：2024-01-05\n" + body +
		"\n下半年工作打算\n继续加强安全生产工作，确保不发生重大事故，持续改进工作作风。\n" + org +
		"\n2024年1月5日\n网站标识码 3600000001\n青石县人民政府办公室主办\n技术支持：青石网络科技\n")
}

// countyFurniture is what cleaning keeps of countyPage's furniture without evidence.
var countyFurniture = []string{"网站标识码 3600000001", "青石县人民政府办公室主办", "技术支持：青石网络科技"}

// droppedAs returns the lines the upload's report i lists as dropped by rule.
func droppedAs(t *testing.T, body map[string]any, i int, rule string) []string {
	t.Helper()
	reports, _ := body["reports"].([]any)
	if i >= len(reports) {
		t.Fatalf("no report %d in %v", i, body)
	}
	var out []string
	for _, d := range reports[i].(map[string]any)["dropped"].([]any) {
		if d := d.(map[string]any); d["rule"] == rule {
			out = append(out, d["text"].(string))
		}
	}
	return out
}

// textOf returns the stored text of the document an upload answered with.
func textOf(t *testing.T, url string, doc any) string {
	t.Helper()
	id := doc.(map[string]any)["id"].(string)
	code, body := call(t, http.MethodGet, url+"/api/v1/documents/"+id, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET document %s: %d %v", id, code, body)
	}
	return body["text"].(string)
}

func TestUploadsLearnFromTheCollection(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	upload := func(t *testing.T, collection string, files map[string][]byte) map[string]any {
		t.Helper()
		ct, b := multipartBody(t, files, map[string]string{"collection": collection})
		code, body := call(t, http.MethodPost, srv.URL+"/api/v1/documents", ct, b)
		if code != http.StatusCreated {
			t.Fatalf("upload: %d %v", code, body)
		}
		return body
	}
	first := upload(t, "青石", map[string][]byte{"forestry.txt": countyPage("青石县林业局", "全年完成人工造林1.2万亩，森林覆盖率达到68.3%。")})
	if got := droppedAs(t, first, 0, "repeated"); len(got) != 0 {
		t.Fatalf("the site's first page dropped %v as repeated", got)
	}
	if got := droppedAs(t, first, 0, "navigation"); len(got) == 0 {
		t.Errorf("the report lists no line dropped by its phrase rules: %v", first["reports"])
	}

	t.Run("the site's second page is cleaned by evidence from its first, and the report says so", func(t *testing.T) {
		second := upload(t, "青石", map[string][]byte{"water.txt": countyPage("青石县水务局", "全年新建供水管网38公里，农村自来水普及率达到96%。")})
		if got := droppedAs(t, second, 0, "repeated"); !slices.Equal(got, countyFurniture) {
			t.Errorf("dropped as repeated: %q, want %q", got, countyFurniture)
		}
		text := textOf(t, srv.URL, second)
		for _, w := range countyFurniture {
			if strings.Contains(text, w) {
				t.Errorf("%q survives in the stored text:\n%s", w, text)
			}
		}
		if !strings.Contains(text, "供水管网") || !strings.Contains(text, "青石县水务局\n2024年1月5日") {
			t.Errorf("the body or the signature was lost:\n%s", text)
		}
	})
	t.Run("another collection is no evidence", func(t *testing.T) {
		other := upload(t, "其他", map[string][]byte{"schools.txt": countyPage("青石县教育局", "全年新建校舍3所，义务教育巩固率达到99.2%。")})
		if got := droppedAs(t, other, 0, "repeated"); len(got) != 0 {
			t.Errorf("dropped %q on evidence from another collection", got)
		}
	})
	t.Run("two pages of a new site in one request are evidence for each other", func(t *testing.T) {
		both := upload(t, "新站", map[string][]byte{
			"a.txt": countyPage("青石县民政局", "全年发放低保金1.3亿元，保障困难群众1.2万人。"),
			"b.txt": countyPage("青石县农业农村局", "全年粮食总产量达到35万吨，比上年增长2%。"),
		})
		// The site's name, which the first page's orphan rule took, is in the raw text of both.
		want := append([]string{"青石政务网"}, countyFurniture...)
		for i := range 2 {
			if got := droppedAs(t, both, i, "repeated"); !slices.Equal(got, want) {
				t.Errorf("file %d dropped as repeated: %q, want %q", i, got, want)
			}
		}
	})
}

func TestSearchGoesByTheCorrectedOrganisationKind(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	// The title names a school: the document is stored as 教育, and a title-based filter would
	// keep it there whatever the correction.
	code, body := call(t, http.MethodPost, srv.URL+"/api/v1/documents", "application/json", jsonBody(map[string]string{
		"title": "青石县教育局2024年工作总结", "collection": "main",
		"text": "一、主要工作\n全县教育系统推进家庭医生进校园，基层医疗服务覆盖学生1万人。\n二、下一步打算\n继续推进学校卫生工作。",
	}))
	if code != http.StatusCreated {
		t.Fatalf("upload: %d %v", code, body)
	}
	id := body["id"].(string)
	search := func(orgKind string) []string {
		t.Helper()
		code, body := call(t, http.MethodPost, srv.URL+"/api/v1/search", "application/json", jsonBody(map[string]any{
			"query": "基层医疗服务", "filters": map[string]any{"org_kinds": []string{orgKind}},
		}))
		if code != http.StatusOK {
			t.Fatalf("search: %d %v", code, body)
		}
		var kinds []string
		for _, r := range body["results"].([]any) {
			kinds = append(kinds, fmt.Sprint(r.(map[string]any)["document_org_kind"]))
		}
		return kinds
	}
	stored := storedOrgKind(t, srv.URL, id)
	if stored != "教育" {
		t.Fatalf("the fixture needs a document stored as 教育, not %q", stored)
	}
	if got := search("卫生健康"); len(got) != 0 {
		t.Fatalf("before the correction the 卫生健康 filter found %v (stored as %q)", got, stored)
	}
	code, body = call(t, http.MethodPatch, srv.URL+"/api/v1/documents/"+id, "application/json", jsonBody(map[string]string{"org_kind": "卫生健康"}))
	if code != http.StatusOK {
		t.Fatalf("PATCH: %d %v", code, body)
	}
	if got := search("卫生健康"); len(got) == 0 || slices.ContainsFunc(got, func(k string) bool { return k != "卫生健康" }) {
		t.Fatalf("after the correction the 卫生健康 filter found %v", got)
	}
	if got := search("教育"); len(got) != 0 {
		t.Fatalf("after the correction the 教育 filter still found %v", got)
	}
}

// storedOrgKind returns the organisation kind stored for a document.
func storedOrgKind(t *testing.T, url, id string) string {
	t.Helper()
	code, body := call(t, http.MethodGet, url+"/api/v1/documents/"+id, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET document: %d %v", code, body)
	}
	m, _ := body["meta"].(map[string]any)
	k, _ := m["org_kind"].(string)
	return k
}
