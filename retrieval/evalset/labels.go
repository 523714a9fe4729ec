package evalset

import (
	"strings"
	"unicode/utf8"

	"github.com/draftd/draftd/retrieval"
)

// Topic is a subject that government work reports treat in a section of its
// own, described by the words that name such a section and by the words its
// text is dense with.
type Topic struct {
	Name string
	// Heading words: a passage whose own heading or lead phrase contains one is about the topic.
	Heading []string
	// Terms: the topic's vocabulary, counted for the density rule.
	Terms []string
}

// Query is a search a writer would type, and the topic that makes a passage an answer to it.
type Query struct {
	Text  string
	Topic string
}

// Topics are the parallel sections of the provincial and State Council reports.
var Topics = []Topic{
	{
		Name:    "经济增长",
		Heading: []string{"经济运行", "经济增长", "稳增长", "经济稳定增长", "宏观调控", "宏观政策", "预期目标"},
		Terms:   []string{"生产总值", "经济增长", "增长速度", "稳增长", "宏观调控", "经济运行", "预期目标", "财政政策", "货币政策", "赤字率", "国债", "专项债", "逆周期"},
	},
	{
		Name:    "就业",
		Heading: []string{"就业"},
		Terms:   []string{"就业", "失业", "高校毕业生", "农民工", "稳岗", "职业技能培训", "技能培训", "创业", "用工", "零工", "劳动者"},
	},
	{
		Name:    "医疗卫生",
		Heading: []string{"医疗", "卫生", "健康中国", "医保", "医院", "疾控", "医药", "公共卫生"},
		Terms:   []string{"医疗", "医保", "医院", "卫生", "健康", "疾病", "疾控", "药品", "医药", "诊疗", "医联体", "医共体", "中医", "医生", "医务", "公共卫生", "看病"},
	},
	{
		Name:    "教育",
		Heading: []string{"教育", "学校", "高校"},
		Terms:   []string{"教育", "学校", "学生", "教师", "高校", "义务教育", "职业教育", "学前", "幼儿园", "高等教育", "双减", "课程", "办学", "学科", "育人"},
	},
	{
		Name:    "生态环境",
		Heading: []string{"生态", "环境保护", "环境治理", "污染", "绿色发展", "绿色低碳", "美丽中国", "碳达峰", "低碳", "节能减排"},
		Terms:   []string{"生态", "环境", "污染", "排放", "大气", "水质", "碳达峰", "碳中和", "低碳", "节能", "减排", "河湖", "森林", "草原", "湿地", "保护修复", "空气质量", "蓝天", "碧水", "净土", "固体废物"},
	},
	{
		Name:    "科技创新",
		Heading: []string{"科技", "创新驱动", "科技创新", "研发", "创新能力", "创新体系", "人才"},
		Terms:   []string{"科技", "研发", "实验室", "科研", "技术攻关", "核心技术", "成果转化", "高新技术", "科技型企业", "基础研究", "创新平台", "人才", "科学家", "原始创新"},
	},
	{
		Name:    "乡村振兴",
		Heading: []string{"乡村", "农业", "农村", "三农", "粮食", "脱贫"},
		Terms:   []string{"农业", "农村", "农民", "乡村", "粮食", "耕地", "农田", "种业", "脱贫", "帮扶", "农产品", "村庄", "集体经济", "畜牧", "渔业"},
	},
	{
		Name:    "住房",
		Heading: []string{"住房", "房地产", "住有所居", "城市更新", "安居"},
		Terms:   []string{"住房", "房地产", "保障性", "租赁住房", "城中村", "老旧小区", "棚户区", "保交楼", "房价", "公积金", "商品房", "安居", "加装电梯", "危房"},
	},
	{
		Name:    "社会保障",
		Heading: []string{"社会保障", "养老", "社保", "兜底", "救助", "一老一小", "托育"},
		Terms:   []string{"养老", "社会保障", "社保", "养老保险", "低保", "社会救助", "老年", "托育", "残疾人", "兜底", "养老金", "老龄", "困难群众", "特困", "孤儿"},
	},
	{
		Name:    "对外开放",
		Heading: []string{"开放", "外贸", "外资", "一带一路", "自贸"},
		Terms:   []string{"外贸", "外资", "出口", "进口", "开放", "自贸", "一带一路", "跨境", "口岸", "关税", "进出口", "利用外资", "国际合作", "海关", "综合保税区"},
	},
	{
		Name:    "消费",
		Heading: []string{"消费", "内需"},
		Terms:   []string{"消费", "内需", "以旧换新", "零售", "购物", "文旅", "旅游", "夜间经济", "消费品", "商圈", "餐饮", "购买力"},
	},
	{
		Name:    "安全应急",
		Heading: []string{"安全生产", "应急", "防灾", "减灾", "公共安全"},
		Terms:   []string{"安全生产", "应急", "防灾", "减灾", "隐患", "事故", "消防", "防汛", "抗旱", "自然灾害", "危化品", "救援", "食品安全", "地质灾害", "燃气"},
	},
}

// Queries are short searches of the kind a writer types while drafting, three or four per topic.
var Queries = []Query{
	{"全年地区生产总值增长目标", "经济增长"},
	{"宏观调控政策加力稳增长", "经济增长"},
	{"经济运行总体平稳稳中有进", "经济增长"},
	{"高校毕业生就业", "就业"},
	{"城镇新增就业和调查失业率", "就业"},
	{"稳岗扩岗和职业技能培训", "就业"},
	{"农民工返乡创业就业帮扶", "就业"},
	{"城乡居民医保财政补助标准提高", "医疗卫生"},
	{"分级诊疗和紧密型医联体建设", "医疗卫生"},
	{"公共卫生体系和疾病预防控制", "医疗卫生"},
	{"基层医疗卫生服务能力", "医疗卫生"},
	{"义务教育优质均衡发展", "教育"},
	{"职业教育产教融合", "教育"},
	{"学前教育普惠性幼儿园", "教育"},
	{"高等教育双一流建设", "教育"},
	{"大气污染防治和空气质量改善", "生态环境"},
	{"碳达峰碳中和绿色低碳转型", "生态环境"},
	{"河湖长制和水环境治理", "生态环境"},
	{"山水林田湖草沙一体化保护修复", "生态环境"},
	{"关键核心技术攻关", "科技创新"},
	{"科技成果转化和企业研发投入", "科技创新"},
	{"建设重点实验室和创新平台", "科技创新"},
	{"引进培育高层次科技人才", "科技创新"},
	{"粮食生产和高标准农田建设", "乡村振兴"},
	{"巩固拓展脱贫攻坚成果同乡村振兴有效衔接", "乡村振兴"},
	{"农村人居环境整治和和美乡村建设", "乡村振兴"},
	{"农民增收和农村集体经济", "乡村振兴"},
	{"保障性住房建设和城中村改造", "住房"},
	{"老旧小区改造加装电梯", "住房"},
	{"房地产市场平稳健康发展", "住房"},
	{"基本养老保险和养老金待遇调整", "社会保障"},
	{"社区居家养老服务和老年助餐", "社会保障"},
	{"最低生活保障和社会救助兜底", "社会保障"},
	{"普惠托育服务体系", "社会保障"},
	{"稳外贸稳外资", "对外开放"},
	{"自由贸易试验区制度型开放", "对外开放"},
	{"共建一带一路国际合作", "对外开放"},
	{"跨境电商外贸新业态", "对外开放"},
	{"提振消费和以旧换新", "消费"},
	{"文旅消费和服务消费新场景", "消费"},
	{"扩大内需促进消费升级", "消费"},
	{"安全生产专项整治和隐患排查", "安全应急"},
	{"防汛抗旱和自然灾害应急救援", "安全应急"},
	{"应急管理体系和防灾减灾能力", "安全应急"},
}

// Rule thresholds (see Judge).
const (
	// MinDensity is the topic-term occurrences per 100 characters a paragraph needs.
	MinDensity = 1.5
	// MinDistinct is how many different topic terms a dense paragraph must use.
	MinDistinct = 3
	// minDense is the shortest paragraph the density rule reads; shorter ones are headings or fragments.
	minDense = 40
	// leadMax is the longest first sentence still read as a paragraph's run-in heading.
	leadMax = 30
)

// Judge returns the names of the topics passage p is about. Passages are
// section-sized and often hold several paragraphs on different subjects, so p
// is about a topic when one of its paragraphs (lines of its text) is:
//
//  1. Run-in heading: the paragraph opens with a short sentence (at most 30
//     characters, as in "着力稳定和扩大就业。…") that contains one of the
//     topic's heading words, and the paragraph uses the topic's terms at least
//     twice.
//  2. Density: the paragraph has at least 40 characters, the topic's terms
//     occur in it at least MinDensity times per 100 characters, at least
//     MinDistinct different ones, and no other topic is denser in it. This
//     catches paragraphs without a run-in heading, such as "一是…二是…".
//  3. Heading: p's deepest heading contains one of the topic's heading words
//     and p's text uses the topic's terms at least twice. Outer headings are
//     ignored ("（九）…民生建设" covers jobs, pensions, health and housing
//     alike), and the term check drops headings that promise more than the
//     text holds ("四、协调推动经济稳定增长和结构优化" over a paragraph on
//     basic research).
//
// The rule reads only the passage, never the queries, so keyword and vector
// search are judged by the same labels.
func Judge(p retrieval.Passage) []string {
	var out []string
	add := func(name string) {
		if !contains(out, name) {
			out = append(out, name)
		}
	}
	for _, para := range strings.Split(p.Text, "\n") {
		para = strings.TrimSpace(para)
		if lead := leadPhrase(para); lead != "" {
			for _, t := range Topics {
				if containsAny(lead, t.Heading) {
					if count, _ := termCount(para, t); count >= 2 {
						add(t.Name)
					}
				}
			}
		}
		for _, name := range densest(para) {
			add(name)
		}
	}
	if n := len(p.HeadingPath); n > 0 {
		for _, t := range Topics {
			if containsAny(p.HeadingPath[n-1], t.Heading) {
				if count, _ := termCount(p.Text, t); count >= 2 {
					add(t.Name)
				}
			}
		}
	}
	return out
}

// densest returns the topics that pass the density rule in para: the densest one, or several when tied.
func densest(para string) []string {
	chars := float64(utf8.RuneCountInString(para))
	if chars < minDense {
		return nil
	}
	best, names := 0.0, []string(nil)
	for _, t := range Topics {
		count, distinct := termCount(para, t)
		d := float64(count) * 100 / chars
		switch {
		case d < MinDensity || distinct < MinDistinct:
		case d > best:
			best, names = d, []string{t.Name}
		case d == best:
			names = append(names, t.Name)
		}
	}
	return names
}

// termCount returns how often t's terms occur in text and how many of them do.
func termCount(text string, t Topic) (count, distinct int) {
	for _, term := range t.Terms {
		if c := strings.Count(text, term); c > 0 {
			count += c
			distinct++
		}
	}
	return count, distinct
}

// leadPhrase returns the first sentence of a paragraph when it is short enough to be a run-in heading.
func leadPhrase(para string) string {
	i := strings.IndexAny(para, "。：:！")
	if i <= 0 || utf8.RuneCountInString(para[:i]) > leadMax {
		return ""
	}
	return para[:i]
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
