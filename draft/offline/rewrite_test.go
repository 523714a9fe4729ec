package offline_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/retrieval"
)

// lastYear is a fictional county report used as a template.
const lastYear = `一、2024年主要工作
全县家庭医生签约率达到68.5%，比上年提高2.1个百分点；门诊量3.6万人次，同比增长12.5%。新建卫生院3所、卫生室12所，投入资金226.7万元。
3月15日召开全县卫生健康工作会议，荣获全省卫生健康工作先进集体。
二、下一步计划
继续推进家庭医生签约服务，力争签约率提高2个百分点。`

// fromTemplate drafts this year's summary from lastYear with the values set, and returns the
// skeleton and the draft. A value "" removes the slot, as a writer does for a figure no longer kept.
func fromTemplate(t *testing.T, w draft.Writer, values map[string]string) (*draft.Figures, *draft.Draft) {
	t.Helper()
	return fromTemplateWith(t, w, values, nil)
}

// fromTemplateWith is fromTemplate with edit applied to the filled-in skeleton before drafting.
func fromTemplateWith(t *testing.T, w draft.Writer, values map[string]string, edit func(*draft.Figures)) (*draft.Figures, *draft.Draft) {
	t.Helper()
	p, err := retrieval.PrepareFile("青禾县卫生健康局2024年工作总结.txt", "青禾县卫生健康局2024年工作总结\n\n"+lastYear, "")
	if err != nil {
		t.Fatal(err)
	}
	doc := p.Documents[0]
	doc.ID = "tpl"
	f, err := draft.TemplateFrom(doc)
	if err != nil {
		t.Fatal(err)
	}
	f.Period, f.Title = "2025年", "青禾县卫生健康局2025年工作总结"
	for s := range f.Sections {
		figs := f.Sections[s].Figures[:0]
		for _, fig := range f.Sections[s].Figures {
			v, ok := values[fig.ID]
			if !ok {
				t.Fatalf("no value for %s (%s)", fig.ID, fig.Label)
			}
			if v != "" {
				fig.Value = v
				figs = append(figs, fig)
			}
		}
		f.Sections[s].Figures = figs
	}
	if edit != nil {
		edit(f)
	}
	d := &draft.Drafter{Writer: w, Store: &memStore{drafts: map[string]*draft.Draft{}}, Model: offline.Model}
	dr, err := d.Create(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background(), dr, nil); err != nil {
		t.Fatal(err)
	}
	return f, dr
}

func sectionText(s draft.Section) string {
	var b strings.Builder
	for _, st := range s.Sentences {
		b.WriteString(st.Text)
	}
	return b.String()
}

func TestDraftFromTemplate(t *testing.T) {
	// 签约率 falls, 门诊量 rises, 卫生室 is removed by the writer.
	values := map[string]string{"s1f1": "66.2", "s1f2": "4.1", "s1f3": "5", "s1f4": "", "s1f5": "310", "s2f1": "3"}
	_, dr := fromTemplate(t, offline.Writer{}, values)
	achieved := sectionText(dr.Sections[0])
	t.Logf("%s\n%s", achieved, sectionText(dr.Sections[1]))

	t.Run("the template's frame carries the new values", func(t *testing.T) {
		for _, want := range []string{"家庭医生签约率达到66.2%", "门诊量4.1万人次", "新建卫生院5所", "投入资金310万元"} {
			if !strings.Contains(achieved, want) {
				t.Errorf("no %q in %s", want, achieved)
			}
		}
	})
	t.Run("changes are computed again and their direction words agree", func(t *testing.T) {
		for _, want := range []string{"比上年降低2.3个百分点", "同比增长13.9%"} {
			if !strings.Contains(achieved, want) {
				t.Errorf("no %q in %s", want, achieved)
			}
		}
		if strings.Contains(achieved, "提高2.3") {
			t.Errorf("a fall said as a rise: %s", achieved)
		}
	})
	t.Run("a figure the writer removed is left out with its clause", func(t *testing.T) {
		if strings.Contains(achieved, "卫生室") {
			t.Errorf("removed slot still said: %s", achieved)
		}
	})
	t.Run("the heading's year is this draft's", func(t *testing.T) {
		if h := dr.Sections[0].Heading; h != "一、2025年主要工作" {
			t.Errorf("heading %q", h)
		}
	})
	t.Run("no number of last year's is stated", func(t *testing.T) {
		for _, old := range []string{"68.5", "2.1个百分点", "3.6万", "12.5%", "226.7"} {
			if strings.Contains(achieved, old) {
				t.Errorf("old number %q in %s", old, achieved)
			}
		}
	})
	t.Run("last year's events are kept and flagged high", func(t *testing.T) {
		found := false
		for _, st := range dr.Sections[0].Sentences {
			if strings.Contains(st.Text, "3月15日") {
				found = true
				if st.Risk != draft.RiskHigh || !strings.HasPrefix(st.Reasons[0], "去年的内容，请确认是否仍然属实") {
					t.Errorf("risk %s reasons %q", st.Risk, st.Reasons)
				}
			}
		}
		if !found {
			t.Errorf("the event sentence was dropped: %s", achieved)
		}
	})
}

// askedWriter is the offline writer, recording the figures each section asked for.
type askedWriter struct{ asked map[string]bool }

func (w askedWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	for _, f := range req.Figures {
		w.asked[f.ID] = true
	}
	return offline.Writer{}.Write(ctx, req)
}

func TestTemplateStatesTheChangesItStated(t *testing.T) {
	values := map[string]string{"s1f1": "66.2", "s1f2": "4.1", "s1f3": "5", "s1f4": "14", "s1f5": "310", "s2f1": "3"}
	t.Run("a change the template did not state is neither written nor missing", func(t *testing.T) {
		w := askedWriter{asked: map[string]bool{}}
		_, dr := fromTemplateWith(t, w, values, nil)
		achieved := sectionText(dr.Sections[0])
		t.Log(achieved)
		// Stated by the template: 签约率's change, 门诊量's growth rate.
		for _, want := range []string{"比上年降低2.3个百分点", "同比增长13.9%"} {
			if !strings.Contains(achieved, want) {
				t.Errorf("no %q in %s", want, achieved)
			}
		}
		// Not stated by it: 门诊量's change (0.5万人次), 卫生院's (2所), 卫生室's (2所), 投入资金's (83.3万元).
		for _, unwanted := range []string{"0.5万人次", "2所", "66.7%", "83.3万元", "36.7%", "此外"} {
			if strings.Contains(achieved, unwanted) {
				t.Errorf("%q stated, which the template did not compare: %s", unwanted, achieved)
			}
		}
		if m := dr.Missing(0); len(m) != 0 {
			t.Errorf("missing %v", m)
		}
		for _, id := range []string{"s1f2.change", "s1f3.change", "s1f3.growth", "s1f5.change", "s1f5.growth"} {
			if w.asked[id] {
				t.Errorf("the writer was asked for %s", id)
			}
		}
		for _, id := range []string{"s1f1.change", "s1f2.growth", "s1f3", "s1f5"} {
			if !w.asked[id] {
				t.Errorf("the writer was not asked for %s", id)
			}
		}
	})
	t.Run("a change the template stated is missing once its sentence is rejected", func(t *testing.T) {
		_, dr := fromTemplate(t, offline.Writer{}, values)
		for i, st := range dr.Sections[0].Sentences {
			for _, id := range st.Figures {
				if id == "s1f1.change" {
					dr.Sections[0].Sentences[i].Review.Decision = draft.DecisionRejected
				}
			}
		}
		if m := dr.Missing(0); !slices.Contains(m, "s1f1.change") || slices.Contains(m, "s1f3.change") || slices.Contains(m, "s1f2.change") {
			t.Errorf("missing %v, want s1f1.change and no change the template did not state", m)
		}
	})
	t.Run("a comparison the writer names, or a figure of the writer's own, is stated", func(t *testing.T) {
		_, dr := fromTemplateWith(t, offline.Writer{}, values, func(f *draft.Figures) {
			figs := f.Sections[0].Figures
			for i := range figs {
				if figs[i].ID == "s1f5" {
					figs[i].Compare = "较上年"
				}
			}
			f.Sections[0].Figures = append(figs, draft.Figure{ID: "s1f9", Label: "开展义诊", Value: "42", Unit: "场", Previous: "30"})
		})
		achieved := sectionText(dr.Sections[0])
		t.Log(achieved)
		for _, want := range []string{"投入资金310万元，较上年增加83.3万元，增长36.7%", "开展义诊42场", "增加12场", "增长40.0%"} {
			if !strings.Contains(achieved, want) {
				t.Errorf("no %q in %s", want, achieved)
			}
		}
		if strings.Contains(achieved, "66.7%") {
			t.Errorf("卫生院's growth stated though nobody asked: %s", achieved)
		}
		if m := dr.Missing(0); len(m) != 0 {
			t.Errorf("missing %v", m)
		}
	})
}

// copyingWriter writes the template back with last year's numbers in it, as a careless model might.
type copyingWriter struct{}

func (copyingWriter) Write(_ context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	text := req.TemplateText
	for _, f := range req.Figures {
		if strings.HasSuffix(f.ID, draft.SuffixChange) || strings.HasSuffix(f.ID, draft.SuffixGrowth) {
			continue
		}
		if f.Previous != "" {
			text += f.Label + "去年为" + f.Previous + f.Unit + "。"
		}
	}
	return draft.SectionText{Text: text, Model: "copy"}, nil
}

func TestTemplateOldNumbersAreFlagged(t *testing.T) {
	values := map[string]string{"s1f1": "66.2", "s1f2": "4.1", "s1f3": "5", "s1f4": "14", "s1f5": "310", "s2f1": "3"}
	_, dr := fromTemplate(t, copyingWriter{}, values)
	n := 0
	for _, sec := range dr.Sections {
		for _, st := range sec.Sentences {
			if !strings.Contains(st.Text, "去年为") && !strings.Contains(st.Text, "3月15日") {
				continue
			}
			n++
			if st.Risk != draft.RiskHigh || !strings.HasPrefix(st.Reasons[0], "去年的内容") {
				t.Errorf("%q: risk %s reasons %q", st.Text, st.Risk, st.Reasons)
			}
		}
	}
	if n == 0 {
		t.Fatal("the writer's old numbers are not in the draft")
	}
}

func TestFullWidth(t *testing.T) {
	got := offline.FullWidth("全县共1,234人,其中:男性(含退休)600人;时间09:30。")
	if want := "全县共1,234人，其中：男性（含退休）600人；时间09:30。"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
