package retrieval

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/width"
)

// orgKinds maps keywords to the kind of organisation that writes about them, most specific first.
var orgKinds = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"医疗保障", re(`医保|医疗保障|医疗保险`)},
	{"卫生健康", re(`卫生|卫健|健康委|医院|医疗|疾控|疾病预防|妇幼|计划生育|计生`)},
	{"教育", re(`教育|教体|学校|中学|小学|大学|学院|幼儿园|教研`)},
	{"公安", re(`公安|派出所|警`)},
	{"财政", re(`财政`)},
	{"税务", re(`税务`)},
	{"民政", re(`(^|[^人])民政`)},
	{"人力资源社会保障", re(`人社|人力资源|社会保障|社保`)},
	{"自然资源", re(`自然资源|国土`)},
	{"生态环境", re(`生态环境|环保|环境保护`)},
	{"住房城乡建设", re(`住建|住房和城乡建设|城乡建设|建设局`)},
	{"交通运输", re(`交通|公路|运输`)},
	{"农业农村", re(`农业|农村|农委|乡村振兴|畜牧|林业`)},
	{"水利", re(`水利|水务`)},
	{"应急管理", re(`应急管理|安监|安全生产`)},
	{"市场监管", re(`市场监管|市场监督|工商|食药监`)},
	{"文化旅游", re(`文旅|文化|旅游|广电|体育`)},
	{"统计", re(`统计局`)},
	{"审计", re(`审计`)},
	{"政法", re(`司法|法院|检察|政法`)},
	{"纪检监察", re(`纪委|监委|纪检|监察|纪律检查`)},
	{"群团", re(`共青团|团委|团工委|机关团|工会|妇联|妇女联合会|残联|科协`)},
	{"党委", re(`组织部|宣传部|统战部|党委|党工委|^中共\S{0,24}委员会$`)},
	{"政府", re(`人民政府|政府工作|县政府|市政府|区政府|省政府|镇政府|乡政府|街道办|国务院|乡镇|管理委员会|管委会`)},
	{"企业", re(`公司|集团|企业`)},
}

var (
	// authorRes find who wrote a document: the government a report speaks for (我代表…),
	// the issuer of an official document (某某局文件, 某某局关于…的报告).
	authorRes = []*regexp.Regexp{
		re(`我代表([^，。、；\s]{1,24})`),
		re(`^\s*([^\s，。：:；]{2,30}?)文件`),
		re(`([^\s，。：:；、“”《》]{2,30}?)关于[^。]{2,80}?的(报告|汇报|通知|意见|请示|总结|方案|决定|通报)`),
	}
	// signatureRe is an organisation signing at a document's end.
	authorSignatureRe = re(`^[\p{Han}（）()]{2,30}(人民政府|政府|委员会|管委会|办公室|办公厅|局|厅|部|院|中心|公司|党委|党组|工委)$`)
)

// authorLines is how many lines at a document's end may hold its signature.
const authorLines = 4

// detectAuthor returns the kind of the organisation that wrote text, as its opening
// (我代表…, 某某局文件, 某某局关于…) or its signature names it, or "".
func detectAuthor(opening, text string) string {
	var names []string
	for _, r := range authorRes {
		if m := r.FindStringSubmatch(opening); m != nil {
			names = append(names, m[1])
		}
	}
	lines := splitLines(strings.TrimSpace(text))
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-authorLines; i-- {
		if l := strings.TrimSpace(lines[i]); authorSignatureRe.MatchString(l) {
			names = append(names, l)
		}
	}
	for _, n := range names {
		for _, o := range orgKinds {
			if o.re.MatchString(n) {
				return o.kind
			}
		}
	}
	return ""
}

var (
	yearRe      = re(`(?:^|[^0-9])([12][0-9]{3})\s*年`)
	yearRangeRe = re(`(?:^|[^0-9])([12][0-9]{3})\s*[-—–~至到]\s*([12][0-9]{3})\s*年`)
)

// periods maps period expressions to the period they name, in the order they are tried.
var periods = []struct {
	period string
	re     *regexp.Regexp
}{
	{"前三季度", re(`前三季度|1\s*[-—–~至到]\s*9\s*月|一至九月`)},
	{"第一季度", re(`第一季度|一季度|1\s*[-—–~至到]\s*3\s*月|一至三月`)},
	{"第二季度", re(`第二季度|二季度|4\s*[-—–~至到]\s*6\s*月|四至六月`)},
	{"第三季度", re(`第三季度|三季度|7\s*[-—–~至到]\s*9\s*月|七至九月`)},
	{"第四季度", re(`第四季度|四季度|10\s*[-—–~至到]\s*12\s*月|十至十二月`)},
	{"下半年", re(`下半年|7\s*[-—–~至到]\s*12\s*月|七至十二月`)},
	{"上半年", re(`上半年|半年|1\s*[-—–~至到]\s*6\s*月|一至六月`)},
	{"全年", re(`全年|年度|年终|1\s*[-—–~至到]\s*12\s*月|一年来|一年以来`)},
}

var (
	monthRangeRe = re(`(?:^|[^0-9])(\d{1,2})\s*[-—–~至到]\s*(\d{1,2})\s*月`)
	monthRe      = re(`(?:^|[^0-9-])(\d{1,2})\s*月份?(工作)?(总结|计划|汇报|报告|要点)`)
)

// kinds maps the words that name a document's kind to the kind.
var kinds = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"总结", re(`总结`)},
	{"计划", re(`计划|打算|思路|规划|安排`)},
	{"汇报", re(`汇报`)},
	{"要点", re(`要点`)},
	{"报告", re(`报告|述职`)},
	{"讲话", re(`讲话|发言`)},
	{"方案", re(`方案`)},
	{"通知", re(`通知|通报`)},
	{"意见", re(`意见`)},
}

// officialKindRe is the kind an official title ends with: 关于《…方案》落实情况的汇报 is 汇报.
var officialKindRe = re(`^关于.*的(报告|汇报|通知|通报|意见|总结|方案|要点|计划|讲话)$`)

// issuedKindRe is a notice that issues a document: 关于印发2021年计量工作安排的通知 is a 计划.
var issuedKindRe = re(`^关于(印发|转发|下发)(.+)的通知$`)

// How much of the text DetectMeta reads when the title says nothing: the opening for years,
// period and kind, more for the organisation, whose words it counts.
const (
	openingRunes = 300
	orgRunes     = 3000
)

// DetectMeta guesses a document's organisation kind, years, period and kind, from its title
// first and from its text (the opening of it, for years, period and kind) when the title is silent.
// Years are the 4-digit years 1949–2100 written with 年 (20xx年 is not a year). When neither
// title nor opening names a period, a title like "2023年工作总结" means the whole year
// (but "2021-2025年规划" does not).
func DetectMeta(title, text string) Meta {
	return detectMeta(title, text, "")
}

// detectMeta is DetectMeta with the issuer an official document's header named (Clean
// removes the header; see CleanReport.Issuer), which tells the organisation before the text.
func detectMeta(title, text, issuer string) Meta {
	title = width.Fold.String(title)
	text = width.Fold.String(text)
	opening := text
	if rs := []rune(text); len(rs) > openingRunes {
		opening = string(rs[:openingRunes])
	}
	m := Meta{OrgKind: detectOrg(title, issuer, opening, text), Kind: detectKind(title)}
	if m.Kind == "" {
		m.Kind = detectKind(opening)
	}
	if m.Years = detectYears(title); m.Years == nil {
		m.Years = detectYears(opening)
	}
	if m.Period = detectPeriod(title); m.Period == "" {
		m.Period = detectPeriod(opening)
	}
	if m.Period == "" && m.Kind != "" && detectYears(title) != nil && !yearRangeRe.MatchString(title) {
		m.Period = "全年"
	}
	return m
}

// detectOrg returns the kind of organisation a document is by: the first kind its title
// names, else its issuer's, else the kind of its author (detectAuthor), else the kind whose
// words the start of its text uses most.
func detectOrg(title, issuer, opening, text string) string {
	for _, s := range []string{title, issuer} {
		for _, o := range orgKinds {
			if s != "" && o.re.MatchString(s) {
				return o.kind
			}
		}
	}
	if a := detectAuthor(opening, text); a != "" {
		return a
	}
	if rs := []rune(text); len(rs) > orgRunes {
		text = string(rs[:orgRunes])
	}
	best, bestN := "", 0
	for _, o := range orgKinds {
		if n := len(o.re.FindAllStringIndex(text, -1)); n > bestN {
			best, bestN = o.kind, n
		}
	}
	return best
}

// detectKind returns the kind of document s names: the ending of an official title
// (关于…的汇报), else the kind named first.
func detectKind(s string) string {
	if m := issuedKindRe.FindStringSubmatch(s); m != nil {
		if k := detectKind(m[2]); k != "" {
			return k
		}
	}
	if m := officialKindRe.FindStringSubmatch(s); m != nil {
		return detectKind(m[1])
	}
	best, at := "", len(s)+1
	for _, k := range kinds {
		if loc := k.re.FindStringIndex(s); loc != nil && loc[0] < at {
			best, at = k.kind, loc[0]
		}
	}
	return best
}

func detectYears(s string) []int {
	set := map[int]bool{}
	add := func(y string) {
		if n, _ := strconv.Atoi(y); n >= 1949 && n <= 2100 {
			set[n] = true
		}
	}
	for _, m := range yearRangeRe.FindAllStringSubmatch(s, -1) {
		add(m[1])
		add(m[2])
	}
	for _, m := range yearRe.FindAllStringSubmatch(s, -1) {
		add(m[1])
	}
	if len(set) == 0 {
		return nil
	}
	var ys []int
	for y := range set {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

func detectPeriod(s string) string {
	for _, p := range periods {
		if p.re.MatchString(s) {
			return p.period
		}
	}
	if m := monthRangeRe.FindStringSubmatch(s); m != nil {
		return m[1] + "-" + m[2] + "月"
	}
	if m := monthRe.FindStringSubmatch(s); m != nil {
		return m[1] + "月"
	}
	return ""
}
