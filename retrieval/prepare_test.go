package retrieval

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ingest")

// golden is what a golden file records of Prepare's result.
type golden struct {
	Documents []goldenDocument `json:"documents"`
	Report    PrepareReport    `json:"report"`
}

type goldenDocument struct {
	Key        string          `json:"key"`
	Collection string          `json:"collection"`
	Title      string          `json:"title"`
	Meta       Meta            `json:"meta"`
	Warnings   []string        `json:"warnings"`
	Passages   []goldenPassage `json:"passages"`
}

type goldenPassage struct {
	HeadingPath  []string `json:"heading_path"`
	Role         string   `json:"role"`
	Placeholders []string `json:"placeholders,omitempty"`
	Text         string   `json:"text"`
}

func TestPrepareGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "ingest", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata/ingest: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run("prepares "+name+" as its golden file says", func(t *testing.T) {
			raw := readFixture(t, name)
			docs, rep, err := Prepare(name, raw, "fixtures")
			if err != nil {
				t.Fatal(err)
			}
			var g golden
			g.Report = rep
			for _, d := range docs {
				checkPassages(t, d.Text, d.Passages, DefaultPassageRunes)
				gd := goldenDocument{Key: d.Key, Collection: d.Collection, Title: d.Title, Meta: d.Meta, Warnings: d.Warnings}
				for _, p := range d.Passages {
					gd.Passages = append(gd.Passages, goldenPassage{p.HeadingPath, p.Role, p.Placeholders, p.Text})
				}
				g.Documents = append(g.Documents, gd)
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := strings.TrimSuffix(f, ".txt") + ".golden.json"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestPrepareGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Prepare(%s) differs from %s (run with -update and review the diff):\n%s", name, path, firstDiff(string(got), string(want)))
			}
		})
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got " + gl + "\nwant " + wl
		}
	}
	return ""
}

func TestPrepareSamples(t *testing.T) {
	t.Run("the compilation gives the documents the site showed, keyed by their place in the 目录", func(t *testing.T) {
		docs, rep, err := Prepare(sampleCompilation, readSample(t, sampleCompilation), "")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, d := range docs {
			keys = append(keys, d.Key)
			if d.Collection != DefaultCollection {
				t.Errorf("collection %q, want %q", d.Collection, DefaultCollection)
			}
			if d.ID != "" || d.Hash != "" {
				t.Errorf("Prepare filled in ID or Hash")
			}
		}
		if want := sampleCompilation + "#1|" + sampleCompilation + "#5"; strings.Join(keys, "|") != want {
			t.Errorf("keys = %q, want %q", keys, want)
		}
		if rep.DocumentsFound != 2 || len(rep.Hidden) != 3 || len(rep.Contents) != 5 || rep.HiddenChars != 11840 {
			t.Errorf("found %d, hidden %d, listed %d, hidden chars %d; want 2, 3, 5, 11840",
				rep.DocumentsFound, len(rep.Hidden), len(rep.Contents), rep.HiddenChars)
		}
		if !containsPrefix(rep.Warnings, "目录列出 5 篇文档，其中 3 篇被网页隐藏") {
			t.Errorf("warnings = %q, want one about the 3 hidden documents", rep.Warnings)
		}
		if !containsPrefix(docs[1].Warnings, "文档含有占位符") || !containsPrefix(docs[0].Warnings, "文档含有名称占位符") {
			t.Errorf("warnings = %q and %q, want figure placeholders in the second and name placeholders in the first", docs[0].Warnings, docs[1].Warnings)
		}
	})
	t.Run("the page-numbered summary is one document of style templates", func(t *testing.T) {
		docs, rep, err := Prepare(sampleHealthBureau, readSample(t, sampleHealthBureau), "health")
		if err != nil {
			t.Fatal(err)
		}
		if len(docs) != 1 || docs[0].Key != sampleHealthBureau || docs[0].Collection != "health" {
			t.Fatalf("got %d documents, first keyed %q", len(docs), docs[0].Key)
		}
		templates := 0
		for _, p := range docs[0].Passages {
			if p.HasPlaceholders() {
				templates++
			}
		}
		if templates < len(docs[0].Passages)-1 {
			t.Errorf("%d of %d passages have placeholders; want all but the overview", templates, len(docs[0].Passages))
		}
		if rep.Passages != len(docs[0].Passages) {
			t.Errorf("report counts %d passages, document has %d", rep.Passages, len(docs[0].Passages))
		}
		if want := (Meta{OrgKind: "卫生健康", Years: []int{2021}, Period: "上半年", Kind: "总结"}); docs[0].Meta.OrgKind != want.OrgKind || docs[0].Meta.Period != want.Period || docs[0].Meta.Kind != want.Kind || !equalInts(docs[0].Meta.Years, want.Years) {
			t.Errorf("meta = %+v, want %+v", docs[0].Meta, want)
		}
	})
}

func containsPrefix(ss []string, prefix string) bool {
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestPrepareEmpty(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		dropped int
	}{
		{"an empty file", "", 0},
		{"whitespace", " \r\n\u3000\n", 0},
		{"a page of boilerplate only", "首页 > 范文 > 工作总结\n立即下载\n客服QQ：123456\n版权所有 © 某某网", 4},
		{"a title without a body", "甲县林业局2022年工作总结", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an empty-document error carrying the report", func(t *testing.T) {
			docs, rep, err := Prepare("f.txt", tt.text, "")
			var e *Error
			if !errors.As(err, &e) || e.Code != EEMPTY {
				t.Fatalf("err = %v, want code %s", err, EEMPTY)
			}
			if docs != nil {
				t.Errorf("got %d documents with the error", len(docs))
			}
			detail, ok := e.Detail.(PrepareReport)
			if !ok {
				t.Fatalf("detail is %T, want PrepareReport", e.Detail)
			}
			if detail.DroppedLines != tt.dropped || rep.DroppedLines != tt.dropped {
				t.Errorf("dropped lines %d (returned report %d), want %d", detail.DroppedLines, rep.DroppedLines, tt.dropped)
			}
		})
	}
}

func TestPrepareTitleFromFileName(t *testing.T) {
	docs, _, err := Prepare("uploads/2023/会议交流发言.txt", "全年完成人工造林1.2万亩。森林覆盖率达到68.3%。", "")
	if err != nil {
		t.Fatal(err)
	}
	if docs[0].Title != "会议交流发言" || docs[0].Key != "uploads/2023/会议交流发言.txt" {
		t.Errorf("title %q, key %q; want the file name without directories and extension, and the name", docs[0].Title, docs[0].Key)
	}
}

func TestPrepareTitleFromText(t *testing.T) {
	body := "全年完成人工造林1.2万亩，森林覆盖率达到68.3%，比上年提高0.4个百分点。"
	tests := []struct {
		name, text, want string
	}{
		{"the document a notice issues", "青石县林业局文件 青林〔2024〕2号 关于印发《2024年森林防火工作要点》的通知 各乡镇：" + body, "2024年森林防火工作要点"},
		{"an official title run into the text", "青石县林业局关于2023年林长制工作情况的报告 县政府：" + body, "关于2023年林长制工作情况的报告"},
		{"the government a work report speaks for", "各位代表：\n现在，我代表青石县人民政府，向大会报告工作，请予审议。\n" + body, "青石县人民政府工作报告"},
		{"the organisation that signs a report", "现将有关情况报告如下：\n" + body + "\n特此报告。\n青石县林业局\n2024年1月5日", "青石县林业局报告"},
		{"a bulletin's issue", "内部情况通报第12期 青石县林业局办公室 2024年3月1日 " + body, "内部情况通报第12期"},
		{"the title a site's field table gives", "索引号：001/2024-01\n发布机构：青石县林业局\n名称：青石县2023年林业工作总结\n成文日期：2024-01-05\n" + body, "青石县2023年林业工作总结"},
		{"the title a site's notice quotes", "《青石县2023年林业工作总结》由会员分享，可在线阅读，更多相关内容请下载。\n" + body, "青石县2023年林业工作总结"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, rep, err := Prepare("003_scraped_page.txt", tt.text, "")
			if err != nil {
				t.Fatal(err)
			}
			if docs[0].Title != tt.want {
				t.Errorf("title %q, want %q", docs[0].Title, tt.want)
			}
			for _, n := range rep.Notices {
				if n.Code == WFileNameTitle {
					t.Errorf("notice %q for a title found in the text", n.Message)
				}
			}
		})
	}
	t.Run("the file name stands for a missing title, with a notice", func(t *testing.T) {
		_, rep, err := Prepare("003_scraped_page.txt", body, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Notices) == 0 || rep.Notices[len(rep.Notices)-1].Code != WFileNameTitle {
			t.Errorf("notices %+v, want %s last", rep.Notices, WFileNameTitle)
		}
	})
}

func TestPrepareReportJSON(t *testing.T) {
	_, rep, err := Prepare("compilation.txt", readFixture(t, "compilation.txt"), "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	for _, k := range []string{"name", "rules", "dropped_lines", "dropped", "contents", "documents_found", "documents", "passages", "warnings"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report JSON lacks %q: %s", k, b)
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !snake.MatchString(k) {
					t.Errorf("JSON key %q is not snake_case", k)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(m)
}
