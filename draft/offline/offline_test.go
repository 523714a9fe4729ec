package offline

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func write(t *testing.T, req draft.SectionRequest) string {
	t.Helper()
	out, err := Writer{}.Write(context.Background(), req)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if out.Model != Model {
		t.Errorf("Model = %q, want %q", out.Model, Model)
	}
	return out.Text
}

// bankStatements returns every way the phrase bank can state fig.
func bankStatements(fig draft.Figure) []string {
	var out []string
	for _, p := range bank()[unitSection(fig.Unit)] {
		out = append(out, strings.NewReplacer("{label}", fig.Label, "{token}", draft.Token(fig.ID)).Replace(p))
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestWrite(t *testing.T) {
	coverage := draft.Figure{ID: "f1", Label: "家庭医生签约服务覆盖率", Value: "80", Unit: "%"}
	vaccine := draft.Figure{ID: "f1", Label: "疫苗接种", Value: "12.5", Unit: "万剂次"}
	clinics := draft.Figure{ID: "f3", Label: "乡镇卫生院", Value: "3", Unit: "所"}
	vaccine2 := draft.Figure{ID: "f4", Label: "疫苗接种", Value: "12.5", Unit: "万剂次"}
	coverage2 := draft.Figure{ID: "f5", Label: "健康档案建档率", Value: "90", Unit: "%"}
	passage := func(text string) []retrieval.Result { return []retrieval.Result{{Text: text}} }
	tests := []struct {
		name     string
		req      draft.SectionRequest
		want     []string // substrings the text must have
		not      []string // substrings it must not have
		wantBank *draft.Figure
	}{
		{
			name: "a passage sentence in the figure's unit about its label gives the statement",
			req:  draft.SectionRequest{Heading: "一、公共卫生", Figures: []draft.Figure{coverage}, Passages: passage("全县家庭医生签约服务覆盖率达到76.5%。")},
			want: []string{"家庭医生签约服务覆盖率达到【f1】"},
		},
		{
			name: "a placeholder of a style template takes the token",
			req:  draft.SectionRequest{Heading: "一、公共卫生", Figures: []draft.Figure{vaccine}, Passages: []retrieval.Result{{Text: "XX县全年完成疫苗接种xx万剂次，接种率达xx%。", Placeholders: true}}},
			want: []string{"完成疫苗接种【f1】"},
		},
		{
			name:     "without passages the phrase bank states the figure",
			req:      draft.SectionRequest{Heading: "一、公共卫生", Figures: []draft.Figure{clinics}},
			wantBank: &clinics,
		},
		{
			name:     "a passage number in another unit does not fit",
			req:      draft.SectionRequest{Heading: "一、公共卫生", Figures: []draft.Figure{vaccine}, Passages: passage("全年完成疫苗接种12万人次。")},
			wantBank: &vaccine,
		},
		{
			name:     "a passage about another subject does not fit",
			req:      draft.SectionRequest{Heading: "一、公共卫生", Figures: []draft.Figure{clinics}, Passages: passage("全县共有村卫生室236所。")},
			wantBank: &clinics,
		},
		{
			name:     "a passage claiming a fall does not lend its verb",
			req:      draft.SectionRequest{Heading: "一、公共卫生", Figures: []draft.Figure{coverage}, Passages: passage("家庭医生签约服务覆盖率下降到70%。")},
			wantBank: &coverage,
		},
		{
			name: "derived figures are said with their base figure",
			req: draft.SectionRequest{Heading: "二、医疗服务", Figures: withDerived(draft.Figure{ID: "f2", Label: "门诊诊疗人次", Value: "120", Unit: "人次", Previous: "100", Target: "150"}),
				Passages: passage("全年门诊诊疗人次达到8.6万人次。")},
			want: []string{"，比上期增加【f2.change】，增长【f2.growth】，完成目标的【f2.completion】"},
		},
		{
			name: "derived figures listed before their base still follow it, change first",
			req:  draft.SectionRequest{Heading: "二、医疗服务", Figures: reversed(withDerived(draft.Figure{ID: "f2", Label: "门诊诊疗人次", Value: "120", Unit: "人次", Previous: "100", Target: "150"}))},
			want: []string{"门诊诊疗人次", "【f2】，比上期增加【f2.change】，增长【f2.growth】，完成目标的【f2.completion】"},
		},
		{
			name: "a rate that did not change is said to hold level",
			req:  draft.SectionRequest{Heading: "二、医疗服务", Figures: withDerived(draft.Figure{ID: "f1", Label: coverage.Label, Value: "80", Unit: "%", Previous: "80"})},
			want: []string{"，与上期持平（变化量为【f1.change】）"},
		},
		{
			name: "notes are the opening, as written",
			req:  draft.SectionRequest{Heading: "三、党建", Notes: "坚持以党建引领业务工作"},
			want: []string{"坚持以党建引领业务工作。"},
		},
		{
			name: "figures read as one paragraph",
			req: draft.SectionRequest{Heading: "一、公共卫生", Figures: []draft.Figure{coverage, clinics, vaccine2, coverage2},
				Passages: passage("全县卫生健康事业稳步发展，群众获得感持续增强。")},
			want: []string{"家庭医生签约服务覆盖率", "，乡镇卫生院", "。此外，疫苗接种"},
			not:  []string{"一是", "二是"},
		},
		{
			name: "figures are enumerated when there is no house style to follow",
			req:  draft.SectionRequest{Heading: "一、公共卫生", Figures: []draft.Figure{coverage, clinics}},
			want: []string{"一是家庭医生签约服务覆盖率", "；二是乡镇卫生院"},
		},
		{
			name: "figures are enumerated when the house style enumerates",
			req: draft.SectionRequest{Heading: "一、公共卫生", Figures: []draft.Figure{coverage, clinics},
				Passages: passage("一是强化组织领导。二是健全工作机制。")},
			want: []string{"一是家庭医生签约服务覆盖率", "；二是乡镇卫生院"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := write(t, tt.req)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(text, w) {
					t.Errorf("text has %q:\n%s", w, text)
				}
			}
			if tt.wantBank != nil && !containsAny(text, bankStatements(*tt.wantBank)) {
				t.Errorf("text states %s in none of the phrase bank's words %q:\n%s", tt.wantBank.ID, bankStatements(*tt.wantBank), text)
			}
			checkTokens(t, text, tt.req.Figures)
			checkNoNumbers(t, text)
		})
	}
}

// withDerived returns figs each followed by its derived figures.
func withDerived(figs ...draft.Figure) []draft.Figure {
	return (&draft.Figures{Sections: []draft.SectionInput{{Figures: figs}}}).WithDerived().Sections[0].Figures
}

func reversed(figs []draft.Figure) []draft.Figure {
	out := slices.Clone(figs)
	slices.Reverse(out)
	return out
}

func TestWriteStopsWhenContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Writer{}.Write(ctx, draft.SectionRequest{Heading: "一、公共卫生"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// checkTokens fails unless every figure's token appears exactly once and no other token does.
func checkTokens(t *testing.T, text string, figs []draft.Figure) {
	t.Helper()
	for _, f := range figs {
		if n := strings.Count(text, draft.Token(f.ID)); n != 1 {
			t.Errorf("token %s appears %d times, want once:\n%s", draft.Token(f.ID), n, text)
		}
	}
	if n := len(tokenRE.FindAllString(text, -1)); n != len(figs) {
		t.Errorf("text has %d tokens for %d figures:\n%s", n, len(figs), text)
	}
}

var (
	tokenRE       = regexp.MustCompile(`【[A-Za-z0-9_.\-]+】`)
	enumeratorsRE = regexp.MustCompile(`^[一二三四五六七八九]$`)
)

// checkNoNumbers fails when the text, tokens removed, has a number other than the enumerators 一是…九是.
func checkNoNumbers(t *testing.T, text string) {
	t.Helper()
	rest := tokenRE.ReplaceAllString(text, "")
	if strings.ContainsAny(rest, "0123456789０１２３４５６７８９") {
		t.Errorf("text has digits outside tokens:\n%s", text)
	}
	for _, s := range guard.ExtractNumbers(rest) {
		if c := guard.Classify(rest, s); c != guard.ClassEnumerator || !enumeratorsRE.MatchString(s.Text) || !strings.HasPrefix(rest[s.End:], "是") {
			t.Errorf("text has number %q (%s) outside tokens:\n%s", s.Text, c, text)
		}
	}
}

// Fictional material for random requests.
var (
	randLabels = []string{"门诊诊疗人次", "住院人数", "家庭医生签约服务覆盖率", "健康档案建档率", "疫苗接种", "公共卫生项目资金",
		"乡镇卫生院", "村卫生室标准化建设", "健康教育讲座", "孕产妇系统管理率", "慢性病患者规范管理", "医疗救助资金", "巡回医疗"}
	randUnits    = []string{"%", "‰", "人", "人次", "万元", "亿元", "所", "家", "万剂次", "场", "个", "", "名", "户"}
	randHeadings = []string{"一、公共卫生服务", "（二）医疗服务能力", "3. 疾病预防控制", "基层卫生", "第四，健康促进"}
	randPassages = []retrieval.Result{
		{Text: "全县家庭医生签约服务覆盖率达到76.5%，较上年提高3个百分点。"},
		{Text: "XX县全年完成疫苗接种xx万剂次，门诊诊疗人次达xx万人次，投入公共卫生项目资金xx万元。", Placeholders: true},
		{Text: "全年共开展健康教育讲座120场，覆盖群众一万余人。住院人数为5320人；乡镇卫生院共有12所。"},
		{Text: "二〇二三年，全市孕产妇系统管理率保持在95.2%，居全省第一。"},
		{Text: "累计完成村卫生室标准化建设36个，下降到8家。"},
	}
)

func randomRequest(r *rand.Rand) draft.SectionRequest {
	n := r.Intn(14)
	var in []draft.Figure
	for i := 0; i < n; i++ {
		f := draft.Figure{ID: "f" + string(rune('a'+i)), Label: randLabels[r.Intn(len(randLabels))], Unit: randUnits[r.Intn(len(randUnits))]}
		f.Value = randNumber(r)
		switch r.Intn(4) {
		case 0:
			f.Previous = randNumber(r)
		case 1:
			f.Previous = f.Value
		case 2:
			f.Previous, f.Target = randNumber(r), randNumber(r)
		}
		in = append(in, f)
	}
	figs := withDerived(in...)
	if r.Intn(3) == 0 {
		r.Shuffle(len(figs), func(i, j int) { figs[i], figs[j] = figs[j], figs[i] })
	}
	req := draft.SectionRequest{Heading: randHeadings[r.Intn(len(randHeadings))], Figures: figs}
	if r.Intn(2) == 0 {
		req.Organization, req.Period = "某县卫生健康局", "上半年"
	}
	if r.Intn(4) == 0 {
		req.Notes = "坚持以人民健康为中心"
	}
	for _, p := range randPassages {
		if r.Intn(2) == 0 {
			req.Passages = append(req.Passages, p)
		}
	}
	return req
}

func randNumber(r *rand.Rand) string {
	s := string(rune('1'+r.Intn(9))) + strings.Repeat("0", r.Intn(4))
	if r.Intn(2) == 0 {
		s += "." + string(rune('0'+r.Intn(10)))
	}
	return s
}

func TestWriteRandomFigures(t *testing.T) {
	r := rand.New(rand.NewSource(20250701))
	for i := 0; i < 300; i++ {
		req := randomRequest(r)
		text := write(t, req)
		checkTokens(t, text, req.Figures)
		checkNoNumbers(t, text)
		if again := write(t, req); again != text {
			t.Fatalf("same request, different text:\n%s\n%s", text, again)
		}
		if t.Failed() {
			t.Fatalf("request %d failed: %+v", i, req)
		}
	}
}

func TestPhraseBank(t *testing.T) {
	t.Run("the embedded bank parses", func(t *testing.T) {
		if _, err := parsePhrases(phrasesText); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no phrase holds a number of its own", func(t *testing.T) {
		for section, list := range bank() {
			for _, p := range list {
				text := strings.NewReplacer("{label}", "指标", "{token}", "，", "{lead}", "", "{topic}", "工作").Replace(p)
				if spans := guard.ExtractNumbers(text); len(spans) > 0 {
					t.Errorf("[%s] %q has number %q", section, p, spans[0].Text)
				}
			}
		}
	})
	t.Run("a bank without a section is refused", func(t *testing.T) {
		if _, err := parsePhrases("[opening]\n好\n"); err == nil {
			t.Error("no error")
		}
	})
	t.Run("a figure phrase without its token is refused", func(t *testing.T) {
		data := strings.Replace(phrasesText, "{label}达到{token}", "{label}达到", 1)
		if _, err := parsePhrases(data); err == nil {
			t.Error("no error")
		}
	})
}

func TestWriteGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "section.json"))
	if err != nil {
		t.Fatal(err)
	}
	var req draft.SectionRequest
	if err := json.Unmarshal(data, &req); err != nil {
		t.Fatal(err)
	}
	req.Figures = withDerived(req.Figures...)
	text := write(t, req) + "\n"
	golden := filepath.Join("testdata", "section.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if text != string(want) {
		t.Errorf("text differs from %s (run with -update if intended):\ngot  %s\nwant %s", golden, text, want)
	}
}

func TestWriteOpensBySectionRole(t *testing.T) {
	target := draft.Figure{ID: "p1", Label: "计划新建村卫生室", Value: "6", Unit: "所"}
	tests := []struct {
		name, heading string
		openings      []string // the text starts with one of them
		never         []string
	}{
		{"a plans section says what will be done next, not what was achieved", "三、下半年工作打算",
			[]string{"下阶段，XX县卫生健康局将", "今后，XX县卫生健康局将"}, []string{"上半年", "聚焦", "取得", "成效"}},
		{"a problems section opens on its shortcomings", "四、存在的问题和不足",
			[]string{"工作中也存在", "在取得成效的同时，工作中也存在不足："}, []string{"上半年，", "聚焦", "取得了积极成效", "工作取得新进展"}},
		{"an achievements section opens on the period's work", "一、公共卫生",
			[]string{"上半年，XX县卫生健康局"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := draft.SectionRequest{Organization: "XX县卫生健康局", Period: "上半年", Heading: tt.heading, Figures: []draft.Figure{target}}
			text := write(t, req)
			if !slices.ContainsFunc(tt.openings, func(o string) bool { return strings.HasPrefix(text, o) }) {
				t.Errorf("text opens with none of %q:\n%s", tt.openings, text)
			}
			for _, n := range tt.never {
				if strings.Contains(text, n) {
					t.Errorf("text says %q:\n%s", n, text)
				}
			}
			if again := write(t, req); again != text {
				t.Errorf("same request, different text:\n%s\n%s", text, again)
			}
			checkTokens(t, text, req.Figures)
			checkNoNumbers(t, text)
		})
	}
}

func TestWriteOpensTheDocumentAndNamesTopics(t *testing.T) {
	req := draft.SectionRequest{Heading: "总体情况", Organization: "云栖县卫生健康局", Period: "2025年"}
	if text := write(t, req); !strings.HasPrefix(text, "2025年，云栖县卫生健康局") || strings.Contains(text, "总体情况") || strings.Contains(text, "下阶段") {
		t.Errorf("the overview does not open the document: %s", text)
	}
	req.Heading = "一、履职尽责情况"
	if text := write(t, req); !strings.Contains(text, "履职尽责") || strings.Contains(text, "履职尽责情况") {
		t.Errorf("the heading's 情况 is said as a topic: %s", text)
	}
}
