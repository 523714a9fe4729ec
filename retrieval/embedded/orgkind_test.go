package embedded_test

import (
	"testing"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
)

// The index keeps each document's organisation kind and kind for search hits: as put, as
// corrected, and as read again from the database when the store is opened again.
func TestSearchHitsCarryTheStoredKindsAfterReopening(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := embedded.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	doc := testDoc("report", "水务局推进河道治理。", []float32{1, 0, 0, 0})
	doc.Meta = retrieval.Meta{OrgKind: "水利", Kind: "总结"}
	if _, err := s.Put(ctx, doc); err != nil {
		t.Fatal(err)
	}
	kind := "计划"
	if _, err := s.UpdateDocument(ctx, retrieval.Scope{}, doc.ID, retrieval.DocumentChange{Kind: &kind}, "王撰稿"); err != nil {
		t.Fatal(err)
	}
	check := func(when string, s *embedded.Store) {
		t.Helper()
		vec, err := s.SearchVector(ctx, []float32{1, 0, 0, 0}, 5, retrieval.Filter{})
		if err != nil || len(vec) != 1 || vec[0].DocumentOrgKind != "水利" || vec[0].DocumentKind != "计划" {
			t.Errorf("SearchVector %s = %+v, %v; want one hit of 水利 and 计划", when, vec, err)
		}
		kw, err := s.SearchKeyword(ctx, retrieval.QueryTokens("河道治理"), 5, retrieval.Filter{})
		if err != nil || len(kw) != 1 || kw[0].DocumentOrgKind != "水利" || kw[0].DocumentKind != "计划" {
			t.Errorf("SearchKeyword %s = %+v, %v; want one hit of 水利 and 计划", when, kw, err)
		}
	}
	check("after the correction", s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check("after opening the store again", reopen(t, dir))
}
