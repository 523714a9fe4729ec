package extract

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestStripMarkdown(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"ATX heading marks go", "## 二、工作成效 ##", "二、工作成效"},
		{"a hash without a space is text", "#话题", "#话题"},
		{"a setext underline goes", "工作总结\n====\n正文", "工作总结\n正文"},
		{"strong and emphasis keep their words", "**重点**与*难点*和__要点__及_亮点_", "重点与难点和要点及亮点"},
		{"snake_case words keep underscores", "字段 org_kind_name 不变", "字段 org_kind_name 不变"},
		{"links keep their text", "见[通知](http://example.org/n)及[附件][1]", "见通知及附件"},
		{"images keep their alt text", "![示意图](a.png)", "示意图"},
		{"autolinks keep the address", "<https://example.org/x>", "https://example.org/x"},
		{"inline code keeps its text", "执行 `make test` 命令", "执行 make test 命令"},
		{"strikethrough keeps its words", "~~旧目标~~新目标", "旧目标新目标"},
		{"quotes lose their marks", "> 引用一\n> > 引用二", "引用一\n引用二"},
		{"bullets and task boxes go, numbers stay", "- 甲\n  * 乙\n+ [x] 丙\n3. 丁", "甲\n  乙\n丙\n3. 丁"},
		{"horizontal rules go", "上\n\n***\n\n下", "上\n\n\n下"},
		{"reference definitions go", "正文\n[1]: http://example.org", "正文"},
		{"tables become tab-separated rows", "| 指标 | 数值 |\n| :--- | ---: |\n| 产值 | 5 |", "指标\t数值\n产值\t5"},
		{"fenced code is kept as it is", "```go\nx := *p\n```", "x := *p"},
		{"HTML tags go, line breaks become spaces", "甲<br/>乙<span class=\"x\">丙</span>", "甲 乙丙"},
		{"escapes keep the character", `\*非强调\* 和 \# 号`, "*非强调* 和 # 号"},
		{"arithmetic with spaces is left alone", "3 * 4 = 12", "3 * 4 = 12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := stripMarkdown(c.in); got != c.want {
				t.Errorf("stripMarkdown(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestTextReadsHTML(t *testing.T) {
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	page := func(meta, body string) string {
		return "<html><head>" + meta + "</head><body>" + body + "</body></html>"
	}
	cases := []struct {
		name     string
		data     []byte
		text     string
		encoding string
		warning  string
	}{
		{"a meta charset=gbk page is decoded", gbk(page(`<meta charset="gbk">`, "<p>各单位：</p>")), "各单位：", "gb18030", ""},
		{"a gb2312 http-equiv page is decoded", gbk(page(`<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`, "<p>通知</p>")), "通知", "gb18030", ""},
		{"a page without a declaration is detected as GBK", gbk(page("", "<p>区卫健局工作汇报</p>")), "区卫健局工作汇报", "gb18030", ""},
		{"a page declaring utf-8 but holding GBK is read as GBK with a warning", gbk(page(`<meta charset="utf-8">`, "<p>卫生健康</p>")), "卫生健康", "gb18030", "声明的字符集是 utf-8"},
		{"a page declaring gbk but holding UTF-8 is read as UTF-8 with a warning", []byte(page(`<meta charset="gbk">`, "<p>卫生健康</p>")), "卫生健康", "utf-8", "声明的字符集是 gbk"},
		{"an ASCII page declaring gbk raises no warning", []byte(page(`<meta charset="gbk">`, "<p>Report</p>")), "Report", "utf-8", ""},
		{"an unknown charset is reported and detection takes over", []byte(page(`<meta charset="x-martian">`, "<p>总结</p>")), "总结", "utf-8", "x-martian"},
		{"another declared charset is honoured", append([]byte(page(`<meta charset="big5">`, "<p>")), 0xC1, 0x60, 0xB5, 0xB2, '<', '/', 'p', '>'), "總結", "big5", ""},
		{"entities are decoded", []byte(page("", "<p>A&amp;B&nbsp;&lt;C&gt;&#x4E00;&ldquo;</p>")), "A&B <C>一“", "utf-8", ""},
		{"block elements become lines", []byte(page("", "<h2>标题</h2><div>段一</div><p>段二<br>段三</p><ul><li>项</li></ul>")), "标题\n段一\n段二\n段三\n项", "utf-8", ""},
		{"inline elements join", []byte(page("", "<p>全年<b>完成</b><a href='#'>投资</a><span>3亿元</span></p>")), "全年完成投资3亿元", "utf-8", ""},
		{"page chrome is dropped", []byte(page("<script>a()</script>", "<header>站名</header><nav>菜单</nav><aside>推荐</aside><p>正文</p><footer>版权</footer><script>b()</script><style>p{}</style>")), "正文", "utf-8", ""},
		{"hidden elements are dropped", []byte(page("", `<p>正文</p><div style="DISPLAY: NONE">甲</div><span style="visibility:hidden">乙</span><p hidden>丙</p>`)), "正文", "utf-8", ""},
		{"English words keep their spaces", []byte(page("", "<p>Annual\n  work   summary</p>")), "Annual work summary", "utf-8", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Text(context.Background(), "page.html", c.data)
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != c.text || res.Encoding != c.encoding {
				t.Errorf("got %q in %s, want %q in %s", res.Text, res.Encoding, c.text, c.encoding)
			}
			switch {
			case c.warning == "" && len(res.Warnings) > 0:
				t.Errorf("unexpected warnings %v", res.Warnings)
			case c.warning != "" && (len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], c.warning)):
				t.Errorf("warnings = %v, want one mentioning %q", res.Warnings, c.warning)
			}
		})
	}
}
