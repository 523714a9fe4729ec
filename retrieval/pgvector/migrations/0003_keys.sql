-- 0003: API keys (auth.Key), of which only the SHA-256 of each token is kept, and the
-- Idempotency-Key records (auth.Idempotency) of POST /api/v1/drafts, per API key (scope).

CREATE TABLE api_keys (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL,
    prefix       text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,         -- null until first used
    revoked_at   timestamptz          -- null unless revoked
);

CREATE TABLE idempotency (
    scope           text NOT NULL,
    idempotency_key text NOT NULL,
    body_hash       bytea NOT NULL,
    draft_id        text NOT NULL,    -- '' while the draft is being created
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);

CREATE INDEX idempotency_created_at ON idempotency (created_at);
