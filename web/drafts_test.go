package web

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

const figuresJSON = `{
  "title": "青禾县卫生健康局2025年上半年工作总结",
  "organization": "青禾县卫生健康局",
  "period": "2025年上半年",
  "sections": [
    {"heading": "健康扶贫", "notes": "巩固拓展健康扶贫成果。",
     "figures": [
       {"id": "f1", "label": "享受健康扶贫政策人数", "value": "36239", "unit": "人"},
       {"id": "f2", "label": "大病患者住院费用实际报销比例", "value": "90", "unit": "%", "previous": "85"}
     ]},
    {"heading": "公共卫生", "figures": [{"id": "f3", "label": "家庭医生签约服务覆盖率", "value": "76.5", "unit": "%"}]}
  ]
}`

func TestDraftsAPI(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	api := srv.URL + "/api/v1"

	st, d := call(t, "POST", api+"/drafts?wait=true", "application/json", strings.NewReader(figuresJSON))
	if st != http.StatusOK || d["status"] != "ready" {
		t.Fatalf("create: %d %v", st, d)
	}
	id := d["id"].(string)
	sections := d["sections"].([]any)
	var text strings.Builder
	var sentenceIDs []string
	for _, sec := range sections {
		for _, x := range sec.(map[string]any)["sentences"].([]any) {
			m := x.(map[string]any)
			text.WriteString(m["text"].(string))
			if m["generated"] == true {
				sentenceIDs = append(sentenceIDs, m["id"].(string))
			}
		}
	}
	t.Run("the draft states every figure exactly, derived ones included", func(t *testing.T) {
		for _, want := range []string{"36239人", "90%", "76.5%", "5个百分点"} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("draft lacks %q: %s", want, text.String())
			}
		}
	})
	t.Run("the events stream of a finished draft gives a snapshot and the end", func(t *testing.T) {
		resp, err := http.Get(api + "/drafts/" + id + "/events")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Fatalf("content type %q", ct)
		}
		var events []string
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if e, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				events = append(events, e)
			}
		}
		if fmt.Sprint(events) != "[snapshot draft_done]" {
			t.Fatalf("events = %v", events)
		}
	})
	t.Run("a reviewer approves, edits and rejects until the draft is approved", func(t *testing.T) {
		for i, sid := range sentenceIDs {
			body := `{"decision":"approve","by":"张审核"}`
			if i == 0 {
				body = `{"decision":"edit","text":"享受健康扶贫政策36239人，成效明显。","by":"张审核"}`
			}
			st, d := call(t, "POST", api+"/drafts/"+id+"/sentences/"+sid+"/review", "application/json", strings.NewReader(body))
			if st != http.StatusOK {
				t.Fatalf("review %s: %d %v", sid, st, d)
			}
			if i == len(sentenceIDs)-1 {
				if d["status"] != "approved" {
					t.Fatalf("status after the last decision = %v", d["status"])
				}
				p := d["review_progress"].(map[string]any)
				if p["reviewed"] != p["total"] || len(d["audit"].([]any)) != len(sentenceIDs) {
					t.Fatalf("progress %v audit %v", p, d["audit"])
				}
			}
		}
	})
	t.Run("an asynchronous draft streams its sections as they are written", func(t *testing.T) {
		st, created := call(t, "POST", api+"/drafts", "application/json", strings.NewReader(figuresJSON))
		if st != http.StatusAccepted {
			t.Fatalf("create: %d %v", st, created)
		}
		resp, err := http.Get(api + "/drafts/" + created["id"].(string) + "/events")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		seen := map[string]bool{}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		done := make(chan struct{})
		go func() {
			for sc.Scan() {
				if e, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
					seen[e] = true
				}
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("the stream did not end")
		}
		if !seen["snapshot"] || !seen["draft_done"] {
			t.Fatalf("events seen: %v", seen)
		}
	})
	t.Run("a section is regenerated alone", func(t *testing.T) {
		st, d := call(t, "POST", api+"/drafts/"+id+"/sections/1/regenerate?wait=true", "", nil)
		if st != http.StatusOK || d["status"] != "ready" {
			t.Fatalf("regenerate: %d %v", st, d["status"])
		}
	})
	t.Run("the config lists the models", func(t *testing.T) {
		_, c := call(t, "GET", api+"/config", "", nil)
		if c["default_model"] != "offline" {
			t.Fatalf("config = %v", c)
		}
	})
}

func TestDraftsAPIErrors(t *testing.T) {
	srv, store := newTestServer(t, 1<<20)
	api := srv.URL + "/api/v1"
	t.Run("invalid figures list every problem with its place and draft nothing", func(t *testing.T) {
		bad := strings.Replace(figuresJSON, `"value": "36239"`, `"value": "约3.6万"`, 1)
		bad = strings.Replace(bad, `"id": "f3"`, `"id": "f1"`, 1)
		st, body := call(t, "POST", api+"/drafts", "application/json", strings.NewReader(bad))
		if st != http.StatusBadRequest || errCode(body) != "invalid_figures" {
			t.Fatalf("%d %v", st, body)
		}
		problems := body["error"].(map[string]any)["detail"].(map[string]any)["problems"].([]any)
		if len(problems) < 2 {
			t.Fatalf("problems = %v", problems)
		}
		if ds, _ := store.(draft.Store).Drafts(t.Context(), retrieval.Scope{}); len(ds) != 0 {
			t.Fatalf("%d drafts stored from invalid input", len(ds))
		}
	})
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"an unknown model is refused", "POST", "/drafts?model=gpt-9", figuresJSON, 400, "invalid"},
		{"an unknown draft is not found", "GET", "/drafts/nope", "", 404, "not_found"},
		{"a review of an unknown draft is not found", "POST", "/drafts/nope/sentences/s1-1/review", `{"decision":"approve","by":"a"}`, 404, "not_found"},
		{"a regenerate of an unknown draft is not found", "POST", "/drafts/nope/sections/0/regenerate", "", 404, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := ""
			if c.body != "" {
				ct = "application/json"
			}
			st, body := call(t, c.method, api+c.path, ct, strings.NewReader(c.body))
			if st != c.status || errCode(body) != c.code {
				t.Fatalf("%d %v", st, body)
			}
		})
	}
}

func TestExport(t *testing.T) {
	srv, _ := newTestServer(t, 1<<20)
	api := srv.URL + "/api/v1"
	_, d := call(t, "POST", api+"/drafts?wait=true", "application/json", strings.NewReader(figuresJSON))
	id := d["id"].(string)
	get := func(q string) (*http.Response, string) {
		resp, err := http.Get(api + "/drafts/" + id + "/export" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&b)
		return resp, b.String()
	}
	tests := []struct {
		q, contentType, contains string
	}{
		{"?format=docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/document.xml"},
		{"?format=md", "text/markdown; charset=utf-8", "36239人"},
		{"?format=html", "text/html; charset=utf-8", "class=\"s-"},
		{"?format=txt", "text/plain; charset=utf-8", "一、健康扶贫"},
	}
	for _, tt := range tests {
		t.Run("exports "+tt.q, func(t *testing.T) {
			resp, body := get(tt.q)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.contentType || !strings.Contains(body, tt.contains) {
				t.Fatalf("%d %s %.200q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("disposition = %q", resp.Header.Get("Content-Disposition"))
			}
		})
	}
	t.Run("a clean docx of a draft not yet approved is refused", func(t *testing.T) {
		if resp, _ := get("?format=docx&clean=true"); resp.StatusCode != http.StatusConflict {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("an unknown format is refused", func(t *testing.T) {
		if resp, _ := get("?format=pdf"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

// brokenWriter is a model that always refuses.
type brokenWriter struct{}

func (brokenWriter) Write(context.Context, draft.SectionRequest) (draft.SectionText, error) {
	return draft.SectionText{}, retrieval.Errorf(retrieval.EUNAVAILABLE, "模型服务返回 429：请求过多")
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDraftFailuresAreLogged(t *testing.T) {
	s, _ := testServer(t)
	var logs syncBuffer
	s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	s.Writers["broken"] = brokenWriter{}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	st, d := call(t, "POST", srv.URL+"/api/v1/drafts?wait=true&model=broken", "application/json", strings.NewReader(figuresJSON))
	if st != http.StatusOK || d["status"] != "failed" {
		t.Fatalf("create: %d %v", st, d)
	}
	for _, want := range []string{"draft section failed", "draft_id=" + d["id"].(string), "429", "draft failed"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
}
