package extract

import (
	"bytes"
	"context"
	"math/rand"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/draftd/draftd/retrieval"
)

func TestTextReadsTheFixtures(t *testing.T) {
	cases := []struct {
		file     string
		format   string
		encoding string
		contains []string
		absent   []string
	}{
		{
			file: "notice_gbk.txt", format: FormatTXT, encoding: "gb18030",
			contains: []string{"青川县农业农村局2025年上半年工作总结", "（一）粮食生产稳中有进", "12.6万亩"},
		},
		{
			file: "clinic_bom.txt", format: FormatTXT, encoding: "utf-8",
			contains: []string{"石门镇卫生院2024年度工作总结\n\n一、基本情况", "68%。\n\n二、下一步工作"},
			absent:   []string{"\r", "\ufeff", "\n\n\n"},
		},
		{
			file: "street_utf16.txt", format: FormatTXT, encoding: "utf-16le",
			contains: []string{"临溪街道办事处第一季度工作汇报\n一、社区治理"},
		},
		{
			file: "plan.md", format: FormatMD, encoding: "utf-8",
			contains: []string{"南岭区文旅局2025年工作计划\n", "一、总体思路", "坚持文旅融合，以项目建设为抓手，推动全域旅游发展。",
				"（一）重点任务", "建成游客服务中心1个", "1. 举办“山水节”活动", "完成智慧导览系统上线", "游客中心\t320",
				"景区示意图", "代码块保持原样 **不处理**", "*内部资料*"},
			absent: []string{"#", "](", "https://", "|", "> 注", "---", "```"},
		},
		{
			file: "safety_gbk.html", format: FormatHTML, encoding: "gb18030",
			contains: []string{"白沙镇2025年上半年安全生产工作总结", "共开展安全检查46次，整改隐患“112”处。",
				"一、加强组织领导\n成立安全生产委员会。", "检查次数\n46\n隐患整改率\n98.2%", "企业培训 15 场", "表格说明：\n数据截至6月30日"},
			absent: []string{"广告脚本", "示例范文网", "首页", "工作计划", "相关范文推荐", "版权所有", "隐藏的推广文字", "请开启脚本", "color:red", "范文下载"},
		},
		{
			file: "party_utf8.html", format: FormatHTML, encoding: "utf-8",
			contains: []string{"东湖社区2024年党建工作总结", "发布时间：2025-01-08", "全年组织主题党日活动12次，发展党员2名。", "（东湖社区党委）"},
			absent:   []string{"导航", "不应出现", "网站底部信息"},
		},
	}
	for _, c := range cases {
		t.Run("reads "+c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Text(context.Background(), c.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != c.format || res.Encoding != c.encoding {
				t.Errorf("format %q encoding %q, want %q %q", res.Format, res.Encoding, c.format, c.encoding)
			}
			if len(res.Warnings) != 0 {
				t.Errorf("unexpected warnings %v", res.Warnings)
			}
			for _, s := range c.contains {
				if !strings.Contains(res.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, res.Text)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(res.Text, s) {
					t.Errorf("text contains %q:\n%s", s, res.Text)
				}
			}
			golden(t, c.file+".txt", res.Text)
		})
	}
}

func TestTheGBKFixtureIsReallyGBK(t *testing.T) {
	// Guards the fixtures above against an editor saving them as UTF-8.
	for _, f := range []string{"notice_gbk.txt", "safety_gbk.html"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(data) {
			t.Errorf("%s is valid UTF-8; it must hold GBK bytes", f)
		}
	}
}

// Texts that GB18030 detection must not take for another encoding.
const (
	rareNames   = "表彰名单：王堃、李珺、张喆、刘玥、陈镕、赵昇、孙彧、周璟、吴婧、郑翀、冯煜、褚淼、卫珏、蒋骞、沈琇、韩犇、杨昶、朱玮、秦琬、尤翊。以上同志在2024年度工作中表现突出。"
	traditional = "關於進一步加強基層醫療衛生服務能力建設的實施意見。全縣鄉鎮衛生院達標建設全面完成，群眾就醫滿意度顯著提升，為實現健康縣城目標打下堅實基礎。"
)

func TestTextDecodesEncodings(t *testing.T) {
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	gb18030 := func(s string) []byte {
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name     string
		data     []byte
		encoding string
		text     string
		warning  string
	}{
		{"plain UTF-8 is read as it is", []byte("一、工作回顾\n全年完成产值5亿元。"), "utf-8", "一、工作回顾\n全年完成产值5亿元。", ""},
		{"ASCII is UTF-8", []byte("Annual report 2025"), "utf-8", "Annual report 2025", ""},
		{"a UTF-8 byte order mark is dropped", append([]byte{0xEF, 0xBB, 0xBF}, "总结"...), "utf-8", "总结", ""},
		{"UTF-16 big-endian with a mark is decoded", []byte{0xFE, 0xFF, 0x60, 0x3B, 0x7E, 0xD3}, "utf-16be", "总结", ""},
		{"GBK is detected", gbk("各科室：现将2025年工作要点印发给你们，请认真贯彻执行。"), "gb18030", "各科室：现将2025年工作要点印发给你们，请认真贯彻执行。", ""},
		{"GB18030 four-byte characters are decoded", gb18030("社区服务中心（㐀字测试）完成率100%，群众满意度较高。"), "gb18030", "社区服务中心（㐀字测试）完成率100%，群众满意度较高。", ""},
		{"a short GBK text is detected", gbk("总结"), "gb18030", "总结", ""},
		{"GBK with one bad byte is read with a warning", append(gbk(strings.Repeat("全面推进乡村振兴工作。", 60)), 0xFF), "gb18030", strings.Repeat("全面推进乡村振兴工作。", 60) + "\uFFFD", "无法识别"},
		{"CRLF line ends become LF", []byte("第一行\r\n第二行\r第三行"), "utf-8", "第一行\n第二行\n第三行", ""},
		{"GBK full of rare name characters is still GBK", gbk(rareNames), "gb18030", rareNames, ""},
		{"traditional characters in GBK are still GBK", gbk(traditional), "gb18030", traditional, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Text(context.Background(), "a.txt", c.data)
			if err != nil {
				t.Fatal(err)
			}
			if res.Encoding != c.encoding || res.Text != c.text {
				t.Errorf("got %q in %s, want %q in %s", res.Text, res.Encoding, c.text, c.encoding)
			}
			if c.warning == "" && len(res.Warnings) > 0 || c.warning != "" && (len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], c.warning)) {
				t.Errorf("warnings = %v, want %q", res.Warnings, c.warning)
			}
		})
	}
}

func TestTextRejectsWhatItCannotRead(t *testing.T) {
	random := func(seed int64, n int) []byte {
		r := rand.New(rand.NewSource(seed))
		b := make([]byte, n)
		r.Read(b)
		return b
	}
	highOnly := func(seed int64, n int) []byte {
		// Random bytes in the GBK lead/trail range only: no controls, no NULs.
		r := rand.New(rand.NewSource(seed))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(0x81 + r.Intn(0x7E))
		}
		return b
	}
	cases := []struct {
		name  string
		file  string
		data  []byte
		code  string
		parts []string
	}{
		{"an unknown extension is unsupported", "report.xyz", []byte("文本"), retrieval.EUNSUPPORTED, []string{".xyz", ".docx", ".pdf"}},
		{"a name without an extension is unsupported", "README", []byte("文本"), retrieval.EUNSUPPORTED, []string{"无扩展名"}},
		{"a spreadsheet is unsupported", "data.XLSX", []byte("PK"), retrieval.EUNSUPPORTED, []string{".xlsx"}},
		{"NUL bytes in a .txt are undecodable", "a.txt", []byte("总结\x00\x00报告"), retrieval.EUNDECODABLE, []string{"NUL"}},
		{"random binary is undecodable", "a.txt", random(1, 4096), retrieval.EUNDECODABLE, nil},
		{"other random binary is undecodable", "b.md", random(2, 300), retrieval.EUNDECODABLE, nil},
		{"random high bytes are not taken for GBK", "c.txt", highOnly(3, 4096), retrieval.EUNDECODABLE, []string{"GB18030"}},
		{"Japanese Shift-JIS is not taken for GBK", "j.txt", shiftJIS(t, strings.Repeat("これは架空の市役所の年次報告書です。住民サービスの向上に取り組みました。", 5)), retrieval.EUNDECODABLE, []string{"日文", "UTF-8"}},
		{"a short Japanese note is not taken for GBK", "k.txt", shiftJIS(t, "令和六年度の事業報告について、以下のとおりお知らせします。"), retrieval.EUNDECODABLE, []string{"日文"}},
		{"Japanese EUC-JP is not taken for GBK", "l.txt", eucJP(t, strings.Repeat("これは架空の町役場の広報です。防災訓練を実施しました。", 5)), retrieval.EUNDECODABLE, []string{"EUC-JP"}},
		{"Shift-JIS kanji without kana are not taken for GBK", "m.txt", shiftJIS(t, "架空市議会定例会会議録予算審議経過報告書総務委員会審査結果一覧表"), retrieval.EUNDECODABLE, []string{"生僻字"}},
		{"control characters in UTF-8 are undecodable", "d.txt", []byte(strings.Repeat("\x01\x02\x03总结", 50)), retrieval.EUNDECODABLE, []string{"控制字符"}},
		{"a UTF-8-marked file full of bad bytes is undecodable", "e.txt", append([]byte{0xEF, 0xBB, 0xBF}, random(4, 200)...), retrieval.EUNDECODABLE, nil},
		{"an empty file is empty", "f.txt", nil, retrieval.EEMPTY, []string{"f.txt"}},
		{"a file of blank lines is empty", "g.md", []byte("\n \r\n\t\n"), retrieval.EEMPTY, nil},
		{"HTML with no visible text is empty", "h.html", []byte("<html><head><title>标题</title></head><body><script>x()</script></body></html>"), retrieval.EEMPTY, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Text(context.Background(), c.file, c.data)
			wantCode(t, err, c.code, c.parts...)
		})
	}
}

func TestRandomBytesAreNeverTakenForText(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	for i := 0; i < 200; i++ {
		b := make([]byte, 64+r.Intn(2048))
		r.Read(b)
		if _, err := Text(context.Background(), "r.txt", b); retrieval.ErrorCode(err) != retrieval.EUNDECODABLE {
			t.Fatalf("random input %d of %d bytes: error %v, want undecodable", i, len(b), err)
		}
	}
}

func TestSupported(t *testing.T) {
	cases := []struct {
		name string
		want bool
	}{
		{"总结.txt", true}, {"plan.MD", true}, {"page.HTM", true}, {"page.html", true},
		{"报告.docx", true}, {"scan.PDF", true}, {"old.doc", true}, {"notes.markdown", true},
		{"sheet.xlsx", false}, {"slides.pptx", false}, {"archive.zip", false}, {"README", false}, {"dir/", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Supported(c.name); got != c.want {
				t.Errorf("Supported(%q) = %v, want %v", c.name, got, c.want)
			}
		})
	}
}

func TestTextReadsFilesWhoseNameLies(t *testing.T) {
	word := docx(t, para("命名错误的文档"), nil)
	cases := []struct {
		name   string
		file   string
		data   []byte
		format string
		text   string
	}{
		{"a .doc that is a .docx is read as .docx", "old.doc", word, FormatDOCX, "命名错误的文档"},
		{"a .txt that is a .docx is read as .docx", "note.txt", word, FormatDOCX, "命名错误的文档"},
		{"a .doc saved as a web page is read as HTML", "web.doc", []byte("<html><body><p>网页另存的文档</p></body></html>"), FormatHTML, "网页另存的文档"},
		{"a .doc saved as a single-file web page is read as HTML", "mht.doc", mht(t, "<html><head><style>p{}</style></head><body><p class=MsoNormal>单个文件网页<o:p></o:p></p><p>第二段=文字</p></body></html>"), FormatHTML, "单个文件网页\n第二段=文字"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Text(context.Background(), c.file, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != c.format || res.Text != c.text {
				t.Errorf("got %s %q, want %s %q", res.Format, res.Text, c.format, c.text)
			}
			if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], c.file) {
				t.Errorf("warnings = %v, want one naming %s", res.Warnings, c.file)
			}
		})
	}
}

// mht wraps an HTML page as Word saves a single-file web page: a MIME
// archive with the page in GB2312, quoted-printable, beside an image part.
func mht(t *testing.T, page string) []byte {
	t.Helper()
	body, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	w.Write(body)
	w.Close()
	return []byte("MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/related; boundary=\"----=_NextPart_01DB0000.12345678\"\r\n\r\n" +
		"This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n" +
		"------=_NextPart_01DB0000.12345678\r\n" +
		"Content-Location: file:///C:/image001.png\r\nContent-Transfer-Encoding: base64\r\nContent-Type: image/png\r\n\r\n" +
		"iVBORw0KGgo=\r\n\r\n" +
		"------=_NextPart_01DB0000.12345678\r\n" +
		"Content-Location: file:///C:/doc.htm\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=\"gb2312\"\r\n\r\n" +
		qp.String() + "\r\n\r\n" +
		"------=_NextPart_01DB0000.12345678--\r\n")
}

func TestTidy(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"trailing spaces go", "甲  \n乙\t\n丙\u3000", "甲\n乙\n丙"},
		{"runs of blank lines shrink to one", "甲\n\n\n\n乙", "甲\n\n乙"},
		{"leading and trailing blank lines go", "\n\n甲\n\n", "甲"},
		{"leading indentation goes", "\u3000\u3000今年以来\n\u00a0一、回顾\n\u2003\u2003二、打算", "今年以来\n一、回顾\n二、打算"},
		{"form feeds become line breaks", "第一页\f第二页", "第一页\n第二页"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := tidy(c.in); got != c.want {
				t.Errorf("tidy(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// shiftJIS encodes s in Shift-JIS.
func shiftJIS(t *testing.T, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eucJP encodes s in EUC-JP.
func eucJP(t *testing.T, s string) []byte {
	t.Helper()
	b, err := japanese.EUCJP.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
