package retrieval

import (
	"strings"
	"testing"
)

func TestFindPlaceholders(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"x runs with units are figure placeholders", "总投资约xxxx万元，占地x.x亩，设计床位xxx张", []string{"xxxx万元", "x.x亩", "xxx张"}},
		{"years, month ranges and percentages", "确保20xx年x-x月完成xx%的任务", []string{"20xx年", "x-x月", "xx%"}},
		{"capital X with units", "发放慰问金X万元，投入XX万元", []string{"X万元", "XX万元"}},
		{"blanked names are placeholders too", "XX县推进健康XX行动，XXX医院参与", []string{"XX", "XXX"}},
		{"a blanked name before a real figure leaves the figure alone", "XXX27所乡镇卫生院", []string{"XXX"}},
		{"underscore blanks", "实施重点项目___个，总投资____万元", []string{"___", "____"}},
		{"full-width underscores", "完成＿＿＿个", []string{"＿＿＿"}},
		{"multiplication signs and circles as blanks", "××同志带队赴○○考察", []string{"××", "○○"}},
		{"full-width X", "ＸＸ县完成ｘｘ万元", []string{"ＸＸ", "ｘｘ万元"}},
		{"each placeholder once, in order of first appearance", "xx人、xx人、xx家", []string{"xx人", "xx家"}},
		{"x inside Latin words is not a placeholder", "使用Excel和Linux系统，上报Box数据", nil},
		{"products and sizes are not placeholders", "3x4米展板，1920x1080屏幕，3×4阵列", nil},
		{"X-rays are not placeholders", "新购X光机1台，开展X线检查", nil},
		{"years in Chinese numerals are not placeholders", "二○○三年建成", nil},
		{"real figures are not placeholders", "受益12345人，比例88%，费用316.5万元，2.47万人次，3.62‰，97.18%", nil},
		{"a single underscore is not a placeholder", "file_name", nil},
		{"a year placeholder stops at 年", "XX县20xx年家庭医生签约服务工作总结", []string{"XX", "20xx年"}},
		{"a date's placeholders stop at their units", "20xx年x月xx日", []string{"20xx年", "x月", "xx日"}},
		{"magnitudes and approximations stay with their measure word", "培训xx万人次，慰问x余人，补助xx多万元，新建x个站点", []string{"xx万人次", "x余人", "xx多万元", "x个"}},
		{"a percent sign ends a placeholder", "占比xx%以上", []string{"xx%"}},
		{"a figure whose leading digits are blanked is a figure placeholder", "全年培训xx36人次，覆盖x5个乡镇", []string{"xx36人次", "x5个"}},
		{"the X that ends a code of digits is not a placeholder", "型号415X设备2台，证件号码末位为1002X", nil},
		{"a blanked year with a check-like X still is", "201X年完成", []string{"201X年"}},
		{"units of more than one character stay with their placeholder", "新建管网xx公里，造林x.x万公顷，供水xx万立方米", []string{"xx公里", "x.x万公顷", "xx万立方米"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FindPlaceholders(tt.text)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("FindPlaceholders(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestIsFigurePlaceholder(t *testing.T) {
	for p, want := range map[string]bool{"xx万元": true, "x.xx": true, "20xx年": true, "x-x月": true, "___": true, "xx%": true, "xx公里": true, "x万立方米": true, "XX": false, "XXX": false, "××": false, "○○": false, "x": false} {
		if got := IsFigurePlaceholder(p); got != want {
			t.Errorf("IsFigurePlaceholder(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestPlaceholderSamples(t *testing.T) {
	t.Run("the summary whose figures were replaced by x is full of figure placeholders", func(t *testing.T) {
		cleaned, _ := Clean(readSample(t, sampleHealthBureau))
		ph := FindPlaceholders(cleaned)
		figures := 0
		for _, p := range ph {
			if IsFigurePlaceholder(p) {
				figures++
			}
		}
		if figures < 20 {
			t.Errorf("found %d figure placeholders, want at least 20: %q", figures, ph)
		}
	})
	t.Run("the report with real figures has no placeholder holding a digit", func(t *testing.T) {
		cleaned, _ := Clean(readSample(t, sampleKeyWork))
		ph := FindPlaceholders(cleaned)
		if len(ph) == 0 {
			t.Errorf("found no placeholders; the report blanks names as XX and XXX")
		}
		for _, p := range ph {
			if strings.ContainsAny(p, "0123456789.%‰") {
				t.Errorf("placeholder %q takes in a real figure", p)
			}
		}
	})
}
