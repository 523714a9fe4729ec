package evalset

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/draftd/draftd/retrieval"
)

// minParagraph is the fewest Han characters a line of a report needs to count
// as a paragraph; shorter lines are titles, speakers' names and the
// Wikisource licence footer.
const minParagraph = 40

// Paragraphs returns the paragraphs of a report's content: its lines with at least minParagraph Han characters.
func Paragraphs(content string) []string {
	var out []string
	for _, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		if hanCount(line) >= minParagraph {
			out = append(out, line)
		}
	}
	return out
}

// Sentences splits text after each 。！？； and returns the pieces with at least 8 Han characters.
func Sentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		if strings.ContainsRune("。！？；", r) {
			end := i + utf8.RuneLen(r)
			if s := strings.TrimSpace(text[start:end]); hanCount(s) >= 8 {
				out = append(out, s)
			}
			start = end
		}
	}
	if s := strings.TrimSpace(text[start:]); hanCount(s) >= 8 {
		out = append(out, s)
	}
	return out
}

func hanCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n++
		}
	}
	return n
}

// Synth is a deterministic corpus of n passages built from the State Council
// reports: first every real paragraph, then passages recombined from real
// sentences (a run of neighbouring sentences of one report, some swapped for
// other sentences of the same report), grouped into documents of perDoc
// passages. Embeddings are left empty.
type Synth struct {
	Documents []*retrieval.Document
	// Queries are real sentences, clipped to at most 40 characters at a clause boundary.
	Queries []string
}

// NewSynth builds a Synth of n passages in documents of perDoc, with nq query sentences, from reports and seed.
func NewSynth(reports []Report, n, perDoc, nq int, seed uint64) *Synth {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	type source struct {
		title      string
		paragraphs []string
		sentences  []string
	}
	var srcs []source
	for _, r := range reports {
		ps := Paragraphs(r.Content)
		if len(ps) == 0 {
			continue
		}
		s := source{title: r.Title, paragraphs: ps}
		for _, p := range ps {
			s.sentences = append(s.sentences, Sentences(p)...)
		}
		if len(s.sentences) > 0 {
			srcs = append(srcs, s)
		}
	}
	if len(srcs) == 0 {
		return &Synth{}
	}

	type passage struct {
		src  int
		text string
	}
	var all []passage
	for i, s := range srcs {
		for _, p := range s.paragraphs {
			if len(all) < n {
				all = append(all, passage{i, p})
			}
		}
	}
	for len(all) < n {
		si := rng.IntN(len(srcs))
		ss := srcs[si].sentences
		m := 3 + rng.IntN(6)
		start := rng.IntN(len(ss))
		var b strings.Builder
		for j := range m {
			s := ss[(start+j)%len(ss)]
			if rng.IntN(10) < 3 {
				s = ss[rng.IntN(len(ss))]
			}
			b.WriteString(s)
		}
		all = append(all, passage{si, b.String()})
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })

	out := &Synth{}
	for d := 0; d*perDoc < len(all); d++ {
		part := all[d*perDoc : min((d+1)*perDoc, len(all))]
		id := fmt.Sprintf("synth%06d", d)
		doc := &retrieval.Document{
			ID: id, Collection: "bench", Key: id + ".txt", Hash: id,
			Title: fmt.Sprintf("%s（重组%d）", srcs[part[0].src].title, d),
			Meta:  retrieval.Meta{Kind: "报告"},
		}
		var text strings.Builder
		for i, p := range part {
			heading := clip(p.text, 16)
			doc.Passages = append(doc.Passages, retrieval.Passage{
				ID: fmt.Sprintf("%s-%02d", id, i), DocumentID: id, Ordinal: i,
				HeadingPath: []string{fmt.Sprintf("%s、%s", chineseNumeral(i+1), heading)},
				Text:        p.text,
			})
			text.WriteString(p.text)
			text.WriteString("\n")
		}
		doc.Text = text.String()
		out.Documents = append(out.Documents, doc)
	}
	for range nq {
		ss := srcs[rng.IntN(len(srcs))].sentences
		out.Queries = append(out.Queries, clip(ss[rng.IntN(len(ss))], 40))
	}
	return out
}

// Passages returns pointers to every passage of the corpus, in document order.
func (s *Synth) Passages() []*retrieval.Passage {
	var out []*retrieval.Passage
	for _, d := range s.Documents {
		for i := range d.Passages {
			out = append(out, &d.Passages[i])
		}
	}
	return out
}

// clip cuts s to at most max runes, at the last clause mark (，、；：) inside
// the limit when there is one, and drops trailing punctuation.
func clip(s string, max int) string {
	rs := []rune(s)
	if len(rs) > max {
		cut := max
		for i := max - 1; i >= max/2; i-- {
			if strings.ContainsRune("，、；：", rs[i]) {
				cut = i
				break
			}
		}
		rs = rs[:cut]
	}
	return strings.TrimRightFunc(string(rs), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
}

// chineseNumeral writes 1–99 as 一…九十九.
func chineseNumeral(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	default:
		return digits[n/10] + "十" + digits[n%10]
	}
}
