package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// WorkspaceStore is a store of everything a workspace owns: documents, collections, drafts, API
// keys and users.
type WorkspaceStore interface {
	retrieval.Store
	retrieval.WorkspaceStore
	draft.Store
	auth.Store
}

// RunWorkspaces runs the conformance suite for workspaces against stores made by open; each call
// of open returns a new, empty store (cleaned up via t.Cleanup by the opener) with no embedder
// recorded.
//
// Beyond the comments on the interfaces, the suite holds stores to these: the default workspace
// exists in a new store; rows stored with no workspace are the default one's; the zero Scope is
// the default workspace's; whatever another workspace owns is ErrNotFound, never another code.
func RunWorkspaces(t *testing.T, open func(t *testing.T) WorkspaceStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s WorkspaceStore)
	}{
		{"a new store has the default workspace, and CreateWorkspace adds others once", testCreateWorkspace},
		{"two workspaces may hold a document with the same collection and key", testSameKeyTwoWorkspaces},
		{"a workspace cannot read, list, search or delete another's documents", testDocumentIsolation},
		{"a shared collection is read, listed and searched by every workspace and changed by its own alone", testSharedCollection},
		{"a workspace cannot change another's documents, shared or not, nor read the edits of those it cannot read", testDocumentEditIsolation},
		{"a workspace cannot read, list or delete another's drafts", testDraftIsolation},
		{"keys and users are listed and revoked in their own workspace", testKeyUserIsolation},
		{"rows for a workspace that does not exist are not found", testMissingWorkspace},
		{"a workspace learns nothing from another's documents when it cleans an upload", testDocumentEdgesIsolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
	}
}

const dimWS = 8

// twoWorkspaces records the suite's embedder and adds workspace "b" beside the default one.
func twoWorkspaces(t *testing.T, s WorkspaceStore) (a, b retrieval.Scope) {
	t.Helper()
	if err := s.CheckEmbedder(t.Context(), spec(dimWS)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWorkspace(t.Context(), &retrieval.Workspace{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	return retrieval.InWorkspace(retrieval.DefaultWorkspace), retrieval.InWorkspace("b")
}

// docIn returns newDoc(name) in workspace ws and collection, with one passage about 医疗 in the
// direction of lead.
func docIn(ws, collection, name string, lead float32) *retrieval.Document {
	d := newDoc(name, passage("全年完成"+name+"医疗救助工作。", vec(dimWS, lead, 1)))
	d.Workspace, d.Collection = ws, collection
	d.ID = ws + "-" + d.ID
	for i := range d.Passages {
		d.Passages[i].ID = ws + "-" + d.Passages[i].ID
		d.Passages[i].DocumentID = d.ID
	}
	return d
}

func docIDs(infos []retrieval.DocumentInfo) []string {
	var out []string
	for _, d := range infos {
		out = append(out, d.ID)
	}
	return sorted(out)
}

// searchBoth returns the document IDs both searches find for 医疗 under f.
func searchBoth(t *testing.T, s WorkspaceStore, f retrieval.Filter) (vector, keyword []string) {
	t.Helper()
	for _, h := range searchVector(t, s, vec(dimWS, 1, 1), 10, f) {
		vector = append(vector, h.Passage.DocumentID)
	}
	for _, h := range searchKeyword(t, s, "医疗", 10, f) {
		keyword = append(keyword, h.Passage.DocumentID)
	}
	return sorted(vector), sorted(keyword)
}

func testCreateWorkspace(t *testing.T, s WorkspaceStore) {
	ctx := t.Context()
	def, err := s.Workspace(ctx, retrieval.DefaultWorkspace)
	if err != nil || def.Name != retrieval.DefaultWorkspace {
		t.Fatalf("Workspace(default) = %+v, %v", def, err)
	}
	w := &retrieval.Workspace{Name: "县卫健委", CreatedAt: time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)}
	if err := s.CreateWorkspace(ctx, w); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.CreateWorkspace(ctx, &retrieval.Workspace{Name: "县卫健委"}), retrieval.ECONFLICT, "CreateWorkspace of a taken name")
	wantCode(t, s.CreateWorkspace(ctx, &retrieval.Workspace{Name: "a b"}), retrieval.EINVALID, "CreateWorkspace of a name with a space")
	got, err := s.Workspace(ctx, "县卫健委")
	if err != nil || got.Name != w.Name || !got.CreatedAt.Equal(w.CreatedAt) {
		t.Fatalf("Workspace = %+v, %v; want %+v", got, err, w)
	}
	_, err = s.Workspace(ctx, "none")
	wantCode(t, err, retrieval.ENOTFOUND, "Workspace of an unknown name")
	all, err := s.Workspaces(ctx)
	if err != nil || len(all) != 2 || all[0].Name != retrieval.DefaultWorkspace || all[1].Name != "县卫健委" {
		t.Fatalf("Workspaces = %+v, %v", all, err)
	}
}

func testSameKeyTwoWorkspaces(t *testing.T, s WorkspaceStore) {
	a, b := twoWorkspaces(t, s)
	da, db := docIn("default", "main", "x", 1), docIn("b", "main", "x", 1)
	db.Hash = da.Hash
	put(t, s, da, retrieval.PutCreated)
	put(t, s, db, retrieval.PutCreated) // not unchanged: another workspace's document is another document
	put(t, s, db, retrieval.PutUnchanged)
	if got, err := s.Document(t.Context(), a, da.ID); err != nil || got.Workspace != "default" {
		t.Fatalf("Document in a = %+v, %v", got, err)
	}
	if got, err := s.Document(t.Context(), b, db.ID); err != nil || got.Workspace != "b" {
		t.Fatalf("Document in b = %+v, %v", got, err)
	}
	// A document put without a workspace is the default one's.
	d := docIn("", "main", "y", 1)
	put(t, s, d, retrieval.PutCreated)
	if d.Workspace != retrieval.DefaultWorkspace {
		t.Fatalf("Put left Workspace %q, want the default", d.Workspace)
	}
	if _, err := s.Document(t.Context(), retrieval.Scope{}, d.ID); err != nil {
		t.Fatalf("the zero Scope does not read the default workspace's document: %v", err)
	}
}

func testDocumentIsolation(t *testing.T, s WorkspaceStore) {
	ctx := t.Context()
	a, b := twoWorkspaces(t, s)
	da, db := docIn("default", "main", "a", 1), docIn("b", "main", "b", 1)
	put(t, s, da, retrieval.PutCreated)
	put(t, s, db, retrieval.PutCreated)

	_, err := s.Document(ctx, b, da.ID)
	wantCode(t, err, retrieval.ENOTFOUND, "Document of a's document in b")
	_, err = s.Document(ctx, a, db.ID)
	wantCode(t, err, retrieval.ENOTFOUND, "Document of b's document in a")
	for _, tc := range []struct {
		sc   retrieval.Scope
		want []string
	}{{a, []string{da.ID}}, {b, []string{db.ID}}, {retrieval.AllWorkspaces(), sorted([]string{da.ID, db.ID})}} {
		for _, collection := range []string{"", "main"} {
			infos, err := s.Documents(ctx, tc.sc, collection)
			if err != nil || !slices.Equal(docIDs(infos), tc.want) {
				t.Errorf("Documents(%q, %q) = %v, %v; want %v", tc.sc.Workspace(), collection, docIDs(infos), err, tc.want)
			}
		}
		if tc.sc.All() {
			continue
		}
		// Both searches, with and without other filters: only the scope's passages.
		for _, f := range []retrieval.Filter{{Scope: tc.sc}, {Scope: tc.sc, Collection: "main", Kinds: []string{"总结"}}} {
			vector, keyword := searchBoth(t, s, f)
			if !slices.Equal(vector, tc.want) || !slices.Equal(keyword, tc.want) {
				t.Errorf("searches in %s under %+v found %v and %v, want %v", tc.sc.Workspace(), f, vector, keyword, tc.want)
			}
		}
	}
	wantCode(t, s.Delete(ctx, b, da.ID), retrieval.ENOTFOUND, "Delete of a's document in b")
	if _, err := s.Document(ctx, a, da.ID); err != nil {
		t.Fatalf("a's document is gone after b tried to delete it: %v", err)
	}
	if err := s.Delete(ctx, b, db.ID); err != nil {
		t.Fatalf("b cannot delete its own document: %v", err)
	}
}

func testSharedCollection(t *testing.T, s WorkspaceStore) {
	ctx := t.Context()
	a, b := twoWorkspaces(t, s)
	public, private, own := docIn("default", "公开报告", "public", 1), docIn("default", "main", "private", 1), docIn("b", "main", "own", 1)
	for _, d := range []*retrieval.Document{public, private, own} {
		put(t, s, d, retrieval.PutCreated)
	}
	wantCode(t, s.ShareCollection(ctx, a, "none", true), retrieval.ENOTFOUND, "ShareCollection of a collection a has no document in")
	wantCode(t, s.ShareCollection(ctx, b, "公开报告", true), retrieval.ENOTFOUND, "ShareCollection by b of a's collection")
	if err := s.ShareCollection(ctx, a, "公开报告", true); err != nil {
		t.Fatal(err)
	}
	if err := s.ShareCollection(ctx, a, "公开报告", true); err != nil {
		t.Fatalf("sharing a shared collection again: %v", err)
	}

	if _, err := s.Document(ctx, b, public.ID); err != nil {
		t.Errorf("b cannot read a document of a's shared collection: %v", err)
	}
	_, err := s.Document(ctx, b, private.ID)
	wantCode(t, err, retrieval.ENOTFOUND, "Document in b of a's collection that is not shared")
	want := sorted([]string{public.ID, own.ID})
	if infos, err := s.Documents(ctx, b, ""); err != nil || !slices.Equal(docIDs(infos), want) {
		t.Errorf("Documents in b = %v, %v; want %v", docIDs(infos), err, want)
	}
	if infos, err := s.Documents(ctx, b, "公开报告"); err != nil || !slices.Equal(docIDs(infos), []string{public.ID}) {
		t.Errorf("Documents in b of 公开报告 = %v, %v; want %v", docIDs(infos), err, []string{public.ID})
	}
	vector, keyword := searchBoth(t, s, retrieval.Filter{Scope: b})
	if !slices.Equal(vector, want) || !slices.Equal(keyword, want) {
		t.Errorf("searches in b found %v and %v, want %v", vector, keyword, want)
	}
	vector, keyword = searchBoth(t, s, retrieval.Filter{Scope: b, Collection: "公开报告"})
	if !slices.Equal(vector, []string{public.ID}) || !slices.Equal(keyword, []string{public.ID}) {
		t.Errorf("searches in b of 公开报告 found %v and %v, want %v", vector, keyword, []string{public.ID})
	}
	// a itself sees no more than before: b's documents stay b's.
	if infos, err := s.Documents(ctx, a, ""); err != nil || !slices.Equal(docIDs(infos), sorted([]string{public.ID, private.ID})) {
		t.Errorf("Documents in a = %v, %v", docIDs(infos), err)
	}

	cs, err := s.Collections(ctx, b)
	wantCS := []retrieval.Collection{{Workspace: "b", Name: "main", Documents: 1}, {Workspace: "default", Name: "公开报告", Documents: 1, Shared: true}}
	if err != nil || !slices.Equal(cs, wantCS) {
		t.Errorf("Collections in b = %+v, %v; want %+v", cs, err, wantCS)
	}
	cs, err = s.Collections(ctx, a)
	wantCS = []retrieval.Collection{{Workspace: "default", Name: "main", Documents: 1}, {Workspace: "default", Name: "公开报告", Documents: 1, Shared: true}}
	if err != nil || !slices.Equal(cs, wantCS) {
		t.Errorf("Collections in a = %+v, %v; want %+v", cs, err, wantCS)
	}

	// Readable is not changeable: b cannot delete, replace or unshare a's shared documents.
	wantCode(t, s.Delete(ctx, b, public.ID), retrieval.ENOTFOUND, "Delete in b of a's shared document")
	wantCode(t, s.ShareCollection(ctx, b, "公开报告", false), retrieval.ENOTFOUND, "ShareCollection by b to unshare a's collection")
	if _, err := s.Document(ctx, b, public.ID); err != nil {
		t.Errorf("b's unsharing of a's collection took effect: %v", err)
	}

	if err := s.ShareCollection(ctx, a, "公开报告", false); err != nil {
		t.Fatal(err)
	}
	_, err = s.Document(ctx, b, public.ID)
	wantCode(t, err, retrieval.ENOTFOUND, "Document in b of a collection a no longer shares")
	vector, keyword = searchBoth(t, s, retrieval.Filter{Scope: b})
	if !slices.Equal(vector, []string{own.ID}) || !slices.Equal(keyword, []string{own.ID}) {
		t.Errorf("searches in b after unsharing found %v and %v, want %v", vector, keyword, []string{own.ID})
	}
}

func testDraftIsolation(t *testing.T, s WorkspaceStore) {
	ctx := t.Context()
	a, b := twoWorkspaces(t, s)
	da, db := fullDraft("d-a"), fullDraft("d-b")
	db.Workspace = "b"
	create(t, s, da)
	create(t, s, db)
	if got, err := s.Draft(ctx, b, db.ID); err != nil || got.Workspace != "b" {
		t.Fatalf("Draft in b = %+v, %v", got, err)
	}
	_, err := s.Draft(ctx, b, da.ID)
	wantCode(t, err, retrieval.ENOTFOUND, "Draft of a's draft in b")
	_, err = s.Draft(ctx, a, db.ID)
	wantCode(t, err, retrieval.ENOTFOUND, "Draft of b's draft in a")
	for _, tc := range []struct {
		sc   retrieval.Scope
		want []string
	}{{a, []string{"d-a"}}, {b, []string{"d-b"}}, {retrieval.AllWorkspaces(), []string{"d-a", "d-b"}}} {
		infos, err := s.Drafts(ctx, tc.sc)
		var ids []string
		for _, d := range infos {
			ids = append(ids, d.ID)
		}
		if err != nil || !slices.Equal(sorted(ids), tc.want) {
			t.Errorf("Drafts in %q = %v, %v; want %v", tc.sc.Workspace(), ids, err, tc.want)
		}
	}
	wantCode(t, s.DeleteDraft(ctx, b, da.ID), retrieval.ENOTFOUND, "DeleteDraft of a's draft in b")
	if _, err := s.Draft(ctx, a, da.ID); err != nil {
		t.Fatalf("a's draft is gone after b tried to delete it: %v", err)
	}
}

func testKeyUserIsolation(t *testing.T, s WorkspaceStore) {
	ctx := t.Context()
	a, b := twoWorkspaces(t, s)
	at := time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)
	ka, kb := testKey("key-a", "小李", auth.RoleAdmin, at), testKey("key-b", "小王", auth.RoleAdmin, at.Add(time.Second))
	kb.Workspace = "b"
	for _, k := range []*auth.Key{ka, kb} {
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if ka.Workspace != retrieval.DefaultWorkspace {
		t.Errorf("CreateKey left Workspace %q, want the default", ka.Workspace)
	}
	if k, err := s.KeyByHash(ctx, kb.Hash); err != nil || k.Workspace != "b" {
		t.Errorf("KeyByHash = %+v, %v; want workspace b", k, err)
	}
	ua, ub := testUser("ua", "张科长", auth.RoleAdmin, at), testUser("ub", "赵科长", auth.RoleAdmin, at.Add(time.Second))
	ub.Workspace = "b"
	for _, u := range []*auth.User{ua, ub} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if u, err := s.UserByName(ctx, "赵科长"); err != nil || u.Workspace != "b" {
		t.Errorf("UserByName = %+v, %v; want workspace b", u, err)
	}
	// Names are unique across workspaces: a user signs in with the name alone.
	dup := testUser("uc", "张科长", auth.RoleWriter, at)
	dup.Workspace = "b"
	wantCode(t, s.CreateUser(ctx, dup), retrieval.ECONFLICT, "CreateUser in b of a name a's user has")
	for _, tc := range []struct {
		sc          retrieval.Scope
		keys, users []string
	}{
		{sc: a, keys: []string{"key-a"}, users: []string{"ua"}},
		{sc: b, keys: []string{"key-b"}, users: []string{"ub"}},
		{sc: retrieval.AllWorkspaces(), keys: []string{"key-a", "key-b"}, users: []string{"ua", "ub"}},
	} {
		ks, err := s.Keys(ctx, tc.sc)
		if err != nil {
			t.Fatal(err)
		}
		us, err := s.Users(ctx, tc.sc)
		if err != nil {
			t.Fatal(err)
		}
		var kids, uids []string
		for _, k := range ks {
			kids = append(kids, k.ID)
		}
		for _, u := range us {
			uids = append(uids, u.ID)
		}
		if !slices.Equal(kids, tc.keys) || !slices.Equal(uids, tc.users) {
			t.Errorf("in %q: keys %v, users %v; want %v, %v", tc.sc.Workspace(), kids, uids, tc.keys, tc.users)
		}
	}
	wantCode(t, s.RevokeKey(ctx, b, "key-a", at), retrieval.ENOTFOUND, "RevokeKey of a's key in b")
	if k, err := s.KeyByHash(ctx, ka.Hash); err != nil || k.Revoked() {
		t.Fatalf("KeyByHash = %+v, %v: b revoked a's key", k, err)
	}
	if err := s.RevokeKey(ctx, a, "key-a", at); err != nil {
		t.Fatal(err)
	}
}

func testMissingWorkspace(t *testing.T, s WorkspaceStore) {
	ctx := t.Context()
	twoWorkspaces(t, s)
	_, err := s.Put(ctx, docIn("nowhere", "main", "x", 1))
	wantCode(t, err, retrieval.ENOTFOUND, "Put in a workspace that does not exist")
	d := fullDraft("d-nowhere")
	d.Workspace = "nowhere"
	wantCode(t, s.CreateDraft(ctx, d), retrieval.ENOTFOUND, "CreateDraft in a workspace that does not exist")
	k := testKey("key-x", "x", auth.RoleWriter, time.Now())
	k.Workspace = "nowhere"
	wantCode(t, s.CreateKey(ctx, k), retrieval.ENOTFOUND, "CreateKey in a workspace that does not exist")
	u := testUser("ux", "x", auth.RoleWriter, time.Now())
	u.Workspace = "nowhere"
	wantCode(t, s.CreateUser(ctx, u), retrieval.ENOTFOUND, "CreateUser in a workspace that does not exist")
	wantCode(t, s.ShareCollection(ctx, retrieval.AllWorkspaces(), "main", true), retrieval.EINVALID, "ShareCollection in every workspace")
}
