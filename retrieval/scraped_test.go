package retrieval_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/evalset/corpus"
	"github.com/draftd/draftd/retrieval/extract"
)

// scrapedFiles reads the file names MANIFEST.tsv lists in the corpus's scraped pages,
// skipping the test when they are absent.
func scrapedFiles(t *testing.T) (string, []string) {
	t.Helper()
	dir := filepath.Join(corpus.DirOrSkip(t), "scraped")
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if os.IsNotExist(err) {
		t.Skip("the corpus has no scraped pages")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), "\t")
		if strings.HasSuffix(name, ".txt") {
			names = append(names, name)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return dir, names
}

// scrapedMarkers are short words of a site's furniture, a news agency's residue or an
// official document's header and footer that no scraped page may keep.
var scrapedMarkers = []string{"扫一扫", "版权所有", "登录注册", "云适配", "返回手机版", "新华社记者", "新华社北京", "签发人", "此件不公开发布", "<U+"}

// scrapedExpect is what a scraped page needs besides scrapedMarkers, by the number its
// file name starts with (see MANIFEST.tsv for the noise each page has).
var scrapedExpect = map[string]struct {
	empty    bool     // nothing but furniture: refused as empty
	markers  []string // more words that must not survive
	glossary bool     // it appends a glossary, whose passages have RoleGlossary
}{
	"001": {empty: true},
	"002": {markers: []string{"e读版", "电脑版", "滑动条", "www.", "手机打开"}},
	"003": {markers: []string{"手机打开"}},
	"009": {glossary: true},
	"020": {markers: []string{"?"}},
	"025": {markers: []string{"内部事项"}},
	"027": {markers: []string{"内部事项"}},
	"030": {markers: []string{"普通事项"}},
	"038": {markers: []string{"—3—", "—4—"}},
}

// scrapedMeta is the organisation kind and the document kind each page is, by the number its
// file name starts with, as MANIFEST.tsv describes it ("" where it does not say).
var scrapedMeta = map[string][2]string{
	"002": {"政府", "报告"}, "003": {"政府", "报告"}, "004": {"政府", "报告"}, "005": {"政府", "报告"},
	"006": {"政府", "报告"}, "007": {"政府", "报告"}, "008": {"政府", "报告"}, "009": {"政府", "报告"},
	"010": {"政府", "报告"}, "011": {"政府", "报告"}, "012": {"政府", "报告"}, "018": {"政府", "报告"},
	"019": {"政府", "报告"}, "020": {"政府", "报告"},
	"025": {"企业", "计划"}, "026": {"", "要点"}, "027": {"企业", "计划"}, "028": {"党委", "报告"},
	"029": {"纪检监察", "报告"}, "030": {"企业", ""}, "031": {"", "汇报"}, "032": {"企业", "报告"},
	"033": {"企业", "报告"}, "034": {"纪检监察", "汇报"}, "035": {"", "报告"}, "036": {"", "汇报"},
	"037": {"医疗保障", "通知"}, "038": {"群团", "通知"}, "042": {"", "意见"},
}

// TestScrapedPages ingests every scraped page of the corpus as draftd ingest does (read,
// clean, split, structure) and checks that no boilerplate survives, that the title comes
// from the page and not from its file name, that its organisation kind and kind are the ones
// the manifest describes, and that the page keeps its headings.
func TestScrapedPages(t *testing.T) {
	dir, names := scrapedFiles(t)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			x, err := extract.Text(context.Background(), name, data)
			if err != nil {
				t.Fatal(err)
			}
			want := scrapedExpect[name[:3]]
			docs, _, err := retrieval.Prepare(name, x.Text, "")
			if want.empty {
				if retrieval.ErrorCode(err) != retrieval.EEMPTY {
					t.Errorf("a page of furniture only: error %v, want %s", err, retrieval.EEMPTY)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			base := strings.TrimSuffix(name, filepath.Ext(name))
			glossary := false
			for _, d := range docs {
				for _, m := range append(append([]string{}, scrapedMarkers...), want.markers...) {
					if strings.Contains(d.Text, m) || strings.Contains(d.Title, m) {
						t.Errorf("%q survives in %q", m, d.Title)
					}
				}
				if d.Title == "" || d.Title == base {
					t.Errorf("title %q: want one from the page, not its file name", d.Title)
				}
				if m, ok := scrapedMeta[name[:3]]; ok && (m[0] != "" && d.Meta.OrgKind != m[0] || m[1] != "" && d.Meta.Kind != m[1]) {
					t.Errorf("%q: organisation kind %q and kind %q, want %q and %q", d.Title, d.Meta.OrgKind, d.Meta.Kind, m[0], m[1])
				}
				if len(retrieval.Structure(d.Text).Sections) == 0 {
					t.Errorf("%q: no headings", d.Title)
				}
				for _, p := range d.Passages {
					glossary = glossary || p.Role == retrieval.RoleGlossary
				}
			}
			if want.glossary && !glossary {
				t.Error("no passage of its glossary has the glossary role")
			}
		})
	}
}
