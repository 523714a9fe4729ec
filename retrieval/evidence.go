package retrieval

import (
	"context"
	"fmt"
	"strings"
)

// A site repeats its furniture (its name, a short menu, a footer) on every page. NewEvidence
// counts lines across one batch; a site's pages often arrive one upload at a time, so a file
// also learns from the documents its collection already holds. What the cleaner kept of a page's
// furniture is still in a stored document's text, at its opening or its ending (cleaning never
// moves a line), so a store hands out those two ends (DocumentEdges), not whole texts.

// DocumentEdge is the opening and the ending of a stored document's cleaned text.
type DocumentEdge struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Head string `json:"head"` // the text's first EdgeRunes runes (all of it when shorter)
	Tail string `json:"tail"` // its last EdgeRunes runes; "" when Head holds the whole text
}

// Stored evidence bounds: how much of each end of a document, and how many documents, the most
// recently stored first, a file's cleaning reads (at most 200 kB of text per upload).
const (
	EdgeRunes         = 2000
	EvidenceDocuments = 50
)

// maxSentenceDocs bounds the documents one sentence is looked up in when looking for copies of
// a document: a sentence more documents hold is a site's notice, not a copy's text.
const maxSentenceDocs = 20

// GatherEvidence returns the evidence for cleaning each of texts, the raw texts of files named
// keys ingested together into collection ("" is DefaultCollection) of sc's workspace: what the
// other files of the batch say (NewEvidence) and what the documents the collection already holds
// say (s.DocumentEdges; a document stored under one of keys, which the upload replaces, says
// nothing). See EvidenceFor.
func GatherEvidence(ctx context.Context, s Store, sc Scope, collection string, keys, texts []string) ([]*Evidence, error) {
	if collection == "" {
		collection = DefaultCollection
	}
	edges, err := s.DocumentEdges(ctx, sc, collection, keys, EvidenceDocuments)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return EvidenceFor(keys, texts, edges), nil
}

// EvidenceFor returns the evidence for cleaning each of texts (the raw texts of files named keys,
// ingested together) given the edges of documents already stored in their collection; an entry
// is nil when nothing else is known. A short line of a text is repeated when
//
//   - the batch alone shows it: at least three files and half of them hold it (NewEvidence); or
//   - it lies at the page's edge — before the title, or after the body's last sentence — and
//     another document, stored or in the batch, holds it too. So a new site's second page is
//     cleaned by evidence from its first.
//
// What lies between the title and the body (an occasion, a speaker: 国务院总理 李克强) and inside
// the body (an unnumbered heading) is what a series of documents of one author repeats, not a
// site, so stored documents are no evidence there; nor are organisations and dates (a
// signature, an issuer above the title). A document that is a copy of the text (most of its
// sentences are the text's) is not counted, and stored documents whose key is one of keys, or a
// part of one (key#N), are left out. Cleaning drops a repeated line only when its shape allows
// (no sentence, no heading, not the title) and, between the body's first and last sentence,
// only when it is a scrap: a clause the files of one bureau all hold without its full stop
// (全年未发生重大安全生产事故) stays.
func EvidenceFor(keys, texts []string, stored []DocumentEdge) []*Evidence {
	out := make([]*Evidence, len(texts))
	var docs []*evidenceDoc
	for _, t := range texts {
		docs = append(docs, newEvidenceDoc(splitLines(t)))
	}
	batch := len(docs)
	for _, e := range stored {
		if replacedKey(e.Key, keys) {
			continue
		}
		docs = append(docs, newEvidenceDoc(edgeLines(e)))
	}
	if len(docs) < 2 {
		return out
	}
	// How many documents hold each short line, and which documents hold each sentence.
	count := map[string]int{}
	holders := map[string][]int{}
	for i, d := range docs {
		for k := range d.short {
			count[k]++
		}
		for k := range d.sentences {
			if h := holders[k]; len(h) <= maxSentenceDocs {
				holders[k] = append(h, i)
			}
		}
	}
	batchEv := NewEvidence(texts)
	for i := range batch {
		t := docs[i]
		copies := t.copies(i, docs, holders)
		if len(docs)-1-len(copies) == 0 {
			continue
		}
		edge := edgeKeys(splitLines(texts[i]))
		set := map[string]bool{}
		for k := range t.short {
			held := count[k] - 1
			for _, c := range copies {
				if _, ok := docs[c].short[k]; ok {
					held--
				}
			}
			if batchEv.repeated(t.short[k]) || held >= 1 && edge[k] {
				set[k] = true
			}
		}
		if len(set) > 0 {
			out[i] = evidenceOf(set)
		}
	}
	return out
}

// evidenceOf returns an Evidence by which exactly the lines whose probe forms are in set are
// repeated: three documents, each line held by all three.
func evidenceOf(set map[string]bool) *Evidence {
	ev := &Evidence{docs: 3, lines: make(map[string]int, len(set))}
	for k := range set {
		ev.lines[k] = 3
	}
	return ev
}

// replacedKey reports whether a stored document's key is one of keys or a part (key#N) of one.
func replacedKey(stored string, keys []string) bool {
	for _, k := range keys {
		if stored == k || strings.HasPrefix(stored, k+"#") {
			return true
		}
	}
	return false
}

// evidenceDoc is what one document says about lines.
type evidenceDoc struct {
	short     map[string]string // probe form → the line, of its lines of at most repeatedMaxRunes runes
	sentences map[string]bool   // probe forms of its lines of body sentences (see edgeKeys)
}

func newEvidenceDoc(lines []string) *evidenceDoc {
	d := &evidenceDoc{short: map[string]string{}, sentences: map[string]bool{}}
	for _, l := range lines {
		l = normLine(l)
		n := runeLen(l)
		if n == 0 {
			continue
		}
		if n <= repeatedMaxRunes {
			d.short[probe(l)] = l
		}
		if n >= bodyRunes && hasSentenceEnd(l) {
			d.sentences[probe(l)] = true
		}
	}
	return d
}

// copies returns the documents other than docs[self] that hold more than half of the sentence
// lines of d or of theirs, whichever has fewer: the same document again, perhaps cut at its edges.
func (d *evidenceDoc) copies(self int, docs []*evidenceDoc, holders map[string][]int) []int {
	shared := map[int]int{}
	for k := range d.sentences {
		for _, j := range holders[k] {
			if j != self {
				shared[j]++
			}
		}
	}
	var out []int
	for j, n := range shared {
		if 2*n > min(len(d.sentences), len(docs[j].sentences)) {
			out = append(out, j)
		}
	}
	return out
}

// edgeLines returns the whole lines of a stored document's edges: a line the cut of Head or Tail
// went through is left out.
func edgeLines(e DocumentEdge) []string {
	head := splitLines(e.Head)
	if e.Tail == "" {
		return head
	}
	lines := head[:len(head)-1]
	if tail := splitLines(e.Tail); len(tail) > 1 {
		lines = append(lines, tail[1:]...)
	}
	return lines
}

// edgeKeys returns the probe forms of the short lines at a page's edges, signatures and dates
// aside: before its title (the first title-like line before the first body sentence, a line of
// at least bodyRunes runes with a sentence end; no top edge without one) and after its last body
// sentence (no bottom edge without one).
func edgeKeys(raw []string) map[string]bool {
	var lines []string
	for _, l := range raw {
		if l = normLine(l); l != "" {
			lines = append(lines, l)
		}
	}
	first, last := -1, -1
	for i, l := range lines {
		if hasSentenceEnd(l) && runeLen(l) >= bodyRunes {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	out := map[string]bool{}
	add := func(ls []string) {
		for _, l := range ls {
			if runeLen(l) <= repeatedMaxRunes && !hasSentenceEnd(l) && !signatureRe.MatchString(l) {
				out[probe(l)] = true
			}
		}
	}
	top := first
	if top < 0 {
		top = len(lines)
	}
	for i, l := range lines[:top] {
		if titleLike(l) {
			add(lines[:i])
			break
		}
	}
	if last >= 0 {
		add(lines[last+1:])
	}
	return out
}
