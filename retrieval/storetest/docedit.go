package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/draftd/draftd/retrieval"
)

func ptr(s string) *string { return &s }

// hitsOf returns the document IDs and titles both searches find for 医疗 under f.
func hitsOf(t *testing.T, s retrieval.Store, f retrieval.Filter) (ids, titles []string) {
	t.Helper()
	for _, h := range append(searchVector(t, s, vec(8, 1), 10, f), searchKeyword(t, s, "医疗", 10, f)...) {
		ids = append(ids, h.Passage.DocumentID)
		titles = append(titles, h.DocumentTitle)
	}
	return ids, titles
}

func testUpdateDocument(t *testing.T, open opener) {
	ctx := t.Context()
	s := ready(t, open, 8)
	d := newDoc("edit", passage("全年医疗救助工作稳步推进。", vec(8, 1)))
	d.Meta = retrieval.Meta{Kind: "总结", Years: []int{2024}, Period: "全年", OrgKind: "教育"}
	put(t, s, d, retrieval.PutCreated)
	rival := newDoc("rival", passage("档案整理。", vec(8, 0, 1)))
	rival.Collection, rival.Key = "归档", d.Key
	put(t, s, rival, retrieval.PutCreated)

	before := time.Now().Add(-time.Second)
	info, err := s.UpdateDocument(ctx, retrieval.Scope{}, d.ID, retrieval.DocumentChange{
		Title: ptr("青禾县卫生健康局2024年工作总结"), Kind: ptr("计划"), Period: ptr("上半年"), OrgKind: ptr("卫生健康"),
		Collection: ptr("main"), // unchanged: not an edit
	}, "王撰稿")
	if err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	after := time.Now().Add(time.Second)
	wantMeta := retrieval.Meta{Kind: "计划", Years: []int{2024}, Period: "上半年", OrgKind: "卫生健康"}
	if info.ID != d.ID || info.Title != "青禾县卫生健康局2024年工作总结" || info.Collection != "main" || !metaEqual(info.Meta, wantMeta) || info.Passages != 1 {
		t.Fatalf("UpdateDocument answered %+v", info)
	}

	t.Run("the document reads back changed and nothing else re-derived", func(t *testing.T) {
		got, err := s.Document(ctx, retrieval.Scope{}, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != info.Title || !metaEqual(got.Meta, wantMeta) || got.Key != d.Key || got.Text != d.Text ||
			len(got.Passages) != 1 || got.Passages[0].Text != d.Passages[0].Text {
			t.Fatalf("Document after the change = %+v", got)
		}
		infos, err := s.Documents(ctx, retrieval.Scope{}, "main")
		if err != nil || len(infos) != 1 || infos[0].Title != info.Title || !metaEqual(infos[0].Meta, wantMeta) {
			t.Fatalf("Documents after the change = %+v, %v", infos, err)
		}
	})
	t.Run("searches filter by the new kind and show the new title", func(t *testing.T) {
		ids, titles := hitsOf(t, s, retrieval.Filter{Kinds: []string{"计划"}})
		if len(ids) != 2 || ids[0] != d.ID || ids[1] != d.ID || titles[0] != info.Title || titles[1] != info.Title {
			t.Fatalf("searches of kind 计划 found %v titled %v", ids, titles)
		}
		if ids, _ := hitsOf(t, s, retrieval.Filter{Kinds: []string{"总结"}, Collection: "main"}); len(ids) != 0 {
			t.Fatalf("searches of the old kind still find %v", ids)
		}
	})
	t.Run("a move to another collection moves the search filter too", func(t *testing.T) {
		if _, err := s.UpdateDocument(ctx, retrieval.Scope{}, d.ID, retrieval.DocumentChange{Collection: ptr("卫健")}, "李审核"); err != nil {
			t.Fatal(err)
		}
		if ids, _ := hitsOf(t, s, retrieval.Filter{Collection: "卫健"}); len(ids) != 2 || ids[0] != d.ID {
			t.Fatalf("searches of the new collection found %v", ids)
		}
		if ids, _ := hitsOf(t, s, retrieval.Filter{Collection: "main"}); len(ids) != 0 {
			t.Fatalf("searches of the old collection still find %v", ids)
		}
	})
	t.Run("a move into a collection holding the same key conflicts and changes nothing", func(t *testing.T) {
		_, err := s.UpdateDocument(ctx, retrieval.Scope{}, d.ID, retrieval.DocumentChange{Collection: ptr("归档"), Title: ptr("不应保存")}, "李审核")
		wantCode(t, err, retrieval.ECONFLICT, "UpdateDocument into a collection with the same key")
		got, err := s.Document(ctx, retrieval.Scope{}, d.ID)
		if err != nil || got.Collection != "卫健" || got.Title != info.Title {
			t.Fatalf("after the conflict: %+v, %v", got, err)
		}
	})
	t.Run("every changed field is audited in order with who and when", func(t *testing.T) {
		// Setting a field to its current value is no edit.
		if _, err := s.UpdateDocument(ctx, retrieval.Scope{}, d.ID, retrieval.DocumentChange{Kind: ptr("计划")}, "赵某"); err != nil {
			t.Fatal(err)
		}
		es, err := s.DocumentEdits(ctx, retrieval.Scope{}, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		type edit struct{ field, old, new, by string }
		want := []edit{
			{"title", "关于edit的工作总结", "青禾县卫生健康局2024年工作总结", "王撰稿"},
			{"kind", "总结", "计划", "王撰稿"},
			{"period", "全年", "上半年", "王撰稿"},
			{"org_kind", "教育", "卫生健康", "王撰稿"},
			{"collection", "main", "卫健", "李审核"},
		}
		var got []edit
		for _, e := range es {
			got = append(got, edit{e.Field, e.Old, e.New, e.By})
			if e.DocumentID != d.ID || e.At.Before(before) || e.At.After(after) {
				t.Errorf("edit %+v: document or time wrong", e)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("DocumentEdits = %+v\nwant %+v", got, want)
		}
		if es, err := s.DocumentEdits(ctx, retrieval.Scope{}, rival.ID); err != nil || len(es) != 0 {
			t.Fatalf("DocumentEdits of a document never edited = %+v, %v", es, err)
		}
	})
	t.Run("an unknown document is not found", func(t *testing.T) {
		_, err := s.UpdateDocument(ctx, retrieval.Scope{}, "nope", retrieval.DocumentChange{Title: ptr("x")}, "王撰稿")
		wantCode(t, err, retrieval.ENOTFOUND, "UpdateDocument of an unknown document")
		_, err = s.DocumentEdits(ctx, retrieval.Scope{}, "nope")
		wantCode(t, err, retrieval.ENOTFOUND, "DocumentEdits of an unknown document")
	})
}

// testDocumentEditIsolation: another workspace cannot change a document, shared or not, nor read
// the edits of one it cannot read.
func testDocumentEditIsolation(t *testing.T, s WorkspaceStore) {
	ctx := t.Context()
	a, b := twoWorkspaces(t, s)
	shared, private := docIn("default", "公开报告", "shared", 1), docIn("default", "main", "private", 1)
	put(t, s, shared, retrieval.PutCreated)
	put(t, s, private, retrieval.PutCreated)
	if err := s.ShareCollection(ctx, a, "公开报告", true); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*retrieval.Document{shared, private} {
		_, err := s.UpdateDocument(ctx, b, d.ID, retrieval.DocumentChange{Title: ptr("篡改")}, "外人")
		wantCode(t, err, retrieval.ENOTFOUND, "UpdateDocument in b of a's document "+d.ID)
	}
	if got, err := s.Document(ctx, a, shared.ID); err != nil || got.Title != shared.Title {
		t.Fatalf("a's shared document after b's attempt: %+v, %v", got, err)
	}
	if _, err := s.UpdateDocument(ctx, a, private.ID, retrieval.DocumentChange{Title: ptr("新标题")}, "王撰稿"); err != nil {
		t.Fatal(err)
	}
	_, err := s.DocumentEdits(ctx, b, private.ID)
	wantCode(t, err, retrieval.ENOTFOUND, "DocumentEdits in b of a's private document")
	if es, err := s.DocumentEdits(ctx, b, shared.ID); err != nil || len(es) != 0 {
		t.Fatalf("DocumentEdits in b of a's shared document = %+v, %v", es, err)
	}
}
