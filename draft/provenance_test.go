package draft

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// draftOne drafts a one-section draft of sec with a writer that answers answer, over passages.
func draftOne(t *testing.T, sec SectionInput, passages []retrieval.Result, answer string) Section {
	t.Helper()
	in := &Figures{Title: "青禾县卫生健康局2025年上半年工作总结", Organization: "青禾县卫生健康局", Period: "2025年上半年",
		Sections: []SectionInput{sec}}
	search := func(context.Context, retrieval.Query) ([]retrieval.Result, error) { return passages, nil }
	store := newMemStore()
	d := &Drafter{Writer: &scriptWriter{texts: []string{answer}}, Store: store, Search: search}
	dr, err := d.Create(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background(), dr, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := store.Draft(context.Background(), retrieval.Scope{}, dr.ID)
	return got.Sections[0]
}

// sentenceWith returns the first sentence holding part, failing the test when there is none.
func sentenceWith(t *testing.T, sec Section, part string) Sentence {
	t.Helper()
	for _, s := range sec.Sentences {
		if strings.Contains(s.Text, part) {
			return s
		}
	}
	t.Fatalf("no sentence holds %q: %s", part, dumpSentences(sec))
	return Sentence{}
}

func dumpSentences(sec Section) string {
	var b strings.Builder
	for _, s := range sec.Sentences {
		b.WriteString("\n  [" + string(s.Risk) + "] " + s.Text + " figures=" + strings.Join(s.Figures, ",") + " reasons=" + strings.Join(s.Reasons, ""))
		if s.Added {
			b.WriteString(" (added)")
		}
		if !s.Generated {
			b.WriteString(" (writer's)")
		}
	}
	return b.String()
}

var (
	figPeople  = Figure{ID: "f1", Label: "享受健康扶贫政策人数", Value: "36239", Unit: "人"}
	figRate    = Figure{ID: "f2", Label: "大病患者住院费用实际报销比例", Value: "90", Unit: "%", Previous: "85"}
	figSigned  = Figure{ID: "b", Label: "常住人口签约率", Value: "38.6", Unit: "%"}
	figInvest  = Figure{ID: "a", Label: "投资额", Value: "226.70", Unit: "万元", Previous: "0"}
	signingDoc = retrieval.Result{PassageID: "p9", DocumentID: "d9", DocumentTitle: "栖霞县卫生健康局2023年家庭医生签约服务工作总结",
		Text: "依托县域医共体组建家庭医生团队，签约服务覆盖全部行政村，群众获得感明显增强。截至6月底，常住人口签约率41.2%。"}
)

func TestDrafterProvenance(t *testing.T) {
	tests := []struct {
		name     string
		sec      SectionInput
		passages []retrieval.Result
		answer   string
		check    func(t *testing.T, sec Section)
	}{
		{
			name:   "a unit the model repeats after a token is written once and the sentence is low risk",
			sec:    SectionInput{Heading: "健康扶贫", Figures: []Figure{figPeople, figRate}},
			answer: "人数达到【f1】人，比例达到【f2】，提高【f2.change】个百分点。",
			check: func(t *testing.T, sec Section) {
				s := sentenceWith(t, sec, "36239人")
				if s.Text != "人数达到36239人，比例达到90%，提高5个百分点。" || s.Risk != RiskLow || sec.Attempts != 1 {
					t.Errorf("sentence %q risk %s after %d attempts", s.Text, s.Risk, sec.Attempts)
				}
			},
		},
		{
			name:     "a sentence that repeats the writer's label is not copied from a passage that uses it too",
			sec:      SectionInput{Heading: "家庭医生签约服务", Figures: []Figure{figSigned}},
			passages: []retrieval.Result{signingDoc},
			answer:   "常住人口签约率【b】。",
			check: func(t *testing.T, sec Section) {
				if s := sentenceWith(t, sec, "38.6%"); s.Risk != RiskLow {
					t.Errorf("risk %s, want low: %+v", s.Risk, s)
				}
			},
		},
		{
			name:     "a sentence copied from a passage beyond the writer's words is still high risk",
			sec:      SectionInput{Heading: "家庭医生签约服务", Figures: []Figure{figSigned}},
			passages: []retrieval.Result{signingDoc},
			answer:   "依托县域医共体组建家庭医生团队，签约服务覆盖全部行政村，群众获得感明显增强。常住人口签约率【b】。",
			check: func(t *testing.T, sec Section) {
				s := sentenceWith(t, sec, "医共体")
				if s.Risk != RiskHigh || !strings.Contains(strings.Join(s.Reasons, ""), "重合") {
					t.Errorf("copied sentence: %+v", s)
				}
			},
		},
		{
			name:   "the writer's note said with a final 。 it lacked is the writer's, not generated",
			sec:    SectionInput{Heading: "家庭医生签约服务", Notes: " 今年重点推进家庭医生签约服务 ", Figures: []Figure{figSigned}},
			answer: "今年重点推进家庭医生签约服务。常住人口签约率【b】。",
			check: func(t *testing.T, sec Section) {
				if s := sentenceWith(t, sec, "今年重点"); s.Generated || s.Risk != RiskLow {
					t.Errorf("note sentence: %+v", s)
				}
			},
		},
		{
			name:   "the last sentence of a note without a final 。 is the writer's",
			sec:    SectionInput{Heading: "家庭医生签约服务", Notes: "巩固签约成果。今年重点推进家庭医生签约服务", Figures: []Figure{figSigned}},
			answer: "常住人口签约率【b】。今年重点推进家庭医生签约服务！",
			check: func(t *testing.T, sec Section) {
				if s := sentenceWith(t, sec, "今年重点"); s.Generated {
					t.Errorf("note sentence: %+v", s)
				}
			},
		},
		{
			name:   "a sentence that says more than the note is generated",
			sec:    SectionInput{Heading: "家庭医生签约服务", Notes: "今年重点推进家庭医生签约服务", Figures: []Figure{figSigned}},
			answer: "今年重点推进家庭医生签约服务，成效明显。常住人口签约率【b】。",
			check: func(t *testing.T, sec Section) {
				if s := sentenceWith(t, sec, "今年重点"); !s.Generated {
					t.Errorf("sentence: %+v", s)
				}
			},
		},
		{
			name:   "a change the model left out is added in natural wording",
			sec:    SectionInput{Heading: "健康扶贫", Figures: []Figure{figPeople, figRate}},
			answer: "享受政策【f1】，报销比例达到【f2】。",
			check: func(t *testing.T, sec Section) {
				last := sec.Sentences[len(sec.Sentences)-1]
				if !last.Added || last.Text != "大病患者住院费用实际报销比例比上期提高5个百分点。" {
					t.Errorf("added sentence: %+v", last)
				}
			},
		},
		{
			name:   "a change written like its value is bound to the second occurrence",
			sec:    SectionInput{Heading: "项目建设", Figures: []Figure{figInvest}},
			answer: "一是投资额为【a】，比上期增加【a.change】；",
			check: func(t *testing.T, sec Section) {
				s := sentenceWith(t, sec, "投资额")
				if len(sec.Sentences) != 1 || !slices.Equal(s.Figures, []string{"a", "a.change"}) {
					t.Errorf("sentences: %s", dumpSentences(sec))
				}
			},
		},
		{
			name:   "a change written like its value counts as stated by the value",
			sec:    SectionInput{Heading: "项目建设", Figures: []Figure{figInvest}},
			answer: "一是投资额为【a】，比上期增加【a】；",
			check: func(t *testing.T, sec Section) {
				for _, s := range sec.Sentences {
					if s.Added {
						t.Errorf("a duplicate was added: %s", dumpSentences(sec))
					}
				}
				if s := sentenceWith(t, sec, "投资额"); !slices.Contains(s.Figures, "a.change") {
					t.Errorf("sentences: %s", dumpSentences(sec))
				}
			},
		},
		{
			name:   "a figure's previous value is the writer's and bound, low risk",
			sec:    SectionInput{Heading: "健康扶贫", Figures: []Figure{figPeople, figRate}},
			answer: "享受政策【f1】。报销比例达到【f2】，上年同期为85%，提高【f2.change】。",
			check: func(t *testing.T, sec Section) {
				s := sentenceWith(t, sec, "85%")
				if s.Risk != RiskLow || len(s.UnboundNumbers) != 0 || !slices.Contains(s.Figures, "f2.previous") || sec.Attempts != 1 {
					t.Errorf("sentence: %+v after %d attempts", s, sec.Attempts)
				}
			},
		},
		{
			name:   "full-width digits the notes give in half-width are the writer's, and written half-width",
			sec:    SectionInput{Heading: "健康扶贫", Notes: "开展义诊3场。", Figures: []Figure{figPeople}},
			answer: "累计开展义诊３场，服务群众【f1】。",
			check: func(t *testing.T, sec Section) {
				s := sentenceWith(t, sec, "义诊")
				if s.Text != "累计开展义诊3场，服务群众36239人。" || s.Risk != RiskLow {
					t.Errorf("sentence: %+v", s)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, draftOne(t, tt.sec, tt.passages, tt.answer))
		})
	}
}
