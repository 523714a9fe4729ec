package retrieval

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// sitePage is a page of a fictional county site: its furniture around a work summary.
func sitePage(org, body string) string {
	return "青石政务网\n首页 | 政务公开 | 互动交流\n" + org + "2023年工作总结\n发布时间：2024-01-05 来源：" + org + "\n" +
		"基本情况\n" + body + "\n下半年工作打算\n继续加强安全生产工作，确保不发生重大事故，持续改进工作作风。\n" +
		org + "\n2024年1月5日\n网站标识码 3600000001\n青石县人民政府办公室主办\n技术支持：青石网络科技\n"
}

var (
	forestry = sitePage("青石县林业局", "全年完成人工造林1.2万亩，森林覆盖率达到68.3%，比上年提高0.5个百分点，林下经济产值增长12%。")
	water    = sitePage("青石县水务局", "全年新建供水管网38公里，农村自来水普及率达到96%，比上年提高2个百分点，水费回收率达到98%。")
	schools  = sitePage("青石县教育局", "全年新建校舍3所，义务教育巩固率达到99.2%，比上年提高0.3个百分点，新增学位1200个。")
)

// siteFurniture is what the plain cleaner keeps of sitePage's furniture.
var siteFurniture = []string{"网站标识码", "青石县人民政府办公室主办", "技术支持"}

// stored returns text as a store keeps it: cleaned, whole in Head.
func stored(key, raw string) DocumentEdge {
	text, _ := Clean(raw)
	return DocumentEdge{ID: key, Key: key, Head: text}
}

// cleanedWith cleans raw with ev and checks the report's contract.
func cleanedWith(t *testing.T, raw string, ev *Evidence) (string, CleanReport) {
	t.Helper()
	text, rep := CleanWith(raw, ev)
	checkCleanContract(t, raw, text, rep)
	return text, rep
}

func TestEvidenceFor(t *testing.T) {
	for _, w := range siteFurniture {
		if c, _ := Clean(water); !strings.Contains(c, w) {
			t.Fatalf("the fixture needs furniture the plain cleaner keeps: %q is dropped", w)
		}
	}
	// Evidence drops the furniture and nothing else of what the plain cleaner keeps: the title,
	// the body, an unnumbered heading both pages hold, the signature and the date.
	plain, _ := Clean(water)
	keepsBody := func(t *testing.T, text string) {
		t.Helper()
		for _, l := range strings.Split(plain, "\n") {
			if !strings.Contains(text, l) && !slices.ContainsFunc(siteFurniture, func(w string) bool { return strings.Contains(l, w) }) {
				t.Errorf("%q was dropped:\n%s", l, text)
			}
		}
		for _, w := range []string{"青石县水务局2023年工作总结", "供水管网", "下半年工作打算", "青石县水务局\n", "2024年1月5日"} {
			if !strings.Contains(text, w) {
				t.Errorf("%q was dropped:\n%s", w, text)
			}
		}
	}
	t.Run("a new site's second page is cleaned by evidence from its first", func(t *testing.T) {
		ev := EvidenceFor([]string{"water.html"}, []string{water}, []DocumentEdge{stored("forestry.html", forestry)})
		text, rep := cleanedWith(t, water, ev[0])
		for _, w := range siteFurniture {
			if strings.Contains(text, w) {
				t.Errorf("%q, which the stored page of the site holds too, survives:\n%s", w, text)
			}
		}
		if rep.Rules[RuleRepeated] != len(siteFurniture) {
			t.Errorf("rules %v: want %d lines dropped as repeated", rep.Rules, len(siteFurniture))
		}
		keepsBody(t, text)
	})
	t.Run("two pages uploaded together are evidence for each other", func(t *testing.T) {
		evs := EvidenceFor([]string{"forestry.html", "water.html"}, []string{forestry, water}, nil)
		for i, raw := range []string{forestry, water} {
			text, _ := cleanedWith(t, raw, evs[i])
			for _, w := range siteFurniture {
				if strings.Contains(text, w) {
					t.Errorf("page %d keeps %q:\n%s", i, w, text)
				}
			}
		}
	})
	t.Run("a page alone is cleaned as before", func(t *testing.T) {
		if ev := EvidenceFor([]string{"water.html"}, []string{water}, nil); ev[0] != nil {
			t.Fatalf("evidence from nothing: %+v", ev[0])
		}
	})
	t.Run("a stored copy of the same page is no evidence", func(t *testing.T) {
		copied := stored("water (1).html", water)
		if ev := EvidenceFor([]string{"water.html"}, []string{water}, []DocumentEdge{copied}); ev[0] != nil {
			text, _ := cleanedWith(t, water, ev[0])
			t.Fatalf("a copy counted as another page of the site:\n%s", text)
		}
	})
	t.Run("the document the upload replaces is no evidence", func(t *testing.T) {
		old := stored("forestry.html", forestry)
		part := old
		part.Key = "forestry.html#2"
		if ev := EvidenceFor([]string{"forestry.html"}, []string{forestry}, []DocumentEdge{old, part}); ev[0] != nil {
			t.Fatalf("the replaced document counted: %+v", ev[0])
		}
	})
	t.Run("a line two documents share inside the body needs the batch rule", func(t *testing.T) {
		// 下半年工作打算 is between body sentences in both pages.
		ev := EvidenceFor([]string{"water.html"}, []string{water}, []DocumentEdge{stored("forestry.html", forestry)})
		text, _ := cleanedWith(t, water, ev[0])
		keepsBody(t, text)
	})
	t.Run("inside the body only the batch is evidence", func(t *testing.T) {
		const scrap = "青石之窗栏目"
		mid := func(raw string) string { return strings.Replace(raw, "下半年工作打算", scrap, 1) }
		if text, _ := Clean(mid(water)); !strings.Contains(text, scrap) {
			t.Fatalf("the fixture needs a scrap the plain cleaner keeps:\n%s", text)
		}
		ev := EvidenceFor([]string{"water.html"}, []string{mid(water)},
			[]DocumentEdge{stored("forestry.html", mid(forestry)), stored("schools.html", mid(schools))})
		if text, _ := cleanedWith(t, mid(water), ev[0]); !strings.Contains(text, scrap) {
			t.Errorf("a line between body sentences was dropped for stored documents:\n%s", text)
		}
		evs := EvidenceFor([]string{"forestry.html", "water.html", "schools.html"}, []string{mid(forestry), mid(water), mid(schools)}, nil)
		if text, _ := cleanedWith(t, mid(water), evs[1]); strings.Contains(text, scrap) {
			t.Errorf("a line all three files of the batch hold survives:\n%s", text)
		}
	})
	t.Run("what a series of one author repeats between its title and its body stays", func(t *testing.T) {
		report := func(year, body string) string {
			return "政府工作报告\n——" + year + "年3月5日在青石县第十八届人民代表大会第一次会议上\n青石县县长\n王某某\n各位代表：\n" + body +
				"\n名词解释\n1.两个确保：确保粮食安全、确保不发生规模性返贫。\n"
		}
		last := report("2023", "现在，我代表县人民政府向大会报告工作，请予审议。全年地区生产总值增长6%。")
		this := report("2024", "现在，我代表县人民政府向大会报告工作，请予审议。全年地区生产总值增长5.5%。")
		ev := EvidenceFor([]string{"2024.txt"}, []string{this}, []DocumentEdge{stored("2023.txt", last)})
		text, _ := cleanedWith(t, this, ev[0])
		if plain, _ := Clean(this); text != plain {
			t.Errorf("with last year's report stored:\n%s\nalone:\n%s", text, plain)
		}
	})
	t.Run("only whole lines of a long stored document count", func(t *testing.T) {
		long := strings.Repeat("全年完成人工造林1.2万亩，森林覆盖率达到68.3%。\n", 200)
		e := DocumentEdge{Key: "long.html", Head: string([]rune(long)[:EdgeRunes]), Tail: string([]rune(long)[len([]rune(long))-EdgeRunes:])}
		lines := edgeLines(e)
		for _, l := range lines {
			if l != "" && l != "全年完成人工造林1.2万亩，森林覆盖率达到68.3%。" {
				t.Fatalf("a line cut by the edge is counted: %q", l)
			}
		}
	})
}

// TestEvidenceKeepsRepeatedClauses uploads three summaries of one bureau's offices together:
// the clauses they all repeat inside their bodies without a full stop stay, while the scraps
// of the site around and inside them go.
func TestEvidenceKeepsRepeatedClauses(t *testing.T) {
	clauses := []string{"全年未发生重大安全生产事故", "坚持稳中求进工作总基调", "持续深化“放管服”改革，优化营商环境"}
	doc := func(org string, n int) string {
		return strings.Join([]string{
			"青石政务网", org + "2025年工作总结",
			"一、主要工作",
			fmt.Sprintf("全年完成投资%d万元，同比增长%d.5%%。", 100+n, n),
			clauses[0],
			"青石之窗栏目",
			fmt.Sprintf("新建项目%d个，完成年度目标任务。", n),
			"二、下一步打算",
			clauses[1],
			clauses[2],
			fmt.Sprintf("计划新建项目%d个。", n+3),
			"青石县人民政府办公室主办",
		}, "\n")
	}
	texts := []string{doc("青石县住建局", 3), doc("青石县交通运输局", 4), doc("青石县水利局", 5)}
	evs := EvidenceFor([]string{"a.txt", "b.txt", "c.txt"}, texts, nil)
	for i, raw := range texts {
		text, rep := cleanedWith(t, raw, evs[i])
		kept := strings.Split(text, "\n")
		for _, c := range clauses {
			if !slices.Contains(kept, c) {
				t.Errorf("file %d: the clause %q was dropped (dropped: %+v)", i, c, rep.Dropped)
			}
		}
		for _, w := range []string{"青石政务网", "青石之窗栏目", "青石县人民政府办公室主办"} {
			if slices.Contains(kept, w) {
				t.Errorf("file %d: the site's %q survives:\n%s", i, w, text)
			}
		}
	}
}

// BenchmarkEvidenceFor is the cleaning evidence of one uploaded page against a full sample of
// stored documents, each with both edges of EdgeRunes runes.
func BenchmarkEvidenceFor(b *testing.B) {
	body := strings.Repeat("全年完成人工造林1.2万亩，森林覆盖率达到68.3%，比上年提高0.5个百分点。\n", 300)
	var stored []DocumentEdge
	for i := range EvidenceDocuments {
		text := fmt.Sprintf("青石县第%d局2023年工作总结\n", i) + body + "青石县人民政府办公室主办"
		rs := []rune(text)
		stored = append(stored, DocumentEdge{Key: fmt.Sprint(i), Head: string(rs[:EdgeRunes]), Tail: string(rs[len(rs)-EdgeRunes:])})
	}
	page := sitePage("青石县水务局", body)
	b.ResetTimer()
	for b.Loop() {
		EvidenceFor([]string{"water.txt"}, []string{page}, stored)
	}
}
