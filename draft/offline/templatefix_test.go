package offline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/retrieval"
)

// draftFromText drafts period's summary offline from a fictional template document (title, then
// text), the writer giving values by slot ID; slots not in values are removed, as a writer does.
func draftFromText(t *testing.T, title, text, period string, values map[string]string) (*draft.Figures, *draft.Draft) {
	t.Helper()
	p, err := retrieval.PrepareFile(title+".txt", title+"\n\n"+text, "")
	if err != nil {
		t.Fatal(err)
	}
	doc := p.Documents[0]
	doc.ID = "tpl"
	f, err := draft.TemplateFrom(doc)
	if err != nil {
		t.Fatal(err)
	}
	f.Period = period
	for s := range f.Sections {
		figs := f.Sections[s].Figures[:0]
		for _, fig := range f.Sections[s].Figures {
			if v, ok := values[fig.ID]; ok {
				fig.Value = v
				figs = append(figs, fig)
			}
		}
		f.Sections[s].Figures = figs
	}
	d := &draft.Drafter{Writer: offline.Writer{}, Store: &memStore{drafts: map[string]*draft.Draft{}}, Model: offline.Model}
	dr, err := d.Create(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background(), dr, nil); err != nil {
		t.Fatal(err)
	}
	return f, dr
}

// sentenceWith returns the draft's sentence that holds part, failing the test when none does.
func sentenceWith(t *testing.T, dr *draft.Draft, part string) draft.Sentence {
	t.Helper()
	var all []string
	for _, sec := range dr.Sections {
		for _, st := range sec.Sentences {
			if strings.Contains(st.Text, part) {
				return st
			}
			all = append(all, st.Text)
		}
	}
	t.Fatalf("no sentence holds %q in\n%s", part, strings.Join(all, "\n"))
	return draft.Sentence{}
}

func TestTemplateComparisonOfTheMainFigure(t *testing.T) {
	_, dr := draftFromText(t, "桦川县卫生健康局2024年工作总结", "一、医疗服务\n全年无偿献血人数达1200人，比2023年的980人增加220人。疫苗接种率达到98.6%，较2023年的97.2%提高1.4个百分点。",
		"2025年", map[string]string{"s1f1": "1300", "s1f2": "99.1"})
	t.Run("the change is the main figure's, against last year's value", func(t *testing.T) {
		st := sentenceWith(t, dr, "无偿献血人数达1300人，比2024年的1200人增加100人")
		if st.Risk != draft.RiskHigh {
			t.Fatalf("%q at %s: the template's previous value is for the reviewer to confirm", st.Text, st.Risk)
		}
	})
	t.Run("a rate's change is in points against last year's rate", func(t *testing.T) {
		sentenceWith(t, dr, "疫苗接种率达到99.1%，较2024年的98.6%提高0.5个百分点")
	})
}

func TestTemplateOldYearsStayAndAreFlagged(t *testing.T) {
	_, dr := draftFromText(t, "榆林镇农业服务中心2024年工作总结", "2024年，全镇扎实推进农业工作。2024年4月启动的高标准农田项目已全部完工。自2024年起，全镇推行农机补贴直达到户。全年发放补贴126万元。",
		"2025年", map[string]string{"s1f1": "130"})
	if st := sentenceWith(t, dr, "2025年，全镇扎实推进农业工作"); st.Risk != draft.RiskLow {
		t.Errorf("%q at %s, reasons %q", st.Text, st.Risk, st.Reasons)
	}
	for _, part := range []string{"2024年4月启动的", "自2024年起"} {
		if st := sentenceWith(t, dr, part); st.Risk != draft.RiskHigh {
			t.Errorf("%q at %s: an old year must be flagged", st.Text, st.Risk)
		}
	}
	if !strings.Contains(dr.Title, "2025年") {
		t.Errorf("title %q does not name the draft's period", dr.Title)
	}
}

func TestTemplatePlaceholdersAreHigh(t *testing.T) {
	_, dr := draftFromText(t, "石楠县市场监管局2024年工作总结", "一、主要工作\nXX镇市场监管所完成规范化建设。检查经营主体1200户。",
		"2025年", map[string]string{"s1f1": "1300"})
	if st := sentenceWith(t, dr, "XX镇"); st.Risk != draft.RiskHigh {
		t.Fatalf("%q at %s: a placeholder left in the draft must be high", st.Text, st.Risk)
	}
}

func TestTemplateDependentClausesGoWithTheirFigure(t *testing.T) {
	_, dr := draftFromText(t, "桦川县卫生健康局2024年工作总结", "一、医疗服务\n全县共有卫生院18所，其中中心卫生院5所。与2023年相比，教师总数增加120人。招聘教师320名。",
		"2025年", map[string]string{"s1f2": "6", "s1f4": "300"})
	text := ""
	for _, st := range dr.Sections[0].Sentences {
		text += st.Text
	}
	for _, bad := range []string{"其中中心卫生院", "与2024年相比", "与2023年相比"} {
		if strings.Contains(text, bad) {
			t.Errorf("%q is left in %q after the figure it depends on was removed", bad, text)
		}
	}
	if !strings.Contains(text, "6所") {
		t.Errorf("the writer's 6所 is not stated: %q", text)
	}
}

func TestTemplateHeadingNumbersAreFlagged(t *testing.T) {
	_, dr := draftFromText(t, "柳溪区文旅局2024年工作总结", "一、接待游客突破500万人次\n全年接待游客512万人次。\n二、实施“3个100”工程\n完成文物修缮项目12个。\n三、2025年工作安排\n继续推进文旅融合。",
		"2025年", map[string]string{"s1f1": "600", "s2f1": "14"})
	want := map[string]int{"一、接待游客突破500万人次": 1, "二、实施“3个100”工程": 0, "三、2026年工作安排": 0}
	for i, sec := range dr.Sections {
		n, ok := want[sec.Heading]
		if !ok {
			t.Errorf("heading %q not expected", sec.Heading)
			continue
		}
		if got := len(dr.HeadingWarnings(i)); got != n {
			t.Errorf("heading %q: %d warnings %q, want %d", sec.Heading, got, dr.HeadingWarnings(i), n)
		}
	}
	if md := string(draft.Markdown(dr)); !strings.Contains(md, "500万人次”出自模板") {
		t.Errorf("the Markdown export does not show the heading's warning:\n%s", md)
	}
}
