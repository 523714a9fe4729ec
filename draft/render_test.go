package draft

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/retrieval"
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

func TestHeading(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		heading string
		want    string
	}{
		{"a heading without a number is numbered by its place", 2, "公共卫生", "二、公共卫生"},
		{"a writer's 一、 is replaced, not repeated", 1, "一、健康扶贫", "一、健康扶贫"},
		{"a writer's number that disagrees with the place gives way to it", 3, "一、健康扶贫", "三、健康扶贫"},
		{"（二） goes", 2, "（二）公共卫生", "二、公共卫生"},
		{"(2) with half-width brackets and a space goes", 2, "(2) 公共卫生", "二、公共卫生"},
		{"1. goes", 1, "1. 健康扶贫", "一、健康扶贫"},
		{"1、 goes", 1, "1、健康扶贫", "一、健康扶贫"},
		{"a full-width １． goes", 1, "１．健康扶贫", "一、健康扶贫"},
		{"第一部分 goes with its space", 1, "第一部分 总体情况", "一、总体情况"},
		{"第二章 goes with its ideographic space", 2, "第二章　主要成效", "二、主要成效"},
		{"第四， goes", 4, "第四，下一步打算", "四、下一步打算"},
		{"① goes", 1, "①重点工作", "一、重点工作"},
		{"the 1. of a decimal stays", 1, "1.5万亩高标准农田建设", "一、1.5万亩高标准农田建设"},
		{"the 第一 of 第一产业 stays", 1, "第一产业发展", "一、第一产业发展"},
		{"surrounding space goes", 1, "  健康扶贫 ", "一、健康扶贫"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Heading(tt.n, tt.heading); got != tt.want {
				t.Errorf("Heading(%d, %q) = %q, want %q", tt.n, tt.heading, got, tt.want)
			}
		})
	}
}

// paragraph builds sentences from texts; a text in [brackets] is a rejected sentence.
func paragraph(texts ...string) []Sentence {
	out := make([]Sentence, len(texts))
	for i, s := range texts {
		out[i] = Sentence{ID: "s" + strconv.Itoa(i+1), Text: s, Generated: true}
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			out[i].Text = s[1 : len(s)-1]
			out[i].Review.Decision = DecisionRejected
		}
	}
	return out
}

func joined(xs []Sentence) string {
	var b strings.Builder
	for _, x := range xs {
		b.WriteString(x.Text)
	}
	return b.String()
}

func TestRejectedSentencesLeaveAGrammaticalParagraph(t *testing.T) {
	tests := []struct {
		name  string
		texts []string
		want  string
	}{
		{"nothing rejected, nothing changes", []string{"一是A；", "二是B；", "三是C。"}, "一是A；二是B；三是C。"},
		{"a rejected last item leaves the one before ending with 。", []string{"一是A；", "二是B；", "[三是C。]"}, "一是A；二是B。"},
		{"a rejected middle item keeps the enumeration's ；", []string{"一是A；", "[二是B；]", "三是C。"}, "一是A；三是C。"},
		{"a rejected run that ended a sentence ends the one before", []string{"一是A；", "[二是B。]", "此外，C。"}, "一是A。此外，C。"},
		{"a rejected first sentence leaves the rest as they were", []string{"[A。]", "B；", "C。"}, "B；C。"},
		{"a comma left at the end becomes 。", []string{"A，", "[B。]"}, "A。"},
		{"a colon left at the end becomes 。", []string{"主要做了以下工作：", "[一是B。]"}, "主要做了以下工作。"},
		{"a mark before a closing quote is mended inside it", []string{"要求“做到位；”", "[B。]"}, "要求“做到位。”"},
		{"text with no mark at the end gets 。 after its closing quote", []string{"开展“三清一改”", "[B。]"}, "开展“三清一改”。"},
		{"a final ！ or ？ stays", []string{"A！", "[B。]"}, "A！"},
		{"two marks meeting at a join become the stronger", []string{"A；", "[B；]", "，C。"}, "A；C。"},
		{"a stronger mark after a join wins", []string{"A，", "；C。"}, "A；C。"},
		{"a lone mark left after a rejected sentence goes", []string{"A。", "[B]", "。"}, "A。"},
		{"the paragraph never starts with a mark", []string{"[A]", "，B。"}, "B。"},
		{"all rejected leaves nothing", []string{"[A。]", "[B。]"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := paragraph(tt.texts...)
			before := joined(in)
			if got := joined(mend(in)); got != tt.want {
				t.Errorf("mend(%q) = %q, want %q", tt.texts, got, tt.want)
			}
			if joined(in) != before {
				t.Error("mend changed the draft's own sentences")
			}
		})
	}
	t.Run("a claim after a removed mark keeps its words", func(t *testing.T) {
		in := paragraph("A；", "[B；]", "，单产位居全市第一。")
		in[2].Claims = []Claim{{Start: 3, End: 9, Text: "位居全市第一", Kind: "ranking", Reason: "r"}}
		out := mend(in)
		c := out[1].Claims[0]
		if c.Start != 2 || c.End != 8 || c.Text != "位居全市第一" || in[2].Claims[0].Start != 3 {
			t.Fatalf("claim %+v, original %+v", c, in[2].Claims[0])
		}
		if segs := out[1].Segments(); len(segs) != 3 || segs[1].Text != "位居全市第一" {
			t.Errorf("segments %+v", segs)
		}
	})
	t.Run("a claim on the mended mark keeps its span", func(t *testing.T) {
		in := paragraph("增长较快；", "[B。]")
		in[0].Claims = []Claim{{Start: 0, End: 5, Text: "增长较快；", Kind: "trend"}}
		if c := mend(in)[0].Claims[0]; c.Start != 0 || c.End != 5 || c.Text != "增长较快。" {
			t.Errorf("claim %+v", c)
		}
	})
}

func TestSignature(t *testing.T) {
	tests := []struct {
		name      string
		d         Draft
		org, date string
	}{
		{"the organisation and the day created, in China's time zone", Draft{Organization: "青禾县卫生健康局", Period: "2025年上半年", CreatedAt: time.Date(2025, 6, 30, 20, 0, 0, 0, time.UTC)}, "青禾县卫生健康局", "2025年7月1日"},
		{"the period when the day is not known", Draft{Organization: "青禾县卫生健康局", Period: "2025年上半年"}, "青禾县卫生健康局", "2025年上半年"},
		{"no organisation, no line for it", Draft{CreatedAt: time.Date(2025, 12, 9, 2, 0, 0, 0, time.UTC)}, "", "2025年12月9日"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if org, date := tt.d.Signature(); org != tt.org || date != tt.date {
				t.Errorf("Signature() = %q, %q; want %q, %q", org, date, tt.org, tt.date)
			}
		})
	}
}

// approvedRenderDraft is an approved draft whose headings carry their writer's numbers, with a
// rejected last item and a claim on an approved sentence, and figures to list.
func approvedRenderDraft() *Draft {
	at := time.Date(2025, 7, 1, 2, 0, 0, 0, time.UTC)
	approved := Review{Decision: DecisionApproved, By: "王审核", At: &at}
	d := figuresDraft()
	d.Organization, d.Period, d.CreatedAt, d.Status = "青禾县发展和改革局", "2025年上半年", at, StatusApproved
	d.Sections = []Section{
		{Index: 0, Heading: "一、项目建设", Status: StatusReady, Sentences: []Sentence{
			{ID: "s1-1", Text: "全县项目建设稳步推进。", Risk: RiskLow},
			{ID: "s1-2", Text: "一是完成投资226.7万元；", Generated: true, Risk: RiskLow, Figures: []string{"f5"}, Reasons: []string{"只陈述撰稿人提供的数据。"}, Review: approved},
			{ID: "s1-3", Text: "二是增速位居全市第一。", Generated: true, Risk: RiskHigh, Reasons: []string{"排名说法"}, Review: Review{Decision: DecisionRejected, By: "王审核", At: &at}},
		}},
		{Index: 1, Heading: "（二）下一步打算", Status: StatusReady, Sentences: []Sentence{
			{ID: "s2-1", Text: "下半年将加快项目进度，增长较快。", Generated: true, Risk: RiskMedium, Reasons: []string{"定性表述"}, Review: approved,
				Claims: []Claim{{Start: 11, End: 15, Text: "增长较快", Kind: "trend", Reason: "变化说法"}}},
		}},
		{Index: 2, Heading: "3. 存在问题", Status: StatusReady, Sentences: []Sentence{
			{ID: "s3-1", Text: "部分项目前期工作滞后。", Generated: true, Risk: RiskMedium, Reasons: []string{"定性表述"}, Review: approved},
		}},
	}
	return d
}

func TestCleanExports(t *testing.T) {
	d := approvedRenderDraft()
	html, err := CleanHTML(d)
	if err != nil {
		t.Fatal(err)
	}
	md, err := CleanMarkdown(d)
	if err != nil {
		t.Fatal(err)
	}
	txt, err := CleanText(d)
	if err != nil {
		t.Fatal(err)
	}
	marked, err := HTML(d)
	if err != nil {
		t.Fatal(err)
	}
	body := []string{"一、项目建设", "全县项目建设稳步推进。一是完成投资226.7万元。", "二、下一步打算", "下半年将加快项目进度，增长较快。", "三、存在问题", "部分项目前期工作滞后。", "青禾县发展和改革局", "2025年7月1日"}
	tests := []struct {
		name string
		out  string
		want []string // in this order
		not  []string
	}{
		{"clean HTML reads title, headings once, mended paragraphs and the 落款, in order", string(html),
			append([]string{"<h1>青禾县2025年上半年工作总结</h1>"}, body...),
			[]string{"<mark", "<span", "class=\"legend\"", "风险", "数据来源", "<table", "title=", "位居全市第一", "一、一、", "1. ", "（二）", "s-low"}},
		{"clean HTML puts the 落款 after the body, right-aligned", string(html),
			[]string{"部分项目前期工作滞后。</p>", `<div class="signature"><p>青禾县发展和改革局</p><p>2025年7月1日</p></div>`}, nil},
		{"clean Markdown has no marks, footnotes or figures", string(md),
			append([]string{"# 青禾县2025年上半年工作总结\n\n## 一、项目建设\n\n"}, body[1:]...),
			[]string{"==", "**", "[^", "---", "数据来源", "|", "风险", "位居全市第一", "## 一、一、", "## 1."}},
		{"clean Markdown ends with the 落款, a paragraph a line", string(md),
			[]string{"部分项目前期工作滞后。\n\n青禾县发展和改革局\n\n2025年7月1日\n"}, nil},
		{"clean text is title, headings, paragraphs and 落款", string(txt),
			[]string{"青禾县2025年上半年工作总结\n\n一、项目建设\n全县项目建设稳步推进。一是完成投资226.7万元。\n\n二、下一步打算\n下半年将加快项目进度，增长较快。\n\n三、存在问题\n部分项目前期工作滞后。\n\n青禾县发展和改革局\n2025年7月1日\n"}, nil},
		{"the marked HTML numbers headings once too and keeps its marks and figures", string(marked),
			[]string{"class=\"legend\"", "<h2>一、项目建设</h2>", "数据来源", "<h2>二、下一步打算</h2>", `<mark class="claim claim-medium"`, "<h2>三、存在问题</h2>", `<div class="signature">`}, []string{"一、一、", "1. 一、", "（二）"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := 0
			for _, w := range tt.want {
				i := strings.Index(tt.out[at:], w)
				if i < 0 {
					t.Fatalf("output lacks %q after byte %d\n%s", w, at, tt.out)
				}
				at += i + len(w)
			}
			for _, w := range tt.not {
				if strings.Contains(tt.out, w) {
					t.Errorf("output has %q\n%s", w, tt.out)
				}
			}
		})
	}
	t.Run("every clean export of a draft not approved is refused with a conflict", func(t *testing.T) {
		d := approvedRenderDraft()
		d.Status = StatusReady
		for name, render := range map[string]func(*Draft) ([]byte, error){"html": CleanHTML, "md": CleanMarkdown, "txt": CleanText} {
			out, err := render(d)
			var e *retrieval.Error
			if !errors.As(err, &e) || e.Code != retrieval.ECONFLICT || out != nil {
				t.Errorf("%s: %v, %d bytes; want a conflict and nothing", name, err, len(out))
			}
		}
	})
	t.Run("the marked Markdown numbers headings once and ends the body with the 落款 before its footnotes", func(t *testing.T) {
		s := string(Markdown(d))
		for _, w := range []string{"## 一、项目建设", "## 二、下一步打算", "## 三、存在问题", "一是完成投资226.7万元。==[^s1-2]\n\n数据来源", "青禾县发展和改革局\n\n2025年7月1日\n\n---\n\n[^s1-2]"} {
			if !strings.Contains(s, w) {
				t.Errorf("Markdown lacks %q\n%s", w, s)
			}
		}
	})
}

func TestTreeHeadings(t *testing.T) {
	got := TreeHeadings([]string{"总体情况", "一、主要成效", "（一）基层服务", "（三）公共卫生", "1.疫苗接种", "三、存在问题", "（一）人才不足", "四、下一步计划"})
	want := []string{"总体情况", "一、主要成效", "（一）基层服务", "（二）公共卫生", "1.疫苗接种", "二、存在问题", "（一）人才不足", "三、下一步计划"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	t.Run("a draft from a template keeps its tree in every export", func(t *testing.T) {
		d := approvedRenderDraft()
		d.Input.Template = "tpl"
		txt := string(Text(d))
		for _, w := range []string{"\n一、项目建设\n", "\n（一）下一步打算\n", "\n1.存在问题\n"} {
			if !strings.Contains(txt, w) {
				t.Errorf("no %q in\n%s", w, txt)
			}
		}
	})
}

// openingDraft is approvedRenderDraft opened by a section headed heading, drafted from the text a
// template had before its first heading.
func openingDraft(heading string, template bool) *Draft {
	d := approvedRenderDraft()
	at := time.Date(2025, 7, 1, 2, 0, 0, 0, time.UTC)
	open := Section{Index: 0, Heading: heading, Status: StatusReady, Sentences: []Sentence{
		{ID: "s0-1", Text: "上半年，全局上下围绕年度目标扎实工作。", Generated: true, Risk: RiskLow, Review: Review{Decision: DecisionApproved, By: "王审核", At: &at}},
	}}
	for i := range d.Sections {
		d.Sections[i].Index = i + 1
	}
	d.Sections = append([]Section{open}, d.Sections...)
	d.Input.Sections = append([]SectionInput{{Heading: heading}}, d.Input.Sections...)
	if template {
		d.Input.Template = "tpl"
	}
	return d
}

func TestOpeningHasNoHeading(t *testing.T) {
	tests := []struct {
		name     string
		heading  string
		template bool
		want     []string // Parts' headings
	}{
		{"the overview before the first heading of a template opens the draft, the headings after it numbered from 一、",
			"总体情况", true, []string{"", "一、项目建设", "（一）下一步打算", "1.存在问题"}},
		{"an outline's overview opens a draft without a template, the others numbered from 一、",
			"总体情况", false, []string{"", "一、项目建设", "二、下一步打算", "三、存在问题"}},
		{"a plan's 总体要求 is its opening", "总体要求", false, []string{"", "一、项目建设", "二、下一步打算", "三、存在问题"}},
		{"another overview the writer left unnumbered is the opening too", "基本情况", false, []string{"", "一、项目建设", "二、下一步打算", "三、存在问题"}},
		{"an overview the writer numbered is a part like the others", "一、总体情况", false, []string{"一、总体情况", "二、项目建设", "三、下一步打算", "四、存在问题"}},
		{"a first section that is no overview keeps its heading", "重点项目", false, []string{"一、重点项目", "二、项目建设", "三、下一步打算", "四、存在问题"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := openingDraft(tt.heading, tt.template).Parts()
			var got []string
			for i, p := range parts {
				got = append(got, p.Heading)
				if p.Opening != (i == 0 && tt.want[0] == "") {
					t.Errorf("part %d: opening %v", i, p.Opening)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("headings %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("an overview that is not the first section is a part", func(t *testing.T) {
		d := approvedRenderDraft()
		d.Sections[1].Heading = "总体情况"
		if got := d.Parts()[1]; got.Opening || got.Heading != "二、总体情况" {
			t.Fatalf("part %+v", got)
		}
	})

	d := openingDraft("总体情况", true)
	html, err := CleanHTML(d)
	if err != nil {
		t.Fatal(err)
	}
	md, err := CleanMarkdown(d)
	if err != nil {
		t.Fatal(err)
	}
	txt, err := CleanText(d)
	if err != nil {
		t.Fatal(err)
	}
	exports := []struct {
		name string
		out  string
		want string // the title, the opening paragraph and the first heading, as printed
	}{
		{"HTML", string(html), "<h1>青禾县2025年上半年工作总结</h1>\n<p>上半年，全局上下围绕年度目标扎实工作。</p>\n<h2>一、项目建设</h2>"},
		{"marked HTML", string(must(HTML(d))), "加深标出</mark>的是撰稿人数据不支持的说法（悬停查看原因）</div>\n<p><span class=\"s-low\""},
		{"Markdown", string(md), "# 青禾县2025年上半年工作总结\n\n上半年，全局上下围绕年度目标扎实工作。\n\n## 一、项目建设\n\n"},
		{"marked Markdown", string(Markdown(d)), "# 青禾县2025年上半年工作总结\n\n==上半年，全局上下围绕年度目标扎实工作。==[^s0-1]\n\n## 一、项目建设\n\n"},
		{"text", string(txt), "青禾县2025年上半年工作总结\n\n上半年，全局上下围绕年度目标扎实工作。\n\n一、项目建设\n"},
	}
	for _, x := range exports {
		t.Run("the "+x.name+" export prints the opening as the first paragraph, without a heading", func(t *testing.T) {
			if !strings.Contains(x.out, x.want) {
				t.Errorf("no %q in\n%s", x.want, x.out)
			}
			if strings.Contains(x.out, "总体情况") {
				t.Errorf("the opening's heading is printed:\n%s", x.out)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
