package docx

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

var update = flag.Bool("update", false, "rewrite golden files")

// exportDate stamps every test document so its parts are reproducible.
var exportDate = time.Date(2025, 7, 3, 10, 0, 0, 0, time.UTC)

// loadDraft reads the fixture: a ready draft with approved, pending, edited, rejected, added and
// writer's sentences of every risk, one with XML special characters, and a failed section.
func loadDraft(t *testing.T) *draft.Draft {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "draft.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d draft.Draft
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// approvedDraft is the fixture after review: its failed section redrafted and every pending
// or edited sentence approved.
func approvedDraft(t *testing.T) *draft.Draft {
	d := loadDraft(t)
	d.Sections[2].Status = draft.StatusReady
	d.Sections[2].Error = ""
	d.Sections[2].Sentences = []draft.Sentence{{ID: "s3-1", Text: "下半年将继续抓好秋粮生产。", Generated: true, Risk: draft.RiskMedium}}
	for si := range d.Sections {
		for xi := range d.Sections[si].Sentences {
			x := &d.Sections[si].Sentences[xi]
			if x.Review.Decision != draft.DecisionRejected {
				x.Review.Decision = draft.DecisionApproved
			}
		}
	}
	d.Status = draft.StatusApproved
	return d
}

// export writes d and returns the package's parts by name.
func export(t *testing.T, d *draft.Draft, opt Options) map[string][]byte {
	t.Helper()
	if opt.Date.IsZero() {
		opt.Date = exportDate
	}
	var b bytes.Buffer
	if err := Write(&b, d, opt); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name], err = io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
	}
	return parts
}

// textRun is one w:r of document.xml with the marks around it.
type textRun struct {
	Text      string
	Highlight string
	Shade     string // w:shd fill
	Color     string
	Italic    bool
	InsAuthor string // author of the w:ins around it, "" outside one
	Comments  int    // comment ranges open around it
}

// runs parses document.xml into its text runs.
func runs(t *testing.T, doc []byte) []textRun {
	t.Helper()
	var out []textRun
	var cur *textRun
	var ins string
	open := map[string]bool{}
	inText := false
	dec := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("document.xml: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "ins":
				ins = attr(e, "author")
			case "commentRangeStart":
				open[attr(e, "id")] = true
			case "commentRangeEnd":
				delete(open, attr(e, "id"))
			case "r":
				cur = &textRun{InsAuthor: ins, Comments: len(open)}
			case "highlight":
				cur.Highlight = attr(e, "val")
			case "shd":
				cur.Shade = attr(e, "fill")
			case "color":
				cur.Color = attr(e, "val")
			case "i":
				cur.Italic = true
			case "t":
				inText = true
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "ins":
				ins = ""
			case "t":
				inText = false
			case "r":
				if cur.Text != "" {
					out = append(out, *cur)
				}
				cur = nil
			}
		case xml.CharData:
			if inText {
				cur.Text += string(e)
			}
		}
	}
}

// elements returns the start elements named local in an XML part.
func elements(t *testing.T, part []byte, local string) []xml.StartElement {
	t.Helper()
	var out []xml.StartElement
	dec := xml.NewDecoder(bytes.NewReader(part))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == local {
			out = append(out, e.Copy())
		}
	}
}

// attr returns the value of e's attribute named local, whatever its namespace.
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// runOf returns the run holding exactly text.
func runOf(t *testing.T, rs []textRun, text string) textRun {
	t.Helper()
	for _, r := range rs {
		if r.Text == text {
			return r
		}
	}
	t.Fatalf("no run holds %q", text)
	return textRun{}
}

// styleOf returns the style element with the given id from styles.xml, re-encoded for inspection.
func styleOf(t *testing.T, styles []byte, id string) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(styles))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			t.Fatalf("styles.xml has no style %s", id)
		}
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "style" && attr(e, "styleId") == id {
			var s struct {
				Inner string `xml:",innerxml"`
			}
			if err := dec.DecodeElement(&s, &e); err != nil {
				t.Fatal(err)
			}
			return s.Inner
		}
	}
}

// pending are the fixture's sentences that must be marked: generated, neither approved nor rejected.
var pending = map[string]draft.Risk{"s1-3": draft.RiskLow, "s1-4": draft.RiskMedium, "s2-1": draft.RiskHigh, "s2-2": draft.RiskMedium, "s2-3": draft.RiskLow}

func TestWrite(t *testing.T) {
	d := loadDraft(t)
	text := func(id string) string {
		for _, s := range d.Sections {
			for _, x := range s.Sentences {
				if x.ID == id {
					return strip(x.Text)
				}
			}
		}
		t.Fatalf("no sentence %s", id)
		return ""
	}
	marked := export(t, d, Options{})
	tracked := export(t, d, Options{Tracked: true})
	clean := export(t, approvedDraft(t), Options{Clean: true, Tracked: true})

	tests := []struct {
		name  string
		parts map[string][]byte
		check func(t *testing.T, p map[string][]byte)
	}{
		{"every part is well-formed XML and listed in the content types", marked, func(t *testing.T, p map[string][]byte) {
			for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels", "word/styles.xml",
				"word/settings.xml", "word/fontTable.xml", "word/comments.xml", "word/footer1.xml", "word/footer2.xml", "docProps/core.xml", "docProps/app.xml"} {
				if p[name] == nil {
					t.Fatalf("missing part %s", name)
				}
			}
			types := string(p["[Content_Types].xml"])
			for name, b := range p {
				elements(t, b, "") // fails on malformed XML
				if name != "[Content_Types].xml" && !strings.HasSuffix(name, ".rels") && !strings.Contains(types, `PartName="/`+name+`"`) {
					t.Errorf("%s has no content type override", name)
				}
			}
		}},
		{"each unapproved generated sentence carries exactly one comment", marked, func(t *testing.T, p map[string][]byte) {
			comments := elements(t, p["word/comments.xml"], "comment")
			refs := elements(t, p["word/document.xml"], "commentReference")
			starts := elements(t, p["word/document.xml"], "commentRangeStart")
			if len(comments) != len(pending) || len(refs) != len(pending) || len(starts) != len(pending) {
				t.Fatalf("%d comments, %d references, %d ranges; want %d", len(comments), len(refs), len(starts), len(pending))
			}
			for i, c := range comments {
				if attr(c, "id") != attr(refs[i], "id") || attr(c, "author") != "draftd" || attr(c, "initials") != "DD" || attr(c, "date") != "2025-07-03T10:00:00Z" {
					t.Errorf("comment %v does not match reference %v", c.Attr, refs[i].Attr)
				}
			}
		}},
		{"unapproved generated sentences are lightly shaded by risk inside their comment range, never highlighted", marked, func(t *testing.T, p map[string][]byte) {
			want := map[draft.Risk]string{draft.RiskLow: "C6EFCE", draft.RiskMedium: "FFEB9C", draft.RiskHigh: "FFC7CE"}
			rs := runs(t, p["word/document.xml"])
			for id, risk := range pending {
				r := runOf(t, rs, text(id))
				if r.Shade != want[risk] || r.Highlight != "" || r.Comments != 1 || r.InsAuthor != "" {
					t.Errorf("%s: %+v, want shading %s in one comment range, not tracked", id, r, want[risk])
				}
			}
			if n := len(elements(t, p["word/document.xml"], "highlight")); n != 0 {
				t.Errorf("%d highlights: the highlighter's full colours make text hard to read", n)
			}
		}},
		{"approved sentences and the writer's own text are plain", marked, func(t *testing.T, p map[string][]byte) {
			rs := runs(t, p["word/document.xml"])
			for _, id := range []string{"s1-1", "s1-2"} {
				if r := runOf(t, rs, text(id)); r != (textRun{Text: text(id)}) {
					t.Errorf("%s is marked: %+v", id, r)
				}
			}
		}},
		{"a rejected sentence is left out", marked, func(t *testing.T, p map[string][]byte) {
			if strings.Contains(string(p["word/document.xml"]), "位居全市第一") {
				t.Fatal("rejected sentence s1-5 exported")
			}
		}},
		{"every sentence, heading and the failure note survive in document order", tracked, func(t *testing.T, p map[string][]byte) {
			var all strings.Builder
			for _, r := range runs(t, p["word/document.xml"]) {
				all.WriteString(r.Text)
			}
			got := all.String()
			want := []string{d.Title, "一、粮食生产", text("s1-1"), text("s1-2"), text("s1-3"), text("s1-4"),
				"二、农村人居环境整治", text("s2-1"), text("s2-2"), text("s2-3"), "三、下一步工作打算", "本部分生成失败：模型服务超时，请稍后重试。"}
			at := 0
			for _, w := range want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("%q missing or out of order in %q", w, got)
				}
				at += i + len(w)
			}
		}},
		{"a sentence with XML special and control characters round-trips", marked, func(t *testing.T, p map[string][]byte) {
			want := "对照\"三清一改\"<标准>开展整治&回头看，做到'清'到位、改彻底。"
			runOf(t, runs(t, p["word/document.xml"]), want)
		}},
		{"a failed section shows a red italic note", marked, func(t *testing.T, p map[string][]byte) {
			r := runOf(t, runs(t, p["word/document.xml"]), "本部分生成失败：模型服务超时，请稍后重试。")
			if r.Color != "C00000" || !r.Italic {
				t.Fatalf("failure note %+v", r)
			}
		}},
		{"a comment gives the sentence's risk, reasons, figures, unbound numbers and sources", marked, func(t *testing.T, p map[string][]byte) {
			var notes []string
			dec := xml.NewDecoder(bytes.NewReader(p["word/comments.xml"]))
			for {
				var c struct {
					Text []string `xml:"p>r>t"`
				}
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "comment" {
					if err := dec.DecodeElement(&c, &e); err != nil {
						t.Fatal(err)
					}
					notes = append(notes, strings.Join(c.Text, "\n"))
				}
			}
			var high, edited string
			for _, n := range notes {
				if strings.Contains(n, "句子编号：s2-1") {
					high = n
				}
				if strings.Contains(n, "句子编号：s2-2") {
					edited = n
				}
			}
			for _, w := range []string{"风险等级：高风险", "含有排名说法：走在全省前列。", "f4（完成农村改厕 1260户）", "未绑定数字：95%",
				"《石湖镇2024年人居环境整治工作总结》 二、重点工作（重合 42%）", "《d-6》（重合 5%）"} {
				if !strings.Contains(high, w) {
					t.Errorf("comment on s2-1 lacks %q:\n%s", w, high)
				}
			}
			for _, w := range []string{"已修改（李科长，2025-07-02）", "修改前：村庄保洁实现全覆盖，群众满意度达到98%。"} {
				if !strings.Contains(edited, w) {
					t.Errorf("comment on s2-2 lacks %q:\n%s", w, edited)
				}
			}
		}},
		{"tracked insertions wrap each unapproved generated sentence, shaded softly so the reviewer's colour stays legible", tracked, func(t *testing.T, p map[string][]byte) {
			ins := elements(t, p["word/document.xml"], "ins")
			if len(ins) != len(pending) {
				t.Fatalf("%d insertions, want %d", len(ins), len(pending))
			}
			ids := map[string]bool{}
			for _, e := range append(ins, elements(t, p["word/document.xml"], "commentRangeStart")...) {
				if ids[attr(e, "id")] {
					t.Errorf("annotation id %s used twice", attr(e, "id"))
				}
				ids[attr(e, "id")] = true
			}
			want := map[draft.Risk]string{draft.RiskLow: "C6EFCE", draft.RiskMedium: "FFEB9C", draft.RiskHigh: "FFC7CE"}
			rs := runs(t, p["word/document.xml"])
			for id, risk := range pending {
				if r := runOf(t, rs, text(id)); r.InsAuthor != "draftd" || r.Shade != want[risk] || r.Highlight != "" || r.Comments != 1 {
					t.Errorf("%s: %+v, want a commented insertion by draftd shaded %s", id, r, want[risk])
				}
			}
			if r := runOf(t, rs, text("s1-2")); r.InsAuthor != "" {
				t.Error("approved sentence written as an insertion")
			}
			if len(elements(t, p["word/settings.xml"], "trackRevisions")) != 1 {
				t.Error("tracking is not switched on for the reviewer's own edits")
			}
		}},
		{"without Tracked there are no insertions", marked, func(t *testing.T, p map[string][]byte) {
			if n := len(elements(t, p["word/document.xml"], "ins")); n != 0 {
				t.Fatalf("%d insertions", n)
			}
		}},
		{"a clean document has no marks, legend or comments part", clean, func(t *testing.T, p map[string][]byte) {
			doc := p["word/document.xml"]
			for _, el := range []string{"highlight", "shd", "ins", "commentRangeStart", "commentReference"} {
				if n := len(elements(t, doc, el)); n != 0 {
					t.Errorf("%d %s elements", n, el)
				}
			}
			if p["word/comments.xml"] != nil || strings.Contains(string(p["[Content_Types].xml"]), "comments") || strings.Contains(string(p["word/_rels/document.xml.rels"]), "comments") {
				t.Error("comments part written or referenced")
			}
			if strings.Contains(string(doc), "ReviewNote") || len(elements(t, p["word/settings.xml"], "trackRevisions")) != 0 {
				t.Error("legend or revision tracking in a clean document")
			}
			if !strings.Contains(string(doc), "下半年将继续抓好秋粮生产。") || strings.Contains(string(doc), "位居全市第一") {
				t.Error("clean text wrong")
			}
		}},
		{"the marked document explains its marks in a legend", marked, func(t *testing.T, p map[string][]byte) {
			var all strings.Builder
			for _, r := range runs(t, p["word/document.xml"]) {
				all.WriteString(r.Text)
			}
			for _, w := range []string{"低风险 2 句", "中风险 2 句", "高风险 1 句", "审核中删除的句子已略去"} {
				if !strings.Contains(all.String(), w) {
					t.Errorf("legend lacks %q", w)
				}
			}
		}},
		{"styles define the 公文 fonts, sizes and spacing", marked, func(t *testing.T, p map[string][]byte) {
			s := p["word/styles.xml"]
			for id, want := range map[string][]string{
				"Normal":   {`w:eastAsia="仿宋_GB2312"`, `w:ascii="Times New Roman"`, `<w:sz w:val="32"/>`, `w:line="560" w:lineRule="exact"`, `w:firstLineChars="200"`},
				"Title":    {`w:eastAsia="方正小标宋简体"`, `<w:sz w:val="44"/>`, `<w:jc w:val="center"/>`},
				"Heading1": {`w:eastAsia="黑体"`, `<w:outlineLvl w:val="0"/>`},
				"Heading2": {`w:eastAsia="楷体_GB2312"`, `<w:outlineLvl w:val="1"/>`},
			} {
				got := styleOf(t, s, id)
				for _, w := range want {
					if !strings.Contains(got, w) {
						t.Errorf("style %s lacks %s: %s", id, w, got)
					}
				}
			}
			fonts := map[string]string{}
			for _, f := range elements(t, p["word/fontTable.xml"], "font") {
				fonts[attr(f, "name")] = ""
			}
			for _, name := range []string{"仿宋_GB2312", "仿宋", "方正小标宋简体", "宋体", "黑体", "楷体_GB2312", "楷体"} {
				if _, ok := fonts[name]; !ok {
					t.Errorf("font table lacks %s", name)
				}
			}
			if !strings.Contains(string(p["word/fontTable.xml"]), `<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>`) {
				t.Error("仿宋_GB2312 does not fall back to 仿宋")
			}
		}},
		{"the page is A4 with GB/T 9704 margins and numbered pages", marked, func(t *testing.T, p map[string][]byte) {
			doc := p["word/document.xml"]
			sz, mar := elements(t, doc, "pgSz"), elements(t, doc, "pgMar")
			if len(sz) != 1 || attr(sz[0], "w") != "11906" || attr(sz[0], "h") != "16838" {
				t.Errorf("page size %v", sz)
			}
			want := map[string]string{"top": "2098", "bottom": "1984", "left": "1587", "right": "1474"}
			for k, v := range want {
				if len(mar) != 1 || attr(mar[0], k) != v {
					t.Errorf("margin %s: %v, want %s", k, mar, v)
				}
			}
			for _, f := range []string{"word/footer1.xml", "word/footer2.xml"} {
				if !strings.Contains(string(p[f]), `<w:instrText xml:space="preserve"> PAGE </w:instrText>`) || !strings.Contains(string(p[f]), "— ") {
					t.Errorf("%s has no — PAGE — field", f)
				}
			}
		}},
		{"document properties name the title and draftd", marked, func(t *testing.T, p map[string][]byte) {
			core := string(p["docProps/core.xml"])
			if !strings.Contains(core, "<dc:title>"+d.Title+"</dc:title>") || !strings.Contains(core, "<dc:creator>draftd</dc:creator>") {
				t.Fatal(core)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, tt.parts) })
	}
}

func TestWriteRefuses(t *testing.T) {
	tests := []struct {
		name string
		d    *draft.Draft
		opt  Options
		code string
	}{
		{"a clean export of a draft not yet approved is a conflict", loadDraft(t), Options{Clean: true}, retrieval.ECONFLICT},
		{"no draft is invalid", nil, Options{}, retrieval.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tt.d, tt.opt)
			var e *retrieval.Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
			if tt.code == retrieval.ECONFLICT && e.Message != "只有审核通过的稿件才能导出无标记版本" {
				t.Errorf("message %q", e.Message)
			}
			if b.Len() != 0 {
				t.Error("wrote a partial file")
			}
		})
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"markup characters are escaped", `a<b>&"c'`, `<w:r><w:t xml:space="preserve">a&lt;b&gt;&amp;&quot;c&apos;</w:t></w:r>`},
		{"characters XML 1.0 forbids are dropped", "a\x00\x07\x1b\ufffeb\r", `<w:r><w:t xml:space="preserve">ab</w:t></w:r>`},
		{"invalid UTF-8 becomes a replacement character", "a\xffb", `<w:r><w:t xml:space="preserve">a` + "\ufffd" + `b</w:t></w:r>`},
		{"tabs and line breaks become Word's own elements", "a\tb\nc", `<w:r><w:t xml:space="preserve">a</w:t><w:tab/><w:t xml:space="preserve">b</w:t><w:br/><w:t xml:space="preserve">c</w:t></w:r>`},
		{"text with nothing printable writes no run", "\x01\x02", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			run(&b, "", tt.in)
			if b.String() != tt.want {
				t.Fatalf("got %s\nwant %s", b.String(), tt.want)
			}
		})
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		opt        Options
	}{
		{"the tracked document matches its golden file", "document.tracked.golden.xml", Options{Tracked: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := export(t, loadDraft(t), tc.opt)
			golden := filepath.Join("testdata", tc.file)
			for _, part := range []string{"word/document.xml", "word/comments.xml"} {
				path := golden
				if part == "word/comments.xml" {
					path = strings.Replace(golden, "document.", "comments.", 1)
				}
				if *update {
					if err := os.WriteFile(path, got[part], 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got[part], want) {
					t.Errorf("%s differs from %s; run go test -update and review the diff", part, path)
				}
			}
		})
	}
}

func TestWriteExplainsDerivedFigures(t *testing.T) {
	in := &draft.Figures{Title: "临溪县农业农村局2025年上半年工作总结", Sections: []draft.SectionInput{{Heading: "粮食生产", Figures: []draft.Figure{
		{ID: "f2", Label: "夏粮总产", Value: "9.8", Unit: "万吨", Previous: "9.5"},
	}}}}
	d := &draft.Draft{Title: in.Title, Status: draft.StatusReady, Input: in, Sections: []draft.Section{{Heading: "粮食生产", Status: draft.StatusReady,
		Sentences: []draft.Sentence{{ID: "s1-1", Text: "夏粮总产9.8万吨，增长3.2%。", Generated: true, Risk: draft.RiskLow, Figures: []string{"f2", "f2.growth"}}}}}}
	comments := string(export(t, d, Options{})["word/comments.xml"])
	for _, want := range []string{"f2（夏粮总产 9.8万吨）", "f2.growth（夏粮总产比上期增长 3.2%，由f2计算：（9.8−9.5）÷9.5×100%≈3.2%，四舍五入保留一位小数）"} {
		if !strings.Contains(comments, want) {
			t.Errorf("the comment does not say %q:\n%s", want, comments)
		}
	}
}

// claimsDraft has one pending sentence with a supported number, an unsupported ranking (high) and
// an unsupported trend (medium), after a character outside the Basic Multilingual Plane.
func claimsDraft() *draft.Draft {
	ranking := "“位居全市第一”是排名或首创说法，撰稿人没有提供，请核实或删除。"
	trend := "“增长较快”是变化的说法，数据没有说明如何变化，请核实。"
	return &draft.Draft{Title: "𠮷祥镇2025年上半年工作总结", Status: draft.StatusReady, Sections: []draft.Section{{Heading: "粮食生产", Status: draft.StatusReady,
		Sentences: []draft.Sentence{{ID: "s1-1", Text: "𠮷祥镇夏粮总产9.8万吨，单产位居全市第一，增长较快。", Generated: true, Risk: draft.RiskHigh,
			Reasons: []string{ranking, "与参考资料《青山县总结》高度重合（80%），请改写或核实。"},
			Claims: []draft.Claim{
				{Start: 7, End: 12, Text: "9.8万吨", Kind: "number", Supported: true, Figure: "f1", Reason: "撰稿人提供的数据"},
				{Start: 15, End: 21, Text: "位居全市第一", Kind: "ranking", Reason: ranking},
				{Start: 22, End: 26, Text: "增长较快", Kind: "trend", Reason: trend},
			}}}}}}
}

func TestWriteMarksClaims(t *testing.T) {
	marked := export(t, claimsDraft(), Options{})
	tracked := export(t, claimsDraft(), Options{Tracked: true})
	tests := []struct {
		name  string
		parts map[string][]byte
		want  []textRun // runs of the sentence, in order
	}{
		{"each unsupported claim is a run of its own, shaded more strongly than its sentence", marked, []textRun{
			{Text: "𠮷祥镇夏粮总产9.8万吨，单产", Shade: "FFC7CE", Comments: 1},
			{Text: "位居全市第一", Shade: "FF9999", Comments: 1},
			{Text: "，", Shade: "FFC7CE", Comments: 1},
			{Text: "增长较快", Shade: "FFC966", Comments: 1},
			{Text: "。", Shade: "FFC7CE", Comments: 1},
		}},
		{"a tracked sentence's claims are inserted with it, shaded more strongly than it", tracked, []textRun{
			{Text: "𠮷祥镇夏粮总产9.8万吨，单产", Shade: "FFC7CE", InsAuthor: "draftd", Comments: 1},
			{Text: "位居全市第一", Shade: "FF9999", InsAuthor: "draftd", Comments: 1},
			{Text: "，", Shade: "FFC7CE", InsAuthor: "draftd", Comments: 1},
			{Text: "增长较快", Shade: "FFC966", InsAuthor: "draftd", Comments: 1},
			{Text: "。", Shade: "FFC7CE", InsAuthor: "draftd", Comments: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := runs(t, tt.parts["word/document.xml"])
			at := 0
			for i, r := range rs {
				if r.Text == tt.want[0].Text {
					at = i
				}
			}
			if got := rs[at:min(len(rs), at+len(tt.want))]; !slices.Equal(got, tt.want) {
				t.Errorf("runs = %+v\nwant %+v", got, tt.want)
			}
			if n := len(elements(t, tt.parts["word/document.xml"], "u")); n != 2+1 { // the claims, and the legend's sample
				t.Errorf("%d underlined runs, want 3", n)
			}
		})
	}
	t.Run("the comment lists each unsupported claim's kind, words and reason, and the other reasons once", func(t *testing.T) {
		comments := string(marked["word/comments.xml"])
		for _, w := range []string{
			"原因：与参考资料《青山县总结》高度重合（80%），请改写或核实。</w:t>",
			"待核实的说法：",
			"1. 排名“位居全市第一”：“位居全市第一”是排名或首创说法，撰稿人没有提供，请核实或删除。",
			"2. 变化“增长较快”：“增长较快”是变化的说法，数据没有说明如何变化，请核实。",
		} {
			if !strings.Contains(comments, w) {
				t.Errorf("comment lacks %q:\n%s", w, comments)
			}
		}
		if strings.Contains(comments, "9.8万吨") || strings.Count(comments, "是排名或首创说法") != 1 {
			t.Errorf("comment lists a supported claim or repeats a reason:\n%s", comments)
		}
	})
	t.Run("the legend explains the claim marks", func(t *testing.T) {
		var all strings.Builder
		for _, r := range runs(t, marked["word/document.xml"]) {
			all.WriteString(r.Text)
		}
		if !strings.Contains(all.String(), "另加底色和双下划线的词语是撰稿人数据不支持的说法") {
			t.Errorf("legend: %s", all.String())
		}
	})
	t.Run("a clean copy of the approved sentence has one plain run", func(t *testing.T) {
		d := claimsDraft()
		d.Status, d.Sections[0].Sentences[0].Review.Decision = draft.StatusApproved, draft.DecisionApproved
		p := export(t, d, Options{Clean: true})
		if rs := runs(t, p["word/document.xml"]); !slices.Contains(rs, textRun{Text: d.Sections[0].Sentences[0].Text}) {
			t.Errorf("runs = %+v", rs)
		}
		if n := len(elements(t, p["word/document.xml"], "shd")) + len(elements(t, p["word/document.xml"], "u")); n != 0 {
			t.Errorf("%d shading or underline elements in a clean copy", n)
		}
	})
}

// paragraph is a w:p of document.xml: its style, right indent and text.
type paragraph struct {
	Style, RightChars, Text string
}

// paragraphs parses document.xml's body into its paragraphs.
func paragraphs(t *testing.T, doc []byte) []paragraph {
	t.Helper()
	var out []paragraph
	var cur *paragraph
	inText := false
	dec := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "p":
				cur = &paragraph{}
			case "pStyle":
				cur.Style = attr(e, "val")
			case "ind":
				cur.RightChars = attr(e, "rightChars")
			case "t":
				inText = true
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "t":
				inText = false
			case "p":
				out = append(out, *cur)
			}
		case xml.CharData:
			if inText && cur != nil {
				cur.Text += string(e)
			}
		}
	}
}

func TestWriteCleanCopyReadsAsTheFinalPaper(t *testing.T) {
	d := approvedDraft(t)
	// The sentence before the rejected s1-5 ends with a pause; the headings carry the writer's numbers.
	d.Sections[0].Sentences[3].Text = "各乡镇积极推广良种良法；"
	d.Sections[1].Heading = "（二）农村人居环境整治"
	d.Sections[2].Heading = "第三部分 下一步工作打算"
	p := export(t, d, Options{Clean: true})
	got := paragraphs(t, p["word/document.xml"])
	want := []paragraph{
		{Style: "Title", Text: d.Title},
		{Style: "Heading1", Text: "一、粮食生产"},
		{Text: "今年以来，我局坚持把粮食安全作为“三农”工作的首要任务。全县粮食播种面积稳定在42.6万亩。夏粮总产达到9.8万吨，同比增长3.2%。各乡镇积极推广良种良法。"},
		{Style: "Heading1", Text: "二、农村人居环境整治"},
		{Text: "完成农村改厕1260户，改厕率达到95%以上，走在全省前列。村庄保洁实现常态化，群众满意度明显提升。对照\"三清一改\"<标准>开展整治&回头看，做到'清'到位、改彻底。"},
		{Style: "Heading1", Text: "三、下一步工作打算"},
		{Text: "下半年将继续抓好秋粮生产。"},
		{}, // one line between the body and the 落款
		{Style: "Signature", RightChars: "300", Text: "临溪县农业农村局"},
		{Style: "Signature", RightChars: "400", Text: "2025年7月1日"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("paragraphs:\n%+v\nwant\n%+v", got, want)
	}
	t.Run("the 落款 style is right-aligned with no first-line indent", func(t *testing.T) {
		s := styleOf(t, p["word/styles.xml"], "Signature")
		for _, w := range []string{`<w:jc w:val="right"/>`, `w:firstLineChars="0"`} {
			if !strings.Contains(s, w) {
				t.Errorf("style Signature lacks %s: %s", w, s)
			}
		}
	})
	t.Run("a draft without organisation or date has no 落款", func(t *testing.T) {
		d := approvedDraft(t)
		d.Organization, d.Period, d.CreatedAt = "", "", time.Time{}
		if s := string(export(t, d, Options{Clean: true})["word/document.xml"]); strings.Contains(s, "Signature") || strings.Contains(s, "<w:p/>") {
			t.Errorf("document has a 落款:\n%s", s)
		}
	})
	t.Run("the organisation is centred over a longer date", func(t *testing.T) {
		d := approvedDraft(t)
		d.Organization = "农业局"
		ps := paragraphs(t, export(t, d, Options{Clean: true})["word/document.xml"])
		if org := ps[len(ps)-2]; org.Text != "农业局" || org.RightChars != "550" { // 4 + (6 − 3) ÷ 2 characters
			t.Errorf("organisation %+v", org)
		}
	})
}

// TestWriteOpensWithoutAHeading: a draft whose first section is the opening (总体情况, the text a
// template had before its first heading) prints it as the first paragraph after the title, with
// no heading of its own, and numbers the headings after it from 一、, as 公文 are written; in the
// marked copy too.
func TestWriteOpensWithoutAHeading(t *testing.T) {
	for _, template := range []bool{false, true} {
		for _, clean := range []bool{true, false} {
			t.Run(fmt.Sprintf("template %v, clean %v", template, clean), func(t *testing.T) {
				d := approvedDraft(t)
				opening := "上半年，全局上下围绕年度目标扎实工作。"
				d.Sections = append([]draft.Section{{Index: 0, Heading: "总体情况", Status: draft.StatusReady, Sentences: []draft.Sentence{
					{ID: "s0-1", Text: opening, Generated: true, Risk: draft.RiskLow, Review: draft.Review{Decision: draft.DecisionApproved}},
				}}}, d.Sections...)
				for i := range d.Sections {
					d.Sections[i].Index = i
				}
				d.Input.Sections = append([]draft.SectionInput{{Heading: "总体情况"}}, d.Input.Sections...)
				if template {
					// The template's own numbers, with a gap where the writer left a section out.
					d.Input.Template = "tpl"
					d.Sections[2].Heading, d.Sections[3].Heading = "三、农村人居环境整治", "四、下一步工作打算"
				}
				var body []paragraph
				for _, p := range paragraphs(t, export(t, d, Options{Clean: clean})["word/document.xml"]) {
					if p.Style != "" || strings.Contains(p.Text, opening) {
						body = append(body, p) // the title, the headings and the opening
					}
				}
				want := []paragraph{{Style: "Title", Text: d.Title}, {Text: opening}, {Style: "Heading1", Text: "一、粮食生产"}, {Style: "Heading1", Text: "二、农村人居环境整治"}, {Style: "Heading1", Text: "三、下一步工作打算"}}
				if len(body) < len(want) || !slices.Equal(body[:len(want)], want) {
					t.Fatalf("paragraphs:\n%+v\nwant\n%+v", body, want)
				}
			})
		}
	}
}

func TestWriteWarnsOfATemplateHeadingsNumber(t *testing.T) {
	in := &draft.Figures{Title: "柳溪区文旅局2025年工作总结", Template: "tpl", Sections: []draft.SectionInput{{Heading: "一、接待游客突破500万人次", Figures: []draft.Figure{
		{ID: "s1f1", Label: "接待游客", Value: "600", Unit: "万人次"},
	}}}}
	d := &draft.Draft{Title: in.Title, Status: draft.StatusReady, Input: in, Sections: []draft.Section{{Heading: "一、接待游客突破500万人次", Status: draft.StatusReady,
		Sentences: []draft.Sentence{{ID: "s1-1", Text: "全年接待游客600万人次。", Generated: true, Risk: draft.RiskLow, Figures: []string{"s1f1"}}}}}}
	warning := "请核实：小标题中的“500万人次”出自模板"
	if doc := string(export(t, d, Options{})["word/document.xml"]); !strings.Contains(doc, warning) {
		t.Errorf("the marked copy does not warn of the heading's number:\n%s", doc)
	}
	d.Sections[0].Sentences[0].Review.Decision = draft.DecisionApproved
	d.Status = draft.StatusApproved
	if doc := string(export(t, d, Options{Clean: true})["word/document.xml"]); strings.Contains(doc, warning) {
		t.Errorf("the clean copy carries a review mark")
	}
}
