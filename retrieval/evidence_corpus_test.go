package retrieval_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/evalset"
	"github.com/draftd/draftd/retrieval/evalset/corpus"
	"github.com/draftd/draftd/retrieval/extract"
)

// TestStoredEvidenceCorpus uploads the corpus one file at a time into one collection, each
// cleaned with the evidence of the documents stored before it (retrieval.EvidenceFor over the
// edges a store returns), and compares every file with it cleaned alone: what the evidence drops
// on top must be furniture — no body sentence, no heading, nothing but the repeated rule — and
// the scraped pages must keep every line their markers do not name.
func TestStoredEvidenceCorpus(t *testing.T) {
	dir := corpus.DirOrSkip(t)
	files, err := evalset.Files(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var names, texts []string
	for _, f := range files {
		names, texts = append(names, f.Name), append(texts, f.Text)
	}
	if _, err := os.Stat(filepath.Join(dir, "scraped", "MANIFEST.tsv")); err == nil {
		sdir, snames := scrapedFiles(t)
		for _, n := range snames {
			data, err := os.ReadFile(filepath.Join(sdir, n))
			if err != nil {
				t.Fatal(err)
			}
			x, err := extract.Text(context.Background(), n, data)
			if err != nil {
				t.Fatal(err)
			}
			names, texts = append(names, n), append(texts, x.Text)
		}
	}
	t.Run("uploaded one at a time, evidence drops nothing but furniture", func(t *testing.T) { uploadOneByOne(t, names, texts) })
	t.Run("a site new to draftd loses its furniture from its second page on", func(t *testing.T) { newSite(t, names, texts) })
}

// stack puts the document cleaned as text on top of stored, as a store returns them (newest
// first, their edges only), keeping at most EvidenceDocuments.
func stack(stored []retrieval.DocumentEdge, key, cleaned string) []retrieval.DocumentEdge {
	e := retrieval.DocumentEdge{ID: key, Key: key, Head: cleaned}
	if rs := []rune(cleaned); len(rs) > retrieval.EdgeRunes {
		e.Head, e.Tail = string(rs[:retrieval.EdgeRunes]), string(rs[len(rs)-retrieval.EdgeRunes:])
	}
	return append([]retrieval.DocumentEdge{e}, stored[:min(len(stored), retrieval.EvidenceDocuments-1)]...)
}

func uploadOneByOne(t *testing.T, names, texts []string) {
	var stored []retrieval.DocumentEdge
	extra := map[string]int{}
	for i, text := range texts {
		ev := retrieval.EvidenceFor(names[i:i+1], texts[i:i+1], stored)
		cleaned, rep := retrieval.CleanWith(text, ev[0])
		alone, arep := retrieval.Clean(text)
		before := map[int]bool{}
		for _, d := range arep.Dropped {
			before[d.Line] = true
		}
		for _, d := range rep.Dropped {
			if before[d.Line] {
				continue
			}
			extra[d.Rule]++
			if d.Rule != retrieval.RuleRepeated && d.Rule != retrieval.RulePageTail {
				t.Errorf("%s: line %d dropped as %s only with evidence: %q", names[i], d.Line, d.Rule, d.Text)
			}
			if strings.ContainsAny(d.Text, "。！？") && len([]rune(d.Text)) >= 20 {
				t.Errorf("%s: a body sentence dropped: line %d %q", names[i], d.Line, d.Text)
			}
			if _, ok := retrieval.ParseHeading(d.Text); ok {
				t.Errorf("%s: a heading dropped: line %d %q", names[i], d.Line, d.Text)
			}
			t.Logf("%s: line %d dropped (%s): %q", names[i], d.Line, d.Rule, d.Text)
		}
		if strings.TrimSpace(cleaned) == "" && strings.TrimSpace(alone) != "" {
			t.Errorf("%s: nothing left with evidence", names[i])
		}
		if strings.TrimSpace(cleaned) == "" {
			continue
		}
		stored = stack(stored, names[i], cleaned)
	}
	t.Logf("%d files uploaded one at a time: lines dropped by stored evidence on top of cleaning alone, by rule: %v", len(texts), extra)
}

// siteHeader and siteFooter are a fictional site's furniture that cleaning alone keeps: its
// name above the title, its operator, licence and support lines below the body.
var (
	siteHeader = []string{"青石在线", "政务公开专栏"}
	siteFooter = []string{"青石县人民政府办公室主办", "网站标识码 3600000001", "青ICP备2024000001号", "技术支持：青石网络科技有限公司"}
)

// newSite puts every file of the corpus on the pages of one site new to draftd and uploads them
// one at a time: from the second page on, the site's footer must go (its header goes where the
// page has a title line; counted) and everything else cleaning alone keeps must stay.
func newSite(t *testing.T, names, texts []string) {
	var stored []retrieval.DocumentEdge
	pages, footers, headers, changed, sameWith, sameWithout := 0, 0, 0, 0, 0, 0
	for i, text := range texts {
		alone, _ := retrieval.Clean(text)
		if strings.TrimSpace(alone) == "" {
			continue
		}
		page := strings.Join(siteHeader, "\n") + "\n" + text + "\n" + strings.Join(siteFooter, "\n") + "\n"
		ev := retrieval.EvidenceFor(names[i:i+1], []string{page}, stored)
		cleaned, _ := retrieval.CleanWith(page, ev[0])
		stored = stack(stored, names[i], cleaned)
		if len(stored) == 1 {
			continue // the site's first page: nothing to learn from yet
		}
		pages++
		kept := map[string]bool{}
		for _, l := range strings.Split(cleaned, "\n") {
			kept[l] = true
		}
		for _, l := range siteFooter {
			if kept[l] {
				footers++
				t.Logf("%s: the site's footer line %q survives", names[i], l)
			}
		}
		for _, l := range siteHeader {
			if kept[l] {
				headers++
			}
		}
		site := map[string]bool{}
		for _, l := range append(append([]string{}, siteHeader...), siteFooter...) {
			site[l] = true
		}
		for _, l := range strings.Split(alone, "\n") {
			if !kept[l] && !site[l] {
				changed++
				t.Logf("%s: %q, which cleaning alone keeps, was dropped", names[i], l)
				if _, heading := retrieval.ParseHeading(l); heading || strings.ContainsAny(l, "。！？") && len([]rune(l)) >= 20 {
					t.Errorf("%s: a heading or a body sentence was dropped: %q", names[i], l)
				}
			}
		}
		// The documents read from the page are those read from its text alone, at least
		// wherever they are without the evidence.
		want := readAs(names[i], text, nil)
		with, without := readAs(names[i], page, ev[0]), readAs(names[i], page, nil)
		if with == want {
			sameWith++
		}
		if without == want {
			sameWithout++
			if with != want {
				t.Errorf("%s: read as\n%s\nwith the evidence, as\n%s\nwithout it and from its text alone", names[i], with, want)
			}
		}
	}
	t.Logf("%d pages after the first: footer lines surviving %d of %d, header lines surviving %d of %d (a header goes only above a "+
		"title line), other lines lost %d (scraps near dropped furniture); documents read as from their text alone: %d with the "+
		"evidence, %d without", pages, footers, pages*len(siteFooter), headers, pages*len(siteHeader), changed, sameWith, sameWithout)
	if footers*50 > pages*len(siteFooter) {
		t.Errorf("more than 2%% of the footer lines survive")
	}
}

// readAs describes the documents Prepare reads from a file: titles, kinds and headings.
func readAs(name, text string, ev *retrieval.Evidence) string {
	docs, _, err := retrieval.PrepareWith(name, text, "", ev)
	if err != nil {
		return "error: " + retrieval.ErrorCode(err)
	}
	var b strings.Builder
	for _, d := range docs {
		fmt.Fprintf(&b, "%q %s %s %v, %d sections\n", d.Title, d.Meta.OrgKind, d.Meta.Kind, d.Meta.Years, len(retrieval.Structure(d.Text).Sections))
	}
	return b.String()
}
