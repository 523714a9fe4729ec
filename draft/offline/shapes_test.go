package offline

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// shapeFigures are figure kinds as writers and templates label them: nouns, verb phrases, changes,
// rates with targets, counts with previous values. Fictional.
var shapeFigures = []draft.Figure{
	{Label: "家庭医生签约率", Unit: "%", Previous: "68.5"},
	{Label: "签约率提高", Unit: "个百分点"},
	{Label: "完成改扩建", Unit: "所"},
	{Label: "新建村卫生室", Unit: "所", Previous: "9"},
	{Label: "门诊量", Unit: "万人次", Previous: "3.2"},
	{Label: "开展义诊", Unit: "次"},
	{Label: "投入资金", Unit: "万元", Target: "500"},
	{Label: "培训医务人员", Unit: "人次", Previous: "1200"},
	{Label: "孕产妇死亡率下降", Unit: "个百分点"},
	{Label: "健康档案建档率", Unit: "%", Target: "90"},
	{Label: "床位数", Unit: "张", Previous: "860", Target: "900"},
	{Label: "受益群众", Unit: "人"},
	{Label: "门诊人次增长", Unit: "%"},
	{Label: "累计救治大病患者", Unit: "人"},
	{Label: "发放宣传资料", Unit: "份"},
}

// shapePassages hold frames a retrieved passage may lend, some of them shaped badly. Fictional.
var shapePassages = []string{
	"全县累计完成改扩建卫生院8所，新建村卫生室为20所，家庭医生签约率达到71.2%，签约率提高为3个百分点。",
	"全年开展义诊活动120次，投入资金共计300万元，培训医务人员达到1500人次，受益群众共3.5万人。",
	"门诊量为4.1万人次，比上期增长6.3%，床位数达到920张，比上期增加40张，完成目标的102.2%。",
	"健康档案建档率为88.6%，比上期提高1.2个百分点，孕产妇死亡率下降为2个百分点，发放宣传资料共计2万份。",
	"全区xx所卫生院完成改造，投入资金xx万元，累计救治大病患者xx人。",
}

// brokenShapes are the known broken shapes of a drafted figure (values substituted).
var brokenShapes = map[string]*regexp.Regexp{
	"a change said with 为":  regexp.MustCompile(`(?:提高|提升|增长|增加|下降|降低|减少)(?:为|是|达到|达)[0-9]`),
	"an action said with 为": regexp.MustCompile(`(?:完成|新建|建成|开展|改扩建|改造|培训|救治|发放)[^，。；、：]{0,10}(?:为|是)[0-9]`),
	"a doubled unit":        regexp.MustCompile(`[0-9](?:个百分点个百分点|%%|万元万元|人次人次|万人次万人次|所所|人人|次次|张张|份份)`),
	"比上期 on a target":       regexp.MustCompile(`比上期[^，。；]{0,6}(?:完成目标|高于目标|低于目标)|目标比上期`),
}

// shapeSet is the nth generated figure set: four to eight figure kinds with invented values.
func shapeSet(n int) []draft.Figure {
	var figs []draft.Figure
	k := 4 + n%5
	for i := range k {
		f := shapeFigures[(n*7+i*3)%len(shapeFigures)]
		f.ID = fmt.Sprintf("f%d", i+1)
		f.Value = fmt.Sprint(10 + (n*13+i*29)%90)
		if f.Unit == "%" || strings.HasSuffix(f.Unit, "百分点") {
			f.Value = fmt.Sprintf("%d.%d", 50+(n+i)%49, (n*3+i)%10)
		}
		figs = append(figs, f)
	}
	return figs
}

var shapeHeadings = []string{"一、基层医疗服务能力持续提升", "（二）扎实推进公共卫生服务", "二、存在的问题", "三、下一步工作计划", "健康扶贫"}

// TestNoBrokenShapes drafts every generated figure set with every heading and passage mix and
// checks that no known broken shape appears; it reports the share of sections that borrowed a frame.
func TestNoBrokenShapes(t *testing.T) {
	sections, borrowed := 0, 0
	found := map[string]int{}
	for n := range 60 {
		figs := shapeSet(n)
		var ps []retrieval.Result
		for i, text := range shapePassages {
			if (n+i)%3 != 0 {
				ps = append(ps, retrieval.Result{PassageID: fmt.Sprint(i), Text: text, Placeholders: strings.Contains(text, "xx")})
			}
		}
		for _, h := range shapeHeadings {
			req := draft.SectionRequest{Title: "云栖县卫生健康局2025年工作总结", Organization: "云栖县卫生健康局", Period: "2025年", Heading: h, Passages: ps}
			for _, f := range figs {
				req.Figures = append(req.Figures, f)
				req.Figures = append(req.Figures, draft.Derive(f)...)
			}
			out, err := Writer{}.Write(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			text := out.Text
			for _, f := range req.Figures {
				text = strings.ReplaceAll(text, draft.Token(f.ID), f.Text())
			}
			sections++
			if borrowedFrames(req) > 0 {
				borrowed++
			}
			for name, re := range brokenShapes {
				if m := re.FindString(text); m != "" {
					found[name]++
					if found[name] <= 3 {
						t.Errorf("%s: %q in %s", name, m, text)
					}
				}
			}
		}
	}
	t.Logf("%d sections, %d (%.0f%%) with at least one borrowed frame, broken shapes %v", sections, borrowed, 100*float64(borrowed)/float64(sections), found)
}

// borrowedFrames counts the figures of req stated in a frame fitted from a passage.
func borrowedFrames(req draft.SectionRequest) int {
	cs := clauses(req.Passages)
	used := make([]bool, len(cs))
	n := 0
	for _, g := range groups(req.Figures) {
		if g.fig.Derived {
			continue
		}
		if _, ok := fit(g.fig, cs, used); ok {
			n++
		}
	}
	return n
}
