package draft

import (
	"reflect"
	"testing"
)

func TestDerive(t *testing.T) {
	// d builds the expected derived figure of a source figure with ID "f".
	d := func(suffix, label, value, unit, rule string) Figure {
		return Figure{ID: "f" + suffix, Label: label, Value: value, Unit: unit, Derived: true, DerivedFrom: "f", Rule: rule}
	}
	tests := []struct {
		name string
		fig  Figure
		want []Figure
	}{
		{
			name: "a rise gives a change in the unit and a growth rate rounded to one decimal",
			fig:  Figure{Label: "享受政策人数", Value: "36239", Unit: "人", Previous: "35000"},
			want: []Figure{
				d(".change", "享受政策人数比上期增加", "1239", "人", "36239−35000=1239人"),
				d(".growth", "享受政策人数比上期增长", "3.5", "%", "（36239−35000）÷35000×100%≈3.5%，四舍五入保留一位小数"),
			},
		},
		{
			name: "a half is rounded away from zero, which float64 would get wrong",
			fig:  Figure{Label: "专项资金", Value: "226.7", Unit: "万元", Previous: "200"},
			want: []Figure{
				d(".change", "专项资金比上期增加", "26.7", "万元", "226.7−200=26.7万元"),
				d(".growth", "专项资金比上期增长", "13.4", "%", "（226.7−200）÷200×100%≈13.4%，四舍五入保留一位小数"),
			},
		},
		{
			name: "decimal differences are exact, with no 0.1+0.2 residue",
			fig:  Figure{Label: "投入", Value: "0.3", Unit: "亿元", Previous: "0.1"},
			want: []Figure{
				d(".change", "投入比上期增加", "0.2", "亿元", "0.3−0.1=0.2亿元"),
				d(".growth", "投入比上期增长", "200.0", "%", "（0.3−0.1）÷0.1×100%=200.0%"),
			},
		},
		{
			name: "a change keeps the larger number of decimals of its operands",
			fig:  Figure{Label: "人均经费", Value: "12.50", Unit: "元", Previous: "10"},
			want: []Figure{
				d(".change", "人均经费比上期增加", "2.50", "元", "12.50−10=2.50元"),
				d(".growth", "人均经费比上期增长", "25.0", "%", "（12.50−10）÷10×100%=25.0%"),
			},
		},
		{
			name: "a fall is stated by the label with a positive value",
			fig:  Figure{Label: "贫困户", Value: "900", Unit: "户", Previous: "1000"},
			want: []Figure{
				d(".change", "贫困户比上期减少", "100", "户", "900−1000=−100户，即减少100户"),
				d(".growth", "贫困户比上期下降", "10.0", "%", "（900−1000）÷1000×100%=−10.0%，即下降10.0%"),
			},
		},
		{
			name: "a negative half is rounded away from zero too",
			fig:  Figure{Label: "门诊量", Value: "98.65", Unit: "万人次", Previous: "100"},
			want: []Figure{
				d(".change", "门诊量比上期减少", "1.35", "万人次", "98.65−100=−1.35万人次，即减少1.35万人次"),
				d(".growth", "门诊量比上期下降", "1.4", "%", "（98.65−100）÷100×100%≈−1.4%，四舍五入保留一位小数，即下降1.4%"),
			},
		},
		{
			name: "a percentage changes in percentage points and has no growth rate",
			fig:  Figure{Label: "报销比例", Value: "90", Unit: "%", Previous: "85"},
			want: []Figure{
				d(".change", "报销比例比上期提高", "5", "个百分点", "90−85=5个百分点"),
			},
		},
		{
			name: "a falling percentage is 下降 in percentage points",
			fig:  Figure{Label: "报销比例", Value: "80", Unit: "%", Previous: "85.5"},
			want: []Figure{
				d(".change", "报销比例比上期下降", "5.5", "个百分点", "80−85.5=−5.5个百分点，即下降5.5个百分点"),
			},
		},
		{
			name: "a zero previous gives a change but no growth rate",
			fig:  Figure{Label: "新建项目", Value: "3", Unit: "个", Previous: "0"},
			want: []Figure{
				d(".change", "新建项目比上期增加", "3", "个", "3−0=3个"),
			},
		},
		{
			name: "an unchanged figure is 持平 with no growth rate",
			fig:  Figure{Label: "卫生院", Value: "12", Unit: "所", Previous: "12"},
			want: []Figure{
				d(".change", "卫生院与上期持平", "0", "所", "12−12=0所"),
			},
		},
		{
			name: "a target gives a completion rate",
			fig:  Figure{Label: "签约人数", Value: "36239", Unit: "人", Target: "35000"},
			want: []Figure{
				d(".completion", "签约人数完成目标", "103.5", "%", "36239÷35000×100%≈103.5%，四舍五入保留一位小数"),
			},
		},
		{
			name: "a percentage target gives the gap in percentage points",
			fig:  Figure{Label: "接种率", Value: "90", Unit: "%", Target: "95"},
			want: []Figure{
				d(".gap", "接种率低于目标", "5", "个百分点", "90−95=−5个百分点，即低于目标5个百分点"),
			},
		},
		{
			name: "previous and target together give all their figures in order",
			fig:  Figure{Label: "资金", Value: "150", Unit: "万元", Previous: "120", Target: "200"},
			want: []Figure{
				d(".change", "资金比上期增加", "30", "万元", "150−120=30万元"),
				d(".growth", "资金比上期增长", "25.0", "%", "（150−120）÷120×100%=25.0%"),
				d(".completion", "资金完成目标", "75.0", "%", "150÷200×100%=75.0%"),
			},
		},
		{name: "a zero target gives no completion rate", fig: Figure{Label: "x", Value: "5", Target: "0"}},
		{name: "a figure without previous or target derives nothing", fig: Figure{Label: "x", Value: "5", Unit: "人"}},
		{name: "a value that is not a number derives nothing", fig: Figure{Label: "x", Value: "约5", Previous: "4"}},
		{name: "a derived figure derives nothing", fig: Figure{Label: "x", Value: "5", Previous: "4", Derived: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fig.ID = "f"
			got := Derive(tt.fig)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Derive =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestWithDerived(t *testing.T) {
	in := &Figures{Title: "t", Sections: []SectionInput{{Heading: "h", Figures: []Figure{
		{ID: "a", Label: "人数", Value: "110", Unit: "人", Previous: "100"},
		{ID: "b", Label: "比例", Value: "90", Unit: "%"},
	}}}}
	out := in.WithDerived()

	t.Run("derived figures follow the figure they come from", func(t *testing.T) {
		var ids []string
		for _, f := range out.Sections[0].Figures {
			ids = append(ids, f.ID)
		}
		if want := []string{"a", "a.change", "a.growth", "b"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("ids = %q, want %q", ids, want)
		}
	})

	t.Run("the input is not changed", func(t *testing.T) {
		if len(in.Sections[0].Figures) != 2 {
			t.Errorf("input now has %d figures", len(in.Sections[0].Figures))
		}
	})

	t.Run("deriving twice changes nothing", func(t *testing.T) {
		if again := out.WithDerived(); !reflect.DeepEqual(again, out) {
			t.Errorf("second WithDerived = %+v, want %+v", again, out)
		}
	})
}
