package guard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/draftd/draftd/retrieval/evalset"
	"github.com/draftd/draftd/retrieval/evalset/corpus"
)

func TestExtractNumbers(t *testing.T) {
	type want struct {
		text, num, value, unit string
		kind                   Kind
	}
	tests := []struct {
		name string
		in   string
		want []want
	}{
		{"integers keep their unit", "全县享受政策41562人。", []want{{"41562人", "41562", "41562", "人", KindArabic}}},
		{"decimals with a magnitude are multiplied out", "总费用318.4万元", []want{{"318.4万元", "318.4万", "3184000", "元", KindArabic}}},
		{"magnitude and compound unit", "检测2.06万人次", []want{{"2.06万人次", "2.06万", "20600", "人次", KindArabic}}},
		{"thousands separators are dropped from the value", "办理1,605个，投入1,234,567元", []want{
			{"1,605个", "1,605", "1605", "个", KindArabic}, {"1,234,567元", "1,234,567", "1234567", "元", KindArabic}}},
		{"a comma used as Chinese punctuation separates numbers", "救治1026人,25种大病", []want{
			{"1026人", "1026", "1026", "人", KindArabic}, {"25种", "25", "25", "种", KindArabic}}},
		{"full-width digits are folded in the value only", "住院１２３４５人次", []want{{"１２３４５人次", "１２３４５", "12345", "人次", KindArabic}}},
		{"percent signs of both widths and per mille", "达到91.5%，９０％，患病率3.87‰", []want{
			{"91.5%", "91.5", "91.5", "%", KindPercent}, {"９０％", "９０", "90", "％", KindPercent}, {"3.87‰", "3.87", "3.87", "‰", KindPercent}}},
		{"percentages in words", "百分之九十，百分之九十五点五，千分之三，百分之百", []want{
			{"百分之九十", "百分之九十", "90", "%", KindPercent}, {"百分之九十五点五", "百分之九十五点五", "95.5", "%", KindPercent},
			{"千分之三", "千分之三", "3", "‰", KindPercent}, {"百分之百", "百分之百", "100", "%", KindPercent}}},
		{"ranges with every connector", "1-6月，1—6月，1至6月，3～5年，6至8层，三至五年，一到两年", []want{
			{"1-6月", "1-6", "1-6", "月", KindRange}, {"1—6月", "1—6", "1-6", "月", KindRange}, {"1至6月", "1至6", "1-6", "月", KindRange},
			{"3～5年", "3～5", "3-5", "年", KindRange}, {"6至8层", "6至8", "6-8", "层", KindRange},
			{"三至五年", "三至五", "3-5", "年", KindRange}, {"一到两年", "一到两", "1-2", "年", KindRange}}},
		{"percentage ranges", "3%-5%，3-5%", []want{{"3%-5%", "3%-5", "3-5", "%", KindRange}, {"3-5%", "3-5", "3-5", "%", KindRange}}},
		{"Chinese numerals are computed", "一百二十三，三千五百，两万，三万六千，一千零二十六，一千零六，三万五，一亿二千万，十二", []want{
			{"一百二十三", "一百二十三", "123", "", KindChinese}, {"三千五百", "三千五百", "3500", "", KindChinese},
			{"两万", "两万", "20000", "", KindChinese}, {"三万六千", "三万六千", "36000", "", KindChinese},
			{"一千零二十六", "一千零二十六", "1026", "", KindChinese}, {"一千零六", "一千零六", "1006", "", KindChinese},
			{"三万五", "三万五", "35000", "", KindChinese}, {"一亿二千万", "一亿二千万", "120000000", "", KindChinese},
			{"十二", "十二", "12", "", KindChinese}}},
		{"Chinese numerals with measure words", "三所卫生院，两支医疗队，五个乡镇，十项措施", []want{
			{"三所", "三", "3", "所", KindChinese}, {"两支", "两", "2", "支", KindChinese},
			{"五个", "五", "5", "个", KindChinese}, {"十项", "十", "10", "项", KindChinese}}},
		{"years in Chinese digits", "二〇二五年", []want{{"二〇二五年", "二〇二五", "2025", "年", KindChinese}}},
		{"runs that are no single number have no value", "十四五，七八个，三三两两", []want{
			{"十四五", "十四五", "", "", KindChinese}, {"七八个", "七八", "", "个", KindChinese}, {"三三两两", "三三两两", "", "", KindChinese}}},
		{"fractions", "三分之一，占1/3", []want{{"三分之一", "三分之一", "1/3", "", KindFraction}, {"1/3", "1/3", "1/3", "", KindFraction}}},
		{"multiples", "翻一番，翻了两番，1.5倍，两倍", []want{
			{"翻一番", "一", "1", "番", KindMultiple}, {"翻了两番", "两", "2", "番", KindMultiple},
			{"1.5倍", "1.5", "1.5", "倍", KindMultiple}, {"两倍", "两", "2", "倍", KindMultiple}}},
		{"approximations stay in the text", "400余次，十多个，2万余人次，300多万套", []want{
			{"400余次", "400", "400", "次", KindArabic}, {"十多个", "十", "10", "个", KindChinese},
			{"2万余人次", "2万", "20000", "人次", KindArabic}, {"300多万套", "300多万", "3000000", "套", KindArabic}}},
		{"an approximation word without a unit is left to the next word", "10多种，30余", []want{
			{"10多种", "10", "10", "种", KindArabic}, {"30", "30", "30", "", KindArabic}}},
		{"units that start a word are not units", "第五周期，千万家庭，二人民医院", []want{
			{"五", "五", "5", "", KindChinese}, {"千万", "千万", "10000000", "", KindChinese}, {"二", "二", "2", "", KindChinese}}},
		{"units beginning with a magnitude character", "2226.91千克，提高2个百分点，134.9万亿元", []want{
			{"2226.91千克", "2226.91", "2226.91", "千克", KindArabic}, {"2个百分点", "2", "2", "个百分点", KindArabic},
			{"134.9万亿元", "134.9万亿", "134900000000000", "元", KindArabic}}},
		{"ISO dates, times and ratios", "2020-10-03 09:40:59，比例1:1", []want{
			{"2020-10-03", "2020-10-03", "2020-10-03", "", KindDate}, {"09:40:59", "09:40:59", "09:40:59", "", KindRatio},
			{"1:1", "1:1", "1:1", "", KindRatio}}},
		{"numeral symbols", "①②⑴⒈❶Ⅲ", []want{
			{"①", "①", "1", "", KindSymbol}, {"②", "②", "2", "", KindSymbol}, {"⑴", "⑴", "1", "", KindSymbol},
			{"⒈", "⒈", "1", "", KindSymbol}, {"❶", "❶", "1", "", KindSymbol}, {"Ⅲ", "Ⅲ", "3", "", KindSymbol}}},
		{"a minus sign only where no word precedes it", "（-3%），1月-6月，COVID-19", []want{
			{"-3%", "-3", "-3", "%", KindPercent}, {"1月", "1", "1", "月", KindArabic}, {"6月", "6", "6", "月", KindArabic},
			{"19", "19", "19", "", KindArabic}}},
		{"a heading number is no decimal", "1.加强管理", []want{{"1", "1", "1", "", KindArabic}}},
		{"trailing zeros are trimmed from the value", "0.50元，007号", []want{{"0.50元", "0.50", "0.5", "元", KindArabic}, {"007号", "007", "7", "号", KindArabic}}},
		{"financial numerals are not read", "队伍建设，大陆", nil},
		{"text without numbers", "全面加强党的建设。", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExtractNumbers(tt.in)
			checkSpans(t, tt.in, got)
			if len(got) != len(tt.want) {
				t.Fatalf("ExtractNumbers(%q) = %v, want %d spans", tt.in, spanTexts(got), len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Text != w.text || g.Num != w.num || g.Value != w.value || g.Unit != w.unit || g.Kind != w.kind {
					t.Errorf("span %d = {%q num %q value %q unit %q %s}, want {%q num %q value %q unit %q %s}",
						i, g.Text, g.Num, g.Value, g.Unit, g.Kind, w.text, w.num, w.value, w.unit, w.kind)
				}
			}
		})
	}
}

// checkSpans fails t unless spans are ordered, do not overlap, and each Text is text at its offsets.
func checkSpans(t testing.TB, text string, spans []NumberSpan) {
	t.Helper()
	prev := 0
	for i, s := range spans {
		if s.Start < prev || s.End <= s.Start || s.End > len(text) {
			t.Fatalf("span %d [%d,%d) out of order or empty (previous ends at %d, text %d bytes)", i, s.Start, s.End, prev, len(text))
		}
		if text[s.Start:s.End] != s.Text {
			t.Fatalf("span %d Text %q is not the text at [%d,%d): %q", i, s.Text, s.Start, s.End, text[s.Start:s.End])
		}
		if !utf8.ValidString(s.Text) && utf8.ValidString(text) {
			t.Fatalf("span %d cuts a character: %q", i, s.Text)
		}
		if s.Num == "" {
			t.Fatalf("span %d %q has no Num", i, s.Text)
		}
		prev = s.End
	}
}

func spanTexts(spans []NumberSpan) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Text
	}
	return out
}

// markedCase is a sentence of testdata/numbers/cases.txt with its [[text|class]] marks removed.
type markedCase struct {
	line  int
	plain string
	want  []markedSpan
}

type markedSpan struct {
	start int
	text  string
	class Class
}

func readMarkedCases(t *testing.T, path string) []markedCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []markedCase
	for n, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "# ") || line == "#" {
			continue
		}
		c := markedCase{line: n + 1}
		var b strings.Builder
		rest := line
		for {
			i := strings.Index(rest, "[[")
			if i < 0 {
				b.WriteString(rest)
				break
			}
			b.WriteString(rest[:i])
			j := strings.Index(rest[i:], "]]")
			if j < 0 {
				t.Fatalf("%s:%d: [[ without ]]", path, n+1)
			}
			text, class, ok := strings.Cut(rest[i+2:i+j], "|")
			if !ok {
				t.Fatalf("%s:%d: mark %q has no |class", path, n+1, rest[i:i+j+2])
			}
			c.want = append(c.want, markedSpan{start: b.Len(), text: text, class: Class(class)})
			b.WriteString(text)
			rest = rest[i+j+2:]
		}
		c.plain = b.String()
		cases = append(cases, c)
	}
	return cases
}

func TestMarkedCases(t *testing.T) {
	path := filepath.Join("testdata", "numbers", "cases.txt")
	cases := readMarkedCases(t, path)
	if len(cases) < 20 {
		t.Fatalf("only %d cases in %s", len(cases), path)
	}
	for _, c := range cases {
		t.Run(c.plain, func(t *testing.T) {
			got := ExtractNumbers(c.plain)
			checkSpans(t, c.plain, got)
			var gotMarks, wantMarks []string
			for _, s := range got {
				gotMarks = append(gotMarks, s.Text+"|"+string(Classify(c.plain, s)))
			}
			for _, w := range c.want {
				wantMarks = append(wantMarks, w.text+"|"+string(w.class))
			}
			if strings.Join(gotMarks, " ") != strings.Join(wantMarks, " ") {
				t.Fatalf("%s:%d\n got: %v\nwant: %v", path, c.line, gotMarks, wantMarks)
			}
			for i, w := range c.want {
				if got[i].Start != w.start {
					t.Errorf("%s:%d: %q starts at %d, want %d", path, c.line, w.text, got[i].Start, w.start)
				}
			}
		})
	}
}

// corpusTexts returns the sample summaries and the government work reports from 2015 on, in file order.
func corpusTexts(t testing.TB) []string {
	t.Helper()
	dir := corpus.DirOrSkip(t)
	var texts []string
	for _, name := range []string{"001_b1ea3985e9880e92.txt", "002_f6faebdb4ee4e257.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Skipf("corpus file %s unreadable: %v", name, err)
		}
		texts = append(texts, string(b))
	}
	reports, err := evalset.Reports(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		if y, ok := r.Year.(string); ok && y >= "2015" {
			texts = append(texts, r.Content)
		}
	}
	return texts
}

// corpusSentence returns the sentence (up to 。；or a line break) of the texts that contains anchor.
func corpusSentence(texts []string, anchor string) (string, bool) {
	for _, text := range texts {
		i := strings.Index(text, anchor)
		if i < 0 {
			continue
		}
		start := 0
		for _, sep := range []string{"。", "；", "\n"} {
			if k := strings.LastIndex(text[:i], sep); k >= 0 && k+len(sep) > start {
				start = k + len(sep)
			}
		}
		end := len(text)
		for _, sep := range []string{"。", "；", "\n"} {
			if k := strings.Index(text[i:], sep); k >= 0 && i+k < end {
				end = i + k
			}
		}
		return text[start:end], true
	}
	return "", false
}

// TestCorpusSentences classifies the numbers of real sentences, found by a short anchor so that the
// repository holds none of their text.
func TestCorpusSentences(t *testing.T) {
	texts := corpusTexts(t)
	tests := []struct {
		name   string
		anchor string
		want   []string // text|class of every number of the sentence
	}{
		{"a count of beneficiaries is a figure", "享受健康扶贫政策", []string{"36239人|figure"}},
		{"counts and a percentage", "做好大病专项集中救治", []string{"1026人|figure", "25种|figure", "90%|figure"}},
		{"money and a count in one sentence", "贫困慢病患者开展了送医送药", []string{
			"9478名|figure", "226.7万元|figure", "45.2万元|figure", "80%|figure"}},
		{"a magnitude with a compound unit, and three labs in words", "开展核酸检测", []string{"三家|figure", "1.24万人次|figure"}},
		{"per-mille and percentage rates", "报告患病率", []string{"4.53‰|figure", "95.95%|figure"}},
		{"numbers with units inside document titles are still counts", "第32个爱国卫生月", []string{
			"一|enumerator", "百日|fixed_name", "32个|figure", "4个|figure"}},
		{"two medical teams are a count, written in words", "援鄂医疗队分别于", []string{"两|figure", "2月|date", "15日|date"}},
		{"a ranking with a number and a district's first", "区属三甲医院数量", []string{
			"三|fixed_name", "三|fixed_name", "一|ranking", "4家|figure"}},
		{"a policy name of numbers joined by plus", "医疗设施布局规划", []string{"1|fixed_name", "3|fixed_name", "6|fixed_name"}},
		{"hospital grades and 10S management are names", "持续推行10S精益管理", []string{"10|fixed_name"}},
		{"a table of contents line", "区卫生健康局2023年工作总结和2024年工作计划2", []string{
			"1|enumerator", "2023年|date", "2024年|date", "2|figure"}},
		{"plenum and congress names", "党的二十届三中全会胜利召开", []string{"二十届|fixed_name", "三|fixed_name", "一|fixed_name"}},
		{"a national total in trillions", "国内生产总值达到134.9万亿元", []string{"134.9万亿元|figure", "5%|figure", "30%|figure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sentence, ok := corpusSentence(texts, tt.anchor)
			if !ok {
				t.Skipf("anchor %q not in the corpus: the corpus changed", tt.anchor)
			}
			spans := ExtractNumbers(sentence)
			checkSpans(t, sentence, spans)
			var got []string
			for _, s := range spans {
				got = append(got, s.Text+"|"+string(Classify(sentence, s)))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("sentence with %q:\n got: %v\nwant: %v", tt.anchor, got, tt.want)
			}
		})
	}
}

func TestExtractNumbersOnTheCorpusKeepsItsInvariants(t *testing.T) {
	texts := corpusTexts(t)
	total := 0
	for _, text := range texts {
		spans := ExtractNumbers(text)
		checkSpans(t, text, spans)
		total += len(spans)
	}
	if total < 1000 {
		t.Errorf("only %d numbers in the whole corpus", total)
	}
}

func FuzzExtractNumbers(f *testing.F) {
	for _, seed := range []string{
		"全县享受政策41562人，报销比例达到91.5%。", "1-6月", "1—6月", "三至五年", "百分之九十五点五", "翻了一番",
		"1,234,567", "１，２３４", "2020-10-03", "09:40:59", "3%-5%", "-3", "—-3", "一百零", "万万亿亿", "亿亿亿亿亿亿",
		"九千九百九十九万九千九百九十九亿", "①⑳⒛", "三分之", "百分之", "1.", ".5", "5..5", "1/", "1/2/3", "300多万", "千克",
		"\xff\xfe一", "二〇二五二〇二五二〇二五二〇二五二〇二五", "0000000000000000000001.000000",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		spans := ExtractNumbers(text)
		prev := 0
		for i, s := range spans {
			if s.Start < prev || s.End <= s.Start || s.End > len(text) || text[s.Start:s.End] != s.Text {
				t.Fatalf("span %d %+v invalid in %q", i, s, text)
			}
			prev = s.End
		}
		for _, s := range spans {
			_ = Classify(text, s) // must not panic
		}
	})
}

// section is about 2,000 characters of invented summary text: the marked cases, plain, repeated.
func benchSection(tb testing.TB) string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "numbers", "cases.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.NewReplacer("[[", "", "]]", "", "|figure", "", "|date", "", "|enumerator", "", "|fixed_name", "", "|ranking", "").Replace(line)
		b.WriteString(line)
	}
	s := b.String()
	for utf8.RuneCountInString(s) < 2000 {
		s += s
	}
	r := []rune(s)
	return string(r[:2000])
}

func BenchmarkExtractNumbers(b *testing.B) {
	section := benchSection(b)
	b.SetBytes(int64(len(section)))
	for b.Loop() {
		ExtractNumbers(section)
	}
}
