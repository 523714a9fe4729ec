package offline

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/guard"
)

// rewrite drafts a section from its template text (draft.SectionRequest.TemplateText), sentence by
// sentence: the template's own words with this period's figures in its slots, the template's
// organisation and period replaced by the request's, and every change recomputed from the
// figure's previous value (Derive), its direction word made to agree (提高 → 降低 when the figure
// fell). A clause whose slot has no figure any more (the writer removed it) is left out. Anything
// else the template says is kept as it is, old dates and names included: the pipeline flags such
// sentences high for the reviewer (去年的内容，请确认是否仍然属实). A derived figure of req.Figures
// the template does not state is said after its figure; the pipeline gives only those a writer asked
// for (a comparison named, a figure of their own: see draft.SectionInput.Optional), so the draft
// compares where the template compared and reads as light. Figures it has no slot for end the section.
func rewrite(req draft.SectionRequest) string {
	byID := map[string]draft.Figure{}
	for _, f := range req.Figures {
		byID[f.ID] = f
	}
	text := fullWidth(draft.Retarget(req.TemplateText, req.TemplateOrganization, req.Organization, req.TemplatePeriod, req.Period))
	cmp := comparisonWord(req.Period)
	var out []string
	if notes := strings.TrimSpace(req.Notes); notes != "" {
		if !strings.ContainsAny(lastRune(notes), "。！？!?") {
			notes += "。"
		}
		out = append(out, notes)
	}
	for _, para := range strings.Split(text, "\n") {
		ss, _ := guard.SplitSentences(para)
		for _, s := range ss {
			if s = rewriteSentence(s, byID); s != "" {
				out = append(out, s)
			}
		}
	}
	body := strings.Join(out, "")
	body = sayDerived(body, req.Figures, byID, cmp)
	return body + sayRest(body, req.Figures, cmp)
}

// comparisonWord is how a change against a template figure's previous value, last period's, is
// introduced when the figure names no comparison: the same part of last year for a period shorter
// than a year (同比), the year before for a year (较上年).
func comparisonWord(period string) string {
	for _, w := range []string{"上半年", "下半年", "季度", "月"} {
		if strings.Contains(period, w) {
			return "同比"
		}
	}
	return "较上年"
}

// fullWidth writes the half-width , ; : ( ) a copied text often has between Chinese words as the
// full-width marks Chinese prose uses; between digits (1,234, 09:30) they stay.
func fullWidth(text string) string {
	rs := []rune(text)
	digit := func(i int) bool { return i >= 0 && i < len(rs) && rs[i] >= '0' && rs[i] <= '9' }
	for i, r := range rs {
		w, ok := halfToFull[r]
		switch {
		case !ok:
		case r == '(' || r == ')':
			if cjkAround(rs, i) {
				rs[i] = w
			}
		case !(digit(i-1) && digit(i+1)):
			rs[i] = w
		}
	}
	return string(rs)
}

var halfToFull = map[rune]rune{',': '，', ';': '；', ':': '：', '(': '（', ')': '）'}

// cjkAround reports whether a Chinese character stands right before or after rs[i].
func cjkAround(rs []rune, i int) bool {
	cjk := func(k int) bool { return k >= 0 && k < len(rs) && rs[k] >= 0x4e00 && rs[k] <= 0x9fff }
	return cjk(i-1) || cjk(i+1)
}

// directions pairs each direction word with its opposite; the first of each pair says up.
var directions = [][2]string{{"增长", "下降"}, {"增加", "减少"}, {"提高", "降低"}, {"提升", "下降"}, {"上升", "下降"}, {"增长", "下滑"}, {"增长", "回落"}}

var slotTokenRE = regexp.MustCompile(`【([A-Za-z0-9_.\-]+)】`)

// rewriteSentence rewrites one template sentence: each clause whose tokens all name figures is
// kept, its direction words agreeing with the changes it states; a clause with a token naming no
// figure is left out. "" when nothing of the sentence is left but punctuation.
func rewriteSentence(s string, byID map[string]draft.Figure) string {
	var kept []string
	dropped, last := false, false // last: the clause before was left out
	for _, c := range splitClauses(s) {
		c2, ok := rewriteClause(c, byID)
		if ok && !(last && dependentClause.MatchString(strings.TrimSpace(c))) {
			kept = append(kept, c2)
			last = false
			continue
		}
		dropped, last = true, true
		// A comparison's frame (与2023年相比，) goes with the clause it frames.
		if k := len(kept) - 1; k >= 0 && comparisonFrame.MatchString(strings.TrimSpace(kept[k])) {
			kept = kept[:k]
		}
		// The clause before takes the dropped one's mark: 卫生院3所、卫生室12所，投入… loses its
		// 卫生室 as 卫生院3所，投入…, not 卫生院3所、投入….
		if k := len(kept) - 1; k >= 0 {
			if r, size := utf8.DecodeLastRuneInString(kept[k]); r == '、' {
				if m, _ := utf8.DecodeLastRuneInString(c); strings.ContainsRune("，,；;：:", m) {
					kept[k] = kept[k][:len(kept[k])-size] + string(m)
				}
			}
		}
	}
	if !dropped {
		return strings.Join(kept, "")
	}
	// The clause left out may have held the sentence's end, or the last one kept may end on a comma.
	out := strings.TrimRight(strings.Join(kept, ""), "，,、；;：:。！？!? ")
	if !hasWords(out) {
		return ""
	}
	return out + terminatorOf(s)
}

// dependentClause matches a clause that says more of the one before it (其中…, 占…, 分别…, 同比…):
// it is left out with that clause.
var dependentClause = regexp.MustCompile(`^(?:其中|占|分别|同比|环比|较上年|比上年|均|增长|下降|增加|减少)`)

// comparisonFrame matches a clause that only sets up a comparison for the clause after it.
var comparisonFrame = regexp.MustCompile(`^(?:与|和|同|跟)[^，,；;。【】]{1,16}(?:相比|比较)[，,]$`)

func hasWords(s string) bool {
	n := 0
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			n++
		}
	}
	return n >= 4
}

func terminatorOf(s string) string {
	r, _ := utf8.DecodeLastRuneInString(s)
	if guard.IsTerminator(r) && r != '\n' {
		return string(r)
	}
	return "。"
}

// splitClauses cuts a sentence after each ，,；;、：: outside brackets, keeping the marks.
func splitClauses(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '（', '(', '“', '《', '【':
			depth++
		case '）', ')', '”', '》', '】':
			depth = max(0, depth-1)
		case '，', ',', '；', ';', '、', '：', ':':
			if depth == 0 {
				end := i + utf8.RuneLen(r)
				out = append(out, s[start:end])
				start = end
			}
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// rewriteClause returns the clause with each derived token's direction word agreeing with the
// figure, and false when a token names no figure.
func rewriteClause(c string, byID map[string]draft.Figure) (string, bool) {
	ms := slotTokenRE.FindAllStringSubmatchIndex(c, -1)
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		f, ok := byID[c[m[2]:m[3]]]
		if !ok {
			return "", false
		}
		if f.Derived && (strings.HasSuffix(f.ID, draft.SuffixChange) || strings.HasSuffix(f.ID, draft.SuffixGrowth)) {
			c = agree(c, m[0], m[1], f)
		}
	}
	return c, true
}

// agree makes the direction word right before the token at c[at:end] say f's direction, from the
// end of f's label (…比上期提高, …比上期下降, …与上期持平).
func agree(c string, at, end int, f draft.Figure) string {
	before := strings.TrimSuffix(c[:at], "了")
	word, up := "", false
	for _, d := range directions {
		for k, w := range d {
			if strings.HasSuffix(before, w) && len(w) > len(word) {
				word, up = w, k == 0
			}
		}
	}
	if word == "" {
		return c
	}
	wordAt := len(before) - len(word)
	switch {
	case strings.HasSuffix(f.Label, "持平"):
		pre := c[:wordAt]
		if i := strings.LastIndex(pre, "比"); i >= 0 && !strings.HasSuffix(pre[:i], "同") {
			pre = pre[:i] + "与" + pre[i+len("比"):]
		} else if i := strings.LastIndex(pre, "较"); i >= 0 {
			pre = pre[:i] + "与" + pre[i+len("较"):]
		}
		return pre + "持平（变化量为" + c[at:end] + "）" + c[end:]
	case fell(f.Label) == up:
		for _, d := range directions {
			if d[0] == word || d[1] == word {
				word = d[0]
				if up {
					word = d[1]
				}
				break
			}
		}
		return c[:wordAt] + word + c[at:]
	}
	return c
}

// fell reports whether a derived figure's label says a fall.
func fell(label string) bool {
	return strings.HasSuffix(label, "减少") || strings.HasSuffix(label, "下降") || strings.HasSuffix(label, "低于目标")
}

// sayDerived states after its figure each derived figure text does not state yet: at the end of
// the figure's clause (签约率达到【f1】，比上年提高【f1.change】), or, for figures in a list, together in
// a sentence after the list's sentence (新建卫生院较上年增加【f3.change】；卫生室较上年增加【f4.change】。).
func sayDerived(text string, figs []draft.Figure, byID map[string]draft.Figure, cmp string) string {
	type insert struct {
		at     int
		text   string
		inList bool
	}
	var inserts []insert
	for _, g := range groups(figs) {
		if g.fig.Derived {
			continue
		}
		var phrases []string
		compared := false // the template compares already: 门诊量【f2】，增加【f2.change】，同比增长【f2.growth】
		for _, d := range g.derived {
			compared = compared || strings.Contains(text, draft.Token(d.ID))
		}
		for _, d := range g.derived {
			if strings.Contains(text, draft.Token(d.ID)) {
				continue
			}
			phrases = append(phrases, comparedPhrase(strings.TrimPrefix(d.Label, g.fig.Label), draft.Token(d.ID), g.fig, cmp, &compared))
		}
		tok := draft.Token(g.fig.ID)
		at := strings.Index(text, tok)
		if len(phrases) == 0 || at < 0 {
			continue
		}
		end := at + len(tok)
		stop := strings.IndexAny(text[end:], "，,；;。！？!?、\n")
		inList := stop >= 0 && strings.HasPrefix(text[end+stop:], "、") || strings.HasSuffix(strings.TrimRight(clauseStart(text, at), " "), "、")
		if stop < 0 {
			stop = len(text) - end
		}
		if !inList {
			inserts = append(inserts, insert{at: end + stop, text: "，" + strings.Join(phrases, "，")})
			continue
		}
		sEnd := strings.IndexAny(text[end:], "。！？!?；;")
		if sEnd < 0 {
			sEnd = len(text) - end
		} else {
			sEnd += utf8.RuneLen([]rune(text[end+sEnd:])[0])
		}
		inserts = append(inserts, insert{at: end + sEnd, text: g.fig.Label + strings.Join(phrases, "，"), inList: true})
	}
	// Applied from the end, so that every position still holds; list items at one place share a
	// sentence, in the list's order.
	sort.SliceStable(inserts, func(a, b int) bool { return inserts[a].at < inserts[b].at })
	for k := len(inserts) - 1; k >= 0; {
		in := inserts[k]
		add := in.text
		first := k
		if in.inList {
			var items []string
			for first >= 0 && inserts[first].at == in.at && inserts[first].inList {
				items = append([]string{inserts[first].text}, items...)
				first--
			}
			first++
			add = strings.Join(items, "；") + "。"
		}
		text = text[:in.at] + add + text[in.at:]
		k = first - 1
	}
	return text
}

// clauseStart returns the text before byte at, to the start of its clause's separator included.
func clauseStart(text string, at int) string {
	i := strings.LastIndexAny(text[:at], "，,；;。！？!?、\n")
	if i < 0 {
		return ""
	}
	return text[:i+utf8.RuneLen([]rune(text[i:])[0])]
}

// comparedPhrase says a derived figure after its base as derivedPhrase does, with the base's
// comparison (Figure.Compare), or cmp when it names none, for 比上期.
func comparedPhrase(suffix, tok string, base draft.Figure, cmp string, compared *bool) string {
	if base.Compare != "" {
		cmp = base.Compare
	}
	return draft.ComparePhrase(derivedPhrase(suffix, tok, compared), cmp)
}

// sayRest states the figures the text has no token of (a figure the writer added to the
// template's), in a sentence of their own at the end.
func sayRest(text string, figs []draft.Figure, cmp string) string {
	var rest []draft.Figure
	for _, f := range figs {
		if !strings.Contains(text, draft.Token(f.ID)) {
			rest = append(rest, f)
		}
	}
	var stmts []string
	for _, g := range groups(rest) {
		if g.fig.Derived {
			// A derived figure whose base is stated already: said after its base's label.
			s := bank().pick("derived", g.fig.ID, "{label}", g.fig.Label, "{token}", draft.Token(g.fig.ID))
			stmts = append(stmts, draft.ComparePhrase(s, cmp))
			continue
		}
		s := bankStatement(g.fig)
		compared := false
		for _, d := range g.derived {
			s += "，" + comparedPhrase(strings.TrimPrefix(d.Label, g.fig.Label), draft.Token(d.ID), g.fig, cmp, &compared)
		}
		stmts = append(stmts, s)
	}
	if len(stmts) == 0 {
		return ""
	}
	return "此外，" + strings.Join(stmts, "；") + "。"
}
