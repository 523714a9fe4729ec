package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
)

// clock is a settable time for the gate: rate limits, budgets and key checks without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// authEnv is a test server with API keys, one per role unless made with no keys.
type authEnv struct {
	srv     *httptest.Server
	handler http.Handler
	s       *Server
	store   *embedded.Store
	clock   *clock
	tokens  map[auth.Role]string
	names   map[auth.Role]string
}

// Names of the test keys: the audit trail records them.
var keyNames = map[auth.Role]string{auth.RoleWriter: "撰稿人小李", auth.RoleReviewer: "审核人王科长", auth.RoleAdmin: "办公室管理员"}

// newAuthServer returns a server like newTestServer's with a fake clock; withKeys creates a key
// for each role first. configure, if not nil, sets the server's limits before it starts.
func newAuthServer(t *testing.T, withKeys bool, configure func(*Server)) *authEnv {
	t.Helper()
	store, err := embedded.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	emb := retrieval.NewLocalEmbedder(64)
	if err := store.CheckEmbedder(context.Background(), emb.Spec()); err != nil {
		t.Fatal(err)
	}
	// Today at 9:00, far from midnight: the store prunes days of spending by the real clock.
	y, mo, d := time.Now().Date()
	env := &authEnv{store: store, clock: &clock{t: time.Date(y, mo, d, 9, 0, 0, 0, time.Local)}, tokens: map[auth.Role]string{}, names: keyNames}
	if withKeys {
		for _, role := range []auth.Role{auth.RoleWriter, auth.RoleReviewer, auth.RoleAdmin} {
			env.tokens[role] = env.createKey(t, keyNames[role], role)
		}
	}
	searcher := &retrieval.Searcher{Store: store, Embed: emb.Embed}
	env.s = &Server{
		Store:          store,
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
	if configure != nil {
		configure(env.s)
	}
	env.handler = env.s.Handler()
	t.Cleanup(func() { env.s.Close() })
	env.s.gate.now = env.clock.now
	env.srv = httptest.NewServer(env.handler)
	t.Cleanup(env.srv.Close)
	return env
}

// createKey stores a new key and returns its token.
func (env *authEnv) createKey(t *testing.T, name string, role auth.Role) string {
	t.Helper()
	k, token, err := auth.NewKey(name, role)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.store.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return token
}

// reply is an answer: status, headers and the JSON body if it has one.
type reply struct {
	status int
	header http.Header
	body   map[string]any
}

func (r reply) code() string { return errCode(r.body) }

// send sends a request with the given bearer token ("" for none) and a JSON body ("" for none);
// headers are name, value pairs.
func (env *authEnv) send(t *testing.T, method, path, token, body string, headers ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, env.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := reply{status: resp.StatusCode, header: resp.Header}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(resp.Body).Decode(&r.body); err != nil {
			t.Fatalf("%s %s: status %d, bad JSON: %v", method, path, r.status, err)
		}
	}
	return r
}

// generatedSentences returns the IDs of a draft's generated sentences.
func generatedSentences(d map[string]any) []string {
	var ids []string
	for _, sec := range d["sections"].([]any) {
		for _, x := range sec.(map[string]any)["sentences"].([]any) {
			if m := x.(map[string]any); m["generated"] == true {
				ids = append(ids, m["id"].(string))
			}
		}
	}
	return ids
}

func TestEveryAPIRouteHasRoles(t *testing.T) {
	env := newAuthServer(t, false, nil)
	registered := map[string]bool{}
	for _, r := range env.handler.(*echo.Echo).Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") && r.Method != echo.RouteNotFound {
			registered[r.Method+" "+r.Path] = true
		}
	}
	for route := range registered {
		if len(routeRoles[route]) == 0 {
			t.Errorf("%s has no roles in routeRoles: nobody may call it", route)
		}
	}
	for route := range routeRoles {
		if !registered[route] {
			t.Errorf("routeRoles names %s, which is not a registered route", route)
		}
	}
}

func TestRouteWithoutRolesIsRefused(t *testing.T) {
	env := newAuthServer(t, false, nil)
	env.handler.(*echo.Echo).GET("/api/v1/unlisted", func(c echo.Context) error { return c.String(200, "secret") })
	if r := env.send(t, "GET", "/api/v1/unlisted", "", ""); r.status != 403 || r.code() != EFORBIDDEN {
		t.Fatalf("status %d %v; want 403 even for the single user, an admin", r.status, r.body)
	}
}

func TestRoles(t *testing.T) {
	env := newAuthServer(t, true, nil)
	admin, writer, reviewer := env.tokens[auth.RoleAdmin], env.tokens[auth.RoleWriter], env.tokens[auth.RoleReviewer]
	created := env.send(t, "POST", "/api/v1/drafts?wait=true", admin, figuresJSON)
	if created.status != http.StatusOK {
		t.Fatalf("create draft: %d %v", created.status, created.body)
	}
	id := created.body["id"].(string)
	sids := generatedSentences(created.body)
	if len(sids) < 3 {
		t.Fatalf("the draft has %d generated sentences, the test needs 3", len(sids))
	}
	doc := env.send(t, "POST", "/api/v1/documents", admin, `{"title":"松林镇2024年工作总结","text":"一、主要工作\n全年完成老旧小区改造6个，新增养老床位120张。\n二、下一步打算\n继续推进民生实事。"}`)
	if doc.status != http.StatusCreated {
		t.Fatalf("create document: %d %v", doc.status, doc.body)
	}
	docID := doc.body["id"].(string)
	review := "/api/v1/drafts/" + id + "/sentences/"

	tests := []struct {
		name                string
		token, method, path string
		body                string
		want                int
	}{
		{"a writer lists documents", writer, "GET", "/api/v1/documents", "", 200},
		{"a reviewer reads a draft", reviewer, "GET", "/api/v1/drafts/" + id, "", 200},
		{"a reviewer searches", reviewer, "POST", "/api/v1/search", `{"query":"养老床位"}`, 200},
		{"a reviewer exports a draft", reviewer, "GET", "/api/v1/drafts/" + id + "/export?format=md", "", 200},
		{"a writer reads the configuration", writer, "GET", "/api/v1/config", "", 200},
		{"a reviewer cannot create documents", reviewer, "POST", "/api/v1/documents", `{"title":"t","text":"卫生健康工作。"}`, 403},
		{"a writer creates documents", writer, "POST", "/api/v1/documents", `{"title":"青禾县2024年工作总结","text":"一、主要工作\n新建村卫生室3所。"}`, 201},
		{"a reviewer cannot start a draft", reviewer, "POST", "/api/v1/drafts", figuresJSON, 403},
		{"a reviewer cannot import figures", reviewer, "POST", "/api/v1/drafts/import", `{}`, 403},
		{"a reviewer cannot regenerate a section", reviewer, "POST", "/api/v1/drafts/" + id + "/sections/0/regenerate", "", 403},
		{"a writer cannot approve a sentence", writer, "POST", review + sids[0] + "/review", `{"decision":"approve","by":"撰稿人小李"}`, 403},
		{"a writer cannot reject a sentence", writer, "POST", review + sids[0] + "/review", `{"decision":"reject","by":"撰稿人小李"}`, 403},
		{"a writer edits a sentence", writer, "POST", review + sids[1] + "/review", `{"decision":"edit","text":"享受健康扶贫政策36239人。"}`, 200},
		{"a reviewer approves a sentence, whatever name the body gives", reviewer, "POST", review + sids[2] + "/review", `{"decision":"approve","by":"冒名顶替"}`, 200},
		{"a writer cannot approve every low-risk sentence", writer, "POST", "/api/v1/drafts/" + id + "/review/approve-low", `{"by":"撰稿人小李"}`, 403},
		{"a reviewer approves every low-risk sentence", reviewer, "POST", "/api/v1/drafts/" + id + "/review/approve-low", `{}`, 200},
		{"a writer cannot delete a document", writer, "DELETE", "/api/v1/documents/" + docID, "", 403},
		{"a reviewer cannot delete a document", reviewer, "DELETE", "/api/v1/documents/" + docID, "", 403},
		{"an admin deletes a document", admin, "DELETE", "/api/v1/documents/" + docID, "", 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.send(t, tt.method, tt.path, tt.token, tt.body)
			if r.status != tt.want {
				t.Fatalf("status %d %v, want %d", r.status, r.body, tt.want)
			}
			if tt.want == 403 && r.code() != EFORBIDDEN {
				t.Fatalf("code %q, want %q", r.code(), EFORBIDDEN)
			}
		})
	}
	t.Run("the audit trail names the keys that decided, not the body's by", func(t *testing.T) {
		d := env.send(t, "GET", "/api/v1/drafts/"+id, admin, "")
		by := map[string]string{}
		for _, e := range d.body["audit"].([]any) {
			m := e.(map[string]any)
			by[m["sentence_id"].(string)+" "+m["decision"].(string)] = m["by"].(string)
		}
		if by[sids[1]+" revised"] != keyNames[auth.RoleWriter] || by[sids[2]+" approved"] != keyNames[auth.RoleReviewer] {
			t.Fatalf("audit by = %v; want the edit by %s and the approval by %s", by, keyNames[auth.RoleWriter], keyNames[auth.RoleReviewer])
		}
		if by[sids[0]+" approved"] != "" && by[sids[0]+" approved"] != keyNames[auth.RoleReviewer] {
			t.Fatalf("the writer's refused approval reached the audit: %v", by)
		}
	})
}

func TestAuthentication(t *testing.T) {
	env := newAuthServer(t, true, nil)
	writer := env.tokens[auth.RoleWriter]
	revoked := env.createKey(t, "已离职人员", auth.RoleAdmin)
	k, err := env.store.KeyByHash(context.Background(), auth.HashToken(revoked))
	if err != nil {
		t.Fatal(err)
	}
	if err := env.store.RevokeKey(context.Background(), retrieval.Scope{}, k.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, authorization string
		want                int
	}{
		{"a request without a key is unauthorized", "", 401},
		{"another scheme is unauthorized", "Basic " + writer, 401},
		{"an unknown key is unauthorized", "Bearer dk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401},
		{"a revoked key is unauthorized", "Bearer " + revoked, 401},
		{"a known key is let in", "Bearer " + writer, 200},
		{"the scheme is case-insensitive", "bearer " + writer, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.send(t, "GET", "/api/v1/drafts", "", "", "Authorization", tt.authorization)
			if r.status != tt.want {
				t.Fatalf("status %d %v, want %d", r.status, r.body, tt.want)
			}
			if tt.want == 401 && (r.code() != EUNAUTHORIZED || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") ||
				r.header.Get("Content-Security-Policy") == "") {
				t.Fatalf("code %q, WWW-Authenticate %q, Content-Security-Policy %q", r.code(), r.header.Get("WWW-Authenticate"), r.header.Get("Content-Security-Policy"))
			}
		})
	}
	t.Run("an unknown API route is still authenticated first", func(t *testing.T) {
		if r := env.send(t, "GET", "/api/v1/nothing-here", "", ""); r.status != 401 {
			t.Fatalf("status %d", r.status)
		}
		if r := env.send(t, "GET", "/api/v1/nothing-here", writer, ""); r.status != 404 {
			t.Fatalf("with a key: status %d", r.status)
		}
		if r := env.send(t, "PUT", "/api/v1/documents", writer, ""); r.status != 405 {
			t.Fatalf("a wrong method with a key: status %d, want 405", r.status)
		}
	})
	t.Run("the probes, the app and the add-in need no key", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz", "/", "/static/js/api.js", "/addin/manifest.xml"} {
			if r := env.send(t, "GET", p, "", ""); r.status != 200 {
				t.Errorf("GET %s: status %d", p, r.status)
			}
		}
	})
	t.Run("a request records the key's last use", func(t *testing.T) {
		keys, _ := env.store.Keys(context.Background(), retrieval.Scope{})
		for _, k := range keys {
			if k.Name == keyNames[auth.RoleWriter] && (k.LastUsedAt == nil || !k.LastUsedAt.Equal(env.clock.now())) {
				t.Fatalf("writer key last used %v, want %v", k.LastUsedAt, env.clock.now())
			}
		}
	})
}

func TestSingleUserMode(t *testing.T) {
	env := newAuthServer(t, false, nil)
	t.Run("a request from this machine needs no key", func(t *testing.T) {
		if r := env.send(t, "GET", "/api/v1/drafts", "", ""); r.status != 200 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	t.Run("the single user may review and delete", func(t *testing.T) {
		if r := env.send(t, "POST", "/api/v1/drafts/nope/review/approve-low", "", `{"by":"张三"}`); r.status != 404 {
			t.Fatalf("approve-low: status %d %v, want 404 for the missing draft", r.status, r.body)
		}
		if r := env.send(t, "DELETE", "/api/v1/documents/nope", "", ""); r.status != 404 {
			t.Fatalf("delete: status %d %v, want 404 for the missing document", r.status, r.body)
		}
	})
	t.Run("a request from another machine is refused", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/api/v1/drafts", nil)
		req.RemoteAddr = "192.0.2.7:51000"
		rec := httptest.NewRecorder()
		env.handler.ServeHTTP(rec, req)
		if rec.Code != 401 || !strings.Contains(rec.Body.String(), "draftd keys create") {
			t.Fatalf("status %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("a key created while serving turns authentication on", func(t *testing.T) {
		token := env.createKey(t, "办公室", auth.RoleAdmin)
		if r := env.send(t, "GET", "/api/v1/drafts", "", ""); r.status != 200 {
			t.Fatalf("right after: status %d, want 200 until the key check is due", r.status)
		}
		env.clock.advance(keyCheckInterval + time.Second)
		if r := env.send(t, "GET", "/api/v1/drafts", "", ""); r.status != 401 {
			t.Fatalf("after the key check: status %d, want 401", r.status)
		}
		if r := env.send(t, "GET", "/api/v1/drafts", token, ""); r.status != 200 {
			t.Fatalf("with the new key: status %d", r.status)
		}
	})
}

func TestRateLimit(t *testing.T) {
	env := newAuthServer(t, true, func(s *Server) { s.Limits = Limits{RatePerMin: 60, Burst: 3} })
	writer, reviewer := env.tokens[auth.RoleWriter], env.tokens[auth.RoleReviewer]
	for i := range 3 {
		if r := env.send(t, "GET", "/api/v1/config", writer, ""); r.status != 200 {
			t.Fatalf("request %d within the burst: status %d", i+1, r.status)
		}
	}
	t.Run("a request over the burst is refused with Retry-After", func(t *testing.T) {
		r := env.send(t, "GET", "/api/v1/config", writer, "")
		if r.status != 429 || r.code() != ERATELIMITED || r.header.Get("Retry-After") != "1" {
			t.Fatalf("status %d, code %q, Retry-After %q", r.status, r.code(), r.header.Get("Retry-After"))
		}
	})
	t.Run("another key has its own bucket", func(t *testing.T) {
		if r := env.send(t, "GET", "/api/v1/config", reviewer, ""); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("X-Forwarded-For does not buy a new bucket", func(t *testing.T) {
		if r := env.send(t, "GET", "/api/v1/config", writer, "", "X-Forwarded-For", "198.51.100.9"); r.status != 429 {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("the bucket refills with time", func(t *testing.T) {
		env.clock.advance(time.Second)
		if r := env.send(t, "GET", "/api/v1/config", writer, ""); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	})
}

// usageWriter writes as offline does and reports tokens, like a chat model.
type usageWriter struct {
	offline.Writer
	tokens int
}

func (w usageWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	out, err := w.Writer.Write(ctx, req)
	out.Usage = draft.Usage{PromptTokens: w.tokens - w.tokens/4, CompletionTokens: w.tokens / 4}
	return out, err
}

func TestTokenBudget(t *testing.T) {
	env := newAuthServer(t, true, func(s *Server) {
		s.Limits.TokenBudget = 150
		s.Writers["chat"] = usageWriter{tokens: 100}
		s.DefaultModel = "chat"
	})
	writer, admin := env.tokens[auth.RoleWriter], env.tokens[auth.RoleAdmin]
	first := env.send(t, "POST", "/api/v1/drafts?wait=true", writer, figuresJSON)
	if first.status != 200 || first.body["status"] != "ready" {
		t.Fatalf("first draft: %d %v", first.status, first.body)
	}
	tests := []struct {
		name  string
		token string
		path  string
		want  int
	}{
		{"a draft after the budget is spent is refused", writer, "/api/v1/drafts", 429},
		{"regenerating with the chat model is refused too", writer, "/api/v1/drafts/" + first.body["id"].(string) + "/sections/0/regenerate", 429},
		{"an offline draft needs no budget", writer, "/api/v1/drafts?model=offline", 202},
		{"another key has its own budget", admin, "/api/v1/drafts", 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := figuresJSON
			if strings.Contains(tt.path, "regenerate") {
				body = ""
			}
			r := env.send(t, "POST", tt.path, tt.token, body)
			if r.status != tt.want {
				t.Fatalf("status %d %v, want %d", r.status, r.body, tt.want)
			}
			if tt.want == 429 && (r.code() != EBUDGETEXCEEDED || !strings.Contains(r.body["error"].(map[string]any)["message"].(string), "150")) {
				t.Fatalf("error %v", r.body)
			}
		})
	}
	t.Run("the budget renews the next day", func(t *testing.T) {
		env.clock.advance(24 * time.Hour)
		if r := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON); r.status != 202 {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
}

func TestCORS(t *testing.T) {
	env := newAuthServer(t, true, func(s *Server) {
		s.CORSOrigins = []string{"https://localhost:3000", "https://addin.example.gov.cn"}
	})
	preflight := func(origin string) reply {
		return env.send(t, "OPTIONS", "/api/v1/drafts", "", "", "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
	}
	t.Run("a listed origin may call with a key and an Idempotency-Key", func(t *testing.T) {
		r := preflight("https://addin.example.gov.cn")
		allowed := strings.ToLower(r.header.Get("Access-Control-Allow-Headers"))
		if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://addin.example.gov.cn" {
			t.Fatalf("status %d, allow origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
		}
		for _, h := range []string{"authorization", "content-type", "idempotency-key"} {
			if !strings.Contains(allowed, h) {
				t.Errorf("Access-Control-Allow-Headers %q lacks %s", allowed, h)
			}
		}
	})
	t.Run("another origin is not allowed", func(t *testing.T) {
		for _, origin := range []string{"https://evil.example.com", "https://addin.example.gov.cn.evil.example", "null"} {
			if r := preflight(origin); r.header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("%s: Access-Control-Allow-Origin %q", origin, r.header.Get("Access-Control-Allow-Origin"))
			}
		}
	})
	t.Run("an answer to a listed origin lets it read Retry-After", func(t *testing.T) {
		r := env.send(t, "GET", "/api/v1/config", env.tokens[auth.RoleWriter], "", "Origin", "https://localhost:3000")
		if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://localhost:3000" ||
			!strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "Retry-After") {
			t.Fatalf("status %d, headers %v", r.status, r.header)
		}
	})
	t.Run("with no origins configured nothing is allowed", func(t *testing.T) {
		plain := newAuthServer(t, true, nil)
		r := plain.send(t, "OPTIONS", "/api/v1/drafts", "", "", "Origin", "https://addin.example.gov.cn", "Access-Control-Request-Method", "POST")
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("Access-Control-Allow-Origin %q", r.header.Get("Access-Control-Allow-Origin"))
		}
	})
}

func TestIdempotency(t *testing.T) {
	env := newAuthServer(t, true, nil)
	writer, admin := env.tokens[auth.RoleWriter], env.tokens[auth.RoleAdmin]
	drafts := func() int {
		ds, err := env.store.Drafts(context.Background(), retrieval.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		return len(ds)
	}
	first := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON, "Idempotency-Key", "office-retry-1")
	if first.status != 202 {
		t.Fatalf("first: %d %v", first.status, first.body)
	}
	id := first.body["id"].(string)

	t.Run("a retry gets the same draft and creates none", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON, "Idempotency-Key", "office-retry-1")
		if r.status != 202 || r.body["id"] != id || r.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %v", r.status, r.body)
		}
		if n := drafts(); n != 1 {
			t.Fatalf("%d drafts stored, want 1", n)
		}
	})
	t.Run("a retry with wait=true gets the finished draft", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/drafts?wait=true", writer, figuresJSON, "Idempotency-Key", "office-retry-1")
		if r.status != 200 || r.body["id"] != id || (r.body["status"] != "ready" && r.body["status"] != "failed") {
			t.Fatalf("retry: %d %v", r.status, r.body)
		}
	})
	t.Run("the same key with another request conflicts", func(t *testing.T) {
		other := strings.Replace(figuresJSON, "36239", "36240", 1)
		r := env.send(t, "POST", "/api/v1/drafts", writer, other, "Idempotency-Key", "office-retry-1")
		if r.status != 409 || r.code() != retrieval.ECONFLICT || !strings.Contains(r.body["error"].(map[string]any)["message"].(string), "不同的请求") {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
	t.Run("another API key's Idempotency-Key is its own", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/drafts", admin, figuresJSON, "Idempotency-Key", "office-retry-1")
		if r.status != 202 || r.body["id"] == id {
			t.Fatalf("status %d %v, want a new draft", r.status, r.body)
		}
	})
	t.Run("a refused request frees its key for the corrected one", func(t *testing.T) {
		bad := env.send(t, "POST", "/api/v1/drafts", writer, `{"title":""}`, "Idempotency-Key", "office-retry-2")
		if bad.status != 400 {
			t.Fatalf("bad request: %d %v", bad.status, bad.body)
		}
		if r := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON, "Idempotency-Key", "office-retry-2"); r.status != 202 {
			t.Fatalf("corrected request: %d %v", r.status, r.body)
		}
	})
	t.Run("a key is forgotten after a day", func(t *testing.T) {
		env.clock.advance(auth.IdempotencyTTL + time.Minute)
		r := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON, "Idempotency-Key", "office-retry-1")
		if r.status != 202 || r.body["id"] == id {
			t.Fatalf("status %d %v, want a new draft", r.status, r.body)
		}
	})
	t.Run("a malformed key is invalid", func(t *testing.T) {
		if r := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON, "Idempotency-Key", strings.Repeat("k", 300)); r.status != 400 {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("concurrent retries make one draft", func(t *testing.T) {
		before := drafts()
		var wg sync.WaitGroup
		ids := make([]any, 6)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON, "Idempotency-Key", "office-retry-3")
				if r.status == 202 {
					ids[i] = r.body["id"]
				} else if r.status != 409 {
					t.Errorf("status %d %v", r.status, r.body)
				}
			}()
		}
		wg.Wait()
		if n := drafts(); n != before+1 {
			t.Fatalf("%d drafts made by concurrent retries, want 1", n-before)
		}
		var got []any
		for _, id := range ids {
			if id != nil && !slices.Contains(got, id) {
				got = append(got, id)
			}
		}
		if len(got) != 1 {
			t.Fatalf("retries answered with drafts %v, want one", got)
		}
	})
}

func TestTokenBudgetCountsTheClaimCheck(t *testing.T) {
	checks := 0
	env := newAuthServer(t, true, func(s *Server) {
		s.Limits.TokenBudget = 150
		s.Writers["chat"] = usageWriter{tokens: 60} // under the budget alone
		s.DefaultModel = "chat"
		s.Drafter.ClaimChecker = func(context.Context, draft.ClaimCheckRequest) ([]draft.CheckedClaim, draft.Usage, error) {
			checks++
			return nil, draft.Usage{PromptTokens: 80, CompletionTokens: 20}, nil
		}
	})
	writer := env.tokens[auth.RoleWriter]
	if r := env.send(t, "POST", "/api/v1/drafts?wait=true", writer, figuresJSON); r.status != 200 {
		t.Fatalf("first draft: %d %v", r.status, r.body)
	}
	if checks == 0 {
		t.Fatal("the claim check was not called")
	}
	// 60 for writing and 100 for checking: the budget of 150 is spent.
	if r := env.send(t, "POST", "/api/v1/drafts", writer, figuresJSON); r.status != 429 || r.code() != EBUDGETEXCEEDED {
		t.Fatalf("second draft: %d %v, want the budget spent", r.status, r.body)
	}
}

// sentenceOf returns the ID of the first generated sentence of the draft d (as JSON) with risk.
func sentenceOf(t *testing.T, d map[string]any, risk draft.Risk) string {
	t.Helper()
	for _, sec := range d["sections"].([]any) {
		for _, x := range sec.(map[string]any)["sentences"].([]any) {
			if m := x.(map[string]any); m["generated"] == true && m["risk"] == string(risk) {
				return m["id"].(string)
			}
		}
	}
	t.Fatalf("no %s-risk sentence in the draft", risk)
	return ""
}

func TestApprovalRules(t *testing.T) {
	env := newAuthServer(t, true, func(s *Server) { s.Writers["ranking"] = rankingWriter{} })
	admin, writer, reviewer := env.tokens[auth.RoleAdmin], env.tokens[auth.RoleWriter], env.tokens[auth.RoleReviewer]
	// The writer also holds a reviewer key, in the same name.
	writersReviewKey := env.createKey(t, keyNames[auth.RoleWriter], auth.RoleReviewer)
	ranked := `{"title":"白石镇2025年工作总结","sections":[{"heading":"一、主要工作","figures":[{"id":"f1","label":"办理便民服务事项","value":"3350","unit":"件"}]}]}`
	byWriter := env.send(t, "POST", "/api/v1/drafts?wait=true&model=ranking", writer, ranked)
	byAdmin := env.send(t, "POST", "/api/v1/drafts?wait=true", admin, figuresJSON)
	if byWriter.status != http.StatusOK || byAdmin.status != http.StatusOK {
		t.Fatalf("create drafts: %d %v, %d %v", byWriter.status, byWriter.body, byAdmin.status, byAdmin.body)
	}
	t.Run("a draft records the holder of the key that created it", func(t *testing.T) {
		if got := byWriter.body["created_by"]; got != keyNames[auth.RoleWriter] {
			t.Errorf("created_by = %v, want %s", got, keyNames[auth.RoleWriter])
		}
		if got := env.send(t, "GET", "/api/v1/drafts/"+byAdmin.body["id"].(string), reviewer, "").body["created_by"]; got != keyNames[auth.RoleAdmin] {
			t.Errorf("created_by = %v, want %s", got, keyNames[auth.RoleAdmin])
		}
	})
	writerDraft, adminDraft := "/api/v1/drafts/"+byWriter.body["id"].(string), "/api/v1/drafts/"+byAdmin.body["id"].(string)
	high, low := sentenceOf(t, byWriter.body, draft.RiskHigh), sentenceOf(t, byWriter.body, draft.RiskLow)
	adminLow := sentenceOf(t, byAdmin.body, draft.RiskLow)

	tests := []struct {
		name        string
		token, path string
		body        string
		want        int
		code        string
	}{
		{"a writer key is refused by its role before anything else", writer, writerDraft + "/sentences/" + low + "/review", `{"decision":"approve"}`, 403, EFORBIDDEN},
		{"the writer's reviewer key cannot approve the writer's draft", writersReviewKey, writerDraft + "/sentences/" + low + "/review", `{"decision":"approve"}`, 403, draft.EOWNDRAFT},
		{"nor reject a sentence of it", writersReviewKey, writerDraft + "/sentences/" + low + "/review", `{"decision":"reject"}`, 403, draft.EOWNDRAFT},
		{"nor approve the writer's low-risk sentences at once", writersReviewKey, writerDraft + "/review/approve-low", `{}`, 403, draft.EOWNDRAFT},
		{"an admin cannot approve a draft it created", admin, adminDraft + "/sentences/" + adminLow + "/review", `{"decision":"approve"}`, 403, draft.EOWNDRAFT},
		{"nor approve the low-risk sentences of its draft at once", admin, adminDraft + "/review/approve-low", `{}`, 403, draft.EOWNDRAFT},
		{"a high-risk sentence is not approved without a reason", reviewer, writerDraft + "/sentences/" + high + "/review", `{"decision":"approve"}`, 400, draft.EREASONREQUIRED},
		{"nor with a blank one", reviewer, writerDraft + "/sentences/" + high + "/review", `{"decision":"approve","reason":"  "}`, 400, draft.EREASONREQUIRED},
		{"another reviewer approves it with a reason", reviewer, writerDraft + "/sentences/" + high + "/review", `{"decision":"approve","reason":"排名见市政务服务中心2025年通报"}`, 200, ""},
		{"an admin approves the writer's low-risk sentences", admin, writerDraft + "/review/approve-low", `{}`, 200, ""},
		{"another reviewer approves the admin's draft", reviewer, adminDraft + "/review/approve-low", `{}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.send(t, "POST", tt.path, tt.token, tt.body)
			if r.status != tt.want || r.code() != tt.code {
				t.Fatalf("status %d, code %q, want %d %q: %v", r.status, r.code(), tt.want, tt.code, r.body)
			}
			if want := map[string]string{draft.EOWNDRAFT: "本人", draft.EREASONREQUIRED: "理由"}[tt.code]; want != "" {
				if msg := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, want) {
					t.Fatalf("message %q: want it in Chinese, saying why", msg)
				}
			}
		})
	}
	t.Run("the audit trail keeps the reason with the reviewer's key", func(t *testing.T) {
		d := env.send(t, "GET", writerDraft, reviewer, "")
		var found bool
		for _, e := range d.body["audit"].([]any) {
			m := e.(map[string]any)
			if m["by"] == keyNames[auth.RoleWriter] {
				t.Errorf("the creator's refused decision reached the audit trail: %v", m)
			}
			if m["sentence_id"] == high && m["decision"] == draft.DecisionApproved {
				found = m["reason"] == "排名见市政务服务中心2025年通报" && m["by"] == keyNames[auth.RoleReviewer]
			}
		}
		if !found {
			t.Fatalf("no approval of %s with its reason by %s in %v", high, keyNames[auth.RoleReviewer], d.body["audit"])
		}
	})
	t.Run("in single-user mode a draft has no creator and its writer approves it", func(t *testing.T) {
		single := newAuthServer(t, false, nil)
		created := single.send(t, "POST", "/api/v1/drafts?wait=true", "", figuresJSON)
		if created.status != http.StatusOK || created.body["created_by"] != "" {
			t.Fatalf("create: %d, created_by %v", created.status, created.body["created_by"])
		}
		if r := single.send(t, "POST", "/api/v1/drafts/"+created.body["id"].(string)+"/review/approve-low", "", `{"by":"张三"}`); r.status != 200 {
			t.Fatalf("approve-low: %d %v", r.status, r.body)
		}
	})
}

func TestReviewCallsHaveTheirOwnBucket(t *testing.T) {
	env := newAuthServer(t, true, func(s *Server) { s.Limits = Limits{RatePerMin: 60, Burst: 3} })
	admin, reviewer := env.tokens[auth.RoleAdmin], env.tokens[auth.RoleReviewer]
	created := env.send(t, "POST", "/api/v1/drafts?wait=true", admin, figuresJSON)
	if created.status != http.StatusOK {
		t.Fatalf("create draft: %d %v", created.status, created.body)
	}
	review := "/api/v1/drafts/" + created.body["id"].(string) + "/sentences/"
	sids := generatedSentences(created.body)
	approve := func(i int) reply {
		return env.send(t, "POST", review+sids[i%len(sids)]+"/review", reviewer, `{"decision":"approve","reason":"已核对"}`)
	}
	sent := 0
	t.Run("100 approvals in a row from one key all succeed", func(t *testing.T) {
		for ; sent < 100; sent++ {
			if r := approve(sent); r.status != http.StatusOK {
				t.Fatalf("approval %d: status %d %v", sent+1, r.status, r.body)
			}
		}
	})
	t.Run("while of 100 other requests in a row from that key all past the burst of 3 hit 429", func(t *testing.T) {
		statuses := map[int]int{}
		for range 100 {
			statuses[env.send(t, "GET", "/api/v1/config", reviewer, "").status]++
		}
		if statuses[http.StatusOK] != 3 || statuses[http.StatusTooManyRequests] != 97 {
			t.Fatalf("statuses %v, want 3 within the burst and 97 refused", statuses)
		}
	})
	t.Run("review calls are bounded by a bucket of their own", func(t *testing.T) {
		for ; sent < reviewBurst; sent++ {
			if r := approve(sent); r.status != http.StatusOK {
				t.Fatalf("approval %d: status %d %v", sent+1, r.status, r.body)
			}
		}
		r := approve(sent)
		if r.status != http.StatusTooManyRequests || r.code() != ERATELIMITED || r.header.Get("Retry-After") != "1" {
			t.Fatalf("approval %d: status %d, code %q, Retry-After %q", sent+1, r.status, r.code(), r.header.Get("Retry-After"))
		}
		if r := env.send(t, "POST", "/api/v1/drafts/"+created.body["id"].(string)+"/review/approve-low", reviewer, `{}`); r.status != http.StatusTooManyRequests {
			t.Fatalf("approve-low shares the review bucket: status %d", r.status)
		}
	})
	t.Run("the review bucket refills with time, ten calls a second", func(t *testing.T) {
		env.clock.advance(time.Second)
		for i := range reviewRatePerMin / 60 {
			if r := approve(i); r.status != http.StatusOK {
				t.Fatalf("approval %d after a second: status %d", i+1, r.status)
			}
		}
		if r := approve(0); r.status != http.StatusTooManyRequests {
			t.Fatalf("one more: status %d, want 429", r.status)
		}
	})
	t.Run("every review route is registered", func(t *testing.T) {
		for route := range reviewRoutes {
			if !env.s.gate.registered(env.handler.(*echo.Echo), route) {
				t.Errorf("reviewRoutes names %s, which is not a registered route", route)
			}
		}
	})
}
