// Package auth is who may call draftd's API, in which role: API keys for office tools and
// scripts, users who sign in to the web app with a password or OpenID Connect, their sessions,
// and the records kept per key so that an office client's retry is answered, not repeated.
//
// A token is "dk_" and 32 random bytes in base64url. It is shown once, when the key is created,
// and only its SHA-256 is stored. A plain, unsalted hash is safe here because the token carries
// 256 random bits: nobody can guess a token from its hash, and a lookup by hash is one index probe.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/draftd/draftd/retrieval"
)

// Role is what a key or a user may do.
type Role string

// Roles: a writer drafts and edits, a reviewer approves and rejects, an admin does both and
// deletes documents.
const (
	RoleWriter   Role = "writer"
	RoleReviewer Role = "reviewer"
	RoleAdmin    Role = "admin"
)

// ParseRole returns the role named s; an EINVALID error if there is none.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.TrimSpace(s)); r {
	case RoleWriter, RoleReviewer, RoleAdmin:
		return r, nil
	}
	return "", retrieval.Errorf(retrieval.EINVALID, "role 只能是 writer、reviewer 或 admin，收到的是 %q", s)
}

// TokenPrefix starts every token, so that people and secret scanners recognise one.
const TokenPrefix = "dk_"

// prefixLen is how much of a token a key's Prefix keeps: "dk_" and 7 characters (42 of its 256 bits).
const prefixLen = len(TokenPrefix) + 7

// TouchInterval is how stale a key's last use may get before a request records it again, so a
// busy key costs one write a minute, not one per request.
const TouchInterval = time.Minute

// Key is an API key as stored: its token's hash, never the token.
type Key struct {
	ID         string     `json:"id"`        // public and short: names the key in lists, logs and revoke
	Workspace  string     `json:"workspace"` // whose documents and drafts it opens; "" is retrieval.DefaultWorkspace
	Name       string     `json:"name"`      // who holds it; the audit trail records it as the reviewer
	Role       Role       `json:"role"`
	Prefix     string     `json:"prefix"` // the token's first characters, so a holder can tell keys apart
	Hash       []byte     `json:"-"`      // SHA-256 of the token
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Revoked reports whether the key was revoked.
func (k *Key) Revoked() bool { return k.RevokedAt != nil }

// NewKey returns a new key for name with role, created now, and its token, which the caller shows
// once: it is not kept anywhere. It returns an EINVALID error for an empty name.
func NewKey(name string, role Role) (*Key, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, "", retrieval.Errorf(retrieval.EINVALID, "API 密钥需要一个名称，说明由谁或什么程序持有")
	}
	if _, err := ParseRole(string(role)); err != nil {
		return nil, "", err
	}
	secret := make([]byte, 32)
	id := make([]byte, 6)
	if _, err := rand.Read(secret); err != nil {
		return nil, "", fmt.Errorf("auth: new key: %w", err)
	}
	if _, err := rand.Read(id); err != nil {
		return nil, "", fmt.Errorf("auth: new key: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	k := &Key{ID: hex.EncodeToString(id), Name: name, Role: role, Prefix: token[:prefixLen],
		Hash: HashToken(token), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	return k, token, nil
}

// HashToken returns the SHA-256 of token, the form in which tokens are stored and looked up.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Store keeps API keys, users and their sessions. The embedded and pgvector stores implement it.
type Store interface {
	UserStore
	SessionStore

	// CreateKey stores k in workspace k.Workspace ("" is the default workspace, and CreateKey
	// sets it so); an ECONFLICT error if its ID or hash is taken, ENOTFOUND if the workspace is not.
	CreateKey(ctx context.Context, k *Key) error
	// KeyByHash returns the key whose token hashes to hash, revoked or not; retrieval.ErrNotFound if none.
	KeyByHash(ctx context.Context, hash []byte) (*Key, error)
	// Keys lists the keys of sc's workspace, revoked ones included, oldest first.
	Keys(ctx context.Context, sc retrieval.Scope) ([]Key, error)
	// RevokeKey marks key id of sc's workspace revoked at at, keeping the first time if it already
	// was; retrieval.ErrNotFound if sc's workspace has no key id.
	RevokeKey(ctx context.Context, sc retrieval.Scope, id string, at time.Time) error
	// TouchKey records that key id was used at at, unless a later use is recorded. An unknown id
	// changes nothing and is not an error: the caller is answering a request, not managing keys.
	TouchKey(ctx context.Context, id string, at time.Time) error
}

// Idempotency records which draft answered a POST /api/v1/drafts that carried an Idempotency-Key.
type Idempotency struct {
	Scope     string    // the API key's ID, or "local" in single-user mode
	Key       string    // the client's Idempotency-Key
	BodyHash  []byte    // SHA-256 of the request, so a reused key with another request is caught
	DraftID   string    // "" while the draft is being created
	CreatedAt time.Time // records are kept for IdempotencyTTL
}

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyStore keeps Idempotency records. The embedded and pgvector stores implement it.
type IdempotencyStore interface {
	// ClaimIdempotency stores r unless a record for r.Scope and r.Key created at or after since
	// exists, and returns the record that is now stored: r and true when r was stored, the earlier
	// one and false otherwise. Records created before since, of any key, are deleted.
	ClaimIdempotency(ctx context.Context, r Idempotency, since time.Time) (Idempotency, bool, error)
	// SetIdempotencyDraft records draftID on the record for scope and key; retrieval.ErrNotFound
	// if there is none.
	SetIdempotencyDraft(ctx context.Context, scope, key, draftID string) error
	// ReleaseIdempotency deletes the record for scope and key if it has no draft yet, so that the
	// request can be sent again; nothing to delete is not an error.
	ReleaseIdempotency(ctx context.Context, scope, key string) error
}

// Loopback reports whether the listen address addr (host:port) accepts connections only from
// this machine: a loopback IP (127.0.0.0/8, ::1) or "localhost". An empty host listens on
// every interface and is not loopback.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
