package retrieval

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Part is one document found in a file.
type Part struct {
	Title  string `json:"title"`
	Text   string `json:"text"`             // cleaned text without the title line
	Hidden bool   `json:"hidden,omitempty"` // listed in the file's table of contents, but the site hid its text
}

// SplitDocuments splits cleaned text (Clean's output, with its report) into the documents it
// holds. A compilation is recognised by the document titles its table of contents listed
// (rep.Contents): each title found on a line of its own starts a document, and text after a
// place where the site hid text (rep.Gaps) belongs to the listed document just before the next
// title found (the last listed one when none follows). Every listed document gets a Part, in
// the order of the table of contents; those the site hid entirely have Hidden set and no text.
// Without a table of contents, two or more distinct title lines (…2023年工作总结), each followed
// by a body, split the text. Otherwise the text is one document, titled by its title line: the
// first line, or the third after an organisation's name and a date ("" if none).
// Text before the first title goes to the first document.
func SplitDocuments(text string, rep CleanReport) []Part {
	lines := strings.Split(text, "\n")
	var titles []string
	for _, t := range rep.Contents {
		if titleLike(t) {
			titles = append(titles, titleText(t))
		}
	}
	if len(titles) >= 2 {
		if parts, ok := splitByContents(lines, titles, rep.Gaps); ok {
			return parts
		}
	}
	if parts, ok := splitByTitles(lines); ok {
		return parts
	}
	return []Part{singlePart(lines)}
}

// matchesTitle reports whether a line is the title t (give or take the site's decorations).
func matchesTitle(line, t string) bool {
	return matchesCompact(line, compact(titleText(line)), compact(t))
}

// matchesCompact is matchesTitle with line's and t's compact title texts given: splitByContents
// finds them once per line and title, not once per pair, which made a large file's split quadratic
// in regular-expression work (a 4 MB compilation: 78 s and 4 GB allocated).
func matchesCompact(line, c, want string) bool {
	if c == want {
		return true
	}
	return strings.HasPrefix(c, want) && runeLen(c)-runeLen(want) <= 6 && !hasSentenceEnd(line)
}

// bound is where a segment of the text starts: at a title line (entry ≥ 0) or after a gap (entry -1).
type bound struct {
	line  int
	entry int
}

func splitByContents(lines, titles []string, gaps []int) ([]Part, bool) {
	var bounds []bound
	pos := 0
	keys := make([]string, len(lines)) // each line's compact title text, found when first needed
	seen := make([]bool, len(lines))
	for k, t := range titles {
		want := compact(t)
		for i := pos; i < len(lines); i++ {
			if !seen[i] {
				keys[i], seen[i] = compact(titleText(lines[i])), true
			}
			if matchesCompact(lines[i], keys[i], want) {
				bounds = append(bounds, bound{i, k})
				pos = i + 1
				break
			}
		}
	}
	if len(bounds) == 0 {
		return nil, false
	}
	for _, g := range gaps {
		if g >= 1 && g <= len(lines) {
			bounds = append(bounds, bound{g - 1, -1})
		}
	}
	sort.SliceStable(bounds, func(i, j int) bool { return bounds[i].line < bounds[j].line })
	texts := make([][]string, len(titles))
	found := make([]string, len(titles))
	nextTitle := func(from int) int {
		for _, b := range bounds[from:] {
			if b.entry >= 0 {
				return b.entry
			}
		}
		return len(titles)
	}
	last := -1
	// assign gives a segment with no title of its own to the document before the next title.
	assign := func(seg []string, from int) {
		if len(seg) == 0 {
			return
		}
		next := nextTitle(from)
		switch {
		case next-1 > last:
			last = next - 1
			texts[last] = append(texts[last], seg...)
		case last >= 0:
			texts[last] = append(texts[last], seg...)
		default:
			texts[next] = append(seg, texts[next]...)
		}
	}
	// Lines above the first title with no sentence in them are the compilation's own title.
	if hasSentenceEnd(joinLines(lines[:bounds[0].line])) {
		assign(lines[:bounds[0].line], 0)
	}
	for bi, b := range bounds {
		end := len(lines)
		if bi+1 < len(bounds) {
			end = bounds[bi+1].line
		}
		if b.entry < 0 {
			assign(lines[b.line:end], bi+1)
			continue
		}
		found[b.entry] = titleText(lines[b.line])
		texts[b.entry] = append(texts[b.entry], lines[b.line+1:end]...)
		last = b.entry
	}
	parts := make([]Part, len(titles))
	for k := range titles {
		parts[k].Title = titles[k]
		if found[k] != "" {
			parts[k].Title = found[k]
		}
		parts[k].Text = joinLines(texts[k])
		parts[k].Hidden = parts[k].Text == ""
	}
	return parts, true
}

var (
	yearInTitleRe = regexp.MustCompile(`[12][0-9]{3}`)
	orgInTitleRe  = regexp.MustCompile(`局|委|院|办|厅|部|署|中心|政府|学校|公司|单位|县|市|区|省|镇|乡|街道|党|所|站|队|会`)
)

// minBodyRunes is how much text a title line must head to start a document of a compilation.
const minBodyRunes = 50

// splitByTitles splits at two or more distinct title lines that each head a body.
func splitByTitles(lines []string) ([]Part, bool) {
	var starts []int
	for i, l := range lines {
		if !titleLike(l) {
			continue
		}
		if t := titleText(l); !yearInTitleRe.MatchString(t) && !orgInTitleRe.MatchString(t) {
			continue
		}
		if i > 0 && !terminated(lines[i-1]) && !titleLike(lines[i-1]) {
			continue
		}
		starts = append(starts, i)
	}
	var kept []int
	seen := map[string]bool{}
	for si, s := range starts {
		end := len(lines)
		if si+1 < len(starts) {
			end = starts[si+1]
		}
		body := joinLines(lines[s+1 : end])
		key := compact(titleText(lines[s]))
		if runeLen(body) < minBodyRunes || !hasSentenceEnd(body) || seen[key] {
			continue
		}
		seen[key] = true
		kept = append(kept, s)
	}
	if len(kept) < 2 {
		return nil, false
	}
	var parts []Part
	for ki, s := range kept {
		end := len(lines)
		if ki+1 < len(kept) {
			end = kept[ki+1]
		}
		body := lines[s+1 : end]
		if ki == 0 {
			body = append(append([]string{}, lines[:s]...), body...)
		}
		parts = append(parts, Part{Title: titleText(lines[s]), Text: joinLines(body)})
	}
	return parts, true
}

func singlePart(lines []string) Part {
	if i := titleIndex(lines); i >= 0 {
		rest := append(append([]string{}, lines[:i]...), lines[i+1:]...)
		return Part{Title: titleText(lines[i]), Text: joinLines(rest)}
	}
	return Part{Text: joinLines(lines)}
}

func joinLines(lines []string) string {
	var kept []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// DefaultPassageRunes is the size Segment aims passages at.
const DefaultPassageRunes = 600

// Segment cuts text into passages: one or more per section of Structure, split at sentence
// ends (。！？； and line ends, never inside quotes or brackets) so that each stays under
// maxRunes (DefaultPassageRunes if ≤ 0); a sentence longer than that is a passage of its own.
// A heading with neither body nor subsections is a passage of its own heading text.
// Each passage carries its heading path, its role (see Role; achievements when no heading
// says) and its placeholders; its text is a substring of text, never empty. Ordinals count
// from 0.
func Segment(text string, maxRunes int) []Passage {
	return segment(text, maxRunes, RoleAchievements, nil)
}

// segment is Segment with the role given to sections whose headings say nothing about their
// role, and the years the document is about (Meta.Years), which tell a plan for a later year.
func segment(text string, maxRunes int, fallback string, years []int) []Passage {
	if maxRunes <= 0 {
		maxRunes = DefaultPassageRunes
	}
	body, apps := splitAppendices(text)
	out := segmentBody(body, maxRunes, fallback, years)
	for _, a := range apps {
		for _, p := range segmentBody(a.text, maxRunes, a.role, years) {
			p.Ordinal = len(out)
			p.Role = a.role
			p.HeadingPath = append([]string{a.heading}, p.HeadingPath...)
			out = append(out, p)
		}
	}
	return out
}

// appendix is a glossary or an annex after a document's body.
type appendix struct {
	heading, role, text string
}

var (
	// appendixLineRe is a line that starts a glossary or an annex: 名词解释, 附件2, 附表：….
	appendixLineRe = regexp.MustCompile(`(?m)^[ \t]*(\S{0,16}(名词|术语)(、术语)?(解释|注释)|附件[0-9０-９一二三四五六七八九十]*|附表[0-9０-９一二三四五六七八九十]*)[:：]?[ \t]*$`)
	// gluedGlossaryRe is a glossary's heading glued to its first item in a text that lost its
	// line breaks: "…名词解释1.“两重”：…".
	gluedGlossaryRe = regexp.MustCompile(`(名词|术语)(、术语)?(解释|注释)[:：]?\s*(1[.．、]|（1）|\(1\))`)
)

// minAppendixBodyRunes is how much body must come before a glossary or an annex.
const minAppendixBodyRunes = 200

// splitAppendices cuts the glossaries (名词解释) and annexes (附件, 附表) a document appends to
// its body: each starts at a line of its own naming it (or, in a text that lost its line
// breaks, at a glossary's heading glued to its first item) after minAppendixBodyRunes of
// body, and runs to the next one.
func splitAppendices(text string) (string, []appendix) {
	var starts [][2]int // heading span
	// A document that starts with 附件2 is an annex sent on its own, not a body with an annex.
	afterBody := func(i int) bool { return runeLen(text[:i]) >= minAppendixBodyRunes }
	for _, m := range appendixLineRe.FindAllStringSubmatchIndex(text, -1) {
		if afterBody(m[2]) {
			starts = append(starts, [2]int{m[2], m[3]})
		}
	}
	if len(starts) == 0 {
		if m := gluedGlossaryRe.FindStringSubmatchIndex(text); m != nil && afterBody(m[0]) {
			starts = append(starts, [2]int{m[0], m[8]}) // the heading, up to its first item's number
		}
	}
	if len(starts) == 0 {
		return text, nil
	}
	var apps []appendix
	for i, st := range starts {
		end := len(text)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		h := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text[st[0]:st[1]]), ":："))
		role := RoleAnnex
		if glossaryRe.MatchString(h) || strings.Contains(h, "解释") || strings.Contains(h, "注释") {
			role = RoleGlossary
		}
		if t := strings.TrimSpace(text[st[1]:end]); t != "" {
			apps = append(apps, appendix{heading: h, role: role, text: t})
		}
	}
	return strings.TrimSpace(text[:starts[0][0]]), apps
}

// segmentBody is segment for a text without appendices.
func segmentBody(text string, maxRunes int, fallback string, years []int) []Passage {
	root := Structure(text)
	r := roler{reviewed: reviewedYears(root, years)}
	var out []Passage
	// levels holds, for each heading of the path, the role it gives (own or inherited).
	var walk func(s *Section, path, levels []string)
	walk = func(s *Section, path, levels []string) {
		body := s.Body
		if body == "" && len(s.Sections) == 0 {
			body = s.raw // a heading with nothing under it says something of its own
		}
		if body != "" {
			role := resolveRole(levels, fallback)
			if s == root && len(s.Sections) > 0 {
				role = RoleOverview
			}
			for _, t := range packSentences(body, maxRunes) {
				out = append(out, Passage{
					Ordinal:      len(out),
					HeadingPath:  append([]string{}, path...),
					Text:         t,
					Role:         role,
					Placeholders: FindPlaceholders(t),
				})
			}
		}
		carry := ""     // the role that later siblings without a clear heading inherit
		prevLevel := "" // the role the previous sibling gave
		for i, c := range s.Sections {
			own, clear := r.heading(c.Heading)
			if i > 0 && c.num == 1 && c.kind == s.Sections[i-1].kind {
				// Numbering that starts again lists the items of what came before it: the
				// previous heading, or a plan's title left on a line of its own (下半年工作计划).
				carry = prevLevel
				if last := lastLine(s.Sections[i-1]); runeLen(last) <= 30 && !terminated(last) {
					if lr, _ := r.heading(last); lr == RolePlans {
						carry = RolePlans
					}
				}
			}
			level := own
			switch {
			case carry != "" && !clear:
				level = carry
			case own == RolePlans && clear && i > 0:
				// Plans come last: the untold sections after one are plans too. A plans
				// heading that opens the document is more likely the year's guiding idea.
				carry = RolePlans
			case carry != "":
				carry = "" // a heading that clearly says otherwise ends the carry
			}
			prevLevel = level
			walk(c, append(path[:len(path):len(path)], c.Heading), append(levels[:len(levels):len(levels)], level))
		}
	}
	walk(root, []string{}, []string{})
	return out
}

// lastLine returns the last line of a section's text: of its last subsection's, if any.
func lastLine(s *Section) string {
	for len(s.Sections) > 0 {
		s = s.Sections[len(s.Sections)-1]
	}
	b := s.Body
	if i := strings.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return strings.TrimSpace(b)
}

// laterWorkRe is what a heading naming a year after the reviewed ones needs to be a plan.
var laterWorkRe = regexp.MustCompile(`工作|任务|目标|重点|安排`)

// roler tells the role a heading names.
type roler struct {
	reviewed []int // the years the document looks back on, ascending; nil if unknown
}

// heading returns the role a heading names (see RoleOf) and whether it says so clearly; in
// a document whose reviewed years are known, a heading about a later year's work
// (2025年重点工作) is a plan unless it clearly names another role.
func (r roler) heading(h string) (role string, clear bool) {
	role, clear = roleOf(h)
	if (role == "" || role == RoleOverview || !clear) && r.later(width.Fold.String(TrimMarker(h))) && laterWorkRe.MatchString(h) {
		return RolePlans, true
	}
	return role, clear
}

// later reports whether h names only years after those the document reviews.
func (r roler) later(h string) bool {
	ys := detectYears(h)
	return len(r.reviewed) > 0 && len(ys) > 0 && ys[0] > r.reviewed[len(r.reviewed)-1]
}

// reviewedYears returns the years a document looks back on: those named by its review
// headings (2024年工作回顾, 2024年重点工作完成情况), else the first year it is about.
func reviewedYears(root *Section, years []int) []int {
	var found []int
	var walk func(s *Section)
	walk = func(s *Section) {
		for _, c := range s.Sections {
			h := width.Fold.String(c.Heading)
			if reviewRe.MatchString(h) || achievementsRe.MatchString(h) {
				found = append(found, detectYears(h)...)
			}
			walk(c)
		}
	}
	walk(root)
	if len(found) > 0 {
		slices.Sort(found)
		return slices.Compact(found)
	}
	if len(years) > 0 {
		return []int{slices.Min(years)}
	}
	return nil
}

// Role returns the role of a section from its heading path: problems if any heading names
// problems (存在问题, 不足之处); else the role the outermost telling heading names: plans
// (下一步, 工作计划, 思路, 打算, 总体要求, 重点任务), achievements (主要工作, 成效, 完成情况,
// 回顾) or overview (基本情况); else fallback.
func Role(path []string, fallback string) string {
	var r roler
	levels := make([]string, len(path))
	for i, h := range path {
		levels[i], _ = r.heading(h)
	}
	return resolveRole(levels, fallback)
}

// resolveRole returns the role of a section from the roles its path's headings give, as Role.
func resolveRole(levels []string, fallback string) string {
	if slices.Contains(levels, RoleProblems) {
		return RoleProblems
	}
	for _, l := range levels {
		if l != "" {
			return l
		}
	}
	return fallback
}

// packSentences groups the consecutive sentences of body into passages of at most maxRunes
// runes; a longer sentence is a passage of its own.
func packSentences(body string, maxRunes int) []string {
	spans := sentenceSpans(body)
	if len(spans) == 0 {
		return nil
	}
	var groups [][2]int
	cur := spans[0]
	for _, s := range spans[1:] {
		if runeLen(body[cur[0]:s[1]]) <= maxRunes {
			cur[1] = s[1]
			continue
		}
		groups = append(groups, cur)
		cur = s
	}
	groups = append(groups, cur)
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		if t := strings.TrimSpace(body[g[0]:g[1]]); t != "" {
			out = append(out, t)
		}
	}
	return out
}

const (
	openers    = "“‘「『《〈（(【[〔"
	closers    = "”’」』》〉）)】]〕"
	enders     = "。！？；!?;"
	maxQuoteIn = 200 // runes after which an unclosed quote or bracket is ignored
)

// sentenceSpans returns the byte spans of the sentences of s: each ends after a sentence end
// outside quotes and brackets (with the closing marks after it) or at a line end. Spans are
// trimmed and never empty.
func sentenceSpans(s string) [][2]int {
	var spans [][2]int
	emit := func(a, b int) {
		for a < b && (s[a] == ' ' || s[a] == '\n') {
			a++
		}
		for b > a && (s[b-1] == ' ' || s[b-1] == '\n') {
			b--
		}
		if a < b {
			spans = append(spans, [2]int{a, b})
		}
	}
	start, depth, inside := 0, 0, 0
	prevEnd := false // the last rune inside quotes was a sentence end
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		next := i + w
		switch {
		case r == '\n':
			emit(start, i)
			start, depth, prevEnd = next, 0, false
		case strings.ContainsRune(openers, r):
			depth++
			inside = 0
			prevEnd = false
		case strings.ContainsRune(closers, r):
			if depth > 0 {
				depth--
			}
			if depth == 0 && prevEnd {
				next = skipClosers(s, next)
				emit(start, next)
				start = next
			}
			prevEnd = false
		case strings.ContainsRune(enders, r):
			if depth == 0 {
				next = skipClosers(s, next)
				emit(start, next)
				start = next
			} else {
				prevEnd = true
			}
		default:
			prevEnd = false
		}
		if depth > 0 {
			if inside++; inside > maxQuoteIn {
				depth, inside = 0, 0
			}
		}
		i = next
	}
	emit(start, len(s))
	return spans
}

// skipClosers moves i past closing quotes and brackets that end the sentence too.
func skipClosers(s string, i int) int {
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !strings.ContainsRune(closers, r) {
			break
		}
		i += w
	}
	return i
}
