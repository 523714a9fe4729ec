// Package offline drafts sections without a model: each figure is stated in a sentence shaped on
// a retrieved passage when one fits, or from a built-in phrase bank, and the section is stitched
// from an opening, an enumeration of the figures and a closing. Its output is deterministic and
// holds no number of its own: every number is a figure token.
package offline

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// Model is the model name of drafts written offline.
const Model = "offline"

// maxItems is how many enumerated items (一是 … 九是) a section gets at most; beyond that, figures
// share items, so the enumerators never reach 十.
const maxItems = 9

var enumerators = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九"}

// Writer is the template-grounded drafter used when no model is configured. It ignores
// SectionRequest.Feedback: its output already states every figure and no other number.
type Writer struct{}

var _ draft.Writer = Writer{}

// Write drafts req's section. Every figure of req appears exactly once, as its token; the same
// request always gets the same text. It fails only when ctx is done.
func (Writer) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	if err := ctx.Err(); err != nil {
		return draft.SectionText{}, fmt.Errorf("offline: write: %w", err)
	}
	if strings.TrimSpace(req.TemplateText) != "" {
		return draft.SectionText{Text: rewrite(req), Model: Model}, nil
	}
	return draft.SectionText{Text: compose(req), Model: Model}, nil
}

// group is a figure with the derived figures said in the same breath.
type group struct {
	fig     draft.Figure
	derived []draft.Figure
	compare string // for a derived figure alone, its base's Figure.Compare
}

func compose(req draft.SectionRequest) string {
	var b strings.Builder
	b.WriteString(opening(req))
	cs := clauses(req.Passages)
	used := make([]bool, len(cs))
	var stmts []string
	for _, g := range groups(req.Figures) {
		stmts = append(stmts, statement(g, cs, used))
	}
	if lists(req.Passages) {
		items := pack(stmts)
		for i, it := range items {
			if len(items) > 1 {
				b.WriteString(enumerators[i] + "是")
			}
			b.WriteString(it)
			if i < len(items)-1 {
				b.WriteString("；")
			} else {
				b.WriteString("。")
			}
		}
	} else {
		b.WriteString(paragraph(stmts, req.Heading))
	}
	if n := draft.LengthRunes(req.Length); (n == 0 || n >= draft.Lengths["适中"]) && draft.SectionRole(req.Heading) != retrieval.RoleOverview {
		// A short section states its figures and stops; the closing is for a section with room, and the
		// opening paragraph (总体情况) leads into the sections rather than closing anything.
		b.WriteString(bank().pick(closingSection(req.Heading), req.Heading))
	}
	return b.String()
}

// opening is the writer's notes when there are any, said as they are; otherwise a sentence from
// the phrase bank chosen by the section's role: what was achieved in the period, the shortcomings
// (工作中也存在一些不足：) or what the organisation will do next (下一步，…将…).
func opening(req draft.SectionRequest) string {
	if notes := strings.TrimSpace(req.Notes); notes != "" {
		if !strings.ContainsAny(lastRune(notes), "。！？!?") {
			notes += "。"
		}
		return notes
	}
	switch draft.SectionRole(req.Heading) {
	case retrieval.RolePlans:
		return bank().pick("opening-plans", req.Heading, "{org}", strings.TrimSpace(req.Organization))
	case retrieval.RoleProblems:
		return bank().pick("opening-problems", req.Heading, "{org}", strings.TrimSpace(req.Organization))
	}
	topic := strings.TrimRight(retrieval.TrimMarker(req.Heading), " 。：:；;，,")
	for _, suffix := range []string{"完成情况", "开展情况", "落实情况", "进展情况", "推进情况", "情况"} {
		// 履职尽责情况 is a heading, not a topic: 紧紧围绕履职尽责, never 紧紧围绕履职尽责情况.
		if t, ok := strings.CutSuffix(topic, suffix); ok && utf8.RuneCountInString(t) >= 2 {
			topic = t
			break
		}
	}
	if topic == "" {
		topic = "各项工作"
	}
	lead := req.Organization
	if p := strings.TrimSpace(req.Period); p != "" {
		lead = p + "，" + lead
	}
	if draft.SectionRole(req.Heading) == retrieval.RoleOverview {
		return bank().pick("opening-overview", req.Heading, "{lead}", lead)
	}
	section := "opening"
	for _, v := range actionWords {
		if strings.HasPrefix(topic, v) {
			section = "opening-action"
			break
		}
	}
	return bank().pick(section, req.Heading, "{lead}", lead, "{topic}", topic)
}

// closingSection is the phrase section that ends a section of heading's role: plans and problems
// do not end on the achievements' 继续巩固工作成效.
func closingSection(heading string) string {
	switch draft.SectionRole(heading) {
	case retrieval.RolePlans:
		return "closing-plans"
	case retrieval.RoleProblems:
		return "closing-problems"
	}
	return "closing"
}

// actionWords start a heading that is a verb phrase (扎实推进…, 加强…): such a heading is the
// opening's predicate, not its object.
var actionWords = []string{"扎实", "深入", "全面", "持续", "着力", "大力", "积极", "稳步", "切实", "不断", "认真",
	"推进", "推动", "加强", "加快", "强化", "深化", "提升", "提高", "做好", "抓好", "抓实", "狠抓", "完善", "健全",
	"落实", "优化", "坚持", "聚焦", "筑牢", "守牢", "织密", "夯实", "巩固", "创新", "开展", "实施", "打造", "构建"}

func lastRune(s string) string {
	r := []rune(s)
	return string(r[len(r)-1])
}

// groups orders figures for the enumeration: each figure given by the writer, followed by the
// figures derived from it whose label extends its own ("…比上期增长"). A derived figure that cannot
// be attached so is a group of its own. A repeated ID is said once.
func groups(figs []draft.Figure) []group {
	base := map[string]int{} // ID → index in out
	seen := map[string]bool{}
	var out []group
	attach := func(d draft.Figure) (int, bool) {
		i, ok := base[d.DerivedFrom]
		if !ok || !d.Derived || len(d.Label) <= len(out[i].fig.Label) || !strings.HasPrefix(d.Label, out[i].fig.Label) {
			return 0, false
		}
		return i, true
	}
	for _, f := range figs {
		if f.Derived || seen[f.ID] {
			continue
		}
		seen[f.ID] = true
		base[f.ID] = len(out)
		out = append(out, group{fig: f})
	}
	// Derived figures in a second pass, so one listed before its base still joins it.
	for _, f := range figs {
		if !f.Derived || seen[f.ID] {
			continue
		}
		seen[f.ID] = true
		if i, ok := attach(f); ok {
			out[i].derived = append(out[i].derived, f)
		} else {
			g := group{fig: f}
			if i, ok := base[f.DerivedFrom]; ok {
				g.compare = out[i].fig.Compare
			}
			out = append(out, g)
		}
	}
	for _, g := range out {
		slices.SortStableFunc(g.derived, func(a, b draft.Figure) int { return derivedRank(a) - derivedRank(b) })
	}
	return out
}

// derivedRank orders a figure's derived figures as they are said: change, growth, then target.
func derivedRank(d draft.Figure) int {
	switch strings.TrimPrefix(d.ID, d.DerivedFrom) {
	case draft.SuffixChange:
		return 0
	case draft.SuffixGrowth:
		return 1
	case draft.SuffixCompletion, draft.SuffixGap:
		return 2
	}
	return 3
}

// statement states a group: its figure in a sentence shaped on a passage clause or from the
// phrase bank, then its derived figures ("，比上期增加【f2.change】，增长【f2.growth】").
func statement(g group, cs []clause, used []bool) string {
	tok := draft.Token(g.fig.ID)
	var s string
	switch {
	case g.fig.Derived:
		s = draft.ComparePhrase(bank().pick("derived", g.fig.ID, "{label}", g.fig.Label, "{token}", tok), g.compare)
	default:
		var ok bool
		if s, ok = fit(g.fig, cs, used); !ok {
			s = bankStatement(g.fig)
		}
	}
	compared := false
	for _, d := range g.derived {
		s += "，" + draft.ComparePhrase(derivedPhrase(strings.TrimPrefix(d.Label, g.fig.Label), draft.Token(d.ID), &compared), g.fig.Compare)
	}
	return s
}

// derivedPhrase says a derived figure after its base, from what its label adds to the base's
// label (see draft.Derive). "比上期" is said once per figure.
func derivedPhrase(suffix, tok string, compared *bool) string {
	switch {
	case strings.HasSuffix(suffix, "持平"):
		return suffix + "（变化量为" + tok + "）"
	case suffix == "完成目标":
		return "完成目标的" + tok
	case strings.HasPrefix(suffix, "比上期"):
		if *compared {
			return strings.TrimPrefix(suffix, "比上期") + tok
		}
		*compared = true
	}
	return suffix + tok
}

// lists reports whether the house style the passages show enumerates (一是…二是…): the section then
// enumerates its figures too; otherwise it reads as one paragraph. With no passage there is no house
// style to follow, and the genre's most common form, the enumeration, is kept.
func lists(ps []retrieval.Result) bool {
	if len(ps) == 0 {
		return true
	}
	for _, p := range ps {
		if strings.Contains(p.Text, "一是") && strings.Contains(p.Text, "二是") {
			return true
		}
	}
	return false
}

// connectors open the second and later sentences of a paragraph of figures, chosen by heading so
// that sections do not all run alike.
var connectors = [][]string{{"同时，", "此外，"}, {"此外，", "同时，"}, {"与此同时，", "另外，"}}

// paragraph joins statements into sentences of two, the later ones opened by a connector.
func paragraph(stmts []string, heading string) string {
	if len(stmts) == 0 {
		return ""
	}
	h := fnv.New32a()
	h.Write([]byte(heading))
	cs := connectors[h.Sum32()%uint32(len(connectors))]
	var b strings.Builder
	for i := 0; i < len(stmts); i += 2 {
		if i > 0 {
			b.WriteString(cs[(i/2-1)%len(cs)])
		}
		pair := stmts[i:min(i+2, len(stmts))]
		sep := "，"
		if strings.Contains(strings.Join(pair, ""), "，") {
			sep = "；" // a statement with its changes has commas of its own
		}
		b.WriteString(strings.Join(pair, sep))
		b.WriteString("。")
	}
	return b.String()
}

// pack joins statements into at most maxItems items, in order, as evenly as it can.
func pack(stmts []string) []string {
	n := len(stmts)
	if n <= maxItems {
		return stmts
	}
	items := make([]string, maxItems)
	for i, s := range stmts {
		k := i * maxItems / n
		if items[k] != "" {
			items[k] += "，"
		}
		items[k] += s
	}
	return items
}

// bankStatement states a figure with a phrase of the bank for its unit, or, when its label is a
// verb phrase, as the label followed by the number: 新建村卫生室12所, 签约率提高2个百分点, never
// 新建村卫生室为12所.
func bankStatement(f draft.Figure) string {
	tok := draft.Token(f.ID)
	if draft.VerbLabel(f.Label) {
		return f.Label + tok
	}
	return bank().pick(unitSection(f.Unit), f.ID+f.Label, "{label}", f.Label, "{token}", tok)
}
