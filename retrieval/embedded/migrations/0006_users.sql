-- Users who sign in to the web app (auth.User) and their sessions (auth.Session). Only a bcrypt
-- hash of each password and the SHA-256 of each session token are kept. Times are Unix
-- nanoseconds (UTC).
CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	role          TEXT NOT NULL,
	password_hash BLOB,               -- null for a user who signs in only with OpenID Connect
	oidc_subject  TEXT UNIQUE,        -- "issuer subject"; null for others
	created_at    INTEGER NOT NULL,
	disabled_at   INTEGER             -- null unless disabled
);

CREATE TABLE sessions (
	hash       BLOB PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
