package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// notAPI reports whether a registered route is left out of the OpenAPI document: the web app's
// page and files and the office add-in's, which are HTML and scripts for browsers, not API.
func notAPI(path string) bool {
	return path == "/" || strings.HasPrefix(path, "/static/") || path == "/addin" || strings.HasPrefix(path, "/addin/")
}

func init() {
	// Exports and the event stream are files or text the document types as strings.
	for _, ct := range []string{exportFormats["docx"].contentType, "text/markdown", "text/html", "text/event-stream", draft.XLSXContentType} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// loadOpenAPI fetches the document the server serves and checks that it is valid OpenAPI 3.
func loadOpenAPI(t *testing.T, srv *httptest.Server) *openapi3.T {
	t.Helper()
	resp, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the served document is not valid OpenAPI: %v", err)
	}
	return doc
}

// echoOf returns the Echo instance behind a test server.
func echoOf(t *testing.T, srv *httptest.Server) *echo.Echo {
	t.Helper()
	e, ok := srv.Config.Handler.(*echo.Echo)
	if !ok {
		t.Fatalf("Handler returns %T, not *echo.Echo: read its routes another way", srv.Config.Handler)
	}
	return e
}

// echoParam and openAPIParam are path parameters as Echo and OpenAPI write them.
var (
	echoParam    = regexp.MustCompile(`:([A-Za-z0-9_]+)`)
	openAPIParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)
)

func TestOpenAPIDocument(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	doc := loadOpenAPI(t, srv)

	t.Run("the document is OpenAPI 3.0 for draftd served from the root", func(t *testing.T) {
		if !strings.HasPrefix(doc.OpenAPI, "3.0") || doc.Info.Title != "draftd" || doc.Info.Version == "" {
			t.Fatalf("openapi %q, info %+v", doc.OpenAPI, doc.Info)
		}
		if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
			t.Fatalf("servers = %v", doc.Servers)
		}
	})
	t.Run("bearer keys are required everywhere but the probes", func(t *testing.T) {
		scheme := doc.Components.SecuritySchemes["bearerAuth"]
		if scheme == nil || scheme.Value.Type != "http" || scheme.Value.Scheme != "bearer" {
			t.Fatalf("bearerAuth = %+v", scheme)
		}
		if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
			t.Fatalf("global security = %v", doc.Security)
		}
		public := []string{"GET /healthz", "GET /readyz", "POST /api/v1/session", "GET /api/v1/oidc/login", "GET /api/v1/oidc/callback"}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				name := method + " " + path
				open := op.Security != nil && len(*op.Security) == 0
				if open != slices.Contains(public, name) {
					t.Errorf("%s: public = %v", name, open)
				}
				if open {
					continue
				}
				for _, code := range []string{"401", "403", "429"} {
					if op.Responses.Value(code) == nil {
						t.Errorf("%s does not document %s", name, code)
					}
				}
			}
		}
	})
	t.Run("each operation names the roles routeRoles allows", func(t *testing.T) {
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if !strings.HasPrefix(path, "/api/v1/") {
					continue
				}
				var documented []string
				raw, _ := json.Marshal(op.Extensions["x-draftd-roles"])
				json.Unmarshal(raw, &documented)
				var allowed []string
				for _, r := range routeRoles[method+" "+openAPIParam.ReplaceAllString(path, ":$1")] {
					allowed = append(allowed, string(r))
				}
				slices.Sort(documented)
				slices.Sort(allowed)
				if len(allowed) == 0 || !slices.Equal(documented, allowed) {
					t.Errorf("%s %s: x-draftd-roles %v, routeRoles %v", method, path, documented, allowed)
				}
			}
		}
	})
	t.Run("every operation is named and every error answers with the Error shape", func(t *testing.T) {
		errorSchema := doc.Components.Schemas["Error"].Value
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				name := method + " " + path
				if op.OperationID == "" || op.Summary == "" {
					t.Errorf("%s: operationId %q, summary %q", name, op.OperationID, op.Summary)
				}
				if op.Responses.Default() != nil {
					t.Errorf("%s has a default response: list every status instead", name)
				}
				for code, r := range op.Responses.Map() {
					if code < "400" {
						continue
					}
					mt := r.Value.Content.Get("application/json")
					if mt == nil {
						t.Errorf("%s %s: no JSON body", name, code)
						continue
					}
					// Every error schema has the Error's required fields.
					s := mt.Schema.Value
					if !slices.Equal(s.Required, errorSchema.Required) || !slices.Equal(s.Properties["error"].Value.Required, errorSchema.Properties["error"].Value.Required) {
						t.Errorf("%s %s: the body is not an Error", name, code)
					}
				}
			}
		}
	})
	t.Run("a client holding the current copy is told it is current", func(t *testing.T) {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/openapi.json", nil)
		req.Header.Set("If-None-Match", openAPIETag)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Fatalf("status %d, want 304", resp.StatusCode)
		}
	})
}

func TestOpenAPIRoutes(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	doc := loadOpenAPI(t, srv)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range echoOf(t, srv).Routes() {
		if r.Method == echo.RouteNotFound || notAPI(r.Path) {
			continue
		}
		registered[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	tests := []struct {
		name       string
		have, want map[string]bool
	}{
		{"every registered route is documented", documented, registered},
		{"every documented route is registered", registered, documented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var missing []string
			for r := range tt.want {
				if !tt.have[r] {
					missing = append(missing, r)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("missing:\n  %s", strings.Join(missing, "\n  "))
			}
		})
	}
}

// apiChecker sends requests to a test server and checks each request and answer against the document.
type apiChecker struct {
	srv    *httptest.Server
	doc    *openapi3.T
	router routers.Router
	used   map[string]bool // operation IDs exercised
}

// exchange is one request and the answer expected.
type exchange struct {
	name        string
	method      string
	path        func() string
	contentType string
	header      map[string]string
	body        []byte
	// remote, when set, is the client's address: the request goes to the handler directly.
	remote string
	// badRequest says the document itself rejects the request, as the server does.
	badRequest bool
	wantStatus int
	wantCode   string // the error code, for errors
	wantHeader map[string]string
	then       func(t *testing.T, body []byte)
}

func (a *apiChecker) run(t *testing.T, x exchange) {
	t.Helper()
	body, path := x.body, x.path()
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
	}
	newRequest := func() *http.Request {
		r := httptest.NewRequest(x.method, a.srv.URL+path, bytes.NewReader(body))
		r.RequestURI = ""
		if x.contentType != "" {
			r.Header.Set("Content-Type", x.contentType)
		}
		for k, v := range x.header {
			r.Header.Set(k, v)
		}
		return r
	}
	vreq := newRequest()
	route, params, err := a.router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s is not in the document: %v", x.method, path, err)
	}
	a.used[route.Operation.OperationID] = true
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case x.badRequest && reqErr == nil:
		t.Errorf("the document accepts the request the server refuses")
	case !x.badRequest && reqErr != nil:
		t.Errorf("the request does not match the document: %v", reqErr)
	}

	var resp *http.Response
	if x.remote != "" {
		req := newRequest()
		req.RemoteAddr = x.remote
		rec := httptest.NewRecorder()
		a.srv.Config.Handler.ServeHTTP(rec, req)
		resp = rec.Result()
	} else {
		var err error
		if resp, err = http.DefaultClient.Do(newRequest()); err != nil {
			t.Fatal(err)
		}
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != x.wantStatus {
		t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, x.wantStatus, got)
	}
	if x.wantCode != "" {
		var e errorBody
		if err := json.Unmarshal(got, &e); err != nil || e.Error.Code != x.wantCode {
			t.Errorf("error code %q, want %q: %.300s", e.Error.Code, x.wantCode, got)
		}
	}
	for k, v := range x.wantHeader {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if route.Operation.Responses.Status(resp.StatusCode) == nil {
		t.Errorf("status %d is not documented for %s", resp.StatusCode, route.Operation.OperationID)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	out.SetBodyBytes(got)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("the answer does not match the document: %v\n%.500s", err, got)
	}
	if x.then != nil && !t.Failed() {
		x.then(t, got)
	}
}

// checkEvents validates each server-sent event's data: the snapshot is a Draft, the rest are Events.
func (a *apiChecker) checkEvents(t *testing.T, stream []byte) []string {
	t.Helper()
	var types []string
	var typ string
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			typ = v
			types = append(types, v)
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		schema := "Event"
		if typ == "snapshot" {
			schema = "Draft"
		}
		var v any
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			t.Fatalf("event %s: data is not JSON: %v", typ, err)
		}
		if err := a.doc.Components.Schemas[schema].Value.VisitJSON(v); err != nil {
			t.Errorf("event %s does not match %s: %v", typ, schema, err)
		}
	}
	return types
}

// fixture reads a file of testdata/openapi.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/openapi/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(p string) func() string { return func() string { return p } }

// form builds a multipart body with each file in a part named file, and the fields.
func form(t *testing.T, files map[string][]byte, fields map[string]string) (contentType string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fw, err := w.CreateFormFile("file", n)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(files[n])
	}
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

func TestOpenAPIExamples(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	doc := loadOpenAPI(t, srv)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	a := &apiChecker{srv: srv, doc: doc, router: router, used: map[string]bool{}}

	// IDs found by earlier exchanges for later ones.
	var docID, draftID, bgDraftID, sentenceID, plainID string // plainID: a generated sentence stating no figure
	capture := func(into *string, field string) func(t *testing.T, body []byte) {
		return func(t *testing.T, body []byte) {
			var m map[string]any
			json.Unmarshal(body, &m)
			if *into, _ = m[field].(string); *into == "" {
				t.Fatalf("no %s in %.300s", field, body)
			}
		}
	}
	uploadCT, upload := form(t, map[string][]byte{"松岭镇农业服务中心2024年上半年工作总结.txt": fixture(t, "upload.txt")}, map[string]string{"collection": "openapi-example"})
	emptyCT, empty := form(t, map[string][]byte{"boilerplate.txt": fixture(t, "boilerplate.txt")}, nil)
	exeCT, exe := form(t, map[string][]byte{"setup.exe": []byte("MZ\x90\x00")}, nil)
	importCT, importCSV := form(t, map[string][]byte{"figures.csv": fixture(t, "figures.csv")}, map[string]string{"title": "临川县水利局2025年上半年工作总结"})
	importXLSCT, importXLS := form(t, map[string][]byte{"figures.xls": []byte("not a sheet")}, nil)
	tooLarge, _ := json.Marshal(createDocumentRequest{Title: "过大的文档", Text: strings.Repeat("水利工作稳步推进。", 50000)})
	figures, duplicateIDs, separator := fixture(t, "figures.json"), fixture(t, "figures_duplicate_ids.json"), fixture(t, "figures_separator.json")
	document := fixture(t, "document.json")
	draftPath := func(suffix string) func() string {
		return func() string { return "/api/v1/drafts/" + draftID + suffix }
	}

	steps := []exchange{
		{name: "the liveness probe answers ok", method: "GET", path: at("/healthz"), wantStatus: 200},
		{name: "the readiness probe answers ready", method: "GET", path: at("/readyz"), wantStatus: 200},
		{name: "the config lists the models", method: "GET", path: at("/api/v1/config"), wantStatus: 200},
		{name: "the document describes itself", method: "GET", path: at("/api/v1/openapi.json"), wantStatus: 200},

		{name: "a JSON document is created", method: "POST", path: at("/api/v1/documents"), contentType: "application/json",
			body: document, wantStatus: 201, then: capture(&docID, "id")},
		{name: "the same JSON document again is unchanged", method: "POST", path: at("/api/v1/documents"), contentType: "application/json",
			body: document, wantStatus: 200},
		{name: "an uploaded file is created", method: "POST", path: at("/api/v1/documents"), contentType: uploadCT, body: upload, wantStatus: 201},
		{name: "the documents of a collection are listed", method: "GET", path: at("/api/v1/documents?collection=openapi-example"), wantStatus: 200},
		{name: "a document is shown with its passages", method: "GET", path: func() string { return "/api/v1/documents/" + docID }, wantStatus: 200},
		{name: "a document is turned into a figures skeleton naming it", method: "POST", path: func() string { return "/api/v1/documents/" + docID + "/template" }, wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				var f draft.Figures
				json.Unmarshal(body, &f)
				if f.Template != docID || len(f.Sections) == 0 {
					t.Fatalf("skeleton = %s", body)
				}
			}},
		{name: "the skeleton of an unknown document is not found", method: "POST", path: at("/api/v1/documents/nope/template"), wantStatus: 404, wantCode: "not_found"},
		{name: "a skeleton downloads as a workbook to fill in Excel", method: "POST", path: func() string { return "/api/v1/documents/" + docID + "/template?format=xlsx" }, wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				f, err := draft.ImportFigures("figures.xlsx", bytes.NewReader(body), draft.Meta{})
				var ve *draft.ValidationError
				if !errors.As(err, &ve) || f != nil || !strings.HasPrefix(string(body), "PK") {
					t.Fatalf("an unfilled workbook should import with problems (empty values): %v", err)
				}
			}},
		{name: "a skeleton in an unknown format is invalid", method: "POST", path: func() string { return "/api/v1/documents/" + docID + "/template?format=pdf" },
			badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a kind of document's outline is given as sections to fill", method: "GET", path: at("/api/v1/outlines?kind=" + url.QueryEscape("汇报")), wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				var o outlineResponse
				json.Unmarshal(body, &o)
				k, _ := draft.KindOf("汇报")
				if o.Kind != "汇报" || len(o.Sections) != len(k.Outline) || o.Sections[0].Heading != k.Outline[0] || o.Source != outlineFromBuiltIn {
					t.Fatalf("outline = %s", body)
				}
			}},
		{name: "an unknown kind of document has no outline", method: "GET", path: at("/api/v1/outlines?kind=" + url.QueryEscape("通知")), wantStatus: 400, wantCode: "invalid"},
		{name: "an outline of more headings than allowed is refused by both", method: "GET", path: at("/api/v1/outlines?limit=99"), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a document's title and kind are corrected and audited", method: "PATCH", path: func() string { return "/api/v1/documents/" + docID },
			contentType: "application/json", body: []byte(`{"title":"临川县水利局2025年上半年工作总结","kind":"总结","by":"王撰稿"}`), wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				var d struct {
					Title string                   `json:"title"`
					Edits []retrieval.DocumentEdit `json:"edits"`
				}
				json.Unmarshal(body, &d)
				if d.Title != "临川县水利局2025年上半年工作总结" || len(d.Edits) == 0 || d.Edits[0].Field != "title" || d.Edits[0].By != "王撰稿" {
					t.Fatalf("edited document = %s", body)
				}
			}},
		{name: "a blank title is refused", method: "PATCH", path: func() string { return "/api/v1/documents/" + docID },
			contentType: "application/json", body: []byte(`{"title":"  "}`), wantStatus: 400, wantCode: "invalid"},
		{name: "an organisation kind search does not know is refused", method: "PATCH", path: func() string { return "/api/v1/documents/" + docID },
			contentType: "application/json", body: []byte(`{"org_kind":"卫健委"}`), wantStatus: 400, wantCode: "invalid"},
		{name: "a correction of an unknown field is refused by both", method: "PATCH", path: func() string { return "/api/v1/documents/" + docID },
			contentType: "application/json", body: []byte(`{"text":"别的正文"}`), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a correction of an unknown document is not found", method: "PATCH", path: at("/api/v1/documents/nope"),
			contentType: "application/json", body: []byte(`{"title":"新标题"}`), wantStatus: 404, wantCode: "not_found"},
		{name: "search finds passages with their score parts", method: "POST", path: at("/api/v1/search"), contentType: "application/json",
			body: []byte(`{"query":"高标准农田建设","k":5,"filters":{"collection":"openapi-example","roles":["achievements"]}}`), wantStatus: 200},
		{name: "the collections are listed", method: "GET", path: at("/api/v1/collections"), wantStatus: 200},
		{name: "a collection is shared with every workspace", method: "PATCH", path: at("/api/v1/collections/openapi-example"),
			contentType: "application/json", body: []byte(`{"shared":true}`), wantStatus: 200},
		{name: "a collection is its workspace's alone again", method: "PATCH", path: at("/api/v1/collections/openapi-example"),
			contentType: "application/json", body: []byte(`{"shared":false}`), wantStatus: 200},
		{name: "a collection the workspace does not have is not found", method: "PATCH", path: at("/api/v1/collections/nope"),
			contentType: "application/json", body: []byte(`{"shared":true}`), wantStatus: 404, wantCode: "not_found"},
		{name: "sharing without saying whether is invalid", method: "PATCH", path: at("/api/v1/collections/openapi-example"),
			contentType: "application/json", body: []byte(`{}`), badRequest: true, wantStatus: 400, wantCode: "invalid"},

		{name: "a spreadsheet of figures is read", method: "POST", path: at("/api/v1/drafts/import"), contentType: importCT, body: importCSV, wantStatus: 200},
		{name: "a draft started in the background is accepted", method: "POST", path: at("/api/v1/drafts"), contentType: "application/json",
			body: figures, wantStatus: 202, then: capture(&bgDraftID, "id")},
		{name: "the background draft's events end with draft_done", method: "GET", path: func() string { return "/api/v1/drafts/" + bgDraftID + "/events" }, wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				types := a.checkEvents(t, body)
				if len(types) < 2 || types[0] != "snapshot" || types[len(types)-1] != "draft_done" {
					t.Fatalf("events = %v", types)
				}
			}},
		{name: "a draft made while waiting is ready", method: "POST", path: at("/api/v1/drafts?wait=true&model=offline"), contentType: "application/json",
			header: map[string]string{"Idempotency-Key": "openapi-example-1"}, body: figures, wantStatus: 200, then: func(t *testing.T, body []byte) {
				capture(&draftID, "id")(t, body)
				var d struct {
					Sections []struct {
						Sentences []struct {
							ID        string   `json:"id"`
							Generated bool     `json:"generated"`
							Figures   []string `json:"figures"`
						} `json:"sentences"`
					} `json:"sections"`
				}
				json.Unmarshal(body, &d)
				for _, s := range d.Sections {
					for _, x := range s.Sentences {
						if x.Generated && sentenceID == "" {
							sentenceID = x.ID
						}
						if x.Generated && len(x.Figures) == 0 && plainID == "" {
							plainID = x.ID
						}
					}
				}
				if sentenceID == "" || plainID == "" {
					t.Fatalf("no generated sentence: %.500s", body)
				}
			}},
		{name: "a retry with the same Idempotency-Key answers with the same draft", method: "POST", path: at("/api/v1/drafts?wait=true&model=offline"),
			contentType: "application/json", header: map[string]string{"Idempotency-Key": "openapi-example-1"}, body: figures,
			wantStatus: 200, wantHeader: map[string]string{"Idempotent-Replayed": "true"}, then: func(t *testing.T, body []byte) {
				var again string
				capture(&again, "id")(t, body)
				if again != draftID {
					t.Fatalf("the retry made draft %s, the first request %s", again, draftID)
				}
			}},
		{name: "the same Idempotency-Key with other figures conflicts", method: "POST", path: at("/api/v1/drafts?wait=true&model=offline"),
			contentType: "application/json", header: map[string]string{"Idempotency-Key": "openapi-example-1"}, body: separator,
			badRequest: true, wantStatus: 409, wantCode: "conflict"},
		{name: "drafts are listed", method: "GET", path: at("/api/v1/drafts"), wantStatus: 200},
		{name: "a draft is shown", method: "GET", path: draftPath(""), wantStatus: 200},
		{name: "a reviewer edits a sentence", method: "POST", path: func() string { return "/api/v1/drafts/" + draftID + "/sentences/" + sentenceID + "/review" },
			contentType: "application/json", body: []byte(`{"decision":"edit","text":"上半年新建高标准农田1.2万亩。","by":"李审核"}`), wantStatus: 200},
		{name: "a reviewer's edit that claims a ranking is high risk", method: "POST", path: func() string { return "/api/v1/drafts/" + draftID + "/sentences/" + plainID + "/review" },
			contentType: "application/json", body: []byte(`{"decision":"edit","text":"下阶段，力争农田水利建设位居全市第一。","by":"李审核"}`), wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				if risk := sentenceRisk(t, body, plainID); risk != "high" {
					t.Fatalf("the edited sentence is of %s risk, want high", risk)
				}
			}},
		{name: "approving a high-risk sentence without a reason is refused", method: "POST", path: func() string { return "/api/v1/drafts/" + draftID + "/sentences/" + plainID + "/review" },
			contentType: "application/json", body: []byte(`{"decision":"approve","by":"李审核"}`), wantStatus: 400, wantCode: "reason_required"},
		{name: "a high-risk sentence is approved with a reason, which the audit trail keeps", method: "POST", path: func() string { return "/api/v1/drafts/" + draftID + "/sentences/" + plainID + "/review" },
			contentType: "application/json", body: []byte(`{"decision":"approve","reason":"排名见市水利局2025年6月通报","by":"李审核"}`), wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				var d struct {
					Audit []struct{ SentenceID, Decision, Reason string } `json:"audit"`
				}
				json.Unmarshal(body, &d)
				if a := d.Audit[len(d.Audit)-1]; a.Decision != "approved" || a.Reason != "排名见市水利局2025年6月通报" {
					t.Fatalf("last audit entry = %+v, want the approval with its reason", a)
				}
			}},
		{name: "a reviewer approves the low-risk sentences", method: "POST", path: draftPath("/review/approve-low"), contentType: "application/json",
			body: []byte(`{"by":"李审核"}`), wantStatus: 200},
		{name: "dropping a figure needs a reason", method: "POST", path: draftPath("/sections/0/figures/f2/drop"), contentType: "application/json",
			body: []byte(`{"by":"李审核"}`), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a figure the draft still states is not dropped", method: "POST", path: draftPath("/sections/0/figures/f2/drop"), contentType: "application/json",
			body: []byte(`{"by":"李审核","reason":"另行报送"}`), wantStatus: 409, wantCode: "conflict"},
		{name: "a figure the draft still states is not restored", method: "POST", path: draftPath("/sections/0/figures/f2/restore"), contentType: "application/json",
			body: []byte(`{"by":"李审核"}`), wantStatus: 409, wantCode: "conflict"},
		{name: "a section is drafted again while waiting", method: "POST", path: draftPath("/sections/1/regenerate?wait=true"), wantStatus: 200},
		{name: "a section drafted again in the background is accepted", method: "POST", path: func() string { return "/api/v1/drafts/" + bgDraftID + "/sections/0/regenerate" }, wantStatus: 202},
		{name: "the regenerated draft's events end with draft_done", method: "GET", path: func() string { return "/api/v1/drafts/" + bgDraftID + "/events" }, wantStatus: 200,
			then: func(t *testing.T, body []byte) {
				if types := a.checkEvents(t, body); types[len(types)-1] != "draft_done" {
					t.Fatalf("events = %v", types)
				}
			}},
		{name: "a draft exports as DOCX by default", method: "GET", path: draftPath("/export"), wantStatus: 200},
		{name: "a draft exports as DOCX with tracked insertions", method: "GET", path: draftPath("/export?format=docx&tracked=true"), wantStatus: 200},
		{name: "a draft exports as Markdown", method: "GET", path: draftPath("/export?format=md"), wantStatus: 200},
		{name: "a draft exports as HTML", method: "GET", path: draftPath("/export?format=html"), wantStatus: 200},
		{name: "a draft exports as text", method: "GET", path: draftPath("/export?format=txt"), wantStatus: 200},

		{name: "a malformed JSON body is invalid", method: "POST", path: at("/api/v1/search"), contentType: "application/json",
			body: []byte(`{"query":`), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "an unknown field is invalid", method: "POST", path: at("/api/v1/search"), contentType: "application/json",
			body: []byte(`{"query":"农田","nope":1}`), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a k over the maximum is invalid", method: "POST", path: at("/api/v1/search"), contentType: "application/json",
			body: []byte(`{"query":"农田","k":1000}`), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a blank query is invalid", method: "POST", path: at("/api/v1/search"), contentType: "application/json",
			body: []byte(`{"query":"  "}`), wantStatus: 400, wantCode: "invalid"},
		{name: "search in plain text is unsupported", method: "POST", path: at("/api/v1/search"), contentType: "text/plain",
			body: []byte("农田"), badRequest: true, wantStatus: 415, wantCode: "unsupported_format"},
		{name: "a JSON document without a title is invalid", method: "POST", path: at("/api/v1/documents"), contentType: "application/json",
			body: []byte(`{"text":"水利工作稳步推进。"}`), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a body over the limit is too large", method: "POST", path: at("/api/v1/documents"), contentType: "application/json",
			body: tooLarge, wantStatus: 413, wantCode: "too_large"},
		{name: "an executable upload is unsupported", method: "POST", path: at("/api/v1/documents"), contentType: exeCT, body: exe,
			wantStatus: 415, wantCode: "unsupported_format"},
		{name: "a file of boilerplate only is an empty document with its report", method: "POST", path: at("/api/v1/documents"), contentType: emptyCT, body: empty,
			wantStatus: 422, wantCode: "empty_document", then: func(t *testing.T, body []byte) {
				var e struct {
					Error struct {
						Detail struct {
							Dropped []any `json:"dropped"`
						} `json:"detail"`
					} `json:"error"`
				}
				json.Unmarshal(body, &e)
				if len(e.Error.Detail.Dropped) == 0 {
					t.Fatalf("no dropped lines in the report: %s", body)
				}
			}},
		{name: "an unknown document is not found", method: "GET", path: at("/api/v1/documents/nope"), wantStatus: 404, wantCode: "not_found"},
		{name: "an old spreadsheet format is unsupported", method: "POST", path: at("/api/v1/drafts/import"), contentType: importXLSCT, body: importXLS,
			wantStatus: 415, wantCode: "unsupported_format"},
		{name: "figures with a thousands separator are refused by both", method: "POST", path: at("/api/v1/drafts"), contentType: "application/json",
			body: separator, badRequest: true, wantStatus: 400, wantCode: "invalid_figures"},
		{name: "figures with a duplicate ID list the problem", method: "POST", path: at("/api/v1/drafts"), contentType: "application/json",
			body: duplicateIDs, wantStatus: 400, wantCode: "invalid_figures", then: func(t *testing.T, body []byte) {
				if !strings.Contains(string(body), `"field":"id"`) {
					t.Fatalf("no problem with the id field: %s", body)
				}
			}},
		{name: "figures marked derived are refused by both", method: "POST", path: at("/api/v1/drafts"), contentType: "application/json",
			body:       []byte(`{"title":"t","sections":[{"heading":"h","figures":[{"id":"f1","label":"l","value":"1","derived":true}]}]}`),
			badRequest: true, wantStatus: 400, wantCode: "invalid_figures"},
		{name: "an unknown model is invalid", method: "POST", path: at("/api/v1/drafts?model=nope"), contentType: "application/json",
			body: figures, wantStatus: 400, wantCode: "invalid"},
		{name: "an unknown draft is not found", method: "GET", path: at("/api/v1/drafts/nope"), wantStatus: 404, wantCode: "not_found"},
		{name: "an unknown export format is invalid", method: "GET", path: draftPath("/export?format=pdf"), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a clean export of a draft not approved conflicts", method: "GET", path: draftPath("/export?clean=true"), wantStatus: 409, wantCode: "conflict"},
		{name: "a section number that is not a number is invalid", method: "POST", path: draftPath("/sections/first/regenerate"), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a section the draft lacks is not found", method: "POST", path: draftPath("/sections/99/regenerate"), wantStatus: 404, wantCode: "not_found"},
		{name: "an unknown decision is invalid", method: "POST", path: func() string { return "/api/v1/drafts/" + draftID + "/sentences/" + sentenceID + "/review" },
			contentType: "application/json", body: []byte(`{"decision":"maybe","by":"李审核"}`), badRequest: true, wantStatus: 400, wantCode: "invalid"},
		{name: "a review of an unknown sentence is not found", method: "POST", path: draftPath("/sentences/nope/review"),
			contentType: "application/json", body: []byte(`{"decision":"approve","by":"李审核"}`), wantStatus: 404, wantCode: "not_found"},
		{name: "approving without a key or a name is invalid", method: "POST", path: draftPath("/review/approve-low"), contentType: "application/json",
			body: []byte(`{}`), wantStatus: 400, wantCode: "invalid"},
		{name: "a server without keys refuses another machine", method: "GET", path: at("/api/v1/drafts"), remote: "192.0.2.7:40000",
			wantStatus: 401, wantCode: "unauthorized"},
		{name: "an Idempotency-Key that is not printable ASCII is refused by both", method: "POST", path: at("/api/v1/drafts"), contentType: "application/json",
			header: map[string]string{"Idempotency-Key": "键"}, body: figures, badRequest: true, wantStatus: 400, wantCode: "invalid"},

		{name: "a draft is duplicated for the next period, its values left for the writer", method: "POST", path: draftPath("/duplicate"),
			contentType: "application/json", body: []byte(`{"period":"2025年下半年"}`), wantStatus: 200, then: func(t *testing.T, body []byte) {
				var in draft.Figures
				json.Unmarshal(body, &in)
				if in.Period != "2025年下半年" || len(in.Sections) == 0 || len(in.Sections[0].Figures) == 0 || in.Sections[0].Figures[0].Value != "" || in.Sections[0].Figures[0].Previous == "" {
					t.Fatalf("duplicate = %s", body)
				}
			}},
		{name: "a draft is duplicated without a body", method: "POST", path: draftPath("/duplicate"), wantStatus: 200},
		{name: "a rewrite without a chat model conflicts", method: "POST", path: func() string { return "/api/v1/drafts/" + draftID + "/sentences/" + sentenceID + "/rewrite" },
			contentType: "application/json", body: []byte(`{"mode":"expand","by":"王撰稿"}`), wantStatus: 409, wantCode: "conflict"},
		{name: "an unknown rewrite mode is refused by both", method: "POST", path: func() string { return "/api/v1/drafts/" + draftID + "/sentences/" + sentenceID + "/rewrite" },
			contentType: "application/json", body: []byte(`{"mode":"translate","by":"王撰稿"}`), badRequest: true, wantStatus: 409, wantCode: "conflict"},
		{name: "a draft is deleted", method: "DELETE", path: func() string { return "/api/v1/drafts/" + bgDraftID }, wantStatus: 204},
		{name: "a deleted draft is not found", method: "DELETE", path: func() string { return "/api/v1/drafts/" + bgDraftID }, wantStatus: 404, wantCode: "not_found"},
		{name: "a document is deleted", method: "DELETE", path: func() string { return "/api/v1/documents/" + docID }, wantStatus: 204},
		{name: "a deleted document is not found", method: "DELETE", path: func() string { return "/api/v1/documents/" + docID }, wantStatus: 404, wantCode: "not_found"},
	}
	for _, x := range append(steps, identityExamples(srv.URL)...) {
		t.Run(x.name, func(t *testing.T) { a.run(t, x) })
	}
	t.Run("the examples exercise every documented operation", func(t *testing.T) {
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if !a.used[op.OperationID] {
					t.Errorf("%s %s (%s) has no example", method, path, op.OperationID)
				}
			}
		}
	})
}

// sentenceRisk returns the risk of sentence sid of the draft in body.
func sentenceRisk(t *testing.T, body []byte, sid string) string {
	t.Helper()
	var d draft.Draft
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	for _, sec := range d.Sections {
		for _, x := range sec.Sentences {
			if x.ID == sid {
				return string(x.Risk)
			}
		}
	}
	t.Fatalf("no sentence %s", sid)
	return ""
}

// TestOpenAPIExamplesWithKeys checks against the document what only a server with API keys
// answers: who created a draft, and the refusal of its creator's approval.
func TestOpenAPIExamplesWithKeys(t *testing.T) {
	plain, _ := newTestServer(t, 1<<20) // the document itself needs a key here
	doc := loadOpenAPI(t, plain)
	env := newAuthServer(t, true, nil)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	a := &apiChecker{srv: env.srv, doc: doc, router: router, used: map[string]bool{}}
	as := func(role auth.Role) map[string]string {
		return map[string]string{"Authorization": "Bearer " + env.tokens[role]}
	}
	var draftID, sentenceID string
	sentencePath := func() string { return "/api/v1/drafts/" + draftID + "/sentences/" + sentenceID + "/review" }
	steps := []exchange{
		{name: "an admin's draft names the key's holder as its creator", method: "POST", path: at("/api/v1/drafts?wait=true"), header: as(auth.RoleAdmin),
			contentType: "application/json", body: fixture(t, "figures.json"), wantStatus: 200, then: func(t *testing.T, body []byte) {
				var d draft.Draft
				json.Unmarshal(body, &d)
				if d.CreatedBy != keyNames[auth.RoleAdmin] {
					t.Fatalf("created_by = %q, want %q", d.CreatedBy, keyNames[auth.RoleAdmin])
				}
				draftID, sentenceID = d.ID, d.Sections[0].Sentences[1].ID
			}},
		{name: "the admin may not approve a sentence of its own draft", method: "POST", path: sentencePath, header: as(auth.RoleAdmin),
			contentType: "application/json", body: []byte(`{"decision":"approve"}`), wantStatus: 403, wantCode: "own_draft"},
		{name: "nor approve its low-risk sentences at once", method: "POST", path: func() string { return "/api/v1/drafts/" + draftID + "/review/approve-low" },
			header: as(auth.RoleAdmin), contentType: "application/json", body: []byte(`{}`), wantStatus: 403, wantCode: "own_draft"},
		{name: "a reviewer approves it, recorded under the key's holder", method: "POST", path: sentencePath, header: as(auth.RoleReviewer),
			contentType: "application/json", body: []byte(`{"decision":"approve","by":"冒名顶替"}`), wantStatus: 200},
	}
	for _, x := range steps {
		t.Run(x.name, func(t *testing.T) { a.run(t, x) })
	}
}
