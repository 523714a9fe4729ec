package pgvector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

var (
	_ auth.Store            = (*Store)(nil)
	_ auth.IdempotencyStore = (*Store)(nil)
)

const insertKey = `INSERT INTO api_keys (id, workspace, name, role, prefix, hash, created_at, last_used_at, revoked_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

// CreateKey stores k in its workspace ("" is the default one, and k.Workspace is set so); an
// ECONFLICT error if its ID or hash is taken, ENOTFOUND if there is no such workspace.
func (s *Store) CreateKey(ctx context.Context, k *auth.Key) error {
	if k.Workspace == "" {
		k.Workspace = retrieval.DefaultWorkspace
	}
	_, err := s.pool.Exec(ctx, insertKey, k.ID, k.Workspace, k.Name, string(k.Role), k.Prefix, k.Hash, k.CreatedAt, k.LastUsedAt, k.RevokedAt)
	if err != nil {
		err = conflict(err, "api_keys_pkey", "a key with ID "+k.ID+" already exists")
		err = conflict(err, "api_keys_hash_key", "a key with the same token already exists")
		return fmt.Errorf("pgvector: create key: %w", mapErr(missingWorkspace(err, k.Workspace)))
	}
	return nil
}

// keyRow is an api_keys row.
type keyRow struct {
	ID         string     `db:"id"`
	Workspace  string     `db:"workspace"`
	Name       string     `db:"name"`
	Role       string     `db:"role"`
	Prefix     string     `db:"prefix"`
	Hash       []byte     `db:"hash"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

func (r keyRow) key() auth.Key {
	return auth.Key{ID: r.ID, Workspace: r.Workspace, Name: r.Name, Role: auth.Role(r.Role), Prefix: r.Prefix, Hash: r.Hash,
		CreatedAt: r.CreatedAt.UTC(), LastUsedAt: utc(r.LastUsedAt), RevokedAt: utc(r.RevokedAt)}
}

// utc returns t in UTC, nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

const (
	keyColumns      = `id, workspace, name, role, prefix, hash, created_at, last_used_at, revoked_at`
	selectKeyByHash = `SELECT ` + keyColumns + ` FROM api_keys WHERE hash = $1`
	selectKeys      = `SELECT ` + keyColumns + ` FROM api_keys WHERE $1::bool OR workspace = $2 ORDER BY created_at, id`
)

// KeyByHash returns the key whose token hashes to hash; retrieval.ErrNotFound if none.
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (*auth.Key, error) {
	rows, _ := s.pool.Query(ctx, selectKeyByHash, hash)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[keyRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, retrieval.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("pgvector: key by hash: %w", mapErr(err))
	}
	k := r.key()
	return &k, nil
}

// Keys lists the keys of sc's workspace, revoked ones included, oldest first.
func (s *Store) Keys(ctx context.Context, sc retrieval.Scope) ([]auth.Key, error) {
	rows, _ := s.pool.Query(ctx, selectKeys, sc.All(), sc.Workspace())
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[keyRow])
	if err != nil {
		return nil, fmt.Errorf("pgvector: keys: %w", mapErr(err))
	}
	keys := make([]auth.Key, 0, len(rs))
	for _, r := range rs {
		keys = append(keys, r.key())
	}
	return keys, nil
}

const revokeKey = `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 AND ($3::bool OR workspace = $4)`

// RevokeKey marks key id of sc's workspace revoked at at, keeping the first time;
// retrieval.ErrNotFound if there is no such key.
func (s *Store) RevokeKey(ctx context.Context, sc retrieval.Scope, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, revokeKey, id, at, sc.All(), sc.Workspace())
	if err != nil {
		return fmt.Errorf("pgvector: revoke key: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgvector: revoke key: %w", retrieval.ErrNotFound)
	}
	return nil
}

const touchKey = `UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`

// TouchKey records that key id was used at at, unless a later use is recorded.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, touchKey, id, at); err != nil {
		return fmt.Errorf("pgvector: touch key: %w", mapErr(err))
	}
	return nil
}

const (
	expireIdempotency = `DELETE FROM idempotency WHERE created_at < $1`
	insertIdempotency = `INSERT INTO idempotency (scope, idempotency_key, body_hash, draft_id, created_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, idempotency_key) DO NOTHING`
	selectIdempotency = `SELECT body_hash, draft_id, created_at FROM idempotency WHERE scope = $1 AND idempotency_key = $2`
)

// ClaimIdempotency stores r unless a record for r.Scope and r.Key created at or after since
// exists, and returns the stored record and whether it is r; older records are deleted.
//
// Of two concurrent claims of one key, the second's insert waits for the first to commit and then
// does nothing, and its select, a new snapshot under READ COMMITTED, sees the first's record.
func (s *Store) ClaimIdempotency(ctx context.Context, r auth.Idempotency, since time.Time) (auth.Idempotency, bool, error) {
	got := auth.Idempotency{Scope: r.Scope, Key: r.Key}
	claimed := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, expireIdempotency, since); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, insertIdempotency, r.Scope, r.Key, r.BodyHash, r.DraftID, r.CreatedAt)
		if err != nil {
			return err
		}
		if claimed = tag.RowsAffected() == 1; claimed {
			return nil
		}
		if err := tx.QueryRow(ctx, selectIdempotency, r.Scope, r.Key).Scan(&got.BodyHash, &got.DraftID, &got.CreatedAt); err != nil {
			return err
		}
		got.CreatedAt = got.CreatedAt.UTC()
		return nil
	})
	if err != nil {
		return r, false, fmt.Errorf("pgvector: claim idempotency: %w", mapErr(err))
	}
	if claimed {
		return r, true, nil
	}
	return got, false, nil
}

const setIdempotencyDraft = `UPDATE idempotency SET draft_id = $3 WHERE scope = $1 AND idempotency_key = $2`

// SetIdempotencyDraft records draftID on the record for scope and key; retrieval.ErrNotFound if there is none.
func (s *Store) SetIdempotencyDraft(ctx context.Context, scope, key, draftID string) error {
	tag, err := s.pool.Exec(ctx, setIdempotencyDraft, scope, key, draftID)
	if err != nil {
		return fmt.Errorf("pgvector: set idempotency draft: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgvector: set idempotency draft: %w", retrieval.ErrNotFound)
	}
	return nil
}

const releaseIdempotency = `DELETE FROM idempotency WHERE scope = $1 AND idempotency_key = $2 AND draft_id = ''`

// ReleaseIdempotency deletes the record for scope and key if it has no draft yet.
func (s *Store) ReleaseIdempotency(ctx context.Context, scope, key string) error {
	if _, err := s.pool.Exec(ctx, releaseIdempotency, scope, key); err != nil {
		return fmt.Errorf("pgvector: release idempotency: %w", mapErr(err))
	}
	return nil
}
