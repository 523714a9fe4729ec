package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

var (
	_ auth.Store            = (*Store)(nil)
	_ auth.IdempotencyStore = (*Store)(nil)
)

// CreateKey stores k in its workspace ("" is the default one, and k.Workspace is set so); an
// ECONFLICT error if its ID or hash is taken, ENOTFOUND if there is no such workspace.
func (s *Store) CreateKey(ctx context.Context, k *auth.Key) error {
	const insert = `INSERT INTO api_keys (id, workspace, name, role, prefix, hash, created_at, last_used_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

	if k.Workspace == "" {
		k.Workspace = retrieval.DefaultWorkspace
	}
	_, err := s.wr.ExecContext(ctx, insert, k.ID, k.Workspace, k.Name, k.Role, k.Prefix, k.Hash, k.CreatedAt.UnixNano(),
		nanos(k.LastUsedAt), nanos(k.RevokedAt))
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		err = retrieval.Errorf(retrieval.ECONFLICT, "a key with ID %s or the same token already exists", k.ID)
	}
	if err != nil {
		return fmt.Errorf("embedded: create key: %w", missingWorkspace(err, k.Workspace))
	}
	return nil
}

const keyColumns = `id, workspace, name, role, prefix, hash, created_at, last_used_at, revoked_at`

// KeyByHash returns the key whose token hashes to hash; retrieval.ErrNotFound if none.
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (*auth.Key, error) {
	const query = `SELECT ` + keyColumns + ` FROM api_keys WHERE hash = ?`

	k, err := scanKey(s.db.QueryRowContext(ctx, query, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, retrieval.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: key by hash: %w", err)
	}
	return k, nil
}

// Keys lists the keys of sc's workspace, revoked ones included, oldest first.
func (s *Store) Keys(ctx context.Context, sc retrieval.Scope) ([]auth.Key, error) {
	const query = `SELECT ` + keyColumns + ` FROM api_keys WHERE ?1 OR workspace = ?2 ORDER BY created_at, id`

	keys, err := collect(ctx, s.db, query, []any{sc.All(), sc.Workspace()}, func(r *sql.Rows) (auth.Key, error) {
		k, err := scanKey(r)
		if err != nil {
			return auth.Key{}, err
		}
		return *k, nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: keys: %w", err)
	}
	return keys, nil
}

// RevokeKey marks key id of sc's workspace revoked at at, keeping the first time;
// retrieval.ErrNotFound if there is no such key.
func (s *Store) RevokeKey(ctx context.Context, sc retrieval.Scope, id string, at time.Time) error {
	const update = `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?1) WHERE id = ?2 AND (?3 OR workspace = ?4)`

	if err := affected(s.wr.ExecContext(ctx, update, at.UnixNano(), id, sc.All(), sc.Workspace())); err != nil {
		return fmt.Errorf("embedded: revoke key: %w", err)
	}
	return nil
}

// TouchKey records that key id was used at at, unless a later use is recorded.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time) error {
	const update = `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`

	if _, err := s.wr.ExecContext(ctx, update, at.UnixNano(), id, at.UnixNano()); err != nil {
		return fmt.Errorf("embedded: touch key: %w", err)
	}
	return nil
}

// scanKey reads one api_keys row selected with keyColumns.
func scanKey(row interface{ Scan(...any) error }) (*auth.Key, error) {
	var k auth.Key
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&k.ID, &k.Workspace, &k.Name, &k.Role, &k.Prefix, &k.Hash, &created, &used, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt = time.Unix(0, created).UTC()
	k.LastUsedAt, k.RevokedAt = timeOf(used), timeOf(revoked)
	return &k, nil
}

// nanos returns t as Unix nanoseconds, or null for nil.
func nanos(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

// timeOf is the inverse of nanos.
func timeOf(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.Unix(0, n.Int64).UTC()
	return &t
}

// ClaimIdempotency stores r unless a record for r.Scope and r.Key created at or after since
// exists, and returns the stored record and whether it is r; older records are deleted.
func (s *Store) ClaimIdempotency(ctx context.Context, r auth.Idempotency, since time.Time) (auth.Idempotency, bool, error) {
	const expire = `DELETE FROM idempotency WHERE created_at < ?`
	const insert = `INSERT INTO idempotency (scope, idempotency_key, body_hash, draft_id, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, idempotency_key) DO NOTHING`
	const query = `SELECT body_hash, draft_id, created_at FROM idempotency WHERE scope = ? AND idempotency_key = ?`

	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return r, false, fmt.Errorf("embedded: claim idempotency: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, expire, since.UnixNano()); err != nil {
		return r, false, fmt.Errorf("embedded: claim idempotency: %w", err)
	}
	res, err := tx.ExecContext(ctx, insert, r.Scope, r.Key, r.BodyHash, r.DraftID, r.CreatedAt.UnixNano())
	if err != nil {
		return r, false, fmt.Errorf("embedded: claim idempotency: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return r, false, fmt.Errorf("embedded: claim idempotency: %w", err)
	}
	got := auth.Idempotency{Scope: r.Scope, Key: r.Key}
	if n == 0 {
		var created int64
		if err := tx.QueryRowContext(ctx, query, r.Scope, r.Key).Scan(&got.BodyHash, &got.DraftID, &created); err != nil {
			return r, false, fmt.Errorf("embedded: claim idempotency: %w", err)
		}
		got.CreatedAt = time.Unix(0, created).UTC()
	}
	if err := tx.Commit(); err != nil {
		return r, false, fmt.Errorf("embedded: claim idempotency: %w", err)
	}
	if n == 0 {
		return got, false, nil
	}
	return r, true, nil
}

// SetIdempotencyDraft records draftID on the record for scope and key; retrieval.ErrNotFound if there is none.
func (s *Store) SetIdempotencyDraft(ctx context.Context, scope, key, draftID string) error {
	const update = `UPDATE idempotency SET draft_id = ? WHERE scope = ? AND idempotency_key = ?`

	if err := affected(s.wr.ExecContext(ctx, update, draftID, scope, key)); err != nil {
		return fmt.Errorf("embedded: set idempotency draft: %w", err)
	}
	return nil
}

// ReleaseIdempotency deletes the record for scope and key if it has no draft yet.
func (s *Store) ReleaseIdempotency(ctx context.Context, scope, key string) error {
	const del = `DELETE FROM idempotency WHERE scope = ? AND idempotency_key = ? AND draft_id = ''`

	if _, err := s.wr.ExecContext(ctx, del, scope, key); err != nil {
		return fmt.Errorf("embedded: release idempotency: %w", err)
	}
	return nil
}
