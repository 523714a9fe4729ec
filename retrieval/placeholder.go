package retrieval

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// placeholderRe finds candidates: runs of x (with the digits, decimal points and ranges
// around them: 20xx, x.xx, x-x) and the units after them; runs of ×; runs of ○; runs of
// underscores. FindPlaceholders then drops the candidates that are not placeholders.
var placeholderRe = regexp.MustCompile(
	`[xｘ]+[0-9０-９]+(?:[.．][0-9０-９]+)?` + placeholderUnitRequired +
		`|(?:[0-9０-９]+[.．]?)?[xXｘＸ]+(?:[.．\-－~～—–][xXｘＸ0-9０-９]+)*` + placeholderUnit +
		`|[×✕]+` + placeholderUnit +
		`|[○◯]{2,}` +
		`|[_＿]{2,}`)

// placeholderUnit is the unit a figure placeholder may carry, and no more: a date unit or a
// percent sign alone (20xx年, x月, xx%), or a magnitude and approximation (万, 余, 多) with
// at most one measure word (xx万元, x余人, xx万人次). So 20xx年家庭医生 gives 20xx年.
const placeholderUnit = `(?:[年月日号时%％‰]|[余多]?[万亿千百]{0,2}[余多]?(?:` + placeholderMultiUnits + `|[元人个家例份张亩所名户项件天岁米吨台辆床册场期批条倍周层间位座种只副针斤克升度篇本处起支]次?|次)?)`

// placeholderMultiUnits are the measure words of more than one character a figure placeholder
// may end in (xx公里, x.x公顷, xx万立方米), longest first.
const placeholderMultiUnits = `平方公里|平方米|立方米|千瓦时|标准煤|个百分点|百分点|公里|公顷|公斤|千米|千克|千瓦|兆瓦|小时|学时|课时|分钟|人次|户次|车次|架次|批次`

// placeholderUnitRequired is placeholderUnit when it may not be empty: a figure whose
// leading digits are blanked (xx36人次) shows it is a figure by its unit.
const placeholderUnitRequired = `(?:[年月日号时%％‰]|[余多]?[万亿千百]{0,2}[余多]?(?:` + placeholderMultiUnits + `|[元人个家例份张亩所名户项件天岁米吨台辆床册场期批条倍周层间位座种只副针斤克升度篇本处起支]次?|次)|[余多]?[万亿千百]{1,2}[余多]?)`

// FindPlaceholders returns the distinct placeholders in text, in order of first appearance:
// figures blanked out by the site or template author (x, xx, XXX, x.xx, X万元, xxxx年, 20xx年,
// x-x月, xx36人次, ××, ○○, ___) and blanked-out names (XX县, XXX医院 give "XX", "XXX"). An x that is
// part of a Latin word (Excel, HxNx), a multiplication (3x4, 3×4), X光/X线 (X-rays) and ○○
// inside a year written in Chinese numerals (二○○三年) are not placeholders, nor is the X
// that ends a code of digits (415X, an identity number's check character).
// A text with placeholders is a style template: its figures are not facts.
func FindPlaceholders(text string) []string {
	if !strings.ContainsAny(text, "xXｘＸ×✕○◯_＿") {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range placeholderRe.FindAllStringIndex(text, -1) {
		s := text[m[0]:m[1]]
		before, _ := utf8.DecodeLastRuneInString(text[:m[0]])
		after, _ := utf8.DecodeRuneInString(text[m[1]:])
		if !isPlaceholder(s, before, after) {
			continue
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func isASCIILetter(r rune) bool { return r < utf8.RuneSelf && ('a' <= r|0x20 && r|0x20 <= 'z') }

func isDigitRune(r rune) bool { return '0' <= r && r <= '9' || '０' <= r && r <= '９' }

func isXRune(r rune) bool { return strings.ContainsRune("xXｘＸ", r) }

func isPlaceholder(s string, before, after rune) bool {
	first, _ := utf8.DecodeRuneInString(s)
	switch {
	case first == '_' || first == '＿':
		return true
	case first == '○' || first == '◯':
		return !strings.ContainsRune("一二三四五六七八九十零〇○◯年", before) && !strings.ContainsRune("一二三四五六七八九十零〇年", after)
	case first == '×' || first == '✕':
		// 3×4 is a product; ×县, ××同志 are blanked names.
		return !(utf8.RuneCountInString(strings.TrimRight(s, placeholderUnitChars)) == 1 && isDigitRune(before) && isDigitRune(after))
	}
	if isASCIILetter(before) && !isXRune(before) || isASCIILetter(after) && !isXRune(after) {
		return false // inside a Latin word: Excel, Linux, HxNx
	}
	core := strings.TrimRight(trimMultiUnit(s), placeholderUnitChars)
	xs := strings.Count(core, "x") + strings.Count(core, "X") + strings.Count(core, "ｘ") + strings.Count(core, "Ｘ")
	if xs == 1 && core == s && utf8.RuneCountInString(core) >= 4 && isXRune(lastRune(core)) &&
		strings.IndexFunc(strings.TrimRight(core, "xXｘＸ"), func(r rune) bool { return !isDigitRune(r) }) < 0 {
		return false // 415X, 11010519491231002X: a code's check character, not a blank
	}
	if xs == 1 && utf8.RuneCountInString(core) == 1 && strings.ContainsRune("光线射", after) {
		return false // X光, X线, X射线
	}
	if xs == 1 {
		// 3x4, 1920x1080: a product or a size.
		rs := []rune(core)
		for i, r := range rs {
			if isXRune(r) {
				left := i > 0 && isDigitRune(rs[i-1]) || i == 0 && isDigitRune(before)
				right := i+1 < len(rs) && isDigitRune(rs[i+1]) || i+1 == len(rs) && isDigitRune(after)
				if left && right {
					return false
				}
			}
		}
	}
	return true
}

const placeholderUnitChars = "万亿千百元年月日号时人个家%％‰次例份张亩所名户项件天岁米吨台辆床册场期批条余多倍周层间位座种只副针斤克升度篇本处起支"

// IsFigurePlaceholder reports whether a placeholder FindPlaceholders returned stands for a
// figure (xx万元, x.xx, 20xx年, ___) rather than a name (XX, XXX, ××, ○○ on their own).
func IsFigurePlaceholder(p string) bool {
	if strings.ContainsAny(p, "0123456789０１２３４５６７８９.．-－~～—–_＿") {
		return true
	}
	if trimMultiUnit(p) != p {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(p)
	return strings.ContainsRune(placeholderUnitChars, r)
}

var multiUnitRe = regexp.MustCompile(`(?:` + placeholderMultiUnits + `)$`)

// trimMultiUnit returns s without a measure word of placeholderMultiUnits at its end.
func trimMultiUnit(s string) string {
	if loc := multiUnitRe.FindStringIndex(s); loc != nil && loc[0] > 0 {
		return s[:loc[0]]
	}
	return s
}
