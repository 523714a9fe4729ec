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

// claimsDraft has a generated sentence with a supported number, an unsupported ranking and an
// unsupported trend, after a character outside the Basic Multilingual Plane, and one whose claim
// is markup.
func claimsDraft() *Draft {
	ranking := "“位居全市第一”是排名或首创说法，撰稿人没有提供，请核实或删除。"
	trend := "“增长较快”是变化的说法，数据没有说明如何变化，请核实。"
	return &Draft{Title: "𠮷祥镇2025年上半年工作总结", Status: StatusReady, Sections: []Section{{Heading: "粮食生产", Status: StatusReady, Sentences: []Sentence{
		{ID: "s1-1", Text: "𠮷祥镇夏粮总产9.8万吨，单产位居全市第一，增长较快。", Generated: true, Risk: RiskHigh, Figures: []string{"f1"},
			Reasons: []string{ranking, "与参考资料《青山县总结》高度重合（80%），请改写或核实。"},
			Claims: []Claim{
				{Start: 7, End: 12, Text: "9.8万吨", Kind: "number", Supported: true, Figure: "f1", Reason: "撰稿人提供的数据"},
				{Start: 15, End: 21, Text: "位居全市第一", Kind: "ranking", Reason: ranking},
				{Start: 22, End: 26, Text: "增长较快", Kind: "trend", Reason: trend},
			}},
		{ID: "s1-2", Text: "详见<a href=x>链接</a>。", Generated: true, Risk: RiskHigh, Reasons: []string{"含有网页标记。"},
			Claims: []Claim{{Start: 2, End: 18, Text: "<a href=x>链接</a>", Kind: "nonprose", Reason: "含有网页标记。"}}},
	}}}}
}

func TestClaimsAreMarkedInExports(t *testing.T) {
	html, err := HTML(claimsDraft())
	if err != nil {
		t.Fatal(err)
	}
	md := string(Markdown(claimsDraft()))
	tests := []struct {
		name, out string
		want      []string
		not       []string
	}{
		{"HTML marks an unsupported ranking as high, titled with its reason", string(html),
			[]string{`单产<mark class="claim claim-high" data-kind="ranking" title="排名：“位居全市第一”是排名或首创说法，撰稿人没有提供，请核实或删除。">位居全市第一</mark>，`}, nil},
		{"HTML marks an unsupported trend as medium", string(html),
			[]string{`<mark class="claim claim-medium" data-kind="trend" title="变化：“增长较快”是变化的说法，数据没有说明如何变化，请核实。">增长较快</mark>。</span>`}, nil},
		{"HTML leaves a supported number unmarked", string(html),
			[]string{`<span class="s-high" title="高风险：“位居全市第一”`, `">𠮷祥镇夏粮总产9.8万吨，单产<mark`}, []string{`>9.8万吨</mark>`}},
		{"HTML escapes markup inside a mark", string(html),
			[]string{`<mark class="claim claim-high" data-kind="nonprose" title="非正文：含有网页标记。">&lt;a href=x&gt;链接&lt;/a&gt;</mark>`}, []string{"<a href=x>"}},
		{"Markdown puts the words of unsupported claims in bold inside the sentence's mark", md,
			[]string{"==𠮷祥镇夏粮总产9.8万吨，单产**位居全市第一**，**增长较快**。==[^s1-1]", "==详见**&lt;a href\\=x&gt;链接&lt;/a&gt;**。==[^s1-2]"}, []string{"<a href"}},
		{"Markdown's footnote gives each claim with its reason, and the other reasons once", md,
			[]string{"[^s1-1]: 高风险：与参考资料《青山县总结》高度重合（80%），请改写或核实。**位居全市第一**（排名）“位居全市第一”是排名或首创说法，撰稿人没有提供，请核实或删除。**增长较快**（变化）“增长较快”是变化的说法，数据没有说明如何变化，请核实。\n",
				"[^s1-2]: 高风险：**&lt;a href\\=x&gt;链接&lt;/a&gt;**（非正文）含有网页标记。\n"}, nil},
		{"the plain text has no marks", string(Text(claimsDraft())),
			[]string{"𠮷祥镇夏粮总产9.8万吨，单产位居全市第一，增长较快。详见<a href=x>链接</a>。"}, []string{"mark", "**"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.want {
				if !strings.Contains(tt.out, w) {
					t.Errorf("output lacks %s\n%s", w, tt.out)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(tt.out, w) {
					t.Errorf("output has %s\n%s", w, tt.out)
				}
			}
		})
	}
}

func TestSegments(t *testing.T) {
	rank := func(start, end int, text string) Claim {
		return Claim{Start: start, End: end, Text: text, Kind: "ranking", Reason: "r"}
	}
	tests := []struct {
		name   string
		text   string
		claims []Claim
		want   string // segments joined by |, marked ones in []
	}{
		{"a sentence without claims is one plain segment", "享受政策36239人。", nil, "享受政策36239人。"},
		{"offsets count characters, not bytes or UTF-16 units", "𠮷祥镇位居全市第一。", []Claim{rank(3, 9, "位居全市第一")}, "𠮷祥镇|[位居全市第一]|。"},
		{"a supported claim is not marked", "全县第一。", []Claim{{Start: 0, End: 4, Text: "全县第一", Kind: "ranking", Supported: true}}, "全县第一。"},
		{"a claim at either end leaves no empty segment", "位居全市第一", []Claim{rank(0, 6, "位居全市第一")}, "[位居全市第一]"},
		{"overlapping claims share one segment", "获评全国先进单位。", []Claim{rank(2, 8, "全国先进单位"), {Start: 0, End: 4, Text: "获评全国", Kind: "honour", Reason: "h"}}, "[获评全国先进单位]|。"},
		{"adjacent claims stay apart", "全市第一全省前列", []Claim{rank(4, 8, "全省前列"), rank(0, 4, "全市第一")}, "[全市第一]|[全省前列]"},
		{"a claim whose offsets miss its words marks the one place they occur", "经修改后位居全市第一。", []Claim{rank(0, 6, "位居全市第一")}, "经修改后|[位居全市第一]|。"},
		{"a claim whose words occur twice or nowhere is not marked", "第一，第一。", []Claim{rank(4, 6, "第一"), rank(0, 2, "首位")}, "第一，第一。"},
		{"offsets out of range are ignored", "第一。", []Claim{{Start: 2, End: 9, Kind: "ranking"}, {Start: -1, End: 1, Kind: "ranking"}}, "第一。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, sg := range (Sentence{Text: tt.text, Claims: tt.claims}).Segments() {
				if len(sg.Claims) > 0 {
					got = append(got, "["+sg.Text+"]")
				} else {
					got = append(got, sg.Text)
				}
			}
			if g := strings.Join(got, "|"); g != tt.want {
				t.Errorf("segments = %s, want %s", g, tt.want)
			}
		})
	}
	t.Run("a segment of a number and a trend is high, of a trend alone medium", func(t *testing.T) {
		both := Segment{Claims: []Claim{{Kind: "trend"}, {Kind: "number"}}}
		if both.Risk() != RiskHigh || (Segment{Claims: []Claim{{Kind: "trend"}}}).Risk() != RiskMedium || both.Kinds() != "trend number" {
			t.Errorf("risk %s, kinds %q", both.Risk(), both.Kinds())
		}
	})
}
