package guard

import (
	"slices"
	"strings"
	"testing"
)

// Invented figures of a fictional county, in the form the writer gives them.
var testFigures = []BoundFigure{
	{ID: "f1", Text: "36239人"},
	{ID: "f2", Text: "1026人"},
	{ID: "f3", Text: "91.5%"},
	{ID: "f4", Text: "318.4万元"},
	{ID: "f5", Text: "8765名"},
}

func TestCheck(t *testing.T) {
	type want struct {
		bound    []string // figureID:text, with * after an inexact match
		unbound  []string // text, or text>figureID when it resembles a figure
		allowed  []string // text|class
		missing  []string
		rankings []string
	}
	tests := []struct {
		name    string
		text    string
		figures []BoundFigure
		user    []string
		want    want
	}{
		{
			name:    "a draft that states every figure exactly passes",
			text:    "2025年上半年，全县享受政策36239人，累计救治1026人，报销比例达到91.5%，总费用318.4万元，为8765名患者送药。",
			figures: testFigures,
			user:    []string{"青禾县卫生健康局2025年上半年工作总结"},
			want: want{
				bound:   []string{"f1:36239人", "f2:1026人", "f3:91.5%", "f4:318.4万元", "f5:8765名"},
				allowed: []string{"2025年|date"},
			},
		},
		{
			name:    "a rounded figure is flagged and the figure reported missing",
			text:    "全县享受政策3.6万人。",
			figures: testFigures[:1],
			want:    want{unbound: []string{"3.6万人>f1"}, missing: []string{"f1"}},
		},
		{
			name:    "a figure respelled in Chinese numerals is flagged",
			text:    "累计救治一千零二十六人。",
			figures: testFigures[1:2],
			want:    want{unbound: []string{"一千零二十六人>f2"}, missing: []string{"f2"}},
		},
		{
			name:    "a percentage respelled in words is flagged",
			text:    "报销比例达到百分之九十一点五。",
			figures: testFigures[2:3],
			want:    want{unbound: []string{"百分之九十一点五>f3"}, missing: []string{"f3"}},
		},
		{
			name:    "a figure rounded to ten thousands is flagged as a rounding of it",
			text:    "全县约4万人享受政策，费用约320万元。",
			figures: []BoundFigure{testFigures[0], testFigures[3]},
			want:    want{unbound: []string{"4万人>f1", "320万元>f4"}, missing: []string{"f1", "f4"}},
		},
		{
			name:    "a number far from every figure resembles none",
			text:    "全县约5万人享受政策。",
			figures: testFigures[:1],
			want:    want{unbound: []string{"5万人"}, missing: []string{"f1"}},
		},
		{
			name: "the writer's period spelled with 月份 passes",
			text: "1-6月份，全县完成体检。",
			user: []string{"1-6月"},
			want: want{allowed: []string{"1-6月份|date"}},
		},
		{
			name:    "full-width digits of a figure are flagged: the writer's string must appear",
			text:    "全县享受政策３６２３９人。",
			figures: testFigures[:1],
			want:    want{unbound: []string{"３６２３９人>f1"}, missing: []string{"f1"}},
		},
		{
			name: "a count of the writer's notes is theirs whatever the width of its digits",
			text: "开展义诊3场，巡诊１２次。",
			user: []string{"开展义诊３场，巡诊12次。"},
			want: want{allowed: []string{"3场|figure", "１２次|figure"}},
		},
		{
			name:    "a value and its change written alike share their occurrences, first to the value",
			text:    "投资额为226.70万元，比上期增加226.70万元。",
			figures: []BoundFigure{{ID: "a", Text: "226.70万元"}, {ID: "a.change", Text: "226.70万元"}},
			want:    want{bound: []string{"a:226.70万元", "a.change:226.70万元"}},
		},
		{
			name:    "a change written like its value is stated by the value's one occurrence",
			text:    "投资额为226.70万元。",
			figures: []BoundFigure{{ID: "a", Text: "226.70万元"}, {ID: "a.change", Text: "226.70万元"}},
			want:    want{bound: []string{"a:226.70万元", "a.change:226.70万元"}},
		},
		{
			name:    "a previous value may be stated and is bound, but is never missing",
			text:    "报销比例达到90%，上年同期为85%。",
			figures: []BoundFigure{{ID: "f2", Text: "90%"}, {ID: "f2.previous", Text: "85%", Optional: true}, {ID: "f2.target", Text: "95%", Optional: true}},
			want:    want{bound: []string{"f2:90%", "f2.previous:85%"}},
		},
		{
			name:    "a previous value written like the value does not take the value's occurrence",
			text:    "人数为100人。",
			figures: []BoundFigure{{ID: "f9.previous", Text: "100人", Optional: true}, {ID: "f9", Text: "100人"}},
			want:    want{bound: []string{"f9:100人"}},
		},
		{
			name:    "thousands separators the writer did not type are flagged",
			text:    "全县享受政策36,239人。",
			figures: testFigures[:1],
			want:    want{unbound: []string{"36,239人>f1"}, missing: []string{"f1"}},
		},
		{
			name:    "an invented percentage is flagged",
			text:    "报销比例达到91.5%，群众满意度达到95%。",
			figures: testFigures[2:3],
			want:    want{bound: []string{"f3:91.5%"}, unbound: []string{"95%"}},
		},
		{
			name:    "a figure's bare numeral binds without its unit",
			text:    "享受政策人数达到36239，总费用318.4万。",
			figures: []BoundFigure{testFigures[0], testFigures[3]},
			want:    want{bound: []string{"f1:36239*", "f4:318.4万*"}},
		},
		{
			name:    "another unit or magnitude does not bind",
			text:    "享受政策36239户，总费用318.4元。",
			figures: []BoundFigure{testFigures[0], testFigures[3]},
			want:    want{unbound: []string{"36239户", "318.4元"}, missing: []string{"f1", "f4"}},
		},
		{
			name:    "a count never binds a percentage",
			text:    "覆盖率达到90%。",
			figures: []BoundFigure{{ID: "n", Text: "90人"}},
			want:    want{unbound: []string{"90%"}, missing: []string{"n"}},
		},
		{
			name:    "a figure inside a longer number is not stated",
			text:    "全县享受政策136239人。",
			figures: testFigures[:1],
			want:    want{unbound: []string{"136239人"}, missing: []string{"f1"}},
		},
		{
			name: "the writer's dates pass and other dates are flagged",
			text: "2025年1-6月，全县完成体检；2024年同期完成较少。",
			user: []string{"2025年1-6月"},
			want: want{allowed: []string{"2025年|date", "1-6月|date"}, unbound: []string{"2024年"}},
		},
		{
			name: "numbers in the writer's notes pass",
			text: "巡诊覆盖全县15个乡镇，新增3个站点。",
			user: []string{"巡诊覆盖全县15个乡镇"},
			want: want{allowed: []string{"15个|figure"}, unbound: []string{"3个"}},
		},
		{
			name: "a count in words the writer did not give is flagged",
			text: "我县派出两支医疗队，对三所卫生院进行改造。",
			want: want{unbound: []string{"两支", "三所"}},
		},
		{
			name: "enumerators and fixed names pass",
			text: "一是进一步深化改革，学习党的二十大精神；二是推进三甲医院创建，建成5G平台。",
			want: want{allowed: []string{"一|enumerator", "一|fixed_name", "二十|fixed_name", "二|enumerator", "三|fixed_name", "5|fixed_name"}},
		},
		{
			name: "rankings pass as numbers but are reported",
			text: "县人民医院综合排名全市第一，在全省率先建成胸痛中心，是全区唯一。",
			want: want{
				allowed:  []string{"一|ranking", "一|ranking"},
				rankings: []string{"全市第一", "率先", "全区唯一"},
			},
		},
		{
			name: "a 第一 that enumerates is no ranking",
			text: "第一，压实责任。",
			want: want{allowed: []string{"一|enumerator"}},
		},
		{
			name: "a ranking phrase that would cut a date is not reported",
			text: "全县第一季度完成任务。",
			user: []string{"第一季度"},
			want: want{allowed: []string{"一季度|date"}},
		},
		{
			name:    "the exact text of a figure wins over a looser match",
			text:    "新增5所卫生院和5家社康机构，共5个。",
			figures: []BoundFigure{{ID: "a", Text: "5家"}, {ID: "b", Text: "5所"}},
			want:    want{bound: []string{"b:5所", "a:5家"}, unbound: []string{"5个"}},
		},
		{
			name:    "a derived figure with a compound unit binds",
			text:    "报销比例提高5.5个百分点。",
			figures: []BoundFigure{{ID: "f3.change", Text: "5.5个百分点"}},
			want:    want{bound: []string{"f3.change:5.5个百分点"}},
		},
		{
			name:    "a figure that has no number is stated by its text",
			text:    "实现了零的突破。",
			figures: []BoundFigure{{ID: "z", Text: "零的突破"}},
			want:    want{bound: []string{"z:零"}},
		},
		{
			name:    "nothing to state and nothing stated passes",
			text:    "全面加强党的建设。",
			figures: nil,
			want:    want{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Check(tt.text, tt.figures, tt.user)
			var got want
			for _, m := range rep.Bound {
				s := m.FigureID + ":" + m.Span.Text
				if !m.Exact {
					s += "*"
				}
				got.bound = append(got.bound, s)
			}
			for _, f := range rep.Unbound {
				s := f.Text
				if f.FigureID != "" {
					s += ">" + f.FigureID
				}
				got.unbound = append(got.unbound, s)
				if f.Reason == "" {
					t.Errorf("unbound %q has no reason", f.Text)
				}
			}
			for _, f := range rep.Allowed {
				got.allowed = append(got.allowed, f.Text+"|"+string(f.Class))
			}
			got.missing = rep.Missing
			for _, p := range rep.Rankings {
				got.rankings = append(got.rankings, p.Text)
			}
			for _, c := range []struct {
				what      string
				got, want []string
			}{
				{"bound", got.bound, tt.want.bound},
				{"unbound", got.unbound, tt.want.unbound},
				{"allowed", got.allowed, tt.want.allowed},
				{"missing", got.missing, tt.want.missing},
				{"rankings", got.rankings, tt.want.rankings},
			} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if ok := len(tt.want.unbound) == 0 && len(tt.want.missing) == 0; rep.OK() != ok {
				t.Errorf("OK() = %v, want %v", rep.OK(), ok)
			}
		})
	}
}

// TestCheckAccountsForEveryNumber runs the guard over real summaries: every number must land in
// exactly one of Bound, Allowed and Unbound, none silently dropped.
func TestCheckAccountsForEveryNumber(t *testing.T) {
	for _, text := range corpusTexts(t) {
		spans := ExtractNumbers(text)
		rep := Check(text, testFigures, []string{"2020年上半年"})
		seen := map[int]int{}
		for _, m := range rep.Bound {
			seen[m.Span.Start]++
		}
		for _, f := range rep.Unbound {
			seen[f.Start]++
		}
		for _, f := range rep.Allowed {
			seen[f.Start]++
		}
		for _, s := range spans {
			if seen[s.Start] != 1 {
				t.Fatalf("number %q at %d is accounted for %d times", s.Text, s.Start, seen[s.Start])
			}
		}
		if n := len(rep.Bound) + len(rep.Unbound) + len(rep.Allowed); n != len(spans) {
			t.Fatalf("report holds %d numbers, text has %d", n, len(spans))
		}
		for _, p := range rep.Rankings {
			if p.Class != ClassRanking || text[p.Start:p.End] != p.Text {
				t.Fatalf("ranking %+v is not a ranking phrase of the text", p)
			}
		}
	}
}

func TestParseAllowlistRejectsBadPatterns(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{"a pattern before any section", "十九大\n", "line 1: pattern \"十九大\" before any section"},
		{"an unknown section", "[names]\n", "line 1: unknown section [names]"},
		{"an unclosed brace", "[name]\n# ok\n{一,二期\n", "line 3: pattern \"{一,二期\": { without }"},
		{"nested braces", "[name]\n{一,{二}}期\n", "nested {"},
		{"a stray closing brace", "[name]\n一}期\n", "stray } or ,"},
		{"a doubled wildcard", "[name]\n##届\n", "## matches nothing more than #"},
		{"a wildcard alone", "[name]\n{#}\n", "has no literal text"},
		{"a space inside a pattern", "[name]\n十九 大\n", "has a space"},
		{"an expansion too large", "[name]\n{1,2,3,4,5,6,7,8,9,0}{1,2,3,4,5,6,7,8,9,0}{1,2,3,4,5,6,7,8,9,0}{1,2}G\n", "more than 1000 patterns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAllowlist(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseAllowlist error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseAllowlistExpandsBracesAndWildcards(t *testing.T) {
	a, err := ParseAllowlist("# comment\n\n[name]\n{一,二}期{,工程}\n#届#中全会\n[ranking]\n全{市,县}第#\n")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Patterns(ClassFixedName), []string{"一期", "一期工程", "二期", "二期工程", "#届#中全会"}; !slices.Equal(got, want) {
		t.Errorf("names = %q, want %q", got, want)
	}
	if got, want := a.Patterns(ClassRanking), []string{"全市第#", "全县第#"}; !slices.Equal(got, want) {
		t.Errorf("rankings = %q, want %q", got, want)
	}
	text := "党的二十届三中全会和全县第12名"
	for _, c := range []struct {
		span   string
		phrase string
		class  Class
	}{
		{"二十届", "二十届三中全会", ClassFixedName},
		{"三", "二十届三中全会", ClassFixedName},
		{"12名", "", ""}, // 全县第# ends before 名: the span is not inside it
	} {
		i := strings.Index(text, c.span)
		p, class, ok := a.Cover(text, i, i+len(c.span))
		if p.Text != c.phrase || class != c.class || ok != (c.phrase != "") {
			t.Errorf("Cover(%q) = %q %s %v, want %q %s", c.span, p.Text, class, ok, c.phrase, c.class)
		}
	}
	if got := a.Find(text); len(got) != 2 || got[0].Text != "二十届三中全会" || got[1].Text != "全县第12" || got[1].Class != ClassRanking {
		t.Errorf("Find = %+v", got)
	}
}

func TestDefaultAllowlistParses(t *testing.T) {
	a, err := ParseAllowlist(allowlistText)
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() < 500 {
		t.Errorf("default allowlist has %d patterns, want hundreds", a.Len())
	}
}

// shadowsRanking reports whether name holds a ranking phrase, which it then keeps out of
// Report.Rankings (最大限度 is no claim of 最大).
func shadowsRanking(a *Allowlist, name string) bool {
	for _, r := range a.Patterns(ClassRanking) {
		if !strings.Contains(r, "#") && strings.Contains(name, r) {
			return true
		}
	}
	return false
}

// TestDefaultAllowlistNamesExcuseTheirNumbers checks each name of the embedded list on its own, with
// # filled in both ways: it must hold a number (or shadow a ranking phrase), and every number in it
// must read as a fixed name.
// A name whose numeral the extractor reads with a unit running past the phrase would excuse nothing.
func TestDefaultAllowlistNamesExcuseTheirNumbers(t *testing.T) {
	a := DefaultAllowlist()
	g := New(a)
	for _, p := range a.Patterns(ClassFixedName) {
		for _, fill := range []string{"二", "2"} {
			text := strings.ReplaceAll(p, "#", fill)
			spans := ExtractNumbers(text)
			if len(spans) == 0 && !shadowsRanking(a, p) {
				t.Errorf("name %q (as %q) has no number and holds no ranking phrase: it does nothing", p, text)
				continue
			}
			for _, s := range spans {
				if c := g.Classify(text, s); c != ClassFixedName {
					t.Errorf("name %q (as %q): %q is %s, want %s", p, text, s.Text, c, ClassFixedName)
				}
			}
		}
	}
	for _, p := range a.Patterns(ClassRanking) {
		text := strings.ReplaceAll(p, "#", "三")
		for _, s := range ExtractNumbers(text) {
			if c := g.Classify(text, s); c != ClassRanking {
				t.Errorf("ranking %q (as %q): %q is %s, want %s", p, text, s.Text, c, ClassRanking)
			}
		}
	}
}

// A date is never taken for a figure that has no unit: 7月 in last year's sentence is no statement
// of a figure of 7 (a slot made of 八卦岭's 八, say), so nothing vouches for it.
func TestDateIsNoUnitlessFigure(t *testing.T) {
	g := New(nil)
	rep := g.Check("7月，迎来了全省领导的调研。", []BoundFigure{{ID: "s1f1", Text: "7"}}, []string{"2025年"})
	for _, b := range rep.Bound {
		if b.FigureID == "s1f1" {
			t.Errorf("7月 bound to the unitless figure 7: %+v", b)
		}
	}
	rep = g.Check("新建警务室7个。", []BoundFigure{{ID: "s1f1", Text: "7"}}, nil)
	if len(rep.Bound) != 1 || rep.Bound[0].FigureID != "s1f1" {
		t.Errorf("7个 is still the unitless figure 7: %+v", rep)
	}
}
