package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/draftd/draftd/retrieval"
)

var _ retrieval.WorkspaceStore = (*Store)(nil)

// missingWorkspace turns the foreign-key violation of a row naming workspace ws, which does not
// exist, into an ENOTFOUND error; other errors pass unchanged.
func missingWorkspace(err error, ws string) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return retrieval.Errorf(retrieval.ENOTFOUND, "工作区 %q 不存在，请用 draftd workspaces add 创建", ws)
	}
	return err
}

// CreateWorkspace stores w; an ECONFLICT error if its name is taken, EINVALID for a bad name.
func (s *Store) CreateWorkspace(ctx context.Context, w *retrieval.Workspace) error {
	const insert = `INSERT INTO workspaces (name, created_at) VALUES (?, ?)`
	if err := retrieval.ValidWorkspaceName(w.Name); err != nil {
		return fmt.Errorf("embedded: create workspace: %w", err)
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = time.Now().UTC()
	}
	_, err := s.wr.ExecContext(ctx, insert, w.Name, w.CreatedAt.UnixNano())
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		err = retrieval.Errorf(retrieval.ECONFLICT, "已有名为 %s 的工作区", w.Name)
	}
	if err != nil {
		return fmt.Errorf("embedded: create workspace: %w", err)
	}
	return nil
}

// Workspace returns the workspace called name; retrieval.ErrNotFound if there is none.
func (s *Store) Workspace(ctx context.Context, name string) (*retrieval.Workspace, error) {
	const query = `SELECT name, created_at FROM workspaces WHERE name = ?`
	var w retrieval.Workspace
	var created int64
	err := s.db.QueryRowContext(ctx, query, name).Scan(&w.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("embedded: workspace %s: %w", name, retrieval.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: workspace: %w", err)
	}
	w.CreatedAt = time.Unix(0, created).UTC()
	return &w, nil
}

// Workspaces lists every workspace by name.
func (s *Store) Workspaces(ctx context.Context) ([]retrieval.Workspace, error) {
	const query = `SELECT name, created_at FROM workspaces ORDER BY name`
	out, err := collect(ctx, s.db, query, nil, func(r *sql.Rows) (retrieval.Workspace, error) {
		var w retrieval.Workspace
		var created int64
		err := r.Scan(&w.Name, &created)
		w.CreatedAt = time.Unix(0, created).UTC()
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: workspaces: %w", err)
	}
	return out, nil
}

// Collections lists the collections of sc's workspace, through the documents' unique index on
// (workspace, collection, key), and those other workspaces share, by workspace (sc's first) and
// name, with their documents counted; every workspace's for AllWorkspaces.
func (s *Store) Collections(ctx context.Context, sc retrieval.Scope) ([]retrieval.Collection, error) {
	const shared = `EXISTS (SELECT 1 FROM shared_collections s WHERE s.workspace = d.workspace AND s.collection = d.collection)`
	const query = `SELECT * FROM (
			SELECT d.workspace, d.collection AS name, count(*) AS documents, ` + shared + ` AS shared
			FROM documents d WHERE d.workspace = ?1 GROUP BY d.workspace, d.collection
			UNION ALL
			SELECT s.workspace, s.collection,
				(SELECT count(*) FROM documents d WHERE d.workspace = s.workspace AND d.collection = s.collection), 1
			FROM shared_collections s WHERE s.workspace <> ?1
		) ORDER BY workspace <> ?1, workspace, name`
	const all = `SELECT d.workspace, d.collection, count(*), ` + shared + `
		FROM documents d GROUP BY d.workspace, d.collection ORDER BY d.workspace, d.collection`

	q, args := query, []any{sc.Workspace()}
	if sc.All() {
		q, args = all, nil
	}
	out, err := collect(ctx, s.db, q, args, func(r *sql.Rows) (retrieval.Collection, error) {
		var c retrieval.Collection
		err := r.Scan(&c.Workspace, &c.Name, &c.Documents, &c.Shared)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: collections: %w", err)
	}
	return out, nil
}

// ShareCollection makes collection of sc's workspace readable by every workspace, or by its own
// alone, in the database and in the search index at once. A collection the workspace neither has
// a document in nor shares is retrieval.ErrNotFound; sc must name one workspace (EINVALID for
// AllWorkspaces).
func (s *Store) ShareCollection(ctx context.Context, sc retrieval.Scope, collection string, shared bool) error {
	const exists = `SELECT EXISTS (SELECT 1 FROM documents WHERE workspace = ?1 AND collection = ?2)
		OR EXISTS (SELECT 1 FROM shared_collections WHERE workspace = ?1 AND collection = ?2)`
	const share = `INSERT INTO shared_collections (workspace, collection, shared_at) VALUES (?, ?, ?)
		ON CONFLICT (workspace, collection) DO NOTHING`
	const unshare = `DELETE FROM shared_collections WHERE workspace = ? AND collection = ?`
	if sc.All() {
		return fmt.Errorf("embedded: share collection: %w", retrieval.Errorf(retrieval.EINVALID, "文档集只能由一个工作区共享"))
	}
	ws := sc.Workspace()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("embedded: share collection: %w", err)
	}
	defer tx.Rollback()
	var ok bool
	if err := tx.QueryRowContext(ctx, exists, ws, collection).Scan(&ok); err != nil {
		return fmt.Errorf("embedded: share collection: %w", err)
	}
	if !ok {
		return fmt.Errorf("embedded: share collection %s: %w", collection, retrieval.ErrNotFound)
	}
	if shared {
		_, err = tx.ExecContext(ctx, share, ws, collection, time.Now().UnixNano())
	} else {
		_, err = tx.ExecContext(ctx, unshare, ws, collection)
	}
	if err != nil {
		return fmt.Errorf("embedded: share collection: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("embedded: share collection: %w", err)
	}
	if key := sharedKey(ws, collection); shared {
		s.shared[key] = true
	} else {
		delete(s.shared, key)
	}
	return nil
}

// loadShared reads the shared collections.
func (s *Store) loadShared(ctx context.Context) (sharedSet, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT workspace, collection FROM shared_collections`)
	if err != nil {
		return nil, fmt.Errorf("load shared collections: %w", err)
	}
	defer rows.Close()
	set := sharedSet{}
	for rows.Next() {
		var ws, c string
		if err := rows.Scan(&ws, &c); err != nil {
			return nil, fmt.Errorf("load shared collections: %w", err)
		}
		set[sharedKey(ws, c)] = true
	}
	return set, rows.Err()
}
