-- 0006: users who sign in to the web app (auth.User) and their sessions (auth.Session), of which
-- only a bcrypt hash of each password and the SHA-256 of each session token are kept.

CREATE TABLE users (
    id            text PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    role          text NOT NULL,
    password_hash bytea,              -- null for a user who signs in only with OpenID Connect
    oidc_subject  text UNIQUE,        -- "issuer subject"; null for others
    created_at    timestamptz NOT NULL,
    disabled_at   timestamptz         -- null unless disabled
);

CREATE TABLE sessions (
    hash       bytea PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
