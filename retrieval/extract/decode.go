package extract

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
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
// plausible Chinese text. Anything else is EUNDECODABLE.
func decodeText(data []byte) (text, enc string, warnings []string, err error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		if !utf8.Valid(data) {
			// Keep it UTF-8, replacing the bad bytes, if they are few.
			s := string(bytes.ToValidUTF8(data, []byte("\uFFFD")))
			return acceptDecoded(s, encUTF8, "the file starts with a UTF-8 byte order mark but is not valid UTF-8")
		}
		return checkText(string(data), encUTF8)
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeWith(data, xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM), encUTF16LE)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeWith(data, xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM), encUTF16BE)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE,
			"the file contains NUL bytes: it is binary data, not text")
	}
	if utf8.Valid(data) {
		s := string(data)
		// Short GBK text can happen to be valid UTF-8 ("通知" is CD A8 D6 AA,
		// which UTF-8 reads as two combining marks): when most non-ASCII
		// characters of the UTF-8 reading are rare and the GB18030 reading is
		// clean, take the latter.
		if st := measure(s); st.rare > 0 && 2*st.rare > st.nonASCII {
			if out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data); err == nil {
				if g := measure(string(out)); g.replacement+g.controls+g.private+g.nul == 0 && g.rare < st.rare {
					return string(out), encGB18030, nil, nil
				}
			}
		}
		return checkText(s, encUTF8)
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE, "the file is neither UTF-8 nor GB18030/GBK text")
	}
	return acceptDecoded(string(out), encGB18030, "the file is neither UTF-8 nor GB18030/GBK text")
}

// decodeWith decodes data with e and checks the result.
func decodeWith(data []byte, e encoding.Encoding, name string) (string, string, []string, error) {
	out, err := e.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE, "the file is not valid %s text", name)
	}
	return checkText(string(out), name)
}

// checkText rejects text that is really binary: NULs or many control characters.
func checkText(s, enc string) (string, string, []string, error) {
	st := measure(s)
	if st.nul > 0 || (st.controls > 0 && float64(st.controls) > maxBadRatio*float64(st.total)+1) {
		return "", "", nil, retrieval.Errorf(retrieval.EUNDECODABLE,
			"the file holds control characters: it is binary data, not %s text", enc)
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
		warnings = append(warnings, fmt.Sprintf("%d undecodable byte sequence(s) in the %s text were replaced with U+FFFD", st.replacement, name))
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
