package extract

import (
	"strconv"
	"strings"
)

// formatNumber renders n in a Word number format (w:numFmt, ECMA-376
// §17.18.59). Formats it does not know fall back to decimal, as Word does
// with formats it cannot draw.
func formatNumber(n int, format string) string {
	if n < 1 && format != "decimal" && format != "decimalZero" && format != "none" && format != "bullet" {
		n = 1 // only decimal has a zero
	}
	switch format {
	case "none", "bullet":
		return ""
	case "decimal", "decimalHalfWidth", "":
		return strconv.Itoa(n)
	case "decimalZero":
		if n >= 0 && n < 10 {
			return "0" + strconv.Itoa(n)
		}
		return strconv.Itoa(n)
	case "decimalFullWidth", "decimalFullWidth2":
		return fullWidth(strconv.Itoa(n))
	case "upperLetter":
		return letters(n, 'A')
	case "lowerLetter":
		return letters(n, 'a')
	case "upperRoman":
		return roman(n)
	case "lowerRoman":
		return strings.ToLower(roman(n))
	case "ordinal":
		return strconv.Itoa(n) + ordinalSuffix(n)
	case "cardinalText":
		return capitalise(english(n))
	case "ordinalText":
		return capitalise(englishOrdinal(n))
	case "chineseCounting", "taiwaneseCounting":
		if n < 100 {
			return cjkGrouped(n, cnDigits, "十百千万", "〇", false, true)
		}
		return cjkDigits(n, cnDigits, "〇")
	case "chineseCountingThousand", "taiwaneseCountingThousand":
		units := "十百千万"
		if format == "taiwaneseCountingThousand" {
			units = "十百千萬"
		}
		return cjkGrouped(n, cnDigits, units, "〇", false, true)
	case "japaneseCounting":
		return cjkGrouped(n, cnDigits, "十百千万", "", true, true)
	case "chineseLegalSimplified":
		return cjkGrouped(n, []rune("零壹贰叁肆伍陆柒捌玖"), "拾佰仟萬", "零", false, false)
	case "ideographLegalTraditional":
		return cjkGrouped(n, []rune("零壹貳參肆伍陸柒捌玖"), "拾佰仟萬", "零", false, false)
	case "ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand":
		return cjkDigits(n, cnDigits, "〇")
	case "ideographTraditional":
		return cycle(n, "甲乙丙丁戊己庚辛壬癸")
	case "ideographZodiac":
		return cycle(n, "子丑寅卯辰巳午未申酉戌亥")
	case "decimalEnclosedCircle", "decimalEnclosedCircleChinese":
		return enclosed(n, 0x2460, 20) // ①
	case "decimalEnclosedParen":
		return enclosed(n, 0x2474, 20) // ⑴
	case "decimalEnclosedFullstop":
		return enclosed(n, 0x2488, 20) // ⒈
	case "ideographEnclosedCircle":
		return enclosed(n, 0x3220, 10) // ㈠
	}
	return strconv.Itoa(n)
}

// cnDigits are the Chinese digits 0 to 9.
var cnDigits = []rune("〇一二三四五六七八九")

// cjkDigits writes n digit by digit (2025 → 二〇二五).
func cjkDigits(n int, digits []rune, zero string) string {
	var b strings.Builder
	for _, c := range strconv.Itoa(n) {
		if c == '0' {
			b.WriteString(zero)
			continue
		}
		b.WriteRune(digits[c-'0'])
	}
	return b.String()
}

// cjkGrouped writes n with the units 十, 百, 千 and 万 (units gives the four
// characters): 11 → 十一, 105 → 一百〇五, 1010 → 一千〇一十. zero is written
// once for each run of inner zeros ("" drops them); dropOne drops the 一
// before 十, 百 and 千 (Japanese); shortTen writes 10–19 as 十… (Chinese).
func cjkGrouped(n int, digits []rune, units, zero string, dropOne, shortTen bool) string {
	u := []rune(units)
	if n <= 0 {
		return strconv.Itoa(n)
	}
	if n >= 10000 {
		high := cjkGrouped(n/10000, digits, units, zero, dropOne, shortTen)
		low := n % 10000
		if low == 0 {
			return high + string(u[3])
		}
		rest := cjkGrouped(low, digits, units, zero, dropOne, false)
		if low < 1000 {
			rest = zero + rest
		}
		return high + string(u[3]) + rest
	}
	var b strings.Builder
	s := strconv.Itoa(n)
	pendingZero := false
	for i, c := range s {
		place := len(s) - 1 - i // 3 = 千, 2 = 百, 1 = 十, 0 = ones
		d := int(c - '0')
		if d == 0 {
			pendingZero = b.Len() > 0
			continue
		}
		if pendingZero {
			b.WriteString(zero)
			pendingZero = false
		}
		one := d == 1 && place > 0 && (dropOne || shortTen && place == 1 && len(s) == 2)
		if !one {
			b.WriteRune(digits[d])
		}
		if place > 0 {
			b.WriteRune(u[place-1])
		}
	}
	return b.String()
}

// cycle picks the nth symbol of a repeating series (甲乙丙…).
func cycle(n int, series string) string {
	r := []rune(series)
	return string(r[(n-1)%len(r)])
}

// enclosed returns the enclosed-number character for n counted from base, or
// the decimal number past the last one Unicode has.
func enclosed(n int, base rune, last int) string {
	if n >= 1 && n <= last {
		return string(base + rune(n-1))
	}
	return strconv.Itoa(n)
}

// fullWidth turns ASCII digits into full-width ones.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, s)
}

// letters writes n as Word does: A…Z, then AA…ZZ, AAA…
func letters(n int, first rune) string {
	repeat := (n-1)/26 + 1
	if repeat > 64 {
		repeat = 64
	}
	return strings.Repeat(string(first+rune((n-1)%26)), repeat)
}

// roman writes n in Roman numerals, or in decimal past 3999.
func roman(n int) string {
	if n <= 0 || n > 3999 {
		return strconv.Itoa(n)
	}
	vals := []int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b strings.Builder
	for i, v := range vals {
		for n >= v {
			b.WriteString(syms[i])
			n -= v
		}
	}
	return b.String()
}

// ordinalSuffix returns st, nd, rd or th for n.
func ordinalSuffix(n int) string {
	if n%100 >= 11 && n%100 <= 13 {
		return "th"
	}
	switch n % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

var (
	englishOnes = []string{"", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	englishTens = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
)

// english spells n (below a million) in English words; larger numbers stay decimal.
func english(n int) string {
	switch {
	case n >= 1000000:
		return strconv.Itoa(n)
	case n >= 1000:
		s := english(n/1000) + " thousand"
		if n%1000 > 0 {
			s += " " + english(n%1000)
		}
		return s
	case n >= 100:
		s := englishOnes[n/100] + " hundred"
		if n%100 > 0 {
			s += " " + english(n%100)
		}
		return s
	case n >= 20:
		s := englishTens[n/10]
		if n%10 > 0 {
			s += "-" + englishOnes[n%10]
		}
		return s
	}
	return englishOnes[n]
}

// englishOrdinal spells n as an English ordinal (twenty-first).
func englishOrdinal(n int) string {
	s := english(n)
	i := strings.LastIndexAny(s, " -") + 1
	head, last := s[:i], s[i:]
	switch last {
	case "one":
		last = "first"
	case "two":
		last = "second"
	case "three":
		last = "third"
	case "five":
		last = "fifth"
	case "eight":
		last = "eighth"
	case "nine":
		last = "ninth"
	case "twelve":
		last = "twelfth"
	default:
		switch {
		case strings.HasSuffix(last, "y"):
			last = strings.TrimSuffix(last, "y") + "ieth"
		case last[0] >= '0' && last[0] <= '9':
			last += ordinalSuffix(n)
		default:
			last += "th"
		}
	}
	return head + last
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
