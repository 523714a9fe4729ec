package draft

import (
	"slices"
	"testing"
)

func TestSubstitute(t *testing.T) {
	byID := map[string]Figure{
		"f1":        {ID: "f1", Value: "36239", Unit: "人"},
		"f2":        {ID: "f2", Value: "90", Unit: "%"},
		"f2.change": {ID: "f2.change", Value: "5", Unit: "个百分点", Derived: true},
		"f3":        {ID: "f3", Value: "226.7", Unit: "万元"},
		"f4":        {ID: "f4", Value: "12", Unit: "个"},
		"f5":        {ID: "f5", Value: "3", Unit: ""},
		"f6":        {ID: "f6", Value: "1.24", Unit: "万人次"},
	}
	tests := []struct {
		name, text, want string
		unknown          []string
	}{
		{"a token becomes the figure's exact string", "共【f1】，比例【f2】。", "共36239人，比例90%。", nil},
		{"a unit written again after its token is dropped",
			"人数达到【f1】人，比例达到90%，提高【f2.change】个百分点。", "人数达到36239人，比例达到90%，提高5个百分点。", nil},
		{"a percent sign written again is dropped", "比例【f2】%。", "比例90%。", nil},
		{"the end of a unit written again is dropped", "投入【f3】元，提高【f2.change】百分点。", "投入226.7万元，提高5个百分点。", nil},
		{"a longer unit that starts with the figure's unit is kept", "服务【f1】次，接诊【f1】人次。", "服务36239人次，接诊36239人人次。", nil},
		{"a word that starts with the unit is kept", "为【f1】人员提供服务，【f4】个人健康档案。", "为36239人人员提供服务，12个个人健康档案。", nil},
		{"a figure with no unit keeps what follows", "新建【f5】所。", "新建3所。", nil},
		{"a compound unit repeated whole is dropped", "受众【f6】万人次。", "受众1.24万人次。", nil},
		{"a figure's unit is not dropped before other text", "共【f1】，人均…", "共36239人，人均…", nil},
		{"an unknown token is kept and reported", "共【f9】人。", "共【f9】人。", []string{"f9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unknown := substitute(tt.text, byID)
			if got != tt.want || !slices.Equal(unknown, tt.unknown) {
				t.Errorf("substitute(%q) = %q, %v; want %q, %v", tt.text, got, unknown, tt.want, tt.unknown)
			}
		})
	}
}

func TestPrepareFoldsFullWidthDigits(t *testing.T) {
	tests := []struct{ name, answer, want string }{
		{"full-width digits become half-width", "开展义诊３场，覆盖１２．５万人。", "开展义诊3场，覆盖12.5万人。"},
		{"a full-width point between words is kept", "一是．．．", "一是．．．"},
		{"tokens are substituted after folding", "  共【f1】人。\n", "共36239人。"},
	}
	byID := map[string]Figure{"f1": {ID: "f1", Value: "36239", Unit: "人"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := prepare(tt.answer, byID); got != tt.want {
				t.Errorf("prepare(%q) = %q, want %q", tt.answer, got, tt.want)
			}
		})
	}
}
