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
	_ auth.UserStore    = (*Store)(nil)
	_ auth.SessionStore = (*Store)(nil)
)

// CreateUser stores u in its workspace ("" is the default one, and u.Workspace is set so); an
// ECONFLICT error if its ID, name or OpenID subject is taken, ENOTFOUND if there is no such workspace.
func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	const insert = `INSERT INTO users (id, workspace, name, role, password_hash, oidc_subject, created_at, disabled_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

	if u.Workspace == "" {
		u.Workspace = retrieval.DefaultWorkspace
	}
	_, err := s.wr.ExecContext(ctx, insert, u.ID, u.Workspace, u.Name, u.Role, u.PasswordHash, nullString(u.Subject),
		u.CreatedAt.UnixNano(), nanos(u.DisabledAt))
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		err = retrieval.Errorf(retrieval.ECONFLICT, "已有名为 %s 的用户", u.Name)
	}
	if err != nil {
		return fmt.Errorf("embedded: create user: %w", missingWorkspace(err, u.Workspace))
	}
	return nil
}

const userColumns = `id, workspace, name, role, password_hash, oidc_subject, created_at, disabled_at`

// User returns user id; retrieval.ErrNotFound if there is none.
func (s *Store) User(ctx context.Context, id string) (*auth.User, error) {
	const query = `SELECT ` + userColumns + ` FROM users WHERE id = ?`

	return s.oneUser(ctx, "user", query, id)
}

// UserByName returns the user called name; retrieval.ErrNotFound if none.
func (s *Store) UserByName(ctx context.Context, name string) (*auth.User, error) {
	const query = `SELECT ` + userColumns + ` FROM users WHERE name = ?`

	return s.oneUser(ctx, "user by name", query, name)
}

// UserBySubject returns the user with OpenID subject sub; retrieval.ErrNotFound if none.
func (s *Store) UserBySubject(ctx context.Context, sub string) (*auth.User, error) {
	const query = `SELECT ` + userColumns + ` FROM users WHERE oidc_subject = ?`

	return s.oneUser(ctx, "user by subject", query, sub)
}

func (s *Store) oneUser(ctx context.Context, what, query string, arg any) (*auth.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, query, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, retrieval.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: %s: %w", what, err)
	}
	return u, nil
}

// Users lists the users of sc's workspace, disabled ones included, oldest first.
func (s *Store) Users(ctx context.Context, sc retrieval.Scope) ([]auth.User, error) {
	const query = `SELECT ` + userColumns + ` FROM users WHERE ?1 OR workspace = ?2 ORDER BY created_at, id`

	users, err := collect(ctx, s.db, query, []any{sc.All(), sc.Workspace()}, func(r *sql.Rows) (auth.User, error) {
		u, err := scanUser(r)
		if err != nil {
			return auth.User{}, err
		}
		return *u, nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: users: %w", err)
	}
	return users, nil
}

// UpdateUser writes u's role, password hash and disabled time; retrieval.ErrNotFound if there is no user u.ID.
func (s *Store) UpdateUser(ctx context.Context, u *auth.User) error {
	const update = `UPDATE users SET role = ?, password_hash = ?, disabled_at = ? WHERE id = ?`

	if err := affected(s.wr.ExecContext(ctx, update, u.Role, u.PasswordHash, nanos(u.DisabledAt), u.ID)); err != nil {
		return fmt.Errorf("embedded: update user: %w", err)
	}
	return nil
}

// scanUser reads one users row selected with userColumns.
func scanUser(row interface{ Scan(...any) error }) (*auth.User, error) {
	var u auth.User
	var created int64
	var subject sql.NullString
	var disabled sql.NullInt64
	if err := row.Scan(&u.ID, &u.Workspace, &u.Name, &u.Role, &u.PasswordHash, &subject, &created, &disabled); err != nil {
		return nil, err
	}
	if len(u.PasswordHash) == 0 {
		u.PasswordHash = nil
	}
	u.Subject, u.CreatedAt, u.DisabledAt = subject.String, time.Unix(0, created).UTC(), timeOf(disabled)
	return &u, nil
}

// nullString returns s, or null for "", so that UNIQUE allows many users without a subject.
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// CreateSession stores sess and deletes sessions that expired before it was created.
func (s *Store) CreateSession(ctx context.Context, sess *auth.Session) error {
	const expire = `DELETE FROM sessions WHERE expires_at < ?`
	const insert = `INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`

	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("embedded: create session: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, expire, sess.CreatedAt.UnixNano()); err != nil {
		return fmt.Errorf("embedded: create session: %w", err)
	}
	_, err = tx.ExecContext(ctx, insert, sess.Hash, sess.UserID, sess.CreatedAt.UnixNano(), sess.ExpiresAt.UnixNano())
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			err = retrieval.Errorf(retrieval.ECONFLICT, "a session with the same token already exists")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			err = retrieval.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("embedded: create session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("embedded: create session: %w", err)
	}
	return nil
}

// SessionByHash returns the session whose token hashes to hash; retrieval.ErrNotFound if none.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (*auth.Session, error) {
	const query = `SELECT hash, user_id, created_at, expires_at FROM sessions WHERE hash = ?`

	var sess auth.Session
	var created, expires int64
	err := s.db.QueryRowContext(ctx, query, hash).Scan(&sess.Hash, &sess.UserID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, retrieval.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: session by hash: %w", err)
	}
	sess.CreatedAt, sess.ExpiresAt = time.Unix(0, created).UTC(), time.Unix(0, expires).UTC()
	return &sess, nil
}

// DeleteSession deletes the session whose token hashes to hash.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	const del = `DELETE FROM sessions WHERE hash = ?`

	if _, err := s.wr.ExecContext(ctx, del, hash); err != nil {
		return fmt.Errorf("embedded: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions deletes every session of user id.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	const del = `DELETE FROM sessions WHERE user_id = ?`

	if _, err := s.wr.ExecContext(ctx, del, userID); err != nil {
		return fmt.Errorf("embedded: delete user sessions: %w", err)
	}
	return nil
}
