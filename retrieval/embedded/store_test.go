package embedded_test

import (
	"context"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/storetest"
)

// open returns a fresh store in a temporary directory, closed when the test ends.
func open(t *testing.T, _ int) retrieval.Store {
	t.Helper()
	s, err := embedded.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, open)
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := embedded.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	spec := retrieval.EmbedderSpec{Name: "test-v1", Dim: 4}
	if err := s.CheckEmbedder(ctx, spec); err != nil {
		t.Fatalf("CheckEmbedder: %v", err)
	}
	kept := testDoc("kept", "城市管理局推进垃圾分类。", []float32{1, 0, 0, 0})
	gone := testDoc("gone", "城市管理局整治占道经营。", []float32{0, 1, 0, 0})
	for _, d := range []*retrieval.Document{kept, gone} {
		if _, err := s.Put(ctx, d); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	if err := s.Delete(ctx, retrieval.Scope{}, gone.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = reopen(t, dir)
	if _, err := s.Document(ctx, retrieval.Scope{}, kept.ID); err != nil {
		t.Errorf("Document after reopening: %v", err)
	}
	if _, err := s.Document(ctx, retrieval.Scope{}, gone.ID); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
		t.Errorf("Document of the deleted document after reopening: %v, want not found", err)
	}
	if hits, err := s.SearchVector(ctx, []float32{1, 0, 0, 0}, 5, retrieval.Filter{}); err != nil || len(hits) != 1 || hits[0].Passage.ID != kept.Passages[0].ID {
		t.Errorf("SearchVector after reopening = %+v, %v; want the kept passage", hits, err)
	}
	if hits, err := s.SearchKeyword(ctx, retrieval.QueryTokens("垃圾分类"), 5, retrieval.Filter{}); err != nil || len(hits) != 1 {
		t.Errorf("SearchKeyword after reopening = %+v, %v; want the kept passage", hits, err)
	}
	if hits, err := s.SearchKeyword(ctx, retrieval.QueryTokens("占道经营"), 5, retrieval.Filter{}); err != nil || len(hits) != 0 {
		t.Errorf("SearchKeyword for the deleted text after reopening = %+v, %v; want nothing", hits, err)
	}
	if err := s.CheckEmbedder(ctx, spec); err != nil {
		t.Errorf("CheckEmbedder with the recorded spec after reopening: %v", err)
	}
	if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "other", Dim: 4}); retrieval.ErrorCode(err) != retrieval.EEMBEDDERMISMATCH {
		t.Errorf("CheckEmbedder with another spec after reopening: %v, want a mismatch", err)
	}
}

func TestPutRejectsAnIDTakenByAnotherDocument(t *testing.T) {
	s := open(t, 4).(*embedded.Store)
	a := testDoc("same-id", "第一份。", []float32{1, 0, 0, 0})
	b := testDoc("same-id", "第二份。", []float32{0, 1, 0, 0})
	b.Key = "another key"
	if _, err := s.Put(t.Context(), a); err != nil {
		t.Fatalf("Put: %v", err)
	}
	_, err := s.Put(t.Context(), b)
	if code := retrieval.ErrorCode(err); code != retrieval.ECONFLICT {
		t.Fatalf("Put of another document with a taken ID = %v, want code %s", err, retrieval.ECONFLICT)
	}
	if hits, err := s.SearchVector(t.Context(), []float32{0, 1, 0, 0}, 1, retrieval.Filter{}); err != nil || hits[0].Passage.Text != "第一份。" {
		t.Errorf("SearchVector = %+v, %v; want only the first document", hits, err)
	}
}

func TestReindexCatchesUpPutsMadeMeanwhile(t *testing.T) {
	ctx := t.Context()
	s := open(t, 4).(*embedded.Store)
	if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "old", Dim: 4}); err != nil {
		t.Fatal(err)
	}
	early := testDoc("early", "早到的文件。", []float32{1, 0, 0, 0})
	late := testDoc("late", "迟到的文件。", []float32{0, 1, 0, 0})
	if _, err := s.Put(ctx, early); err != nil {
		t.Fatal(err)
	}
	axes := map[string]int{"早到": 0, "迟到": 1}
	embed := func(ctx context.Context, texts []string) ([][]float32, error) {
		if late.CreatedAt.IsZero() { // first call: a put arrives while the reindex runs
			if _, err := s.Put(ctx, late); err != nil {
				return nil, err
			}
		}
		out := make([][]float32, len(texts))
		for i, text := range texts {
			out[i] = make([]float32, 6)
			for word, axis := range axes {
				if strings.Contains(text, word) {
					out[i][axis] = 1
				}
			}
		}
		return out, nil
	}
	if err := s.Reindex(ctx, retrieval.EmbedderSpec{Name: "new", Dim: 6}, embed, nil); err != nil {
		t.Fatalf("Reindex: %v", err)
	}
	for word, axis := range axes {
		q := make([]float32, 6)
		q[axis] = 1
		hits, err := s.SearchVector(ctx, q, 1, retrieval.Filter{})
		if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Passage.Text, word) || hits[0].Score < 0.999 {
			t.Errorf("SearchVector for %s = %+v, %v; want its passage re-embedded", word, hits, err)
		}
	}
}

// testDoc returns a document with one passage.
func testDoc(name, text string, vec []float32) *retrieval.Document {
	id := "doc-" + name
	return &retrieval.Document{
		ID: id, Collection: "main", Key: name, Title: name, Hash: name, Text: text,
		Passages: []retrieval.Passage{{ID: id + "-p0", DocumentID: id, Text: text, Embedding: vec}},
	}
}

func reopen(t *testing.T, dir string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(t.Context(), dir)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSearchHitsCarryTheTitleOfTheDocumentAsLastPut(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := embedded.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	doc := testDoc("report", "水务局推进河道治理。", []float32{1, 0, 0, 0})
	doc.Title = "水务局2024年工作总结（初稿）"
	if _, err := s.Put(ctx, doc); err != nil {
		t.Fatal(err)
	}
	doc = testDoc("report", "水务局推进河道治理和污水管网建设。", []float32{1, 0, 0, 0})
	doc.ID, doc.Passages[0].ID, doc.Passages[0].DocumentID = "doc-report-2", "doc-report-2-p0", "doc-report-2"
	doc.Hash, doc.Title = "second", "水务局2024年工作总结"
	if st, err := s.Put(ctx, doc); err != nil || st != retrieval.PutReplaced {
		t.Fatalf("Put of the new version = %s, %v; want it replaced", st, err)
	}
	check := func(when string, s *embedded.Store) {
		t.Helper()
		vec, err := s.SearchVector(ctx, []float32{1, 0, 0, 0}, 5, retrieval.Filter{})
		if err != nil || len(vec) != 1 || vec[0].DocumentTitle != doc.Title {
			t.Errorf("SearchVector %s = %+v, %v; want one hit titled %q", when, vec, err, doc.Title)
		}
		kw, err := s.SearchKeyword(ctx, retrieval.QueryTokens("河道治理"), 5, retrieval.Filter{})
		if err != nil || len(kw) != 1 || kw[0].DocumentTitle != doc.Title {
			t.Errorf("SearchKeyword %s = %+v, %v; want one hit titled %q", when, kw, err, doc.Title)
		}
	}
	check("after the replacing Put", s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check("after reopening", reopen(t, dir))
}

func TestWorkspaces(t *testing.T) {
	storetest.RunWorkspaces(t, func(t *testing.T) storetest.WorkspaceStore { return open(t, 0).(*embedded.Store) })
}
