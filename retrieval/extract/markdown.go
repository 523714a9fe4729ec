package extract

import (
	"regexp"
	"strings"
)

// Markdown markup removed by stripMarkdown. The stripping is light on
// purpose: list numbers and Chinese heading numbers (一、) are content, so
// only markup that a reader never sees in the rendered page goes.
var (
	mdFence       = regexp.MustCompile("^\\s{0,3}(```|~~~)")
	mdHeading     = regexp.MustCompile(`^\s{0,3}#{1,6}(\s+|$)`)
	mdClosingHash = regexp.MustCompile(`\s+#+\s*$`)
	mdSetext      = regexp.MustCompile(`^\s{0,3}(=+|-+)\s*$`)
	mdRule        = regexp.MustCompile(`^\s{0,3}([-*_])(\s*[-*_]){2,}\s*$`)
	mdQuote       = regexp.MustCompile(`^\s{0,3}(>\s?)+`)
	mdBullet      = regexp.MustCompile(`^(\s*)[-*+]\s+(\[[ xX]\]\s+)?`)
	mdRefDef      = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*\S+`)
	mdTableRule   = regexp.MustCompile(`^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$`)
	mdImage       = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink        = regexp.MustCompile(`\[([^\]]+)\]\([^)]*\)`)
	mdRefLink     = regexp.MustCompile(`\[([^\]]+)\]\[[^\]]*\]`)
	mdAutolink    = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	mdTag         = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>`)
	mdBreakTag    = regexp.MustCompile(`(?i)<br\s*/?>`)
	mdCode        = regexp.MustCompile("`+([^`]+)`+")
	mdStrongStar  = regexp.MustCompile(`\*\*(\S(?:.*?\S)?)\*\*`)
	mdStrongUnder = regexp.MustCompile(`__(\S(?:.*?\S)?)__`)
	mdStrike      = regexp.MustCompile(`~~(\S(?:.*?\S)?)~~`)
	mdEmStar      = regexp.MustCompile(`\*(\S(?:[^*]*?\S)?)\*`)
	mdEmUnder     = regexp.MustCompile(`(^|[^\w])_(\S(?:[^_]*?\S)?)_($|[^\w])`)
	mdEscape      = regexp.MustCompile(`\\([\\` + "`" + `*_{}\[\]()#+\-.!|>~])`)
)

// stripMarkdown removes Markdown markup from text, keeping its words: heading
// marks, emphasis, links (their text stays), images (their alt text stays),
// block quotes, bullets, code fences and table rules. Code blocks are kept as they are.
func stripMarkdown(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	inFence := false
	for _, line := range lines {
		if mdFence.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence {
			out = append(out, line)
			continue
		}
		switch {
		case mdSetext.MatchString(line) && len(out) > 0 && strings.TrimSpace(out[len(out)-1]) != "":
			continue // the underline of the heading above
		case mdRule.MatchString(line), mdTableRule.MatchString(line) && strings.Contains(line, "-"), mdRefDef.MatchString(line):
			continue
		}
		line = mdQuote.ReplaceAllString(line, "")
		if mdHeading.MatchString(line) {
			line = mdHeading.ReplaceAllString(line, "")
			line = mdClosingHash.ReplaceAllString(line, "")
		}
		line = mdBullet.ReplaceAllString(line, "$1")
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "|") && strings.HasSuffix(t, "|") && len(t) > 1 {
			cells := strings.Split(strings.Trim(t, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			line = strings.Join(cells, "\t")
		}
		out = append(out, stripInline(line))
	}
	return strings.Join(out, "\n")
}

// stripInline removes inline Markdown markup from one line. Escaped
// characters (\*) are set aside first so that no rule takes them for markup.
func stripInline(line string) string {
	line = mdEscape.ReplaceAllStringFunc(line, func(m string) string {
		return string(escapeBase + rune(m[1]))
	})
	line = mdBreakTag.ReplaceAllString(line, " ")
	line = mdImage.ReplaceAllString(line, "$1")
	line = mdLink.ReplaceAllString(line, "$1")
	line = mdRefLink.ReplaceAllString(line, "$1")
	line = mdAutolink.ReplaceAllString(line, "$1")
	line = mdTag.ReplaceAllString(line, "")
	line = mdCode.ReplaceAllString(line, "$1")
	line = mdStrongStar.ReplaceAllString(line, "$1")
	line = mdStrongUnder.ReplaceAllString(line, "$1")
	line = mdStrike.ReplaceAllString(line, "$1")
	line = mdEmStar.ReplaceAllString(line, "$1")
	line = mdEmUnder.ReplaceAllString(line, "$1$2$3")
	return strings.Map(func(r rune) rune {
		if r >= escapeBase && r < escapeBase+0x80 {
			return r - escapeBase
		}
		return r
	}, line)
}

// escapeBase is where escaped ASCII characters are parked, in the private use area, while inline markup is removed.
const escapeBase = 0xE000
