package draft

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// TestDraftingUsesRetrievalsHeadingGrammar checks that drafting reads headings as ingestion
// stores them: every heading of retrieval's fixtures gets the role retrieval gives it, and
// loses exactly the number retrieval's grammar reads.
func TestDraftingUsesRetrievalsHeadingGrammar(t *testing.T) {
	files, _ := filepath.Glob("../retrieval/testdata/structure/*.txt")
	if len(files) == 0 {
		t.Fatal("no fixtures in ../retrieval/testdata/structure")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(s *retrieval.Section)
		walk = func(s *retrieval.Section) {
			for _, c := range s.Sections {
				h, ok := retrieval.ParseHeading(c.Heading)
				if !ok {
					t.Errorf("%s: heading %q does not parse", f, c.Heading)
				}
				if got, want := SectionRole(c.Heading), retrieval.Role([]string{c.Heading}, retrieval.RoleAchievements); got != want {
					t.Errorf("SectionRole(%q) = %s, retrieval says %s", c.Heading, got, want)
				}
				if got := HeadingText(c.Heading); got != h.Title {
					t.Errorf("HeadingText(%q) = %q, retrieval's title is %q", c.Heading, got, h.Title)
				}
				walk(c)
			}
		}
		walk(retrieval.Structure(string(b)))
	}
}

func TestSectionRoleAgreesWithStoredRoles(t *testing.T) {
	for heading, want := range map[string]string{
		"三、工作展望":        retrieval.RolePlans, // drafting said achievements, storing plans
		"二、总体要求和目标任务":   retrieval.RolePlans,
		"（四）困难群众救助":     retrieval.RoleAchievements, // drafting said problems: 困难 is no shortcoming here
		"（二）解决群众急难愁盼问题": retrieval.RoleAchievements,
		"（五）计划生育服务管理":   retrieval.RoleAchievements,
		"二、存在的问题":       retrieval.RoleProblems,
		"三、下一步工作打算":     retrieval.RolePlans,
		"一、基本情况":        retrieval.RoleOverview,
	} {
		if got := SectionRole(heading); got != want {
			t.Errorf("SectionRole(%q) = %s, want %s", heading, got, want)
		}
	}
}
