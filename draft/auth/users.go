package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/draftd/draftd/retrieval"
)

// User is a person who signs in to the web app with a name and password an admin gave them, or
// through the organisation's OpenID Connect provider. Users are disabled, never deleted, so that
// the names in audit trails keep meaning someone.
type User struct {
	ID           string     `json:"id"`
	Workspace    string     `json:"workspace"` // whose documents and drafts they see; "" is retrieval.DefaultWorkspace
	Name         string     `json:"name"`      // signs in with it; the audit trail records it as the reviewer
	Role         Role       `json:"role"`
	PasswordHash []byte     `json:"-"`                      // bcrypt; nil for a user who signs in only with OpenID Connect
	Subject      string     `json:"oidc_subject,omitempty"` // "issuer subject" of an OpenID Connect user; "" for others
	CreatedAt    time.Time  `json:"created_at"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
}

// Disabled reports whether the user was disabled.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// Password bounds. bcrypt reads at most 72 bytes (24 Chinese characters); a longer password is
// refused rather than silently cut.
const (
	MinPasswordLen   = 8  // characters
	MaxPasswordBytes = 72 // bytes of UTF-8
)

// PasswordCost is bcrypt's work factor: about 0.2 s a hash on one core of a 2024 server, slow
// enough to make a stolen table expensive, fast enough for a sign-in.
const PasswordCost = 12

// NewUser returns a new user called name with role, created now, whose password is password.
// It returns an EINVALID error for an empty name or a password that is too short or too long.
// An empty password makes a user with no password, who can sign in only with OpenID Connect.
func NewUser(name string, role Role, password string) (*User, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return nil, retrieval.Errorf(retrieval.EINVALID, "用户名应为 1 到 64 个字符")
	}
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	u := &User{ID: newID(), Name: name, Role: role, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if password != "" {
		h, err := HashPassword(password)
		if err != nil {
			return nil, err
		}
		u.PasswordHash = h
	}
	return u, nil
}

// HashPassword returns the bcrypt hash of password; an EINVALID error when the password is
// shorter than MinPasswordLen characters or longer than MaxPasswordBytes bytes.
func HashPassword(password string) ([]byte, error) {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return nil, retrieval.Errorf(retrieval.EINVALID, "密码至少需要 %d 个字符", MinPasswordLen)
	}
	if len(password) > MaxPasswordBytes {
		return nil, retrieval.Errorf(retrieval.EINVALID, "密码最多 %d 个字节（72 个字母或数字，或 24 个汉字）", MaxPasswordBytes)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), PasswordCost)
	if err != nil {
		return nil, fmt.Errorf("auth: hash password: %w", err)
	}
	return h, nil
}

// dummyHash is compared against when there is no such user, so that an unknown name takes as
// long to refuse as a wrong password and does not tell which names exist.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("draftd: no such user"), PasswordCost)
	return h
})

// CheckPassword reports whether password is u's; u may be nil (no such user), which takes as
// long and reports false.
func CheckPassword(u *User, password string) bool {
	if u == nil || len(u.PasswordHash) == 0 {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) == nil
}

// Session is a signed-in browser: the cookie holds a random token, the store only its SHA-256, so
// that a copy of the database signs no one in. Deleting the record signs the browser out.
type Session struct {
	Hash      []byte // SHA-256 of the cookie's token
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionTTL is how long a sign-in lasts: a working day and the evening after it.
const SessionTTL = 12 * time.Hour

// NewSession returns a session for user id, created at now, and its token, which goes in the
// cookie and nowhere else.
func NewSession(userID string, now time.Time) (*Session, string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, "", fmt.Errorf("auth: new session: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now = now.UTC().Truncate(time.Microsecond)
	return &Session{Hash: HashToken(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}, token, nil
}

// CSRFToken returns the token a browser signed in with session token must send back in a header
// with every request that changes something. It is derived from the session token, one way, so
// it needs no storage, changes with every sign-in, and showing it to scripts reveals no session.
func CSRFToken(sessionToken string) string {
	h := sha256.Sum256([]byte("draftd csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// newID returns a short random ID for a key or a user.
func newID() string {
	b := make([]byte, 6)
	rand.Read(b) // never fails: crypto/rand panics rather than return an error
	return hex.EncodeToString(b)
}

// UserStore keeps users. The embedded and pgvector stores implement it.
type UserStore interface {
	// CreateUser stores u in workspace u.Workspace ("" is the default workspace, and CreateUser
	// sets it so); an ECONFLICT error if its ID, name or OpenID subject is taken (names are unique
	// across workspaces: a user signs in with the name alone), ENOTFOUND if the workspace is not.
	CreateUser(ctx context.Context, u *User) error
	// User returns user id; retrieval.ErrNotFound if there is none.
	User(ctx context.Context, id string) (*User, error)
	// UserByName returns the user called name, disabled or not; retrieval.ErrNotFound if none.
	UserByName(ctx context.Context, name string) (*User, error)
	// UserBySubject returns the user with OpenID subject sub; retrieval.ErrNotFound if none.
	UserBySubject(ctx context.Context, sub string) (*User, error)
	// Users lists the users of sc's workspace, disabled ones included, oldest first.
	Users(ctx context.Context, sc retrieval.Scope) ([]User, error)
	// UpdateUser writes u's role, password hash and disabled time over user u.ID's; name, subject
	// and creation time never change. retrieval.ErrNotFound if there is no user u.ID.
	UpdateUser(ctx context.Context, u *User) error
}

// SessionStore keeps the sessions of signed-in browsers. The embedded and pgvector stores implement it.
type SessionStore interface {
	// CreateSession stores s and deletes sessions that expired before s was created; an
	// ECONFLICT error if its hash is taken, retrieval.ErrNotFound if there is no user s.UserID.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns the session whose token hashes to hash, expired or not;
	// retrieval.ErrNotFound if there is none.
	SessionByHash(ctx context.Context, hash []byte) (*Session, error)
	// DeleteSession deletes the session whose token hashes to hash; none is not an error.
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteUserSessions deletes every session of user id, signing them out everywhere; none is
	// not an error.
	DeleteUserSessions(ctx context.Context, userID string) error
}
