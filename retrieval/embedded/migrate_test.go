package embedded

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// TestDraftsStoredBeforeClaimsUpgradeInPlace opens a database that the migrations before
// 0004_claims_dropped.sql made and the store of that time wrote a draft to.
func TestDraftsStoredBeforeClaimsUpgradeInPlace(t *testing.T) {
	ctx := t.Context()
	created := time.Date(2025, 6, 30, 17, 4, 5, 123456789, time.UTC)
	reviewed := created.Add(time.Hour)
	s := openUpgraded(t, "0003_keys", []oldRow{
		{`INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, input,
				prompt_tokens, completion_tokens, created_at, updated_at)
			VALUES ('d-old', '松林镇2025年上半年工作总结', '松林镇', '2025年上半年', 'approved', 'offline', 'v2', 'null', 10, 5, ?, ?)`,
			[]any{created.UnixNano(), reviewed.UnixNano()}},
		{`INSERT INTO draft_sections (draft_id, idx, heading, status, error, attempts, sources,
				prompt_tokens, completion_tokens, updated_at)
			VALUES ('d-old', 0, '民生实事', 'ready', '', 1, '[]', 10, 5, ?)`, []any{reviewed.UnixNano()}},
		{`INSERT INTO draft_sentences (draft_id, section_idx, ord, id, text, generated, added, figures,
				unbound_numbers, sources, risk, reasons, review_decision, reviewer, review_at, history)
			VALUES ('d-old', 0, 0, 's0-0', '完成老旧小区改造6个。', 1, 0, '["estates"]', '[]', '[]', 'low', '[]',
				'approved', '赵主任', ?, '[]')`, []any{reviewed.UnixNano()}},
		{`INSERT INTO draft_audit (draft_id, sentence_id, decision, reviewer, at, before_text, after_text)
			VALUES ('d-old', 's0-0', 'approved', '赵主任', ?, '', '')`, []any{reviewed.UnixNano()}},
	})
	got, err := s.Draft(ctx, retrieval.Scope{}, "d-old")
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	want := &draft.Draft{ID: "d-old", Workspace: retrieval.DefaultWorkspace, Title: "松林镇2025年上半年工作总结", Organization: "松林镇", Period: "2025年上半年",
		Status: draft.StatusApproved, Model: "offline", PromptVersion: "v2",
		Usage:     draft.Usage{PromptTokens: 10, CompletionTokens: 5},
		CreatedAt: created, UpdatedAt: reviewed,
		Sections: []draft.Section{{Index: 0, Heading: "民生实事", Status: draft.StatusReady, Attempts: 1,
			Sources: []draft.Source{}, Dropped: []draft.DroppedFigure{},
			Usage: draft.Usage{PromptTokens: 10, CompletionTokens: 5},
			Sentences: []draft.Sentence{{ID: "s0-0", Text: "完成老旧小区改造6个。", Generated: true,
				Figures: []string{"estates"}, UnboundNumbers: []string{}, Sources: []draft.Source{}, Claims: []draft.Claim{},
				Risk: draft.RiskLow, Reasons: []string{}, History: []draft.Revision{},
				Review: draft.Review{Decision: draft.DecisionApproved, By: "赵主任", At: &reviewed}, Version: 1}}}}, // 0009 starts stored sentences at 1
		Audit: []draft.AuditEntry{{SentenceID: "s0-0", Decision: draft.DecisionApproved, By: "赵主任", At: reviewed}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Draft stored before the upgrade\n got  %+v\n want %+v", got, want)
	}

	// The upgraded database keeps what the old one could not.
	sec := got.Sections[0]
	sec.Dropped = []draft.DroppedFigure{{FigureID: "estates.target", Reason: "目标另行报告。", By: "赵主任", At: reviewed}}
	sec.Sentences[0].Claims = []draft.Claim{{Start: 8, End: 10, Text: "6个", Kind: "number", Supported: true, Figure: "estates", Reason: "撰稿人提供的数据"}}
	entry := draft.AuditEntry{FigureID: "estates.target", Decision: draft.DecisionDropped, By: "赵主任", At: reviewed, After: "目标另行报告。"}
	if err := s.SaveReview(ctx, "d-old", []draft.Section{sec}, []draft.AuditEntry{entry}, draft.StatusApproved); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}
	if got, err = s.Draft(ctx, retrieval.Scope{}, "d-old"); err != nil {
		t.Fatalf("Draft after SaveReview: %v", err)
	}
	if g := got.Sections[0]; !reflect.DeepEqual(g.Dropped, sec.Dropped) || !reflect.DeepEqual(g.Sentences[0].Claims, sec.Sentences[0].Claims) {
		t.Errorf("after SaveReview: dropped %+v and claims %+v, want %+v and %+v",
			g.Dropped, g.Sentences[0].Claims, sec.Dropped, sec.Sentences[0].Claims)
	}
	if len(got.Audit) != 2 || !reflect.DeepEqual(got.Audit[1], entry) {
		t.Errorf("audit after SaveReview = %+v, want the old entry, then %+v", got.Audit, entry)
	}
}

// TestDraftsStoredBeforeCreatorUpgradeInPlace opens a database that the migrations before
// 0005_creator_reason.sql made and the store of that time wrote a reviewed draft to.
func TestDraftsStoredBeforeCreatorUpgradeInPlace(t *testing.T) {
	ctx := t.Context()
	created := time.Date(2025, 6, 30, 17, 4, 5, 0, time.UTC)
	reviewed := created.Add(time.Hour)
	s := openUpgraded(t, "0004_claims_dropped", []oldRow{
		{`INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, input,
				prompt_tokens, completion_tokens, created_at, updated_at)
			VALUES ('d-old', '松林镇2025年上半年工作总结', '松林镇', '2025年上半年', 'ready', 'offline', 'v2', 'null', 0, 0, ?, ?)`,
			[]any{created.UnixNano(), reviewed.UnixNano()}},
		{`INSERT INTO draft_audit (draft_id, sentence_id, figure_id, decision, reviewer, at, before_text, after_text)
			VALUES ('d-old', 's0-0', '', 'approved', '赵主任', ?, '', '')`, []any{reviewed.UnixNano()}},
	})
	got, err := s.Draft(ctx, retrieval.Scope{}, "d-old")
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	want := []draft.AuditEntry{{SentenceID: "s0-0", Decision: draft.DecisionApproved, By: "赵主任", At: reviewed}}
	if got.CreatedBy != "" || !reflect.DeepEqual(got.Audit, want) {
		t.Errorf("draft stored before the upgrade: created by %q, audit %+v; want no creator and %+v",
			got.CreatedBy, got.Audit, want)
	}

	// The upgraded database keeps a reason.
	entry := draft.AuditEntry{SentenceID: "s0-1", Decision: draft.DecisionApproved, By: "赵主任", At: reviewed,
		Reason: "已核对统计公报"}
	if err := s.SaveReview(ctx, "d-old", nil, []draft.AuditEntry{entry}, draft.StatusReady); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}
	if got, err = s.Draft(ctx, retrieval.Scope{}, "d-old"); err != nil || len(got.Audit) != 2 || !reflect.DeepEqual(got.Audit[1], entry) {
		t.Errorf("audit after SaveReview = %+v (%v), want the old entry, then %+v", got.Audit, err, entry)
	}
}

// TestRowsStoredBeforeWorkspacesUpgradeInPlace opens a database that the migrations before
// 0007_workspaces.sql made and the store of that time wrote a document, a draft, a key and a user
// to: they belong to the default workspace, the document keeps its passages (the migration makes
// the documents table again) and another workspace may hold a document of the same key.
func TestRowsStoredBeforeWorkspacesUpgradeInPlace(t *testing.T) {
	ctx := t.Context()
	created := time.Date(2025, 6, 30, 17, 4, 5, 0, time.UTC).UnixNano()
	vec := encodeVector([]float32{1, 0, 0, 0})
	s := openUpgraded(t, "0006_users", []oldRow{
		{`INSERT INTO meta (key, value) VALUES ('embedder', '{"name":"test","dim":4}')`, nil},
		{`INSERT INTO documents (id, collection, key, title, hash, meta, text, warnings, created_at)
			VALUES ('doc-old', 'default', '2024.txt', '松林镇2024年工作总结', 'h1', '{"kind":"总结"}', '全年完成医疗救助。', '[]', ?)`, []any{created}},
		{`INSERT INTO passages (id, document_id, ordinal, heading_path, text, role, placeholders, embedding)
			VALUES ('p-old', 'doc-old', 0, '[]', '全年完成医疗救助。', '', '[]', ?)`, []any{vec}},
		{`INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, input,
				prompt_tokens, completion_tokens, created_at, updated_at)
			VALUES ('d-old', '松林镇2025年上半年工作总结', '松林镇', '2025年上半年', 'ready', 'offline', 'v2', 'null', 0, 0, ?, ?)`,
			[]any{created, created}},
		{`INSERT INTO api_keys (id, name, role, prefix, hash, created_at) VALUES ('k-old', '小李', 'writer', 'dk_abcdefg', x'01', ?)`, []any{created}},
		{`INSERT INTO users (id, name, role, created_at) VALUES ('u-old', '赵主任', 'admin', ?)`, []any{created}},
	})
	def := retrieval.InWorkspace(retrieval.DefaultWorkspace)
	doc, err := s.Document(ctx, def, "doc-old")
	if err != nil || doc.Workspace != retrieval.DefaultWorkspace || len(doc.Passages) != 1 {
		t.Fatalf("Document stored before the upgrade = %+v, %v; want it in the default workspace with its passage", doc, err)
	}
	if hits, err := s.SearchKeyword(ctx, []string{"医疗"}, 5, retrieval.Filter{Scope: def}); err != nil || len(hits) != 1 {
		t.Errorf("SearchKeyword in the default workspace = %+v, %v; want the old passage", hits, err)
	}
	if d, err := s.Draft(ctx, def, "d-old"); err != nil || d.Workspace != retrieval.DefaultWorkspace {
		t.Errorf("Draft stored before the upgrade = %+v, %v", d, err)
	}
	if ks, err := s.Keys(ctx, def); err != nil || len(ks) != 1 || ks[0].Workspace != retrieval.DefaultWorkspace {
		t.Errorf("Keys = %+v, %v", ks, err)
	}
	if u, err := s.User(ctx, "u-old"); err != nil || u.Workspace != retrieval.DefaultWorkspace {
		t.Errorf("User = %+v, %v", u, err)
	}

	// The same file in another workspace is another document.
	if err := s.CreateWorkspace(ctx, &retrieval.Workspace{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	other := &retrieval.Document{ID: "doc-b", Workspace: "b", Collection: "default", Key: "2024.txt", Title: "另一份", Hash: "h1",
		Text: "x", Passages: []retrieval.Passage{{ID: "p-b", DocumentID: "doc-b", Text: "x", Embedding: []float32{0, 1, 0, 0}}}}
	if st, err := s.Put(ctx, other); err != nil || st != retrieval.PutCreated {
		t.Fatalf("Put of the same key in workspace b = %v, %v", st, err)
	}
	if _, err := s.Document(ctx, retrieval.InWorkspace("b"), "doc-old"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
		t.Errorf("workspace b reads the default workspace's old document: %v", err)
	}
}

// oldRow is a statement the store of an earlier version ran, with its arguments.
type oldRow struct {
	sql  string
	args []any
}

// openUpgraded makes a database with the migrations up to and including upTo (0003_keys, say),
// writes rows to it as the store of that time did, and opens it with today's store, which
// applies the migrations after upTo.
func openUpgraded(t *testing.T, upTo string, rows []oldRow) *Store {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, FileName)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := &Store{wr: db}
	if _, err := db.ExecContext(ctx, `CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	for _, name := range names {
		if name > "migrations/"+upTo+".sql" {
			break
		}
		if err := old.migrateFile(ctx, name); err != nil {
			t.Fatalf("migrate %s: %v", name, err)
		}
	}
	for _, r := range rows {
		if _, err := db.ExecContext(ctx, r.sql, r.args...); err != nil {
			t.Fatalf("%s: %v", r.sql, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open of the old database: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
