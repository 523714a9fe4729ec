package guard

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is a piece of a text: its byte offsets and the exact substring text[Start:End].
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Kind says how a number is spelled.
type Kind string

// Kinds of number spans.
const (
	KindArabic   Kind = "arabic"   // 36239, 226.7万, 1,234, ３６２３９, -3
	KindChinese  Kind = "chinese"  // 一百二十三, 两万, 三所, 二〇二五年
	KindPercent  Kind = "percent"  // 90%, 90％, 4.53‰, 百分之九十, 千分之三
	KindRange    Kind = "range"    // 1-6月, 1—6月, 1至6月, 3～5年, 三至五年
	KindFraction Kind = "fraction" // 三分之一, 1/3
	KindMultiple Kind = "multiple" // 1.5倍, 两倍, 翻一番
	KindSymbol   Kind = "symbol"   // ①, ⑴, ⒈, ❶, Ⅲ
	KindDate     Kind = "date"     // 2020-10-03, 2020/10/3, 2020.10.3
	KindRatio    Kind = "ratio"    // 1:1, 09:40:59
)

// NumberSpan is one numeric expression found in a text.
//
// Text is the whole expression as written, with its approximation word and unit ("400余次", "226.7万元").
// Num is the numeral alone as written, with its sign and magnitude but without unit or percent sign:
// "226.7万", "３６２３９", "一千零二十六", "1-6", "百分之九十". Two spans state the same number only when
// their Num are the same string: 36239, ３６２３９, 3.6万, 36,239 and 三万六千二百三十九 are five spellings.
//
// Value is the number as a plain decimal with magnitudes multiplied out and formatting removed:
// full-width digits folded, thousands separators dropped, leading and trailing zeros trimmed, Chinese
// numerals computed. "226.7万元" → "2267000", "３６２３９人" → "36239", "两万" → "20000", "90%" → "90"
// (its Unit says it is a percentage), "1-6月" → "1-6", "三分之一" → "1/3", "翻一番" → "1". Value is ""
// when the spelling has no single value (十四五, 七八个).
//
// Unit is what follows the numeral and belongs to it: a measure word or unit ("人", "所", "元", "人次",
// "个百分点"), or "%"/"％"/"‰" as written; 百分之 and 千分之 give "%" and "‰".
type NumberSpan struct {
	Span
	Num   string `json:"num"`
	Value string `json:"value"`
	Unit  string `json:"unit,omitempty"`
	Kind  Kind   `json:"kind"`
}

// ExtractNumbers returns every numeric expression of text, in order, without overlaps.
// Numerals inside words (the 一 of 统一, the 十九 of 十九大) are returned too: telling them from
// figures is Classify's job, so that nothing numeric escapes the guard.
func ExtractNumbers(text string) []NumberSpan {
	var out []NumberSpan
	for i := 0; i < len(text); {
		if s, ok := numScanAt(text, i); ok {
			out = append(out, s)
			i = s.End
			continue
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return out
}

// numScanAt reads the numeric expression starting at byte i, if any.
func numScanAt(text string, i int) (NumberSpan, bool) {
	r, size := utf8.DecodeRuneInString(text[i:])
	switch {
	case numDigit(r) >= 0:
		return numScanArabic(text, i, i)
	case numIsSign(r) && i+size < len(text):
		// A minus sign only where no word precedes it: 1月-6月 is a range, COVID-19 a name.
		next, _ := utf8.DecodeRuneInString(text[i+size:])
		prev, _ := utf8.DecodeLastRuneInString(text[:i])
		if numDigit(next) >= 0 && (i == 0 || unicode.IsSpace(prev) || (unicode.IsPunct(prev) && !strings.ContainsRune(")）]】-－—", prev))) {
			return numScanArabic(text, i, i+size)
		}
	case numSymbolValue(r) > 0:
		return numSpan(text, i, i+size, text[i:i+size], strconv.Itoa(numSymbolValue(r)), "", KindSymbol), true
	case r == '百' || r == '千':
		if s, ok := numScanChinesePercent(text, i); ok {
			return s, true
		}
		return numScanChinese(text, i)
	case r == '翻':
		return numScanDouble(text, i)
	case numCNValue(r) >= 0:
		return numScanChinese(text, i)
	}
	return NumberSpan{}, false
}

func numSpan(text string, start, end int, num, value, unit string, kind Kind) NumberSpan {
	return NumberSpan{Span: Span{Start: start, End: end, Text: text[start:end]}, Num: num, Value: value, Unit: unit, Kind: kind}
}

// numScanArabic reads an Arabic number starting at start (digits begin at digits, after any sign).
func numScanArabic(text string, start, digits int) (NumberSpan, bool) {
	// A date like 2020-10-03 first, before the decimal point or the range eat its parts.
	if end, ok := numReadISODate(text, digits); ok && start == digits {
		return numSpan(text, start, end, text[start:end], numFold(text[start:end]), "", KindDate), true
	}
	end, plain := numReadArabic(text, digits)
	if start != digits {
		plain = "-" + plain
	}
	end = numReadApproxMagnitude(text, end)
	end, exp := numReadMagnitude(text, end)
	kind := KindArabic
	value := numShift(plain, exp)
	numEnd := end
	unit := ""
	pos := end
	if u, n := numPercentSign(text, pos); n > 0 {
		kind, unit, pos = KindPercent, u, pos+n
	}
	// A range: 1-6月, 3%-5%, 1至6月.
	if c := numRangeConnector(text, pos); c > 0 && pos+c < len(text) {
		if r2, _ := utf8.DecodeRuneInString(text[pos+c:]); numDigit(r2) >= 0 {
			if _, isDate := numReadISODate(text, pos+c); !isDate {
				e2, p2 := numReadArabic(text, pos+c)
				e2, exp2 := numReadMagnitude(text, e2)
				u2, n2 := numPercentSign(text, e2)
				if unit == "" || u2 == unit {
					numEnd = e2
					value = value + "-" + numShift(p2, exp2)
					unit, kind, pos = u2, KindRange, e2+n2
				}
			}
		}
	}
	num := text[start:numEnd]
	if kind == KindArabic && exp == 0 && pos < len(text) {
		// 1/3 and 1:1 are one expression each, not two numbers.
		switch text[pos] {
		case '/', ':':
			sep := text[pos]
			e := pos
			parts := []string{plain}
			for e < len(text) && text[e] == sep && e+1 < len(text) && text[e+1] >= '0' && text[e+1] <= '9' {
				e2, p2 := numReadArabic(text, e+1)
				parts = append(parts, p2)
				e = e2
			}
			if len(parts) > 1 && (sep == ':' || len(parts) == 2) {
				k := KindRatio
				if sep == '/' {
					k = KindFraction
				}
				return numSpan(text, start, e, text[start:e], strings.Join(parts, string(sep)), "", k), true
			}
		}
	}
	if unit == "" {
		p := numReadApprox(text, pos)
		if u, n := numReadUnit(text, p); n > 0 {
			unit, pos = u, p+n
			if (u == "倍" || u == "番") && kind == KindArabic {
				kind = KindMultiple
			}
		} // 余 or 多 without a unit belongs to the next word
	}
	return numSpan(text, start, pos, num, value, unit, kind), true
}

// numReadArabic reads digits with thousands separators and one decimal point. It returns the end and
// the number with digits folded to ASCII and separators removed.
func numReadArabic(text string, i int) (int, string) {
	var b strings.Builder
	n := 0 // digits in the current group
	ascii := true
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		d := numDigit(r)
		if d < 0 {
			break
		}
		if r > 0x7f {
			ascii = false
		}
		b.WriteByte(byte('0' + d))
		n++
		i += size
	}
	// 1,234,567: only ASCII digits, groups of exactly three, a first group of one to three.
	if ascii && n <= 3 {
		for i < len(text) && text[i] == ',' && numASCIIDigits(text[i+1:], 3) && !(i+4 < len(text) && text[i+4] >= '0' && text[i+4] <= '9') {
			b.WriteString(text[i+1 : i+4])
			i += 4
		}
	}
	// A decimal point needs a digit after it: "1." ends a heading number.
	if i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '.' || r == '．' {
			if r2, _ := utf8.DecodeRuneInString(text[i+size:]); i+size < len(text) && numDigit(r2) >= 0 {
				b.WriteByte('.')
				i += size
				for i < len(text) {
					r, size := utf8.DecodeRuneInString(text[i:])
					d := numDigit(r)
					if d < 0 {
						break
					}
					b.WriteByte(byte('0' + d))
					i += size
				}
			}
		}
	}
	return i, b.String()
}

func numASCIIDigits(s string, n int) bool {
	if len(s) < n {
		return false
	}
	for k := 0; k < n; k++ {
		if s[k] < '0' || s[k] > '9' {
			return false
		}
	}
	return true
}

// numReadISODate reads 2020-10-03, 2020/10/3 or 2020.10.3 at i.
func numReadISODate(text string, i int) (int, bool) {
	if !numASCIIDigits(text[i:], 4) {
		return 0, false
	}
	j := i + 4
	if j < len(text) && text[j] >= '0' && text[j] <= '9' {
		return 0, false
	}
	if j >= len(text) || (text[j] != '-' && text[j] != '/' && text[j] != '.') {
		return 0, false
	}
	sep := text[j]
	readPart := func(k int) int {
		n := 0
		for k+n < len(text) && text[k+n] >= '0' && text[k+n] <= '9' {
			n++
		}
		if n < 1 || n > 2 {
			return -1
		}
		return k + n
	}
	k := readPart(j + 1)
	if k < 0 || k >= len(text) || text[k] != sep {
		return 0, false
	}
	k = readPart(k + 1)
	if k < 0 {
		return 0, false
	}
	return k, true
}

// numReadMagnitude reads 万, 亿, 千万, 万亿… after Arabic digits; it returns the end and the power of ten.
func numReadMagnitude(text string, i int) (int, int) {
	exp := 0
	for i < len(text) {
		if _, n := numReadUnit(text, i); n > 0 {
			if u := text[i : i+n]; strings.HasPrefix(u, "千") || strings.HasPrefix(u, "百") {
				break // 千克, 千米, 百分点: a unit, not a magnitude
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch r {
		case '百':
			exp += 2
		case '千':
			exp += 3
		case '万':
			exp += 4
		case '亿':
			exp += 8
		default:
			return i, exp
		}
		i += size
	}
	return i, exp
}

// numShift multiplies the plain decimal s by 10^exp and trims it.
func numShift(s string, exp int) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	for exp > 0 {
		if frac != "" {
			intPart, frac = intPart+frac[:1], frac[1:]
		} else {
			intPart += "0"
		}
		exp--
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	frac = strings.TrimRight(frac, "0")
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

func numPercentSign(text string, i int) (string, int) {
	for _, p := range []string{"%", "％", "‰"} {
		if strings.HasPrefix(text[i:], p) {
			return p, len(p)
		}
	}
	return "", 0
}

// numRangeConnector returns the byte length of a range connector at i, or 0.
func numRangeConnector(text string, i int) int {
	for _, c := range []string{"——", "-", "－", "—", "–", "~", "～", "〜", "至", "到"} {
		if strings.HasPrefix(text[i:], c) {
			return len(c)
		}
	}
	return 0
}

// numReadApprox skips 余 or 多 ("400余次", "十多个").
func numReadApprox(text string, i int) int {
	if strings.HasPrefix(text[i:], "余") || strings.HasPrefix(text[i:], "多") {
		return i + len("余")
	}
	return i
}

// numUnits are the measure words and units a number can carry, longest first within each first rune.
var numUnits = func() map[rune][]string {
	list := []string{
		"人次", "户次", "针次", "台次", "车次", "架次", "例次", "批次", "场次", "人", "名", "位", "户", "家",
		"例", "个百分点", "个千分点", "个月", "个", "所", "项", "次", "件", "份", "种", "支", "台", "套", "条", "座",
		"栋", "幢", "间", "场", "期", "批", "处", "篇", "本", "部", "册", "辆", "艘", "枚", "副", "双", "对",
		"组", "队", "类", "级", "档", "层", "号", "门", "站", "片", "块", "根", "株", "头", "只", "剂", "针",
		"盒", "瓶", "袋", "箱", "张", "床", "吨", "千克", "公斤", "克", "斤", "毫升", "升", "立方米", "平方米",
		"平方公里", "平方千米", "公顷", "亩", "米", "公里", "千米", "千瓦时", "千瓦", "度", "岁", "年度", "年",
		"月份", "月", "日", "天", "周年", "周", "小时", "分钟", "秒", "季度", "百分点", "千分点", "届", "轮",
		"星", "分", "成", "倍", "番", "美元", "元",
	}
	m := map[rune][]string{}
	for _, u := range list {
		r, _ := utf8.DecodeRuneInString(u)
		m[r] = append(m[r], u)
	}
	for r, us := range m {
		// longest first, so 个百分点 wins over 个 and 年度 over 年
		for a := 1; a < len(us); a++ {
			for b := a; b > 0 && len(us[b]) > len(us[b-1]); b-- {
				us[b], us[b-1] = us[b-1], us[b]
			}
		}
		m[r] = us
	}
	return m
}()

// numReadUnit returns the unit at i and its byte length, or 0.
func numReadUnit(text string, i int) (string, int) {
	if i >= len(text) {
		return "", 0
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	for _, u := range numUnits[r] {
		if strings.HasPrefix(text[i:], u) {
			if next, _ := utf8.DecodeRuneInString(text[i+len(u):]); strings.ContainsRune(numUnitBreaks[u], next) {
				return "", 0 // 第五周期, 千万家庭: the unit character starts a word
			}
			return u, len(u)
		}
	}
	return "", 0
}

// numUnitBreaks lists, for a unit, the characters that make it the start of a word instead.
var numUnitBreaks = map[string]string{
	"人": "民员才群口士", "成": "员立果效本为绩就功熟长", "周": "期边围转末", "年": "级龄轻", "家": "庭长属乡", "户": "籍口型", "期": "间待望限盼刊", "项": "目", "次": "数序要",
	"级": "别", "类": "型似", "条": "件例款", "部": "门署分", "门": "诊槛户", "号": "召称", "批": "准示复评", "场": "所景地合",
	"名": "单义称誉额", "位": "置于列居次", "个": "人体性案", "度": "假", "台": "湾风阶账", "分": "析类别配解担工", "件": "事",
	"支": "持付撑出柱援部队", "对": "接口于象标照比待外", "站": "点位", "床": "位", "组": "织成建团长", "队": "伍员",
	"片": "区", "处": "理置室长罚", "本": "地级领", "间": "隔断", "根": "本据", "头": "脑", "只": "要是有能", "张": "力",
	"双": "向方重", "层": "面级次", "座": "谈", "篇": "章",
}

// numReadApproxMagnitude reads 多 or 余 when a magnitude follows it (300多万, 三百多万) and returns the
// position after it, or i.
func numReadApproxMagnitude(text string, i int) int {
	j := numReadApprox(text, i)
	if j == i {
		return i
	}
	if e, exp := numReadMagnitude(text, j); exp > 0 && e > j {
		return j
	}
	return i
}

// numScanChinesePercent reads 百分之九十 or 千分之三 at i.
func numScanChinesePercent(text string, i int) (NumberSpan, bool) {
	unit := ""
	switch {
	case strings.HasPrefix(text[i:], "百分之"):
		unit = "%"
	case strings.HasPrefix(text[i:], "千分之"):
		unit = "‰"
	default:
		return NumberSpan{}, false
	}
	j := i + len("百分之")
	end, value, ok := numReadChinese(text, j)
	if !ok {
		return NumberSpan{}, false
	}
	return numSpan(text, i, end, text[i:end], value, unit, KindPercent), true
}

// numScanDouble reads 翻一番, 翻两番, 翻了一番.
func numScanDouble(text string, i int) (NumberSpan, bool) {
	j := i + len("翻")
	if strings.HasPrefix(text[j:], "了") {
		j += len("了")
	}
	end, value, ok := numReadChinese(text, j)
	if !ok || !strings.HasPrefix(text[end:], "番") {
		return NumberSpan{}, false
	}
	s := numSpan(text, i, end+len("番"), text[j:end], value, "番", KindMultiple)
	return s, true
}

// numScanChinese reads a Chinese numeral at i with its fraction, range, approximation and unit.
func numScanChinese(text string, i int) (NumberSpan, bool) {
	end, value, ok := numReadChinese(text, i)
	if !ok {
		return NumberSpan{}, false
	}
	// 三分之一
	if strings.HasPrefix(text[end:], "分之") {
		if e2, v2, ok := numReadChinese(text, end+len("分之")); ok {
			v := ""
			if value != "" && v2 != "" {
				v = v2 + "/" + value
			}
			return numSpan(text, i, e2, text[i:e2], v, "", KindFraction), true
		}
	}
	num, kind, numEnd := text[i:end], KindChinese, end
	// 三至五年
	if c := numRangeConnector(text, end); c > 0 {
		if e2, v2, ok := numReadChinese(text, end+c); ok {
			v := ""
			if value != "" && v2 != "" {
				v = value + "-" + v2
			}
			num, value, kind, numEnd = text[i:e2], v, KindRange, e2
		}
	}
	pos := numReadApprox(text, numEnd)
	unit, n := numReadUnit(text, pos)
	if n > 0 {
		pos += n
		if (unit == "倍" || unit == "番") && kind == KindChinese {
			kind = KindMultiple
		}
	} else {
		pos = numEnd
	}
	return numSpan(text, i, pos, num, value, unit, kind), true
}

// numReadChinese reads a Chinese numeral (with 点 decimals and a trailing 万 or 亿 after them) at i.
// It returns the end, the value ("" when the run has no single value, like 十四五) and whether a
// numeral was there.
func numReadChinese(text string, i int) (int, string, bool) {
	start := i
	var digits []int // values of the run's characters
	liang := false   // 两 never spells a digit of a year: 三三两两 is no number
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		v := numCNValue(r)
		if v < 0 {
			break
		}
		// 百分之 inside a run starts a new expression: 增长百分之五 is read from 百.
		if (r == '百' || r == '千') && i > start && strings.HasPrefix(text[i:], string(r)+"分之") {
			break
		}
		digits = append(digits, v)
		liang = liang || r == '两'
		i += size
	}
	if len(digits) == 0 {
		return start, "", false
	}
	value, ok := numCNCompute(digits, !liang)
	// 三百多万: the magnitude after the approximation multiplies the numeral.
	if j := numReadApproxMagnitude(text, i); j > i {
		j, exp := numReadMagnitude(text, j)
		if !ok || exp == 0 {
			return j, "", true
		}
		return j, numShift(strconv.FormatUint(value, 10), exp), true
	}
	// 三点五, 百分之九十五点五
	if strings.HasPrefix(text[i:], "点") {
		j := i + len("点")
		var frac strings.Builder
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			v := numCNValue(r)
			if v < 0 || v > 9 {
				break
			}
			frac.WriteByte(byte('0' + v))
			j += size
		}
		if frac.Len() > 0 {
			exp := 0
			for j < len(text) {
				r, size := utf8.DecodeRuneInString(text[j:])
				if r == '万' {
					exp += 4
				} else if r == '亿' {
					exp += 8
				} else {
					break
				}
				j += size
			}
			i = j
			if ok {
				return i, numShift(strconv.FormatUint(value, 10)+"."+frac.String(), exp), true
			}
			return i, "", true
		}
	}
	if !ok {
		return i, "", true
	}
	return i, strconv.FormatUint(value, 10), true
}

// numCNCompute computes a Chinese numeral from its characters' values (digits 0–9, units 10, 100, 1000,
// 10^4, 10^8). Digit-only runs of three or more are read digit by digit (二〇二五 = 2025) when byDigit
// allows; other runs that are not a well-formed numeral (十四五, 七八, 一一) have no value.
func numCNCompute(ds []int, byDigit bool) (uint64, bool) {
	allDigits := true
	for _, d := range ds {
		if d > 9 {
			allDigits = false
		}
	}
	if allDigits {
		if len(ds) == 2 || (len(ds) > 2 && !byDigit) {
			return 0, false
		}
		var v uint64
		for _, d := range ds {
			v = v*10 + uint64(d)
		}
		return v, len(ds) <= 18
	}
	var total, section, num uint64
	pending := false      // a digit waits for its unit
	zero := false         // a 零 was seen since the last unit
	lastSmall := 10000    // last unit below 万 in this section; units must fall: 千 > 百 > 十
	lastUnit := uint64(0) // the last unit read, for 三万五 = 35000
	for _, d := range ds {
		switch {
		case d <= 9:
			if d == 0 {
				zero = true
				continue
			}
			if pending {
				return 0, false // 十四五, 四五
			}
			num, pending = uint64(d), true
		case d < 10000:
			if d >= lastSmall {
				return 0, false // 十百, 百百
			}
			if !pending {
				if section != 0 || total != 0 {
					if d != 10 || !zero {
						return 0, false // 一百十 is written 一百一十; 一百零十 is not a number
					}
				}
				num = 1 // 十二, 百年
			}
			section += num * uint64(d)
			num, pending, zero, lastSmall, lastUnit = 0, false, false, d, uint64(d)
		case d == 10000:
			if section+num == 0 && total != 0 {
				return 0, false
			}
			s := section + num
			if s == 0 {
				s = 1 // 万人
			}
			if total%100000000 != 0 && total != 0 {
				return 0, false // 一万二万
			}
			total += s * 10000
			section, num, pending, zero, lastSmall, lastUnit = 0, 0, false, false, 10000, 10000
		default: // 亿
			s := total + section + num
			if s == 0 {
				s = 1
			}
			if s > 1<<63/100000000 {
				return 0, false
			}
			total = s * 100000000
			section, num, pending, zero, lastSmall, lastUnit = 0, 0, false, false, 10000, 100000000
		}
	}
	if pending && !zero && lastUnit >= 100 {
		num *= lastUnit / 10 // 三万五 = 35000, 一千五 = 1500
	}
	return total + section + num, true
}

// numCNValue is the value of a Chinese numeral character, or -1. The financial forms (壹, 伍, 陆, 拾)
// are not read: summaries do not use them and they share characters with common words (队伍, 大陆, 收拾).
func numCNValue(r rune) int {
	switch r {
	case '零', '〇':
		return 0
	case '一':
		return 1
	case '二', '两':
		return 2
	case '三':
		return 3
	case '四':
		return 4
	case '五':
		return 5
	case '六':
		return 6
	case '七':
		return 7
	case '八':
		return 8
	case '九':
		return 9
	case '十':
		return 10
	case '百':
		return 100
	case '千':
		return 1000
	case '万':
		return 10000
	case '亿':
		return 100000000
	}
	return -1
}

// numDigit is the value of an ASCII or full-width digit, or -1.
func numDigit(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= '０' && r <= '９':
		return int(r - '０')
	}
	return -1
}

func numIsSign(r rune) bool { return r == '-' || r == '－' || r == '−' }

// numSymbolValue is the value of a one-character numeral symbol (①, ⑴, ⒈, ❶, Ⅲ), or 0.
func numSymbolValue(r rune) int {
	switch {
	case r >= '①' && r <= '⑳':
		return int(r-'①') + 1
	case r >= '⑴' && r <= '⒇':
		return int(r-'⑴') + 1
	case r >= '⒈' && r <= '⒛':
		return int(r-'⒈') + 1
	case r >= '❶' && r <= '❿':
		return int(r-'❶') + 1
	case r >= 'Ⅰ' && r <= 'Ⅻ':
		return int(r-'Ⅰ') + 1
	case r >= 'ⅰ' && r <= 'ⅻ':
		return int(r-'ⅰ') + 1
	}
	return 0
}

// numFold folds full-width digits and punctuation of a number to ASCII.
func numFold(s string) string {
	return strings.Map(func(r rune) rune {
		if d := numDigit(r); d >= 0 {
			return rune('0' + d)
		}
		switch r {
		case '．':
			return '.'
		case '－', '−':
			return '-'
		}
		return r
	}, s)
}
