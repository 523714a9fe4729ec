package pgvector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	pgv "github.com/pgvector/pgvector-go"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/storetest"
)

// testURL returns the test database's URL, skipping the test when there is
// none, unless DRAFTD_REQUIRE_PG=1 (CI) makes that a failure.
func testURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("DRAFTD_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("DRAFTD_REQUIRE_PG") == "1" {
			t.Fatal("DRAFTD_REQUIRE_PG=1 but DRAFTD_TEST_DATABASE_URL is not set")
		}
		t.Skip("DRAFTD_TEST_DATABASE_URL is not set: skipping PostgreSQL tests (start one with .ci/pgvector.sh)")
	}
	return url
}

// createExtensionPublic puts the vector extension in public once, so that no
// test schema owns it and dropping the schema cannot take it away.
const createExtensionPublic = `SELECT pg_advisory_xact_lock(hashtext('draftd.create_extension'));
CREATE EXTENSION IF NOT EXISTS vector SCHEMA public`

// openTest opens a store in a fresh schema that is dropped when the test ends.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, _ := openTestSchema(t, Options{MaxConns: 4})
	return s
}

func openTestSchema(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	url := testURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
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
	opts.Schema = schema
	s, err := Open(ctx, url, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return s, schema
}

func TestStore(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T, dim int) retrieval.Store { return openTest(t) })
}

// unit returns a random unit vector.
func unit(rng *mrand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	retrieval.Normalize(v)
	return v
}

// hanPool is a few hundred common characters for made-up text.
var hanPool = []rune("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质")

// phrase returns n random characters from hanPool.
func phrase(rng *mrand.Rand, n int) string {
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = hanPool[rng.IntN(len(hanPool))]
	}
	return string(rs)
}

// makeDoc returns a document of n passages with random unit embeddings.
func makeDoc(rng *mrand.Rand, collection, key string, n, dim int) *retrieval.Document {
	id := collection + "/" + key
	doc := &retrieval.Document{
		ID: id, Collection: collection, Key: key, Title: "关于" + key + "的工作总结", Hash: "h-" + key,
		Meta: retrieval.Meta{OrgKind: "卫生健康", Years: []int{2023}, Period: "全年", Kind: "总结"},
		Text: "正文",
	}
	for i := range n {
		doc.Passages = append(doc.Passages, retrieval.Passage{
			ID: fmt.Sprintf("%s#%d", id, i), DocumentID: id, Ordinal: i,
			HeadingPath: []string{"一、主要工作"}, Text: fmt.Sprintf("第%d段，%s。", i, phrase(rng, 16)),
			Embedding: unit(rng, dim),
		})
	}
	return doc
}

func mustPut(t testing.TB, s *Store, doc *retrieval.Document) {
	t.Helper()
	if _, err := s.Put(context.Background(), doc); err != nil {
		t.Fatalf("Put %s: %v", doc.ID, err)
	}
}

func TestMigrations(t *testing.T) {
	t.Run("embedded migrations are numbered from 1 without gaps", func(t *testing.T) {
		ms, err := migrations()
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[0].name != "0001_init.sql" {
			t.Fatalf("migrations = %v", ms)
		}
	})
	t.Run("migrating again applies nothing and records each version once", func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		ms, _ := migrations()
		var n int
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) {
			t.Fatalf("schema_migrations has %d rows, want %d", n, len(ms))
		}
	})
	t.Run("two processes opening one new schema at once both succeed", func(t *testing.T) {
		_, schema := openTestSchema(t, Options{MaxConns: 2})
		// Drop what the first Open made so that both racers find an empty schema.
		url := testURL(t)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, _ := conn.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range tables {
			if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{schema, table}.Sanitize()+" CASCADE"); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				s, err := Open(ctx, url, Options{Schema: schema, MaxConns: 2})
				if err == nil {
					s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	})
}

func TestVersionAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{{"0.8.0", true}, {"0.8.1", true}, {"0.10.0", true}, {"1.0", true}, {"0.7.4", false}, {"0.5", false}, {"dev", false}} {
		if got := versionAtLeast(tc.v, 0, 8); got != tc.want {
			t.Errorf("versionAtLeast(%q, 0, 8) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestQuoteLexeme(t *testing.T) {
	for _, tc := range []struct {
		name, token, want string
	}{
		{"a token is quoted", "卫生", `'卫生'`},
		{"quotes and backslashes are escaped", `it's\`, `'it''s\\'`},
		{"an empty token gives nothing", "", ""},
		{"a token too long for a tsvector gives nothing", strings.Repeat("长", 700), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := quoteLexeme(tc.token); got != tc.want {
				t.Fatalf("quoteLexeme(%q) = %q, want %q", tc.token, got, tc.want)
			}
		})
	}
	t.Run("the server reads each quoted token back as exactly that lexeme", func(t *testing.T) {
		s := openTest(t)
		for _, tok := range []string{`it's`, `a\b`, `x|y`, "卫生", "!", "a:*", "&"} {
			var n int
			err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM (SELECT array_to_tsvector(ARRAY[$1::text]) v) t WHERE v @@ $2::tsquery`,
				tok, quoteLexeme(tok)).Scan(&n)
			if err != nil || n != 1 {
				t.Errorf("token %q: matched %d (%v)", tok, n, err)
			}
		}
	})
}

func TestTokenStats(t *testing.T) {
	st := &tokenStats{rows: 100000, freq: map[string]float64{"工作": 0.85, "推进": 0.3, "医疗": 0.02}, minFreq: 0.005, meanTokens: 300}
	t.Run("a query whose matches fit the budget keeps every token", func(t *testing.T) {
		toks := []string{"罕见", "少见", "稀有"} // not listed: 250 passages each
		if got := st.prune(toks); !slices.Equal(got, toks) {
			t.Fatalf("prune = %v", got)
		}
	})
	t.Run("common tokens are dropped first, the rarest always kept", func(t *testing.T) {
		got := st.prune([]string{"工作", "医疗", "罕见", "推进", "少见"})
		if !slices.Equal(got, []string{"罕见", "少见"}) {
			t.Fatalf("prune = %v, want the two unlisted tokens (250 each)", got)
		}
		if got := st.prune([]string{"工作", "推进"}); !slices.Equal(got, []string{"推进"}) {
			t.Fatalf("prune of common tokens = %v, want the rarer one", got)
		}
	})
	t.Run("rarer tokens weigh more", func(t *testing.T) {
		if !(st.idf("罕见") > st.idf("医疗") && st.idf("医疗") > st.idf("工作") && st.idf("工作") > 0) {
			t.Fatalf("idf: 罕见 %v, 医疗 %v, 工作 %v", st.idf("罕见"), st.idf("医疗"), st.idf("工作"))
		}
	})
	t.Run("before the first ANALYZE nothing is dropped and tokens weigh alike", func(t *testing.T) {
		none := &tokenStats{rows: -1, freq: map[string]float64{}}
		toks := []string{"工作", "推进"}
		if got := none.prune(toks); !slices.Equal(got, toks) || none.idf("工作") != 1 {
			t.Fatalf("prune = %v, idf = %v", got, none.idf("工作"))
		}
	})
}

func TestPut(t *testing.T) {
	ctx := context.Background()
	rng := mrand.New(mrand.NewPCG(1, 2))
	t.Run("vectors written with COPY read back unchanged", func(t *testing.T) {
		s := openTest(t)
		doc := makeDoc(rng, "c", "a", 3, 8)
		mustPut(t, s, doc)
		var got pgv.Vector
		if err := s.pool.QueryRow(ctx, "SELECT embedding FROM passages WHERE id = $1", doc.Passages[1].ID).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Slice(), doc.Passages[1].Embedding) {
			t.Fatalf("embedding = %v, want %v", got.Slice(), doc.Passages[1].Embedding)
		}
	})
	t.Run("an embedding of the wrong dimension is invalid and nothing is written", func(t *testing.T) {
		s := openTest(t)
		if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "t", Dim: 8}); err != nil {
			t.Fatal(err)
		}
		doc := makeDoc(rng, "c", "a", 3, 8)
		doc.Passages[2].Embedding = unit(rng, 4)
		if _, err := s.Put(ctx, doc); retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Fatalf("Put = %v, want code %s", err, retrieval.EINVALID)
		}
		if ds, _ := s.Documents(ctx, retrieval.Scope{}, ""); len(ds) != 0 {
			t.Fatalf("Documents = %v, want none", ds)
		}
	})
	t.Run("without a recorded embedder a new document must match the stored dimension", func(t *testing.T) {
		s := openTest(t)
		mustPut(t, s, makeDoc(rng, "c", "a", 2, 8))
		if _, err := s.Put(ctx, makeDoc(rng, "c", "b", 2, 4)); retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Fatalf("Put = %v, want code %s", err, retrieval.EINVALID)
		}
	})
	t.Run("a document id taken in another collection is a conflict", func(t *testing.T) {
		s := openTest(t)
		a := makeDoc(rng, "c", "a", 1, 8)
		mustPut(t, s, a)
		b := makeDoc(rng, "d", "b", 1, 8)
		b.ID, b.Passages[0].DocumentID, b.Passages[0].ID = a.ID, a.ID, "other"
		if _, err := s.Put(ctx, b); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Fatalf("Put = %v, want code %s", err, retrieval.ECONFLICT)
		}
	})
	t.Run("concurrent puts of one new document create it once", func(t *testing.T) {
		s := openTest(t)
		doc := makeDoc(rng, "c", "a", 4, 8)
		statuses := make([]retrieval.PutStatus, 4)
		var wg sync.WaitGroup
		for i := range statuses {
			d := *doc
			wg.Go(func() {
				st, err := s.Put(ctx, &d)
				if err != nil {
					t.Error(err)
				}
				statuses[i] = st
			})
		}
		wg.Wait()
		slices.Sort(statuses)
		want := []retrieval.PutStatus{retrieval.PutCreated, retrieval.PutUnchanged, retrieval.PutUnchanged, retrieval.PutUnchanged}
		if !slices.Equal(statuses, want) {
			t.Fatalf("statuses = %v, want %v", statuses, want)
		}
	})
}

func TestSearchKeyword(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rng := mrand.New(mrand.NewPCG(3, 4))
	doc := makeDoc(rng, "c", "k", 3, 8)
	doc.Passages[0].Text = "全面加强公共卫生服务体系建设，基层医疗机构能力明显提升。"
	doc.Passages[1].Text = "深入推进法治政府建设，依法行政水平不断提高。"
	doc.Passages[2].HeadingPath = []string{"二、卫生健康工作"}
	doc.Passages[2].Text = "组织开展专项检查。"
	mustPut(t, s, doc)
	t.Run("a two-character word inside longer Chinese text is found", func(t *testing.T) {
		hits, err := s.SearchKeyword(ctx, retrieval.QueryTokens("卫生"), 10, retrieval.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.Passage.ID)
		}
		sort.Strings(ids)
		want := []string{doc.Passages[0].ID, doc.Passages[2].ID}
		if !slices.Equal(ids, want) {
			t.Fatalf("hits = %v, want %v", ids, want)
		}
	})
	t.Run("tokens with quotes are searched, not parsed", func(t *testing.T) {
		if _, err := s.SearchKeyword(ctx, []string{"it's", "a|b", "!"}, 10, retrieval.Filter{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSearchKeywordCommonTokens(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rng := mrand.New(mrand.NewPCG(9, 10))
	var rare []string
	for i := range 25 {
		d := makeDoc(rng, "c", fmt.Sprintf("d%02d", i), 100, 8)
		for j := range d.Passages {
			d.Passages[j].Text = "共同" + d.Passages[j].Text
			if i%10 == 0 && j == 5 {
				d.Passages[j].Text += "罕见"
				rare = append(rare, d.Passages[j].ID)
			}
		}
		mustPut(t, s, d)
	}
	if _, err := s.pool.Exec(ctx, "ANALYZE passages"); err != nil {
		t.Fatal(err)
	}
	t.Run("a token in every passage is dropped once the store is analyzed", func(t *testing.T) {
		hits, err := s.SearchKeyword(ctx, []string{"共同", "罕见"}, 10, retrieval.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		got := hitIDs(hits)
		sort.Strings(got)
		if !slices.Equal(got, rare) {
			t.Fatalf("hits = %v, want only the passages with the rare token %v", got, rare)
		}
	})
	t.Run("a query of common tokens alone still finds passages", func(t *testing.T) {
		hits, err := s.SearchKeyword(ctx, []string{"共同"}, 10, retrieval.Filter{})
		if err != nil || len(hits) != 10 {
			t.Fatalf("got %d hits, %v; want 10", len(hits), err)
		}
	})
}

// bulkLoad puts docs × per passages of dimension dim; every tenth document is in collection "rare".
func bulkLoad(t testing.TB, s *Store, rng *mrand.Rand, docs, per, dim int) []*retrieval.Document {
	t.Helper()
	var out []*retrieval.Document
	for i := range docs {
		coll := "common"
		if i%10 == 0 {
			coll = "rare"
		}
		d := makeDoc(rng, coll, fmt.Sprintf("d%04d", i), per, dim)
		mustPut(t, s, d)
		out = append(out, d)
	}
	return out
}

// exactNearest returns the ids of the k passages nearest to q among docs whose collection passes keep.
func exactNearest(docs []*retrieval.Document, q []float32, k int, keep func(*retrieval.Document) bool) []string {
	type cand struct {
		id  string
		sim float32
	}
	var cs []cand
	for _, d := range docs {
		if !keep(d) {
			continue
		}
		for _, p := range d.Passages {
			cs = append(cs, cand{p.ID, retrieval.Dot(q, p.Embedding)})
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].sim > cs[j].sim })
	var ids []string
	for _, c := range cs[:min(k, len(cs))] {
		ids = append(ids, c.id)
	}
	return ids
}

func hitIDs(hits []retrieval.Hit) []string {
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Passage.ID)
	}
	return ids
}

func TestSearchVector(t *testing.T) {
	ctx := context.Background()
	const dim = 32
	s := openTest(t)
	if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "random", Dim: dim}); err != nil {
		t.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(5, 6))
	docs := bulkLoad(t, s, rng, 40, 50, dim) // 2,000 passages, 200 in "rare"
	if _, err := s.pool.Exec(ctx, "ANALYZE passages; ANALYZE documents"); err != nil {
		t.Fatal(err)
	}
	q := unit(rng, dim)

	// A shared collection makes the workspace filter probe shared_collections for passages of
	// other workspaces, as it does in a deployment with several.
	if err := s.CreateWorkspace(ctx, &retrieval.Workspace{Name: "city"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO shared_collections (workspace, collection, shared_at) VALUES ('city', 'public', now())`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		scope retrieval.Scope
	}{
		{"the query over every workspace walks the HNSW index", retrieval.AllWorkspaces()},
		{"the query in one workspace, with the shared collections, walks the HNSW index", retrieval.InWorkspace(retrieval.DefaultWorkspace)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := s.pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, setEfSearch, "100"); err != nil {
				t.Fatal(err)
			}
			// At 2,000 rows an exact scan costs about as much as the HNSW index does, so the planner's
			// choice flips on page costs; SSD servers run with random_page_cost 1.1 (README), as here.
			if _, err := tx.Exec(ctx, "SET LOCAL random_page_cost = 1.1"); err != nil {
				t.Fatal(err)
			}
			rows, _ := tx.Query(ctx, "EXPLAIN "+searchVector, append([]any{pgv.NewVector(q), 10}, filterArgs(retrieval.Filter{Scope: tc.scope})...)...)
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(lines, "\n")
			if !strings.Contains(plan, "Index Scan using passages_embedding_hnsw") {
				t.Fatalf("plan does not use the HNSW index:\n%s", plan)
			}
			// The shared collections, a small table, are read once per query into a hash, not per passage.
			if !tc.scope.All() && !strings.Contains(plan, "hashed SubPlan") && !strings.Contains(plan, "shared_collections_pkey") {
				t.Fatalf("plan reads the shared collections for every passage:\n%s", plan)
			}
		})
	}
	t.Run("hits come best first with cosine similarity and ranks from 1", func(t *testing.T) {
		hits, err := s.SearchVector(ctx, q, 10, retrieval.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 10 {
			t.Fatalf("got %d hits, want 10", len(hits))
		}
		exact := exactNearest(docs, q, 10, func(*retrieval.Document) bool { return true })
		if got := hitIDs(hits); got[0] != exact[0] {
			t.Fatalf("best hit %s, exact best %s", got[0], exact[0])
		}
		for i, h := range hits {
			if h.Rank != i+1 || i > 0 && h.Score > hits[i-1].Score || h.Score < -1 || h.Score > 1 {
				t.Fatalf("hit %d: rank %d score %v after %v", i, h.Rank, h.Score, hits[max(i-1, 0)].Score)
			}
		}
	})
	t.Run("a selective filter still returns k hits, all matching", func(t *testing.T) {
		f := retrieval.Filter{Collection: "rare"}
		hits, err := s.SearchVector(ctx, q, 30, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 30 {
			t.Fatalf("got %d hits, want 30", len(hits))
		}
		exact := exactNearest(docs, q, 30, func(d *retrieval.Document) bool { return d.Collection == "rare" })
		got := hitIDs(hits)
		recall := 0
		for _, id := range got {
			if !strings.HasPrefix(id, "rare/") {
				t.Fatalf("hit %s is outside the filter", id)
			}
			if slices.Contains(exact, id) {
				recall++
			}
		}
		if recall < 27 {
			t.Fatalf("recall@30 = %d/30 under the filter", recall)
		}
	})
	t.Run("a filter matching fewer than k passages returns all of them", func(t *testing.T) {
		f := retrieval.Filter{Collection: "rare", YearFrom: 2023, YearTo: 2023, Kinds: []string{"总结"}}
		hits, err := s.SearchVector(ctx, q, 300, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 200 {
			t.Fatalf("got %d hits, want all 200 rare passages", len(hits))
		}
		if none, _ := s.SearchVector(ctx, q, 5, retrieval.Filter{YearFrom: 2024}); len(none) != 0 {
			t.Fatalf("year filter: got %d hits, want none", len(none))
		}
	})
	t.Run("a query vector of another dimension is invalid", func(t *testing.T) {
		if _, err := s.SearchVector(ctx, unit(rng, 8), 5, retrieval.Filter{}); retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Fatalf("SearchVector = %v, want code %s", err, retrieval.EINVALID)
		}
	})
}

func TestEmbedder(t *testing.T) {
	ctx := context.Background()
	rng := mrand.New(mrand.NewPCG(7, 8))
	t.Run("another embedder is refused with a message that says what to do", func(t *testing.T) {
		s := openTest(t)
		if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "local-v1", Dim: 8}); err != nil {
			t.Fatal(err)
		}
		err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "openai:text-embedding-3-small", Dim: 1536})
		want := "这个数据库由向量模型 local-v1（维度 8）建立，而 draftd 配置的是 openai:text-embedding-3-small（维度 1536）。" +
			"请运行 `draftd reindex` 重新计算所有段落的向量，或把配置改回原来的模型。"
		if retrieval.ErrorCode(err) != retrieval.EEMBEDDERMISMATCH || retrieval.ErrorMessage(err) != want {
			t.Fatalf("CheckEmbedder = %v", err)
		}
	})
	t.Run("a store reopened remembers its embedder", func(t *testing.T) {
		s, schema := openTestSchema(t, Options{MaxConns: 2})
		if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "a", Dim: 8}); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(ctx, testURL(t), Options{Schema: schema, MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if _, err := s2.Put(ctx, makeDoc(rng, "c", "a", 1, 4)); retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Fatalf("Put of dim 4 into a dim-8 store = %v, want code %s", err, retrieval.EINVALID)
		}
	})
	t.Run("reindex changes the dimension and search works in the new space", func(t *testing.T) {
		s := openTest(t)
		if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "old", Dim: 8}); err != nil {
			t.Fatal(err)
		}
		docs := bulkLoad(t, s, rng, 3, 100, 8)
		e := retrieval.NewLocalEmbedder(16)
		spec := retrieval.EmbedderSpec{Name: "new", Dim: 16}
		var calls [][2]int
		err := s.Reindex(ctx, spec, e.Embed, func(done, total int) { calls = append(calls, [2]int{done, total}) })
		if err != nil {
			t.Fatal(err)
		}
		wantCalls := [][2]int{{0, 300}, {128, 300}, {256, 300}, {300, 300}}
		if !slices.Equal(calls, wantCalls) {
			t.Fatalf("progress calls = %v, want %v", calls, wantCalls)
		}
		if err := s.CheckEmbedder(ctx, spec); err != nil {
			t.Fatalf("CheckEmbedder(new) after reindex: %v", err)
		}
		p := docs[1].Passages[7]
		vs, _ := e.Embed(ctx, []string{retrieval.EmbedText(p)})
		hits, err := s.SearchVector(ctx, vs[0], 1, retrieval.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].Score < 0.9999 {
			t.Fatalf("searching a passage's own new vector: %+v", hits)
		}
		var indexed bool
		if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_indexes WHERE indexname = 'passages_embedding_hnsw' AND schemaname = current_schema())").Scan(&indexed); err != nil || !indexed {
			t.Fatalf("HNSW index after reindex: %v %v", indexed, err)
		}
	})
	t.Run("a failing reindex changes nothing", func(t *testing.T) {
		s := openTest(t)
		old := retrieval.EmbedderSpec{Name: "old", Dim: 8}
		if err := s.CheckEmbedder(ctx, old); err != nil {
			t.Fatal(err)
		}
		docs := bulkLoad(t, s, rng, 2, 100, 8)
		boom := errors.New("model unavailable")
		calls := 0
		failing := func(ctx context.Context, texts []string) ([][]float32, error) {
			if calls++; calls == 2 {
				return nil, boom
			}
			return retrieval.NewLocalEmbedder(16).Embed(ctx, texts)
		}
		if err := s.Reindex(ctx, retrieval.EmbedderSpec{Name: "new", Dim: 16}, failing, nil); !errors.Is(err, boom) {
			t.Fatalf("Reindex = %v, want %v", err, boom)
		}
		if err := s.CheckEmbedder(ctx, old); err != nil {
			t.Fatalf("CheckEmbedder(old) after failed reindex: %v", err)
		}
		hits, err := s.SearchVector(ctx, docs[0].Passages[3].Embedding, 1, retrieval.Filter{})
		if err != nil || len(hits) != 1 || hits[0].Passage.ID != docs[0].Passages[3].ID {
			t.Fatalf("old vectors after failed reindex: %+v %v", hits, err)
		}
	})
}

func TestReindexElsewhere(t *testing.T) {
	ctx := context.Background()
	rng := mrand.New(mrand.NewPCG(15, 16))
	s, schema := openTestSchema(t, Options{MaxConns: 4})
	if err := s.CheckEmbedder(ctx, retrieval.EmbedderSpec{Name: "local-v1", Dim: 8}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, makeDoc(rng, "c", "a", 3, 8))
	other, err := Open(ctx, testURL(t), Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	embed := func(_ context.Context, texts []string) ([][]float32, error) {
		out := make([][]float32, len(texts))
		for i := range out {
			out[i] = unit(rng, 4)
		}
		return out, nil
	}
	if err := other.Reindex(ctx, retrieval.EmbedderSpec{Name: "local-v1", Dim: 4}, embed, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"ping reports the mismatch, so /readyz goes not ready", func() error { return s.Ping(ctx) }},
		{"a search names the mismatch instead of an invalid request", func() error {
			_, err := s.SearchVector(ctx, unit(rng, 8), 3, retrieval.Filter{})
			return err
		}},
		{"a put names the mismatch", func() error {
			_, err := s.Put(ctx, makeDoc(rng, "c", "b", 2, 8))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if retrieval.ErrorCode(err) != retrieval.EEMBEDDERMISMATCH || !strings.Contains(err.Error(), "draftd reindex") {
				t.Fatalf("err = %v, want code %s naming draftd reindex", err, retrieval.EEMBEDDERMISMATCH)
			}
		})
	}
	if err := other.Ping(ctx); err != nil {
		t.Fatalf("the reindexing store itself is fine: %v", err)
	}
}

func TestWorkspaces(t *testing.T) {
	testURL(t)
	storetest.RunWorkspaces(t, func(t *testing.T) storetest.WorkspaceStore { return openTest(t) })
}
