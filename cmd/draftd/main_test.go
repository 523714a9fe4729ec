package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval/embedded"
)

// testMain returns a Main over an embedded store in a fresh directory, with env overrides.
func testMain(t *testing.T, env map[string]string) (*Main, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	vars := map[string]string{"DRAFTD_DATA_DIR": t.TempDir(), "DRAFTD_ADDR": "127.0.0.1:0"}
	for k, v := range env {
		vars[k] = v
	}
	var out, errb bytes.Buffer
	return &Main{Getenv: func(k string) string { return vars[k] }, Stdout: &out, Stderr: &errb}, &out, &errb
}

const fixture = `松溪县卫生健康局2023年工作总结

一、主要工作成效
（一）公共卫生服务
全县家庭医生签约服务覆盖率达到71.2%，完成适龄儿童疫苗接种3.1万剂次。
（二）医疗服务能力
新建两所标准化村卫生室，县医院通过二甲复审。
二、存在的问题
基层卫生人才不足。
三、下一步工作打算
一是推进医共体建设；二是加强人才培养。
`

func TestIngestAndSearch(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "songxi.txt"), []byte(fixture), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.bin"), []byte{0, 1, 2}, 0o644) // not a supported format: skipped by the walk
	m, _, stderr := testMain(t, nil)
	ctx := context.Background()

	if err := m.Run(ctx, []string{"ingest", "--collection", "c", dir}); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr.String(), "1 documents") && !strings.Contains(stderr.String(), "1 files") {
		t.Fatalf("summary missing: %s", stderr)
	}

	t.Run("search --json prints the API's JSON", func(t *testing.T) {
		m2, out, _ := testMain(t, map[string]string{"DRAFTD_DATA_DIR": m.Getenv("DRAFTD_DATA_DIR")})
		if err := m2.Run(ctx, []string{"search", "--json", "-k", "2", "家庭医生签约服务"}); err != nil {
			t.Fatal(err)
		}
		var res searchResponse
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if len(res.Results) == 0 || !strings.Contains(res.Results[0].Text, "家庭医生签约") || len(res.Results[0].HeadingPath) == 0 {
			t.Fatalf("results = %+v", res.Results)
		}
	})
	t.Run("ingesting the same files again stores nothing new", func(t *testing.T) {
		m2, _, errb := testMain(t, map[string]string{"DRAFTD_DATA_DIR": m.Getenv("DRAFTD_DATA_DIR")})
		if err := m2.Run(ctx, []string{"ingest", "--collection", "c", dir}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errb.String(), "(1 unchanged)") {
			t.Fatalf("stderr = %s", errb)
		}
	})
	t.Run("a failing file is reported and makes the exit status non-zero", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.txt")
		os.WriteFile(bad, []byte("立即下载\n开通VIP会员\n"), 0o644)
		m2, _, errb := testMain(t, map[string]string{"DRAFTD_DATA_DIR": m.Getenv("DRAFTD_DATA_DIR")})
		err := m2.Run(ctx, []string{"ingest", bad, filepath.Join(dir, "songxi.txt")})
		if err == nil {
			t.Fatal("want a non-zero exit")
		}
		if !strings.Contains(errb.String(), "bad.txt: error:") || !strings.Contains(errb.String(), "1 failed") {
			t.Fatalf("stderr = %s", errb)
		}
	})
	t.Run("another embedder is refused with a pointer to reindex, and reindex fixes it", func(t *testing.T) {
		env := map[string]string{"DRAFTD_DATA_DIR": m.Getenv("DRAFTD_DATA_DIR"), "DRAFTD_EMBED_DIM": "128"}
		m2, _, _ := testMain(t, env)
		err := m2.Run(ctx, []string{"search", "卫生"})
		if err == nil || !strings.Contains(err.Error(), "draftd reindex") {
			t.Fatalf("err = %v", err)
		}
		m3, out, _ := testMain(t, env)
		if err := m3.Run(ctx, []string{"reindex"}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "dim 128") {
			t.Fatalf("reindex output = %s", out)
		}
		m4, out4, _ := testMain(t, env)
		if err := m4.Run(ctx, []string{"search", "家庭医生"}); err != nil || !strings.Contains(out4.String(), "家庭医生") {
			t.Fatalf("search after reindex: %v %s", err, out4)
		}
	})
}

func TestServeLoadsDemoCorpus(t *testing.T) {
	m, _, stderr := testMain(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A draft a stopped process left generating.
	st, err := embedded.Open(ctx, m.Getenv("DRAFTD_DATA_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	in := &draft.Figures{Title: "青禾县2025年上半年工作总结", Sections: []draft.SectionInput{{Heading: "健康扶贫",
		Figures: []draft.Figure{{ID: "f1", Label: "签约人数", Value: "36239", Unit: "人"}}}}}
	stopped, err := (&draft.Drafter{Store: st}).Create(ctx, in)
	if err == nil {
		err = st.SetStatus(ctx, stopped.ID, draft.StatusGenerating, draft.Usage{})
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve exited: %v\n%s", err, stderr)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	resp, err := http.Post("http://"+addr+"/api/v1/search", "application/json", strings.NewReader(`{"query":"家庭医生签约服务","k":3}`))
	if err != nil {
		t.Fatal(err)
	}
	var res searchResponse
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if len(res.Results) == 0 {
		t.Fatalf("the demo corpus answers nothing")
	}
	t.Run("a draft interrupted by a stop comes back failed, its section regenerable", func(t *testing.T) {
		resp, err := http.Get("http://" + addr + "/api/v1/drafts/" + stopped.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var dr draft.Draft
		json.NewDecoder(resp.Body).Decode(&dr)
		if dr.Status != draft.StatusFailed || dr.Sections[0].Status != draft.StatusFailed || dr.Sections[0].Error == "" {
			t.Fatalf("draft %s, section %s (%q)", dr.Status, dr.Sections[0].Status, dr.Sections[0].Error)
		}
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(stderr.String(), "interrupted drafts") {
		t.Fatalf("the recovery is not logged:\n%s", stderr)
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"an unknown command is named", nil, []string{"frobnicate"}, "frobnicate"},
		{"a bad variable is named before anything starts", map[string]string{"DRAFTD_EMBEDDER": "bert"}, []string{"serve"}, "DRAFTD_EMBEDDER"},
		{"ingest without paths explains itself", nil, []string{"ingest"}, "files or directories"},
		{"an unknown --bulk value is named", nil, []string{"ingest", "--bulk", "sometimes", "x.txt"}, "--bulk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, _ := testMain(t, tt.env)
			err := m.Run(context.Background(), tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want mention of %q", err, tt.want)
			}
		})
	}
	t.Run("version prints a version", func(t *testing.T) {
		m, out, _ := testMain(t, nil)
		if err := m.Run(context.Background(), []string{"version"}); err != nil || !strings.HasPrefix(out.String(), "draftd ") {
			t.Fatalf("%v %q", err, out)
		}
	})
}

func TestDraftCommand(t *testing.T) {
	dir := t.TempDir()
	figures := filepath.Join(dir, "figures.json")
	os.WriteFile(figures, []byte(`{"title":"松溪县卫生健康局2025年上半年工作总结","organization":"松溪县卫生健康局","period":"2025年上半年",
"sections":[{"heading":"公共卫生","figures":[{"id":"f1","label":"家庭医生签约服务覆盖率","value":"71.2","unit":"%","previous":"65"}]}]}`), 0o644)
	ctx := context.Background()
	t.Run("json output is the API's draft with every figure stated", func(t *testing.T) {
		m, out, errb := testMain(t, nil)
		if err := m.Run(ctx, []string{"draft", "--figures", figures, "--format", "json"}); err != nil {
			t.Fatalf("%v\n%s", err, errb)
		}
		var d struct {
			ID             string
			Status         string
			Sections       []struct{ Sentences []struct{ Text string } }
			ReviewProgress struct{ Total int } `json:"review_progress"`
		}
		if err := json.Unmarshal(out.Bytes(), &d); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		var all strings.Builder
		n := 0
		for _, s := range d.Sections {
			for _, x := range s.Sentences {
				all.WriteString(x.Text)
				n++
			}
		}
		if d.ReviewProgress.Total != n || n == 0 {
			t.Fatalf("review_progress.total = %d for %d sentences; the API serves the count", d.ReviewProgress.Total, n)
		}
		if d.Status != "ready" || !strings.Contains(all.String(), "71.2%") || !strings.Contains(all.String(), "6.2个百分点") {
			t.Fatalf("draft = %+v", d)
		}
		if !strings.Contains(errb.String(), "section 1: done") {
			t.Fatalf("no progress lines: %s", errb)
		}
	})
	t.Run("html goes to the file named by -o", func(t *testing.T) {
		m, _, errb := testMain(t, nil)
		outPath := filepath.Join(dir, "draft.html")
		if err := m.Run(ctx, []string{"draft", "--figures", figures, "--format", "html", "-o", outPath}); err != nil {
			t.Fatalf("%v\n%s", err, errb)
		}
		b, _ := os.ReadFile(outPath)
		if !strings.Contains(string(b), "<!DOCTYPE html>") || !strings.Contains(string(b), "71.2%") {
			t.Fatalf("html = %.300s", b)
		}
	})
	t.Run("docx goes to a file that is a Word document", func(t *testing.T) {
		m, _, errb := testMain(t, nil)
		outPath := filepath.Join(dir, "draft.docx")
		if err := m.Run(ctx, []string{"draft", "--figures", figures, "--format", "docx", "-o", outPath}); err != nil {
			t.Fatalf("%v\n%s", err, errb)
		}
		b, _ := os.ReadFile(outPath)
		if !bytes.HasPrefix(b, []byte("PK")) || !bytes.Contains(b, []byte("word/document.xml")) {
			t.Fatalf("not a docx: %.40q", b)
		}
	})
	t.Run("invalid figures name the problem and draft nothing", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte(`{"title":"t","sections":[{"heading":"h","figures":[{"id":"f1","label":"l","value":"很多"}]}]}`), 0o644)
		m, _, _ := testMain(t, nil)
		err := m.Run(ctx, []string{"draft", "--figures", bad})
		if err == nil || !strings.Contains(err.Error(), "第1部分第1项") || !strings.Contains(err.Error(), "很多") {
			t.Fatalf("err = %v", err)
		}
	})
}
