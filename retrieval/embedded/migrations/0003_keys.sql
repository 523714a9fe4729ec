-- API keys (auth.Key): only the SHA-256 of each token is kept. Times are Unix nanoseconds (UTC).
CREATE TABLE api_keys (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	prefix       TEXT NOT NULL,
	hash         BLOB NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,            -- null until first used
	revoked_at   INTEGER             -- null unless revoked
);

-- Idempotency-Key records (auth.Idempotency) of POST /api/v1/drafts, per API key (scope).
CREATE TABLE idempotency (
	scope           TEXT NOT NULL,
	idempotency_key TEXT NOT NULL,
	body_hash       BLOB NOT NULL,
	draft_id        TEXT NOT NULL,   -- '' while the draft is being created
	created_at      INTEGER NOT NULL,
	PRIMARY KEY (scope, idempotency_key)
);

CREATE INDEX idempotency_created_at ON idempotency (created_at);
