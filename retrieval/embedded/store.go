// Package embedded is draftd's no-server store: one SQLite file (pure Go)
// keeps documents, passages and vectors durably, and an in-memory index
// answers searches: exact vector search by brute force over all vectors, and
// BM25 keyword search over postings of retrieval.PassageTokens.
//
// Keyword search does not use SQLite's FTS5: FTS5 scores every matching row
// for each query, which took 100–300 ms at 100,000 passages of real text,
// where the in-memory postings take about a millisecond. The postings are
// rebuilt from the passages at Open.
package embedded

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/draftd/draftd/retrieval"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file Open creates in its directory.
const FileName = "draftd.db"

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a retrieval.Store kept in one SQLite file, with every passage's
// vector also held in memory for exact search.
type Store struct {
	db *sql.DB // readers
	wr *sql.DB // the single writer; BEGIN IMMEDIATE

	// wmu serialises writes, so Put can read-then-write without races and
	// Reindex can hold writers off while it swaps vectors.
	wmu sync.Mutex
	rmu sync.Mutex // one reindex at a time

	// mu guards ix and spec; searches hold it for reading while they scan
	// and fetch, writers take it to commit so the index and the file agree.
	mu     sync.RWMutex
	ix     *index
	spec   *retrieval.EmbedderSpec // nil until recorded
	shared sharedSet               // the collections shared with every workspace

	// hitsStmt fetches search hits; prepared once, since under concurrent searches
	// re-preparing it per call cost about a third of the CPU.
	hitsOnce sync.Once
	hitsStmt *sql.Stmt
	hitsErr  error

	// Draft writes go to the committer goroutine (commit.go), which runs stmts.
	writes    chan *writeOp
	quit      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
	stmts     map[string]*sql.Stmt

	events notifier // announces appended drafting events within this process (events.go)
}

var _ retrieval.Store = (*Store)(nil)

// Open opens the store in dir, creating the directory and database if needed
// and applying pending migrations.
func Open(ctx context.Context, dir string) (*Store, error) {
	if strings.ContainsAny(dir, "?#") {
		return nil, retrieval.Errorf(retrieval.EINVALID, "store directory %q must not contain '?' or '#'", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	path := filepath.Join(dir, FileName)
	const pragmas = "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"

	s := &Store{}
	var err error
	if s.wr, err = sql.Open("sqlite", path+pragmas+"&_txlock=immediate"); err != nil {
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	s.wr.SetMaxOpenConns(1)
	if err := s.migrate(ctx); err != nil {
		s.wr.Close()
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	if err := s.prepareWrites(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	if s.db, err = sql.Open("sqlite", path+pragmas+"&_pragma=query_only(1)"); err != nil {
		s.wr.Close()
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	s.db.SetMaxOpenConns(4)
	s.db.SetMaxIdleConns(4)
	if err := s.load(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	s.startCommitter()
	return s, nil
}

// migrate applies the embedded migrations not yet recorded, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	const create = `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`
	if _, err := s.wr.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

// migrateFile applies migration name unless it is recorded, in one transaction. Foreign keys are
// off while it runs, as SQLite's way of changing a table's constraints requires (make the table
// again, copy, drop the old one: with foreign keys on, the drop would delete the rows that refer
// to it), and checked before it commits.
func (s *Store) migrateFile(ctx context.Context, name string) error {
	conn, err := s.wr.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrations, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	broken := rows.Next()
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if broken {
		return fmt.Errorf("a row refers to one that does not exist")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`, name, time.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// Close releases the store's database handles.
func (s *Store) Close() error {
	s.stopCommitter()
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	if s.hitsStmt != nil {
		errs = append(errs, s.hitsStmt.Close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if s.wr != nil {
		errs = append(errs, s.wr.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("embedded: close: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("embedded: ping: %w", err)
	}
	return nil
}

// embedderKey is the meta row holding the recorded retrieval.EmbedderSpec as JSON.
const embedderKey = "embedder"

const upsertMeta = `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`

// CheckEmbedder records spec when the store holds no passages, accepts the
// recorded spec, and returns an EEMBEDDERMISMATCH error for any other.
func (s *Store) CheckEmbedder(ctx context.Context, spec retrieval.EmbedderSpec) error {
	if err := validSpec(spec); err != nil {
		return fmt.Errorf("embedded: check embedder: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()

	s.mu.RLock()
	recorded, n, dim := s.spec, s.ix.len(), s.ix.dim
	s.mu.RUnlock()
	// Vectors put before any embedder was recorded count as an unknown one.
	switch {
	case recorded != nil && *recorded == spec:
		return nil
	case n > 0 && recorded != nil:
		return fmt.Errorf("embedded: check embedder: %w", mismatch(*recorded, spec))
	case n > 0 && dim != spec.Dim:
		return fmt.Errorf("embedded: check embedder: %w", mismatch(retrieval.EmbedderSpec{Name: "unknown", Dim: dim}, spec))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.wr.ExecContext(ctx, upsertMeta, embedderKey, jsonText(spec)); err != nil {
		return fmt.Errorf("embedded: check embedder: %w", err)
	}
	s.spec = &spec
	return nil
}

func validSpec(spec retrieval.EmbedderSpec) error {
	if spec.Name == "" || spec.Dim <= 0 {
		return retrieval.Errorf(retrieval.EINVALID, "an embedder needs a name and a positive dimension, got %q (dim %d)", spec.Name, spec.Dim)
	}
	return nil
}

func mismatch(have, want retrieval.EmbedderSpec) error {
	return &retrieval.Error{
		Code: retrieval.EEMBEDDERMISMATCH,
		Message: fmt.Sprintf("这个数据存储由向量模型 %s（维度 %d）建立，而 draftd 配置的是 %s（维度 %d）。"+
			"请运行 `draftd reindex` 重新计算所有段落的向量，或把配置改回原来的模型。",
			have.Name, have.Dim, want.Name, want.Dim),
	}
}

// load reads the recorded embedder and every passage's vector into a fresh index.
func (s *Store) load(ctx context.Context) error {
	var spec *retrieval.EmbedderSpec
	var raw string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, embedderKey).Scan(&raw)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("load embedder: %w", err)
	default:
		spec = new(retrieval.EmbedderSpec)
		if err := json.Unmarshal([]byte(raw), spec); err != nil {
			return fmt.Errorf("load embedder: %w", err)
		}
	}
	ix, err := s.loadIndex(ctx)
	if err != nil {
		return err
	}
	shared, err := s.loadShared(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.ix, s.spec, s.shared = ix, spec, shared
	s.mu.Unlock()
	return nil
}

// loadBatch is how many passages loadIndex tokenises at a time, in parallel.
const loadBatch = 4096

// loadIndex builds an index from every document and passage in the database.
func (s *Store) loadIndex(ctx context.Context) (*index, error) {
	const docsQuery = `SELECT id, workspace, collection, title, meta FROM documents`
	const passagesQuery = `SELECT seq, document_id, role, embedding, heading_path, text FROM passages ORDER BY document_id, ordinal`

	ix := newIndex(0)
	rows, err := s.db.QueryContext(ctx, docsQuery)
	if err != nil {
		return nil, fmt.Errorf("load documents: %w", err)
	}
	docs := map[string]*docEntry{}
	for rows.Next() {
		var id, workspace, collection, title, meta string
		if err := rows.Scan(&id, &workspace, &collection, &title, &meta); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load documents: %w", err)
		}
		var m retrieval.Meta
		if err := json.Unmarshal([]byte(meta), &m); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load documents: %s: %w", id, err)
		}
		docs[id] = &docEntry{id: id, workspace: workspace, collection: collection, kind: m.Kind, years: m.Years, title: title, orgKind: m.OrgKind}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load documents: %w", err)
	}

	rows, err = s.db.QueryContext(ctx, passagesQuery)
	if err != nil {
		return nil, fmt.Errorf("load passages: %w", err)
	}
	defer rows.Close()
	type loaded struct {
		indexedPassage
		docID string
		text  retrieval.Passage // heading path and text, to tokenise
	}
	var cur *docEntry
	var group []indexedPassage
	add := func(batch []loaded) error {
		for _, p := range batch {
			if cur == nil || cur.id != p.docID {
				if cur != nil {
					if err := ix.add(*cur, group); err != nil {
						return err
					}
				}
				cur, group = docs[p.docID], group[:0]
				delete(docs, p.docID)
			}
			group = append(group, p.indexedPassage)
		}
		return nil
	}
	// Each batch is tokenised in the background while the next is read and the one before is indexed.
	var pending []loaded
	var tokenised chan struct{}
	next := func(batch []loaded) error {
		var err error
		if tokenised != nil {
			<-tokenised
			err = add(pending)
		}
		pending, tokenised = batch, nil
		if len(batch) > 0 {
			done := make(chan struct{})
			go func() {
				parallel(len(batch), func(i int) { batch[i].tokens = retrieval.PassageTokens(batch[i].text) })
				close(done)
			}()
			tokenised = done
		}
		return err
	}
	batch := make([]loaded, 0, loadBatch)
	for rows.Next() {
		var p loaded
		var blob []byte
		var heading string
		if err := rows.Scan(&p.seq, &p.docID, &p.role, &blob, &heading, &p.text.Text); err != nil {
			return nil, fmt.Errorf("load passages: %w", err)
		}
		if err := json.Unmarshal([]byte(heading), &p.text.HeadingPath); err != nil {
			return nil, fmt.Errorf("load passages: %w", err)
		}
		p.vec = decodeVector(blob)
		if batch = append(batch, p); len(batch) == loadBatch {
			if err := next(batch); err != nil {
				return nil, fmt.Errorf("load passages: %w", err)
			}
			batch = make([]loaded, 0, loadBatch)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load passages: %w", err)
	}
	if err := errors.Join(next(batch), next(nil)); err != nil {
		return nil, fmt.Errorf("load passages: %w", err)
	}
	if cur != nil {
		if err := ix.add(*cur, group); err != nil {
			return nil, fmt.Errorf("load passages: %w", err)
		}
	}
	for _, d := range docs { // documents without passages
		if err := ix.add(*d, nil); err != nil {
			return nil, fmt.Errorf("load documents: %w", err)
		}
	}
	return ix, nil
}

// parallel calls f(0) … f(n-1) spread over the available cores.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				f(i)
			}
		})
	}
	wg.Wait()
}
