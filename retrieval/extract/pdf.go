package extract

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/draftd/draftd/retrieval"
)

// PDF layout undone by unwrapPDF.
var (
	// pdfPageRe is a page number alone on its line: 3, -3-, — 3 —, 第3页, 3/12, 第3页 共12页.
	pdfPageRe = regexp.MustCompile(`^[-—–－~·\s]*(第\s*)?\d{1,4}(\s*页)?[-—–－~·\s]*$|^\d{1,4}\s*/\s*\d{1,4}$|^第\s*\d{1,4}\s*页\s*[,，]?\s*共\s*\d{1,4}\s*页$`)
)

// fullLineShare is how wide a line must be, as a share of the page's text width, to have
// been wrapped by the layout rather than ended by its author. Narrower text than
// minPageWidth (in displayWidth units, 20 CJK characters) is not taken for a page of prose.
const (
	fullLineShare = 0.8
	minPageWidth  = 40
)

// unwrapPDF undoes what pdftotext does to Chinese text: it drops the spaces it puts between
// a CJK character and a digit, a Latin run or another CJK character ("2021 年", "为 XX 人"),
// and joins the lines it wrapped at the page width. A line is wrapped when it does not end
// a sentence (。！？；…), is nearly as wide as the widest lines of the text (so titles and
// headings, which are short, keep their line ends), and the next line neither starts a
// heading (一、 （一） 1. （1）) nor is a page number nor is blank. Form feeds (page
// starts) become line breaks that wrapped lines join across.
func unwrapPDF(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	raw := strings.Split(s, "\n")
	type line struct {
		text    string
		width   float64
		page    bool // starts a page: a blank line before it is the page's margin, not a paragraph break
		pageNum bool // is a page number
	}
	var ls []line
	var widths []float64
	for _, r := range raw {
		page := strings.HasPrefix(r, "\f")
		t := strings.TrimFunc(strings.TrimPrefix(r, "\f"), unicode.IsSpace)
		w := displayWidth(t)
		pageNum := pdfPageRe.MatchString(t)
		ls = append(ls, line{text: closeCJKSpaces(t), width: w, page: page, pageNum: pageNum})
		if t != "" && !pageNum {
			widths = append(widths, w)
		}
	}
	full := pageWidth(widths)
	var b strings.Builder
	for i := 0; i < len(ls); i++ {
		l := ls[i]
		b.WriteString(l.text)
		// The next text line; blank lines before it are a page's margin when it starts a page.
		k := i + 1
		for k < len(ls) && ls[k].text == "" {
			k++
		}
		if k == len(ls) {
			break
		}
		next := ls[k]
		if (k == i+1 || next.page) && !l.pageNum && wraps(l.text, l.width, full) && !startsHeading(next.text) && !next.pageNum {
			last, _ := utf8.DecodeLastRuneInString(l.text)
			first, _ := utf8.DecodeRuneInString(next.text)
			if isLatinOrDigit(last) && isLatinOrDigit(first) {
				b.WriteByte(' ') // an English line wrapped between two words
			}
			i = k - 1
			continue
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// startsHeading reports whether a line starts with a heading's numbering (retrieval's one
// grammar, see retrieval.ParseHeading); 二、三级医院 and 1.5万 do not.
func startsHeading(s string) bool {
	_, ok := retrieval.ParseHeading(s)
	return ok
}

// wraps reports whether a line of the given display width, not a page number, ran on to the next line.
func wraps(text string, width, full float64) bool {
	if text == "" || full < minPageWidth || width < fullLineShare*full {
		return false
	}
	t := strings.TrimRight(text, "”’」』）)】\"'")
	r, _ := utf8.DecodeLastRuneInString(t)
	return !strings.ContainsRune("。！？；!?;…：:", r)
}

// pageWidth estimates the width of a full line of the text: the 95th percentile of the line
// widths, so that a stray overlong line (a table row, a URL) does not set it. It sorts widths.
func pageWidth(widths []float64) float64 {
	if len(widths) == 0 {
		return 0
	}
	slices.Sort(widths) // the caller's slice, not needed in its order
	return widths[len(widths)-1-len(widths)/20]
}

// displayWidth measures a line as laid out: a wide (CJK, full-width) character counts 2,
// a space pdftotext put in 0.5 (it stands for a narrow gap), anything else 1.
func displayWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r == ' ':
			w += 0.5
		case isWide(r):
			w += 2
		default:
			w++
		}
	}
	return w
}

// isWide reports whether r is a CJK character, CJK punctuation or a full-width form.
func isWide(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		r >= 0x3000 && r < 0x3100 || // CJK punctuation, kana
		r >= 0xFF00 && r < 0xFF61 || r >= 0xFFE0 && r < 0xFFE7 || // full-width forms
		r >= 0x2E80 && r < 0x2FE0 || // radicals
		r >= 0x3200 && r < 0x3400 || // enclosed CJK, compatibility
		r >= 0xFE30 && r < 0xFE50 // CJK compatibility forms
}

func isLatinOrDigit(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// closeCJKSpaces removes runs of spaces that have a wide character on one side and anything
// but a space on the other: "2021 年" → "2021年", "工 作" → "工作". Spaces between two Latin
// words stay.
func closeCJKSpaces(s string) string {
	if !strings.ContainsAny(s, " \t\u00a0") {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		if !isGap(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && isGap(rs[j]) {
			j++
		}
		if i > 0 && j < len(rs) && (isWide(rs[i-1]) || isWide(rs[j])) {
			i = j
			continue
		}
		b.WriteString(string(rs[i:j]))
		i = j
	}
	return b.String()
}

func isGap(r rune) bool { return r == ' ' || r == '\t' || r == '\u00a0' }
