package draft

import (
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
