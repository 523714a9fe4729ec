package retrieval

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/draftd/draftd/retrieval/evalset/corpus"
)

// The scraped samples of ../shared/corpus (never copied into the repository).
const (
	sampleHealthBureau = "000_dab9e7b674f79ebd.txt" // doc-sharing site, page numbers glued into the text, x placeholders
	sampleKeyWork      = "001_b1ea3985e9880e92.txt" // template site, real figures, download buttons, QQ lines
	sampleCompilation  = "002_f6faebdb4ee4e257.txt" // five summaries behind a 目录, the middle hidden by the site
)

// readSample returns a sample of the shared corpus, skipping the test when it is absent.
func readSample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus.DirOrSkip(t), name))
	if err != nil {
		t.Skipf("skipping: the sample %s is not in ../shared/corpus: %v", name, err)
	}
	return string(b)
}

// readFixture returns a file of testdata/ingest.
func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ingest", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// checkCleanContract checks what Clean promises: every Dropped entry is found at its line and
// column of the whitespace-normalised input, entries do not overlap, and removing them all
// from the input leaves exactly the cleaned text, whitespace aside.
func checkCleanContract(t testing.TB, raw, cleaned string, rep CleanReport) {
	t.Helper()
	lines := splitLines(raw)
	norm := make([][]rune, len(lines))
	removed := make([][]bool, len(lines))
	for i, l := range lines {
		norm[i] = []rune(normLine(l))
		removed[i] = make([]bool, len(norm[i]))
	}
	count := 0
	for _, d := range rep.Dropped {
		if d.Line < 1 || d.Line > len(lines) {
			t.Fatalf("dropped %+v: no such line (input has %d)", d, len(lines))
		}
		rs, tr := norm[d.Line-1], []rune(d.Text)
		if len(tr) == 0 || d.Col < 0 || d.Col+len(tr) > len(rs) || string(rs[d.Col:d.Col+len(tr)]) != d.Text {
			t.Fatalf("dropped %+v is not at its place in line %q", d, string(rs))
		}
		for k := range tr {
			if removed[d.Line-1][d.Col+k] {
				t.Fatalf("dropped %+v overlaps another removal", d)
			}
			removed[d.Line-1][d.Col+k] = true
		}
		count++
	}
	sum := 0
	for _, n := range rep.Rules {
		sum += n
	}
	if sum != count {
		t.Errorf("rule counts add up to %d, but %d removals are listed", sum, count)
	}
	var want []rune
	for i := range lines {
		for k, r := range norm[i] {
			if !removed[i][k] && !unicode.IsSpace(r) {
				want = append(want, r)
			}
		}
	}
	got := []rune(stripSpace(cleaned))
	for i := 0; i < len(want) || i < len(got); i++ {
		if i >= len(want) || i >= len(got) || want[i] != got[i] {
			lo := max(0, i-20)
			t.Fatalf("cleaned text differs from the input minus its removals at rune %d:\n got …%q\nwant …%q",
				i, string(got[lo:min(len(got), i+20)]), string(want[lo:min(len(want), i+20)]))
		}
	}
}

// droppedText returns, for each input line, what Clean kept of it (its removals taken out).
func keptOfLines(raw string, rep CleanReport) []string {
	lines := splitLines(raw)
	out := make([]string, len(lines))
	cut := map[int][][2]int{}
	for _, d := range rep.Dropped {
		cut[d.Line] = append(cut[d.Line], [2]int{d.Col, d.Col + len([]rune(d.Text))})
	}
	for i, l := range lines {
		rs := []rune(normLine(l))
		var b strings.Builder
		for k, r := range rs {
			in := false
			for _, c := range cut[i+1] {
				if k >= c[0] && k < c[1] {
					in = true
				}
			}
			if !in {
				b.WriteRune(r)
			}
		}
		out[i] = b.String()
	}
	return out
}

// checkNoSentenceLost checks that every sentence of every input line Clean kept (its removed
// fragments taken out) appears in the cleaned text, with line breaks and spaces ignored.
func checkNoSentenceLost(t *testing.T, raw, cleaned string, rep CleanReport) {
	t.Helper()
	flat := stripSpace(cleaned)
	for i, l := range keptOfLines(raw, rep) {
		for _, sp := range sentenceSpans(l) {
			if s := stripSpace(l[sp[0]:sp[1]]); !strings.Contains(flat, s) {
				t.Errorf("line %d: sentence %q is missing from the cleaned text", i+1, s)
			}
		}
	}
}

// checkNoBoilerplate checks that no cleaned line but the title breaks a boilerplate rule or
// contains a word only sites use.
func checkNoBoilerplate(t *testing.T, cleaned string) {
	t.Helper()
	for i, l := range strings.Split(cleaned, "\n") {
		if i == 0 && titleLike(l) {
			continue
		}
		if r := boilerplateRule(l); r != "" {
			t.Errorf("cleaned line %d breaks rule %s: %.60q", i+1, r, l)
		}
		for _, w := range []string{"QQ", "下载", "此处隐藏", "此处省略", "VIP", "会员", "版权", "本站", "当前位置", "关键词", "关 键 词", "上一篇", "相关推荐", "★", "©", "@"} {
			if strings.Contains(l, w) {
				t.Errorf("cleaned line %d still contains %q: %.60q", i+1, w, l)
			}
		}
	}
}

func TestCleanSamples(t *testing.T) {
	tests := []struct {
		name        string
		file        string
		rules       []string // rules that must have fired
		pageNumbers int
		hidden      int
		contents    int
		gaps        int
		warnings    []string
	}{
		{
			name: "the health bureau's half-year summary from a document-sharing site", file: sampleHealthBureau,
			rules:       []string{RuleMembership, RuleDocSharing, RuleCopyright, RuleKeywords, RuleFieldLabel, RuleDuplicateTitle, RuleFileName},
			pageNumbers: 9,
			warnings:    []string{"已去掉 8 行网页模板文字（导航、版权声明等）", "正文在句子中间结束，网页可能没有显示全文"},
		},
		{
			name: "the key-work report from a template site", file: sampleKeyWork,
			rules:    []string{RulePromo, RuleNavigation, RuleDownload, RuleRating, RuleContact, RuleDuplicateTitle},
			warnings: []string{"已去掉 15 行网页模板文字（导航、版权声明等）"},
		},
		{
			name: "the compilation of five summaries", file: sampleCompilation,
			rules:    []string{RulePromo, RuleTOC, RuleHidden, RuleFragment},
			hidden:   11840,
			contents: 5,
			gaps:     1,
			warnings: []string{"已去掉 9 行网页模板文字（导航、版权声明等）", "网页隐藏了 11840 个字符，已去掉"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := readSample(t, tt.file)
			cleaned, rep := Clean(raw)
			checkCleanContract(t, raw, cleaned, rep)
			checkNoBoilerplate(t, cleaned)
			checkNoSentenceLost(t, raw, cleaned, rep)
			for _, r := range tt.rules {
				if rep.Rules[r] == 0 {
					t.Errorf("rule %s never fired; rules: %v", r, rep.Rules)
				}
			}
			if rep.Rules[RulePageNumber] != tt.pageNumbers {
				t.Errorf("page numbers removed = %d, want %d", rep.Rules[RulePageNumber], tt.pageNumbers)
			}
			if rep.HiddenChars != tt.hidden || len(rep.Contents) != tt.contents || len(rep.Gaps) != tt.gaps {
				t.Errorf("hidden chars, contents, gaps = %d, %d, %d; want %d, %d, %d",
					rep.HiddenChars, len(rep.Contents), len(rep.Gaps), tt.hidden, tt.contents, tt.gaps)
			}
			if strings.Join(rep.Warnings, "|") != strings.Join(tt.warnings, "|") {
				t.Errorf("warnings = %q, want %q", rep.Warnings, tt.warnings)
			}
		})
	}
}

// TestCleanRejoinsPages checks, on the sample whose page numbers are glued into the text, that
// each page continues the sentence the page before left unfinished, on the same line.
func TestCleanRejoinsPages(t *testing.T) {
	raw := readSample(t, sampleHealthBureau)
	cleaned, rep := Clean(raw)
	kept := keptOfLines(raw, rep)
	flat := stripSpace(cleaned)
	joined := 0
	for _, d := range rep.Dropped {
		if d.Rule != RulePageNumber || d.Line < 2 {
			continue
		}
		prev, cur := []rune(stripSpace(kept[d.Line-2])), []rune(stripSpace(kept[d.Line-1]))
		if len(prev) == 0 || terminated(string(prev)) {
			continue
		}
		seam := string(prev[max(0, len(prev)-6):]) + string(cur[:min(len(cur), 6)])
		if !strings.Contains(flat, seam) {
			t.Errorf("page %s did not continue the sentence of line %d: %q missing", d.Text, d.Line-1, seam)
		}
		joined++
	}
	if joined < 7 {
		t.Errorf("only %d pages continued a sentence; want at least 7", joined)
	}
	for i, l := range strings.Split(cleaned, "\n") {
		if pagePrefixRe.MatchString(l) {
			t.Errorf("cleaned line %d still starts with a page number: %.20q", i+1, l)
		}
	}
	if n := strings.Count(cleaned, "\n"); n != 1 {
		t.Errorf("cleaned text has %d lines, want 2 (title and the rejoined pages)", n+1)
	}
}

func TestCleanFixtures(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		rules map[string]int
		title string // first cleaned line
		gaps  []int
	}{
		{
			name: "a membership site's page loses its nav, counters, VIP notice, copyright, related list and contacts", file: "member_site.txt",
			rules: map[string]int{RuleNavigation: 7, RulePromo: 2, RuleMeta: 1, RuleMembership: 1, RuleCopyright: 2, RuleContact: 2, RuleRating: 1},
			title: "青禾县教育局2022年工作总结",
		},
		{
			name: "a page that lost its line breaks is left whole", file: "run_on.txt",
			rules: map[string]int{},
			title: "梧桐区市场监管局2023年上半年工作总结",
		},
		{
			name: "a compilation loses its table of contents", file: "compilation.txt",
			rules: map[string]int{RuleTOC: 4},
			title: "松溪县部门2022年工作总结汇编（3篇）",
		},
		{
			name: "a template with Windows line ends, a BOM, page numbers and a hidden passage", file: "template.txt",
			rules: map[string]int{RuleDownload: 2, RulePageNumber: 2, RuleHidden: 1, RuleMembership: 1},
			title: "××镇人民政府20xx年第一季度工作总结",
			gaps:  []int{7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := readFixture(t, tt.file)
			cleaned, rep := Clean(raw)
			checkCleanContract(t, raw, cleaned, rep)
			checkNoBoilerplate(t, cleaned)
			checkNoSentenceLost(t, raw, cleaned, rep)
			if len(rep.Rules) != len(tt.rules) {
				t.Errorf("rules = %v, want %v", rep.Rules, tt.rules)
			}
			for r, n := range tt.rules {
				if rep.Rules[r] != n {
					t.Errorf("rule %s fired %d times, want %d (rules: %v)", r, rep.Rules[r], n, rep.Rules)
				}
			}
			if first, _, _ := strings.Cut(cleaned, "\n"); first != tt.title {
				t.Errorf("first line = %q, want %q", first, tt.title)
			}
			if strings.ContainsAny(cleaned, "\r\ufeff\u00a0\u3000") {
				t.Errorf("cleaned text keeps a CR, BOM, NBSP or full-width space")
			}
			if !equalInts(rep.Gaps, tt.gaps) {
				t.Errorf("gaps = %v, want %v", rep.Gaps, tt.gaps)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCleanLines(t *testing.T) {
	body := "2023年，我局深入开展健康促进行动，全年举办健康讲座126场，受益群众1.8万人次。"
	tests := []struct {
		name string
		line string
		rule string // "" when the line must survive
	}{
		{"a download button is dropped", "点击下载完整版Word文档", RuleDownload},
		{"a print-and-favourite bar is dropped", "打印本页 | 收藏本文 | 复制链接", RuleDownload},
		{"a VIP notice is dropped", "开通VIP，本文免费下载，更多特权等你来拿", RuleMembership},
		{"a login notice is dropped", "登录后查看全文，每日可领积分兑换下载", RuleMembership},
		{"a copyright footer is dropped", "Copyright © 2023 某某文档网 版权所有", RuleCopyright},
		{"a disclaimer is dropped", "免责声明：本文仅代表作者观点，若有侵权请告知我们删除。", RuleCopyright},
		{"a site notice is dropped", "本站资源均来自网友上传，仅供学习参考", RuleCopyright},
		{"a breadcrumb is dropped", "首页 > 工作总结 > 部门总结", RuleNavigation},
		{"a breadcrumb with other arrows is dropped", "范文大全 » 工作报告 » 述职报告", RuleNavigation},
		{"a navigation bar is dropped", "首页 | 工作总结 | 工作计划 | 心得体会 | 述职报告", RuleNavigation},
		{"a navigation bar with other bars is dropped", "首页｜部门动态丨通知公告｜政策法规", RuleNavigation},
		{"a navigation bar with slashes is dropped", "首页 / 范文 / 工作总结 / 年终总结", RuleNavigation},
		{"a bar of buttons is dropped as buttons", "打印本页 | 收藏本文 | 复制链接", RuleDownload},
		{"a heading with slashes survives", "一、人/财/物管理", ""},
		{"a date with slashes survives", "2022/12/30", ""},
		{"a line of long items with bars survives", "党建引领基层治理示范点 | 乡村振兴产业融合示范园 | 城乡环境综合治理提升工程", ""},
		{"previous and next links are dropped", "上一篇：某局2022年工作总结 下一篇：某局2023年工作计划", RuleNavigation},
		{"a hot-articles header is dropped", "热门文章", RuleNavigation},
		{"read and comment counters are dropped", "阅读(1203) 评论(5) 点赞 32", RuleMeta},
		{"a view count is dropped", "浏览次数：4512", RuleMeta},
		{"a lone counter is dropped", "阅读 123", RuleMeta},
		{"a publication line is dropped", "发布时间：2023-06-30 10:12:45 来源：某某网", RuleMeta},
		{"a QQ line is dropped", "客服QQ：1234567", RuleContact},
		{"a WeChat line is dropped", "微信号：fanwen2023", RuleContact},
		{"a phone line is dropped", "联系电话 0571-88886666", RuleContact},
		{"a mobile number is dropped", "• 13900001111", RuleContact},
		{"an e-mail line is dropped", "投稿邮箱 tougao@example.org", RuleContact},
		{"a star rating is dropped", "★★★★☆", RuleRating},
		{"a score is dropped", "评分：4.5", RuleRating},
		{"a keyword line is dropped", "关 键 词：工作总结 卫生 半年", RuleKeywords},
		{"a hidden-text notice is dropped", "……此处隐藏3021个字……", RuleHidden},
		{"a lone page number is dropped", "- 12 -", RulePageNumber},
		{"a page x of y line is dropped", "第3页 共12页", RulePageNumber},
		{"a site promo is dropped", "以下是小编为大家整理的2023年工作总结，仅供参考。", RulePromo},
		{"a word count is dropped", "该文档为doc格式，全文共3690字", RulePromo},
		{"a line of symbols is dropped", "→ → →", RuleDecoration},
		{"a public-domain notice is dropped", "本作品来自国家机关的决议，不适用于该法，属于公有领域。", RuleCopyright},
		{"a body sentence survives", body, ""},
		{"a body sentence about a website's visits survives", "政务网站全年访问量达到52万人次，点击量较上年增长18%，群众满意度明显提升，有力推动了政务公开工作。", ""},
		{"a body sentence on copyright enforcement survives", "全年查处侵权盗版案件12起，收缴非法出版物3200余册，版权保护水平进一步提高，为文化市场健康发展营造了良好环境。", ""},
		{"a short heading about downloads survives", "（三）推广健康码下载使用", ""},
		{"a short sentence survives", "全年未发生重大安全事故。", ""},
		{"a date line survives", "2023年12月28日", ""},
		{"a short unnumbered heading about an app survives", "拓展政务移动客户端服务", ""},
		{"a sentence with a hotline number survives", "开通服务热线：96123，全年接听群众来电1.2万个。", ""},
		{"a contact line with an e-mail is dropped", "联系人：王某 邮箱：qingshi_ly@example.org", RuleContact},
		{"a price line is dropped", "原价：¥29.9 会员价：¥9.9", RulePrice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := body + "\n" + tt.line + "\n" + body
			cleaned, rep := Clean(raw)
			checkCleanContract(t, raw, cleaned, rep)
			got := ""
			for _, d := range rep.Dropped {
				if d.Line == 2 {
					got = d.Rule
				}
			}
			if got != tt.rule {
				t.Errorf("line %q: rule %q, want %q", tt.line, got, tt.rule)
			}
		})
	}
}

func TestCleanPageBreaks(t *testing.T) {
	page := strings.Repeat("全年围绕卫生健康事业高质量发展目标，统筹推进各项重点工作，", 3)
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{
			name: "glued page numbers that continue sentences are removed and the pages joined",
			raw:  "1、" + page + "共投入资金\n2、3200万元，新建卫生院2所。" + page + "累计\n3、培训医务人员1500人次。",
			want: page + "共投入资金3200万元，新建卫生院2所。" + page + "累计培训医务人员1500人次。",
		},
		{
			name: "a numbered list whose items end sentences is left alone",
			raw:  "1、加强组织领导，成立工作专班。\n2、完善工作机制，建立月调度制度。\n3、强化督导考核，实行清单管理。",
			want: "1、加强组织领导，成立工作专班。\n2、完善工作机制，建立月调度制度。\n3、强化督导考核，实行清单管理。",
		},
		{
			name: "a numbered list under an unfinished heading is left alone",
			raw:  "（一）主要措施\n1、加强组织领导\n2、完善工作机制",
			want: "（一）主要措施\n1、加强组织领导\n2、完善工作机制",
		},
		{
			name: "a standalone page number between halves of a sentence is dropped and the halves joined",
			raw:  "全年共完成固定资产投资\n- 3 -\n4.6亿元，同比增长9%。",
			want: "全年共完成固定资产投资4.6亿元，同比增长9%。",
		},
		{
			name: "a number alone after a letter is a lost subscript and joins both sides",
			raw:  "广义货币M\n2\n增长8.3%，细颗粒物（PM\n2.5\n）浓度下降。",
			want: "广义货币M2增长8.3%，细颗粒物（PM2.5）浓度下降。",
		},
		{
			name: "a link the page put on its own line joins the sentence around it",
			raw:  "会议听取和审议了县长所作的\n政府工作报告\n。会议充分肯定县政府过去一年的工作。",
			want: "会议听取和审议了县长所作的政府工作报告。会议充分肯定县政府过去一年的工作。",
		},
		{
			name: "a heading's number alone on its line joins its title",
			raw:  "一、\n加强组织领导\n（二）\n完善工作机制。全年召开会议6次。",
			want: "一、加强组织领导\n（二）完善工作机制。全年召开会议6次。",
		},
		{
			name: "a standalone page number after a finished sentence leaves the lines apart",
			raw:  "全年共完成固定资产投资4.6亿元。\n第2页\n二、存在的问题",
			want: "全年共完成固定资产投资4.6亿元。\n二、存在的问题",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rep := Clean(tt.raw)
			checkCleanContract(t, tt.raw, got, rep)
			if got != tt.want {
				t.Errorf("Clean(%q) =\n%q\nwant\n%q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestCleanWhitespace(t *testing.T) {
	raw := "\ufeff　　一、总体情况\r\n　　今年以来，全局\u00a0上下 \t 齐心协力。\r\n\r\n\r\n二、主要成效\u200b\r"
	want := "一、总体情况\n今年以来，全局 上下 齐心协力。\n二、主要成效"
	got, rep := Clean(raw)
	checkCleanContract(t, raw, got, rep)
	if got != want {
		t.Errorf("Clean = %q, want %q", got, want)
	}
}

func TestCleanHiddenText(t *testing.T) {
	raw := "一、工作总结\n（一）项目建设。全年开工项目5个 ……此处隐藏2048个字……。二是加强人才队伍建设，引进人才16名。"
	got, rep := Clean(raw)
	checkCleanContract(t, raw, got, rep)
	want := "一、工作总结\n（一）项目建设。全年开工项目5个\n二是加强人才队伍建设，引进人才16名。"
	if got != want {
		t.Errorf("Clean = %q, want %q", got, want)
	}
	if rep.HiddenChars != 2048 || !equalInts(rep.Gaps, []int{3}) {
		t.Errorf("hidden chars %d, gaps %v; want 2048, [3]", rep.HiddenChars, rep.Gaps)
	}
	if len(rep.Warnings) == 0 || rep.Warnings[len(rep.Warnings)-1] != "网页隐藏了 2048 个字符，已去掉" {
		t.Errorf("warnings = %q, want a last warning about 2048 hidden characters", rep.Warnings)
	}
}

func TestCleanTitle(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		title string // "" for none
	}{
		{"a title on the first line", "甲县林业局2022年工作总结\n全年完成造林1.2万亩。", "甲县林业局2022年工作总结"},
		{"a title with the site's file extension", "甲县林业局2022年工作总结范文.docx\n全年完成造林1.2万亩。", "甲县林业局2022年工作总结范文"},
		{"a title under the organisation's name and a date", "甲县林业局\n2022年12月\n甲县林业局2022年工作总结\n全年完成造林1.2万亩。", "甲县林业局2022年工作总结"},
		{"no title after the body has begun", "各位代表：\n甲县林业局2022年工作总结\n全年完成造林1.2万亩。", ""},
		{"a navigation bar above the title is not the title", "首页 | 工作总结 | 工作计划 | 心得体会 | 述职报告\n松岭县水利局2022年工作总结\n全年完成水利投资2.3亿元。", "松岭县水利局2022年工作总结"},
		{"no title in the middle of a sentence", "会议审议了县长所作的\n政府工作报告\n。会议认为工作扎实。", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &cleaner{rep: CleanReport{Rules: map[string]int{}}}
			for i, s := range splitLines(tt.raw) {
				c.lines = append(c.lines, &cleanLine{src: i + 1, text: normLine(s)})
			}
			c.findTitle()
			cleaned, rep := Clean(tt.raw)
			checkCleanContract(t, tt.raw, cleaned, rep)
			got := ""
			if c.title != nil {
				got = c.title.text
				if !slices.Contains(strings.Split(cleaned, "\n"), tt.title) {
					t.Errorf("cleaned text lacks the title line %q: %q", tt.title, cleaned)
				}
			}
			if fileExtRe.ReplaceAllString(got, "") != tt.title {
				t.Errorf("title = %q, want %q", got, tt.title)
			}
		})
	}
}

func TestCleanByEvidence(t *testing.T) {
	body := "2023年，青石县林业局深入推进林长制，全年完成人工造林1.2万亩，森林覆盖率达到68.3%。"
	menu := strings.Repeat("机构概况\n领导成员\n通知公告\n政策解读\n", 3)
	tests := []struct {
		name    string
		raw     string
		dropped map[string]string // a line's words → the rule that drops it
		kept    []string          // words that must survive
	}{
		{
			name:    "contact details and prices are dropped, a sentence with a hotline survives",
			raw:     "青石县林业局2023年工作总结\n" + body + "\n客服QQ：10000001 投诉建议QQ：10000002 工作时间9:00-18:00\n本文售价：¥9.9\n开通12345热线，全年受理群众诉求3200件，办结率99%。",
			dropped: map[string]string{"客服QQ": RuleContact, "售价": RulePrice},
			kept:    []string{"12345热线"},
		},
		{
			name:    "a long run of short menu items is a menu, a short list is not",
			raw:     "青石县林业局2023年工作总结\n" + menu + body + "\n主要做法\n造林绿化\n森林防火",
			dropped: map[string]string{"机构概况": RuleMenu, "政策解读": RuleMenu},
			kept:    []string{"主要做法", "造林绿化", "森林防火"},
		},
		{
			name:    "a table of fields about the page is dropped and names the title",
			raw:     "索引号：001/2024-0012\n发布机构：青石县林业局\n名称：青石县林业局2023年工作总结\n成文日期：2024-01-05\n" + body,
			dropped: map[string]string{"索引号": RuleFields, "成文日期": RuleFields},
			kept:    []string{"深入推进林长制"},
		},
		{
			name:    "numbered terms before the title are dropped",
			raw:     "1.本站文档由用户上传\n2.如需删除请联系管理员\n3.下载前请先预览\n青石县林业局2023年工作总结\n" + body + "\n一、主要工作\n" + body,
			dropped: map[string]string{"本站文档由用户上传": RuleTerms, "下载前请先预览": RuleTerms},
			kept:    []string{"一、主要工作"},
		},
		{
			name:    "scraps among a page's footer are dropped, its signature is not",
			raw:     "青石县林业局2023年工作总结\n" + body + "\n青石县林业局\n2024年1月5日\n林业政务e读版\n2022年\n2021年\n2020年\n扫一扫在手机打开当前页\n（右侧可拖动）\n×",
			dropped: map[string]string{"e读版": RulePageTail, "2021年": RuleMenu, "扫一扫": RuleNavigation},
			kept:    []string{"青石县林业局\n2024年1月5日"},
		},
		{
			name:    "an official document's header, page numbers and distribution notice are cut from a run-on line",
			raw:     "内部事项青石县林业局文件青林〔2024〕3号签发人：XXX青石县林业局关于2023年林长制工作情况的报告县政府：全年完成人工造林1.2万亩，—2—森林覆盖率达到68.3%。（此件不公开发布，发至各乡镇。）分发：各乡镇，局属各单位。",
			dropped: map[string]string{"内部事项": RuleMeta, "签发人": RuleMeta, "—2—": RulePageNumber, "此件不公开发布": RuleCopyright, "分发": RuleMeta},
			kept:    []string{"人工造林1.2万亩，森林覆盖率"},
		},
		{
			name: "spaces a lossy conversion wrote as ? or <U+00A0> are spaces again",
			raw:  "青石县林业局2023年工作总结\n局长?王某某\n各位代表：?\n全年完成<U+00A0>人工造林1.2万亩。",
			kept: []string{"局长 王某某", "各位代表：", "全年完成 人工造林"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleaned, rep := Clean(tt.raw)
			checkCleanContract(t, tt.raw, cleaned, rep)
			for words, rule := range tt.dropped {
				found := false
				for _, d := range rep.Dropped {
					if strings.Contains(d.Text, words) {
						found = true
						if d.Rule != rule {
							t.Errorf("%q dropped as %s, want %s", d.Text, d.Rule, rule)
						}
					}
				}
				if !found || strings.Contains(cleaned, words) {
					t.Errorf("%q survives (dropped: %+v)", words, rep.Dropped)
				}
			}
			for _, k := range tt.kept {
				if !strings.Contains(cleaned, k) {
					t.Errorf("%q was dropped:\n%s\n(dropped: %+v)", k, cleaned, rep.Dropped)
				}
			}
		})
	}
}

func TestCleanWithEvidence(t *testing.T) {
	page := func(title, body string) string {
		return "青石政务网\n" + title + "\n" + body + "\n主办单位：青石县人民政府办公室\n网站标识码 3600000001\n"
	}
	docs := []string{
		page("青石县林业局2023年工作总结", "全年完成人工造林1.2万亩，森林覆盖率达到68.3%。"),
		page("青石县水务局2023年工作总结", "全年新建供水管网38公里，农村自来水普及率达到96%。"),
		page("青石县教育局2023年工作总结", "全年新建校舍3所，义务教育巩固率达到99.2%。"),
		page("青石县民政局2023年工作总结", "全年发放低保金1.3亿元，保障困难群众1.2万人。"),
	}
	ev := NewEvidence(docs)
	cleaned, rep := CleanWith(docs[0], ev)
	checkCleanContract(t, docs[0], cleaned, rep)
	for _, w := range []string{"青石政务网", "主办单位", "网站标识码"} {
		if strings.Contains(cleaned, w) {
			t.Errorf("%q, which every page of the site holds, survives:\n%s", w, cleaned)
		}
	}
	if !strings.Contains(cleaned, "人工造林") || rep.Rules[RuleRepeated] == 0 {
		t.Errorf("cleaned %q, rules %v: want the body kept and repeated lines counted", cleaned, rep.Rules)
	}
	if c, _ := Clean(docs[0]); !strings.Contains(c, "网站标识码") {
		t.Errorf("without evidence a line that names no site is kept: %q", c)
	}
	if NewEvidence(docs[:2]).repeated("青石政务网") {
		t.Error("two pages are no evidence")
	}
}

// bodyPhrases are sentences of the fictional bodies of several kinds of organisations that use
// words sites use in their notices (会员, 下载, 文库, 侵权, 仅供参考, 责任编辑…), by organisation.
var bodyPhrases = map[string][]string{
	"青禾县总工会": {
		"全年走访困难职工320户，发放慰问金86万元，切实维护会员权益，为会员办理意外保险1.2万份。",
		"吸纳新就业形态劳动者成为会员1800人，会员特权服务卡发放率达到95%。",
		"推行志愿服务积分兑换制度，全年兑换物品1.2万件。",
		"建成职工书屋文库15个。",
		"引导职工下载该平台并完成实名认证，注册用户达4.6万人。",
		"设立职工服务窗口，仅供参考的办事指南已全部更新。",
	},
	"共青团青禾县委": {
		"引导团员青年下载客户端参加网上主题团课，参学率达到92%。",
		"组织相关专题培训12场，培训团干部860人次。",
		"新媒体矩阵关注微信公众号的青年达3.6万人，扫码关注人数同比增长40%。",
		"此处省略的工作将在下半年继续推进，确保各项任务落实到位。",
	},
	"青禾县图书馆": {
		"数字资源免费下载次数达12万次，同比增长18%。",
		"全年馆藏电子文库新增图书2.3万册，馆网全年浏览次数达120万次。",
		"推出星级推荐书单12期，编辑推荐书目覆盖全县中小学。",
		"开通读者服务热线0571-88886666，全年接听咨询电话3200个。",
	},
	"青禾县医疗保障局": {
		"引导参保群众下载app办理异地就医备案，线上办理率达到85%。",
		"编印政策问答，以下是群众反映集中的问题整理的答复口径，已在窗口公开。",
		"测算结果仅供参考，最终以省级统筹方案为准；",
		"严肃查处未经许可擅自使用医保基金行为，追回资金320万元。",
	},
	"青禾县市场监督管理局": {
		"受理商标侵权投诉126件，督促平台删除侵权链接860条。",
		"查处未经许可擅自复制他人作品案件12起，如发现侵权行为，群众可拨打12315举报。",
		"开展版权归属登记指导，全年登记作品3200件。",
	},
	"青禾县政务服务中心": {
		"推行证照一键下载，群众扫码登录后即可查看办件进度，全年办件12万件。",
		"相关专题培训已覆盖全部窗口，参训人员达到2300人次。",
		"开通在线客服和在线阅读服务，社保卡在线充值业务量增长30%。",
		"统一使用pdf格式报送材料，压减纸质材料60%。",
	},
	"青禾县供销合作社有限公司": {
		"新增vip会员1200人，会员专享服务满意度达到96%。",
		"升级会员积分系统，全年积分兑换商品4.2万件。",
	},
	"青禾县融媒体中心": {
		"配备责任编辑12名，全年编发稿件3.2万篇，网友投稿采用率达到35%。",
		"完成写稿任务1200篇，稿件经稍作修改后即可多平台分发。",
		"在知名网站开设专栏3个，全网阅读量突破5000万次，点赞数120万。",
	},
}

// TestCleanKeepsBodyPhrases puts each organisation's sentences between a body's first and last
// sentence and at its edges, and checks that no phrase rule drops them, while a site's own
// furniture is dropped wherever it stands. (At an edge a sentence with such a phrase bounds the
// body when it states a figure, as each organisation's first and last sentences here do.)
func TestCleanKeepsBodyPhrases(t *testing.T) {
	const (
		opening = "今年以来，我们坚持围绕中心、服务大局，各项工作取得新进展，重点任务完成率达到100%。"
		closing = "下一步，我们将进一步加强统筹协调，确保各项工作落地见效，推动事业高质量发展。"
	)
	doc := func(org string, lines ...string) string {
		return strings.Join(append(append([]string{org + "2025年工作总结", "一、主要工作"}, lines...), org, "2025年12月20日"), "\n")
	}
	keepsAll := func(t *testing.T, raw string, want []string) {
		t.Helper()
		cleaned, rep := Clean(raw)
		checkCleanContract(t, raw, cleaned, rep)
		kept := strings.Split(cleaned, "\n")
		for _, l := range want {
			if !slices.Contains(kept, l) {
				t.Errorf("%q was dropped (dropped: %+v)", l, rep.Dropped)
			}
		}
	}
	for org, sentences := range bodyPhrases {
		t.Run(org+"'s sentences inside the body are kept", func(t *testing.T) {
			lines := append(append([]string{opening}, sentences...), closing)
			keepsAll(t, doc(org, lines...), append(lines, org, "2025年12月20日"))
		})
		t.Run(org+"'s sentences that open and close the body are kept", func(t *testing.T) {
			keepsAll(t, doc(org, sentences...), sentences)
		})
	}
	t.Run("a long sentence without figures that opens the body is kept", func(t *testing.T) {
		long := "县总工会始终坚持以职工为中心，积极引导广大新就业形态劳动者成为会员，着力构建覆盖全面、服务精准、运转高效的职工服务体系，" +
			"让广大职工群众切实感受到工会组织的温暖和关怀，进一步增强了工会组织的政治性、先进性和群众性，为全县经济社会发展作出了积极贡献。"
		if runeLen(long) <= midMax {
			t.Fatalf("the fixture needs a sentence longer than %d runes", midMax)
		}
		keepsAll(t, doc("青禾县总工会", long, opening, closing), []string{long})
	})
	t.Run("a site's furniture inside the body is dropped", func(t *testing.T) {
		furniture := map[string]string{
			"本文档由会员上传，版权归原作者所有。":       RuleMembership,
			"此处隐藏部分内容，请下载后查看全文。":       RuleHidden,
			"如有侵权，请联系本站删除。":            RuleCopyright,
			"以上是小编整理的工作总结，希望对你有帮助。":    RulePromo,
			"扫一扫在手机打开当前页":              RuleNavigation,
			"发布时间：2025-12-20 浏览次数：326": RuleMeta,
		}
		lines := []string{opening}
		for l := range furniture {
			lines = append(lines, l, bodyPhrases["青禾县总工会"][0])
		}
		raw := doc("青禾县总工会", append(lines, closing)...)
		cleaned, rep := Clean(raw)
		checkCleanContract(t, raw, cleaned, rep)
		for l, rule := range furniture {
			if strings.Contains(cleaned, l) || !slices.Contains(rep.Dropped, DroppedLine{Line: lineOf(raw, l), Text: l, Rule: rule}) {
				t.Errorf("%q not dropped as %s (dropped: %+v)", l, rule, rep.Dropped)
			}
		}
		if !strings.Contains(cleaned, opening) || !strings.Contains(cleaned, closing) {
			t.Errorf("the body was dropped:\n%s", cleaned)
		}
	})
	t.Run("a site's notices after the body are dropped though a body may use their words", func(t *testing.T) {
		notices := []string{"以上内容仅供参考。", "关注微信公众号，获取更多资料。", "相关专题：年度工作总结", "青禾文库"}
		raw := doc("青禾县总工会", append([]string{opening, closing}, notices...)...)
		cleaned, rep := Clean(raw)
		checkCleanContract(t, raw, cleaned, rep)
		for _, l := range notices {
			if strings.Contains(cleaned, l) {
				t.Errorf("%q survives:\n%s", l, cleaned)
			}
		}
	})
}

// lineOf returns the 1-based line of raw that is l, or 0.
func lineOf(raw, l string) int {
	return slices.Index(splitLines(raw), l) + 1
}

// A title of eight or more runes below a site's menu is the document's title, not a ninth menu
// item, and survives a 当前位置 line too; the menu goes.
func TestCleanKeepsTheTitleBelowAMenu(t *testing.T) {
	menu := "首页\n机构概况\n政务公开\n政策文件\n办事服务\n互动交流\n数据发布\n专题专栏\n新闻动态\n"
	body := "2024年，青禾县水利局围绕防汛抗旱和农村供水两项重点扎实推进各项工作，全年目标任务全面完成。\n" +
		"一、主要工作成效\n全年开展汛前隐患排查3轮，整改隐患点27处，修订防汛预案12部，安全度过主汛期。\n" +
		"二、存在的问题\n水利工程管护资金不足，部分小型水库管理人员专业能力有待提高。\n"
	for name, page := range map[string]string{
		"a menu right above":    menu + "青禾县水利局2024年工作总结\n" + body,
		"a menu and 当前位置 above": menu + "当前位置：首页 > 政务公开 > 工作总结\n青禾县水利局2024年度工作总结报告\n" + body,
	} {
		t.Run(name, func(t *testing.T) {
			docs, _, err := Prepare("page.txt", page, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 || !strings.HasPrefix(docs[0].Title, "青禾县水利局2024年") {
				t.Fatalf("title %q, want the page's own title", docs[0].Title)
			}
			for _, p := range docs[0].Passages {
				if strings.Contains(p.Text, "机构概况") || strings.Contains(p.Text, "互动交流") {
					t.Errorf("the menu survived in %q", p.Text)
				}
			}
		})
	}
}
