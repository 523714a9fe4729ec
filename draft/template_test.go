package draft

import (
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
		want := "一、主要工作成效|（一）基层医疗服务能力提升|（二）公共卫生|二、存在问题|三、下一步计划"
		if strings.Join(got, "|") != want {
			t.Fatalf("headings %q", got)
		}
	})

	tests := []struct {
		name                        string
		id, label, unit, prev, note string
	}{
		{"a rate is labelled by the words before it", "s2f1", "家庭医生签约率", "%", "68.5", ""},
		{"a count keeps its measure word", "s2f2", "签约服务", "人", "36239", ""},
		{"万 stays in the unit and 约 marks the slot unsure", "s2f3", "门诊量", "万人次", "3.6", "待确认：约数（约）"},
		{"a verb that is part of the label is kept", "s2f4", "新建村卫生室", "所", "12", ""},
		{"余 marks the slot unsure and leaves the unit", "s2f5", "开展义诊", "次", "400", "待确认：约数（余）"},
		{"a placeholder is an empty slot with its unit", "s3f1", "完成疫苗接种", "人次", "", ""},
		{"underscores take the unit after them", "s3f2", "投入资金", "万元", "", ""},
		{"a blanked year is a year slot", "s3f3", "年份", "年", "", ""},
		{"a number in a list is unsure", "s3f4", "新建卫生院", "所", "3", "待确认：列举中的数字"},
		{"a change in points keeps its unit", "s5f1", "力争签约率提高", "个百分点", "2", ""},
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
