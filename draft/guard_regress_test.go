package draft

import (
	"slices"
	"testing"

	"github.com/draftd/draftd/draft/guard"
)

// TestGuardClosesLooseAllowances covers ways a number once reached a draft unflagged.
func TestGuardClosesLooseAllowances(t *testing.T) {
	unbound := func(r guard.Report) []string {
		var out []string
		for _, f := range r.Unbound {
			out = append(out, f.Text)
		}
		return out
	}
	tests := []struct {
		name     string
		text     string
		figures  []guard.BoundFigure
		userText []string
		want     []string // unbound numbers
	}{
		{"a count inside quotes is still a count", "实现“新增床位500张”目标。", nil, nil, []string{"500张"}},
		{"an amount inside a document title is still an amount", "印发《关于投入3862万元的通知》。", nil, nil, []string{"3862万元"}},
		{"a list number in the notes does not allow the same numeral as a count", "新建2所卫生院。", nil, []string{"1.加强基层；2.推进改革"}, []string{"2所"}},
		{"an enumerator in the notes does not allow a Chinese count", "新建一所卫生院。", nil, []string{"一是加强基层；二是推进改革"}, []string{"一所"}},
		{"the writer's own numeral with another unit is not theirs", "完成2025人次。", nil, []string{"2025年上半年"}, []string{"2025人次"}},
		{"the writer's date is allowed", "2025年上半年，工作有序推进。", nil, []string{"2025年上半年"}, nil},
		{"a sum of large numbers is no policy shorthand", "形成120+80的格局。", nil, nil, []string{"120", "80"}},
		{"a policy shorthand of single digits is a name", "落实1+4文件要求。", nil, nil, nil},
		{"a per-head count is a count", "每3000人配备一名医生。", nil, nil, []string{"3000人", "一名"}},
		{"a per-capita base is a name", "每万人口全科医生数稳步增加。", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unbound(guard.Check(tt.text, tt.figures, tt.userText))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("unbound = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("part of a figure's text does not state it exactly", func(t *testing.T) {
		r := guard.Check("门诊36239人次。", []guard.BoundFigure{{ID: "f1", Text: "36239人次（含急诊）"}}, nil)
		if got := notStatedExactly(r, []guard.BoundFigure{{ID: "f1", Text: "36239人次（含急诊）"}}); !slices.Equal(got, []string{"f1"}) {
			t.Fatalf("not stated exactly = %v, want [f1]", got)
		}
	})
}

func TestUnknownTokenIsFlagged(t *testing.T) {
	w := &scriptWriter{texts: []string{"享受政策【f1】，报销比例【f2】，合计【total】。"}}
	d, _, _, _ := runDraft(t, w, nil)
	for _, s := range d.Sections[0].Sentences {
		if s.Risk != RiskHigh {
			t.Fatalf("sentence with an unknown token is %s: %+v", s.Risk, s)
		}
	}
}
