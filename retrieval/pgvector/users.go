package pgvector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

var (
	_ auth.UserStore    = (*Store)(nil)
	_ auth.SessionStore = (*Store)(nil)
)

const insertUser = `INSERT INTO users (id, workspace, name, role, password_hash, oidc_subject, created_at, disabled_at)
VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8)`

// CreateUser stores u in its workspace ("" is the default one, and u.Workspace is set so); an
// ECONFLICT error if its ID, name or OpenID subject is taken, ENOTFOUND if there is no such workspace.
func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	if u.Workspace == "" {
		u.Workspace = retrieval.DefaultWorkspace
	}
	_, err := s.pool.Exec(ctx, insertUser, u.ID, u.Workspace, u.Name, string(u.Role), u.PasswordHash, u.Subject, u.CreatedAt, u.DisabledAt)
	if err != nil {
		err = conflict(err, "users_pkey", "a user with ID "+u.ID+" already exists")
		err = conflict(err, "users_name_key", "已有名为 "+u.Name+" 的用户")
		err = conflict(err, "users_oidc_subject_key", "已有使用这个 OpenID Connect 身份（subject）的用户")
		return fmt.Errorf("pgvector: create user: %w", mapErr(missingWorkspace(err, u.Workspace)))
	}
	return nil
}

// userRow is a users row.
type userRow struct {
	ID           string     `db:"id"`
	Workspace    string     `db:"workspace"`
	Name         string     `db:"name"`
	Role         string     `db:"role"`
	PasswordHash []byte     `db:"password_hash"`
	Subject      *string    `db:"oidc_subject"`
	CreatedAt    time.Time  `db:"created_at"`
	DisabledAt   *time.Time `db:"disabled_at"`
}

func (r userRow) user() auth.User {
	u := auth.User{ID: r.ID, Workspace: r.Workspace, Name: r.Name, Role: auth.Role(r.Role), PasswordHash: r.PasswordHash,
		CreatedAt: r.CreatedAt.UTC(), DisabledAt: utc(r.DisabledAt)}
	if len(u.PasswordHash) == 0 {
		u.PasswordHash = nil
	}
	if r.Subject != nil {
		u.Subject = *r.Subject
	}
	return u
}

const (
	userColumns         = `id, workspace, name, role, password_hash, oidc_subject, created_at, disabled_at`
	selectUser          = `SELECT ` + userColumns + ` FROM users WHERE id = $1`
	selectUserByName    = `SELECT ` + userColumns + ` FROM users WHERE name = $1`
	selectUserBySubject = `SELECT ` + userColumns + ` FROM users WHERE oidc_subject = $1`
	selectUsers         = `SELECT ` + userColumns + ` FROM users WHERE $1::bool OR workspace = $2 ORDER BY created_at, id`
)

// User returns user id; retrieval.ErrNotFound if there is none.
func (s *Store) User(ctx context.Context, id string) (*auth.User, error) {
	return s.oneUser(ctx, "user", selectUser, id)
}

// UserByName returns the user called name; retrieval.ErrNotFound if none.
func (s *Store) UserByName(ctx context.Context, name string) (*auth.User, error) {
	return s.oneUser(ctx, "user by name", selectUserByName, name)
}

// UserBySubject returns the user with OpenID subject sub; retrieval.ErrNotFound if none.
func (s *Store) UserBySubject(ctx context.Context, sub string) (*auth.User, error) {
	return s.oneUser(ctx, "user by subject", selectUserBySubject, sub)
}

func (s *Store) oneUser(ctx context.Context, what, query, arg string) (*auth.User, error) {
	rows, _ := s.pool.Query(ctx, query, arg)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[userRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, retrieval.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("pgvector: %s: %w", what, mapErr(err))
	}
	u := r.user()
	return &u, nil
}

// Users lists the users of sc's workspace, disabled ones included, oldest first.
func (s *Store) Users(ctx context.Context, sc retrieval.Scope) ([]auth.User, error) {
	rows, _ := s.pool.Query(ctx, selectUsers, sc.All(), sc.Workspace())
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[userRow])
	if err != nil {
		return nil, fmt.Errorf("pgvector: users: %w", mapErr(err))
	}
	users := make([]auth.User, 0, len(rs))
	for _, r := range rs {
		users = append(users, r.user())
	}
	return users, nil
}

const updateUser = `UPDATE users SET role = $2, password_hash = $3, disabled_at = $4 WHERE id = $1`

// UpdateUser writes u's role, password hash and disabled time; retrieval.ErrNotFound if there is no user u.ID.
func (s *Store) UpdateUser(ctx context.Context, u *auth.User) error {
	tag, err := s.pool.Exec(ctx, updateUser, u.ID, string(u.Role), u.PasswordHash, u.DisabledAt)
	if err != nil {
		return fmt.Errorf("pgvector: update user: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgvector: update user: %w", retrieval.ErrNotFound)
	}
	return nil
}

const (
	expireSessions = `DELETE FROM sessions WHERE expires_at < $1`
	insertSession  = `INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`
)

// CreateSession stores sess and deletes sessions that expired before it was created.
func (s *Store) CreateSession(ctx context.Context, sess *auth.Session) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, expireSessions, sess.CreatedAt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, insertSession, sess.Hash, sess.UserID, sess.CreatedAt, sess.ExpiresAt)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation: no such user
			return retrieval.ErrNotFound
		}
		return conflict(err, "sessions_pkey", "a session with the same token already exists")
	})
	if err != nil {
		return fmt.Errorf("pgvector: create session: %w", mapErr(err))
	}
	return nil
}

const selectSession = `SELECT hash, user_id, created_at, expires_at FROM sessions WHERE hash = $1`

// sessionRow is a sessions row.
type sessionRow struct {
	Hash      []byte    `db:"hash"`
	UserID    string    `db:"user_id"`
	CreatedAt time.Time `db:"created_at"`
	ExpiresAt time.Time `db:"expires_at"`
}

// SessionByHash returns the session whose token hashes to hash; retrieval.ErrNotFound if none.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (*auth.Session, error) {
	rows, _ := s.pool.Query(ctx, selectSession, hash)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[sessionRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, retrieval.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("pgvector: session by hash: %w", mapErr(err))
	}
	return &auth.Session{Hash: r.Hash, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

const (
	deleteSession      = `DELETE FROM sessions WHERE hash = $1`
	deleteUserSessions = `DELETE FROM sessions WHERE user_id = $1`
)

// DeleteSession deletes the session whose token hashes to hash.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := s.pool.Exec(ctx, deleteSession, hash); err != nil {
		return fmt.Errorf("pgvector: delete session: %w", mapErr(err))
	}
	return nil
}

// DeleteUserSessions deletes every session of user id.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	if _, err := s.pool.Exec(ctx, deleteUserSessions, userID); err != nil {
		return fmt.Errorf("pgvector: delete user sessions: %w", mapErr(err))
	}
	return nil
}
