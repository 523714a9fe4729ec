package retrieval

import (
	"regexp"
	"sort"
	"strconv"

	"golang.org/x/text/width"
)

// orgKinds maps keywords to the kind of organisation that writes about them, most specific first.
var orgKinds = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"医疗保障", re(`医保|医疗保障`)},
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
	{"纪检监察", re(`纪委|监委|纪检|监察`)},
	{"党委", re(`组织部|宣传部|统战部|党委|党工委`)},
	{"政府", re(`人民政府|政府工作|县政府|市政府|区政府|省政府|镇政府|乡政府|街道办|国务院|乡镇`)},
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
}

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
	title = width.Fold.String(title)
	text = width.Fold.String(text)
	opening := text
	if rs := []rune(text); len(rs) > openingRunes {
		opening = string(rs[:openingRunes])
	}
	m := Meta{OrgKind: detectOrg(title, text), Kind: detectKind(title)}
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

func detectOrg(title, text string) string {
	for _, o := range orgKinds {
		if o.re.MatchString(title) {
			return o.kind
		}
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

func detectKind(s string) string {
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
