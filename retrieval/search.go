package retrieval

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/sync/errgroup"
	"golang.org/x/text/width"
)

// Query is a hybrid search request.
type Query struct {
	Text   string `json:"query"`
	K      int    `json:"k"`
	Filter Filter `json:"filters"`
	// Prefer ranks passages of documents of these organisation and document kinds ahead of others
	// found about as well: a boost, not a filter.
	Prefer Preference `json:"prefer,omitzero"`
}

// Preference names the organisation kinds (OrgKinds()) and document kinds (Kinds()) a search
// prefers. A document's kinds are those stored with it (as ingested, or as corrected by PATCH);
// its title gives one that is not stored (DetectMeta).
type Preference struct {
	OrgKinds []string `json:"org_kinds,omitempty"`
	Kinds    []string `json:"kinds,omitempty"`
}

// preferBoost is what each preferred kind a passage's document has adds to its fused score: half
// of what ranking first in one method gives, so a preferred passage passes others found about as
// well, never one found much better.
const preferBoost = 0.5 / (rrfK + 1)

// OrgKinds lists the organisation kinds DetectMeta assigns.
func OrgKinds() []string {
	out := make([]string, len(orgKinds))
	for i, k := range orgKinds {
		out[i] = k.kind
	}
	return out
}

// Search limits.
const (
	DefaultK = 10
	MaxK     = 100
	// rrfK damps the weight of top ranks in reciprocal rank fusion (Cormack et al. use 60).
	rrfK = 60
	// nearDuplicate is the character-trigram Jaccard similarity above which two passages are one.
	nearDuplicate = 0.8
)

// Result is one passage found by hybrid search, with the parts of its score.
type Result struct {
	PassageID     string `json:"passage_id"`
	DocumentID    string `json:"document_id"`
	DocumentTitle string `json:"document_title"`
	// DocumentOrgKind and DocumentKind are the kinds filters.org_kinds and prefer went by: the
	// document's stored ones, else those its title names; "" if neither says.
	DocumentOrgKind string   `json:"document_org_kind,omitempty"`
	DocumentKind    string   `json:"document_kind,omitempty"`
	HeadingPath     []string `json:"heading_path"`
	Text            string   `json:"text"`
	Role            string   `json:"role,omitempty"`
	Placeholders    bool     `json:"placeholders"`
	Score           float64  `json:"score"`
	VectorRank      int      `json:"vector_rank,omitempty"`
	VectorScore     float64  `json:"vector_score,omitempty"`
	KeywordRank     int      `json:"keyword_rank,omitempty"`
	KeywordScore    float64  `json:"keyword_score,omitempty"`
}

// Heading returns the heading path as one line, "一、… > （三）…".
func (r Result) Heading() string { return strings.Join(r.HeadingPath, " > ") }

// Mode selects which searches Search runs; evaluation compares them.
type Mode int

// Search modes.
const (
	Hybrid Mode = iota
	VectorOnly
	KeywordOnly
)

// Searcher runs hybrid search: vector kNN and keyword search over a Store,
// fused by reciprocal rank fusion, near-duplicates returned once.
type Searcher struct {
	Store Store
	Embed Embedder
	Mode  Mode
}

// Roles lists the section roles a passage can have, for validation and help.
var Roles = []string{RoleOverview, RoleAchievements, RolePlans, RoleProblems}

// Kinds lists the document kinds DetectMeta assigns.
func Kinds() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.kind
	}
	return out
}

// Validate checks and normalises q: a non-empty query and 1 ≤ K ≤ MaxK (0 means DefaultK).
func (q *Query) Validate() error {
	q.Text = strings.TrimSpace(q.Text)
	if q.Text == "" {
		return Errorf(EINVALID, "查询内容为空")
	}
	if q.K == 0 {
		q.K = DefaultK
	}
	if q.K < 0 || q.K > MaxK {
		return Errorf(EINVALID, "k 应在 1 到 %d 之间，收到的是 %d", MaxK, q.K)
	}
	if f := q.Filter; f.YearFrom != 0 && f.YearTo != 0 && f.YearFrom > f.YearTo {
		return Errorf(EINVALID, "filters.year_from（%d）晚于 filters.year_to（%d）", f.YearFrom, f.YearTo)
	}
	for _, r := range q.Filter.Roles {
		if !slices.Contains(Roles, r) {
			return Errorf(EINVALID, "filters.roles：未知的段落类型 %q，可选：%s", r, strings.Join(Roles, ", "))
		}
	}
	for _, k := range q.Filter.Kinds {
		if !slices.Contains(Kinds(), k) {
			return Errorf(EINVALID, "filters.kinds：未知的文种 %q，可选：%s", k, strings.Join(Kinds(), ", "))
		}
	}
	for field, ks := range map[string][]string{"filters.org_kinds": q.Filter.OrgKinds, "prefer.org_kinds": q.Prefer.OrgKinds} {
		for _, k := range ks {
			if !slices.Contains(OrgKinds(), k) {
				return Errorf(EINVALID, "%s：未知的单位类型 %q，可选：%s", field, k, strings.Join(OrgKinds(), ", "))
			}
		}
	}
	for _, k := range q.Prefer.Kinds {
		if !slices.Contains(Kinds(), k) {
			return Errorf(EINVALID, "prefer.kinds：未知的文种 %q，可选：%s", k, strings.Join(Kinds(), ", "))
		}
	}
	return nil
}

// CandidateSearcher is a Store with a cheaper vector search for candidates
// that rank fusion reorders: an approximate index may search a narrower beam,
// missing a few true neighbours far down the list that fusion would rarely
// have kept.
type CandidateSearcher interface {
	// SearchVectorCandidates is SearchVector with recall traded for speed.
	SearchVectorCandidates(ctx context.Context, vec []float32, k int, f Filter) ([]Hit, error)
}

// Search returns up to q.K results, best first.
func (s *Searcher) Search(ctx context.Context, q Query) ([]Result, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	// Ask each method for more than k: fusion reorders and duplicates are dropped, and an
	// organisation kind filters what the stores found.
	n := max(3*q.K, 30)
	if len(q.Filter.OrgKinds) > 0 {
		n = max(10*q.K, 100)
	}
	// The two legs are independent; on PostgreSQL they run on two connections at once, so hybrid
	// search costs about the slower leg, not their sum.
	var vec, kw []Hit
	g, gctx := errgroup.WithContext(ctx)
	if s.Mode != KeywordOnly {
		g.Go(func() error {
			vs, err := s.Embed(gctx, []string{q.Text})
			if err != nil {
				return fmt.Errorf("search: embed query: %w", err)
			}
			search := s.Store.SearchVector
			if cs, ok := s.Store.(CandidateSearcher); ok && s.Mode == Hybrid {
				search = cs.SearchVectorCandidates
			}
			if vec, err = search(gctx, vs[0], n, q.Filter); err != nil {
				return fmt.Errorf("search: vector: %w", err)
			}
			return nil
		})
	}
	if s.Mode != VectorOnly {
		g.Go(func() error {
			var err error
			if kw, err = s.Store.SearchKeyword(gctx, QueryTokens(q.Text), n, q.Filter); err != nil {
				return fmt.Errorf("search: keyword: %w", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	order := fuse(vec, kw)
	// A document's kinds are those stored with it; its title gives those that are not (documents
	// stored before kinds were detected). A title is read once per search.
	fromTitle := map[string]Meta{}
	for _, r := range order {
		if r.DocumentOrgKind != "" && r.DocumentKind != "" {
			continue
		}
		m, ok := fromTitle[r.DocumentID]
		if !ok {
			m = DetectMeta(r.DocumentTitle, "")
			fromTitle[r.DocumentID] = m
		}
		r.DocumentOrgKind, r.DocumentKind = cmp.Or(r.DocumentOrgKind, m.OrgKind), cmp.Or(r.DocumentKind, m.Kind)
	}
	aside := len(q.Filter.Roles) == 0 // glossaries and annexes go behind the body
	if len(q.Filter.OrgKinds) == 0 && len(q.Prefer.OrgKinds) == 0 && len(q.Prefer.Kinds) == 0 {
		if aside {
			for _, r := range order {
				r.Score -= asidePenalty(r.Role)
			}
			sort.SliceStable(order, func(i, j int) bool { return order[i].Score > order[j].Score })
		}
		return distinct(order, q.K), nil
	}
	kept := order[:0]
	for _, r := range order {
		if aside {
			r.Score -= asidePenalty(r.Role)
		}
		if len(q.Filter.OrgKinds) > 0 && !slices.Contains(q.Filter.OrgKinds, r.DocumentOrgKind) {
			continue
		}
		if slices.Contains(q.Prefer.OrgKinds, r.DocumentOrgKind) {
			r.Score += preferBoost
		}
		if slices.Contains(q.Prefer.Kinds, r.DocumentKind) {
			r.Score += preferBoost
		}
		kept = append(kept, r)
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Score > kept[j].Score })
	return distinct(kept, q.K), nil
}

// asidePenalty is what a passage of role loses from its fused score in a search that names no
// role: a glossary's or an annex's explanation of a term matches a query on that term closely but
// is not what a writer looks for, so it goes behind body passages found about as well — by about
// three ranks at the top of one method's list — never out.
func asidePenalty(role string) float64 {
	if role == RoleGlossary || role == RoleAnnex {
		return 1.0/(rrfK+1) - 1.0/(rrfK+4)
	}
	return 0
}

// Fuse merges ranked vector and keyword hits by reciprocal rank fusion and
// returns the best k, skipping passages that nearly duplicate a better one.
func Fuse(vec, kw []Hit, k int) []Result { return distinct(fuse(vec, kw), k) }

// fuse merges ranked vector and keyword hits by reciprocal rank fusion, best first.
func fuse(vec, kw []Hit) []*Result {
	byID := map[string]*Result{}
	var order []*Result
	add := func(h Hit, rank int, isVec bool) {
		r := byID[h.Passage.ID]
		if r == nil {
			r = &Result{
				PassageID:       h.Passage.ID,
				DocumentID:      h.Passage.DocumentID,
				DocumentTitle:   h.DocumentTitle,
				DocumentOrgKind: h.DocumentOrgKind,
				DocumentKind:    h.DocumentKind,
				HeadingPath:     h.Passage.HeadingPath,
				Text:            h.Passage.Text,
				Role:            h.Passage.Role,
				Placeholders:    h.Passage.HasPlaceholders(),
			}
			byID[h.Passage.ID] = r
			order = append(order, r)
		}
		r.Score += 1 / float64(rrfK+rank)
		if isVec {
			r.VectorRank, r.VectorScore = rank, h.Score
		} else {
			r.KeywordRank, r.KeywordScore = rank, h.Score
		}
	}
	for i, h := range vec {
		add(h, i+1, true)
	}
	for i, h := range kw {
		add(h, i+1, false)
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Score > order[j].Score })
	return order
}

// distinct returns the best k results of order, skipping those that nearly duplicate a better one.
func distinct(order []*Result, k int) []Result {
	var out []Result
	var kept []map[string]struct{}
	for _, r := range order {
		if len(out) == k {
			break
		}
		g := trigrams(r.Text)
		dup := false
		for _, o := range kept {
			if jaccard(g, o) >= nearDuplicate {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		kept = append(kept, g)
		out = append(out, *r)
	}
	return out
}

// trigrams returns the set of character trigrams of s, ignoring spaces,
// punctuation and full-/half-width differences (the same text copied by two
// sites often differs in just those).
func trigrams(s string) map[string]struct{} {
	rs := make([]rune, 0, len(s)/3)
	for _, r := range width.Fold.String(s) {
		if !unicode.IsSpace(r) && !unicode.IsPunct(r) && !unicode.IsSymbol(r) {
			rs = append(rs, r)
		}
	}
	g := make(map[string]struct{}, len(rs))
	for i := 0; i+3 <= len(rs); i++ {
		g[string(rs[i:i+3])] = struct{}{}
	}
	if len(rs) < 3 && len(rs) > 0 {
		g[string(rs)] = struct{}{}
	}
	return g
}

func jaccard(a, b map[string]struct{}) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	inter := 0
	for x := range a {
		if _, ok := b[x]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
