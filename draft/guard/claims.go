package guard

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ClaimKind says what a claim asserts.
type ClaimKind string

// Kinds of claims. An unsupported claim of a High kind makes its sentence high risk; of another
// kind, medium.
const (
	ClaimNumber     ClaimKind = "number"     // a quantity: 36.2万人次
	ClaimTrend      ClaimKind = "trend"      // a measured quantity rose, fell or held: 门诊量稳步增长
	ClaimDirection  ClaimKind = "direction"  // a trend the figures contradict: 下降 of a figure that rose
	ClaimComparison ClaimKind = "comparison" // with others: 高于全省平均水平
	ClaimRanking    ClaimKind = "ranking"    // 位居全市首位, 率先, 唯一
	ClaimHonour     ClaimKind = "honour"     // 被评为…先进单位, 得到…充分肯定
	ClaimCoverage   ClaimKind = "coverage"   // 全覆盖, 应保尽保, 圆满完成…目标
	ClaimRecord     ClaimKind = "record"     // 连续三年, 创历史新高
	ClaimName       ClaimKind = "name"       // a place, organisation or person the writer did not name
	ClaimNonProse   ClaimKind = "nonprose"   // a URL, markup, code, another language, an instruction
)

// ClaimKinds lists every kind, in the order reports print them.
var ClaimKinds = []ClaimKind{ClaimNumber, ClaimTrend, ClaimDirection, ClaimComparison, ClaimRanking, ClaimHonour,
	ClaimCoverage, ClaimRecord, ClaimName, ClaimNonProse}

// High reports whether an unsupported claim of kind k makes its sentence high risk: it states a
// number nobody gave, contradicts the figures, speaks for others (rankings, honours, comparisons,
// names) or is no prose at all. Trends, coverage and records without support are medium.
func (k ClaimKind) High() bool {
	switch k {
	case ClaimTrend, ClaimCoverage, ClaimRecord:
		return false
	}
	return true
}

// Direction is which way a figure moved against its previous value, or stands against its target.
type Direction int8

// Directions. DirNone means there is nothing to compare with.
const (
	DirNone Direction = iota
	DirUp
	DirDown
	DirFlat
)

// Claim is one thing a sentence asserts, where it says it, and whether the writer's input supports it.
type Claim struct {
	Span
	Kind      ClaimKind `json:"kind"`
	Supported bool      `json:"supported"`
	Figure    string    `json:"figure,omitempty"` // the figure that supports (or contradicts) it
	Reason    string    `json:"reason"`
}

// claimStop are characters that rarely belong to what a label names: where a label and a clause
// share only these, they do not speak of the same thing.
const claimStop = "全县市区省州乡镇村年月日上下半期本的个次人数量率总合计共新有其中为达到和与及等是在了今去同比较较前后其各项工作情况等实现完成开展全年度"

// claimAdverbs are what may stand between a subject and its trend word.
var claimAdverbs = regexp.MustCompile(`(?:稳步|持续|大幅度?|较大幅度|明显|显著|有所|逐步|不断|进一步|同比|环比|均|都|分别|也|实现|较快|快速|小幅|略有|稳定|继续|保持|得到|进一步|大大|平稳|双|再次|首次|整体|总体|全面|快速|迅速|逐年|逐月|连年|稳中有|止跌|企稳)$|(?:比|较|与|同|相比)(?:上年|去年|上期|上季度|上月|上一年|前一年|\d{4}年|[〇零一二两三四五六七八九]{4}年)?(?:同期|全年|底|末)?(?:相比)?$`)

// claimLeadRE finds an enumerator at a sentence start: 一是, （一）, 1. , 第一，.
var claimLeadRE = regexp.MustCompile(`^(?:[一二三四五六七八九十]+是|其[一二三四五六七八九十]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．]|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+[，,、])`)

// nonProse patterns: markup, addresses, code.
var (
	claimURL      = regexp.MustCompile(`(?i)(?:https?://|www\.)[^\s，。；]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|gov|edu|io)\b`)
	claimEmail    = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	claimMarkdown = regexp.MustCompile("(?m)^\\s*#{1,6}\\s*\\S|\\*\\*[^*]+\\*\\*|__[^_]+__|^\\s*[-*+]\\s+\\S|^\\s*>\\s|```|\\|[^|\\n]*\\|[^|\\n]*\\||^\\s*---+\\s*$|\\[[^\\]]+\\]\\([^)]+\\)")
	claimHTML     = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|&(?:nbsp|lt|gt|amp|quot);`)
	claimCode     = regexp.MustCompile(`\bfunction\s*\(|=>|\breturn\b|\bprint\(|console\.|\bdef\s+\w+\(|\bimport\s+\w|\bSELECT\s|\{\{|\}\}|\$\{|;\s*$`)
	claimLatin    = regexp.MustCompile(`[A-Za-z][A-Za-z'’-]*`)
	// claimPlaceholder finds what a template or a model leaves to fill in: [此处补充…], 【待填写】.
	claimPlaceholder = regexp.MustCompile(`\[[^\]]{0,30}\p{Han}[^\]]{0,30}\]|【[^】]{0,30}(?:此处|待|填写|补充|插入|示例|具体|XX|xx)[^】]{0,30}】|[（(](?:此处|待补充|待填写|请填写|请补充|示例)[^）)]{0,30}[）)]`)
)

// claimAcronyms are Latin words that Chinese prose uses as words: no sign of another language.
var claimAcronyms = map[string]bool{"G": true, "CT": true, "DR": true, "MRI": true, "ICU": true, "DRG": true, "DIP": true,
	"PPP": true, "GDP": true, "CPI": true, "PM": true, "AQI": true, "APP": true, "App": true, "app": true, "AI": false,
	"VR": true, "AR": true, "IT": true, "HIS": true, "LIS": true, "PACS": true, "EMR": true, "B": true, "A": true,
	"AAA": true, "AAAA": true, "AAAAA": true, "A级": true, "QQ": true, "O": true, "RMB": true, "ISO": true, "GB": true,
	"T": true, "OA": true, "EPC": true, "BIM": true, "GIS": true, "NB": true, "IoT": true, "ETC": true, "LNG": true,
	"CNG": true, "PCR": true, "HPV": true, "HIV": true, "PDCA": true, "KPI": true, "SaaS": true, "Wi": true, "Fi": true,
	"WiFi": true, "WIFI": true, "wifi": true, "U": true, "V": true, "X": true, "K": true, "km": true, "kg": true,
	"m": true, "kW": true, "kWh": true, "MW": true, "t": true, "h": true, "mg": true, "ml": true, "mL": true, "N": true,
	"SCI": true, "EI": true, "STEM": true, "STEAM": true, "CBA": true, "NBA": true, "ABC": true, "OK": true, "VIP": true,
	"CA": true, "TCM": true, "MDT": true, "PICC": true, "NICU": true, "EICU": true, "IDC": true, "H": true, "C": true}

// Claims splits text (a section, as the guard checked it into rep) into the claims a reviewer must be
// able to trust, each with its span in text, and says which the writer's input supports: the
// figures (their labels, previous and target values) and userText (title, organisation, period,
// heading, notes and labels). Claims are in text order; spans of different kinds may overlap.
//
// The rules, in short:
//   - every number rep bound is a claim, supported when the words of its clause fit the figure's label
//     (a rate of 100% said of 接种率 is not the 满意度 that happens to be 100%); every unbound number is
//     an unsupported claim;
//   - a trend word (增长, 下降, 持平, 超额完成…) is a claim when a number follows it or an indicator
//     (…率, …量, …人次) precedes it; it is supported when the figure it speaks of moved that way,
//     a direction claim (high) when the figure moved the other way, and an unsupported trend when
//     nothing says how it moved. A lead-in without figures ("二是服务总量稳步增长。") is judged by the
//     figures of the sentences it introduces;
//   - lexicon phrases of rankings, honours, comparisons, coverage and records are claims, supported
//     when the writer's own words say the same (the phrase, or a sentence of theirs with a phrase of
//     that kind about the same thing);
//   - names of places, organisations and people the writer did not give and the lexicon does not call
//     generic are unsupported name claims;
//   - URLs, e-mail addresses, markup, code, other languages and instructions are non-prose claims.
func (g *Guard) Claims(text string, rep Report, figures []BoundFigure, userText []string) []Claim {
	c := &claimChecker{lex: g.lex, text: text, rep: rep, figures: figures, byID: map[string]int{}}
	for k, f := range figures {
		c.byID[f.ID] = k
	}
	for _, u := range userText {
		if strings.TrimSpace(u) == "" {
			continue
		}
		c.user = append(c.user, u)
		ss, _ := SplitSentences(u)
		c.userSents = append(c.userSents, ss...)
	}
	c.userAll = strings.Join(c.user, "\n")
	sents, offs := SplitSentences(text)
	for i, s := range sents {
		c.sentences = append(c.sentences, claimSentence{text: s, start: offs[i], end: offs[i] + len(s)})
	}
	for i := range c.sentences {
		c.sentence(i)
	}
	c.dropStockPhrases()
	sort.SliceStable(c.out, func(a, b int) bool { return c.out[a].Start < c.out[b].Start })
	return c.out
}

// dropStockPhrases removes the claims (other than numbers and non-prose) that lie inside a stock
// phrase of the lexicon's [not_claim]: 在充分肯定成绩的同时 praises nobody, 创新高地 breaks no record.
func (c *claimChecker) dropStockPhrases() {
	stock := c.lex.find("not_claim", c.text)
	if len(stock) == 0 {
		return
	}
	kept := c.out[:0]
	for _, x := range c.out {
		inside := false
		for _, m := range stock {
			if x.Kind != ClaimNumber && x.Kind != ClaimNonProse && x.Start >= m[0] && x.End <= m[1] {
				inside = true
			} else if x.Kind != ClaimNumber && x.Kind != ClaimNonProse && x.Start < m[1] && x.End > m[0] && x.Start >= m[0] {
				inside = true // 创新高 starts inside 创新高地
			}
		}
		if !inside {
			kept = append(kept, x)
		}
	}
	c.out = kept
}

type claimSentence struct {
	text       string
	start, end int
}

type claimChecker struct {
	lex       *Lexicon
	text      string
	rep       Report
	figures   []BoundFigure
	byID      map[string]int
	user      []string
	userSents []string
	userAll   string
	sentences []claimSentence
	out       []Claim
}

func (c *claimChecker) add(start, end int, kind ClaimKind, supported bool, figure, reason string) {
	c.out = append(c.out, Claim{Span: Span{Start: start, End: end, Text: c.text[start:end]}, Kind: kind, Supported: supported, Figure: figure, Reason: reason})
}

// sentence finds the claims of sentence i.
func (c *claimChecker) sentence(i int) {
	s := c.sentences[i]
	if c.nonProse(s) && foreign(s.text) {
		return // a sentence in another language is one claim; its words claim nothing more
	}
	c.numbers(s)
	c.trends(i)
	for _, k := range []struct {
		section string
		kind    ClaimKind
		what    string
	}{
		{"ranking", ClaimRanking, "排名或首创说法"},
		{"honour", ClaimHonour, "荣誉或上级肯定"},
		{"comparison", ClaimComparison, "与其他地区或单位的比较"},
		{"coverage", ClaimCoverage, "覆盖面或全部完成的说法"},
		{"record", ClaimRecord, "连续或历史纪录的说法"},
	} {
		for _, m := range c.lex.find(k.section, s.text) {
			a, b := s.start+m[0], s.start+m[1]
			if k.kind == ClaimCoverage && (c.coverageByFigure(a, b, claimCompletion.MatchString(c.text[a:b])) || c.overlapsJudged(a, b) || c.deniedInClause(a)) {
				continue // 100% or a target met that the figures give, or 尚未根本解决: no claim of completeness
			}
			if k.kind == ClaimComparison && c.comparesFigures(b) {
				c.add(a, b, k.kind, true, "", "与撰稿人提供的另一项数据比较")
				continue
			}
			if k.kind == ClaimRanking && (c.inRankedName(a, b) || strings.HasPrefix(c.text[b:], "化") || strings.HasPrefix(c.text[b:], "限度") || strings.HasPrefix(c.text[b:], "程度")) {
				continue // 最大化, 最大限度: a manner, not a rank
			}
			phrase := c.text[a:b]
			if c.byWriter(k.section, phrase, c.clause(a, b)) {
				c.add(a, b, k.kind, true, "", "撰稿人的备注或标题中有此说法")
				continue
			}
			if k.kind == ClaimCoverage && c.intent(s, a) {
				// 确保实现全覆盖: a commitment the writer did not make.
				c.add(a, b, k.kind, false, "", fmt.Sprintf("“%s”是工作目标的承诺，撰稿人没有提供，请确认是否作此承诺。", phrase))
				continue
			}
			c.add(a, b, k.kind, false, "", fmt.Sprintf("“%s”是%s，撰稿人没有提供，请核实或删除。", phrase, k.what))
		}
	}
	// Ranking phrases of the allowlist (全市第一) that the lexicon did not find.
	for _, p := range c.rep.Rankings {
		if p.Start < s.start || p.End > s.end || c.overlaps(p.Start, p.End, ClaimRanking) {
			continue
		}
		if c.byWriter("ranking", p.Text, c.clause(p.Start, p.End)) || strings.Contains(c.userAll, p.Text) {
			c.add(p.Start, p.End, ClaimRanking, true, "", "撰稿人的备注或标题中有此说法")
			continue
		}
		c.add(p.Start, p.End, ClaimRanking, false, "", fmt.Sprintf("“%s”是排名或首创说法，撰稿人没有提供，请核实或删除。", p.Text))
	}
	c.names(s)
}

// deniedInClause reports whether the clause before byte a denies what follows: 尚未根本解决,
// 难以满足…全覆盖的要求.
func (c *claimChecker) deniedInClause(a int) bool {
	start := a
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(c.text[:start])
		if strings.ContainsRune("，。；：！？,;:!?\n", r) {
			break
		}
		start -= size
	}
	return claimDenial.MatchString(c.text[start:a])
}

// claimCompletion finds the phrases of coverage that say a task or target was done.
var claimCompletion = regexp.MustCompile(`完成|目标|任务|计划`)

// claimDenial finds words that deny a claim that follows them in its clause.
var claimDenial = regexp.MustCompile(`尚未|未能|没有|未|难以|无法|不能|不够|有待|仍需|亟待|缺乏`)

// comparesFigures reports whether what follows a comparison word at byte b, in its clause, names
// another figure of the writer's: 限上零售额增速快于全县社零总额增速 compares two of them.
func (c *claimChecker) comparesFigures(b int) bool {
	end := b
	for end < len(c.text) {
		r, size := utf8.DecodeRuneInString(c.text[end:])
		if strings.ContainsRune("，。；：！？,;:!?\n", r) {
			break
		}
		end += size
	}
	return c.someLabelShares(tellingChars(c.text[b:end]), 3, "")
}

// someLabelShares reports whether the label of a writer's figure (not a derived one, nor except)
// shares at least n telling characters with words.
func (c *claimChecker) someLabelShares(words map[rune]bool, n int, except string) bool {
	for _, f := range c.figures {
		if f.ID == except || f.Label == "" || f.Derived || strings.Contains(f.ID, ".") {
			continue
		}
		shared := 0
		for r := range tellingChars(f.Label) {
			if words[r] {
				shared++
			}
		}
		if shared >= n {
			return true
		}
	}
	return false
}

// overlapsJudged reports whether a trend or direction claim judged against a target covers part of [a, b).
func (c *claimChecker) overlapsJudged(a, b int) bool {
	for _, x := range c.out {
		if (x.Kind == ClaimTrend || x.Kind == ClaimDirection) && x.Figure != "" && x.Start < b && x.End > a {
			return true
		}
	}
	return false
}

// overlaps reports whether a claim of kind already covers part of [a, b).
func (c *claimChecker) overlaps(a, b int, kind ClaimKind) bool {
	for _, x := range c.out {
		if x.Kind == kind && x.Start < b && x.End > a {
			return true
		}
	}
	return false
}

// inRankedName reports whether a ranking phrase lies inside a phrase of the allowlist that is a
// name (第一书记, 第一责任人): no rank is claimed.
func (c *claimChecker) inRankedName(a, b int) bool {
	for _, f := range c.rep.Allowed {
		if f.Class == ClassFixedName && f.Start <= a && f.End >= b {
			return true
		}
	}
	return false
}

// numbers adds the number claims of s: bound numbers (supported when their clause fits the label)
// and unbound ones.
func (c *claimChecker) numbers(s claimSentence) {
	seen := map[int]bool{}
	for _, m := range c.rep.Bound {
		if m.Span.Start < s.start || m.Span.End > s.end || seen[m.Span.Start] {
			continue
		}
		seen[m.Span.Start] = true
		f := c.figures[c.byID[m.FigureID]]
		clause := c.clause(m.Span.Start, m.Span.End)
		if other, ok := c.misfit(f, m.Span, clause); ok {
			c.add(m.Span.Start, m.Span.End, ClaimNumber, false, m.FigureID, other)
			continue
		}
		c.add(m.Span.Start, m.Span.End, ClaimNumber, true, m.FigureID, "撰稿人提供的数据"+figureNote(f))
	}
	for _, f := range c.rep.Unbound {
		if f.Start < s.start || f.End > s.end {
			continue
		}
		if f.FigureID != "" {
			// Advice to write a figure only where the figure is what the clause speaks of.
			if k, ok := c.byID[f.FigureID]; ok {
				if _, bad := c.misfit(c.figures[k], f.NumberSpan, c.clause(f.Start, f.End)); bad || c.tellingMisfit(c.figures[k], f.NumberSpan) {
					c.add(f.Start, f.End, ClaimNumber, false, "", fmt.Sprintf("“%s”不是撰稿人提供的数据，请核实或删除。", f.Text))
					continue
				}
			}
		}
		c.add(f.Start, f.End, ClaimNumber, false, f.FigureID, fmt.Sprintf("“%s”不是撰稿人提供的数据（%s），请核实或删除。", f.Text, f.Reason))
	}
}

func figureNote(f BoundFigure) string {
	if f.Label == "" {
		return ""
	}
	return "：" + f.Label
}

// misfit reports whether the clause around a bound number speaks of something other than the
// figure's label, with the reason. A clause that shares any telling character with the label fits;
// so does one with nothing telling of its own (分别增长4.9%和8.2%).
func (c *claimChecker) misfit(f BoundFigure, at NumberSpan, clause string) (string, bool) {
	// A previous value or a target is said as one: 由上年的58%, 目标15个.
	if strings.HasSuffix(f.ID, ".previous") && !claimPreviousWords.MatchString(clause) && !c.labelInClause(f, clause) {
		return fmt.Sprintf("数值是“%s”的上期数（%s），但句中没有说明是上期，请核实。", c.baseLabel(f), f.Text), true
	}
	if strings.HasSuffix(f.ID, ".target") && !claimTargetWords.MatchString(clause) && !c.labelInClause(f, clause) {
		return fmt.Sprintf("数值是“%s”的目标数（%s），但句中没有说明是目标，请核实。", c.baseLabel(f), f.Text), true
	}
	if f.Label == "" {
		return "", false
	}
	words := strings.Replace(clause, at.Text, " ", 1)
	for _, g := range c.figures {
		if g.Text != "" {
			words = strings.ReplaceAll(words, g.Text, " ")
		}
	}
	subject := tellingChars(words)
	if len(subject) < 2 {
		return "", false
	}
	label := tellingChars(f.Label)
	if len(label) == 0 {
		return "", false
	}
	shared := 0
	for r := range label {
		if subject[r] {
			shared++
		}
	}
	if shared > 0 {
		return "", false
	}
	// Words that share nothing with the label are a paraphrase (服务群众 for 享受政策人数) unless they
	// name an indicator of their own right before the number (接种率100%), or another figure's label
	// fits them.
	if !c.indicator(c.numberSubject(at.Start)) && !c.otherFits(f, subject) {
		return "", false
	}
	return fmt.Sprintf("数值与数据“%s”（%s）相同，但这里说的不是这一指标，请核实。", f.Label, f.Text), true
}

// Words that say a number is a previous value, or a target.
var (
	claimPreviousWords = regexp.MustCompile(`上年|去年|上期|同期|上一|前一|前年|此前|以前|原来|原有|由|从|\d{4}年|[〇零一二两三四五六七八九]{4}年|上季度|上月|上半年|年初`)
	claimTargetWords   = regexp.MustCompile(`目标|任务|计划|预期|指标|要求|力争|确保|下达`)
)

// tellingMisfit reports whether the words right before an unbound number share nothing telling
// with the label of the figure it resembles, while naming something of their own: advice to write
// that figure there would be advice by value alone.
func (c *claimChecker) tellingMisfit(f BoundFigure, at NumberSpan) bool {
	subject := tellingChars(c.numberSubject(at.Start))
	if len(subject) < 2 {
		return false
	}
	for r := range tellingChars(c.baseLabel(f)) {
		if subject[r] {
			return false
		}
	}
	return true
}

// claimLinks are the words that may stand between an indicator and its number: 签约率达62.5%.
var claimLinks = regexp.MustCompile(`(?:达到|达|为|是|共|累计|共计|合计|约|超过|突破|至|到|了|有|计|占|仅|只有|已|已经|首次|全年|上半年|总计)$`)

// numberSubject returns the words of the clause right before byte a, without linking words.
func (c *claimChecker) numberSubject(a int) string {
	s := c.subject(a)
	for {
		t := claimLinks.ReplaceAllString(s, "")
		t = claimAdverbs.ReplaceAllString(t, "")
		if t == s {
			return s
		}
		s = t
	}
}

// otherFits reports whether another figure than f has a label sharing two telling characters with
// subject.
func (c *claimChecker) otherFits(f BoundFigure, subject map[rune]bool) bool {
	return c.someLabelShares(subject, 2, f.ID)
}

// labelInClause reports whether most telling characters of the label of the figure f was computed
// from are in clause: the clause says what the number is, whatever words it uses for "previous".
func (c *claimChecker) labelInClause(f BoundFigure, clause string) bool {
	label := tellingChars(c.baseLabel(f))
	if len(label) == 0 {
		return false
	}
	words := tellingChars(clause)
	n := 0
	for r := range label {
		if words[r] {
			n++
		}
	}
	return 2*n >= len(label)
}

// tellingChars returns the Chinese characters of s that are not in claimStop.
func tellingChars(s string) map[rune]bool {
	out := map[rune]bool{}
	for _, r := range s {
		if unicode.Is(unicode.Han, r) && !strings.ContainsRune(claimStop, r) {
			out[r] = true
		}
	}
	return out
}

// clause returns the clause of text holding [a, b): from the punctuation before a to the one after b.
func (c *claimChecker) clause(a, b int) string {
	const marks = "，。；：！？,;:!?\n"
	start := a
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(c.text[:start])
		if strings.ContainsRune(marks, r) {
			break
		}
		start -= size
	}
	end := b
	for end < len(c.text) {
		r, size := utf8.DecodeRuneInString(c.text[end:])
		if strings.ContainsRune(marks, r) {
			break
		}
		end += size
	}
	return c.text[start:end]
}

// coverageByFigure reports whether a coverage phrase at [a, b) restates a figure of the writer's in
// its sentence: 100% (全覆盖, 全部接入) or 0 (清零, 零发生) of what its clause speaks of.
// A completion phrase (全部完成, 超额完成年度任务) is also supported by a figure that met its target.
func (c *claimChecker) coverageByFigure(a, b int, completion bool) bool {
	clause := c.clause(a, b)
	words := tellingChars(clause)
	for _, s := range c.sentences {
		if a < s.start || b > s.end {
			continue
		}
		for _, m := range c.rep.Bound {
			if m.Span.Start < s.start || m.Span.End > s.end {
				continue
			}
			f := c.figures[c.byID[m.FigureID]]
			full := m.Span.Value == "100" && (m.Span.Unit == "%" || m.Span.Unit == "％")
			met := completion && (f.VsTarget == DirUp || f.VsTarget == DirFlat) // 完成年度计划的104.4%，…全部完成
			if !full && !met && m.Span.Value != "0" && !c.baseIsZero(f) {
				continue
			}
			if _, bad := c.misfit(f, m.Span, c.clause(m.Span.Start, m.Span.End)); bad {
				continue
			}
			if met || m.Span.Start < b && m.Span.End > a || strings.Contains(clause, m.Span.Text) {
				return true
			}
			for r := range tellingChars(f.Label) {
				if words[r] {
					return true
				}
			}
		}
	}
	return false
}

// baseIsZero reports whether the figure f states or was computed from has the value 0 (失学辍学
// 学生由上年的3人实现清零: the previous value is stated, the value 0 is the writer's).
func (c *claimChecker) baseIsZero(f BoundFigure) bool {
	id, _, _ := strings.Cut(f.ID, ".")
	k, ok := c.byID[id]
	if !ok {
		return false
	}
	for _, sp := range ExtractNumbers(c.figures[k].Text) {
		return sp.Value == "0"
	}
	return false
}

// byWriter reports whether the writer's own words support a phrase of a lexicon section: they hold
// the phrase itself, or a sentence of theirs has a phrase of the same section and shares most of
// the clause's words.
func (c *claimChecker) byWriter(section, phrase, clause string) bool {
	// A short word (减少, 首位) in the writer's text says nothing of this clause; a phrase does.
	if utf8.RuneCountInString(phrase) >= 4 && strings.Contains(c.userAll, phrase) {
		return true
	}
	cb := bigrams(clause)
	if len(cb) == 0 {
		return false
	}
	pb := bigrams(phrase)
	for _, u := range c.userSents {
		phrases := c.lex.find(section, u)
		if len(phrases) == 0 {
			continue
		}
		// The writer's phrase of the same kind must share words with this one (评为…示范县 is not
		// 作典型发言), and their sentence most of this clause's.
		same := len(pb) == 0
		for _, m := range phrases {
			for g := range bigrams(u[m[0]:m[1]]) {
				same = same || pb[g]
			}
		}
		if !same {
			continue
		}
		ub := bigrams(u)
		n := 0
		for g := range cb {
			if ub[g] {
				n++
			}
		}
		if float64(n) >= 0.4*float64(len(cb)) || n >= 6 {
			return true
		}
	}
	return false
}

// bigrams returns the pairs of adjacent Chinese characters of s.
func bigrams(s string) map[string]bool {
	out := map[string]bool{}
	var prev rune
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			if prev != 0 {
				out[string([]rune{prev, r})] = true
			}
			prev = r
		} else {
			prev = 0
		}
	}
	return out
}

// nonProse adds a claim for output that is not prose and reports whether it found one.
func (c *claimChecker) nonProse(s claimSentence) bool {
	found := false
	flag := func(loc []int, why string) {
		if loc == nil || c.overlaps(s.start+loc[0], s.start+loc[1], ClaimNonProse) {
			return
		}
		found = true
		c.add(s.start+loc[0], s.start+loc[1], ClaimNonProse, false, "", why)
	}
	// Markup, addresses and code need ASCII punctuation or letters; most sentences have none.
	if strings.ContainsAny(s.text, ":/@.*#<>|`_{}=;-[]&") || claimLatin.MatchString(s.text) {
		for _, m := range claimEmail.FindAllStringIndex(s.text, -1) {
			flag(m, "电子邮箱地址不属于工作总结正文，请删除。")
		}
		for _, m := range claimURL.FindAllStringIndex(s.text, -1) {
			flag(m, "网址不属于工作总结正文，可能来自参考资料或注入的指令，请删除。")
		}
		flag(claimMarkdown.FindStringIndex(s.text), "Markdown 标记不属于公文正文，请删除标记。")
		flag(claimHTML.FindStringIndex(s.text), "HTML 标记不属于公文正文，请删除。")
		flag(claimCode.FindStringIndex(s.text), "像是程序代码，不属于工作总结正文，请删除。")
	}
	if strings.ContainsAny(s.text, "[【（(") {
		flag(claimPlaceholder.FindStringIndex(s.text), "像是模板或模型留下的占位说明，不属于工作总结正文，请补全或删除。")
	}
	if ms := c.lex.find("instruction", s.text); len(ms) > 0 {
		flag(ms[0], "像是对模型的指令或模型的客套话，不属于工作总结正文，请删除。")
	}
	if !found && foreign(s.text) {
		flag([]int{0, len(s.text)}, "不是中文行文（外语或乱码），请删除或改写。")
	}
	return found
}

// foreign reports whether a sentence is written in another language: kana or hangul, or more than
// two Latin words that are no acronym, or Latin letters for most of it.
func foreign(s string) bool {
	han, latin, other := 0, 0, 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			other++
		case r < 128 && unicode.IsLetter(r):
			latin++
		}
	}
	if other >= 2 {
		return true
	}
	words := 0
	for _, w := range claimLatin.FindAllString(s, -1) {
		if !claimAcronyms[w] && len(w) >= 2 {
			words++
		}
	}
	return words >= 3 || (latin > 8 && latin > han)
}

// trends adds the trend and direction claims of sentence i.
func (c *claimChecker) trends(i int) {
	s := c.sentences[i]
	type hit struct {
		a, b  int
		dir   Direction
		reach bool
	}
	var hits []hit
	for _, sec := range []struct {
		name string
		dir  Direction
	}{{"trend_up", DirUp}, {"trend_down", DirDown}, {"trend_flat", DirFlat}, {"trend_exceed", DirUp}, {"trend_reach", DirUp}} {
		for _, m := range c.lex.find(sec.name, s.text) {
			hits = append(hits, hit{s.start + m[0], s.start + m[1], sec.dir, sec.name == "trend_reach"})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].a < hits[b].a })
	last := -1
	for _, h := range hits {
		if h.a < last {
			continue // 基本持平 inside 持平's match, 超额完成 and 完成
		}
		if h.reach {
			if c.reach(s, h.a, h.b) {
				last = h.b
			}
			continue
		}
		last = h.b
		word := c.text[h.a:h.b]
		exceed := c.lex.is("trend_exceed", word)
		if c.negated(h.a) || c.action(h.b) {
			continue
		}
		// What the word speaks of: numbers right after it, else the subject before it.
		ids := c.followingFigures(h.b)
		if len(ids) > 0 && c.intent(s, h.a) {
			// 预期目标是：…增长6%: a plan that states the writer's own figure.
			c.add(h.a, h.b, ClaimTrend, true, c.figures[ids[0]].ID, "计划中的变化，后面是撰稿人提供的数据")
			continue
		}
		subject := c.subject(h.a)
		if len(ids) == 0 && !c.intent(s, h.a) {
			ids = c.figuresFor(subject, h.a, s.start, c.plural(h.a))
		}
		indicator := c.indicator(subject)
		if c.intent(s, h.a) && len(c.followingFigures(h.b)) == 0 {
			continue // 将…提升, 力争…提高: a plan, not a claim about data
		}
		if len(ids) == 0 && !indicator {
			continue // 提升服务能力: an action or a hope, not a claim about data
		}
		if len(ids) == 0 {
			// A lead-in is judged by the figures of the item it introduces.
			ids = c.leadFigures(i)
		}
		if c.byWriter(trendSection(h.dir, exceed), word, c.clause(h.a, h.b)) && len(ids) == 0 {
			c.add(h.a, h.b, ClaimTrend, true, "", "撰稿人的备注中有此说法")
			continue
		}
		c.judgeTrend(h.a, h.b, word, h.dir, exceed, ids)
	}
}

// reach judges a claim that a target was met (已提前达到年度目标) against the figures that have a
// target: met when the value is at least the target. It adds nothing, and reports false, when no
// figure of the subject or the sentence has a target, or the phrase leads into a completion rate
// (完成年度目标的80.0%, stated by its number).
func (c *claimChecker) reach(s claimSentence, a, b int) bool {
	rest := c.text[b:]
	if strings.HasPrefix(rest, "的") {
		for _, sp := range ExtractNumbers(rest[len("的"):min(len(rest), 24)]) {
			if sp.Start == 0 {
				return false
			}
		}
	}
	if c.intent(s, a) || c.negated(a) {
		return false
	}
	var ids []int
	for _, k := range c.figuresFor(c.subject(a), a, s.start, c.plural(a)) {
		if c.figures[k].VsTarget != DirNone {
			ids = append(ids, k)
		}
	}
	if len(ids) == 0 {
		for _, m := range c.rep.Bound {
			if m.Span.Start >= s.start && m.Span.End <= s.end {
				if k := c.byID[m.FigureID]; c.figures[k].VsTarget != DirNone {
					ids = append(ids, k)
				}
			}
		}
	}
	if len(ids) == 0 {
		return false
	}
	word := c.text[a:b]
	f := c.figures[ids[0]]
	if f.VsTarget == DirDown {
		c.add(a, b, ClaimDirection, false, f.ID, fmt.Sprintf("“%s”与数据不符：%s低于目标，请改正。", word, c.baseLabel(f)))
		return true
	}
	c.add(a, b, ClaimTrend, true, f.ID, fmt.Sprintf("与数据一致：%s%s", c.baseLabel(f), directionWords(f, true)))
	return true
}

func trendSection(d Direction, exceed bool) string {
	switch {
	case exceed:
		return "trend_exceed"
	case d == DirDown:
		return "trend_down"
	case d == DirFlat:
		return "trend_flat"
	}
	return "trend_up"
}

// judgeTrend adds the claim of a trend word about the figures ids.
func (c *claimChecker) judgeTrend(a, b int, word string, dir Direction, exceed bool, ids []int) {
	if len(ids) == 0 {
		c.add(a, b, ClaimTrend, false, "", fmt.Sprintf("“%s”说的是数据的变化，但撰稿人没有提供可比的上期数或目标数，请核实。", word))
		return
	}
	var agree, against, unknown []int
	for _, k := range ids {
		f := c.figures[k]
		got := f.Trend
		if exceed {
			got = f.VsTarget
		}
		switch {
		case got == DirNone:
			unknown = append(unknown, k)
		case got == dir:
			agree = append(agree, k)
		default:
			against = append(against, k)
		}
	}
	switch {
	case len(against) > 0 && len(agree) == 0:
		f := c.figures[against[0]]
		c.add(a, b, ClaimDirection, false, f.ID, fmt.Sprintf("“%s”与数据不符：%s%s，请改正。", word, c.baseLabel(f), directionWords(f, exceed)))
	case len(against) > 0 && (!c.isLead(a) || c.plural(a)):
		f := c.figures[against[0]]
		c.add(a, b, ClaimDirection, false, f.ID, fmt.Sprintf("“%s”与数据不符：%s%s，请改正。", word, c.baseLabel(f), directionWords(f, exceed)))
	case len(against) > 0:
		// A lead-in over figures that moved both ways: the reviewer decides what it sums up.
		f := c.figures[against[0]]
		c.add(a, b, ClaimTrend, false, f.ID, fmt.Sprintf("“%s”概括的数据有增有减（%s%s），请核实这样概括是否恰当。", word, c.baseLabel(f), directionWords(f, exceed)))
	case len(agree) > 0:
		f := c.figures[agree[0]]
		c.add(a, b, ClaimTrend, true, f.ID, fmt.Sprintf("与数据一致：%s%s", c.baseLabel(f), directionWords(f, exceed)))
	default:
		f := c.figures[unknown[0]]
		c.add(a, b, ClaimTrend, false, f.ID, fmt.Sprintf("“%s”说的是变化，但“%s”没有上期数或目标数可比，请核实。", word, c.baseLabel(f)))
	}
}

// directionWords says how a figure moved, for a reason.
func directionWords(f BoundFigure, exceed bool) string {
	d := f.Trend
	if exceed {
		switch f.VsTarget {
		case DirUp:
			return "高于目标"
		case DirDown:
			return "低于目标"
		case DirFlat:
			return "与目标持平"
		}
		return ""
	}
	switch d {
	case DirUp:
		return "比上期增加"
	case DirDown:
		return "比上期减少"
	case DirFlat:
		return "与上期持平"
	}
	return ""
}

// claimIntent marks words that make what follows a plan or a wish: 将, 力争, 确保.
var claimIntent = regexp.MustCompile(`下一步|今后|明年|将|力争|确保|争取|计划|拟|努力|着力|推动|推进|促进|助力|旨在|以便|为了|预期目标|目标是|预计|预期`)

// intent reports whether the trend word at byte a of sentence s follows a word of plan or purpose in
// its clause or sentence start (下一步，将…提升; 推动…提升).
func (c *claimChecker) intent(s claimSentence, a int) bool {
	if claimPlan.MatchString(c.text[s.start:a]) {
		return true // 主要预期目标是：…增长6%, 下一步，…
	}
	clause := c.text[s.start:a]
	if i := strings.LastIndexAny(clause, "，；：,;:"); i >= 0 {
		// A plan announced at the sentence start (下一步，…) carries over its clauses.
		if claimIntent.MatchString(clause[:i]) && strings.HasPrefix(strings.TrimSpace(c.text[s.start:s.end]), "下一步") {
			return true
		}
		clause = clause[i:]
	}
	return claimIntent.MatchString(clause)
}

// claimPlan marks words that make the rest of a sentence a plan, whatever clause they stand in.
var claimPlan = regexp.MustCompile(`^\s*(?:下一步|今后|明年|下半年|下阶段)|预期目标|目标是|目标为|计划(?:到|于|在)?20\d\d年|力争|确保|预计`)

// plural reports whether the words right before byte a say the change of several things: 均, 都, 分别.
func (c *claimChecker) plural(a int) bool {
	before := c.text[max(0, a-8*3):a]
	word := c.text[a:min(len(c.text), a+3)]
	return strings.Contains(before, "均") || strings.Contains(before, "都") || strings.Contains(before, "分别") || strings.Contains(before, "同步") || word == "双"
}

// baseLabel returns the label of the figure f was computed from, or f's own.
func (c *claimChecker) baseLabel(f BoundFigure) string {
	if id, _, ok := strings.Cut(f.ID, "."); ok {
		if k, ok := c.byID[id]; ok {
			return c.figures[k].Label
		}
	}
	return f.Label
}

// isLead reports whether the sentence holding byte a is a lead-in.
func (c *claimChecker) isLead(a int) bool {
	for _, s := range c.sentences {
		if a >= s.start && a < s.end {
			return c.boundIn(s.start, s.end) == 0
		}
	}
	return false
}

// action reports whether the trend word ending at byte b is a verb with an object or another verb
// after it (提高服务质量, 加快形成, 减少群众跑腿): an action, not a quantity that moved.
func (c *claimChecker) action(b int) bool {
	next, _ := utf8.DecodeRuneInString(c.text[b:])
	if !unicode.Is(unicode.Han, next) {
		return false
	}
	return !strings.ContainsRune(claimAfterTrend, next) && numDigit(next) < 0 && numCNValue(next) < 0
}

// claimAfterTrend are characters that may follow a trend word when it states a change: 增长了,
// 提高到, 下降幅度, 增加明显.
const claimAfterTrend = "了至到为的幅明显较近约超达逾比态趋势率速额量势"

// negated reports whether a negation stands right before byte a (未增长, 没有下降).
func (c *claimChecker) negated(a int) bool {
	before := c.text[max(0, a-3*utf8.UTFMax):a]
	for _, m := range c.lex.find("negation", before) {
		if m[1] == len(before) {
			return true
		}
	}
	return false
}

// followingFigures returns the figures bound to numbers that follow byte b in its clause, the first
// with at most four linking characters before it (增长4.9%, 提高到62.5%, 分别增长4.9%和8.2%).
func (c *claimChecker) followingFigures(b int) []int {
	end := b
	for end < len(c.text) {
		r, size := utf8.DecodeRuneInString(c.text[end:])
		if strings.ContainsRune("，。；：！？,;:!?\n", r) {
			break
		}
		end += size
	}
	var out []int
	for _, m := range c.rep.Bound {
		if m.Span.Start < b || m.Span.End > end {
			continue
		}
		if len(out) == 0 && utf8.RuneCountInString(c.text[b:m.Span.Start]) > 4 {
			return nil
		}
		out = append(out, c.byID[m.FigureID])
	}
	return out
}

// subject returns the clause text before byte a with the adverbs and comparison phrases that may
// stand between a subject and its trend word removed (门诊量较上年同期稳步 → 门诊量).
func (c *claimChecker) subject(a int) string {
	s := c.text[:a]
	if i := strings.LastIndexAny(s, "，。；：！？,;:!?\n"); i >= 0 {
		_, size := utf8.DecodeRuneInString(s[i:])
		s = s[i+size:]
	}
	// 由较高风险降为一般风险, 从58%提高到: the subject stands before 由 or 从.
	if i := strings.LastIndex(s, "由"); i > 0 {
		s = s[:i]
	} else if i := strings.LastIndex(s, "从"); i > 0 {
		s = s[:i]
	}
	for {
		t := claimAdverbs.ReplaceAllString(s, "")
		t = strings.TrimRight(t, "了的得地 “”\"")
		if t == s {
			break
		}
		s = t
	}
	return s
}

// indicator reports whether a subject ends with a word naming a measured quantity.
func (c *claimChecker) indicator(subject string) bool {
	if subject == "" {
		return false
	}
	for _, m := range c.lex.find("not_indicator", subject) {
		if m[1] == len(subject) {
			return false
		}
	}
	for _, m := range c.lex.find("indicator", subject) {
		if m[1] == len(subject) {
			return true
		}
	}
	return false
}

// figuresFor returns the figures the subject names: those whose label shares at least two telling
// characters with it and most of their own, best first; all of them when the subject speaks of
// several (普高和中职在校生均…), else the best. With an empty subject, the nearest figure stated before
// byte a in the sentence (门急诊36.2万人次，同比增长).
func (c *claimChecker) figuresFor(subject string, a, sentStart int, plural bool) []int {
	if subject != "" {
		subBigrams := bigrams(subject)
		type scored struct {
			k     int
			score float64
		}
		var found []scored
		for k, f := range c.figures {
			if f.Derived || strings.Contains(f.ID, ".") {
				continue
			}
			label := bigrams(f.Label)
			n := 0
			for g := range label {
				if subBigrams[g] {
					n++
				}
			}
			if n >= 2 || n >= 1 && 2*n >= len(label) {
				found = append(found, scored{k, float64(n) + float64(n)/float64(len(label))})
			}
		}
		sort.SliceStable(found, func(i, j int) bool { return found[i].score > found[j].score })
		var out []int
		for _, f := range found {
			out = append(out, f.k)
		}
		if len(out) > 1 && !plural {
			out = out[:1]
		}
		if len(out) > 0 || tellingCount(subject) > 0 && !c.indicator(subject) {
			return out
		}
	}
	// The nearest figure stated before, when the subject is empty or shares a word with its label
	// (艾滋病检测3.47万人次…，检测覆盖面进一步扩大).
	for j := len(c.rep.Bound) - 1; j >= 0; j-- {
		m := c.rep.Bound[j]
		if m.Span.End > a || m.Span.Start < sentStart {
			continue
		}
		k := c.byID[m.FigureID]
		if subject == "" {
			return []int{k}
		}
		for g := range bigrams(c.baseLabel(c.figures[k])) {
			if strings.Contains(subject, g) {
				return []int{k}
			}
		}
		return nil
	}
	return nil
}

func tellingCount(s string) int { return len(tellingChars(s)) }

// leadFigures returns the figures with a direction stated in the sentences that sentence i, a
// lead-in without figures of its own, introduces: up to two, stopping at the next enumerator.
func (c *claimChecker) leadFigures(i int) []int {
	s := c.sentences[i]
	if c.boundIn(s.start, s.end) > 0 || !c.isLeadIn(s) {
		return nil
	}
	var out []int
	for j := i + 1; j < len(c.sentences) && j <= i+2; j++ {
		t := c.sentences[j]
		if claimLeadRE.MatchString(t.text) {
			break
		}
		for _, m := range c.rep.Bound {
			if m.Span.Start >= t.start && m.Span.End <= t.end {
				if k := c.byID[m.FigureID]; c.figures[k].Trend != DirNone {
					out = append(out, k)
				}
			}
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}

// isLeadIn reports whether a sentence reads as a run-in heading: it starts with an enumerator
// (一是, （二）, 3.) or is one short clause (服务总量稳步增长。).
func (c *claimChecker) isLeadIn(s claimSentence) bool {
	t := strings.TrimSpace(s.text)
	return claimLeadRE.MatchString(t) || (!strings.ContainsAny(t, "，,；;") && utf8.RuneCountInString(t) <= 25)
}

// boundIn counts the bound numbers in [a, b).
func (c *claimChecker) boundIn(a, b int) int {
	n := 0
	for _, m := range c.rep.Bound {
		if m.Span.Start >= a && m.Span.End <= b {
			n++
		}
	}
	return n
}

// names adds a claim for each place, organisation or person named in s that the writer did not name
// and the lexicon does not call generic. Names are read by their shape, to lean away from false
// alarms: a person is a surname, a given name and a title (张明同志); an organisation is a name
// before a suffix only organisations have (协和医院, 阳光公司) or a level before a department
// (省卫健委, 市应急管理局); a place is two characters before 镇, 乡, 村, 街道, 县, 区 or 市, standing
// alone (在临川镇).
func (c *claimChecker) names(s claimSentence) {
	seen := map[string]bool{}
	flag := func(a, b int, what string) {
		name := c.text[a:b]
		if seen[name] || c.lex.is("generic_name", name) {
			return
		}
		seen[name] = true
		if strings.Contains(c.userAll, name) {
			c.add(a, b, ClaimName, true, "", "撰稿人提供的名称")
			return
		}
		c.add(a, b, ClaimName, false, "", fmt.Sprintf("“%s”是%s，撰稿人没有提供，可能是其他单位的情况或模型编造，请核实。", name, what))
	}
	for _, m := range c.lex.find("person_title", s.text) {
		a, b := s.start+m[0], s.start+m[1]
		if next, _ := utf8.DecodeRuneInString(c.text[b:]); unicode.Is(unicode.Han, next) && !strings.ContainsRune(claimAfterTitle, next) {
			continue // 查处长春…: the title runs on into another word
		}
		if a, ok := c.personStart(a); ok {
			flag(a, b, "人名")
		}
	}
	for _, m := range claimOrgRE.FindAllStringSubmatchIndex(s.text, -1) {
		a, b := s.start+m[2], s.start+m[3]
		if next, _ := utf8.DecodeRuneInString(c.text[b:]); strings.HasSuffix(c.text[a:b], "学") && strings.ContainsRune("前杂费生阶段期教科历位", next) {
			continue // 学前教育, 高中学杂费: the suffix starts another word
		}
		if start, ok := c.nameStart(a, b, 2); ok && !claimGenericOrgHead.MatchString(c.text[start:a]) &&
			(utf8.RuneCountInString(c.text[start:a]) <= 6 || strings.HasPrefix(c.text[start:a], "国家")) {
			flag(start, b, "单位名称")
		}
	}
	var depts [][]int
	if strings.ContainsAny(s.text, "局委厅办部署") {
		depts = claimDeptRE.FindAllStringSubmatchIndex(s.text, -1)
	}
	for _, m := range depts {
		a, b := s.start+m[0], s.start+m[1]
		if level, size := utf8.DecodeRuneInString(c.text[a:]); strings.ContainsRune("省市州县区", level) {
			prev, _ := utf8.DecodeLastRuneInString(c.text[:a])
			next, _ := utf8.DecodeRuneInString(c.text[a+size:])
			if claimLevelWords.MatchString(string([]rune{prev, level})) || strings.ContainsRune(claimDeptLevelNext[level], next) {
				continue // 区域…布局, 社区…办: the level is part of another word
			}
		}
		if next, _ := utf8.DecodeRuneInString(c.text[b:]); strings.ContainsRune(claimDeptNext, next) {
			continue // 局长, 局面, 委员
		}
		name := c.text[a:b]
		if claimNotDept.MatchString(name) {
			continue
		}
		flag(a, b, "单位名称")
	}
	for _, m := range claimPlaceSuffix.FindAllStringIndex(s.text, -1) {
		b := s.start + m[0]
		a := b
		for n := 0; n < 2 && a > 0; n++ {
			_, size := utf8.DecodeLastRuneInString(c.text[:a])
			a -= size
		}
		head := []rune(c.text[a:b])
		if len(head) != 2 || !unicode.Is(unicode.Han, head[0]) || !unicode.Is(unicode.Han, head[1]) ||
			strings.ContainsAny(string(head), claimNameStops+claimPlaceGeneric) {
			continue
		}
		if a > 0 {
			if r, _ := utf8.DecodeLastRuneInString(c.text[:a]); unicode.Is(unicode.Han, r) && !strings.ContainsRune(claimNameStops, r) {
				continue // 借鉴杭州市: part of a longer run, not read as a name
			}
		}
		end := s.start + m[1]
		if next, _ := utf8.DecodeRuneInString(c.text[end:]); claimPlaceNext[c.text[b:end]] != "" && strings.ContainsRune(claimPlaceNext[c.text[b:end]], next) {
			continue // 市场, 区域, 县城, 村民: the suffix starts another word
		}
		name := c.text[a:end]
		if c.lex.is("generic_name", name) || claimNotPlace.MatchString(name) {
			continue
		}
		flag(a, end, "地名")
	}
	// A partner named as one: 联合阿里健康搭建…, 携手某某公司共建….
	var partners [][]int
	if strings.Contains(s.text, "联合") || strings.Contains(s.text, "携手") || strings.Contains(s.text, "牵手") || strings.Contains(s.text, "引进") || strings.Contains(s.text, "委托") {
		partners = claimPartnerRE.FindAllStringSubmatchIndex(s.text, -1)
	}
	for _, m := range partners {
		a, b := s.start+m[2], s.start+m[3]
		name := c.text[a:b]
		if strings.ContainsAny(name, claimFunctionWords) || claimGenericPartner.MatchString(name) || c.genericTail(name) ||
			utf8.RuneCountInString(name) > 6 || claimNameVerbs.MatchString(string([]rune(name)[:2])) {
			continue
		}
		flag(a, b, "合作单位名称")
	}
	// A newspaper or magazine: 《中国文物报》.
	for _, m := range claimPressRE.FindAllStringIndex(s.text, -1) {
		flag(s.start+m[0], s.start+m[1], "媒体名称")
	}
	// A place inside a place reads as a name wherever it stands: 杭州市上城区, 临川镇白沙村.
	var chains [][]int
	if strings.ContainsAny(s.text, "省市县州") {
		chains = claimPlaceChain.FindAllStringIndex(s.text, -1)
	}
	for _, m := range chains {
		a, b := s.start+m[0], s.start+m[1]
		if name := c.text[a:b]; !claimNotPlace.MatchString(name) && !strings.ContainsAny(name, claimNameStops) {
			flag(a, b, "地名")
		}
	}
}

var (
	// claimOrgRE finds the suffixes only organisations have; group 1 is the suffix.
	claimOrgRE = regexp.MustCompile(`(运动会|联赛|锦标赛|博览会|交易会|艺术节|文化节|旅游节|医院|卫生院|保健院|中学|小学|大学|学院|幼儿园|公司|集团|银行|协会|学会|商会|基金会|研究院|研究所|设计院|报社|电视台|日报|晚报|杂志社|出版社|律师事务所|会计师事务所)`)
	// claimDeptRE finds a level and a department: 省卫健委, 市应急管理局, 县财政局.
	claimDeptRE = regexp.MustCompile(`(?:国家|省|市|州|县|区)\p{Han}{1,7}?(?:局|委|厅|办公室|委员会)|(?:农业农村|教育|民政|财政|人力资源和社会保障|自然资源|生态环境|住房和城乡建设|交通运输|水利|商务|文化和旅游|卫生健康|应急管理|公安|司法|科技|工业和信息化|市场监管|退役军人事务|审计|统计|医疗保障|乡村振兴|体育|林业和草原|气象|税务|发展和改革)(?:部|委|厅|局|署)`)
	// claimDeptNext are characters after 局/委/厅 that make another word of it.
	claimDeptNext = "长面员势部属级内外里会议门"
	// claimDeptLevelNext are characters after a level that make another word of it: 区域, 市场, 县域.
	claimDeptLevelNext = map[rune]string{'区': "域间别分块位划", '市': "场值容面", '县': "域城", '省': "力", '州': ""}
	// claimLevelWords are words that end with a level character: no level starts there.
	claimLevelWords = regexp.MustCompile(`^(?:地区|社区|园区|小区|景区|山区|城区|辖区|片区|新区|校区|街区|城市|都市|超市|夜市|集市|股市|楼市|上市|门市|本市|全市|各市|该市|外省|本省|全省|各省|外县|本县|全县|各县|该县|本区|全区|各区|该区)$`)
	// claimNotDept are readings of claimDeptRE that are no department.
	claimNotDept = regexp.MustCompile(`(?:好|布|格|大|全|开|当|结|骗|饭|时|危|残|僵|破|变|新|棋|胜|定|总)局$|^(?:省|市|县|区|州)(?:委|政府)|^(?:省|市|县|区)(?:纪委|政法委|编委|常委|党委|人大常委会|委员会)$|^(?:省|市|县|区)(?:直|属|级|域|内|外)`)
	// claimPressRE finds the titles of newspapers and magazines.
	claimPressRE = regexp.MustCompile(`《[^》]{1,12}(?:报|杂志|周刊|日报|晚报|时报|画报|期刊)》`)
	// claimGenericOrgHead marks the heads of organisation names that are kinds, not names: 投资公司,
	// 大型商业银行, 独资医院, 高水平大学.
	claimGenericOrgHead = regexp.MustCompile(`现代|航空|行业|普惠|解决|查处|减轻|型|资|营|国有|一流|高水平|金融|商业|民办|公办|公立|私立|综合|专科|中小|骨干|重点|示范|试点|定点|标准化|规范化|达标|乡镇|社区|基层|村级|县级|市级|省级|二级|三级|各类|相关|有关`)
	// claimPartnerRE finds the partner of a joint action; group 1 is its name.
	claimPartnerRE = regexp.MustCompile(`(?:联合|携手|牵手|引进|委托)(\p{Han}{2,8}?)(?:搭建|共建|建设|开展|打造|成立|签约|签订|合作|共同|组建|推出|研发|开发|举办)`)
	// claimGenericPartner are partners any bureau names: 相关部门, 社会力量.
	claimGenericPartner = regexp.MustCompile(`(?:部门|单位|机构|企业|力量|组织|团队|专家|高校|院校|医院|乡镇|街道|社区|村|公司|平台|媒体|协会|志愿者|群众|行业)$`)
	// claimPlaceChain finds a named place inside a named place.
	claimPlaceChain = regexp.MustCompile(`\p{Han}{2}(?:省|市|县|州)\p{Han}{2,3}(?:市|区|县|镇|乡|街道)(?:\p{Han}{2,3}(?:村|社区))?`)
	// claimPlaceSuffix finds the ends of place names.
	claimPlaceSuffix = regexp.MustCompile(`街道|镇|乡|村|县|区|市`)
	// claimNotPlace are two-character readings that are words, not names.
	claimNotPlace = regexp.MustCompile(`^(?:主产区|棚户区|贸易区|摘帽县|贫困县|重点县|示范县|试点县|产粮县|保税区|自贸区|高新区|经开区|核心区|先行区|集聚区|承载区|合作区|实验区|先导区|引领区|主城区|中心城区|城区|农村|城区|辖区|社区|山区|景区|园区|校区|新区|老区|片区|湖区|库区|灾区|矿区|街区|小区|学区|病区|牧区|林区|垦区|特区|示范区|试验区|开发区|保护区|功能区|风景区|市区|郊区|全县|全市|全区|各县|各区|各市|县区|市县|市区|城市|都市|超市|夜市|集市|股市|楼市|上市|一市|本县|本市|本区|我县|我市|我区|该县|该市|该区|全乡|全镇|全村|各乡|各镇|各村|乡镇|集镇|城镇|小镇|古镇|名镇|重镇|强镇|乡村|农村|山村|渔村|新村|老村|行政村|自然村|贫困村|脱贫村|重点村|示范村|中心村|空心村|薄弱村|易地|美丽乡村)$|^\p{Han}*(?:行政|自然|贫困|脱贫|重点|示范|中心|空心|薄弱|试点|样板|先进|文明|卫生|生态|美丽|特色|传统|历史|文化|旅游|产业|集体|经济|农业|工业|边境|民族|革命|欠发达|发达|相关|周边|所在|涉及|涉农|辖内|沿线|沿河|沿江|山区|平原|丘陵|城郊|近郊|偏远|边远|少数|多数|部分|个别|所有|每个|各个|其他|其余|全部|剩余|新建|新增|改造)(?:村|镇|乡|县|区|市|街道)$`)
)

// genericTail reports whether name, read from some character on, is a generic name whose head is
// only levels (县人民医院).
func (c *claimChecker) genericTail(name string) bool {
	for i := 0; i < len(name); {
		if c.lex.is("generic_name", name[i:]) && strings.Trim(name[:i], "省市县区乡镇村州全各本我该") == "" {
			return true
		}
		_, size := utf8.DecodeRuneInString(name[i:])
		i += size
	}
	return false
}

// personStart returns where a person's name before a title at byte a starts: a surname and one or
// two more characters (张明同志, 王建国书记), or a surname alone before a title (李局长).
func (c *claimChecker) personStart(a int) (int, bool) {
	rs := []rune(c.text[max(0, a-4*3):a])
	for n := 3; n >= 1; n-- {
		if len(rs) < n {
			continue
		}
		cand := rs[len(rs)-n:]
		ok := true
		for _, r := range cand {
			if !unicode.Is(unicode.Han, r) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		// The character before the name must not be a Chinese character joined to it: 主任 in 办公室主任.
		if len(rs) > n && unicode.Is(unicode.Han, rs[len(rs)-n-1]) && n < 3 && !c.lex.is("surname", string(cand[:1])) {
			continue
		}
		if c.lex.is("surname", string(cand[0])) || (len(cand) > 1 && c.lex.is("surname", string(cand[:2]))) {
			if n == 1 || !strings.ContainsAny(string(cand[1:]), claimStop+"局委办院校厅部处科股室站所队组会") {
				name := string(cand)
				if c.lex.is("generic_name", name) {
					return 0, false
				}
				return a - len(name), true
			}
		}
	}
	return 0, false
}

// claimPlaceNext are, per place suffix, the characters after it that make it part of another word.
var claimPlaceNext = map[string]string{
	"市": "场民值容井面区级县属直政委长域内外", "区": "域间别分块位划县级属内外长委", "县": "域城级区乡属委长内外",
	"乡": "镇村土愁亲贤情风长", "镇": "区级村街长党", "村": "民级组庄委务落居集社长干", "街道": "办",
}

// claimPlaceGeneric are characters that make two characters before a place suffix a common word
// (城乡, 农村, 辖区) rather than a name.
const claimPlaceGeneric = "年整住上下以地设序产户易帽困城农社辖景园校老片湖库灾矿街小学病牧林垦特郊县区乡镇村省市州集古名重强渔空薄中心点型级内外际间"

// claimNameVerbs are two-character verbs that end a name when reading back from its suffix.
var claimNameVerbs = regexp.MustCompile(`^(?:取消|免除|放开|放宽|减轻|扩大|办好|推进|建成|打造|组建|成立|携手|构建|清理|规范|设立|增设|鼓励|引导|发展|支持|推动|指导|督促|要求|组织|协调|依托|邀请|联合|会同|委托|引进|新建|改建|扩建|创建|建设|培育|壮大|整合|改革|完善|优化|提升|加强|做强|做优)$`)

// claimAfterTitle are characters that may follow a person's title: 张明同志的, 王书记带领.
const claimAfterTitle = "的在带等率和与主亲到来为对指强出作讲调及、同一也都已曾多深先"

// claimFunctionWords never stand inside a name.
const claimFunctionWords = "的在与和及由对向为被经到了是将从把让给于以同跟或并且而等、，。；：“”《》（）"

// claimNameStops end a name when reading back from its suffix: function words and verbs.
const claimNameStops = "届第如的在与和及由对向为被经到了是获得受入将从把让给于以同跟或并且而等、，。；：！？“”《》（）()0123456789一二两三四五六七八九十百千万个家所名多余共有新建成各全本我该这此其每组织召开举办参加开展推进实施落实加强强化深化完善健全建立打造提升推动促进联合协调配合依托支持指导会同牵头邀请带领率"

// nameStart reads back from a suffix match [a, b) to the start of the name it ends, and reports
// whether that name is specific: at least minTelling telling characters before the suffix, and not
// a generic name whose head is only levels (县人民医院, 乡镇卫生院).
func (c *claimChecker) nameStart(a, b, minTelling int) (int, bool) {
	start := a
	n := 0
	for start > 0 && n < 8 {
		r, size := utf8.DecodeLastRuneInString(c.text[:start])
		if !unicode.Is(unicode.Han, r) || strings.ContainsRune(claimNameStops, r) {
			break
		}
		if verb := c.text[max(0, start-2*size):start]; claimNameVerbs.MatchString(verb) && start-len(verb) >= 0 {
			break // 清理规范银行: a verb ends the name
		}
		start -= size
		n++
	}
	if n == 0 {
		return 0, false
	}
	for i := start; i < b; {
		if c.lex.is("generic_name", c.text[i:b]) && strings.Trim(c.text[start:i], "省市县区乡镇村州全各本我该") == "" {
			return 0, false
		}
		_, size := utf8.DecodeRuneInString(c.text[i:])
		i += size
	}
	if len(tellingChars(c.text[start:a])) < minTelling {
		return 0, false
	}
	return start, true
}
