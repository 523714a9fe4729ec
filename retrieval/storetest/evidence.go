package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/retrieval"
)

// edgeDoc returns a document of collection keyed key whose text is text, stored at at.
func edgeDoc(collection, key, text string, at time.Time) *retrieval.Document {
	d := newDoc(strings.TrimSuffix(key, ".txt"), passage("青禾县档案工作。", vec(8, 1)))
	d.Collection, d.Key, d.Text, d.CreatedAt = collection, key, text, at
	return d
}

func testDocumentEdges(t *testing.T, open opener) {
	ctx := t.Context()
	s := ready(t, open, 8)
	// A text longer than two edges, in runes of three bytes and of one: ends are cut by runes.
	long := "青禾县人民政府门户网站\n" + strings.Repeat("全年办理政务服务事项1.2万件，群众满意率99%。\n", 200) + "青禾县人民政府办公室主办"
	short := "青禾县人民政府门户网站\n全年新建校舍3所。\n青禾县人民政府办公室主办"
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	put(t, s, edgeDoc("site", "long.txt", long, base), retrieval.PutCreated)
	put(t, s, edgeDoc("site", "short.txt", short, base.Add(time.Hour)), retrieval.PutCreated)
	put(t, s, edgeDoc("site", "newest.txt", short+"\n附：联系电话", base.Add(2*time.Hour)), retrieval.PutCreated)
	put(t, s, edgeDoc("other", "elsewhere.txt", short, base.Add(3*time.Hour)), retrieval.PutCreated)

	edges, err := s.DocumentEdges(ctx, retrieval.Scope{}, "site", nil, 10)
	if err != nil {
		t.Fatalf("DocumentEdges: %v", err)
	}
	var keys []string
	for _, e := range edges {
		keys = append(keys, e.Key)
	}
	if fmt.Sprint(keys) != "[newest.txt short.txt long.txt]" {
		t.Fatalf("DocumentEdges listed %v, want the collection's documents newest first", keys)
	}
	t.Run("a text longer than an edge gives its first and last EdgeRunes runes", func(t *testing.T) {
		e, rs := edges[2], []rune(long)
		if e.ID != "doc-long" || e.Head != string(rs[:retrieval.EdgeRunes]) || e.Tail != string(rs[len(rs)-retrieval.EdgeRunes:]) {
			t.Fatalf("edges of the long text: id %q, head %d runes ending %q, tail %d runes starting %q", e.ID,
				len([]rune(e.Head)), string([]rune(e.Head)[max(0, len([]rune(e.Head))-10):]), len([]rune(e.Tail)), string([]rune(e.Tail)[:min(10, len([]rune(e.Tail)))]))
		}
	})
	t.Run("a short text is all head", func(t *testing.T) {
		if e := edges[1]; e.Head != short || e.Tail != "" {
			t.Fatalf("edges of the short text: %+v", e)
		}
	})
	t.Run("limit and except bound the documents", func(t *testing.T) {
		got, err := s.DocumentEdges(ctx, retrieval.Scope{}, "site", []string{"newest.txt", "absent.txt"}, 1)
		if err != nil || len(got) != 1 || got[0].Key != "short.txt" {
			t.Fatalf("DocumentEdges(except newest, limit 1) = %+v, %v", got, err)
		}
		if got, err := s.DocumentEdges(ctx, retrieval.Scope{}, "empty", nil, 5); err != nil || len(got) != 0 {
			t.Fatalf("DocumentEdges of an empty collection = %+v, %v", got, err)
		}
	})
	t.Run("every workspace at once or no limit is invalid", func(t *testing.T) {
		_, err := s.DocumentEdges(ctx, retrieval.AllWorkspaces(), "site", nil, 5)
		wantCode(t, err, retrieval.EINVALID, "DocumentEdges(AllWorkspaces)")
		_, err = s.DocumentEdges(ctx, retrieval.Scope{}, "site", nil, 0)
		wantCode(t, err, retrieval.EINVALID, "DocumentEdges(limit 0)")
	})
}

// testDocumentEdgesIsolation: a workspace learns nothing from another's documents, even of a
// collection of the same name that is shared.
func testDocumentEdgesIsolation(t *testing.T, s WorkspaceStore) {
	a, b := twoWorkspaces(t, s)
	d := edgeDoc("site", "a.txt", "青禾县人民政府门户网站\n全年新建校舍3所。", time.Time{})
	d.Workspace = a.Workspace()
	put(t, s, d, retrieval.PutCreated)
	if err := s.ShareCollection(t.Context(), a, "site", true); err != nil {
		t.Fatal(err)
	}
	if got, err := s.DocumentEdges(t.Context(), b, "site", nil, 5); err != nil || len(got) != 0 {
		t.Fatalf("workspace b read the edges of a's documents: %+v, %v", got, err)
	}
	if got, err := s.DocumentEdges(t.Context(), a, "site", nil, 5); err != nil || len(got) != 1 {
		t.Fatalf("workspace a reads its own: %+v, %v", got, err)
	}
}

// testSearchStoredKinds: both searches return each document's stored organisation kind and kind,
// and a search's organisation kind filter and preference go by them, so that a corrected kind
// (UpdateDocument) changes what the filter keeps at once.
func testSearchStoredKinds(t *testing.T, open opener) {
	ctx := t.Context()
	s := ready(t, open, 8)
	// The titles name no organisation: only what is stored tells the kinds apart.
	clinic := newDoc("clinic", passage("全年家庭医生签约服务覆盖12万人，基层医疗服务能力持续提升。", vec(8, 1, 0.1)))
	clinic.Title, clinic.Meta = "2024年工作总结", retrieval.Meta{OrgKind: "教育", Kind: "总结"}
	school := newDoc("school", passage("全年新建校舍3所，基层医疗服务进校园活动覆盖学生1万人。", vec(8, 1, 0.2)))
	school.Title, school.Meta = "2024年工作情况", retrieval.Meta{OrgKind: "教育", Kind: "计划"}
	put(t, s, clinic, retrieval.PutCreated)
	put(t, s, school, retrieval.PutCreated)

	t.Run("both searches return the stored kinds with each hit", func(t *testing.T) {
		hits := append(searchVector(t, s, vec(8, 1), 10, retrieval.Filter{}), searchKeyword(t, s, "基层医疗", 10, retrieval.Filter{})...)
		if len(hits) != 4 {
			t.Fatalf("%d hits, want both passages from both searches", len(hits))
		}
		for _, h := range hits {
			want := map[string]string{clinic.ID: "总结", school.ID: "计划"}[h.Passage.DocumentID]
			if h.DocumentOrgKind != "教育" || h.DocumentKind != want {
				t.Errorf("hit of %s: organisation kind %q and kind %q, want 教育 and %s", h.Passage.DocumentID, h.DocumentOrgKind, h.DocumentKind, want)
			}
		}
	})
	searcher := &retrieval.Searcher{Store: s, Embed: func(_ context.Context, texts []string) ([][]float32, error) {
		out := make([][]float32, len(texts))
		for i := range texts {
			out[i] = vec(8, 1)
		}
		return out, nil
	}}
	found := func(t *testing.T, q retrieval.Query) []string {
		t.Helper()
		q.Text = "基层医疗服务"
		res, err := searcher.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var docs []string
		for _, r := range res {
			docs = append(docs, r.DocumentID)
		}
		return docs
	}
	health := retrieval.Filter{OrgKinds: []string{"卫生健康"}}
	if got := found(t, retrieval.Query{Filter: health}); len(got) != 0 {
		t.Fatalf("before the correction the 卫生健康 filter kept %v", got)
	}
	if got := found(t, retrieval.Query{Filter: retrieval.Filter{OrgKinds: []string{"教育"}}}); len(got) != 2 {
		t.Fatalf("the 教育 filter kept %v, want both documents as stored", got)
	}
	if _, err := s.UpdateDocument(ctx, retrieval.Scope{}, clinic.ID, retrieval.DocumentChange{OrgKind: ptr("卫生健康")}, "王撰稿"); err != nil {
		t.Fatal(err)
	}
	t.Run("a corrected organisation kind changes what the filter keeps", func(t *testing.T) {
		if got := found(t, retrieval.Query{Filter: health}); fmt.Sprint(got) != fmt.Sprint([]string{clinic.ID}) {
			t.Fatalf("after the correction the 卫生健康 filter kept %v, want [%s]", got, clinic.ID)
		}
		if got := found(t, retrieval.Query{Filter: retrieval.Filter{OrgKinds: []string{"教育"}}}); fmt.Sprint(got) != fmt.Sprint([]string{school.ID}) {
			t.Fatalf("after the correction the 教育 filter kept %v, want [%s]", got, school.ID)
		}
	})
	t.Run("preferences go by the stored kinds", func(t *testing.T) {
		// The clinic's passage is nearer the query; preferring 计划 (the school's stored kind,
		// which its title does not name) puts the school first.
		if got := found(t, retrieval.Query{}); len(got) != 2 || got[0] != clinic.ID {
			t.Fatalf("without a preference found %v, want %s first", got, clinic.ID)
		}
		if got := found(t, retrieval.Query{Prefer: retrieval.Preference{Kinds: []string{"计划"}}}); len(got) != 2 || got[0] != school.ID {
			t.Fatalf("preferring 计划 found %v, want %s first", got, school.ID)
		}
		if got := found(t, retrieval.Query{Prefer: retrieval.Preference{OrgKinds: []string{"教育"}}}); len(got) != 2 || got[0] != school.ID {
			t.Fatalf("preferring 教育 found %v, want %s first", got, school.ID)
		}
	})
}
