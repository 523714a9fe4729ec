package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// TestReadersUseRetrievalsHeadingGrammar checks that the PDF reader's line joining and the
// numbers the Word reader writes agree with retrieval's one heading grammar.
func TestReadersUseRetrievalsHeadingGrammar(t *testing.T) {
	t.Run("the PDF reader keeps a line break before exactly the lines retrieval reads as headings", func(t *testing.T) {
		files, _ := filepath.Glob("../testdata/structure/*.txt")
		if len(files) == 0 {
			t.Fatal("no fixtures in ../testdata/structure")
		}
		lines := []string{"二)加强队伍建设", "(二加强队伍建设", "1.5万亩", "三、四级医院", "①经费不足", "第一产业增长"}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, strings.Split(string(b), "\n")...)
		}
		for _, l := range lines {
			_, ok := retrieval.ParseHeading(l)
			if got := startsHeading(l); got != ok {
				t.Errorf("startsHeading(%q) = %v, retrieval.ParseHeading says %v", l, got, ok)
			}
		}
	})
	t.Run("Word's list numbers are read back as the headings they number", func(t *testing.T) {
		tests := []struct {
			format, text string
			n            int
			kind         retrieval.MarkerKind
		}{
			{"chineseCounting", "%1、", 3, retrieval.MarkerCN},
			{"chineseCounting", "（%1）", 12, retrieval.MarkerParenCN},
			{"decimal", "%1.", 2, retrieval.MarkerNum},
			{"decimal", "%1、", 2, retrieval.MarkerNum},
			{"decimal", "(%1)", 4, retrieval.MarkerParenNum},
			{"decimalEnclosedCircle", "%1", 5, retrieval.MarkerCircled},
			{"chineseCounting", "第%1部分", 2, retrieval.MarkerChapter},
		}
		for _, tt := range tests {
			label := strings.ReplaceAll(tt.text, "%1", formatNumber(tt.n, tt.format))
			if label[len(label)-1] < 0x80 {
				label += " " // the tab after an ASCII mark, as label writes it
			}
			h, ok := retrieval.ParseHeading(label + "加强队伍建设")
			if !ok || h.Kind != tt.kind || h.Num != tt.n || h.Title != "加强队伍建设" {
				t.Errorf("%q: ParseHeading = %+v, %v; want kind %d number %d", label, h, ok, tt.kind, tt.n)
			}
		}
	})
}
