package draft

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// markdownHeadings returns the section headings the Markdown export prints, in order.
func markdownHeadings(d *Draft) []string {
	var out []string
	for _, l := range strings.Split(string(Markdown(d)), "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			out = append(out, h)
		}
	}
	return out
}

func TestDraftJSONGivesPrintedHeadings(t *testing.T) {
	tests := []struct {
		name     string
		heading  string // the first section's
		template bool
		want     []string // printed_heading of each section; "" for the opening
	}{
		{"a template's overview is the opening and its tree is renumbered by level",
			"总体情况", true, []string{"", "一、项目建设", "（一）下一步打算", "1.存在问题"}},
		{"an outline's overview is the opening and the others are numbered from 一、",
			"总体情况", false, []string{"", "一、项目建设", "二、下一步打算", "三、存在问题"}},
		{"an overview the writer numbered is printed as a part", "一、总体情况", false, []string{"一、总体情况", "二、项目建设", "三、下一步打算", "四、存在问题"}},
		{"a template's first part keeps its place in the tree", "一、重点项目", true, []string{"一、重点项目", "二、项目建设", "（一）下一步打算", "1.存在问题"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openingDraft(tt.heading, tt.template)
			b, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Sections []map[string]json.RawMessage `json:"sections"`
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			var printed []string
			for i, s := range got.Sections {
				var h string
				var opening bool
				if s["printed_heading"] == nil || s["opening"] == nil {
					t.Fatalf("section %d has no printed_heading or opening: %s", i, b)
				}
				if err := json.Unmarshal(s["printed_heading"], &h); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(s["opening"], &opening); err != nil {
					t.Fatal(err)
				}
				if opening != (i == 0 && tt.want[0] == "") {
					t.Errorf("section %d: opening %v", i, opening)
				}
				printed = append(printed, h)
			}
			if !slices.Equal(printed, tt.want) {
				t.Fatalf("printed headings %q, want %q", printed, tt.want)
			}
			md := markdownHeadings(d)
			if want := slices.DeleteFunc(slices.Clone(printed), func(h string) bool { return h == "" }); !slices.Equal(md, want) {
				t.Errorf("the Markdown export prints %q, the JSON %q", md, want)
			}
			if d.Sections[0].PrintedHeading != "" || d.Sections[0].Opening {
				t.Error("marshalling changed the draft")
			}
		})
	}
	t.Run("a draft with no sections has none", func(t *testing.T) {
		b, err := json.Marshal(Draft{ID: "d1"})
		if err != nil || !strings.Contains(string(b), `"sections":null`) {
			t.Fatalf("%s %v", b, err)
		}
	})
}
