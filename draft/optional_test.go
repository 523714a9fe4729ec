package draft

import "testing"

func TestOptionalDerivedFigures(t *testing.T) {
	figures := []Figure{
		{ID: "s1f1", Label: "签约率", Value: "66.2", Unit: "%", Previous: "68.5"},
		{ID: "s1f2", Label: "门诊量", Value: "4.1", Unit: "万人次", Previous: "3.6"},
		{ID: "s1f3", Label: "投入资金", Value: "310", Unit: "万元", Previous: "226.7", Compare: "较上年"},
		{ID: "s1f4", Label: "开展义诊", Value: "42", Unit: "场", Previous: "30"}, // the writer's own: no slot
		{ID: "s1f5", Label: "床位数", Value: "120", Unit: "张", Previous: "100", Target: "150"},
	}
	template := "签约率达到【s1f1】，比上年提高【s1f1.change】；门诊量【s1f2】，同比增长【s1f2.growth】，投入资金【s1f3】，床位【s1f5】张。"
	tests := []struct {
		name     string
		template string
		id       string
		want     bool
	}{
		{"a change the template stated is required", template, "s1f1.change", false},
		{"a growth rate the template stated is required", template, "s1f2.growth", false},
		{"a change the template did not state beside one it did is optional", template, "s1f2.change", true},
		{"a change of a figure whose writer named the comparison is required", template, "s1f3.change", false},
		{"a growth rate of a figure whose writer named the comparison is required", template, "s1f3.growth", false},
		{"a change of a figure the writer added to the template is required", template, "s1f4.change", false},
		{"a change of a figure the template states without one is optional", template, "s1f5.change", true},
		{"a completion rate against the writer's target is required", template, "s1f5.completion", false},
		{"the writer's own figure is required", template, "s1f5", false},
		{"every change is required in a section without a template", "", "s1f5.change", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := SectionInput{Heading: "一、主要工作", Figures: figures, TemplateText: tt.template}
			var f Figure
			found := false
			for _, base := range figures {
				for _, x := range append([]Figure{base}, Derive(base)...) {
					if x.ID == tt.id {
						f, found = x, true
					}
				}
			}
			if !found {
				t.Fatalf("no figure %s", tt.id)
			}
			if got := in.Optional(f); got != tt.want {
				t.Errorf("Optional(%s) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestMissingLeavesOutTheChangesATemplateDidNotState(t *testing.T) {
	in := &Figures{Title: "青禾县卫生健康局2025年工作总结", Period: "2025年", Template: "tpl", Sections: []SectionInput{{
		Heading: "一、主要工作",
		Figures: []Figure{
			{ID: "s1f1", Label: "签约率", Value: "66.2", Unit: "%", Previous: "68.5"},
			{ID: "s1f2", Label: "门诊量", Value: "4.1", Unit: "万人次", Previous: "3.6"},
		},
		TemplateText: "签约率达到【s1f1】，比上年提高【s1f1.change】；门诊量【s1f2】。",
	}}}
	d := &Draft{Input: in, Sections: []Section{{Status: StatusReady, Sentences: []Sentence{
		{ID: "s1-1", Text: "签约率达到66.2%。", Generated: true, Figures: []string{"s1f1"}},
		{ID: "s1-2", Text: "门诊量4.1万人次。", Generated: true, Figures: []string{"s1f2"}},
	}}}}
	if got := d.Missing(0); len(got) != 1 || got[0] != "s1f1.change" {
		t.Errorf("with a template, missing %v, want [s1f1.change]", got)
	}
	in.Sections[0].TemplateText = ""
	if got := d.Missing(0); len(got) != 3 || got[0] != "s1f1.change" || got[1] != "s1f2.change" || got[2] != "s1f2.growth" {
		t.Errorf("without a template, missing %v, want [s1f1.change s1f2.change s1f2.growth]", got)
	}
}

// The section's figures in the draft JSON say which derived figures are optional, so the review
// panel can tell a reviewer that leaving them out is no omission.
func TestSectionFiguresMarkTheOptionalOnes(t *testing.T) {
	d := &Draft{Input: &Figures{Title: "青禾县卫生健康局2025年工作总结", Period: "2025年", Sections: []SectionInput{{
		Heading: "一、主要工作",
		Figures: []Figure{
			{ID: "s1f1", Label: "签约率", Value: "66.2", Unit: "%", Previous: "68.5"},
			{ID: "s1f2", Label: "门诊量", Value: "4.1", Unit: "万人次", Previous: "3.6"},
		},
		TemplateText: "签约率达到【s1f1】，比上年提高【s1f1.change】；门诊量【s1f2】。",
	}}}}
	optional := map[string]bool{}
	for _, f := range d.SectionFigures(0) {
		optional[f.ID] = f.Optional
	}
	for id, want := range map[string]bool{"s1f1": false, "s1f1.change": false, "s1f2": false, "s1f2.change": true, "s1f2.growth": true, "s1f1.previous": false} {
		if got, ok := optional[id]; !ok || got != want {
			t.Errorf("%s optional = %v (listed %v), want %v", id, got, ok, want)
		}
	}
	d.Input.Sections[0].TemplateText = ""
	for _, f := range d.SectionFigures(0) {
		if f.Optional {
			t.Errorf("%s is optional in a section without a template", f.ID)
		}
	}
}
