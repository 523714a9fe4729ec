package guard

import "strings"

// closers pairs each opening quote or bracket with its closer; a sentence does not end inside one.
var closers = map[rune]rune{'“': '”', '‘': '’', '「': '」', '『': '』', '《': '》', '（': '）', '(': ')', '【': '】', '〔': '〕'}

// isTerminator reports whether r ends a sentence.
func IsTerminator(r rune) bool {
	switch r {
	case '。', '！', '？', '；', '!', '?', ';', '\n':
		return true
	}
	return false
}

// SplitSentences splits text into sentences at 。！？； and line ends, keeping quotes and
// brackets whole. Each sentence keeps its terminator; closing quotes right after a terminator
// stay with it. Blank pieces are dropped; the byte offset of each sentence is returned too.
func SplitSentences(text string) (sentences []string, offsets []int) {
	var stack []rune
	start := 0
	var rs []rune
	var pos []int // byte offset of each rune in text (an invalid byte counts as one rune)
	for i, r := range text {
		rs = append(rs, r)
		pos = append(pos, i)
	}
	pos = append(pos, len(text))
	emit := func(from, to int) {
		s := text[pos[from]:pos[to]]
		trimmed := strings.TrimSpace(s)
		if trimmed == "" {
			return
		}
		lead := strings.Index(s, trimmed)
		sentences = append(sentences, trimmed)
		offsets = append(offsets, pos[from]+lead)
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if c, ok := closers[r]; ok && !(r == '【' && len(stack) > 0) {
			stack = append(stack, c)
			continue
		}
		if len(stack) > 0 && r == stack[len(stack)-1] {
			stack = stack[:len(stack)-1]
			continue
		}
		if r == '\n' {
			stack = stack[:0] // a line end closes whatever a broken quote left open
		}
		if len(stack) > 0 || !IsTerminator(r) {
			continue
		}
		end := i + 1
		for end < len(rs) && (rs[end] == '”' || rs[end] == '’' || rs[end] == '」' || rs[end] == '』') {
			end++
		}
		emit(start, end)
		start = end
		i = end - 1
	}
	emit(start, len(rs))
	return sentences, offsets
}
