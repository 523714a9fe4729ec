package extract

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/draftd/draftd/retrieval"
)

// Encoding names reported in Result.Encoding.
const (
	encUTF8    = "utf-8"
	encUTF16LE = "utf-16le"
	encUTF16BE = "utf-16be"
	encGB18030 = "gb18030"
)

// Thresholds for calling decoded text plausible. Real GBK text has no
// replacement characters and almost nothing outside the GBK repertoire;
// binary decoded as GB18030 is full of control characters and rare code points.
const (
	maxBadRatio  = 0.002 // replacement, control and private-use characters
	maxRareRatio = 0.02  // characters GBK text almost never has
)

// readPlain reads a .txt or .md file.
func readPlain(data []byte, format string) (Result, error) {
	text, enc, warnings, err := decodeText(data)
	if err != nil {
		return Result{}, err
	}
	if format == FormatMD {
		text = stripMarkdown(text)
	}
	return Result{Text: text, Encoding: enc, Warnings: warnings}, nil
}

// decodeText returns data as UTF-8 with the name of the encoding it was in:
// UTF-8 with or without a byte order mark, UTF-16 with one, or GB18030 (a
// superset of GBK and GB2312) when the bytes are not UTF-8 and decode to
// plausible Chinese text (not Japanese, not mostly rare characters, see checkGB).
// Anything else is EUNDECODABLE.
func decodeText(data []byte) (text, enc string, warnings []string, err error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		if !utf8.Valid(data) {
			// Keep it UTF-8, replacing the bad bytes, if they are few.
			s := string(bytes.ToValidUTF8(data, []byte("\uFFFD")))
			return acceptDecoded(s, encUTF8, "文件以 UTF-8 字节序标记（BOM）开头，但内容不是有效的 UTF-8")
		}
		return checkText(string(data), encUTF8)
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeWith(data, xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM), encUTF16LE)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeWith(data, xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM), encUTF16BE)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE,
			"文件含有 NUL 字节：是二进制数据，不是文本")
	}
	if utf8.Valid(data) {
		s := string(data)
		// Short GBK text can happen to be valid UTF-8 ("通知" is CD A8 D6 AA,
		// which UTF-8 reads as two combining marks): when most non-ASCII
		// characters of the UTF-8 reading are rare and the GB18030 reading is
		// clean, take the latter.
		if st := measure(s); st.rare > 0 && 2*st.rare > st.nonASCII {
			if out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data); err == nil {
				gb := string(out)
				if g := measure(gb); g.replacement+g.controls+g.private+g.nul == 0 && g.rare < st.rare && checkGB(data, gb) == nil {
					return gb, encGB18030, nil, nil
				}
			}
		}
		return checkText(s, encUTF8)
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE, "文件既不是 UTF-8 文本，也不是 GB18030/GBK 文本")
	}
	gb := string(out)
	if err := checkGB(data, gb); err != nil {
		return "", "", nil, err
	}
	return acceptDecoded(gb, encGB18030, "文件既不是 UTF-8 文本，也不是 GB18030/GBK 文本")
}

// Thresholds for GB18030 readings that are not Chinese. Japanese text is full of kana; any
// text, Chinese or not, has more than minKana of them only when it is Japanese. Chinese
// text, even with many rare names, draws most of its characters from GB2312, the first
// 7,000 of GBK's 21,000; bytes of another double-byte encoding fall mostly outside it.
const (
	minDoubleBytes = 20  // double-byte characters needed before judging
	minKana        = 0.1 // share of non-ASCII characters that are kana in the Shift-JIS reading
	maxOutsideGB   = 0.6 // share of double-byte characters outside GB2312
)

// checkGB returns EUNDECODABLE for bytes that decode as GB18030 (to decoded) but are not Chinese:
// Japanese (Shift-JIS or EUC-JP) text, or text drawing most of its characters from outside
// GB2312.
func checkGB(data []byte, decoded string) error {
	double, outside := 0, 0
	for i := 0; i < len(data); i++ {
		b := data[i]
		if b < 0x80 || b == 0x80 || b == 0xFF || i+1 >= len(data) {
			continue
		}
		t := data[i+1]
		if t >= 0x30 && t <= 0x39 { // a four-byte GB18030 sequence
			i += 3
			continue
		}
		double++
		if !(b >= 0xA1 && b <= 0xF7 && t >= 0xA1 && t <= 0xFE) {
			outside++
		}
		i++
	}
	if double < minDoubleBytes {
		return nil
	}
	if sj, err := japanese.ShiftJIS.NewDecoder().Bytes(data); err == nil && kanaShare(string(sj)) >= minKana {
		return retrieval.Errorf(retrieval.EUNDECODABLE,
			"文件像是日文 Shift-JIS 文本；只能读取 UTF-8、UTF-16 和 GB18030/GBK 文本，请另存为 UTF-8")
	}
	// EUC-JP puts kana where GB2312 has them: its GB18030 reading keeps them.
	if kanaShare(decoded) >= minKana {
		return retrieval.Errorf(retrieval.EUNDECODABLE,
			"文件像是日文 EUC-JP 文本；只能读取 UTF-8、UTF-16 和 GB18030/GBK 文本，请另存为 UTF-8")
	}
	if float64(outside) > maxOutsideGB*float64(double) {
		return retrieval.Errorf(retrieval.EUNDECODABLE,
			"文件既不是 UTF-8 文本，也不是 GB18030/GBK 文本：按 GB18030 读取大多是生僻字")
	}
	return nil
}

// decodeWith decodes data with e and checks the result.
func decodeWith(data []byte, e encoding.Encoding, name string) (string, string, []string, error) {
	out, err := e.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE, "文件不是有效的 %s 文本", name)
	}
	return checkText(string(out), name)
}

// checkText rejects text that is really binary: NULs or many control characters.
func checkText(s, enc string) (string, string, []string, error) {
	st := measure(s)
	if st.nul > 0 || (st.controls > 0 && float64(st.controls) > maxBadRatio*float64(st.total)+1) {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE,
			"文件含有控制字符：是二进制数据，不是 %s 文本", enc)
	}
	return s, enc, nil, nil
}

// acceptDecoded accepts text decoded from name only when it looks like real
// text; a few undecodable bytes are tolerated and reported in a warning.
func acceptDecoded(s, name, failure string) (string, string, []string, error) {
	st := measure(s)
	if st.total == 0 {
		return s, name, nil, nil
	}
	bad := st.replacement + st.controls + st.private + st.nul
	if float64(bad) > maxBadRatio*float64(st.total)+2 || float64(bad+st.rare) > maxRareRatio*float64(st.total)+2 {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE, "%s", failure)
	}
	var warnings []string
	if st.replacement > 0 {
		warnings = append(warnings, fmt.Sprintf("%[2]s 文本中有 %[1]d 处无法识别的字符，已替换为 U+FFFD（�）", st.replacement, name))
	}
	return s, name, warnings, nil
}

// textStats counts the kinds of characters in a decoded text.
type textStats struct {
	total, nonASCII, nul, controls, replacement, private, rare int
}

// measure classifies every rune of s.
func measure(s string) textStats {
	var st textStats
	for _, r := range s {
		st.total++
		if r >= 0x80 {
			st.nonASCII++
		}
		switch {
		case r == 0:
			st.nul++
		case r == utf8.RuneError:
			st.replacement++
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v',
			r >= 0x7F && r < 0xA0:
			st.controls++
		case unicode.Is(unicode.Co, r):
			st.private++
		case !common(r):
			st.rare++
		}
	}
	return st
}

// common reports whether r is in the blocks GBK covers that real text uses:
// ASCII, Latin-1, Greek, Cyrillic, general punctuation and symbols, CJK
// punctuation, kana, CJK ideographs and full-width forms.
func common(r rune) bool {
	switch {
	case r < 0x100,
		r >= 0x370 && r < 0x500,   // Greek, Cyrillic
		r >= 0x2000 && r < 0x2700, // punctuation, letterlike, arrows, math, enclosed, box drawing, shapes
		r >= 0x3000 && r < 0x3130, // CJK punctuation, kana, bopomofo
		r >= 0x3200 && r < 0x3400, // enclosed CJK, compatibility (㈠, ㎡)
		r >= 0x4E00 && r < 0xA000, // CJK unified ideographs
		r >= 0xFE30 && r < 0xFE50, // CJK compatibility forms
		r >= 0xFF00 && r < 0xFFF0: // full-width forms
		return true
	}
	return false
}

// kanaShare returns the share of s's non-ASCII characters that are hiragana or katakana.
func kanaShare(s string) float64 {
	nonASCII, kana := 0, 0
	for _, r := range s {
		if r >= 0x80 {
			nonASCII++
		}
		if r >= 0x3041 && r <= 0x30FF {
			kana++
		}
	}
	if nonASCII == 0 {
		return 0
	}
	return float64(kana) / float64(nonASCII)
}
