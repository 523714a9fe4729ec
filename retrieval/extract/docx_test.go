package extract

import (
	"context"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// numberingXML defines the lists of the numbering fixture, written as Word
// writes them for Chinese official documents.
const numberingXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering ` + docxNS + `>
<w:abstractNum w:abstractNumId="1">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
  <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%4"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="2">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlRestart w:val="0"/><w:lvlText w:val="%2)"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="3">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:suff w:val="space"/><w:lvlText w:val="%1"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:isLgl/><w:suff w:val="space"/><w:lvlText w:val="%1.%2"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="4">
  <w:lvl w:ilvl="0"><w:start w:val="10"/>
    <mc:AlternateContent><mc:Choice Requires="w14"><w:numFmt w:val="custom" w:format="一, 二, 三, ..."/></mc:Choice><mc:Fallback><w:numFmt w:val="chineseCountingThousand"/></mc:Fallback></mc:AlternateContent>
    <w:lvlText w:val="第%1章"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="5">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="` + "\uf0b7" + `"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="6">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:pStyle w:val="Heading1"/><w:suff w:val="space"/><w:lvlText w:val="第%1部分"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:pStyle w:val="Heading2"/><w:lvlText w:val="%2."/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>
<w:num w:numId="4"><w:abstractNumId w:val="2"/></w:num>
<w:num w:numId="6"><w:abstractNumId w:val="3"/></w:num>
<w:num w:numId="7"><w:abstractNumId w:val="4"/></w:num>
<w:num w:numId="8"><w:abstractNumId w:val="5"/></w:num>
<w:num w:numId="9"><w:abstractNumId w:val="6"/></w:num>
</w:numbering>`

// stylesXML gives the heading styles of the fixture their numbering; Heading2
// has no w:numPr of its own and inherits list 9 from Heading1, its level
// found through the level's w:pStyle.
const stylesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles ` + docxNS + `>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:numPr><w:numId w:val="9"/></w:numPr></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Heading1"/></w:style>
<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/></w:style>
</w:styles>`

func TestTextWritesWordListNumbersAsText(t *testing.T) {
	body := strings.Join([]string{
		para("青川县示范局2025年工作总结"),
		listPara("1", 0, "工作成效"),
		listPara("1", 1, "粮食生产"),
		listPara("1", 2, "春播完成"),
		listPara("1", 2, "夏收完成"),
		listPara("1", 1, "水利建设"),
		listPara("1", 2, "新建渠道"),
		listPara("1", 3, "东渠"),
		listPara("1", 3, "西渠"),
		listPara("1", 0, "存在问题"),
		listPara("1", 1, "人员不足"),
		listPara("1", 0, ""), // an empty item still takes a number
		listPara("1", 0, "下半年打算"),
		listPara("2", 0, "另起编号"),
		listPara("1", 0, "接续编号"),
		listPara("3", 0, "甲项"),
		listPara("3", 1, "子项"),
		listPara("3", 0, "乙项"),
		listPara("3", 1, "子项二"),
		listPara("4", 0, "丙项"),
		listPara("6", 0, "总则"),
		listPara("6", 1, "细则"),
		listPara("7", 0, "附则"),
		listPara("7", 0, "附录"),
		listPara("8", 0, "备注"),
		styledPara("Heading1", "概况"),
		styledPara("Heading2", "基本情况"),
		styledPara("Heading2", "主要指标"),
		styledPara("Heading1", "成效"),
		styledPara("Heading2", "产业"),
		`<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>无编号标题</w:t></w:r></w:p>`,
		listPara("99", 0, "未定义的列表"),
	}, "")
	data := docx(t, body, map[string]string{"word/numbering.xml": numberingXML, "word/styles.xml": stylesXML})
	res, err := Text(context.Background(), "fixture.docx", data)
	if err != nil {
		t.Fatal(err)
	}
	got := lines(res.Text)
	cases := []struct {
		name string
		line string
	}{
		{"a paragraph outside lists has no number", "青川县示范局2025年工作总结"},
		{"chineseCounting with %1、 gives 一、", "一、工作成效"},
		{"the second level （%2） gives （一）", "（一）粮食生产"},
		{"a decimal level gives 1. and a space", "1. 春播完成"},
		{"the decimal level counts on", "2. 夏收完成"},
		{"the second level counts on past deeper items", "（二）水利建设"},
		{"a deeper level restarts after a higher one", "1. 新建渠道"},
		{"decimalEnclosedCircle gives ①", "①东渠"},
		{"decimalEnclosedCircle counts on", "②西渠"},
		{"the first level counts on", "二、存在问题"},
		{"the second level restarts under a new first-level item", "（一）人员不足"},
		{"an empty numbered paragraph still took 三", "四、下半年打算"},
		{"an instance with startOverride restarts the shared count", "一、另起编号"},
		{"an instance without override continues the shared count", "二、接续编号"},
		{"a decimal list gives 1.", "1. 甲项"},
		{"lowerLetter gives a)", "a) 子项"},
		{"the decimal list counts on", "2. 乙项"},
		{"lvlRestart 0 keeps the letters counting", "b) 子项二"},
		{"a second instance of the same definition continues it", "3. 丙项"},
		{"upperRoman gives I", "I 总则"},
		{"isLgl writes the Roman parent as a decimal", "1.1 细则"},
		{"the AlternateContent fallback chineseCountingThousand and w:start 10 give 第十章", "第十章附则"},
		{"chineseCountingThousand counts to 十一", "第十一章附录"},
		{"a bullet from a symbol font becomes •", "• 备注"},
		{"a heading style carries its numbering", "第一部分 概况"},
		{"a style inheriting numbering finds its level by w:pStyle", "1. 基本情况"},
		{"the style-numbered level counts on", "2. 主要指标"},
		{"the style-numbered first level counts on", "第二部分 成效"},
		{"the style-numbered second level restarts", "1. 产业"},
		{"numId 0 switches off a style's numbering", "无编号标题"},
		{"an undefined list leaves the text alone", "未定义的列表"},
	}
	if len(got) != len(cases) {
		t.Fatalf("got %d lines, want %d:\n%s", len(got), len(cases), res.Text)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got[i] != c.line {
				t.Errorf("line %d = %q, want %q", i+1, got[i], c.line)
			}
		})
	}
	if res.Format != FormatDOCX || res.Encoding != "utf-8" || len(res.Warnings) != 0 {
		t.Errorf("format %q, encoding %q, warnings %v; want docx, utf-8, none", res.Format, res.Encoding, res.Warnings)
	}
}

func TestTextReadsWordContent(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		want   string
		absent []string
	}{
		{
			name: "table cells become lines",
			body: para("表1 主要指标") + `<w:tbl><w:tr>` +
				`<w:tc><w:p><w:r><w:t>指标</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>完成值</w:t></w:r></w:p></w:tc></w:tr><w:tr>` +
				`<w:tc><w:p><w:r><w:t>新建农田</w:t></w:r></w:p><w:p><w:r><w:t>（亩）</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>8500</w:t></w:r></w:p></w:tc>` +
				`</w:tr></w:tbl>` + para("表后正文"),
			want: "表1 主要指标\n指标\n完成值\n新建农田\n（亩）\n8500\n表后正文",
		},
		{
			name: "runs of one paragraph join without spaces",
			body: `<w:p><w:r><w:t>全年完成</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>投资</w:t></w:r><w:r><w:t xml:space="preserve"> 3.2 亿元</w:t></w:r></w:p>`,
			want: "全年完成投资 3.2 亿元",
		},
		{
			name: "tabs and line breaks inside a paragraph are kept",
			body: `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r></w:p>`,
			want: "甲\t乙\n丙",
		},
		{
			name:   "hidden, deleted and moved-away text is left out, inserted text kept",
			body:   `<w:p><w:r><w:t>保留</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r><w:del><w:r><w:delText>删除</w:delText></w:r></w:del><w:ins><w:r><w:t>插入</w:t></w:r></w:ins><w:moveFrom><w:r><w:t>移走</w:t></w:r></w:moveFrom></w:p>`,
			want:   "保留插入",
			absent: []string{"隐藏", "删除", "移走"},
		},
		{
			name:   "field codes are left out and field results kept",
			body:   `<w:p><w:r><w:t>第</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>页</w:t></w:r></w:p>`,
			want:   "第3页",
			absent: []string{"PAGE"},
		},
		{
			name: "a text box is read once, not again from its VML fallback",
			body: `<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>` +
				`<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>正文</w:t></w:r></w:p>`,
			want: "文本框内容\n正文",
		},
		{
			name: "empty paragraphs are dropped",
			body: para("第一段") + `<w:p/><w:p><w:r><w:t xml:space="preserve">   </w:t></w:r></w:p>` + para("第二段"),
			want: "第一段\n第二段",
		},
		{
			name: "hyperlinks, smart tags and content controls are transparent",
			body: `<w:p><w:hyperlink w:anchor="x"><w:r><w:t>链接文字</w:t></w:r></w:hyperlink><w:sdt><w:sdtContent><w:r><w:t>控件</w:t></w:r></w:sdtContent></w:sdt><w:smartTag><w:r><w:t>标记</w:t></w:r></w:smartTag></w:p>`,
			want: "链接文字控件标记",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Text(context.Background(), "case.docx", docx(t, c.body, nil))
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != c.want {
				t.Errorf("text = %q, want %q", res.Text, c.want)
			}
			for _, a := range c.absent {
				if strings.Contains(res.Text, a) {
					t.Errorf("text %q contains %q", res.Text, a)
				}
			}
		})
	}
}

func TestTextRejectsBadWordFiles(t *testing.T) {
	bomb := zipOf(t, map[string]string{
		"[Content_Types].xml": "<Types/>",
		"word/document.xml":   `<w:document ` + docxNS + `><w:body>` + strings.Repeat(para("重复内容"), 4000) + `</w:body></w:document>`,
	})
	cases := []struct {
		name  string
		data  []byte
		limit int64
		code  string
		parts []string
	}{
		{"a file that is not a zip archive is undecodable", []byte("这不是一个 Word 文件"), 0, retrieval.EUNDECODABLE, []string{"不是 zip 压缩包"}},
		{"a zip without word/document.xml is undecodable", zipOf(t, map[string]string{"word/other.xml": "<x/>"}), 0, retrieval.EUNDECODABLE, []string{"word/document.xml"}},
		{"a truncated archive is undecodable", docx(t, para("正文"), nil)[:200], 0, retrieval.EUNDECODABLE, nil},
		{"a malformed document part is undecodable", zipOf(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p>"}), 0, retrieval.EUNDECODABLE, []string{"已损坏"}},
		{"a document that unpacks past the limit is too large", bomb, 64 << 10, retrieval.ETOOLARGE, []string{"MiB"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.limit > 0 {
				old := maxUnzipped
				maxUnzipped = c.limit
				t.Cleanup(func() { maxUnzipped = old })
			}
			_, err := Text(context.Background(), "bad.docx", c.data)
			wantCode(t, err, c.code, c.parts...)
		})
	}
}

func TestTextStopsAZipBombAtTheDefaultLimit(t *testing.T) {
	// 65 MiB of one repeated paragraph compresses to well under a megabyte.
	if testing.Short() {
		t.Skip("builds a 65 MiB document")
	}
	var b strings.Builder
	b.WriteString(`<w:document ` + docxNS + `><w:body>`)
	p := para(strings.Repeat("膨胀", 100))
	for b.Len() < 65<<20 {
		b.WriteString(p)
	}
	b.WriteString(`</w:body></w:document>`)
	data := zipOf(t, map[string]string{"word/document.xml": b.String()})
	if len(data) > 2<<20 {
		t.Fatalf("the bomb is %d bytes compressed; the test wants a small file", len(data))
	}
	_, err := Text(context.Background(), "bomb.docx", data)
	wantCode(t, err, retrieval.ETOOLARGE)
}

func TestTextWarnsWhenNumberingCannotBeRead(t *testing.T) {
	data := docx(t, listPara("1", 0, "工作成效"), map[string]string{"word/numbering.xml": "<w:numbering><broken"})
	res, err := Text(context.Background(), "x.docx", data)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "工作成效" {
		t.Errorf("text = %q, want the paragraph without a number", res.Text)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "编号") {
		t.Errorf("warnings = %v, want one about numbering", res.Warnings)
	}
}

func TestTextFollowsRarerNumberingRules(t *testing.T) {
	numbering := `<?xml version="1.0" encoding="UTF-8"?><w:numbering ` + docxNS + `>
<w:abstractNum w:abstractNumId="1">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerRoman"/><w:lvlRestart w:val="1"/><w:lvlText w:val="(%3)"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="2"><w:numStyleLink w:val="ReportList"/></w:abstractNum>
<w:abstractNum w:abstractNumId="3"><w:styleLink w:val="ReportList"/>
  <w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/><w:lvlText w:val="%1是"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="2"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="3"/></w:num>
<w:num w:numId="4"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:lvl w:ilvl="0"><w:start w:val="7"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="%1、"/></w:lvl></w:lvlOverride></w:num>
</w:numbering>`
	styles := `<?xml version="1.0" encoding="UTF-8"?><w:styles ` + docxNS + `>
<w:style w:type="numbering" w:styleId="ReportList"><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr></w:pPr></w:style>
</w:styles>`
	body := strings.Join([]string{
		listPara("1", 0, "甲"),
		listPara("1", 2, "子一"),
		listPara("1", 1, "乙"),
		listPara("1", 2, "子二"),
		listPara("1", 0, "丙"),
		listPara("1", 2, "子三"),
		listPara("2", 0, "加强领导"),
		listPara("2", 0, "完善制度"),
		listPara("4", 0, "另起"),
	}, "")
	res, err := Text(context.Background(), "rules.docx", docx(t, body, map[string]string{"word/numbering.xml": numbering, "word/styles.xml": styles}))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, line string }{
		{"a first item", "1. 甲"},
		{"an item two levels down starts at i", "(i) 子一"},
		{"a middle level shows its parent's number", "1.1 乙"},
		{"lvlRestart 1 keeps counting past a level-1 item", "(ii) 子二"},
		{"the first level counts on", "2. 丙"},
		{"lvlRestart 1 restarts after a level-0 item", "(i) 子三"},
		{"numStyleLink leads to the numbering style's definition with its w:start", "三是加强领导"},
		{"the linked definition counts on", "四是完善制度"},
		{"an overriding level brings its own start and format", "G、另起"},
	}
	got := lines(res.Text)
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(got), len(want), res.Text)
	}
	for i, w := range want {
		t.Run(w.name, func(t *testing.T) {
			if got[i] != w.line {
				t.Errorf("line %d = %q, want %q", i+1, got[i], w.line)
			}
		})
	}
}
