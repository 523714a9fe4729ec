// Package storetest is the conformance suite every retrieval.Store runs.
//
// Beyond the comments on retrieval.Store, the suite holds stores to these:
// Put keeps a non-zero CreatedAt as given; Put of an embedding whose dimension
// is not the recorded embedder's fails with EINVALID and stores nothing; a
// replacement may reuse the old version's IDs; a Reindex whose embedder fails
// leaves the store as it was; missing documents are ENOTFOUND errors
// (errors.As finds a *retrieval.Error).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/retrieval"
)

// Run runs the conformance suite against stores made by open; each call of open returns a new, empty store
// with vectors of dimension dim (cleaned up via t.Cleanup by the opener). The store open returns has no
// embedder recorded yet: the suite records one with CheckEmbedder before it puts anything.
func Run(t *testing.T, open func(t *testing.T, dim int) retrieval.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, open opener)
	}{
		{"Ping answers on a fresh store", testPing},
		{"Put creates, leaves an unchanged document alone and replaces a changed one", testPutStatuses},
		{"Put replaces a document that keeps its IDs", testPutReplaceSameIDs},
		{"Put with a wrong-dimension embedding stores nothing", testPutAtomic},
		{"Document round-trips every field and orders passages by ordinal", testDocumentRoundTrip},
		{"Document of a missing ID is not found", testDocumentNotFound},
		{"Documents lists newest first and filters by collection", testDocuments},
		{"Delete removes a document and its passages", testDelete},
		{"UpdateDocument changes a document's description, its search filters follow and each change is audited", testUpdateDocument},
		{"SearchVector ranks passages by cosine similarity", testSearchVectorOrder},
		{"Both searches apply collection, kind, year and role filters", testFilters},
		{"Searches return k hits when only a few far passages match the filter", testSelectiveFilter},
		{"SearchKeyword finds a two-character word inside longer text", testKeywordBigram},
		{"SearchKeyword ranks passages matching more query tokens higher", testKeywordRanking},
		{"SearchKeyword matches the heading path", testKeywordHeading},
		{"SearchKeyword returns nothing for absent tokens", testKeywordAbsent},
		{"CheckEmbedder records, accepts the recorded spec and rejects others", testCheckEmbedder},
		{"Reindex re-embeds every passage with a new dimension", testReindex},
		{"Reindex that fails leaves the store as it was", testReindexFailure},
		{"Concurrent puts and searches succeed", testConcurrent},
		{"DocumentEdges returns the ends of a collection's newest documents", testDocumentEdges},
		{"Searches go by the stored organisation kind and kind, corrections included", testSearchStoredKinds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open) })
	}
}

type opener = func(t *testing.T, dim int) retrieval.Store

// spec is the embedder the suite records for dimension dim.
func spec(dim int) retrieval.EmbedderSpec {
	return retrieval.EmbedderSpec{Name: fmt.Sprintf("storetest-%d", dim), Dim: dim}
}

// ready opens a store and records the suite's embedder for dim.
func ready(t *testing.T, open opener, dim int) retrieval.Store {
	t.Helper()
	s := open(t, dim)
	if err := s.CheckEmbedder(t.Context(), spec(dim)); err != nil {
		t.Fatalf("CheckEmbedder on a fresh store: %v", err)
	}
	return s
}

// vec returns a unit vector of dimension dim whose first components are lead.
func vec(dim int, lead ...float32) []float32 {
	v := make([]float32, dim)
	copy(v, lead)
	return normalise(v)
}

func normalise(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i] = float32(float64(v[i]) / n)
	}
	return v
}

// passage returns a passage with text and embedding; newDoc fills in its IDs.
func passage(text string, embedding []float32) retrieval.Passage {
	return retrieval.Passage{Text: text, Embedding: embedding}
}

// newDoc returns a document named name in collection "main" with ps as its
// passages, numbered in order, with IDs derived from name.
func newDoc(name string, ps ...retrieval.Passage) *retrieval.Document {
	d := &retrieval.Document{
		ID:         "doc-" + name,
		Collection: "main",
		Key:        name + ".txt",
		Title:      "关于" + name + "的工作总结",
		Hash:       "hash-" + name,
		Meta:       retrieval.Meta{Kind: "总结"},
	}
	var text []string
	for i := range ps {
		ps[i].ID = fmt.Sprintf("%s-p%d", d.ID, i)
		ps[i].DocumentID = d.ID
		ps[i].Ordinal = i
		text = append(text, ps[i].Text)
	}
	d.Text = strings.Join(text, "\n")
	d.Passages = ps
	return d
}

func put(t *testing.T, s retrieval.Store, d *retrieval.Document, want retrieval.PutStatus) {
	t.Helper()
	got, err := s.Put(t.Context(), d)
	if err != nil {
		t.Fatalf("Put %s: %v", d.ID, err)
	}
	if got != want {
		t.Fatalf("Put %s = %q, want %q", d.ID, got, want)
	}
}

func searchVector(t *testing.T, s retrieval.Store, v []float32, k int, f retrieval.Filter) []retrieval.Hit {
	t.Helper()
	hits, err := s.SearchVector(t.Context(), v, k, f)
	if err != nil {
		t.Fatalf("SearchVector(k=%d, %+v): %v", k, f, err)
	}
	checkRanks(t, "SearchVector", hits)
	return hits
}

func searchKeyword(t *testing.T, s retrieval.Store, query string, k int, f retrieval.Filter) []retrieval.Hit {
	t.Helper()
	hits, err := s.SearchKeyword(t.Context(), retrieval.QueryTokens(query), k, f)
	if err != nil {
		t.Fatalf("SearchKeyword(%q, k=%d, %+v): %v", query, k, f, err)
	}
	checkRanks(t, "SearchKeyword", hits)
	return hits
}

// checkRanks checks hits are ranked 1, 2, … with scores that do not increase.
func checkRanks(t *testing.T, method string, hits []retrieval.Hit) {
	t.Helper()
	for i, h := range hits {
		if h.Rank != i+1 {
			t.Errorf("%s: hit %d has Rank %d", method, i, h.Rank)
		}
		if i > 0 && h.Score > hits[i-1].Score+1e-9 {
			t.Errorf("%s: hit %d scores %g, more than hit %d (%g)", method, i, h.Score, i-1, hits[i-1].Score)
		}
	}
}

// ids returns the passage IDs of hits in order.
func ids(hits []retrieval.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Passage.ID
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	var e *retrieval.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v is not a *retrieval.Error (want code %s)", what, err, code)
	}
	if e.Code != code {
		t.Fatalf("%s: error code %q, want %q (%v)", what, e.Code, code, err)
	}
}

func testPing(t *testing.T, open opener) {
	s := open(t, 8)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testPutStatuses(t *testing.T, open opener) {
	ctx := t.Context()
	s := ready(t, open, 8)
	v1 := newDoc("a", passage("第一版：开展爱国卫生运动。", vec(8, 1)), passage("第一版：推进疫苗接种。", vec(8, 0, 1)))
	put(t, s, v1, retrieval.PutCreated)

	same := newDoc("a", passage("第一版：开展爱国卫生运动。", vec(8, 1)), passage("第一版：推进疫苗接种。", vec(8, 0, 1)))
	same.Title = "a title that must not be written"
	put(t, s, same, retrieval.PutUnchanged)
	if d, err := s.Document(ctx, retrieval.Scope{}, v1.ID); err != nil || d.Title != v1.Title {
		t.Fatalf("after an unchanged put, Document = %+v, %v; want the title %q kept", d, err, v1.Title)
	}

	v2 := newDoc("a-v2", passage("第二版：完善分级诊疗。", vec(8, 0, 0, 1)))
	v2.Key = v1.Key
	put(t, s, v2, retrieval.PutReplaced)

	if _, err := s.Document(ctx, retrieval.Scope{}, v1.ID); err == nil {
		t.Fatalf("Document of the replaced version succeeded")
	} else {
		wantCode(t, err, retrieval.ENOTFOUND, "Document of the replaced version")
	}
	d, err := s.Document(ctx, retrieval.Scope{}, v2.ID)
	if err != nil {
		t.Fatalf("Document of the new version: %v", err)
	}
	if got := len(d.Passages); got != 1 || d.Passages[0].ID != v2.Passages[0].ID {
		t.Fatalf("new version has passages %+v, want only %s", d.Passages, v2.Passages[0].ID)
	}
	docs, err := s.Documents(ctx, retrieval.Scope{}, "")
	if err != nil || len(docs) != 1 || docs[0].ID != v2.ID {
		t.Fatalf("Documents = %+v, %v; want only %s", docs, err, v2.ID)
	}
	if got := ids(searchVector(t, s, vec(8, 1), 10, retrieval.Filter{})); !slices.Equal(got, []string{v2.Passages[0].ID}) {
		t.Errorf("SearchVector after replace = %v, want only the new passage", got)
	}
	if got := ids(searchKeyword(t, s, "疫苗接种", 10, retrieval.Filter{})); len(got) != 0 {
		t.Errorf("SearchKeyword for the old text after replace = %v, want nothing", got)
	}
	if got := ids(searchKeyword(t, s, "分级诊疗", 10, retrieval.Filter{})); !slices.Equal(got, []string{v2.Passages[0].ID}) {
		t.Errorf("SearchKeyword for the new text = %v, want the new passage", got)
	}

	other := newDoc("a-other", passage("另一个集合里的同名文件。", vec(8, 1, 1)))
	other.Key, other.Collection = v1.Key, "other"
	put(t, s, other, retrieval.PutCreated)
}

func testPutReplaceSameIDs(t *testing.T, open opener) {
	ctx := t.Context()
	s := ready(t, open, 8)
	v1 := newDoc("b", passage("旧文本：加强安全生产。", vec(8, 1)), passage("旧文本：整治消防隐患。", vec(8, 0, 1)))
	put(t, s, v1, retrieval.PutCreated)
	v2 := newDoc("b", passage("新文本：优化营商环境。", vec(8, 0, 0, 1)))
	v2.Hash = "hash-b-2"
	put(t, s, v2, retrieval.PutReplaced)

	d, err := s.Document(ctx, retrieval.Scope{}, v2.ID)
	if err != nil {
		t.Fatalf("Document: %v", err)
	}
	if len(d.Passages) != 1 || d.Passages[0].Text != v2.Passages[0].Text || d.Hash != v2.Hash {
		t.Fatalf("Document after replace = %+v, want the new version only", d)
	}
	if got := ids(searchKeyword(t, s, "消防", 10, retrieval.Filter{})); len(got) != 0 {
		t.Errorf("SearchKeyword for old text = %v, want nothing", got)
	}
	hits := searchVector(t, s, vec(8, 0, 0, 1), 10, retrieval.Filter{})
	if len(hits) != 1 || hits[0].Passage.Text != v2.Passages[0].Text {
		t.Errorf("SearchVector after replace = %+v, want the new passage only", hits)
	}
}

func testPutAtomic(t *testing.T, open opener) {
	ctx := t.Context()
	s := ready(t, open, 8)
	v1 := newDoc("c", passage("原有版本：推进河长制。", vec(8, 1)))
	put(t, s, v1, retrieval.PutCreated)

	tests := []struct {
		name string
		doc  *retrieval.Document
	}{
		{"a new version whose second passage is too short", func() *retrieval.Document {
			d := newDoc("c-v2", passage("新版本第一段：发展林下经济。", vec(8, 0, 1)), passage("新版本第二段。", vec(4, 1)))
			d.Key = v1.Key
			return d
		}()},
		{"a new document whose passage is too long", newDoc("d", passage("新文件：治理大气污染。", vec(12, 1)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Put(ctx, tt.doc)
			if err == nil {
				t.Fatalf("Put succeeded")
			}
			wantCode(t, err, retrieval.EINVALID, "Put")
			if _, err := s.Document(ctx, retrieval.Scope{}, tt.doc.ID); err == nil {
				t.Errorf("the failed document was stored")
			}
		})
	}
	d, err := s.Document(ctx, retrieval.Scope{}, v1.ID)
	if err != nil || len(d.Passages) != 1 || d.Passages[0].Text != v1.Passages[0].Text {
		t.Fatalf("earlier version after failed puts = %+v, %v; want it untouched", d, err)
	}
	docs, err := s.Documents(ctx, retrieval.Scope{}, "")
	if err != nil || len(docs) != 1 {
		t.Fatalf("Documents = %+v, %v; want only the earlier version", docs, err)
	}
	if got := ids(searchKeyword(t, s, "林下经济", 10, retrieval.Filter{})); len(got) != 0 {
		t.Errorf("SearchKeyword finds passages of a failed put: %v", got)
	}
	if got := ids(searchVector(t, s, vec(8, 0, 1), 10, retrieval.Filter{})); !slices.Equal(got, []string{v1.Passages[0].ID}) {
		t.Errorf("SearchVector = %v, want only the earlier version's passage", got)
	}
}

func testDocumentRoundTrip(t *testing.T, open opener) {
	s := ready(t, open, 8)
	d := newDoc("e",
		retrieval.Passage{Text: "一、主要成效。全年完成投资xx亿元。", HeadingPath: []string{"一、主要成效"}, Role: retrieval.RoleAchievements,
			Placeholders: []string{"xx"}, Embedding: vec(8, 1)},
		retrieval.Passage{Text: "二、存在问题。基层力量薄弱。", HeadingPath: []string{"二、存在问题", "（一）人员"}, Role: retrieval.RoleProblems,
			Embedding: vec(8, 0, 1)},
		retrieval.Passage{Text: "前言。", Embedding: vec(8, 0, 0, 1)},
	)
	d.Meta = retrieval.Meta{OrgKind: "卫生健康", Years: []int{2023, 2024}, Period: "全年", Kind: "总结"}
	d.Warnings = []string{"编码已从 GB18030 转换"}
	d.CreatedAt = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	// Ordinals out of slice order: the store must order by ordinal.
	d.Passages[0].Ordinal, d.Passages[1].Ordinal, d.Passages[2].Ordinal = 1, 2, 0
	put(t, s, d, retrieval.PutCreated)

	got, err := s.Document(t.Context(), retrieval.Scope{}, d.ID)
	if err != nil {
		t.Fatalf("Document: %v", err)
	}
	if got.ID != d.ID || got.Collection != d.Collection || got.Key != d.Key || got.Title != d.Title ||
		got.Hash != d.Hash || got.Text != d.Text {
		t.Errorf("Document = %+v, want %+v", got, d)
	}
	if !metaEqual(got.Meta, d.Meta) {
		t.Errorf("Meta = %+v, want %+v", got.Meta, d.Meta)
	}
	if !slices.Equal(got.Warnings, d.Warnings) {
		t.Errorf("Warnings = %q, want %q", got.Warnings, d.Warnings)
	}
	if !got.CreatedAt.Equal(d.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, d.CreatedAt)
	}
	want := []retrieval.Passage{d.Passages[2], d.Passages[0], d.Passages[1]}
	if len(got.Passages) != len(want) {
		t.Fatalf("Document has %d passages, want %d", len(got.Passages), len(want))
	}
	for i, p := range got.Passages {
		w := want[i]
		if p.ID != w.ID || p.DocumentID != w.DocumentID || p.Ordinal != w.Ordinal || p.Text != w.Text || p.Role != w.Role ||
			!slices.Equal(p.HeadingPath, w.HeadingPath) || !slices.Equal(p.Placeholders, w.Placeholders) {
			t.Errorf("passage %d = %+v, want %+v", i, p, w)
		}
		if p.Embedding != nil {
			t.Errorf("passage %d carries its embedding", i)
		}
	}
}

// metaEqual compares metas, counting nil and empty year lists as equal.
func metaEqual(a, b retrieval.Meta) bool {
	return a.OrgKind == b.OrgKind && a.Period == b.Period && a.Kind == b.Kind && slices.Equal(a.Years, b.Years)
}

func testDocumentNotFound(t *testing.T, open opener) {
	s := ready(t, open, 8)
	_, err := s.Document(t.Context(), retrieval.Scope{}, "doc-missing")
	if err == nil {
		t.Fatalf("Document of a missing ID succeeded")
	}
	wantCode(t, err, retrieval.ENOTFOUND, "Document")
}

func testDocuments(t *testing.T, open opener) {
	s := ready(t, open, 8)
	t0 := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	var docs []*retrieval.Document
	for i, c := range []string{"a", "b", "a"} {
		d := newDoc(fmt.Sprint("f", i), passage("正文一。", vec(8, 1)), passage("正文二。", vec(8, 0, 1)))
		d.Collection = c
		d.CreatedAt = t0.Add(time.Duration(i) * time.Hour)
		d.Warnings = []string{fmt.Sprint("warning ", i)}
		d.Meta.Years = []int{2020 + i}
		put(t, s, d, retrieval.PutCreated)
		docs = append(docs, d)
	}
	tests := []struct {
		collection string
		want       []*retrieval.Document
	}{
		{"", []*retrieval.Document{docs[2], docs[1], docs[0]}},
		{"a", []*retrieval.Document{docs[2], docs[0]}},
		{"b", []*retrieval.Document{docs[1]}},
		{"none", nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("collection %q", tt.collection), func(t *testing.T) {
			got, err := s.Documents(t.Context(), retrieval.Scope{}, tt.collection)
			if err != nil {
				t.Fatalf("Documents: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Documents = %+v, want %d documents", got, len(tt.want))
			}
			for i, g := range got {
				w := tt.want[i]
				if g.ID != w.ID || g.Collection != w.Collection || g.Key != w.Key || g.Title != w.Title || g.Passages != 2 ||
					!metaEqual(g.Meta, w.Meta) || !slices.Equal(g.Warnings, w.Warnings) || !g.CreatedAt.Equal(w.CreatedAt) {
					t.Errorf("Documents[%d] = %+v, want %s with 2 passages", i, g, w.ID)
				}
			}
		})
	}
}

func testDelete(t *testing.T, open opener) {
	ctx := t.Context()
	s := ready(t, open, 8)
	gone := newDoc("g", passage("删除对象：垃圾分类。", vec(8, 1)))
	kept := newDoc("h", passage("保留对象：污水处理。", vec(8, 0, 1)))
	put(t, s, gone, retrieval.PutCreated)
	put(t, s, kept, retrieval.PutCreated)

	if err := s.Delete(ctx, retrieval.Scope{}, gone.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Document(ctx, retrieval.Scope{}, gone.ID); err == nil {
		t.Errorf("Document of a deleted document succeeded")
	}
	if docs, err := s.Documents(ctx, retrieval.Scope{}, ""); err != nil || len(docs) != 1 || docs[0].ID != kept.ID {
		t.Errorf("Documents after Delete = %+v, %v; want only %s", docs, err, kept.ID)
	}
	if got := ids(searchVector(t, s, vec(8, 1), 10, retrieval.Filter{})); !slices.Equal(got, []string{kept.Passages[0].ID}) {
		t.Errorf("SearchVector after Delete = %v, want only the kept passage", got)
	}
	if got := ids(searchKeyword(t, s, "垃圾分类", 10, retrieval.Filter{})); len(got) != 0 {
		t.Errorf("SearchKeyword after Delete = %v, want nothing", got)
	}
	err := s.Delete(ctx, retrieval.Scope{}, gone.ID)
	if err == nil {
		t.Fatalf("second Delete succeeded")
	}
	wantCode(t, err, retrieval.ENOTFOUND, "second Delete")
}

func testSearchVectorOrder(t *testing.T, open opener) {
	s := ready(t, open, 8)
	a := newDoc("i",
		passage("正交。", vec(8, 0, 1)),
		passage("完全相同。", vec(8, 1)),
		passage("夹角较大。", vec(8, 0.6, 0.8)),
	)
	b := newDoc("j",
		passage("夹角较小。", vec(8, 0.8, 0.6)),
		passage("方向相反。", vec(8, -1)),
	)
	put(t, s, a, retrieval.PutCreated)
	put(t, s, b, retrieval.PutCreated)

	tests := []struct {
		k          int
		wantIDs    []string
		wantScores []float64
	}{
		{3, []string{a.Passages[1].ID, b.Passages[0].ID, a.Passages[2].ID}, []float64{1, 0.8, 0.6}},
		{10, []string{a.Passages[1].ID, b.Passages[0].ID, a.Passages[2].ID, a.Passages[0].ID, b.Passages[1].ID}, []float64{1, 0.8, 0.6, 0, -1}},
		{1, []string{a.Passages[1].ID}, []float64{1}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("k=%d", tt.k), func(t *testing.T) {
			hits := searchVector(t, s, vec(8, 1), tt.k, retrieval.Filter{})
			if got := ids(hits); !slices.Equal(got, tt.wantIDs) {
				t.Fatalf("SearchVector = %v, want %v", got, tt.wantIDs)
			}
			for i, h := range hits {
				if math.Abs(h.Score-tt.wantScores[i]) > 1e-4 {
					t.Errorf("hit %d Score = %g, want cosine %g", i, h.Score, tt.wantScores[i])
				}
			}
		})
	}
	hit := searchVector(t, s, vec(8, 0.8, 0.6), 1, retrieval.Filter{})[0]
	if hit.DocumentTitle != b.Title || hit.Passage.Text != b.Passages[0].Text || hit.Passage.DocumentID != b.ID ||
		hit.Passage.Ordinal != 0 {
		t.Errorf("hit = %+v, want passage %s of %q", hit, b.Passages[0].ID, b.Title)
	}
}

func testFilters(t *testing.T, open opener) {
	s := ready(t, open, 8)
	// Every passage mentions 工作 and lies near the query vector.
	a := newDoc("k",
		retrieval.Passage{Text: "甲单位工作成效。", Role: retrieval.RoleAchievements, Embedding: vec(8, 1, 0.1)},
		retrieval.Passage{Text: "甲单位工作问题。", Role: retrieval.RoleProblems, Embedding: vec(8, 1, 0.2)},
	)
	a.Collection, a.Meta = "c1", retrieval.Meta{Kind: "总结", Years: []int{2023, 2024}}
	b := newDoc("l",
		retrieval.Passage{Text: "乙单位工作计划。", Role: retrieval.RolePlans, Embedding: vec(8, 1, 0.3)},
		retrieval.Passage{Text: "乙单位工作概述。", Role: retrieval.RoleOverview, Embedding: vec(8, 1, 0.4)},
	)
	b.Collection, b.Meta = "c2", retrieval.Meta{Kind: "计划", Years: []int{2025}}
	c := newDoc("m",
		retrieval.Passage{Text: "丙单位工作成效。", Role: retrieval.RoleAchievements, Embedding: vec(8, 1, 0.5)},
	)
	c.Collection, c.Meta = "c1", retrieval.Meta{Kind: "总结"}
	for _, d := range []*retrieval.Document{a, b, c} {
		put(t, s, d, retrieval.PutCreated)
	}
	a0, a1, b0, b1, c0 := a.Passages[0].ID, a.Passages[1].ID, b.Passages[0].ID, b.Passages[1].ID, c.Passages[0].ID

	tests := []struct {
		name   string
		filter retrieval.Filter
		want   []string
	}{
		{"no filter", retrieval.Filter{}, []string{a0, a1, b0, b1, c0}},
		{"collection", retrieval.Filter{Collection: "c1"}, []string{a0, a1, c0}},
		{"unknown collection", retrieval.Filter{Collection: "c9"}, nil},
		{"one kind", retrieval.Filter{Kinds: []string{"计划"}}, []string{b0, b1}},
		{"two kinds", retrieval.Filter{Kinds: []string{"总结", "计划"}}, []string{a0, a1, b0, b1, c0}},
		{"years from", retrieval.Filter{YearFrom: 2024}, []string{a0, a1, b0, b1}},
		{"years to", retrieval.Filter{YearTo: 2023}, []string{a0, a1}},
		{"a single year", retrieval.Filter{YearFrom: 2024, YearTo: 2024}, []string{a0, a1}},
		{"a year range between a document's years", retrieval.Filter{YearFrom: 2025, YearTo: 2030}, []string{b0, b1}},
		{"years nobody has", retrieval.Filter{YearFrom: 2026}, nil},
		{"one role", retrieval.Filter{Roles: []string{retrieval.RoleAchievements}}, []string{a0, c0}},
		{"two roles", retrieval.Filter{Roles: []string{retrieval.RolePlans, retrieval.RoleProblems}}, []string{a1, b0}},
		{"collection and role", retrieval.Filter{Collection: "c1", Roles: []string{retrieval.RoleProblems}}, []string{a1}},
		{"kind and years", retrieval.Filter{Kinds: []string{"总结"}, YearFrom: 2020}, []string{a0, a1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := sorted(tt.want)
			if got := sorted(ids(searchVector(t, s, vec(8, 1), 100, tt.filter))); !slices.Equal(got, want) {
				t.Errorf("SearchVector = %v, want %v", got, want)
			}
			if got := sorted(ids(searchKeyword(t, s, "工作", 100, tt.filter))); !slices.Equal(got, want) {
				t.Errorf("SearchKeyword = %v, want %v", got, want)
			}
		})
	}
}

func testSelectiveFilter(t *testing.T, open opener) {
	const dim, k = 16, 10
	s := ready(t, open, dim)
	rng := rand.New(rand.NewPCG(1, 2))
	q := vec(dim, 1)
	// near returns a vector close to q, far one close to -q.
	noisy := func(sign float32) []float32 {
		v := make([]float32, dim)
		v[0] = sign
		for i := 1; i < dim; i++ {
			v[i] = float32(rng.NormFloat64() * 0.1)
		}
		return normalise(v)
	}
	var matching []string
	for d := range 20 {
		var ps []retrieval.Passage
		for i := range 15 {
			p := retrieval.Passage{Role: retrieval.RoleOverview, Text: "重点工作，重点工作，重点工作。", Embedding: noisy(1)}
			if d%4 == 0 && i%4 == 0 { // 5 documents × 4 passages = 20 matching passages
				p = retrieval.Passage{Role: retrieval.RoleProblems, Text: "重点工作以外的大量说明文字，篇幅较长，关键词只出现一次。", Embedding: noisy(-1)}
			}
			ps = append(ps, p)
		}
		doc := newDoc(fmt.Sprint("bulk", d), ps...)
		put(t, s, doc, retrieval.PutCreated)
		for _, p := range doc.Passages {
			if p.Role == retrieval.RoleProblems {
				matching = append(matching, p.ID)
			}
		}
	}
	var ps []retrieval.Passage
	for range 12 {
		ps = append(ps, retrieval.Passage{Text: "重点工作以外的大量说明文字，篇幅较长。", Embedding: noisy(-1)})
	}
	far := newDoc("faraway", ps...)
	far.Collection = "rare"
	put(t, s, far, retrieval.PutCreated)
	var rare []string
	for _, p := range far.Passages {
		rare = append(rare, p.ID)
	}

	tests := []struct {
		name    string
		filter  retrieval.Filter
		allowed []string
	}{
		{"role filter", retrieval.Filter{Roles: []string{retrieval.RoleProblems}}, matching},
		{"collection filter", retrieval.Filter{Collection: "rare"}, rare},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for method, hits := range map[string][]retrieval.Hit{
				"SearchVector":  searchVector(t, s, q, k, tt.filter),
				"SearchKeyword": searchKeyword(t, s, "重点工作", k, tt.filter),
			} {
				if len(hits) != k {
					t.Errorf("%s returned %d hits, want %d", method, len(hits), k)
				}
				for _, id := range ids(hits) {
					if !slices.Contains(tt.allowed, id) {
						t.Errorf("%s returned %s, which does not match the filter", method, id)
					}
				}
			}
		})
	}
}

func testKeywordBigram(t *testing.T, open opener) {
	s := ready(t, open, 8)
	health := newDoc("n", passage("全面推进公共卫生服务体系建设，群众满意度持续提升。", vec(8, 1)))
	other := newDoc("o", passage("全面推进交通基础设施建设，群众出行更加便捷。", vec(8, 0, 1)))
	put(t, s, health, retrieval.PutCreated)
	put(t, s, other, retrieval.PutCreated)

	hits := searchKeyword(t, s, "卫生", 10, retrieval.Filter{})
	if got := ids(hits); !slices.Equal(got, []string{health.Passages[0].ID}) {
		t.Fatalf("SearchKeyword(卫生) = %v, want only %s", got, health.Passages[0].ID)
	}
	if hits[0].DocumentTitle != health.Title || hits[0].Passage.Text != health.Passages[0].Text || hits[0].Score <= 0 {
		t.Errorf("hit = %+v, want the passage with its title and a positive score", hits[0])
	}
}

func testKeywordRanking(t *testing.T, open opener) {
	s := ready(t, open, 8)
	// Query tokens 医保, 养老, 托育; passages of equal length match three, two or one of them.
	texts := []string{
		"本年度医保，养老，托育，均有进展。",
		"本年度医保，养老，交通，均有进展。",
		"本年度医保，水利，交通，均有进展。",
		"本年度教育，水利，交通，均有进展。",
		"本年度教育，文化，交通，均有进展。",
		"本年度教育，文化，体育，均有进展。",
		"本年度环保，文化，体育，均有进展。",
		"本年度环保，林业，体育，均有进展。",
	}
	var ps []retrieval.Passage
	for i, text := range texts {
		ps = append(ps, passage(text, vec(8, 1, float32(i))))
	}
	d := newDoc("p", ps...)
	put(t, s, d, retrieval.PutCreated)

	got := ids(searchKeyword(t, s, "医保、养老、托育", 10, retrieval.Filter{}))
	want := []string{d.Passages[0].ID, d.Passages[1].ID, d.Passages[2].ID}
	if !slices.Equal(got, want) {
		t.Errorf("SearchKeyword = %v, want %v (three, two, one matching tokens)", got, want)
	}
	if got := ids(searchKeyword(t, s, "医保、养老、托育", 2, retrieval.Filter{})); !slices.Equal(got, want[:2]) {
		t.Errorf("SearchKeyword with k=2 = %v, want %v", got, want[:2])
	}
}

func testKeywordHeading(t *testing.T, open opener) {
	s := ready(t, open, 8)
	d := newDoc("q", retrieval.Passage{HeadingPath: []string{"三、安全生产"}, Text: "开展专项检查二十次。", Embedding: vec(8, 1)})
	put(t, s, d, retrieval.PutCreated)
	if got := ids(searchKeyword(t, s, "安全生产", 10, retrieval.Filter{})); !slices.Equal(got, []string{d.Passages[0].ID}) {
		t.Errorf("SearchKeyword(安全生产) = %v, want the passage under that heading", got)
	}
}

func testKeywordAbsent(t *testing.T, open opener) {
	s := ready(t, open, 8)
	put(t, s, newDoc("r", passage("推进乡村振兴，发展特色产业。", vec(8, 1))), retrieval.PutCreated)
	for _, query := range []string{"航天", "zebra", ""} {
		if got := ids(searchKeyword(t, s, query, 10, retrieval.Filter{})); len(got) != 0 {
			t.Errorf("SearchKeyword(%q) = %v, want nothing", query, got)
		}
	}
}

func testCheckEmbedder(t *testing.T, open opener) {
	ctx := t.Context()
	s := open(t, 8)
	recorded := spec(8)
	if err := s.CheckEmbedder(ctx, recorded); err != nil {
		t.Fatalf("CheckEmbedder on an empty store: %v", err)
	}
	if err := s.CheckEmbedder(ctx, recorded); err != nil {
		t.Fatalf("CheckEmbedder with the recorded spec: %v", err)
	}
	put(t, s, newDoc("s", passage("已有内容。", vec(8, 1))), retrieval.PutCreated)
	for _, other := range []retrieval.EmbedderSpec{{Name: "other-model", Dim: 8}, {Name: recorded.Name, Dim: 12}} {
		err := s.CheckEmbedder(ctx, other)
		if err == nil {
			t.Fatalf("CheckEmbedder(%+v) accepted a spec other than the recorded one", other)
		}
		wantCode(t, err, retrieval.EEMBEDDERMISMATCH, fmt.Sprintf("CheckEmbedder(%+v)", other))
		if msg := retrieval.ErrorMessage(err); !strings.Contains(msg, "draftd reindex") || !strings.Contains(msg, recorded.Name) {
			t.Errorf("mismatch message %q should name the recorded embedder and `draftd reindex`", msg)
		}
	}
	if err := s.CheckEmbedder(ctx, recorded); err != nil {
		t.Fatalf("CheckEmbedder with the recorded spec after a mismatch: %v", err)
	}
}

// embedByText returns an embedder of dimension dim that maps a text containing
// texts[i] to the i-th axis, and counts the texts it embeds.
func embedByText(dim int, texts []string, calls *int) retrieval.Embedder {
	return func(_ context.Context, in []string) ([][]float32, error) {
		out := make([][]float32, len(in))
		for j, text := range in {
			*calls++
			out[j] = make([]float32, dim)
			out[j][dim-1] = 1 // an unknown text
			for i, want := range texts {
				if strings.Contains(text, want) {
					clear(out[j])
					out[j][i] = 1
				}
			}
		}
		return out, nil
	}
}

func testReindex(t *testing.T, open opener) {
	ctx := t.Context()
	s := ready(t, open, 8)
	texts := []string{"第一段：脱贫攻坚。", "第二段：生态保护。", "第三段：社会保障。", "第四段：城市更新。", "第五段：数字政府。"}
	var ps []retrieval.Passage
	for i, text := range texts {
		ps = append(ps, retrieval.Passage{Text: text, HeadingPath: []string{fmt.Sprint("标题", i)}, Embedding: vec(8, 1, float32(i))})
	}
	d1 := newDoc("t", ps[:3]...)
	d2 := newDoc("u", ps[3:]...)
	put(t, s, d1, retrieval.PutCreated)
	put(t, s, d2, retrieval.PutCreated)

	next := retrieval.EmbedderSpec{Name: "storetest-next", Dim: 12}
	var calls int
	var progress [][2]int
	err := s.Reindex(ctx, next, embedByText(12, texts, &calls), func(done, total int) {
		progress = append(progress, [2]int{done, total})
	})
	if err != nil {
		t.Fatalf("Reindex: %v", err)
	}
	if calls < len(texts) {
		t.Errorf("embedder got %d texts, want at least %d", calls, len(texts))
	}
	if len(progress) == 0 || progress[len(progress)-1] != [2]int{len(texts), len(texts)} {
		t.Errorf("progress = %v, want it to end at (%d, %d)", progress, len(texts), len(texts))
	}
	for i := 1; i < len(progress); i++ {
		if progress[i][0] < progress[i-1][0] {
			t.Errorf("progress went backwards: %v", progress)
		}
	}

	if err := s.CheckEmbedder(ctx, next); err != nil {
		t.Errorf("CheckEmbedder with the new spec: %v", err)
	}
	err = s.CheckEmbedder(ctx, spec(8))
	if err == nil {
		t.Errorf("CheckEmbedder accepted the old spec after Reindex")
	} else {
		wantCode(t, err, retrieval.EEMBEDDERMISMATCH, "CheckEmbedder with the old spec")
	}
	all := append(slices.Clone(d1.Passages), d2.Passages...)
	for i, p := range all {
		q := make([]float32, 12)
		q[i] = 1
		hits := searchVector(t, s, q, 1, retrieval.Filter{})
		if len(hits) != 1 || hits[0].Passage.ID != p.ID || math.Abs(hits[0].Score-1) > 1e-4 {
			t.Errorf("SearchVector on axis %d = %+v, want %s with score 1", i, hits, p.ID)
		}
	}
	if got := ids(searchKeyword(t, s, "生态保护", 10, retrieval.Filter{})); !slices.Equal(got, []string{d1.Passages[1].ID}) {
		t.Errorf("SearchKeyword after Reindex = %v, want %s", got, d1.Passages[1].ID)
	}

	put(t, s, newDoc("v", passage("新维度的文件。", vec(12, 0, 0, 0, 0, 0, 0, 1))), retrieval.PutCreated)
	_, err = s.Put(ctx, newDoc("w", passage("旧维度的文件。", vec(8, 1))))
	if err == nil {
		t.Fatalf("Put with the old dimension succeeded after Reindex")
	}
	wantCode(t, err, retrieval.EINVALID, "Put with the old dimension")
}

func testReindexFailure(t *testing.T, open opener) {
	ctx := t.Context()
	s := ready(t, open, 8)
	d := newDoc("x", passage("第一段。", vec(8, 1)), passage("第二段。", vec(8, 0, 1)))
	put(t, s, d, retrieval.PutCreated)

	failing := func(context.Context, []string) ([][]float32, error) {
		return nil, errors.New("embedding service is down")
	}
	if err := s.Reindex(ctx, retrieval.EmbedderSpec{Name: "broken", Dim: 12}, failing, nil); err == nil {
		t.Fatalf("Reindex with a failing embedder succeeded")
	}
	if err := s.CheckEmbedder(ctx, spec(8)); err != nil {
		t.Errorf("CheckEmbedder with the old spec after a failed Reindex: %v", err)
	}
	if got := ids(searchVector(t, s, vec(8, 0, 1), 1, retrieval.Filter{})); !slices.Equal(got, []string{d.Passages[1].ID}) {
		t.Errorf("SearchVector after a failed Reindex = %v, want %s", got, d.Passages[1].ID)
	}
}

func testConcurrent(t *testing.T, open opener) {
	const writers, docsEach, readers = 4, 8, 4
	ctx := t.Context()
	s := ready(t, open, 8)
	var wg sync.WaitGroup
	errs := make(chan error, writers*docsEach+readers)
	for w := range writers {
		wg.Go(func() {
			for i := range docsEach {
				d := newDoc(fmt.Sprintf("conc-%d-%d", w, i),
					passage(fmt.Sprintf("并发写入第%d号文件，社区治理。", i), vec(8, float32(w+1), float32(i))),
					passage("平安建设。", vec(8, 0, 1)))
				if _, err := s.Put(ctx, d); err != nil {
					errs <- fmt.Errorf("Put %s: %w", d.ID, err)
				}
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for range 2 * docsEach {
				if _, err := s.SearchVector(ctx, vec(8, 1, 1), 5, retrieval.Filter{}); err != nil {
					errs <- fmt.Errorf("SearchVector: %w", err)
				}
				if _, err := s.SearchKeyword(ctx, retrieval.QueryTokens("社区治理"), 5, retrieval.Filter{Collection: "main"}); err != nil {
					errs <- fmt.Errorf("SearchKeyword: %w", err)
				}
				if _, err := s.Documents(ctx, retrieval.Scope{}, ""); err != nil {
					errs <- fmt.Errorf("Documents: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	docs, err := s.Documents(ctx, retrieval.Scope{}, "")
	if err != nil || len(docs) != writers*docsEach {
		t.Fatalf("Documents = %d documents, %v; want %d", len(docs), err, writers*docsEach)
	}
	if got := searchKeyword(t, s, "平安建设", 100, retrieval.Filter{}); len(got) != writers*docsEach {
		t.Errorf("SearchKeyword found %d passages, want %d", len(got), writers*docsEach)
	}
}
