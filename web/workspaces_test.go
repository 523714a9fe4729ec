package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/pgvector"
)

// stores returns an opener of fresh stores for each backend the web tests run on: the embedded
// store always, PostgreSQL when DRAFTD_TEST_DATABASE_URL names a database (DRAFTD_REQUIRE_PG=1
// makes its absence a failure), as the store packages' suites do.
func stores(t *testing.T) map[string]func(t *testing.T) testStore {
	t.Helper()
	out := map[string]func(t *testing.T) testStore{
		"embedded": func(t *testing.T) testStore {
			s, err := embedded.Open(t.Context(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	url := os.Getenv("DRAFTD_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("DRAFTD_REQUIRE_PG") == "1" {
			t.Fatal("DRAFTD_REQUIRE_PG=1 but DRAFTD_TEST_DATABASE_URL is not set")
		}
		t.Log("DRAFTD_TEST_DATABASE_URL is not set: the web tests run on the embedded store only")
		return out
	}
	out["pgvector"] = func(t *testing.T) testStore {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatalf("connect to the test database: %v", err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('draftd.create_extension'));
CREATE EXTENSION IF NOT EXISTS vector SCHEMA public`); err != nil {
			t.Fatalf("create extension: %v", err)
		}
		b := make([]byte, 6)
		rand.Read(b)
		schema := "draftd_webtest_" + hex.EncodeToString(b)
		s, err := pgvector.Open(ctx, url, pgvector.Options{Schema: schema, MaxConns: 4})
		if err != nil {
			t.Fatalf("pgvector.Open: %v", err)
		}
		t.Cleanup(func() {
			s.Close()
			if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
		})
		return s
	}
	return out
}

// wsEnv is a server shared by two workspaces: the default one ("a") and "b", with a key per
// role in each.
type wsEnv struct {
	*authEnv
	store  testStore
	a, b   map[auth.Role]string // tokens
	keyIDs map[string]string    // "a admin" → key ID
}

func newWSEnv(t *testing.T, store testStore) *wsEnv {
	t.Helper()
	ctx := context.Background()
	if err := store.CreateWorkspace(ctx, &retrieval.Workspace{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	env := &wsEnv{authEnv: &authEnv{}, store: store, a: map[auth.Role]string{}, b: map[auth.Role]string{}, keyIDs: map[string]string{}}
	for _, ws := range []struct {
		name   string
		tokens map[auth.Role]string
	}{{retrieval.DefaultWorkspace, env.a}, {"b", env.b}} {
		for _, role := range []auth.Role{auth.RoleWriter, auth.RoleReviewer, auth.RoleAdmin} {
			k, token, err := auth.NewKey(ws.name+" "+string(role), role)
			if err != nil {
				t.Fatal(err)
			}
			k.Workspace = ws.name
			if err := store.CreateKey(ctx, k); err != nil {
				t.Fatal(err)
			}
			ws.tokens[role] = token
			env.keyIDs[ws.name+" "+string(role)] = k.ID
		}
	}
	s := serverOn(t, store)
	env.s = s
	env.handler = s.Handler()
	env.srv = httptest.NewServer(env.handler)
	t.Cleanup(env.srv.Close)
	return env
}

// ingest stores a document in collection through the API with token, and returns its ID.
func (env *wsEnv) ingest(t *testing.T, token, collection, title string) string {
	t.Helper()
	text, err := os.ReadFile("testdata/summary.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"title": title, "text": string(text), "collection": collection})
	r := env.send(t, "POST", "/api/v1/documents", token, string(body))
	if r.status != http.StatusCreated {
		t.Fatalf("ingest %s: %d %v", title, r.status, r.body)
	}
	return r.body["id"].(string)
}

// list returns the JSON array GET path answers with token.
func (env *wsEnv) list(t *testing.T, path, token string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", env.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", path, resp.StatusCode, err)
	}
	return out
}

// ids returns the values of key in the objects of list.
func ids(list any, key string) []string {
	var out []string
	l, _ := list.([]any)
	for _, x := range l {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m[key].(string))
		}
	}
	return out
}

// TestWorkspaceIsolation: a key of workspace b gets 404 for every route on workspace a's
// documents, drafts, collections, users and keys, sees none of them in lists and searches, and
// its drafting never uses a's passages; a shared collection is b's to read, never to change.
// It runs on every store the web tests have.
func TestWorkspaceIsolation(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) { testWorkspaceIsolation(t, open(t)) })
	}
}

func testWorkspaceIsolation(t *testing.T, store testStore) {
	env := newWSEnv(t, store)
	aWriter, aAdmin, bAdmin, bWriter := env.a[auth.RoleWriter], env.a[auth.RoleAdmin], env.b[auth.RoleAdmin], env.b[auth.RoleWriter]

	// Workspace a: a private document, a document in the collection it will share, a draft.
	private := env.ingest(t, aWriter, "main", "青峰县卫生健康局2024年上半年工作总结")
	public := env.ingest(t, aWriter, "公开报告", "青峰县2024年上半年公开报告")
	r := env.send(t, "POST", "/api/v1/drafts?wait=true", aWriter, figuresJSON)
	if r.status != http.StatusOK || r.body["workspace"] != retrieval.DefaultWorkspace {
		t.Fatalf("a's draft: %d %v", r.status, r.body)
	}
	draftID := r.body["id"].(string)
	sid := generatedSentences(r.body)[0]
	userR := env.send(t, "POST", "/api/v1/users", aAdmin, `{"name":"a的撰稿人","role":"writer","password":"correct horse"}`)
	if userR.status != http.StatusCreated || userR.body["workspace"] != retrieval.DefaultWorkspace {
		t.Fatalf("a's user: %d %v", userR.status, userR.body)
	}
	userID := userR.body["id"].(string)
	aKeyID := env.keyIDs["default writer"]

	// Every route that names one of a's things by ID or name, called with b's admin key (allowed
	// every route, so that a 403 could not hide a leak), answers 404.
	d := "/api/v1/drafts/" + draftID
	notFound := []struct{ method, path, body string }{
		{"GET", "/api/v1/documents/" + private, ""},
		{"POST", "/api/v1/documents/" + private + "/template", ""},
		{"DELETE", "/api/v1/documents/" + private, ""},
		{"DELETE", "/api/v1/documents/" + public, ""},
		{"PATCH", "/api/v1/documents/" + private, `{"title":"b改的标题"}`},
		{"PATCH", "/api/v1/documents/" + public, `{"title":"b改的标题"}`},
		{"POST", "/api/v1/documents/" + private + "/template?format=xlsx", ""},
		{"PATCH", "/api/v1/collections/main", `{"shared":true}`},
		{"PATCH", "/api/v1/collections/公开报告", `{"shared":false}`},
		{"GET", d, ""},
		{"GET", d + "/events", ""},
		{"GET", d + "/export", ""},
		{"GET", d + "/export?format=md", ""},
		{"GET", d + "/export?format=html&clean=true", ""},
		{"GET", d + "/export?format=txt", ""},
		{"POST", d + "/sections/0/regenerate?wait=true", ""},
		{"POST", d + "/sections/0/regenerate", ""},
		{"POST", d + "/sentences/" + sid + "/review", `{"decision":"approve"}`},
		{"POST", d + "/sentences/" + sid + "/review", `{"decision":"edit","text":"改过的句子。"}`},
		{"POST", d + "/review/approve-low", `{}`},
		{"POST", d + "/sections/0/figures/f1/restore", `{}`},
		{"POST", d + "/sections/0/figures/f1/drop", `{"reason":"不再陈述"}`},
		{"POST", d + "/duplicate", ""},
		{"POST", d + "/sentences/" + sid + "/rewrite", `{"mode":"rewrite"}`},
		{"DELETE", d, ""},
		{"PATCH", "/api/v1/users/" + userID, `{"disabled":true}`},
		{"DELETE", "/api/v1/keys/" + aKeyID, ""},
	}
	covered := map[string]bool{}
	idParam := regexp.MustCompile(`/(:id|:name)(/|$)`)
	for _, tc := range notFound {
		t.Run("b gets 404 for "+tc.method+" "+strings.Replace(tc.path, draftID, "{a's draft}", 1), func(t *testing.T) {
			r := env.send(t, tc.method, tc.path, bAdmin, tc.body)
			if r.status != http.StatusNotFound || r.code() != retrieval.ENOTFOUND {
				t.Fatalf("status %d %v; want 404 not_found", r.status, r.body)
			}
			// The same read from a finds what b was told is not there.
			if tc.method == "GET" || strings.HasSuffix(tc.path, "/duplicate") || strings.HasSuffix(tc.path, "/template") {
				if r := env.send(t, tc.method, tc.path, aAdmin, tc.body); r.status == http.StatusNotFound {
					t.Fatalf("a's own request: %d %v", r.status, r.body)
				}
			}
		})
	}
	for _, tc := range notFound {
		route := tc.path
		if i := strings.IndexByte(route, '?'); i >= 0 {
			route = route[:i]
		}
		for _, seg := range []string{private, public, draftID, sid, userID, aKeyID, "main", "公开报告"} {
			route = strings.ReplaceAll(route, "/"+seg, "/:x")
		}
		covered[tc.method+" "+route] = true
	}
	t.Run("the table covers every route that names a document, draft, collection, user or key", func(t *testing.T) {
		for route := range routeRoles {
			method, path, _ := strings.Cut(route, " ")
			if !idParam.MatchString(path) && !strings.Contains(path, ":id/") {
				continue
			}
			p := regexp.MustCompile(`:[a-z]+`).ReplaceAllString(path, ":x")
			p = strings.Replace(p, "/sections/:x", "/sections/0", 1)
			p = strings.Replace(p, "/figures/:x", "/figures/f1", 1)
			if !covered[method+" "+p] {
				t.Errorf("%s is not in the table", route)
			}
		}
	})

	t.Run("b's lists and searches show none of a's things", func(t *testing.T) {
		for _, tc := range []struct{ path, list, key string }{
			{"/api/v1/documents", "documents", "id"},
			{"/api/v1/documents?collection=main", "documents", "id"},
			{"/api/v1/drafts", "drafts", "id"},
			{"/api/v1/collections", "collections", "workspace"},
		} {
			r := env.send(t, "GET", tc.path, bAdmin, "")
			if r.status != http.StatusOK || len(ids(r.body[tc.list], tc.key)) != 0 {
				t.Errorf("GET %s = %d %v; want an empty list", tc.path, r.status, r.body)
			}
		}
		for _, path := range []string{"/api/v1/users", "/api/v1/keys"} {
			for _, x := range env.list(t, path, bAdmin) {
				if x["workspace"] != "b" {
					t.Errorf("GET %s lists %v of another workspace", path, x)
				}
			}
		}
		r := env.send(t, "POST", "/api/v1/search", bWriter, `{"query":"健康扶贫 报销比例","k":20}`)
		if r.status != http.StatusOK || len(ids(r.body["results"], "document_id")) != 0 {
			t.Errorf("b's search = %d %v; want no results", r.status, r.body)
		}
	})

	t.Run("b's drafting uses none of a's passages", func(t *testing.T) {
		r := env.send(t, "POST", "/api/v1/drafts?wait=true", bWriter, figuresJSON)
		if r.status != http.StatusOK || r.body["workspace"] != "b" {
			t.Fatalf("b's draft: %d %v", r.status, r.body)
		}
		if srcs := draftSources(r.body); len(srcs) != 0 {
			t.Errorf("b's draft leans on %v", srcs)
		}
		// a's draft of the same figures did lean on a's passages: the check above can fail.
		if r := env.send(t, "GET", d, aWriter, ""); len(draftSources(r.body)) == 0 {
			t.Errorf("a's draft has no sources: %v", r.body)
		}
	})

	t.Run("a's things are all still there", func(t *testing.T) {
		for _, path := range []string{"/api/v1/documents/" + private, "/api/v1/documents/" + public, d} {
			if r := env.send(t, "GET", path, aWriter, ""); r.status != http.StatusOK {
				t.Errorf("GET %s by a = %d %v", path, r.status, r.body)
			}
		}
		if r := env.send(t, "GET", d, aWriter, ""); r.body["status"] != "ready" || len(r.body["audit"].([]any)) != 0 {
			t.Errorf("a's draft was changed by b: %v", r.body)
		}
		if k, err := store.KeyByHash(context.Background(), auth.HashToken(aWriter)); err != nil || k.Revoked() {
			t.Errorf("a's key: %+v, %v", k, err)
		}
		if u, err := store.User(context.Background(), userID); err != nil || u.Disabled() {
			t.Errorf("a's user: %+v, %v", u, err)
		}
	})

	t.Run("a shared collection is searchable and readable from b, and not changeable", func(t *testing.T) {
		if r := env.send(t, "PATCH", "/api/v1/collections/公开报告", aWriter, `{"shared":true}`); r.status != http.StatusForbidden {
			t.Fatalf("a writer shared a collection: %d %v", r.status, r.body)
		}
		r := env.send(t, "PATCH", "/api/v1/collections/公开报告", aAdmin, `{"shared":true}`)
		if r.status != http.StatusOK || r.body["shared"] != true || r.body["workspace"] != retrieval.DefaultWorkspace {
			t.Fatalf("share: %d %v", r.status, r.body)
		}
		if r := env.send(t, "GET", "/api/v1/documents/"+public, bWriter, ""); r.status != http.StatusOK || r.body["workspace"] != retrieval.DefaultWorkspace {
			t.Errorf("b reads the shared document: %d %v", r.status, r.body)
		}
		if r := env.send(t, "GET", "/api/v1/documents/"+private, bWriter, ""); r.status != http.StatusNotFound {
			t.Errorf("b reads a's private document once another collection is shared: %d", r.status)
		}
		if r := env.send(t, "GET", "/api/v1/documents", bWriter, ""); !slices.Equal(ids(r.body["documents"], "id"), []string{public}) {
			t.Errorf("b's documents = %v; want the shared one", r.body)
		}
		r = env.send(t, "POST", "/api/v1/search", bWriter, `{"query":"健康扶贫 报销比例","k":20}`)
		found := ids(r.body["results"], "document_id")
		if len(found) == 0 || slices.ContainsFunc(found, func(id string) bool { return id != public }) {
			t.Errorf("b's search found %v; want the shared document only", found)
		}
		r = env.send(t, "GET", "/api/v1/collections", bWriter, "")
		if cs := r.body["collections"].([]any); len(cs) != 1 || cs[0].(map[string]any)["name"] != "公开报告" {
			t.Errorf("b's collections = %v", r.body)
		}
		for _, tc := range []struct{ method, path, body string }{
			{"DELETE", "/api/v1/documents/" + public, ""},
			{"PATCH", "/api/v1/collections/公开报告", `{"shared":false}`},
		} {
			if r := env.send(t, tc.method, tc.path, bAdmin, tc.body); r.status != http.StatusNotFound {
				t.Errorf("b %s %s = %d %v; want 404", tc.method, tc.path, r.status, r.body)
			}
		}
		if r := env.send(t, "GET", "/api/v1/documents/"+public, aWriter, ""); r.status != http.StatusOK {
			t.Errorf("a's shared document after b's attempts: %d", r.status)
		}
		// b's drafts may lean on the shared collection now.
		r = env.send(t, "POST", "/api/v1/drafts?wait=true", bWriter, figuresJSON)
		for _, src := range draftSources(r.body) {
			if src != public {
				t.Errorf("b's draft leans on %s, not the shared document", src)
			}
		}
		if r := env.send(t, "PATCH", "/api/v1/collections/公开报告", aAdmin, `{"shared":false}`); r.status != http.StatusOK || r.body["shared"] != false {
			t.Fatalf("unshare: %d %v", r.status, r.body)
		}
		if r := env.send(t, "GET", "/api/v1/documents/"+public, bWriter, ""); r.status != http.StatusNotFound {
			t.Errorf("b reads a document of a collection no longer shared: %d", r.status)
		}
	})

	t.Run("who is signed in says which workspace", func(t *testing.T) {
		if r := env.send(t, "GET", "/api/v1/session", bWriter, ""); r.body["workspace"] != "b" {
			t.Errorf("b's session = %v", r.body)
		}
		if r := env.send(t, "GET", "/api/v1/session", aWriter, ""); r.body["workspace"] != retrieval.DefaultWorkspace {
			t.Errorf("a's session = %v", r.body)
		}
	})
}

// draftSources returns the document IDs a draft's sections lean on.
func draftSources(d map[string]any) []string {
	var out []string
	secs, _ := d["sections"].([]any)
	for _, s := range secs {
		srcs, _ := s.(map[string]any)["sources"].([]any)
		for _, x := range srcs {
			out = append(out, x.(map[string]any)["document_id"].(string))
		}
	}
	return out
}

func TestSingleUserModeIsTheDefaultWorkspace(t *testing.T) {
	srv, store := newTestServer(t, 1<<20)
	api := srv.URL + "/api/v1"
	// A document the command line stored (in the default workspace) is the single user's.
	in := &retrieval.Ingester{Store: store, Embed: retrieval.NewLocalEmbedder(64).Embed}
	text, _ := os.ReadFile("testdata/summary.txt")
	res, _, err := in.Ingest(context.Background(), retrieval.InWorkspace(retrieval.DefaultWorkspace), "cli.txt", string(text), "")
	if err != nil {
		t.Fatal(err)
	}
	if st, body := call(t, "GET", api+"/documents/"+res[0].ID, "", nil); st != http.StatusOK || body["workspace"] != retrieval.DefaultWorkspace {
		t.Fatalf("GET the CLI's document = %d %v", st, body)
	}
	if st, body := call(t, "GET", api+"/session", "", nil); st != http.StatusOK || body["workspace"] != retrieval.DefaultWorkspace || body["method"] != "local" {
		t.Fatalf("session = %d %v", st, body)
	}
	st, body := call(t, "POST", api+"/drafts?wait=true", "application/json", strings.NewReader(figuresJSON))
	if st != http.StatusOK || body["workspace"] != retrieval.DefaultWorkspace || len(draftSources(body)) == 0 {
		t.Fatalf("draft = %d %v", st, body)
	}
}
