package draft

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// templateDoc prepares a fictional document as ingestion stores it.
func templateDoc(t *testing.T, title, text string) *retrieval.Document {
	t.Helper()
	p, err := retrieval.PrepareFile(title+".txt", title+"\n\n"+text, "")
	if err != nil {
		t.Fatal(err)
	}
	return p.Documents[0]
}

// templateText is a fictional county report with figures, placeholders and doubtful numbers.
const templateText = `今年以来，我局围绕中心工作，取得了积极成效。

一、主要工作成效
（一）基层医疗服务能力提升
全县家庭医生签约率达到68.5%，签约服务36239人。全年门诊量约3.6万人次，新建村卫生室12所。开展义诊400余次。
（二）公共卫生
完成疫苗接种xx人次，投入资金___万元。20xx年计划新增床位。新建卫生院3所、卫生室12所。
二、存在问题
一是人才不足；二是设备老化。
三、下一步计划
力争签约率提高2个百分点。`

func TestTemplateFrom(t *testing.T) {
	doc := templateDoc(t, "青禾县卫生健康局2024年上半年工作总结", templateText)
	f, err := TemplateFrom(doc)
	if err != nil {
		t.Fatal(err)
	}
	figs := map[string]Figure{}
	for _, sec := range f.Sections {
		for _, fig := range sec.Figures {
			figs[fig.ID] = fig
		}
	}

	t.Run("the title, organisation and period are recognised and the document named", func(t *testing.T) {
		if f.Title != doc.Title || f.Organization != "青禾县卫生健康局" || f.Period != "2024年上半年" || f.Template != doc.ID {
			t.Fatalf("title %q organization %q period %q template %q", f.Title, f.Organization, f.Period, f.Template)
		}
	})
	t.Run("the section tree keeps the headings as written", func(t *testing.T) {
		var got []string
		for _, sec := range f.Sections {
			got = append(got, sec.Heading)
		}
		want := "总体情况|一、主要工作成效|（一）基层医疗服务能力提升|（二）公共卫生|二、存在问题|三、下一步计划"
		if strings.Join(got, "|") != want {
			t.Fatalf("headings %q", got)
		}
	})

	tests := []struct {
		name                        string
		id, label, unit, prev, note string
	}{
		{"a rate is labelled by the words before it", "s3f1", "家庭医生签约率", "%", "68.5", ""},
		{"a count keeps its measure word", "s3f2", "签约服务", "人", "36239", ""},
		{"万 stays in the unit and 约 marks the slot unsure", "s3f3", "门诊量", "万人次", "3.6", "待确认：约数（约）"},
		{"a verb that is part of the label is kept", "s3f4", "新建村卫生室", "所", "12", ""},
		{"余 marks the slot unsure and leaves the unit", "s3f5", "开展义诊", "次", "400", "待确认：约数（余）"},
		{"a placeholder is an empty slot with its unit", "s4f1", "完成疫苗接种", "人次", "", ""},
		{"underscores take the unit after them", "s4f2", "投入资金", "万元", "", ""},
		{"a blanked year is a year slot", "s4f3", "年份", "年", "", ""},
		{"a number in a list is unsure", "s4f4", "新建卫生院", "所", "3", "待确认：列举中的数字"},
		{"a change is offered without its previous value", "s6f1", "力争签约率提高", "个百分点", "", "待确认：增减幅度，上期为2个百分点，不作比较"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := figs[tt.id]
			if !ok {
				t.Fatalf("no slot %s", tt.id)
			}
			if got.Label != tt.label || got.Unit != tt.unit || got.Previous != tt.prev || got.Note != tt.note || got.Value != "" {
				t.Fatalf("%s = %+v, want label %q unit %q previous %q note %q", tt.id, got, tt.label, tt.unit, tt.prev, tt.note)
			}
		})
	}
	t.Run("dates and enumerators are not slots", func(t *testing.T) {
		if n := len(figs); n != 11 {
			t.Fatalf("%d slots: %+v", n, f.Sections)
		}
	})
	t.Run("the skeleton validates once a writer fills every value", func(t *testing.T) {
		for s := range f.Sections {
			for r := range f.Sections[s].Figures {
				f.Sections[s].Figures[r].Value = "1"
			}
		}
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTemplateSlots(t *testing.T) {
	tests := []struct {
		name, text              string
		label, unit, prev, note string
	}{
		{"a number at the start of its clause has an unsure label", "12所完成改造。", "指标", "所", "12", "待确认：指标名称不明"},
		{"a one-character label is unsure", "床8张。", "床", "张", "8", "待确认：指标名称不明"},
		{"a Chinese numeral is given as digits and marked", "组建医疗队两支。", "组建医疗队", "支", "2", "待确认：原文为“两支”"},
		{"近 before a number is an approximation", "受益群众近5000人。", "受益群众", "人", "5000", "待确认：约数（近）"},
		{"亿 stays in the unit", "完成投资12.5亿元。", "完成投资", "亿元", "12.5", ""},
		{"a blanked percentage is an empty slot", "群众满意度达到xx%。", "群众满意度", "%", "", ""},
		{"the clause's scope word is dropped", "全市新增就业岗位860个。", "新增就业岗位", "个", "860", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := templateSlots(tt.text)
			if len(got) != 1 {
				t.Fatalf("slots %+v", got)
			}
			g := got[0]
			if g.Label != tt.label || g.Unit != tt.unit || g.Previous != tt.prev || g.Note != tt.note {
				t.Fatalf("slot %+v, want label %q unit %q previous %q note %q", g, tt.label, tt.unit, tt.prev, tt.note)
			}
		})
	}
}

func TestTemplateFromEmpty(t *testing.T) {
	_, err := TemplateFrom(&retrieval.Document{Title: "空"})
	if retrieval.ErrorCode(err) != retrieval.EEMPTY {
		t.Fatalf("err = %v", err)
	}
}

func TestParseFiguresJSONTemplate(t *testing.T) {
	f, err := ParseFiguresJSON(strings.NewReader(`{"title":"t","template":"abc","sections":[{"heading":"h","figures":[]}]}`))
	if err != nil || f.Template != "abc" {
		t.Fatalf("figures %+v, err %v", f, err)
	}
}

func TestTemplateText(t *testing.T) {
	doc := templateDoc(t, "青禾县卫生健康局2024年工作总结", `一、主要工作
全县家庭医生签约率达到68.5%，比上年提高2.1个百分点；门诊量3.6万人次，同比增长12.5%，新建卫生院3所、卫生室12所。3月15日召开全县卫生健康工作会议。`)
	f, err := TemplateFrom(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Sections) != 1 {
		t.Fatalf("sections %+v", f.Sections)
	}
	sec := f.Sections[0]
	t.Run("each slot is its token and a change after a slot the token of its derived figure", func(t *testing.T) {
		want := "全县家庭医生签约率达到【s1f1】，比上年提高【s1f1.change】；门诊量【s1f2】，同比增长【s1f2.growth】，新建卫生院【s1f3】、卫生室【s1f4】。3月15日召开全县卫生健康工作会议。"
		if sec.TemplateText != want {
			t.Fatalf("template text\n%s\nwant\n%s", sec.TemplateText, want)
		}
	})
	t.Run("a change of a slot is no slot of its own", func(t *testing.T) {
		var labels []string
		for _, fig := range sec.Figures {
			labels = append(labels, fig.Label+"="+fig.Previous+fig.Unit)
		}
		if got := strings.Join(labels, "|"); got != "家庭医生签约率=68.5%|门诊量=3.6万人次|新建卫生院=3所|卫生室=12所" {
			t.Fatalf("slots %s", got)
		}
	})
	t.Run("the template's organisation and period are kept for drafting", func(t *testing.T) {
		if f.TemplateOrganization != "青禾县卫生健康局" || f.TemplatePeriod != "2024年" {
			t.Fatalf("template organization %q period %q", f.TemplateOrganization, f.TemplatePeriod)
		}
	})
	t.Run("the skeleton round-trips through JSON", func(t *testing.T) {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseFiguresJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if g.Sections[0].TemplateText != sec.TemplateText || g.TemplatePeriod != f.TemplatePeriod || g.TemplateOrganization != f.TemplateOrganization {
			t.Fatalf("parsed %+v", g)
		}
	})
}

func TestRetarget(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"the period as a whole", "2024年上半年，青禾县卫生健康局扎实推进各项工作。", "2025年上半年，云栖县卫生健康局扎实推进各项工作。"},
		{"the year before after 较", "门诊量较2023年同期增长。", "门诊量较2024年同期增长。"},
		{"the period's year alone", "2024年全县新建卫生院。", "2025年全县新建卫生院。"},
		{"a year of history stays", "自2019年以来持续推进。", "自2019年以来持续推进。"},
		{"a longer number is no year", "共12024年人次。", "共12024年人次。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Retarget(tt.text, "青禾县卫生健康局", "云栖县卫生健康局", "2024年上半年", "2025年上半年"); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTemplateSlotsWithoutComparison(t *testing.T) {
	doc := templateDoc(t, "青禾县卫生健康局2024年工作总结", "一、爱国卫生\n开展第32个爱国卫生月活动，绿电交易量增长147%，新建公厕12座。")
	f, err := TemplateFrom(doc)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Figure{}
	for _, sec := range f.Sections {
		for _, fig := range sec.Figures {
			got[fig.Unit] = fig
		}
	}
	tests := []struct{ name, unit, prev, note string }{
		{"an ordinal is no quantity to compare", "个", "", "待确认：序数，上期为第32个，不作比较"},
		{"a change has no previous change to compare", "%", "", "待确认：增减幅度，上期为147%，不作比较"},
		{"a count keeps its previous value", "座", "12", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got[tt.unit]; g.Previous != tt.prev || g.Note != tt.note {
				t.Fatalf("slot %+v, want previous %q note %q", g, tt.prev, tt.note)
			}
		})
	}
}

func TestOutline(t *testing.T) {
	summary := func(title string, headings ...string) *retrieval.Document {
		var b strings.Builder
		for _, h := range headings {
			b.WriteString(h + "\n各项工作有序推进，取得积极成效。\n")
		}
		return templateDoc(t, title, b.String())
	}
	docs := []*retrieval.Document{
		summary("甲县卫生健康局2023年工作总结", "一、主要工作成效", "二、存在的问题", "三、下一步工作打算"),
		summary("乙县卫生健康局2024年工作总结", "一、主要工作成效", "二、特色亮点", "三、存在的问题", "四、下一步工作打算"),
		summary("丙县卫生健康局2024年工作计划", "一、总体目标", "二、重点任务"),
	}
	t.Run("the most common headings of the kind, in their usual order", func(t *testing.T) {
		got := Outline("总结", docs, 0)
		want := []string{"总体情况", "一、主要工作成效", "二、存在的问题", "三、下一步工作打算"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("a kind the corpus has too little of has its built-in outline", func(t *testing.T) {
		if got := Outline("述职", docs, 0); !slices.Equal(got, DocumentKinds[3].Outline) {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("an unknown kind has none", func(t *testing.T) {
		if got := Outline("通知", docs, 0); got != nil {
			t.Fatalf("got %q", got)
		}
	})
}

func TestTemplateChangesBelongToTheirFigure(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"the old value of a comparison is the figure's previous value and the change the figure's",
			"全年无偿献血人数达1200人，比2023年的980人增加220人。",
			"全年无偿献血人数达【s1f1】，比2023年的【s1f1.previous】增加【s1f1.change】。"},
		{"a rate's old value and its change in points",
			"疫苗接种率达到98.6%，较2023年的97.2%提高1.4个百分点。",
			"疫苗接种率达到【s1f1】，较2023年的【s1f1.previous】提高【s1f1.change】。"},
		{"a growth rate after a change is the figure's, not the change's",
			"新建供水管网46公里，较上年减少12公里，下降20.7%。",
			"新建供水管网【s1f1】，较上年减少【s1f1.change】，下降【s1f1.growth】。"},
		{"a change in 万元 of a figure in 亿元",
			"投入资金1.2亿元，较上年增加2000万元，增长20%。",
			"投入资金【s1f1】，较上年增加【s1f1.change】，增长【s1f1.growth】。"},
		{"a change that names another subject is no change of the figure before it",
			"招募志愿者300人，献血人数比上年增加220人。",
			"招募志愿者【s1f1】，献血人数比上年增加【s1f2】。"},
		{"an old value with no figure before it is no base of a change",
			"比2023年的980人增加220人。",
			"比2023年的【s1f1】增加【s1f2】。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := TemplateFrom(templateDoc(t, "青禾县卫生健康局2024年工作总结", "一、主要工作\n"+tt.text))
			if err != nil {
				t.Fatal(err)
			}
			sec := f.Sections[len(f.Sections)-1]
			if sec.TemplateText != tt.want {
				t.Fatalf("template text\n%s\nwant\n%s", sec.TemplateText, tt.want)
			}
			for _, fig := range sec.Figures {
				if fig.Previous == "980" || fig.Previous == "220" {
					t.Fatalf("slot %+v offers last year's comparison as a previous value", fig)
				}
			}
		})
	}
}

func TestRetargetFramesOnly(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"a clause opening with the year", "2024年，全局扎实推进各项工作。", "2025年，全局扎实推进各项工作。"},
		{"since the start of the year", "2024年以来，新建农田。", "2025年以来，新建农田。"},
		{"the whole year", "2024年全年发放补贴。", "2025年全年发放补贴。"},
		{"a date stays", "2024年6月18日成功应对特大暴雨。", "2024年6月18日成功应对特大暴雨。"},
		{"a start stays", "自2024年起，全镇推行补贴直达。", "自2024年起，全镇推行补贴直达。"},
		{"an event of the year stays", "2024年启动的项目已全部完工。", "2024年启动的项目已全部完工。"},
		{"next year's plan moves on", "2025年将继续推进农田建设。", "2026年将继续推进农田建设。"},
		{"the year compared with moves on", "与2023年相比，教师总数增加。", "与2024年相比，教师总数增加。"},
		{"full-width digits are folded first", "２０２４年，全局扎实推进。", "2025年，全局扎实推进。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Retarget(tt.text, "", "", "2024年", "2025年"); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	headings := []struct{ name, text, from, to, want string }{
		{"a heading naming the period", "一、2024年主要工作", "2024年", "2025年", "一、2025年主要工作"},
		{"next year's plan heading", "三、2025年工作安排", "2024年", "2025年", "三、2026年工作安排"},
		{"a full-width half-year heading", "一、２０２４年上半年主要工作", "2024年上半年", "2025年上半年", "一、2025年上半年主要工作"},
		{"a title", "松柏县水务局2024年工作总结", "2024年", "2025年", "松柏县水务局2025年工作总结"},
		{"a heading the writer moved on already stays", "一、2025年主要工作", "2024年", "2025年", "一、2025年主要工作"},
	}
	for _, tt := range headings {
		t.Run(tt.name, func(t *testing.T) {
			if got := RetargetHeading(tt.text, "", "", tt.from, tt.to); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("a draft's title names this draft's period", func(t *testing.T) {
		f := &Figures{Title: "松柏县水务局2024年工作总结", Period: "2025年", TemplatePeriod: "2024年"}
		if got := f.DraftTitle(); got != "松柏县水务局2025年工作总结" {
			t.Fatalf("title %q", got)
		}
		f.Title = "松柏县水务局2025年工作总结"
		if got := f.DraftTitle(); got != f.Title {
			t.Fatalf("the writer's own title %q became %q", f.Title, got)
		}
	})
}

func TestTemplateSetPhrasesAndLabels(t *testing.T) {
	f, err := TemplateFrom(templateDoc(t, "枫林县应急管理局2024年工作总结", "一、安全生产\n转移群众2300人，无一人伤亡，连续5年保持零死亡。立案查处违法行为36起，查处不作为12件。"))
	if err != nil {
		t.Fatal(err)
	}
	sec := f.Sections[len(f.Sections)-1]
	var labels []string
	for _, fig := range sec.Figures {
		labels = append(labels, fig.Label)
	}
	t.Run("a set phrase that says none is no slot", func(t *testing.T) {
		if !strings.Contains(sec.TemplateText, "无一人伤亡") || !strings.Contains(sec.TemplateText, "保持零死亡") {
			t.Fatalf("template text %q", sec.TemplateText)
		}
	})
	t.Run("为 after 行 or 作 is part of the label", func(t *testing.T) {
		if !slices.Contains(labels, "立案查处违法行为") || !slices.Contains(labels, "查处不作为") {
			t.Fatalf("labels %q", labels)
		}
	})
}
