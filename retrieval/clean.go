package retrieval

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// DroppedLine is a line, or a fragment of a line, that Clean removed, and the rule that removed it.
type DroppedLine struct {
	Line int    `json:"line"` // 1-based line of the input
	Col  int    `json:"col"`  // rune offset of Text in that line after whitespace normalisation
	Text string `json:"text"`
	Rule string `json:"rule"`
}

// CleanReport says what Clean removed and what a reader of the cleaned text should know.
//
// Contract: removing every Dropped entry (Text at Col of its Line, both measured on the
// whitespace-normalised line) from the input leaves exactly the cleaned text, up to whitespace.
type CleanReport struct {
	Rules        map[string]int `json:"rules"`         // removals (lines and fragments) per rule
	DroppedLines int            `json:"dropped_lines"` // whole lines removed
	Dropped      []DroppedLine  `json:"dropped"`
	HiddenChars  int            `json:"hidden_chars,omitempty"` // characters the site says it hid
	Contents     []string       `json:"contents,omitempty"`     // titles listed by a removed table of contents
	Gaps         []int          `json:"gaps,omitempty"`         // 1-based cleaned lines right after text the site hid
	Warnings     []string       `json:"warnings,omitempty"`
	Notices      []Notice       `json:"notices,omitempty"` // the warnings with their codes
	// Issuer is the organisation an official document's header names (某某局文件), which
	// Clean removed with the header; "" if none.
	Issuer string `json:"issuer,omitempty"`
	// SiteTitle is the document's title as the site states it in what Clean removed: its
	// field table (名称：…) or its notice (《…》由会员分享); "" if none.
	SiteTitle string `json:"site_title,omitempty"`
}

// Clean rules, as they appear in CleanReport.Rules and DroppedLine.Rule.
const (
	RuleDownload       = "download"        // download, print, copy, favourite buttons
	RuleMembership     = "membership"      // VIP and membership notices
	RuleCopyright      = "copyright"       // copyright notices and disclaimers
	RuleNavigation     = "navigation"      // breadcrumbs, previous/next, related-article lists
	RulePromo          = "promo"           // the site talking about itself or its 范文
	RuleMeta           = "meta"            // publication time, editor, read and comment counters
	RuleContact        = "contact"         // QQ, WeChat, phone, e-mail, customer service
	RuleRating         = "rating"          // stars and scores
	RuleKeywords       = "keywords"        // 关键词 lines and the word lists after them
	RuleFieldLabel     = "field_label"     // "- 配套讲稿:" style footer fields and their values
	RuleDocSharing     = "doc_sharing"     // notes from document-sharing sites (PPT, word icons)
	RuleHidden         = "hidden"          // "……此处隐藏11840个字……"
	RulePageNumber     = "page_number"     // page numbers, alone or glued to the start of a page
	RuleTOC            = "toc"             // a table of contents (目录)
	RuleFileName       = "file_name"       // file names and their extensions
	RuleDuplicateTitle = "duplicate_title" // the title again, alone or repeated at the start of a line
	RuleOrphan         = "orphan"          // a short scrap surrounded by boilerplate
	RuleFragment       = "fragment"        // punctuation left at the start of a line by a cut
	RuleDecoration     = "decoration"      // lines of symbols only
	RulePrice          = "price"           // prices: ¥9.9, 5元/篇, 售价：
	RuleMenu           = "menu"            // a site's menu: a long run of short items, a list of years
	RuleFields         = "fields"          // a site's table of fields about the page (索引号：…, 发布机构：…)
	RuleTerms          = "site_terms"      // a run of short numbered terms before the title
	RuleRepeated       = "repeated"        // a line most documents of the same site or batch repeat
	RulePageTail       = "page_tail"       // scraps of a page's header or footer among its furniture
)

// warn adds a warning: its message to Warnings, with its code to Notices.
func (r *CleanReport) warn(code, msg string) {
	r.Warnings = append(r.Warnings, msg)
	r.Notices = append(r.Notices, Notice{Code: code, Message: msg})
}

// cleanLine is one line (or the piece of a line between two hidden-text markers) being cleaned.
type cleanLine struct {
	src   int    // 1-based input line
	off   int    // rune offset of text within the normalised input line
	text  string // what is left of it
	drop  string // the rule that dropped the whole line; "" if kept
	gap   bool   // the site hid text right before this line
	join  bool   // glue to the previous kept line without a line break
	title bool
	// pageBreak: a standalone page number was dropped right before this line.
	pageBreak bool
	// subscript: a number alone on a line after a letter (M\n2, PM\n2.5), a sub- or
	// superscript that the page lost; it joins the lines on both sides.
	subscript bool
	// inBody: the line holds a sentence and lies between the body's first and last sentence
	// (see markBody); only furniture rules drop it.
	inBody bool
}

type cleaner struct {
	lines []*cleanLine
	rep   CleanReport
	title *cleanLine
	ev    *Evidence
}

// Clean removes the boilerplate that 范文 and document-sharing sites put around a text
// (buttons, membership and copyright notices, navigation, counters, contacts, ratings,
// keyword lists, tables of contents, page numbers, hidden-text markers), rejoins sentences
// that page breaks cut apart, and normalises whitespace. It never rewrites what it keeps:
// the cleaned text is the input minus what the report lists as dropped, up to whitespace.
//
// Besides the phrases sites use, it drops what evidence shows to be a page's furniture: lines
// with contact details or prices, a long run of short menu items, a table of fields about the
// page, short numbered terms before the title, scraps left among furniture at the head or
// tail of the page, and (CleanWith) lines most other documents of the same site repeat.
// A line that holds a sentence is dropped only for a site's own phrases, never for its shape;
// between the body's first and last sentence only for phrases no body uses (版权所有,
// 由会员上传), not for those a body may use too (会员, 下载, 文库, 仅供参考), which mark
// furniture only around the body.
func Clean(raw string) (string, CleanReport) {
	return CleanWith(raw, nil)
}

// CleanWith is Clean with what other documents of the same site or batch say (ev may be nil).
func CleanWith(raw string, ev *Evidence) (string, CleanReport) {
	c := &cleaner{rep: CleanReport{Rules: map[string]int{}}, ev: ev}
	for i, s := range splitLines(raw) {
		c.lines = append(c.lines, &cleanLine{src: i + 1, text: normLine(s)})
	}
	c.splitHidden()
	c.splitInlinePages()
	c.cutDocumentHeaders()
	c.dropTOC()
	c.markBody()
	c.dropStrong()
	c.dropTerms()
	c.findTitle()
	c.dropWeak()
	c.dropRepeated()
	c.dropFields()
	c.dropMenus()
	c.dropDuplicates()
	c.dropContext()
	c.dropOrphans()
	c.dropPageEdges()
	c.carryGaps()
	c.rejoinPages()
	c.trimPrefixes()
	return c.output()
}

// splitLines splits raw text into lines at any line terminator.
func splitLines(raw string) []string {
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	raw = strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
			return '\n'
		}
		return r
	}, raw)
	return strings.Split(raw, "\n")
}

// normLine removes invisible characters (BOM, zero-width, controls), turns every kind of
// space (full-width, NBSP, tab) into one ASCII space and trims the line.
func normLine(s string) string {
	if strings.Contains(s, "?") {
		s = lostSpaceRe.ReplaceAllString(s, "$1 $2")
	}
	if strings.Contains(s, "<U+") {
		s = rEscapeRe.ReplaceAllStringFunc(s, func(m string) string {
			n, _ := strconv.ParseUint(m[3:len(m)-1], 16, 32)
			return string(rune(n))
		})
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			space = true
			continue
		case unicode.Is(unicode.Cf, r) || unicode.IsControl(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// lostSpaceRe is an ASCII "?" between two Chinese characters or marks: a conversion to GBK
// that lost a no-break or full-width space writes it so ("国务院总理?李克强", "各位代表：?").
var lostSpaceRe = regexp.MustCompile(`([\p{Han}：，。；])\?+([\p{Han}]|$)`)

// rEscapeRe is how R writes a character its encoding lacks: <U+00A0>.
var rEscapeRe = regexp.MustCompile(`<U\+[0-9A-Fa-f]{4,5}>`)

// probe is the form rules match against: spaces removed, full-width folded, lower case.
func probe(s string) string {
	return strings.ToLower(width.Fold.String(strings.ReplaceAll(s, " ", "")))
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// record notes a removal.
func (c *cleaner) record(l *cleanLine, col int, text, rule string) {
	if text == "" {
		return
	}
	c.rep.Dropped = append(c.rep.Dropped, DroppedLine{Line: l.src, Col: col, Text: text, Rule: rule})
	c.rep.Rules[rule]++
}

// dropLine removes a whole line.
func (c *cleaner) dropLine(l *cleanLine, rule string) {
	if l.drop != "" || l.text == "" {
		return
	}
	l.drop = rule
	c.record(l, l.off, l.text, rule)
	c.rep.DroppedLines++
}

// cutPrefix removes the first n runes of a kept line.
func (c *cleaner) cutPrefix(l *cleanLine, n int, rule string) {
	rs := []rune(l.text)
	c.record(l, l.off, string(rs[:n]), rule)
	l.off += n
	rest := string(rs[n:])
	trimmed := strings.TrimLeft(rest, " ")
	l.off += len(rest) - len(trimmed)
	l.text = trimmed
}

// cutSuffix removes the last n runes of a kept line.
func (c *cleaner) cutSuffix(l *cleanLine, n int, rule string) {
	rs := []rune(l.text)
	c.record(l, l.off+len(rs)-n, string(rs[len(rs)-n:]), rule)
	l.text = strings.TrimRight(string(rs[:len(rs)-n]), " ")
}

// kept lists the lines still in the text, in order.
func (c *cleaner) kept() []*cleanLine {
	var out []*cleanLine
	for _, l := range c.lines {
		if l.drop == "" && l.text != "" {
			out = append(out, l)
		}
	}
	return out
}

var hiddenRe = regexp.MustCompile(`(?:[….·]\s*)*(?:此处|以下|中间|余下|剩余|其余)(?:内容)?(?:已|被)?(?:隐藏|省略)了?\s*[:：]?\s*(\d+)\s*个?字符?(?:\s*[….·])*`)

// splitHidden cuts "……此处隐藏N个字……" out of its line; the text on either side belongs to
// different places of the original, so the line is split in two and the second half marked as a gap.
func (c *cleaner) splitHidden() {
	var out []*cleanLine
	for _, l := range c.lines {
		locs := hiddenRe.FindAllStringSubmatchIndex(l.text, -1)
		if locs == nil {
			out = append(out, l)
			continue
		}
		cur, curRune := 0, 0
		gap := l.gap
		for _, m := range locs {
			startRune := curRune + runeLen(l.text[cur:m[0]])
			piece := &cleanLine{src: l.src, off: l.off + curRune, text: l.text[cur:m[0]], gap: gap}
			out = append(out, trimPiece(piece))
			c.record(l, l.off+startRune, l.text[m[0]:m[1]], RuleHidden)
			n, _ := strconv.Atoi(l.text[m[2]:m[3]])
			c.rep.HiddenChars += n
			cur, curRune = m[1], startRune+runeLen(l.text[m[0]:m[1]])
			gap = true
		}
		out = append(out, trimPiece(&cleanLine{src: l.src, off: l.off + curRune, text: l.text[cur:], gap: true}))
	}
	c.lines = out
}

func trimPiece(l *cleanLine) *cleanLine {
	t := strings.TrimLeft(l.text, " ")
	l.off += len(l.text) - len(t)
	l.text = strings.TrimRight(t, " ")
	return l
}

var (
	tocHeaderRe = regexp.MustCompile(`^(目录|目次|contents)$|目录$`)
	// tocEntryRe is a table-of-contents entry once its heading number is gone: title, leader, page.
	tocEntryRe = regexp.MustCompile(`^\s*(\S.*?)\s*([.…·．\-—_ ]{2,}|…)?\s*(\d{1,3})$`)
)

// tocEntry parses a table-of-contents line: title, page, whether it had a dotted leader.
func tocEntry(s string) (title string, page int, leader, ok bool) {
	if runeLen(s) > 80 || strings.ContainsAny(s, "。！？") {
		return "", 0, false, false
	}
	if h, ok := ParseHeading(s); ok {
		s = s[h.End:]
	}
	m := tocEntryRe.FindStringSubmatch(s)
	if m == nil {
		return "", 0, false, false
	}
	title = strings.TrimRight(m[1], ".…·．-—_ ")
	if runeLen(title) < 2 || !strings.ContainsFunc(title, isHan) {
		return "", 0, false, false
	}
	page, _ = strconv.Atoi(m[3])
	return title, page, m[2] != "", true
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// dropTOC removes tables of contents: a 目录 line followed by at least two entries ending in
// non-decreasing page numbers, or three or more entries with dotted leaders.
func (c *cleaner) dropTOC() {
	for i := 0; i < len(c.lines); i++ {
		l := c.lines[i]
		if l.text == "" {
			continue
		}
		header := runeLen(l.text) <= 40 && !strings.ContainsAny(l.text, "。！？") && tocHeaderRe.MatchString(probe(l.text))
		var entries []*cleanLine
		var titles []string
		page, leaders := 0, 0
		j := i
		if header {
			j++
		}
		for ; j < len(c.lines); j++ {
			e := c.lines[j]
			if e.text == "" {
				continue
			}
			t, p, lead, ok := tocEntry(e.text)
			if !ok || p < page || e.gap {
				break
			}
			page = p
			if lead {
				leaders++
			}
			entries = append(entries, e)
			titles = append(titles, t)
		}
		if !(header && len(entries) >= 2) && !(leaders >= 3 && leaders == len(entries)) {
			if !header && leaders == 0 && j > i {
				i = j - 1 // no later start in this run can do better
			}
			continue
		}
		if header {
			c.dropLine(l, RuleTOC)
		}
		for _, e := range entries {
			c.dropLine(e, RuleTOC)
		}
		c.rep.Contents = append(c.rep.Contents, titles...)
		i = j - 1
	}
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// lineRule is a rule that drops a line matching re. Triggers, when given, are substrings one
// of which any match contains: they spare running the regular expression on most body lines.
// A furniture rule's phrases are a site's own and nothing else (版权所有, 扫一扫在手机打开): it
// drops a line wherever it is. Any other rule's phrases a body may use too (会员, 下载, 文库,
// 仅供参考): it drops a line that holds a sentence only at the page's edges, never between
// the body's first and last sentence (see markBody).
type lineRule struct {
	name      string
	triggers  []string
	re        *regexp.Regexp
	furniture bool
}

func (r lineRule) match(p string) bool {
	if r.triggers != nil && !slices.ContainsFunc(r.triggers, func(t string) bool { return strings.Contains(p, t) }) {
		return false
	}
	return r.re.MatchString(p)
}

// strongRules are phrases only sites use; they drop a line of any length up to strongMax.
// Triggers list what each needs, see lineRule.
var strongRules = []lineRule{
	// a site's marker of text it hid: 此处隐藏11840个字, ……此处省略部分内容……, not 此处省略的工作
	{RuleHidden, []string{"此处"}, re(`此处(已|被)?(隐藏|省略)了?(部分|若干|全部|剩余|以下|下文|\d|[一二三四五六七八九十百千万]+字|内容|文字|正文|全文|[…。.,，:;；!！]|$)`), true},
	{RuleMembership, []string{"vip", "会员", "剩余下载", "下载次数"},
		re(`开通(vip|超级会员)|开通会员(即可|后|免费|享|可)|vip(专享|特权|免费)|由会员(分享|上传|发布)|会员(免费下载|下载|上传)|剩余下载|下载次数[:：(]`), true},
	// 成为会员 and 会员专享 are a union's too, vip会员 a company's, 下载次数 a library's
	{RuleMembership, []string{"会员", "vip", "下载次数"}, re(`开通会员|成为会员|升级会员|会员(专享|特权|分享)|vip(会员|用户)|免费下载次数`), false},
	{RuleDownload, []string{"下载", "复制"},
		re(`立即下载([^量次]|$)|点击下载([^量次]|$)|一键复制|下载(本文|全文|原文|地址|到电脑|完整版?|word|docx?|pdf|wps)|下载(本|该|此)(篇|文|范文|资料|文件|word|ppt)|(word|docx?|pdf|wps)(文档|版|格式)?下载|下载券`), true},
	// a library's 免费下载, a notice's 下载附件, a bureau's 下载客户端 and 一键下载: the shapes
	// sites use, which a body may too
	{RuleDownload, []string{"下载"}, re(`免费下载|一键下载|下载(文档|附件|客户端|app)`), false},
	{RuleCopyright, []string{"版权", "侵权", "转载", "未经", "禁止", "设计者", "本作品", "本模板", "copyright", "©", "icp", "公网安备", "本站", "作者", "公有领域", "publicdomain", "维基", "wikisource", "知识共享", "creativecommons", "性质的文件", "官方正式译文", "不适用于该法"},
		re(`版权所有|版权归[^属]|版权声明|免责声明|侵权[^。]{0,10}(联系|告知|通知)[^。]{0,12}删除|转载请注明|未经[^。]{0,10}(许可|授权|同意)[^。]{0,6}(不得|禁止|严禁|请勿)[^。]{0,6}(转载|复制|摘编)|禁止商用|设计者仅对|copyright|©|icp备|icp证|公网安备|不代表本站|仅代表作者|公有领域|publicdomain|维基(文库|百科)|wikisource|知识共享|creativecommons|(立法|行政|司法)性质的文件|官方正式译文|不适用于该法|本作品(来自|不适用|属于|采用)|本模板所指`), true},
	// a market regulator's 侵权 and 未经许可擅自使用, a federation's 本作品
	{RuleCopyright, []string{"版权", "侵权", "未经", "作品", "独创性", "本模板"},
		re(`版权归|(如|若)(有|发现|涉及|存在)[^。]{0,8}侵权|侵权[^。]{0,20}(删除|联系)|未经[^。]{0,10}(许可|授权|同意)[^。]{0,10}(转载|复制|摘编)|作品整体效果|独创性部分|本作品(是|来自|不适用|属于|采用|在)|本模板`), false},
	{RuleNavigation, []string{"位置", "首页>", "返回首页", "返回顶部"}, re(`当前位置[:：>]|您的位置|你的位置|你现在的位置|首页>|返回首页|返回顶部`), true},
	{RuleNavigation, []string{"位置", "网站地图"}, re(`当前位置|网站地图`), false},
	{RulePromo, []string{"搜索", "范文", "投稿", "但愿", "希望对", "学习工作", "小编", "【编辑】", "文档", "全文", "word该篇", "珍藏版"},
		re(`搜索到?更多|想要的范文|范文网|投稿推荐|但愿对你|希望对(你|您)[^。]{0,6}(帮助|有用|启发)|对你的学习工作|小编|【编辑】|网站上搜索|分享文档|文档赚钱|全文(共|约)\d+字|word该篇|页珍藏版`), true},
	// a newsroom's 网友投稿 and 写稿任务, a speech's 希望对大家有所启发
	{RulePromo, []string{"投稿", "希望对", "以下是", "网站", "稍作修改", "写稿任务"},
		re(`网友投稿|希望对大家[^。]{0,6}(帮助|有用|启发)|以下是[^。]{0,20}(整理|收集|精心|分享)的|知名网站|稍作修改|写稿任务`), false},
	{RuleMeta, []string{":", "审核编辑"}, re(`(发布|发表|更新|上传|录入|添加)(时间|日期):|审核编辑|责任编辑:|(浏览|阅读|点击)次数:|\d{4}-\d{1,2}-\d{3,4}:\d{2}`), true},
	// a newsroom's 责任编辑, a portal's 浏览次数
	{RuleMeta, []string{"责任编辑", "次数"}, re(`责任编辑|(浏览|阅读|点击)次数`), false},
	// a news agency's dateline (…3月17日电) and a photo's caption (…记者 某某 摄)
	{RuleMeta, []string{"日电", "摄"}, re(`^\S{0,12}\d{1,2}月\d{1,2}日电(\(记者\S{0,12}\))?$|记者\S{2,4}摄\)?$`), true},
	{RuleRating, []string{"★", "☆", "✩", "✪", "✫", "✬", "✭", "✮", "✯", "✰"}, re(`[★☆✩✪✫✬✭✮✯✰]{2,}`), true},
	{RuleRating, []string{"推荐"}, re(`星级推荐|编辑推荐|推荐指数`), false},
	{RuleKeywords, nil, re(`^[-•·*]?(关键词|关键字|标签|tags?|keywords?):`), true},
	{RuleDocSharing, []string{"word", "文档作品", "作品中含有"}, re(`word图标|word讲稿|配套word|文档作品|作品中含有`), true},
	{RuleDocSharing, []string{"ppt"}, re(`如ppt|该ppt|ppt文件`), false},
}

// midRules drop lines of up to midMax runes that do not start with a heading marker.
var midRules = []lineRule{
	{RuleMembership, nil, re(`扫码(下载|领取|阅读)|登录(后|即可)(下载|复制|免费)|积分(下载|不足)|立即充值|充值(会员|vip)`), true},
	// 扫码关注, 扫码登录, 登录后查看, 关注公众号, 积分兑换 and 在线充值 are a body's too
	{RuleMembership, nil, re(`扫码(关注|登录)|登录(后|即可)(查看|阅读)|关注(微信)?公众号|积分兑换(下载|会员|vip)|充值`), false},
	{RuleCopyright, nil, re(`本站(所有|部分|内容|资源|文章|文档|提供|声明|仅|不|收录|整理|均)`), true},
	{RuleNavigation, nil, re(`为(您|你)当前(手机|设备)|上一篇|下一篇|相关(推荐|文章|阅读|范文|文档|搜索|链接)|热门(文章|推荐|范文|搜索|标签)|推荐阅读|猜你喜欢|延伸阅读|最新(文章|范文)|精选范文|查看更多|阅读全文|展开全文|全文阅读|更多(范文|文章|精彩)`), true},
	// a portal's 手机网站 and 热门专题, a body's 点击查看
	{RuleNavigation, nil, re(`(移动|手机)网站|上一页|下一页|热门专题|最新更新|点击(查看|进入|阅读)`), false},
	{RulePromo, nil, re(`供(您|你)参考|欢迎(阅读|借鉴|收藏|下载)|(百度|豆丁|道客|原创力|爱问|新浪)文库|文库(网|首页|频道|专区|vip|下载)|共有\d+个?字|范文(网|大全|精选|模板|下载)`), true},
	// 仅供参考 where a site ends its notice with it (not 仅供参考的办事指南); a library's 在线阅读,
	// a hotline's 在线客服, a notice's pdf格式
	{RulePromo, nil, re(`仅供(学习|大家|您|你)?(参考|借鉴)(使用|学习|之用)?([，。,.!！;；)）]|$)|供大家参考|欢迎(参考|分享|访问)|在线阅读|在线客服|(docx?|word|wps|pdf)格式|范文`), false},
	{RuleMeta, nil, re(`^(作者|来源|编辑|时间|日期|发布|出处|分类|栏目|浏览|阅读):`), true},
	{RuleContact, nil, re(`[\w.+-]+@[\w-]+\.[a-z]{2,}|(^|\D)1[3-9]\d{9}($|\D)|(^|\D)0\d{2,3}-\d{7,8}($|\D)|400-?\d{3}-?\d{4}`), false},
}

var (
	// contactIDRe is a contact label with the number or handle after it: QQ：123456789,
	// 电话 0571-8888…, 微信号 abc_123 (the probe form: lower case, no spaces).
	contactIDRe = re(`(qq|微信|电话|手机|热线|客服|邮箱|传真|联系人|联系方式|tel|e-?mail)(号码?|群)?[:：]?[0-9a-z][0-9a-z_\-@.]{4,}`)
	// priceRe is a price: ¥9.9, 5元/篇, 售价：20.
	priceRe = re(`[¥￥]\d|\d(\.\d+)?元/(篇|份|次|月|年|季|本|套|天)|(售价|原价|现价|价格|定价|优惠价|特价|会员价)[:：][¥￥]?\d`)
	urlRe   = re(`https?://|www\.[a-z0-9-]+\.`)
)

// weakRules drop only short lines (weakMax runes) with no heading marker and no sentence end.
var weakRules = []lineRule{
	{RuleDownload, nil, re(`下载|打印|复制|收藏|分享|转发|关闭窗口|举报|纠错|点赞`), false},
	{RuleMembership, nil, re(`会员|vip|登录|注册|积分|付费`), false},
	{RuleCopyright, nil, re(`版权|声明|侵权|本站`), false},
	{RuleNavigation, nil, re(`首页|尾页|更多|导航|推荐|热门|扫一扫|手机版|电脑版|移动版|当前页|(滑动|拖动)条|可(滑动|拖动)|字体[:：]?[大中小]|返回(首页|顶部|列表|上一页|手机版|电脑版)`), false},
	{RuleContact, nil, re(`qq|微信|客服|电话|手机|邮箱|e-?mail|联系我们|热线|咨询`), false},
	{RuleRating, nil, re(`评分|星级|好评|差评|打分`), false},
}

// scrapRules drop lines of up to midMax runes with no heading marker and no sentence end:
// words a site's scraps hold that a body's sentences hold too (职工书屋文库, 相关专题培训).
var scrapRules = []lineRule{
	{RulePromo, nil, re(`文库`), false},
	{RuleNavigation, nil, re(`相关专题`), false},
	{RuleMembership, nil, re(`积分(兑换|下载)`), false},
}

const (
	midMax  = 80
	weakMax = 30
)

var (
	counterRe      = re(`(阅读|浏览|评论|点赞|收藏|下载|点击|围观|热度|人气)(量|数|次数)?[:(]?\d+|\d+(人|次)(阅读|浏览|看过|已读|收藏|下载|评论)`)
	breadcrumbRe   = re(`[>›»]`)
	pageAloneRe    = re(`^[-—–_~·]*(第)?\d{1,3}(页)?[-—–_~·]*$|^第\d{1,3}页,?共\d{1,3}页$|^\d{1,3}/\d{1,3}$|^page\d{1,3}(of\d{1,3})?$`)
	fileExtRe      = re(`(?i)\.(docx?|wps|pdf|txt|pptx?|xlsx?|rtf)$`)
	fieldLabelRe   = re(`^[-–—•·*][^:]{1,10}:$|^(配套讲稿|特殊限制|温馨提示|特别提示|下载提示|文档说明|资料说明|使用说明):`)
	navHeaderRe    = re(`^(相关|热门|推荐|最新|精选|延伸|猜你|更多)`)
	keywordLabelRe = re(`^[-•·*]?(关键词|关键字|标签|tags?|keywords?):$`)
)

// hasHeadingMarker reports whether s starts with a heading's numbering (see ParseHeading).
func hasHeadingMarker(s string) bool {
	_, ok := ParseHeading(s)
	return ok
}

// terminated reports whether s ends a sentence (closing quotes and brackets aside).
func terminated(s string) bool {
	s = strings.TrimRight(s, " ”’」』）)】\"'")
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune("。！？；!?;…", r)
}

func hasSentenceEnd(s string) bool { return strings.ContainsAny(s, "。！？!?") }

// strongMax bounds the lines strong rules look at: a site's furniture is never this long,
// and running text is not dropped for a phrase inside it.
const strongMax = 160

// strongRule returns the rule a line up to strongMax runes breaks whatever its length, or "".
// A line that holds a sentence inside the body (inBody, see markBody) breaks only furniture rules.
func strongRule(text string, inBody bool) string {
	if len(text) > strongMax && runeLen(text) > strongMax {
		return ""
	}
	p := probe(text)
	// A phrase a body may use drops a line outside the body only if the line is not long.
	phrases := !inBody && runeLen(text) <= midMax
	for _, r := range strongRules {
		if (r.furniture || phrases) && r.match(p) {
			return r.name
		}
	}
	if inBody {
		return "" // the shapes below are not a sentence's
	}
	if !strings.ContainsFunc(p, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return RuleDecoration
	}
	if pageAloneRe.MatchString(p) {
		return RulePageNumber
	}
	if slices.ContainsFunc(counterWords, func(w string) bool { return strings.Contains(p, w) }) && len(counterRe.FindAllString(p, 3)) >= 2 {
		return RuleMeta
	}
	if isNavBar(text) {
		// A bar of buttons (打印 | 收藏 | 复制) is named for what its items do.
		if r := weakRule(text, false); r == RuleDownload || r == RuleMembership {
			return r
		}
		return RuleNavigation
	}
	return ""
}

// navSeparators separate the items of a navigation bar or a breadcrumb.
const navSeparators = "|｜丨>›»/／"

// Navigation bars have at least navBarItems items of at most navItemRunes runes each.
const (
	navBarItems  = 3
	navItemRunes = 8
)

// isNavBar reports whether a line is a site's navigation bar or breadcrumb: at least three
// short items (首页 | 工作总结 | 工作计划), each with a letter, separated by |, ｜, 丨, >, ›, »
// or /, and nothing else. A heading (一、人/财/物) and a date (2022/12/30) are not.
func isNavBar(text string) bool {
	if !strings.ContainsAny(text, navSeparators) || hasHeadingMarker(text) || hasSentenceEnd(text) {
		return false
	}
	items := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(navSeparators, r) })
	n := 0
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		if runeLen(it) > navItemRunes || !strings.ContainsFunc(it, unicode.IsLetter) {
			return false
		}
		n++
	}
	return n >= navBarItems
}

// counterWords are the words counterRe needs.
var counterWords = []string{"阅读", "浏览", "评论", "点赞", "收藏", "下载", "点击", "围观", "热度", "人气", "看过", "已读"}

// weakRule returns the rule a line that is not a title or heading breaks by being short and
// site-like. A line that holds a sentence inside the body (inBody) breaks only furniture rules.
func weakRule(text string, inBody bool) string {
	if hasHeadingMarker(text) {
		return ""
	}
	n := runeLen(text)
	p := probe(text)
	if n <= midMax && inBody {
		for _, r := range midRules {
			if r.furniture && r.match(p) {
				return r.name
			}
		}
		return ""
	}
	if n <= midMax {
		if len(breadcrumbRe.FindAllString(p, 3)) >= 2 && !hasSentenceEnd(p) {
			return RuleNavigation
		}
		if !hasSentenceEnd(text) || len(contactIDRe.FindAllString(p, 2)) == 2 {
			switch {
			case contactIDRe.MatchString(p):
				return RuleContact
			case priceRe.MatchString(p):
				return RulePrice
			case urlRe.MatchString(p):
				return RuleNavigation
			}
		}
		for _, r := range midRules {
			if r.match(p) {
				return r.name
			}
		}
		if !hasSentenceEnd(text) {
			for _, r := range scrapRules {
				if r.match(p) {
					return r.name
				}
			}
		}
	}
	if n <= weakMax && !hasSentenceEnd(text) {
		for _, r := range weakRules {
			if r.match(p) {
				return r.name
			}
		}
		if counterRe.MatchString(p) {
			return RuleMeta
		}
		if fieldLabelRe.MatchString(p) {
			return RuleFieldLabel
		}
	}
	return ""
}

// boilerplateRule returns the rule an isolated line breaks, or "". Titles are not exempt here.
func boilerplateRule(text string) string {
	if r := strongRule(text, false); r != "" {
		return r
	}
	return weakRule(text, false)
}

// quotedTitleRe is a title a line quotes.
var quotedTitleRe = re(`《([^《》]{4,80})》`)

var subscriptRe = re(`^[0-9]{1,3}(\.[0-9]{1,2})?$`)

// markBody marks the lines that hold a sentence (one that ends, or a clause ending in ；)
// from the body's first sentence to its last: lines of bodyRunes runes or more with a
// sentence end that no furniture rule matches, and no other phrase rule either unless they
// state a figure (a site's notices seldom do, a work summary's sentences mostly do). A site
// puts its notices around the body, so a sentence among the body's is the body's unless a
// site's furniture phrase says otherwise.
func (c *cleaner) markBody() {
	bounds := func(l *cleanLine) bool {
		return l.drop == "" && hasSentenceEnd(l.text) && runeLen(l.text) >= bodyRunes && !phraseMatch(l.text, true) &&
			(strings.ContainsFunc(l.text, unicode.IsDigit) || !phraseMatch(l.text, false))
	}
	first := slices.IndexFunc(c.lines, bounds)
	if first < 0 {
		return
	}
	last := len(c.lines) - 1
	for !bounds(c.lines[last]) {
		last--
	}
	for _, l := range c.lines[first : last+1] {
		l.inBody = l.drop == "" && (hasSentenceEnd(l.text) || terminated(l.text))
	}
}

// phraseMatch reports whether a strong or middle rule (only a furniture rule, when furniture)
// can drop text for its phrase: the phrase is in it and it is short enough for the rule.
func phraseMatch(text string, furniture bool) bool {
	n := runeLen(text)
	p := probe(text)
	for _, rs := range []struct {
		rules []lineRule
		max   int
	}{{strongRules, strongMax}, {midRules, midMax}} {
		if n > rs.max {
			continue
		}
		for _, r := range rs.rules {
			if (r.furniture || !furniture) && r.match(p) {
				return true
			}
		}
	}
	return false
}

func (c *cleaner) dropStrong() {
	var prev *cleanLine
	for _, l := range c.lines {
		if l.text == "" {
			continue
		}
		if prev != nil && prev.drop == "" && subscriptRe.MatchString(l.text) {
			if r, _ := utf8.DecodeLastRuneInString(prev.text); isASCIILetter(r) {
				l.subscript = true
			}
		}
		if r := strongRule(l.text, l.inBody); r != "" && !l.subscript {
			c.dropLine(l, r)
			// "《某局2023年工作总结》由会员分享": a site's notice quotes the document's title.
			if m := quotedTitleRe.FindStringSubmatch(l.text); m != nil && c.rep.SiteTitle == "" && r != RuleCopyright {
				if t := titleText(m[1]); titleLike(t) {
					c.rep.SiteTitle = t
				}
			}
		}
		prev = l
	}
}

// opensBody reports whether a line is past where a title can be: it holds a sentence end,
// ends with a colon (各位代表：) or is long.
func opensBody(s string) bool {
	return hasSentenceEnd(s) || strings.HasSuffix(s, "：") || strings.HasSuffix(s, ":") || runeLen(s) >= 100
}

var (
	titleKindRe  = re(`(总结|计划|报告|汇报|材料|要点|思路|打算|安排|方案|讲话|发言|述职|规划|情况|纪要|意见|通知|通报|决定|请示|批复)$`)
	titleDecorRe = re(`^(【[^】]{0,10}】|\[[^\]]{0,10}\])|(范文|范本|精选|大全|模板|[（(](多篇|通用|精选)?\d*篇?[）)])+$`)
)

// titleText strips a file extension and the site's decorations (范文, 精选, (多篇), 【…】) from a title.
func titleText(s string) string {
	s = strings.TrimSpace(fileExtRe.ReplaceAllString(s, ""))
	// "政府工作报告——2016年3月5日在…": the occasion after a dash is not the title's.
	if i := strings.Index(s, "——"); i > 0 && titleKindRe.MatchString(strings.TrimSpace(s[:i])) {
		s = strings.TrimSpace(s[:i])
	}
	for i := 0; i < 3; i++ {
		t := strings.TrimSpace(titleDecorRe.ReplaceAllString(s, ""))
		if t == s {
			break
		}
		s = t
	}
	return s
}

// titleLike reports whether s reads as a document title: short, no sentence punctuation,
// no heading number, ending with a kind of document (总结, 计划, 报告…).
func titleLike(s string) bool {
	if len(s) > 300 {
		return false // 60 runes of 4 bytes, with room for decorations
	}
	t := titleText(s)
	n := runeLen(t)
	if n < 4 || n > 60 || strings.ContainsAny(t, "。！？!?；;，,") || hasHeadingMarker(t) || isNavBar(t) {
		return false
	}
	return titleKindRe.MatchString(t)
}

// findTitle marks the title line (see titleIndex).
func (c *cleaner) findTitle() {
	kept := c.kept()
	texts := make([]string, len(kept))
	for i, l := range kept {
		texts[i] = l.text
	}
	if i := titleIndex(texts); i >= 0 {
		kept[i].title = true
		c.title = kept[i]
	}
}

// titleIndex returns the index of the title among lines, or -1: the first line if it is
// title-like, or one of the next two after short lines such as the organisation's name or
// a date (navigation bars aside); never a line that a continuation ("。会议…") shows to be
// the middle of a sentence.
func titleIndex(lines []string) int {
	skipped := 0 // navigation bars, which do not count as lines before the title
	for i, l := range lines {
		if isNavBar(l) {
			skipped++
			continue
		}
		if titleLike(l) {
			if i+1 < len(lines) && continuesSentence(lines[i+1]) {
				return -1
			}
			return i
		}
		if i-skipped >= 2 || opensBody(l) || runeLen(l) > 20 {
			return -1
		}
	}
	return -1
}

// continuesSentence reports whether a line starts with punctuation that only follows text,
// as lines do where a page broke a sentence around a link or a footnote mark.
func continuesSentence(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("，。、；：,;:）)」』”》！？!?", r)
}

func (c *cleaner) dropWeak() {
	for _, l := range c.kept() {
		if l.title {
			continue
		}
		if r := weakRule(l.text, l.inBody); r != "" {
			c.dropLine(l, r)
		}
	}
}

func compact(s string) string { return strings.ReplaceAll(s, " ", "") }

// dropDuplicates drops the title repeated on a line of its own and file-name lines.
func (c *cleaner) dropDuplicates() {
	var want string
	if c.title != nil {
		want = compact(titleText(c.title.text))
	}
	for _, l := range c.kept() {
		if l.title {
			continue
		}
		switch {
		case want != "" && runeLen(l.text) <= 80 && compact(titleText(l.text)) == want:
			c.dropLine(l, RuleDuplicateTitle)
		case fileExtRe.MatchString(l.text) && runeLen(l.text) <= 80 && !hasSentenceEnd(l.text):
			c.dropLine(l, RuleFileName)
		}
	}
}

// dropContext drops lines that are boilerplate because of the line before them:
// the word list after 关键词, the value after a footer field label, the titles listed under 相关推荐.
func (c *cleaner) dropContext() {
	var prev *cleanLine
	list := false // inside a related-article list
	for _, l := range c.lines {
		if l.text == "" {
			continue
		}
		if l.drop == "" && !l.title && prev != nil && prev.drop != "" && !hasHeadingMarker(l.text) {
			n := runeLen(l.text)
			switch {
			case prev.drop == RuleKeywords && keywordLabelRe.MatchString(probe(prev.text)) && n <= 80 && !hasSentenceEnd(l.text):
				c.dropLine(l, RuleKeywords)
			case prev.drop == RuleFieldLabel && fieldLabelRe.MatchString(probe(prev.text)) && n <= 150:
				c.dropLine(l, RuleFieldLabel)
			case list && n <= 50 && !terminated(l.text):
				c.dropLine(l, RuleNavigation)
			}
		}
		if l.drop == RuleNavigation && runeLen(l.text) <= 20 && navHeaderRe.MatchString(probe(l.text)) {
			list = true
		} else if l.drop == "" {
			list = false
		}
		prev = l
	}
}

// dropOrphans drops runs of at most three short scraps that sit between dropped lines
// (or a dropped line and the edge of the text), such as a site's name under its logo.
func (c *cleaner) dropOrphans() {
	var nonEmpty []*cleanLine
	for _, l := range c.lines {
		if l.text != "" {
			nonEmpty = append(nonEmpty, l)
		}
	}
	orphan := func(l *cleanLine) bool {
		return l.drop == "" && !l.title && runeLen(l.text) <= 15 && !terminated(l.text) && !hasHeadingMarker(l.text)
	}
	for i := 0; i < len(nonEmpty); {
		if !orphan(nonEmpty[i]) {
			i++
			continue
		}
		j := i
		for j < len(nonEmpty) && orphan(nonEmpty[j]) {
			j++
		}
		// Page numbers are part of the text's layout, not of a site's furniture.
		boiler := func(l *cleanLine) bool { return l.drop != "" && l.drop != RulePageNumber }
		before := i == 0 || boiler(nonEmpty[i-1])
		after := j == len(nonEmpty) || boiler(nonEmpty[j])
		dropped := (i > 0 && boiler(nonEmpty[i-1])) || (j < len(nonEmpty) && boiler(nonEmpty[j]))
		if before && after && dropped && j-i <= 3 {
			for _, l := range nonEmpty[i:j] {
				c.dropLine(l, RuleOrphan)
			}
		}
		i = j
	}
}

// carryGaps moves gap and page-break marks from dropped or empty lines to the next kept line.
func (c *cleaner) carryGaps() {
	gap, brk := false, false
	for _, l := range c.lines {
		if l.drop == RulePageNumber {
			brk = true
		}
		if l.drop != "" || l.text == "" {
			gap = gap || l.gap
			continue
		}
		l.gap = l.gap || gap
		l.pageBreak = brk
		gap, brk = false, false
	}
}

var pagePrefixRe = re(`^(\d{1,3})([、]|[.．]([^\d]|$))`)

// minPageRunes is how long a line must be to count as a page that broke mid-sentence;
// unfinished list items ("1、加强组织领导") are shorter.
const minPageRunes = 60

// canJoin reports whether cur (rest: its text without a page number) continues the sentence
// that prev (prevText: its text without a page number) left unfinished at a page break.
func canJoin(prev *cleanLine, prevText string, cur *cleanLine, rest string) bool {
	if prev == nil || cur.gap || prev.title || terminated(prevText) || rest == "" || hasHeadingMarker(rest) {
		return false
	}
	return !(hasHeadingMarker(prevText) && runeLen(prevText) <= 40)
}

// afterPrefix returns s without its first n runes and leading spaces.
func afterPrefix(s string, n int) string {
	rs := []rune(s)
	return strings.TrimLeft(string(rs[n:]), " ")
}

// rejoinPages removes page numbers glued to the first line of a page ("2、元。…") and joins
// pages that broke mid-sentence. A glued number counts as a page number only as part of a
// chain 1, 2, 3… in which most links continue a sentence that the previous line, a page long
// (minPageRunes), left unfinished; so a numbered list is left alone.
func (c *cleaner) rejoinPages() {
	kept := c.kept()
	type member struct {
		idx, num, width int
	}
	var chains [][]member
	open := map[int]int{} // expected next number → chain index
	for i, l := range kept {
		m := pagePrefixRe.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		w := runeLen(m[1]) + 1
		mem := member{i, n, w}
		if ci, ok := open[n]; ok {
			delete(open, n)
			chains[ci] = append(chains[ci], mem)
			open[n+1] = ci
			continue
		}
		chains = append(chains, []member{mem})
		open[n+1] = len(chains) - 1
	}
	strip := map[int]int{} // kept index → runes of page number to strip
	for _, ch := range chains {
		mid := 0
		widths := map[int]int{}
		for _, m := range ch {
			widths[m.idx] = m.width
		}
		joins := func(m member) bool {
			if m.idx == 0 {
				return false
			}
			prev := kept[m.idx-1]
			prevText := afterPrefix(prev.text, widths[m.idx-1])
			return runeLen(prevText) >= minPageRunes && canJoin(prev, prevText, kept[m.idx], afterPrefix(kept[m.idx].text, m.width))
		}
		for _, m := range ch[1:] {
			if joins(m) {
				mid++
			}
		}
		single := len(ch) == 1 && ch[0].num >= 2 && joins(ch[0])
		if (len(ch) >= 2 && mid >= 1 && 2*mid >= len(ch)-1) || single {
			for _, m := range ch {
				strip[m.idx] = m.width
			}
		}
	}
	for i, l := range kept {
		// "一、\n加强组织领导": a heading's number alone on its line goes with its title.
		if i > 0 && markerOnly(kept[i-1].text) && !l.gap && !hasHeadingMarker(l.text) && !markerOnly(l.text) {
			l.join = true
			continue
		}
		if i > 0 && (l.subscript || kept[i-1].subscript && canJoin(kept[i-1], kept[i-1].text, l, l.text)) {
			l.join = true
			continue
		}
		// "…所作的\n政府工作报告\n。会议…": a link or mark the page put on a line of its own.
		if i > 0 && !l.gap && !kept[i-1].title && continuesSentence(l.text) {
			l.join = true
			if b := kept[i-1]; i > 1 && !b.gap && runeLen(b.text) <= 20 && !hasHeadingMarker(b.text) && !terminated(b.text) &&
				canJoin(kept[i-2], kept[i-2].text, b, b.text) {
				b.join = true
			}
			continue
		}
		w, ok := strip[i]
		if ok {
			c.cutPrefix(l, w, RulePageNumber)
		}
		if (ok || l.pageBreak) && i > 0 && canJoin(kept[i-1], kept[i-1].text, l, l.text) {
			l.join = true
		}
	}
}

// markerOnly reports whether a line holds only a heading's number: "一、", "（二）", "第三部分".
func markerOnly(s string) bool {
	m, ok := parseMarker(s, false)
	return ok && m.Kind != MarkerOrdinal && strings.TrimSpace(s[m.End:]) == ""
}

var leadPunctRe = re(`^[。，,、；;：:！？!?）)]+`)

// trimPrefixes removes title copies repeated at the start of a line (page headers of
// document-sharing sites), punctuation orphaned by a cut, and the title's file extension.
func (c *cleaner) trimPrefixes() {
	var variants []string
	if c.title != nil {
		t := fileExtRe.ReplaceAllString(c.title.text, "")
		for _, v := range []string{t, titleText(t)} {
			if runeLen(v) >= 8 {
				variants = append(variants, v)
			}
		}
	}
	for _, l := range c.kept() {
		if l.title {
			if m := fileExtRe.FindString(l.text); m != "" {
				c.cutSuffix(l, runeLen(m), RuleFileName)
			}
			continue
		}
		for cut := true; cut; {
			cut = false
			for _, v := range variants {
				if strings.HasPrefix(l.text, v) && len(l.text) > len(v) {
					c.cutPrefix(l, runeLen(v), RuleDuplicateTitle)
					cut = true
					break
				}
			}
		}
		if !l.join {
			if m := leadPunctRe.FindString(l.text); m != "" {
				c.cutPrefix(l, runeLen(m), RuleFragment)
			}
		}
	}
}

func (c *cleaner) output() (string, CleanReport) {
	sort.SliceStable(c.rep.Dropped, func(i, j int) bool {
		a, b := c.rep.Dropped[i], c.rep.Dropped[j]
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	var out []string
	pendingGap := false
	for _, l := range c.lines {
		pendingGap = pendingGap || l.gap
		if l.drop != "" || l.text == "" {
			continue
		}
		if l.join && len(out) > 0 {
			out[len(out)-1] += l.text
			continue
		}
		out = append(out, l.text)
		if pendingGap {
			c.rep.Gaps = append(c.rep.Gaps, len(out))
		}
		pendingGap = false
	}
	if pendingGap && c.rep.HiddenChars > 0 {
		c.rep.Gaps = append(c.rep.Gaps, len(out)+1)
	}
	if c.rep.DroppedLines > 0 {
		c.rep.warn(WBoilerplate, fmt.Sprintf("已去掉 %d 行网页模板文字（导航、版权声明等）", c.rep.DroppedLines))
	}
	if c.rep.HiddenChars > 0 {
		c.rep.warn(WHiddenText, fmt.Sprintf("网页隐藏了 %d 个字符，已去掉", c.rep.HiddenChars))
	}
	if len(out) > 0 {
		last := out[len(out)-1]
		if runeLen(last) >= 20 && !terminated(last) {
			c.rep.warn(WTruncated, "正文在句子中间结束，网页可能没有显示全文")
		}
	}
	return strings.Join(out, "\n"), c.rep
}

// Evidence is what the other documents of a site or an ingest batch say about lines: how
// many documents hold each short line. A site repeats its furniture on every page; a line
// most of them hold is furniture on a page of the same site that is new to draftd too.
type Evidence struct {
	docs  int
	lines map[string]int // probe form → documents holding it
}

// Lines shorter than repeatedMaxRunes are the ones Evidence counts.
const repeatedMaxRunes = 60

// NewEvidence counts the lines of texts, each the raw text of one document of the same site
// or batch.
func NewEvidence(texts []string) *Evidence {
	ev := &Evidence{docs: len(texts), lines: map[string]int{}}
	for _, t := range texts {
		seen := map[string]bool{}
		for _, l := range splitLines(t) {
			l = normLine(l)
			if l == "" || runeLen(l) > repeatedMaxRunes {
				continue
			}
			k := probe(l)
			if !seen[k] {
				seen[k] = true
				ev.lines[k]++
			}
		}
	}
	return ev
}

// repeated reports whether at least three documents, and half of those counted, hold line.
func (ev *Evidence) repeated(line string) bool {
	if ev == nil || ev.docs < 3 || runeLen(line) > repeatedMaxRunes {
		return false
	}
	n := ev.lines[probe(line)]
	return n >= 3 && 2*n >= ev.docs
}

// mayBeFurniture reports whether a kept line may be dropped for its shape or its
// repetition: not the title, no heading, no sentence, not an address (各位代表：).
func (c *cleaner) mayBeFurniture(l *cleanLine) bool {
	return l.drop == "" && l.text != "" && !l.title && !hasHeadingMarker(l.text) && !hasSentenceEnd(l.text) &&
		!strings.HasSuffix(l.text, "：") && !strings.HasSuffix(l.text, ":") && !strings.HasSuffix(l.text, "；") &&
		!(titleLike(l.text) && runeLen(titleText(l.text)) >= minTitleRunes)
}

// minTitleRunes is how long a title-like line must be to be taken for a document's title wherever
// it stands (below a menu of eight items, say): 工作总结 alone is a menu item, 青禾县水利局2024年工作总结
// a title.
const minTitleRunes = 8

// dropRepeated drops lines most other documents of the same site or batch hold. Between the
// body's first and last sentence it drops only scraps: what a series of one author's documents
// repeats there (全年未发生重大安全生产事故, a clause without its full stop) is text.
func (c *cleaner) dropRepeated() {
	if c.ev == nil {
		return
	}
	kept := c.kept()
	first, last := len(kept), -1
	for i, l := range kept {
		if hasSentenceEnd(l.text) && runeLen(l.text) >= clauseRunes {
			first, last = min(first, i), i
		}
	}
	for i, l := range kept {
		if c.mayBeFurniture(l) && c.ev.repeated(l.text) && !(i > first && i < last && clauseLike(l.text)) {
			c.dropLine(l, RuleRepeated)
		}
	}
}

// clauseRunes is how many Chinese characters make a line a clause (see clauseLike) and a
// line with a sentence end a sentence of the body for dropRepeated.
const clauseRunes = 8

// clauseLike reports whether a line without a sentence end reads as a clause rather than a
// site's scrap: clauseRunes Chinese characters or more, and besides them only digits, letters
// and the punctuation of running text (no spaces, colons, separators of menus or links).
func clauseLike(s string) bool {
	han := 0
	for _, r := range s {
		switch {
		case isHan(r):
			han++
		case unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("，、“”‘’《》（）()%.．·", r):
		default:
			return false
		}
	}
	return han >= clauseRunes
}

var (
	// fieldRe is a field of a page's table about itself: a short label, a colon, a value.
	fieldRe = re(`^\p{Han}{2,6}[:：]`)
	// titleFieldRe is the field that names the page's document.
	titleFieldRe = re(`^(名称|标题|题名|文件名称|文章标题)[:：]\s*(.+)$`)
)

// Tables of fields have at least minFields lines of at most fieldMaxRunes runes.
const (
	minFields     = 3
	fieldMaxRunes = 60
)

// dropFields drops a page's table of fields about itself (索引号：…, 发布机构：…, 成文日期：…):
// minFields or more consecutive short "label：value" lines with no sentence. A field that
// names the document gives SiteTitle.
func (c *cleaner) dropFields() {
	kept := c.kept()
	field := func(l *cleanLine) bool {
		return l.drop == "" && !hasHeadingMarker(l.text) && !hasSentenceEnd(l.text) &&
			runeLen(l.text) <= fieldMaxRunes && fieldRe.MatchString(strings.TrimSpace(l.text))
	}
	for i := 0; i < len(kept); {
		j := i
		for j < len(kept) && field(kept[j]) {
			j++
		}
		if j-i >= minFields {
			for _, l := range kept[i:j] {
				if m := titleFieldRe.FindStringSubmatch(l.text); m != nil && c.rep.SiteTitle == "" {
					c.rep.SiteTitle = titleText(strings.TrimSpace(m[2]))
				}
				if l.title { // "名称：某局2023年工作总结" looked like a title, but it is a field
					l.title, c.title = false, nil
				}
				c.dropLine(l, RuleFields)
			}
		}
		i = max(j, i+1)
	}
}

// Menus are runs of at least minMenuItems items of at most menuItemRunes runes.
const (
	minMenuItems  = 8
	menuItemRunes = 15
	minYearItems  = 3
)

var yearItemRe = re(`^[12]\d{3}年?$`)

// dropMenus drops a site's menus: a run of minMenuItems or more short items with no
// punctuation but 、 (lines already dropped do not break a run), or minYearItems or more
// years alone on their lines (an archive's year list).
func (c *cleaner) dropMenus() {
	var kept []*cleanLine
	for _, l := range c.lines {
		if l.text != "" {
			kept = append(kept, l)
		}
	}
	item := func(l *cleanLine) bool {
		return l.drop != "" || c.mayBeFurniture(l) && runeLen(l.text) <= menuItemRunes && !strings.ContainsAny(l.text, "，,：:；;。")
	}
	for i := 0; i < len(kept); {
		j, items, years := i, 0, 0
		for j < len(kept) && item(kept[j]) {
			if kept[j].drop == "" {
				items++
				if yearItemRe.MatchString(kept[j].text) {
					years++
				}
			}
			j++
		}
		if items >= minMenuItems || years >= minYearItems {
			for _, l := range kept[i:j] {
				if l.drop == "" && (items >= minMenuItems || yearItemRe.MatchString(l.text)) {
					c.dropLine(l, RuleMenu)
				}
			}
		}
		i = max(j, i+1)
	}
}

// termsMaxRunes bounds a site's numbered term before the title.
const termsMaxRunes = 80

// dropTerms drops a run of two or more short numbered lines (a site's terms of use) that
// comes before the document's title, when a title follows them within three lines.
func (c *cleaner) dropTerms() {
	kept := c.kept()
	k := 0
	for k < len(kept) && runeLen(kept[k].text) <= termsMaxRunes {
		h, ok := ParseHeading(kept[k].text)
		if !ok || h.Kind < MarkerNum {
			break
		}
		k++
	}
	if k < 2 {
		return
	}
	texts := make([]string, 0, len(kept)-k)
	for _, l := range kept[k:] {
		texts = append(texts, l.text)
	}
	if titleIndex(texts) < 0 {
		return
	}
	for _, l := range kept[:k] {
		c.dropLine(l, RuleTerms)
	}
}

// bodyRunes is how long a line with a sentence end must be to count as the body's.
const bodyRunes = 20

// edgeScrapRunes bounds the scraps dropPageEdges takes for furniture.
const edgeScrapRunes = 30

var signatureRe = re(`(政府|委员会|管委会|办公室|办公厅|局|厅|部|院|中心|公司|党委|党组|支部|工委|协会|联合会|学校|医院)$|^[12]\d{3}年\d{1,2}月\d{1,2}日$`)

// dropPageEdges drops the scraps left between a page's furniture before the body's first
// sentence and after its last one: short lines with no sentence that are neither a
// signature (an organisation, a date) nor the title, when at least minEdgeDrops lines of
// that edge were dropped as furniture. A page with no body sentence at all is furniture
// throughout, signatures included.
func (c *cleaner) dropPageEdges() {
	const minEdgeDrops = 3
	var nonEmpty []*cleanLine
	for _, l := range c.lines {
		if l.text != "" {
			nonEmpty = append(nonEmpty, l)
		}
	}
	isBody := func(l *cleanLine) bool {
		return l.drop == "" && hasSentenceEnd(l.text) && runeLen(l.text) >= bodyRunes
	}
	first, last := -1, -1
	for i, l := range nonEmpty {
		if isBody(l) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	scrap := func(l *cleanLine, noBody bool) bool {
		return c.mayBeFurniture(l) && runeLen(l.text) <= edgeScrapRunes && (noBody || !signatureRe.MatchString(l.text))
	}
	edge := func(ls []*cleanLine, noBody bool) {
		drops := 0
		for _, l := range ls {
			if l.drop != "" && l.drop != RulePageNumber && l.drop != RuleTOC {
				drops++
			}
		}
		if drops < minEdgeDrops {
			return
		}
		for _, l := range ls {
			if scrap(l, noBody) {
				c.dropLine(l, RulePageTail)
			}
		}
	}
	if first < 0 {
		edge(nonEmpty, true)
		return
	}
	edge(nonEmpty[:first], false)
	edge(nonEmpty[last+1:], false)
}

// inlinePageRe is a page number printed between dashes that a text without line breaks
// keeps in the middle of a sentence: "…团员—3—先进性…".
var inlinePageRe = regexp.MustCompile(`[—－]\s?\d{1,3}\s?[—－]`)

// splitInlinePages cuts page numbers between dashes and official documents' distribution
// notices out of the middle of lines; the two halves of the line are joined again.
func (c *cleaner) splitInlinePages() {
	var out []*cleanLine
	for _, l := range c.lines {
		type span struct {
			m    []int
			rule string
		}
		var keep []span
		for _, m := range inlinePageRe.FindAllStringIndex(l.text, -1) {
			before, _ := utf8.DecodeLastRuneInString(l.text[:m[0]])
			after, _ := utf8.DecodeRuneInString(l.text[m[1]:])
			// mid-text, and not a range of figures (2020—2025) or a dash of punctuation (——)
			if m[0] > 0 && m[1] < len(l.text) && !isDigitRune(before) && !isDigitRune(after) && before != '—' && after != '—' {
				keep = append(keep, span{m, RulePageNumber})
			}
		}
		// An official document's distribution notice, （此件不公开发布…）, mid-text.
		for _, m := range docNoticeRe.FindAllStringIndex(l.text, -1) {
			if m[0] > 0 && m[1] < len(l.text) {
				keep = append(keep, span{m, RuleCopyright})
			}
		}
		sort.Slice(keep, func(i, j int) bool { return keep[i].m[0] < keep[j].m[0] })
		if keep == nil {
			out = append(out, l)
			continue
		}
		cur, curRune := 0, 0
		join := l.join
		for _, sp := range keep {
			m := sp.m
			if m[0] < cur {
				continue
			}
			startRune := curRune + runeLen(l.text[cur:m[0]])
			out = append(out, &cleanLine{src: l.src, off: l.off + curRune, text: l.text[cur:m[0]], gap: l.gap && cur == 0, join: join})
			c.record(l, l.off+startRune, l.text[m[0]:m[1]], sp.rule)
			cur, curRune = m[1], startRune+runeLen(l.text[m[0]:m[1]])
			join = true
		}
		out = append(out, &cleanLine{src: l.src, off: l.off + curRune, text: l.text[cur:], join: true})
	}
	c.lines = out
}

var (
	// docHeaderRe is an official document's header at the start of a line: the issuer's
	// banner (某某局文件, 内部事项) up to the document number (〔2021〕5号) and the signer.
	docHeaderRe = regexp.MustCompile(`^[^。！？]{0,60}?文件\s*[^。！？\s]{0,16}[〔\[［(（][12]\d{3}[〕\]］)）]\s*\d{1,4}\s*号(\s*签发人[:：]\s*(?:[Xx×＊*]{1,4}|\p{Han}{2,3}))?`)
	// distributionRe is an official document's distribution list.
	distributionRe = regexp.MustCompile(`^(分发|抄送|发送|报送)[:：]`)
	// docBannerRe is the handling mark an official document's header starts with.
	docBannerRe = regexp.MustCompile(`^(普通事项|内部事项|内部资料|特急|加急|特提|平急)\s*`)
	// docNoticeRe is an official document's distribution notice: （此件不公开发布，…）.
	docNoticeRe = regexp.MustCompile(`[（(]此件[^）)]{0,120}[）)]`)
)

// docFooterRunes bounds the footer after a distribution notice that the notice takes along.
const docFooterRunes = 200

// cutDocumentHeaders cuts an official document's header (issuer, document number, signer)
// from the start of a line that goes on with the document, and its distribution notice
// (（此件不公开发布…）, with the distribution list after it) from the end of a line, as
// texts that lost their line breaks keep them.
func (c *cleaner) cutDocumentHeaders() {
	for _, l := range c.lines {
		if m := docBannerRe.FindString(l.text); m != "" && runeLen(l.text)-runeLen(m) >= bodyRunes {
			c.cutPrefix(l, runeLen(m), RuleMeta)
		}
		if m := docHeaderRe.FindString(l.text); m != "" && runeLen(l.text)-runeLen(m) >= bodyRunes {
			if i := strings.Index(m, "文件"); i > 0 && c.rep.Issuer == "" {
				c.rep.Issuer = strings.TrimSpace(m[:i])
			}
			c.cutPrefix(l, runeLen(m), RuleMeta)
		}
		if loc := docNoticeRe.FindStringIndex(l.text); loc != nil && loc[0] > 0 && loc[1] == len(l.text) {
			c.cutSuffix(l, runeLen(l.text[loc[0]:]), RuleCopyright)
		}
		// "分发：班子成员…" left after a distribution notice: its distribution list.
		if runeLen(l.text) <= docFooterRunes && distributionRe.MatchString(l.text) {
			c.dropLine(l, RuleMeta)
		}
	}
}
