package draft

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

// The invariants of drafting, whatever the model writes:
//   (a) every figure, derived ones included, is stated with its exact string, in a sentence that lists it;
//   (b) every number of every sentence is bound to one of that sentence's figures, allowed (enumerator,
//       fixed name, ranking, the writer's own text), or listed among its unbound numbers with risk high;
//   (c) no sentence of the chosen attempt (one with the fewest problems) is dropped, and retries are bounded.

// invStore is a Store that only records; the pipeline needs nothing more to run.
type invStore struct {
	mu       sync.Mutex
	sections map[int]Section
}

func (s *invStore) CreateDraft(context.Context, *Draft) error { return nil }
func (s *invStore) Draft(context.Context, retrieval.Scope, string) (*Draft, error) {
	return nil, retrieval.ErrNotFound
}
func (s *invStore) Drafts(context.Context, retrieval.Scope) ([]DraftInfo, error) { return nil, nil }
func (s *invStore) SaveSection(_ context.Context, _ string, sec Section) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sections == nil {
		s.sections = map[int]Section{}
	}
	s.sections[sec.Index] = sec
	return nil
}
func (s *invStore) SetStatus(context.Context, string, Status, Usage) error { return nil }
func (s *invStore) SaveReview(context.Context, string, []Section, []AuditEntry, Status) error {
	return nil
}
func (s *invStore) Review(context.Context, retrieval.Scope, string, func(*Draft) (ReviewWrite, error)) error {
	return retrieval.ErrNotFound
}
func (s *invStore) DeleteDraft(context.Context, retrieval.Scope, string) error { return nil }

// invPassages are what the search returns: another organisation's facts, numbers and rankings.
var invPassages = []retrieval.Result{
	{PassageID: "p1", DocumentID: "d1", DocumentTitle: "云岫县卫生健康局2023年工作总结", HeadingPath: []string{"一、主要工作成效"},
		Text: "一是夯实家庭医生签约服务，全年签约12.3万人，重点人群签约率达到75%。二是推进县域医共体建设，组建医共体3个，基层就诊率位居全市第一。"},
	{PassageID: "p2", DocumentID: "d2", DocumentTitle: "澄江县卫生健康局2024年上半年工作总结", HeadingPath: []string{"一、上半年工作开展情况"},
		Text: "基层医疗卫生机构完成诊疗48.6万人次，同比增长6.2%。率先建成远程会诊中心，覆盖全部乡镇卫生院。"},
}

func invSearch(context.Context, retrieval.Query) ([]retrieval.Result, error) {
	return invPassages, nil
}

var (
	invLabels = []string{"家庭医生签约服务人数", "基层医疗机构诊疗量", "新建标准化村卫生室", "孕产妇系统管理率", "财政卫生投入",
		"婴儿死亡率", "培训乡村医生", "健康体检人数", "疫苗接种剂次", "远程会诊例数", "紧密型医共体", "住院费用实际报销比例",
		"65岁以上老年人健康管理人数", "新增床位"}
	invUnits    = []string{"人", "万元", "%", "人次", "所", "个", "‰", "亿元"}
	invRankings = []string{"全市第一", "率先", "唯一", "首次", "排名第3", "全省第二", "位居前列"}
	invNames    = []string{"党的二十大", "三级医院", "“1+4”", "一站式", "进一步", "二甲"}
	invFiller   = []string{"各项工作有序推进", "服务能力持续提升", "群众获得感不断增强", "取得了阶段性成效"}
	invOpeners  = []string{"", "", "一是", "二是", "（三）", "第一，", "同时，", "其一，", "\n"}
	invEnds     = []string{"。", "。", "；", "！", "\n", "。\n", "？"}
)

// invNumber returns a random decimal in the accepted form: 1–6 digits, sometimes decimals, rarely negative.
func invNumber(rng *rand.Rand) string {
	n := strconv.Itoa(rng.IntN(pow10(1 + rng.IntN(6))))
	if rng.IntN(3) == 0 {
		n += "." + strconv.Itoa(rng.IntN(9)+1)
		if rng.IntN(3) == 0 {
			n += strconv.Itoa(rng.IntN(10))
		}
	}
	if rng.IntN(20) == 0 && n != "0" {
		n = "-" + n
	}
	return n
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// invFigures returns a random, valid figure set of one to three sections.
func invFigures(rng *rand.Rand) *Figures {
	in := &Figures{Title: "青岚县卫生健康局2025年上半年工作总结", Organization: "青岚县卫生健康局", Period: "2025年上半年"}
	id := 0
	for s := range 1 + rng.IntN(3) {
		sec := SectionInput{Heading: fmt.Sprintf("（%s）%s", []string{"一", "二", "三"}[s], invFiller[rng.IntN(len(invFiller))])}
		if rng.IntN(3) == 0 {
			sec.Notes = "重点写好家庭医生签约和医共体建设。"
		}
		for range 1 + rng.IntN(4) {
			id++
			f := Figure{ID: "f" + strconv.Itoa(id), Label: invLabels[rng.IntN(len(invLabels))], Value: invNumber(rng), Unit: invUnits[rng.IntN(len(invUnits))]}
			if rng.IntN(3) == 0 {
				f.Previous = invNumber(rng)
			}
			if rng.IntN(4) == 0 {
				f.Target = invNumber(rng)
			}
			sec.Figures = append(sec.Figures, f)
		}
		in.Sections = append(in.Sections, sec)
	}
	return in
}

// advWriter is an adversarial model: it writes figure tokens, but also drops them, writes other
// digits, rounds, spells values in Chinese or full-width digits, invents rankings and tokens, and
// copies the passages. It records what it wrote per section (by the section's first figure).
type advWriter struct {
	rng   *rand.Rand
	extra string // written into every answer somewhere, as the fuzzer gives it
	mu    sync.Mutex
	out   map[string][]string
}

func (w *advWriter) Write(_ context.Context, req SectionRequest) (SectionText, error) {
	rng := w.rng
	var b strings.Builder
	n := rng.IntN(6)
	at := rng.IntN(n + 1)
	for i := range n + 1 {
		if i == at {
			b.WriteString(w.extra)
		}
		if i == n {
			break
		}
		b.WriteString(invOpeners[rng.IntN(len(invOpeners))])
		var clauses []string
		for range 1 + rng.IntN(3) {
			clauses = append(clauses, w.clause(req))
		}
		b.WriteString(strings.Join(clauses, "，"))
		b.WriteString(invEnds[rng.IntN(len(invEnds))])
	}
	text := b.String()
	w.mu.Lock()
	if w.out == nil {
		w.out = map[string][]string{}
	}
	key := req.Figures[0].ID
	w.out[key] = append(w.out[key], text)
	w.mu.Unlock()
	return SectionText{Text: text, Model: "adversary"}, nil
}

// clause writes one clause: a figure in one of many spellings, or something else numeric.
func (w *advWriter) clause(req SectionRequest) string {
	rng := w.rng
	f := req.Figures[rng.IntN(len(req.Figures))]
	switch rng.IntN(18) {
	case 0, 1, 2, 3:
		return "累计完成" + Token(f.ID)
	case 4:
		return "共计" + Token(f.ID) + "，覆盖" + Token(f.ID)
	case 5:
		return "达到" + f.Text() // the exact string, written out
	case 6:
		return "达到" + f.Value // the numeral without its unit
	case 7:
		return "达到" + invNumber(rng) + f.Unit // other digits
	case 8:
		return "约" + invRound(f.Value) + f.Unit
	case 9:
		return "共" + invChinese(f.Value) + f.Unit
	case 10:
		return "完成" + invFullWidth(f.Value) + f.Unit
	case 11:
		return "完成" + Token(f.ID) + []string{"人", "次", "万", "余", "%"}[rng.IntN(5)] // a unit after the token
	case 12:
		return "新增" + []string{"【zz】", "【f99】", "【" + f.ID + "x】", "〖" + f.ID + "〗"}[rng.IntN(4)]
	case 13:
		return "工作" + invRankings[rng.IntN(len(invRankings))]
	case 14:
		p := invPassages[rng.IntN(len(invPassages))]
		ss, _ := guard.SplitSentences(p.Text)
		return strings.TrimRight(ss[rng.IntN(len(ss))], "。")
	case 15:
		return []string{"2025年上半年", "2024年", "1-6月", "5月25日", "第二季度"}[rng.IntN(5)] + "以来"
	case 16:
		return "贯彻" + invNames[rng.IntN(len(invNames))] + "精神"
	}
	return invFiller[rng.IntN(len(invFiller))]
}

// invRound rounds a value the way a careless writer does: to two significant digits, or into 万.
func invRound(v string) string {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	if x >= 10000 || x <= -10000 {
		return strconv.FormatFloat(x/10000, 'f', 1, 64) + "万"
	}
	return strconv.FormatFloat(x, 'g', 2, 64)
}

// invChinese spells the integer part of v in Chinese numerals, digit by digit with 万千百十.
func invChinese(v string) string {
	n, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "-"), ".", 2)[0])
	if err != nil || n >= 100000000 {
		return v
	}
	const digits = "零一二三四五六七八九"
	dg := []rune(digits)
	var section func(n int) string
	section = func(n int) string {
		var b strings.Builder
		units := []string{"千", "百", "十", ""}
		zero := false
		for i, p := range []int{1000, 100, 10, 1} {
			d := n / p % 10
			if d == 0 {
				zero = b.Len() > 0
				continue
			}
			if zero {
				b.WriteRune('零')
				zero = false
			}
			b.WriteRune(dg[d])
			b.WriteString(units[i])
		}
		return b.String()
	}
	switch {
	case n == 0:
		return "零"
	case n >= 10000:
		return section(n/10000) + "万" + section(n%10000)
	}
	return section(n)
}

// invFullWidth writes v in full-width digits.
func invFullWidth(v string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r - '0' + '０'
		case r == '.':
			return '．'
		}
		return r
	}, v)
}

// checkInvariants drafts in with w and checks the invariants.
func checkInvariants(t *testing.T, in *Figures, w *advWriter) {
	t.Helper()
	defer func() {
		// A panic fails this case instead of killing the test binary.
		if r := recover(); r != nil {
			t.Fatalf("drafting panicked: %v\nanswers: %q", r, w.out)
		}
	}()
	ctx := context.Background()
	d := &Drafter{Search: invSearch, Writer: w, Store: &invStore{}, MaxAttempts: 3}
	dr, err := d.Create(ctx, in)
	if err != nil {
		t.Fatalf("figures do not validate: %v", err)
	}
	if err := d.Run(ctx, dr, nil); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for n, sec := range dr.Sections {
		figures, bound, userText := sectionFigures(dr, n)
		byID := map[string]Figure{}
		for _, f := range figures {
			byID[f.ID] = f
		}
		compared := map[string]Figure{} // previous and target values, which may be stated
		for _, f := range dr.Input.Sections[n].Figures {
			for _, c := range Compared(f) {
				compared[c.ID] = c
			}
		}
		dump := func() string {
			var b strings.Builder
			for _, f := range figures {
				fmt.Fprintf(&b, "  figure %s = %q\n", f.ID, f.Text())
			}
			for _, s := range sec.Sentences {
				fmt.Fprintf(&b, "  %s [%s] added=%v figures=%v unbound=%v %q\n", s.ID, s.Risk, s.Added, s.Figures, s.UnboundNumbers, s.Text)
			}
			return b.String()
		}
		if sec.Status != StatusReady {
			t.Fatalf("section %d is %s: %s", n, sec.Status, sec.Error)
		}

		// (a) Every figure is stated exactly, in a sentence that lists it; a derived figure may be
		// stated by its value in Arabic digits (60% for 60.0%, 800人次 for 0.08万人次).
		for _, f := range figures {
			ok := false
			for _, s := range sec.Sentences {
				if !slices.Contains(s.Figures, f.ID) {
					continue
				}
				ok = ok || strings.Contains(s.Text, f.Text())
				for _, sp := range guard.ExtractNumbers(s.Text) {
					ok = ok || invDerivedValue(sp, f)
				}
			}
			if !ok {
				t.Errorf("section %d: figure %s %q is not stated exactly:\n%s", n, f.ID, f.Text(), dump())
			}
		}

		// (b) No number passes silently.
		var userNums []string
		for _, u := range userText {
			for _, sp := range guard.ExtractNumbers(u) {
				userNums = append(userNums, sp.Num)
			}
		}
		for _, s := range sec.Sentences {
			for _, u := range s.UnboundNumbers {
				if s.Risk != RiskHigh || !strings.Contains(s.Text, u) {
					t.Errorf("section %d: %s lists unbound %q but has risk %s:\n%s", n, s.ID, u, s.Risk, dump())
				}
			}
			for _, sp := range guard.ExtractNumbers(s.Text) {
				if !invAccounted(s, sp, byID, compared, userNums, userText) {
					t.Errorf("section %d: %q in %s %q is neither bound, allowed nor flagged:\n%s", n, sp.Text, s.ID, s.Text, dump())
				}
			}
		}

		// (c) The kept text is one attempt's, whole, and one with the fewest problems; retries are bounded.
		outs := w.out[figures[0].ID]
		if len(outs) != sec.Attempts || sec.Attempts < 1 || sec.Attempts > d.MaxAttempts {
			t.Fatalf("section %d: %d writer calls, %d attempts recorded, limit %d", n, len(outs), sec.Attempts, d.MaxAttempts)
		}
		var kept []string
		added := map[string]bool{}
		for _, s := range sec.Sentences {
			if s.Added {
				if len(s.Figures) != 1 {
					t.Errorf("section %d: added sentence %q states %v", n, s.Text, s.Figures)
				}
				added[strings.Join(s.Figures, ",")] = true
				continue
			}
			if len(added) > 0 {
				t.Errorf("section %d: model sentence %q comes after an added one", n, s.Text)
			}
			kept = append(kept, s.Text)
		}
		problems := make([]int, len(outs))
		chosen := -1
		var rep guard.Report
		for k, out := range outs {
			text, unknown := prepare(out, byID)
			r := d.Guard.Check(text, bound, userText)
			// An attempt's problems: unbound numbers, figures not stated exactly, unknown tokens.
			exact := map[string]bool{}
			for _, m := range r.Bound {
				exact[m.FigureID] = exact[m.FigureID] || m.Exact
			}
			problems[k] = len(r.Unbound) + len(unknown)
			for _, b := range bound {
				if !exact[b.ID] && !b.Optional {
					problems[k]++
				}
			}
			// And every claim of a High kind the writer's input does not support, but for the claim
			// an unbound number or an unknown token is already.
			counted := map[[2]int]bool{}
			for _, f := range r.Unbound {
				counted[[2]int{f.Start, f.End}] = true
			}
			for _, m := range tokenRE.FindAllStringIndex(text, -1) {
				counted[[2]int{m[0], m[1]}] = true
			}
			for _, c := range d.Guard.Claims(text, r, bound, userText) {
				if !c.Supported && c.Kind.High() && !counted[[2]int{c.Start, c.End}] {
					problems[k]++
				}
			}
			if k < len(outs)-1 && problems[k] == 0 {
				t.Errorf("section %d: attempt %d had no problem but was retried", n, k+1)
			}
			if ss, _ := guard.SplitSentences(text); chosen < 0 && slices.Equal(ss, kept) {
				chosen, rep = k, r
			}
		}
		switch {
		case chosen < 0:
			t.Errorf("section %d: the kept sentences are no attempt's, whole:\n%s\nattempts: %q", n, dump(), outs)
		case problems[chosen] > slices.Min(problems):
			t.Errorf("section %d: kept attempt %d with %d problems; another had %d", n, chosen+1, problems[chosen], slices.Min(problems))
		case problems[len(outs)-1] > 0 && len(outs) < d.MaxAttempts:
			t.Errorf("section %d: stopped after %d attempts with problems left", n, len(outs))
		default:
			// Only a figure the kept text does not state exactly is added.
			for id := range added {
				for _, m := range rep.Bound {
					if m.FigureID == id && m.Exact {
						t.Errorf("section %d: %s was added though the model stated it exactly:\n%s", n, id, dump())
						break
					}
				}
			}
		}
	}
}

// invAccounted reports whether number sp of sentence s is bound to one of its figures, allowed, or flagged.
func invAccounted(s Sentence, sp guard.NumberSpan, byID, compared map[string]Figure, userNums, userText []string) bool {
	if slices.Contains(s.UnboundNumbers, sp.Text) && s.Risk == RiskHigh {
		return true
	}
	for _, id := range s.Figures {
		f, ok := byID[id]
		if !ok {
			f = compared[id]
		}
		ft := f.Text()
		if ft == "" {
			return false // a figure ID that is no figure of the section's
		}
		for i := 0; ; {
			j := strings.Index(s.Text[i:], ft)
			if j < 0 {
				break
			}
			if i+j <= sp.Start && sp.End <= i+j+len(ft) {
				return true
			}
			i += j + len(ft)
		}
		for _, fs := range guard.ExtractNumbers(ft) {
			if fs.Num == sp.Num {
				return true
			}
		}
		if invDerivedValue(sp, f) {
			return true
		}
	}
	switch guard.Classify(s.Text, sp) {
	case guard.ClassEnumerator, guard.ClassFixedName, guard.ClassRanking:
		return true
	}
	return slices.Contains(userNums, sp.Num) || guard.Classify(s.Text, sp) == guard.ClassDate && guard.InPeriod(sp, userText)
}

func TestDraftInvariants(t *testing.T) {
	for seed := range uint64(300) {
		t.Run(fmt.Sprintf("random figures and adversarial answers of seed %d keep the invariants", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			checkInvariants(t, invFigures(rng), &advWriter{rng: rng})
		})
	}
}

func FuzzDraftInvariants(f *testing.F) {
	for i, extra := range []string{"", "全市第一", "完成１２３人", "【zz】", "1-6月", "党的二十大", "三万人", "达到98%。", "一是", "（3）",
		"12.3万人", "翻一番", "三分之一", "1:1", "2020-10-03", "“两癌”筛查", "第一，", "\n\n", "【f1】【f1】", "百分之九十",
		"\xbd"} { // an answer with a byte that is not UTF-8
		f.Add(uint64(i), extra)
	}
	f.Fuzz(func(t *testing.T, seed uint64, extra string) {
		rng := rand.New(rand.NewPCG(seed, 0xf022))
		checkInvariants(t, invFigures(rng), &advWriter{rng: rng, extra: extra})
	})
}

// invDerivedValue reports whether sp states derived figure f by its value in Arabic digits.
func invDerivedValue(sp guard.NumberSpan, f Figure) bool {
	if !f.Derived || (sp.Kind != guard.KindArabic && sp.Kind != guard.KindPercent) {
		return false
	}
	fs := guard.ExtractNumbers(f.Text())
	return len(fs) == 1 && guard.SameValue(sp, fs[0])
}
