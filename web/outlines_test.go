package web

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
)

// outlineReport is a fictional 工作汇报 whose top-level headings are the extra one (a heading only
// this document has) and the three headings every such report of the test shares.
func outlineReport(county, extra string) string {
	return fmt.Sprintf(`2025年上半年，%s卫生健康局围绕年度目标，扎实推进各项工作。
一、重点工作推进情况
家庭医生签约服务覆盖%s全部行政村，基层诊疗量稳步增长。
二、%s
开展健康知识进村入户活动，受益群众明显增多。
三、存在的主要问题
基层卫生人才仍然短缺，服务能力有待提升。
四、下半年工作安排
继续推进县域医共体建设，补齐基层服务短板。
`, county, county, extra)
}

// TestOutline: GET /api/v1/outlines draws a kind's outline from the documents of that kind the
// caller's workspace holds, when enough of them agree, and gives the built-in outline otherwise:
// another workspace's documents never count. A bad kind or limit is 400 with a Chinese message.
func TestOutline(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) { testOutline(t, open(t)) })
	}
}

func testOutline(t *testing.T, store testStore) {
	env := newWSEnv(t, store)
	aWriter, bWriter := env.a[auth.RoleWriter], env.b[auth.RoleWriter]
	for i, county := range []string{"青峰县", "松岭县", "临川县"} {
		body, _ := json.Marshal(map[string]string{
			"title": county + "卫生健康局2025年上半年工作汇报", "collection": "main",
			"text": outlineReport(county, fmt.Sprintf("第%d项特色工作", i+1)),
		})
		if r := env.send(t, "POST", "/api/v1/documents", aWriter, string(body)); r.status != http.StatusCreated {
			t.Fatalf("ingest %s: %d %v", county, r.status, r.body)
		}
	}
	builtin := func(kind string) []string {
		k, _ := draft.KindOf(kind)
		return k.Outline
	}
	get := func(t *testing.T, token, query string) (outlineResponse, reply) {
		t.Helper()
		r := env.send(t, "GET", "/api/v1/outlines?"+query, token, "")
		var o outlineResponse
		raw, _ := json.Marshal(r.body)
		json.Unmarshal(raw, &o)
		return o, r
	}
	headings := func(o outlineResponse) []string {
		var out []string
		for _, s := range o.Sections {
			if len(s.Figures) != 0 {
				return nil
			}
			out = append(out, s.Heading)
		}
		return out
	}
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}

	tests := []struct {
		name, token, query string
		wantSource         string
		wantDocuments      int
		want               []string
	}{
		{"the headings the workspace's reports share make the outline, in their order, opened by the overview", aWriter, q("kind", "汇报"),
			outlineFromCorpus, 3, []string{"总体情况", "一、重点工作推进情况", "二、存在的主要问题", "三、下半年工作安排"}},
		{"limit keeps the most common headings, numbered again", aWriter, q("kind", "汇报", "limit", "2"),
			outlineFromCorpus, 3, []string{"总体情况", "一、重点工作推进情况", "二、存在的主要问题"}},
		{"another workspace's reports do not count: its outline is the built-in one", bWriter, q("kind", "汇报"),
			outlineFromBuiltIn, 0, builtin("汇报")},
		{"a kind the workspace has no documents of has the built-in outline", aWriter, q("kind", "述职"),
			outlineFromBuiltIn, 0, builtin("述职")},
		{"no kind is a 总结", aWriter, "",
			outlineFromBuiltIn, 0, builtin("总结")},
		{"a collection without the reports has the built-in outline", aWriter, q("kind", "汇报", "collection", "其他"),
			outlineFromBuiltIn, 0, builtin("汇报")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, r := get(t, tt.token, tt.query)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %v", r.status, r.body)
			}
			if o.Source != tt.wantSource || o.Documents != tt.wantDocuments {
				t.Fatalf("source %q from %d documents, want %q from %d: %v", o.Source, o.Documents, tt.wantSource, tt.wantDocuments, r.body)
			}
			if got := headings(o); !slices.Equal(got, tt.want) {
				t.Fatalf("headings %q, want %q", headings(o), tt.want)
			}
		})
	}

	refused := []struct{ name, query, want string }{
		{"an unknown kind names the kinds there are", q("kind", "通知"), "未知的文种“通知”，可选：总结、计划、汇报、述职"},
		{"a limit that is no number", q("kind", "汇报", "limit", "many"), "limit 应为 1 到 20 之间的整数"},
		{"a limit of nothing", q("kind", "汇报", "limit", "0"), "limit 应为 1 到 20 之间的整数"},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, r := get(t, aWriter, tt.query)
			e, _ := r.body["error"].(map[string]any)
			if msg, _ := e["message"].(string); r.status != http.StatusBadRequest || e["code"] != "invalid" || !strings.Contains(msg, tt.want) {
				t.Fatalf("%d %v, want 400 invalid %q", r.status, r.body, tt.want)
			}
		})
	}
}

// BenchmarkOutline measures GET /api/v1/outlines over a workspace of 100 reports of the kind (the
// most it reads) on the embedded store: each request lists the documents and reads every report.
func BenchmarkOutline(b *testing.B) {
	store, err := embedded.Open(b.Context(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	emb := retrieval.NewLocalEmbedder(64)
	if err := store.CheckEmbedder(b.Context(), emb.Spec()); err != nil {
		b.Fatal(err)
	}
	s := &Server{Store: store, Workspaces: store, Ingester: &retrieval.Ingester{Store: store, Embed: emb.Embed}, Keys: store,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxUploadBytes: 1 << 20}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for i := range outlineDocuments {
		body, _ := json.Marshal(map[string]string{
			"title": fmt.Sprintf("第%d县卫生健康局2025年上半年工作汇报", i+1), "collection": "main",
			"text": outlineReport(fmt.Sprintf("第%d县", i+1), fmt.Sprintf("第%d项特色工作", i+1)),
		})
		resp, err := http.Post(srv.URL+"/api/v1/documents", "application/json", strings.NewReader(string(body)))
		if err != nil || resp.StatusCode != http.StatusCreated {
			b.Fatalf("ingest %d: %v %v", i, resp, err)
		}
		resp.Body.Close()
	}
	b.ResetTimer()
	for range b.N {
		resp, err := http.Get(srv.URL + "/api/v1/outlines?kind=" + url.QueryEscape("汇报"))
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("%v %v", resp, err)
		}
		var o outlineResponse
		json.NewDecoder(resp.Body).Decode(&o)
		resp.Body.Close()
		if o.Source != outlineFromCorpus || o.Documents != outlineDocuments {
			b.Fatalf("outline %+v", o)
		}
	}
}
