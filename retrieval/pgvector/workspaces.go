package pgvector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/draftd/draftd/retrieval"
)

var _ retrieval.WorkspaceStore = (*Store)(nil)

// missingWorkspace turns the foreign-key violation of a row naming workspace ws, which does not
// exist, into an ENOTFOUND error; other errors pass unchanged.
func missingWorkspace(err error, ws string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" && pgErr.ConstraintName != "" {
		return retrieval.Errorf(retrieval.ENOTFOUND, "工作区 %q 不存在，请用 draftd workspaces add 创建", ws)
	}
	return err
}

const insertWorkspace = `INSERT INTO workspaces (name, created_at) VALUES ($1, $2)`

// CreateWorkspace stores w; an ECONFLICT error if its name is taken, EINVALID for a bad name.
func (s *Store) CreateWorkspace(ctx context.Context, w *retrieval.Workspace) error {
	if err := retrieval.ValidWorkspaceName(w.Name); err != nil {
		return fmt.Errorf("pgvector: create workspace: %w", err)
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = now()
	}
	if _, err := s.pool.Exec(ctx, insertWorkspace, w.Name, w.CreatedAt); err != nil {
		return fmt.Errorf("pgvector: create workspace: %w",
			mapErr(conflict(err, "workspaces_pkey", "已有名为 "+w.Name+" 的工作区")))
	}
	return nil
}

const (
	selectWorkspace  = `SELECT name, created_at FROM workspaces WHERE name = $1`
	selectWorkspaces = `SELECT name, created_at FROM workspaces ORDER BY name`
)

// Workspace returns the workspace called name; retrieval.ErrNotFound if there is none.
func (s *Store) Workspace(ctx context.Context, name string) (*retrieval.Workspace, error) {
	rows, _ := s.pool.Query(ctx, selectWorkspace, name)
	w, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[retrieval.Workspace])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgvector: workspace %s: %w", name, retrieval.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("pgvector: workspace: %w", mapErr(err))
	}
	w.CreatedAt = w.CreatedAt.UTC()
	return w, nil
}

// Workspaces lists every workspace by name.
func (s *Store) Workspaces(ctx context.Context) ([]retrieval.Workspace, error) {
	rows, _ := s.pool.Query(ctx, selectWorkspaces)
	ws, err := pgx.CollectRows(rows, pgx.RowToStructByName[retrieval.Workspace])
	if err != nil {
		return nil, fmt.Errorf("pgvector: workspaces: %w", mapErr(err))
	}
	for i := range ws {
		ws[i].CreatedAt = ws[i].CreatedAt.UTC()
	}
	return nonNil(ws), nil
}

// selectCollections lists the collections of workspace $1, through the documents' unique index
// on (workspace, collection, key), and those other workspaces share, with their documents
// counted; selectAllCollections every workspace's.
const (
	selectCollections = `SELECT * FROM (
    SELECT d.workspace, d.collection AS name, count(*)::int AS documents,
           EXISTS (SELECT FROM shared_collections s WHERE s.workspace = d.workspace AND s.collection = d.collection) AS shared
    FROM documents d WHERE d.workspace = $1
    GROUP BY d.workspace, d.collection
    UNION ALL
    SELECT s.workspace, s.collection,
           (SELECT count(*)::int FROM documents d WHERE d.workspace = s.workspace AND d.collection = s.collection), true
    FROM shared_collections s WHERE s.workspace <> $1
) c
ORDER BY c.workspace <> $1, c.workspace, c.name`
	selectAllCollections = `SELECT d.workspace, d.collection AS name, count(*)::int AS documents,
       EXISTS (SELECT FROM shared_collections s WHERE s.workspace = d.workspace AND s.collection = d.collection) AS shared
FROM documents d
GROUP BY d.workspace, d.collection
ORDER BY d.workspace, d.collection`
)

// Collections lists the collections of sc's workspace and those other workspaces share, by
// workspace (sc's first) and name; every workspace's for AllWorkspaces.
func (s *Store) Collections(ctx context.Context, sc retrieval.Scope) ([]retrieval.Collection, error) {
	var rows pgx.Rows
	if sc.All() {
		rows, _ = s.pool.Query(ctx, selectAllCollections)
	} else {
		rows, _ = s.pool.Query(ctx, selectCollections, sc.Workspace())
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[retrieval.Collection])
	if err != nil {
		return nil, fmt.Errorf("pgvector: collections: %w", mapErr(err))
	}
	return nonNil(cs), nil
}

const (
	collectionExists = `SELECT EXISTS (SELECT FROM documents WHERE workspace = $1 AND collection = $2)
    OR EXISTS (SELECT FROM shared_collections WHERE workspace = $1 AND collection = $2)`
	shareCollection = `INSERT INTO shared_collections (workspace, collection, shared_at) VALUES ($1, $2, $3)
ON CONFLICT (workspace, collection) DO NOTHING`
	unshareCollection = `DELETE FROM shared_collections WHERE workspace = $1 AND collection = $2`
)

// ShareCollection makes collection of sc's workspace readable by every workspace, or by its own
// alone. A collection the workspace neither has a document in nor shares is
// retrieval.ErrNotFound; sc must name one workspace (EINVALID for AllWorkspaces).
func (s *Store) ShareCollection(ctx context.Context, sc retrieval.Scope, collection string, shared bool) error {
	if sc.All() {
		return fmt.Errorf("pgvector: share collection: %w", retrieval.Errorf(retrieval.EINVALID, "文档集只能由一个工作区共享"))
	}
	ws := sc.Workspace()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, collectionExists, ws, collection).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return retrieval.ErrNotFound
		}
		if !shared {
			_, err := tx.Exec(ctx, unshareCollection, ws, collection)
			return err
		}
		_, err := tx.Exec(ctx, shareCollection, ws, collection, time.Now().UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("pgvector: share collection %s: %w", collection, mapErr(err))
	}
	return nil
}
