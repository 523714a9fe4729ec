package draft

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func renderDraft() *Draft {
	return &Draft{Title: "青禾县2025年上半年工作总结", Sections: []Section{
		{Heading: "健康扶贫", Status: StatusReady, Sentences: []Sentence{
			{ID: "s1-1", Text: "巩固拓展健康扶贫成果。", Generated: false, Risk: RiskLow},
			{ID: "s1-2", Text: "享受政策36239人。", Generated: true, Risk: RiskLow, Reasons: []string{"只陈述撰稿人提供的数据。"}},
			{ID: "s1-3", Text: "<script>alert(1)</script>位居全市第一。", Generated: true, Risk: RiskHigh, Reasons: []string{"排名说法"}},
			{ID: "s1-4", Text: "已被驳回的句子。", Generated: true, Risk: RiskMedium, Review: Review{Decision: DecisionRejected}},
		}},
		{Heading: "公共卫生", Status: StatusFailed, Error: "模型超时"},
	}}
}

func TestHTML(t *testing.T) {
	out, err := HTML(renderDraft())
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	t.Run("model text is escaped, never markup", func(t *testing.T) {
		if strings.Contains(s, "<script>alert") || !strings.Contains(s, "&lt;script&gt;") {
			t.Fatal("script not escaped")
		}
	})
	t.Run("generated sentences are highlighted by risk with their reasons", func(t *testing.T) {
		if !strings.Contains(s, `<span class="s-low" title="低风险：只陈述撰稿人提供的数据。">享受政策36239人。</span>`) || !strings.Contains(s, `class="s-high"`) {
			t.Fatal(s)
		}
	})
	t.Run("the writer's own text is not highlighted", func(t *testing.T) {
		if strings.Contains(s, `">巩固拓展`) {
			t.Fatal("user text highlighted")
		}
	})
	t.Run("a rejected sentence is left out", func(t *testing.T) {
		if strings.Contains(s, "已被驳回") {
			t.Fatal("rejected sentence rendered")
		}
	})
	t.Run("the legend counts sentences by risk and a failed section says why", func(t *testing.T) {
		if !strings.Contains(s, "低风险 1 句") || !strings.Contains(s, "高风险 1 句") || !strings.Contains(s, "本部分生成失败：模型超时") {
			t.Fatal(s)
		}
	})
}

func TestMarkdown(t *testing.T) {
	s := string(Markdown(renderDraft()))
	if !strings.Contains(s, "==享受政策36239人。==[^s1-2]") || !strings.Contains(s, "[^s1-3]: 高风险：排名说法") {
		t.Fatal(s)
	}
	if !strings.Contains(s, "## 一、健康扶贫") || !strings.Contains(s, "巩固拓展健康扶贫成果。==") {
		t.Fatal(s)
	}
	if strings.Contains(s, "<script>") || strings.Contains(s, "已被驳回") {
		t.Fatal("markup not escaped")
	}
}

func TestChineseOrdinal(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{
		{1, "一"}, {9, "九"}, {10, "十"}, {11, "十一"}, {20, "二十"}, {35, "三十五"}, {99, "九十九"}, {100, "100"},
	} {
		t.Run(tt.want+" is written for "+strconv.Itoa(tt.n), func(t *testing.T) {
			if got := ChineseOrdinal(tt.n); got != tt.want {
				t.Errorf("ChineseOrdinal(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

// figuresDraft is a ready draft whose input has a figure with a previous value and a target.
func figuresDraft() *Draft {
	in := &Figures{Title: "青禾县2025年上半年工作总结", Sections: []SectionInput{{Heading: "项目建设", Figures: []Figure{
		{ID: "f5", Label: "完成投资", Value: "226.7", Unit: "万元", Previous: "200", Target: "300"},
	}}}}
	return &Draft{Title: in.Title, Input: in, Sections: []Section{{Heading: "项目建设", Status: StatusReady, Sentences: []Sentence{
		{ID: "s1-1", Text: "完成投资226.7万元，增长13.4%。", Generated: true, Risk: RiskLow, Figures: []string{"f5", "f5.growth"}},
	}}}}
}

func TestSectionFiguresAreShownToReviewers(t *testing.T) {
	growthRule := "（226.7−200）÷200×100%≈13.4%，四舍五入保留一位小数"
	t.Run("the draft JSON lists each section's figures, derived ones with their rule", func(t *testing.T) {
		b, err := json.Marshal(figuresDraft())
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Sections []struct {
				Figures []SectionFigure `json:"figures"`
			} `json:"sections"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		want := []SectionFigure{
			{ID: "f5", Label: "完成投资", Value: "226.7", Unit: "万元", Text: "226.7万元", Origin: OriginWriter},
			{ID: "f5.change", Label: "完成投资比上期增加", Value: "26.7", Unit: "万元", Text: "26.7万元", Origin: OriginDerived, DerivedFrom: "f5", Rule: "226.7−200=26.7万元"},
			{ID: "f5.growth", Label: "完成投资比上期增长", Value: "13.4", Unit: "%", Text: "13.4%", Origin: OriginDerived, DerivedFrom: "f5", Rule: growthRule},
			{ID: "f5.completion", Label: "完成投资完成目标", Value: "75.6", Unit: "%", Text: "75.6%", Origin: OriginDerived, DerivedFrom: "f5", Rule: "226.7÷300×100%≈75.6%，四舍五入保留一位小数"},
			{ID: "f5.previous", Label: "完成投资（上期）", Value: "200", Unit: "万元", Text: "200万元", Origin: OriginPrevious, DerivedFrom: "f5", Rule: "撰稿人填写的上期数"},
			{ID: "f5.target", Label: "完成投资（目标）", Value: "300", Unit: "万元", Text: "300万元", Origin: OriginTarget, DerivedFrom: "f5", Rule: "撰稿人填写的目标数"},
		}
		if len(got.Sections) != 1 || !reflect.DeepEqual(got.Sections[0].Figures, want) {
			t.Errorf("figures = %+v\nwant %+v", got.Sections, want)
		}
	})
	t.Run("a draft without input has an empty list of figures, not null", func(t *testing.T) {
		d := figuresDraft()
		d.Input = nil
		b, _ := json.Marshal(d)
		if !strings.Contains(string(b), `"figures":[]`) || strings.Contains(string(b), `"figures":null`) {
			t.Errorf("json = %s", b)
		}
	})
	t.Run("the Markdown export lists the figures with how derived ones were computed", func(t *testing.T) {
		s := string(Markdown(figuresDraft()))
		if !strings.Contains(s, "数据来源") || !strings.Contains(s, "| f5.growth | 完成投资比上期增长 | 13.4% | 由f5计算：（226.7−200）÷200×100%≈13.4%，四舍五入保留一位小数 |") ||
			!strings.Contains(s, "| f5 | 完成投资 | 226.7万元 | 撰稿人提供 |") {
			t.Error(s)
		}
	})
	t.Run("the HTML export lists the figures with how derived ones were computed", func(t *testing.T) {
		out, err := HTML(figuresDraft())
		if err != nil {
			t.Fatal(err)
		}
		if s := string(out); !strings.Contains(s, "<caption>数据来源</caption>") || !strings.Contains(s, "<td>13.4%</td><td>由f5计算：（226.7−200）÷200×100%≈13.4%，四舍五入保留一位小数</td>") {
			t.Error(s)
		}
	})
}
