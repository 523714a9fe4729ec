package pgvector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/storetest"
)

func TestDrafts(t *testing.T) {
	testURL(t)
	storetest.RunDrafts(t, func(t *testing.T) draft.Store { return openTest(t) })
}

// smallDraft returns a pending draft named id with n sections of one sentence each.
func smallDraft(id string, n int) *draft.Draft {
	created := time.Date(2025, 6, 30, 17, 4, 5, 123456000, time.UTC)
	d := &draft.Draft{ID: id, Title: "松林镇2025年上半年工作总结", Status: draft.StatusPending, Model: "offline",
		CreatedAt: created, UpdatedAt: created}
	for i := range n {
		d.Sections = append(d.Sections, draft.Section{Index: i, Heading: fmt.Sprintf("第%d部分", i+1), Status: draft.StatusReady,
			Sentences: []draft.Sentence{{ID: fmt.Sprintf("s%d-0", i), Text: "完成老旧小区改造6个。", Generated: true, Risk: draft.RiskLow}}})
	}
	return d
}

func TestDraftWrites(t *testing.T) {
	testURL(t)
	t.Run("CreateDraft sets zero times to now as they are stored", func(t *testing.T) {
		s := openTest(t)
		start := time.Now()
		d := &draft.Draft{ID: "d-now", Title: "无时间的稿", Status: draft.StatusPending}
		if err := s.CreateDraft(t.Context(), d); err != nil {
			t.Fatalf("CreateDraft: %v", err)
		}
		if d.CreatedAt.Before(start.Add(-time.Second)) || d.CreatedAt.After(time.Now()) || !d.UpdatedAt.Equal(d.CreatedAt) {
			t.Errorf("CreateDraft set CreatedAt %v and UpdatedAt %v; want both now", d.CreatedAt, d.UpdatedAt)
		}
		got, err := s.Draft(t.Context(), retrieval.Scope{}, d.ID)
		if err != nil {
			t.Fatalf("Draft: %v", err)
		}
		if !got.CreatedAt.Equal(d.CreatedAt) || !got.UpdatedAt.Equal(d.UpdatedAt) {
			t.Errorf("stored times %v and %v, want %v as set", got.CreatedAt, got.UpdatedAt, d.CreatedAt)
		}
	})
	t.Run("CreateDraft with two sections at one index conflicts and stores nothing", func(t *testing.T) {
		s := openTest(t)
		d := smallDraft("d-twice", 2)
		d.Sections[1].Index = 0
		if err := s.CreateDraft(t.Context(), d); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Fatalf("CreateDraft = %v, want code %s", err, retrieval.ECONFLICT)
		}
		if _, err := s.Draft(t.Context(), retrieval.Scope{}, d.ID); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
			t.Fatalf("Draft after the failed CreateDraft = %v, want code %s", err, retrieval.ENOTFOUND)
		}
	})
	t.Run("SaveReview naming a section twice is invalid and changes nothing", func(t *testing.T) {
		s := openTest(t)
		d := smallDraft("d-dup", 1)
		if err := s.CreateDraft(t.Context(), d); err != nil {
			t.Fatalf("CreateDraft: %v", err)
		}
		sec := d.Sections[0]
		err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec, sec}, nil, draft.StatusApproved)
		if retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Fatalf("SaveReview = %v, want code %s", err, retrieval.EINVALID)
		}
		got, err := s.Draft(t.Context(), retrieval.Scope{}, d.ID)
		if err != nil {
			t.Fatalf("Draft: %v", err)
		}
		if got.Status != draft.StatusPending || !got.UpdatedAt.Equal(d.UpdatedAt) {
			t.Errorf("after the failed SaveReview: status %s, updated %v; want %s, %v", got.Status, got.UpdatedAt, d.Status, d.UpdatedAt)
		}
	})
	t.Run("SaveReview and SaveSection of one draft at once neither deadlock nor lose a write", func(t *testing.T) {
		s := openTest(t)
		d := smallDraft("d-busy", 3)
		if err := s.CreateDraft(t.Context(), d); err != nil {
			t.Fatalf("CreateDraft: %v", err)
		}
		const rounds = 8
		var wg sync.WaitGroup
		errs := make(chan error, 3*rounds)
		for idx := range 3 {
			wg.Go(func() {
				for r := range rounds {
					sec := draft.Section{Index: idx, Heading: d.Sections[idx].Heading, Status: draft.StatusReady,
						Sentences: []draft.Sentence{{ID: fmt.Sprintf("s%d-%d", idx, r), Text: fmt.Sprintf("第%d稿。", r+1), Generated: true}}}
					var err error
					if idx == 1 {
						// Reviews name two sections, in an order opposite to the index, to tempt a lock cycle.
						other := draft.Section{Index: 0, Sentences: []draft.Sentence{{ID: fmt.Sprintf("r0-%d", r), Text: "复核稿。"}}}
						e := draft.AuditEntry{SentenceID: sec.Sentences[0].ID, Decision: draft.DecisionApproved, By: "赵主任", At: d.CreatedAt}
						err = s.SaveReview(t.Context(), d.ID, []draft.Section{sec, other}, []draft.AuditEntry{e}, draft.StatusReady)
					} else {
						err = s.SaveSection(t.Context(), d.ID, sec)
					}
					if err != nil {
						errs <- fmt.Errorf("section %d round %d: %w", idx, r, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got, err := s.Draft(t.Context(), retrieval.Scope{}, d.ID)
		if err != nil {
			t.Fatalf("Draft: %v", err)
		}
		last := fmt.Sprintf("s1-%d", rounds-1)
		if x := got.Sections[1].Sentences; len(x) != 1 || x[0].ID != last {
			t.Errorf("section 1 sentences = %+v, want only %s", x, last)
		}
		if x := got.Sections[2].Sentences; len(x) != 1 || x[0].ID != fmt.Sprintf("s2-%d", rounds-1) {
			t.Errorf("section 2 sentences = %+v, want the last round's", x)
		}
		if len(got.Audit) != rounds {
			t.Errorf("audit has %d entries, want %d", len(got.Audit), rounds)
		}
		for i, e := range got.Audit {
			if want := fmt.Sprintf("s1-%d", i); e.SentenceID != want {
				t.Errorf("Audit[%d] is for %s, want %s", i, e.SentenceID, want)
			}
		}
	})
}

// oldSchema returns a connection to a fresh schema that only the migrations up to version made,
// and the schema's name; the schema is dropped when the test ends.
func oldSchema(t *testing.T, version int) (*pgx.Conn, string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testURL(t))
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, createExtensionPublic); err != nil {
		t.Fatalf("create extension: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "draftd_test_" + hex.EncodeToString(b)
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	if _, err := conn.Exec(ctx, "SET search_path TO "+ident+", public"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, createSchemaMigrations); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:version] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, insertMigration, m.version)
			return err
		})
		if err != nil {
			t.Fatalf("migrate %s: %v", m.name, err)
		}
	}
	return conn, schema
}

func TestDraftsStoredBeforeClaimsUpgradeInPlace(t *testing.T) {
	ctx := t.Context()
	conn, schema := oldSchema(t, 3)
	created := time.Date(2025, 6, 30, 17, 4, 5, 123456000, time.UTC)
	reviewed := created.Add(time.Hour)
	// Rows as the store wrote them before 0004_claims_dropped.sql.
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, input,
    prompt_tokens, completion_tokens, created_at, updated_at)
VALUES ('d-old', '松林镇2025年上半年工作总结', '松林镇', '2025年上半年', 'approved', 'offline', 'v2', NULL, 10, 5, $1, $2)`,
			[]any{created, reviewed}},
		{`INSERT INTO draft_sections (draft_id, idx, heading, status, error, attempts, sources,
    prompt_tokens, completion_tokens, updated_at)
VALUES ('d-old', 0, '民生实事', 'ready', '', 1, '[]', 10, 5, $1)`, []any{reviewed}},
		{`INSERT INTO draft_sentences (draft_id, section_idx, ord, id, text, generated, added, figures,
    unbound_numbers, sources, risk, reasons, review_decision, reviewer, review_at, history)
VALUES ('d-old', 0, 0, 's0-0', '完成老旧小区改造6个。', true, false, '{estates}', '{}', '[]', 'low', '{}',
    'approved', '赵主任', $1, '[]')`, []any{reviewed}},
		{`INSERT INTO draft_audit (draft_id, sentence_id, decision, reviewer, at, before_text, after_text)
VALUES ('d-old', 's0-0', 'approved', '赵主任', $1, '', '')`, []any{reviewed}},
	} {
		if _, err := conn.Exec(ctx, stmt.sql, stmt.args...); err != nil {
			t.Fatalf("%s: %v", strings.Fields(stmt.sql)[2], err)
		}
	}

	s, err := Open(ctx, testURL(t), Options{Schema: schema, MaxConns: 2})
	if err != nil {
		t.Fatalf("Open of the old schema: %v", err)
	}
	defer s.Close()
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

	// The upgraded schema keeps what the old one could not.
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

func TestDraftsStoredBeforeCreatorUpgradeInPlace(t *testing.T) {
	ctx := t.Context()
	conn, schema := oldSchema(t, 4)
	created := time.Date(2025, 6, 30, 17, 4, 5, 0, time.UTC)
	reviewed := created.Add(time.Hour)
	// Rows as the store wrote them before 0005_creator_reason.sql.
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, input,
    prompt_tokens, completion_tokens, created_at, updated_at)
VALUES ('d-old', '松林镇2025年上半年工作总结', '松林镇', '2025年上半年', 'ready', 'offline', 'v2', NULL, 0, 0, $1, $2)`,
			[]any{created, reviewed}},
		{`INSERT INTO draft_audit (draft_id, sentence_id, figure_id, decision, reviewer, at, before_text, after_text)
VALUES ('d-old', 's0-0', '', 'approved', '赵主任', $1, '', '')`, []any{reviewed}},
	} {
		if _, err := conn.Exec(ctx, stmt.sql, stmt.args...); err != nil {
			t.Fatalf("%s: %v", strings.Fields(stmt.sql)[2], err)
		}
	}

	s, err := Open(ctx, testURL(t), Options{Schema: schema, MaxConns: 2})
	if err != nil {
		t.Fatalf("Open of the old schema: %v", err)
	}
	defer s.Close()
	got, err := s.Draft(ctx, retrieval.Scope{}, "d-old")
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	want := []draft.AuditEntry{{SentenceID: "s0-0", Decision: draft.DecisionApproved, By: "赵主任", At: reviewed}}
	if got.CreatedBy != "" || !reflect.DeepEqual(got.Audit, want) {
		t.Errorf("draft stored before the upgrade: created by %q, audit %+v; want no creator and %+v",
			got.CreatedBy, got.Audit, want)
	}

	// The upgraded schema keeps a reason.
	entry := draft.AuditEntry{SentenceID: "s0-1", Decision: draft.DecisionApproved, By: "赵主任", At: reviewed,
		Reason: "已核对统计公报"}
	if err := s.SaveReview(ctx, "d-old", nil, []draft.AuditEntry{entry}, draft.StatusReady); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}
	if got, err = s.Draft(ctx, retrieval.Scope{}, "d-old"); err != nil || len(got.Audit) != 2 || !reflect.DeepEqual(got.Audit[1], entry) {
		t.Errorf("audit after SaveReview = %+v (%v), want the old entry, then %+v", got.Audit, err, entry)
	}
}

// TestRowsStoredBeforeWorkspacesUpgradeInPlace opens a schema that the migrations before
// 0007_workspaces.sql made, with a document, a draft, a key and a user as the store of that time
// wrote them: they belong to the default workspace, and another workspace may hold a document of
// the same key.
func TestRowsStoredBeforeWorkspacesUpgradeInPlace(t *testing.T) {
	ctx := t.Context()
	conn, schema := oldSchema(t, 6)
	for _, stmt := range []string{
		`INSERT INTO documents (id, collection, key, title, hash, text) VALUES ('doc-old', 'default', '2024.txt', '松林镇2024年工作总结', 'h1', '全年完成医疗救助。')`,
		`INSERT INTO passages (id, document_id, ordinal, text, collection, tokens, n_tokens) VALUES ('p-old', 'doc-old', 0, '全年完成医疗救助。', 'default', '医疗', 1)`,
		`INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, prompt_tokens, completion_tokens, created_at, updated_at)
			VALUES ('d-old', '松林镇2025年上半年工作总结', '松林镇', '2025年上半年', 'ready', 'offline', 'v2', 0, 0, now(), now())`,
		`INSERT INTO api_keys (id, name, role, prefix, hash, created_at) VALUES ('k-old', '小李', 'writer', 'dk_abcdefg', '\x01', now())`,
		`INSERT INTO users (id, name, role, created_at) VALUES ('u-old', '赵主任', 'admin', now())`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	s, err := Open(ctx, testURL(t), Options{Schema: schema, MaxConns: 2})
	if err != nil {
		t.Fatalf("Open of the old schema: %v", err)
	}
	defer s.Close()
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
	if err := s.CreateWorkspace(ctx, &retrieval.Workspace{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	other := &retrieval.Document{ID: "doc-b", Workspace: "b", Collection: "default", Key: "2024.txt", Title: "另一份", Hash: "h1",
		Text: "x", Passages: []retrieval.Passage{{ID: "p-b", DocumentID: "doc-b", Text: "x", Embedding: []float32{0, 1, 0, 0}}}}
	if st, err := s.Put(ctx, other); err != nil || st != retrieval.PutCreated {
		t.Fatalf("Put of the same key in workspace b = %v, %v", st, err)
	}
}

// TestReview runs the review suite on two stores on one schema, as two replicas on one database.
func TestReview(t *testing.T) {
	testURL(t)
	storetest.RunReview(t, func(t *testing.T) (draft.Store, draft.Store) {
		a, schema := openTestSchema(t, Options{MaxConns: 4})
		b, err := Open(t.Context(), testURL(t), Options{Schema: schema, MaxConns: 4})
		if err != nil {
			t.Fatalf("Open of a second store on the schema: %v", err)
		}
		t.Cleanup(func() { b.Close() })
		return a, b
	})
}
