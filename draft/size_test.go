package draft

import (
	"fmt"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// sized returns valid figures of sections sections with perSection figures each.
func sized(sections, perSection int) *Figures {
	f := &Figures{Title: "松林镇2025年上半年工作总结"}
	for s := range sections {
		sec := SectionInput{Heading: fmt.Sprintf("第%d部分", s+1)}
		for r := range perSection {
			sec.Figures = append(sec.Figures, Figure{ID: fmt.Sprintf("s%df%d", s, r), Label: "完成项目", Value: "3", Unit: "个"})
		}
		f.Sections = append(f.Sections, sec)
	}
	return f
}

func TestValidateBoundsTheSize(t *testing.T) {
	tests := []struct {
		name          string
		in            *Figures
		size          Size
		code, message string
	}{
		{"the default allows a long summary", sized(DefaultMaxSections, DefaultMaxFigures/DefaultMaxSections), Size{}, "", ""},
		{"a section past the default is too many", sized(DefaultMaxSections+1, 1), Size{}, ETOOMANYSECTIONS, "最多 50 个部分"},
		{"1,000 sections are refused before anything else is checked", &Figures{Sections: make([]SectionInput, 1000)}, Size{}, ETOOMANYSECTIONS, "收到 1000 个"},
		{"a figure past the default is too many", sized(1, DefaultMaxFigures+1), Size{}, ETOOMANYFIGURES, "最多 500 项数据"},
		{"figures are counted over every section", sized(4, 3), Size{MaxFigures: 11}, ETOOMANYFIGURES, "收到 12 项"},
		{"a configured size is kept to", sized(3, 1), Size{MaxSections: 2}, ETOOMANYSECTIONS, "最多 2 个部分"},
		{"figures within a configured size pass", sized(3, 4), Size{MaxSections: 3, MaxFigures: 12}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.ValidateWithin(tt.size)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("ValidateWithin = %v, want nil", err)
				}
				return
			}
			if retrieval.ErrorCode(err) != tt.code || !strings.Contains(retrieval.ErrorMessage(err), tt.message) {
				t.Fatalf("ValidateWithin = %v, want code %s saying %q", err, tt.code, tt.message)
			}
		})
	}
	t.Run("Validate keeps to the default size", func(t *testing.T) {
		if err := sized(DefaultMaxSections+1, 1).Validate(); retrieval.ErrorCode(err) != ETOOMANYSECTIONS {
			t.Fatalf("Validate = %v, want %s", err, ETOOMANYSECTIONS)
		}
	})
}
