package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
)

// newTestServer returns a server over a fresh embedded store with the local embedder.
func newTestServer(t *testing.T, maxUpload int64) (*httptest.Server, retrieval.Store) {
	t.Helper()
	s, store := testServer(t)
	s.MaxUploadBytes = maxUpload
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, store
}

// testServer wires a Server over a fresh embedded store, as cmd/draftd does, with the offline
// writer and no API keys (single-user mode: httptest listens on loopback); tests adjust it.
func testServer(t *testing.T) (*Server, *embedded.Store) {
	t.Helper()
	store, err := embedded.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return serverOn(t, store), store
}

// testStore is everything a Server keeps, as both stores keep it.
type testStore interface {
	retrieval.Store
	retrieval.WorkspaceStore
	DraftStore
	auth.Store
	auth.IdempotencyStore
}

// serverOn wires a Server over store as testServer does, recording the local embedder.
func serverOn(t *testing.T, store testStore) *Server {
	t.Helper()
	emb := retrieval.NewLocalEmbedder(64)
	if err := store.CheckEmbedder(context.Background(), emb.Spec()); err != nil {
		t.Fatal(err)
	}
	searcher := &retrieval.Searcher{Store: store, Embed: emb.Embed}
	s := &Server{
		Store:          store,
		Workspaces:     store,
		Searcher:       searcher,
		Ingester:       &retrieval.Ingester{Store: store, Embed: emb.Embed},
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxUploadBytes: 1 << 20,
		DraftStore:     store,
		Drafter:        &draft.Drafter{Search: searcher.Search, Store: store, PromptVersion: "test"},
		Writers:        map[string]draft.Writer{offline.Model: offline.Writer{}},
		DefaultModel:   offline.Model,
		Reviewer:       &draft.Reviewer{Store: store},
		Keys:           store,
		Idempotency:    store,
	}
	t.Cleanup(func() { s.Close() }) // before the store closes: it follows the store's events
	return s
}

// call sends a request and decodes the JSON answer into a map.
func call(t *testing.T, method, url, contentType string, body io.Reader) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s %s: status %d, body is not JSON: %v", method, url, resp.StatusCode, err)
		}
	}
	return resp.StatusCode, out
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

// multipartBody builds a form with the given files (name → contents) and fields.
func multipartBody(t *testing.T, files map[string][]byte, fields map[string]string) (string, io.Reader) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, data := range files {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func docCount(t *testing.T, store retrieval.Store) int {
	docs, err := store.Documents(context.Background(), retrieval.Scope{}, "")
	if err != nil {
		t.Fatal(err)
	}
	return len(docs)
}

func TestDocumentLifecycle(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	text, err := os.ReadFile("testdata/summary.txt")
	if err != nil {
		t.Fatal(err)
	}
	api := srv.URL + "/api/v1"

	st, created := call(t, "POST", api+"/documents", "application/json", jsonBody(map[string]string{"title": "青峰县2024年上半年总结", "text": string(text), "collection": "c1"}))
	if st != http.StatusCreated {
		t.Fatalf("create: status %d %v", st, created)
	}
	id, _ := created["id"].(string)
	if id == "" || created["passages"].(float64) < 2 {
		t.Fatalf("create answer = %v", created)
	}

	t.Run("the title sent with the text is the document's title", func(t *testing.T) {
		if created["title"] != "青峰县2024年上半年总结" {
			t.Fatalf("title = %v, want the one sent (the text's first line differs)", created["title"])
		}
	})
	t.Run("posting the same document again changes nothing", func(t *testing.T) {
		st, again := call(t, "POST", api+"/documents", "application/json", jsonBody(map[string]string{"title": "青峰县2024年上半年总结", "text": string(text), "collection": "c1"}))
		if st != http.StatusOK || again["id"] != id || again["status"] != string(retrieval.PutUnchanged) {
			t.Fatalf("status %d, %v", st, again)
		}
	})
	t.Run("the document shows its passages with heading paths", func(t *testing.T) {
		st, doc := call(t, "GET", api+"/documents/"+id, "", nil)
		if st != http.StatusOK {
			t.Fatalf("status %d", st)
		}
		ps := doc["passages"].([]any)
		found := false
		for _, p := range ps {
			hp := p.(map[string]any)["heading_path"].([]any)
			if len(hp) == 2 && strings.HasPrefix(hp[1].(string), "（一）健康扶贫") {
				found = true
			}
		}
		if !found {
			t.Fatalf("no passage under 一、 > （一）健康扶贫: %v", ps)
		}
	})
	t.Run("the list shows the document with its passage count", func(t *testing.T) {
		_, list := call(t, "GET", api+"/documents?collection=c1", "", nil)
		docs := list["documents"].([]any)
		if len(docs) != 1 || docs[0].(map[string]any)["passages"].(float64) < 2 {
			t.Fatalf("list = %v", list)
		}
	})
	t.Run("search finds the passage with its score parts", func(t *testing.T) {
		st, res := call(t, "POST", api+"/search", "application/json", jsonBody(map[string]any{"query": "家庭医生签约服务覆盖率", "k": 3, "filters": map[string]any{"collection": "c1"}}))
		if st != http.StatusOK {
			t.Fatalf("status %d %v", st, res)
		}
		rs := res["results"].([]any)
		if len(rs) == 0 {
			t.Fatal("no results")
		}
		top := rs[0].(map[string]any)
		if !strings.Contains(top["text"].(string), "家庭医生签约") || top["document_id"] != id || top["keyword_rank"] == nil || top["score"].(float64) <= 0 {
			t.Fatalf("top result = %v", top)
		}
	})
	t.Run("deleting removes the document", func(t *testing.T) {
		if st, _ := call(t, "DELETE", api+"/documents/"+id, "", nil); st != http.StatusNoContent {
			t.Fatalf("delete status %d", st)
		}
		st, body := call(t, "GET", api+"/documents/"+id, "", nil)
		if st != http.StatusNotFound || errCode(body) != retrieval.ENOTFOUND {
			t.Fatalf("after delete: %d %v", st, body)
		}
		if st, body := call(t, "DELETE", api+"/documents/"+id, "", nil); st != http.StatusNotFound {
			t.Fatalf("second delete: %d %v", st, body)
		}
	})
}

func TestUploadErrors(t *testing.T) {
	summary, _ := os.ReadFile("testdata/summary.txt")
	tests := []struct {
		name       string
		files      map[string][]byte
		wantStatus int
		wantCode   string
	}{
		{"an unsupported format is refused", map[string][]byte{"a.exe": []byte("MZ...")}, 415, retrieval.EUNSUPPORTED},
		{"a good file beside an unsupported one stores nothing", map[string][]byte{"good.txt": summary, "bad.xyz": []byte("x")}, 415, retrieval.EUNSUPPORTED},
		{"binary bytes in a text file are undecodable", map[string][]byte{"b.txt": {0xff, 0x00, 0xfe, 0x01, 0x80, 0x00, 0x9f}}, 422, retrieval.EUNDECODABLE},
		{"a page that is only boilerplate is empty after cleaning", map[string][]byte{"c.txt": []byte("立即下载\n开通VIP会员免费下载\n客服QQ：12345678\n")}, 422, retrieval.EEMPTY},
		{"a body over the limit is refused", map[string][]byte{"big.txt": bytes.Repeat([]byte("卫生健康工作。"), 20000)}, 413, retrieval.ETOOLARGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, store := newTestServer(t, 64<<10)
			ct, body := multipartBody(t, tt.files, map[string]string{"collection": "c"})
			st, resp := call(t, "POST", srv.URL+"/api/v1/documents", ct, body)
			if st != tt.wantStatus || errCode(resp) != tt.wantCode {
				t.Fatalf("got %d %v, want %d %s", st, resp, tt.wantStatus, tt.wantCode)
			}
			if msg := resp["error"].(map[string]any)["message"].(string); msg == "" || msg == "服务器内部错误" {
				t.Fatalf("message = %q", msg)
			}
			if n := docCount(t, store); n != 0 {
				t.Fatalf("%d documents stored for a rejected upload", n)
			}
		})
	}
	t.Run("an empty document's error carries the ingest report", func(t *testing.T) {
		srv, _ := newTestServer(t, 1<<20)
		ct, body := multipartBody(t, map[string][]byte{"c.txt": []byte("立即下载\n开通VIP会员免费下载\n")}, nil)
		_, resp := call(t, "POST", srv.URL+"/api/v1/documents", ct, body)
		if resp["error"].(map[string]any)["detail"] == nil {
			t.Fatalf("no detail: %v", resp)
		}
		if msg := resp["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, "c.txt：") || strings.Count(msg, "c.txt") != 1 {
			t.Fatalf("message = %q, want the file named once", msg)
		}
	})
}

func TestRequestErrors(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	api := srv.URL + "/api/v1"
	tests := []struct {
		name, method, path, ct, body string
		wantStatus                   int
		wantCode                     string
	}{
		{"an unknown JSON field is invalid", "POST", "/search", "application/json", `{"query":"卫生","nope":1}`, 400, retrieval.EINVALID},
		{"malformed JSON is invalid", "POST", "/search", "application/json", `{"query":`, 400, retrieval.EINVALID},
		{"an empty query is invalid", "POST", "/search", "application/json", `{"query":" "}`, 400, retrieval.EINVALID},
		{"a k over the maximum is invalid", "POST", "/search", "application/json", `{"query":"卫生","k":1000}`, 400, retrieval.EINVALID},
		{"search wants JSON", "POST", "/search", "text/plain", `卫生`, 415, retrieval.EUNSUPPORTED},
		{"a JSON document needs a title", "POST", "/documents", "application/json", `{"text":"卫生健康工作总结。"}`, 400, retrieval.EINVALID},
		{"an unknown document is not found", "GET", "/documents/nope", "", ``, 404, retrieval.ENOTFOUND},
		{"an unknown route is not found as JSON", "GET", "/nothing-here", "", ``, 404, retrieval.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := call(t, tt.method, api+tt.path, tt.ct, strings.NewReader(tt.body))
			if st != tt.wantStatus || errCode(body) != tt.wantCode {
				t.Fatalf("got %d %v, want %d %s", st, body, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	for _, p := range []string{"/healthz", "/readyz"} {
		if st, _ := call(t, "GET", srv.URL+p, "", nil); st != http.StatusOK {
			t.Errorf("%s: status %d", p, st)
		}
	}
}
