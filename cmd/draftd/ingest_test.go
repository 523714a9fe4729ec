package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/draftd/draftd/cmd/draftd/demo"
	"github.com/draftd/draftd/retrieval"
)

// TestIngestCleansByBatchEvidence ingests pages of one fictional site: a line every page
// holds is the site's furniture and goes, and --dropped lists each removal with its rule.
func TestIngestCleansByBatchEvidence(t *testing.T) {
	dir := t.TempDir()
	for i, unit := range []string{"林业局", "水务局", "教育局"} {
		page := fmt.Sprintf("青石政务网\n青石县%s2023年工作总结\n一、主要工作\n全年完成重点项目%d个，总投资%d.5亿元，群众满意度达到9%d%%。\n网站标识码 3600000001\n", unit, i+3, i+2, i+1)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("page%d.txt", i)), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, _, stderr := testMain(t, nil)
	if err := m.Run(context.Background(), []string{"ingest", "--dropped", "--collection", "site", dir}); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	out := stderr.String()
	for _, want := range []string{"page0.txt: 第 5 行去掉（各网页重复的行）：网站标识码 3600000001", "page2.txt: 第 1 行去掉（各网页重复的行）：青石政务网"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "2023年工作总结\n") && strings.Contains(out, "去掉（各网页重复的行）：青石县") {
		t.Errorf("a title was dropped as repeated:\n%s", out)
	}
}

// TestDemoCorpusHasNoSiteResidue prepares the embedded demo corpus as the first start does:
// one of its files carries a site's boilerplate on purpose, and none of it may be stored.
func TestDemoCorpusHasNoSiteResidue(t *testing.T) {
	entries, err := demo.Files.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	residue := []string{"QQ", "客服", "VIP", "会员", "下载", "版权", "Copyright", "相关推荐", "网友投稿", "范文"}
	for _, e := range entries {
		data, err := demo.Files.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		p, err := retrieval.PrepareFile(e.Name(), string(data), demoCollection)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, d := range p.Documents {
			for _, ps := range d.Passages {
				for _, w := range residue {
					if strings.Contains(ps.Text, w) || strings.Contains(d.Title, w) {
						t.Errorf("%s: %q survives in passage %q", e.Name(), w, ps.Text)
					}
				}
			}
		}
	}
}
