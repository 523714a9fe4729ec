package embedded

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/draftd/draftd/retrieval"
)

// parallelSlots is the index size from which a vector scan is split across cores.
const parallelSlots = 20000

// BM25 parameters, the usual ones.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// index holds every passage in memory for search: its normalised vector in
// one flat slice, the fields filters look at, and an inverted index of its
// keyword tokens. A passage lives in a slot; removing it only marks the slot
// dead, and compact renumbers the slots once enough are dead. Slots only
// grow between compactions, which keeps postings sorted.
type index struct {
	dim    int
	vecs   []float32 // slot i is vecs[i*dim : (i+1)*dim]
	seqs   []int64   // passage seq of each slot
	docOf  []int32   // document of each slot, -1 once dead
	roleOf []int32   // role code of each slot
	lens   []int32   // keyword tokens in each slot
	at     map[int64]int32
	dead   int
	tokens int64 // keyword tokens in live slots

	terms   vocab      // token → term
	post    []postings // by term
	tf      []int32    // by term, scratch for add
	touched []int32    // scratch for add

	docs    []docEntry // by document slot; a free one has id ""
	docSlot map[string]int32
	inWS    map[string]int // live documents by workspace
	free    []int32
	roles   []string // by role code
	role    map[string]int32
}

// docEntry is what the index knows of a document.
type docEntry struct {
	id, workspace    string
	collection, kind string
	title            string // for search hits, which then need not read the documents table
	orgKind          string // for search hits too: the organisation kind stored
	years            []int
	seqs             []int64 // its passages
}

// indexedPassage is one passage as the index takes it.
type indexedPassage struct {
	seq    int64
	role   string
	vec    []float32
	tokens []string // retrieval.PassageTokens
}

// postings lists the slots a term occurs in, in increasing order, each as
// uvarint(slot - previous slot) then uvarint(term frequency).
type postings struct {
	data []byte
	last int32 // slot of the last entry
	n    int32 // entries, dead slots included
}

func (p *postings) add(slot int32, tf int) {
	p.data = binary.AppendUvarint(p.data, uint64(slot-p.last))
	p.data = binary.AppendUvarint(p.data, uint64(tf))
	p.last = slot
	p.n++
}

// uvarint decodes a uvarint at data[i:], returning it and the index after it.
func uvarint(data []byte, i int) (uint64, int) {
	if b := data[i]; b < 0x80 {
		return uint64(b), i + 1
	}
	v, n := binary.Uvarint(data[i:])
	return v, i + n
}

func newIndex(dim int) *index {
	return &index{
		dim:     dim,
		at:      map[int64]int32{},
		terms:   vocab{short: map[uint64]int32{}, long: map[string]int32{}},
		docSlot: map[string]int32{},
		inWS:    map[string]int{},
		role:    map[string]int32{},
	}
}

// len is the number of live passages.
func (ix *index) len() int { return len(ix.seqs) - ix.dead }

// add indexes doc and its passages, whose vectors must all have the index's
// dimension; an empty index takes the dimension of the first vector it gets.
func (ix *index) add(d docEntry, ps []indexedPassage) error {
	if len(ps) > 0 && ix.len() == 0 && len(ps[0].vec) != ix.dim {
		ix.compact() // dead slots of the old dimension must go first
		ix.dim = len(ps[0].vec)
	}
	for _, p := range ps {
		if len(p.vec) != ix.dim {
			return fmt.Errorf("passage %d has dimension %d, index has %d", p.seq, len(p.vec), ix.dim)
		}
	}
	var ds int32
	if n := len(ix.free); n > 0 {
		ds, ix.free = ix.free[n-1], ix.free[:n-1]
	} else {
		ds = int32(len(ix.docs))
		ix.docs = append(ix.docs, docEntry{})
	}
	d.seqs = make([]int64, 0, len(ps))
	for _, p := range ps {
		code, ok := ix.role[p.role]
		if !ok {
			code = int32(len(ix.roles))
			ix.roles = append(ix.roles, p.role)
			ix.role[p.role] = code
		}
		slot := int32(len(ix.seqs))
		ix.at[p.seq] = slot
		ix.seqs = append(ix.seqs, p.seq)
		ix.docOf = append(ix.docOf, ds)
		ix.roleOf = append(ix.roleOf, code)
		ix.lens = append(ix.lens, int32(len(p.tokens)))
		ix.vecs = appendNormalised(ix.vecs, p.vec)
		ix.tokens += int64(len(p.tokens))
		d.seqs = append(d.seqs, p.seq)

		// Count term frequencies in ix.tf, indexed by term, then reset it.
		touched := ix.touched[:0]
		for _, t := range p.tokens {
			id, ok := ix.terms.get(t)
			if !ok {
				id = int32(len(ix.post))
				ix.terms.set(t, id)
				ix.post = append(ix.post, postings{})
				ix.tf = append(ix.tf, 0)
			}
			if ix.tf[id] == 0 {
				touched = append(touched, id)
			}
			ix.tf[id]++
		}
		for _, id := range touched {
			ix.post[id].add(slot, int(ix.tf[id]))
			ix.tf[id] = 0
		}
		ix.touched = touched
	}
	ix.docs[ds] = d
	ix.docSlot[d.id] = ds
	ix.inWS[d.workspace]++
	return nil
}

// remove drops a document and its passages.
func (ix *index) remove(docID string) {
	ds, ok := ix.docSlot[docID]
	if !ok {
		return
	}
	for _, seq := range ix.docs[ds].seqs {
		slot, ok := ix.at[seq]
		if !ok {
			continue
		}
		ix.docOf[slot] = -1
		ix.tokens -= int64(ix.lens[slot])
		ix.dead++
		delete(ix.at, seq)
	}
	if ix.inWS[ix.docs[ds].workspace]--; ix.inWS[ix.docs[ds].workspace] == 0 {
		delete(ix.inWS, ix.docs[ds].workspace)
	}
	ix.docs[ds] = docEntry{}
	delete(ix.docSlot, docID)
	ix.free = append(ix.free, ds)
	if ix.dead > 0 && ix.dead*4 >= len(ix.seqs) {
		ix.compact()
	}
}

// compact renumbers the live slots densely, in order, and drops dead postings
// and terms left without any.
func (ix *index) compact() {
	renum := make([]int32, len(ix.seqs))
	n := int32(0)
	for s := range ix.seqs {
		renum[s] = -1
		if ix.docOf[s] < 0 {
			continue
		}
		renum[s] = n
		if int(n) != s {
			ix.seqs[n], ix.docOf[n], ix.roleOf[n], ix.lens[n] = ix.seqs[s], ix.docOf[s], ix.roleOf[s], ix.lens[s]
			copy(ix.vecs[int(n)*ix.dim:int(n+1)*ix.dim], ix.vecs[s*ix.dim:(s+1)*ix.dim])
			ix.at[ix.seqs[n]] = n
		}
		n++
	}
	ix.seqs, ix.docOf, ix.roleOf, ix.lens = ix.seqs[:n], ix.docOf[:n], ix.roleOf[:n], ix.lens[:n]
	ix.vecs = ix.vecs[:int(n)*ix.dim]
	ix.dead = 0

	renumTerm := make([]int32, len(ix.post))
	post := make([]postings, 0, len(ix.post))
	for id, old := range ix.post {
		var np postings
		slot := int32(0)
		for i := 0; i < len(old.data); {
			var d, tf uint64
			d, i = uvarint(old.data, i)
			tf, i = uvarint(old.data, i)
			slot += int32(d)
			if r := renum[slot]; r >= 0 {
				np.add(r, int(tf))
			}
		}
		renumTerm[id] = -1
		if np.n > 0 {
			renumTerm[id] = int32(len(post))
			post = append(post, np)
		}
	}
	ix.terms.renumber(renumTerm)
	ix.post, ix.tf = post, make([]int32, len(post))
}

// vocab numbers tokens. A token of up to 7 bytes, as every Han bigram is, is
// keyed by its bytes packed in a uint64: faster and smaller than a string key.
type vocab struct {
	short map[uint64]int32
	long  map[string]int32
}

func pack(t string) (uint64, bool) {
	if len(t) > 7 {
		return 0, false
	}
	k := uint64(len(t)) << 56
	for i := 0; i < len(t); i++ {
		k |= uint64(t[i]) << (8 * i)
	}
	return k, true
}

func (v *vocab) get(t string) (int32, bool) {
	if k, ok := pack(t); ok {
		id, ok := v.short[k]
		return id, ok
	}
	id, ok := v.long[t]
	return id, ok
}

func (v *vocab) set(t string, id int32) {
	if k, ok := pack(t); ok {
		v.short[k] = id
	} else {
		v.long[t] = id
	}
}

// renumber maps each term id to renum[id], dropping terms mapped to -1.
func (v *vocab) renumber(renum []int32) {
	for k, id := range v.short {
		if renum[id] < 0 {
			delete(v.short, k)
		} else {
			v.short[k] = renum[id]
		}
	}
	for k, id := range v.long {
		if renum[id] < 0 {
			delete(v.long, k)
		} else {
			v.long[k] = renum[id]
		}
	}
}

// mask is a filter compiled against the index: which document slots and role codes pass.
type mask struct {
	all    bool
	docOK  []bool
	roleOK []bool
}

// sharedSet holds the shared collections, as "workspace\x00collection".
type sharedSet map[string]bool

func sharedKey(workspace, collection string) string { return workspace + "\x00" + collection }

// compile compiles f, whose scope sees its workspace's documents and those of shared.
func (ix *index) compile(f retrieval.Filter, shared sharedSet) mask {
	// A scope that holds every document filters nothing, as in a deployment of one workspace.
	scoped := !f.Scope.All() && ix.inWS[f.Scope.Workspace()] != len(ix.docSlot)
	if !scoped && f.Collection == "" && len(f.Kinds) == 0 && f.YearFrom == 0 && f.YearTo == 0 && len(f.Roles) == 0 {
		return mask{all: true}
	}
	m := mask{docOK: make([]bool, len(ix.docs)), roleOK: make([]bool, len(ix.roles))}
	for i, d := range ix.docs {
		m.docOK[i] = d.id != "" && docMatches(d, f) && (!scoped || sees(d, f.Scope, shared))
	}
	for i, r := range ix.roles {
		m.roleOK[i] = len(f.Roles) == 0 || slices.Contains(f.Roles, r)
	}
	return m
}

// sees reports whether sc may read document d: its workspace's, or of a shared collection.
func sees(d docEntry, sc retrieval.Scope, shared sharedSet) bool {
	return sc.Owns(d.workspace) || shared[sharedKey(d.workspace, d.collection)]
}

func docMatches(d docEntry, f retrieval.Filter) bool {
	if f.Collection != "" && d.collection != f.Collection {
		return false
	}
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, d.kind) {
		return false
	}
	if f.YearFrom == 0 && f.YearTo == 0 {
		return true
	}
	for _, y := range d.years {
		if (f.YearFrom == 0 || y >= f.YearFrom) && (f.YearTo == 0 || y <= f.YearTo) {
			return true
		}
	}
	return false
}

// ok reports whether slot s is live and passes the mask.
func (ix *index) ok(m mask, s int) bool {
	d := ix.docOf[s]
	return d >= 0 && (m.all || m.docOK[d] && m.roleOK[ix.roleOf[s]])
}

// scored is a slot with its score for a query.
type scored struct {
	slot  int32
	seq   int64
	score float32
}

// searchVector returns the k slots most similar to the normalised q that pass m, best first.
func (ix *index) searchVector(q []float32, k int, m mask) []scored {
	n := len(ix.seqs)
	if k <= 0 || ix.len() == 0 {
		return nil
	}
	workers := runtime.GOMAXPROCS(0)
	if n < parallelSlots || workers < 2 {
		return ix.scan(q, k, m, 0, n).sorted()
	}
	parts := make([]topK, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { parts[w] = ix.scan(q, k, m, lo, hi) })
	}
	wg.Wait()
	all := parts[0]
	for _, p := range parts[1:] {
		for _, s := range p.items {
			all.push(s)
		}
	}
	return all.sorted()
}

// scan keeps the best k of slots [lo, hi).
func (ix *index) scan(q []float32, k int, m mask, lo, hi int) topK {
	t := topK{k: k, items: make([]scored, 0, k)}
	dim := ix.dim
	for s := lo; s < hi; s++ {
		if !ix.ok(m, s) {
			continue
		}
		x := dot(q, ix.vecs[s*dim:(s+1)*dim])
		if len(t.items) < k || x >= t.items[0].score {
			t.push(scored{slot: int32(s), seq: ix.seqs[s], score: x})
		}
	}
	return t
}

// dot is the inner product of two vectors of the same length.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		x, y := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// scores is a pool of per-slot score buffers for keyword search.
var scores = sync.Pool{New: func() any { return new([]float32) }}

// searchKeyword returns the k live slots passing m with the highest BM25
// score for tokens, best first; a slot must contain at least one token.
func (ix *index) searchKeyword(tokens []string, k int, m mask) []scored {
	live := ix.len()
	if k <= 0 || live == 0 {
		return nil
	}
	buf := scores.Get().(*[]float32)
	defer scores.Put(buf)
	if cap(*buf) < len(ix.seqs) {
		*buf = make([]float32, len(ix.seqs))
	}
	acc := (*buf)[:len(ix.seqs)]
	defer clear(acc)

	// The BM25 length norm k1·(1 − b + b·len/avg) is a + c·len.
	avg := float64(ix.tokens) / float64(live)
	a, c := float32(bm25K1*(1-bm25B)), float32(bm25K1*bm25B/avg)
	seen := map[string]bool{}
	for _, t := range tokens {
		id, ok := ix.terms.get(t)
		if !ok || seen[t] {
			continue
		}
		seen[t] = true
		p := ix.post[id]
		df := int(p.n)
		if ix.dead > 0 {
			df = ix.liveEntries(p)
		}
		if df == 0 {
			continue
		}
		// Lucene's BM25 IDF, positive even for tokens in most passages.
		idf := math.Log(1 + (float64(live)-float64(df)+0.5)/(float64(df)+0.5))
		w := float32(idf * (bm25K1 + 1))
		slot := int32(0)
		for i := 0; i < len(p.data); {
			var d, tf uint64
			d, i = uvarint(p.data, i)
			tf, i = uvarint(p.data, i)
			slot += int32(d)
			f := float32(tf)
			acc[slot] += w * f / (f + a + c*float32(ix.lens[slot]))
		}
	}

	top := topK{k: k, items: make([]scored, 0, k)}
	for s, x := range acc {
		if x > 0 && (len(top.items) < k || x >= top.items[0].score) && ix.ok(m, s) {
			top.push(scored{slot: int32(s), seq: ix.seqs[s], score: x})
		}
	}
	return top.sorted()
}

// liveEntries counts the entries of p in live slots.
func (ix *index) liveEntries(p postings) int {
	n, slot := 0, int32(0)
	for i := 0; i < len(p.data); {
		var d uint64
		d, i = uvarint(p.data, i)
		_, i = uvarint(p.data, i)
		slot += int32(d)
		if ix.docOf[slot] >= 0 {
			n++
		}
	}
	return n
}

// topK is a bounded min-heap on score: items[0] is the worst kept.
type topK struct {
	k     int
	items []scored
}

// less orders the heap: lower score first, and on ties the later passage, so results are deterministic.
func less(a, b scored) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.seq > b.seq
}

func (t *topK) push(s scored) {
	h := t.items
	if len(h) < t.k {
		h = append(h, s)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !less(h[i], h[p]) {
				break
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
		t.items = h
		return
	}
	if !less(h[0], s) {
		return
	}
	h[0] = s
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && less(h[c+1], h[c]) {
			c++
		}
		if !less(h[c], h[i]) {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// sorted returns the kept items best first.
func (t topK) sorted() []scored {
	out := slices.Clone(t.items)
	slices.SortFunc(out, func(a, b scored) int {
		switch {
		case less(b, a):
			return -1
		case less(a, b):
			return 1
		}
		return 0
	})
	return out
}

// appendNormalised appends v scaled to unit length (a zero vector stays zero).
func appendNormalised(dst, v []float32) []float32 {
	n := float32(math.Sqrt(float64(dot(v, v))))
	if n == 0 {
		n = 1
	}
	for _, x := range v {
		dst = append(dst, x/n)
	}
	return dst
}

// encodeVector stores v as little-endian float32s.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// decodeVector reads little-endian float32s.
func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
