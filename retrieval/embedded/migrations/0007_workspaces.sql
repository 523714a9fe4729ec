-- Workspaces (retrieval.Workspace): organisations that share a deployment. Documents, drafts, API
-- keys and users belong to one; rows stored before this migration belong to 'default'. A
-- collection a workspace shares is readable by every workspace. Times are Unix nanoseconds (UTC).
CREATE TABLE workspaces (
	name       TEXT PRIMARY KEY,
	created_at INTEGER NOT NULL
);

INSERT INTO workspaces (name, created_at) VALUES ('default', CAST(unixepoch('subsec') * 1000000000 AS INTEGER));

CREATE TABLE shared_collections (
	workspace  TEXT NOT NULL REFERENCES workspaces (name),
	collection TEXT NOT NULL,
	shared_at  INTEGER NOT NULL,
	PRIMARY KEY (workspace, collection)
);

-- A document is one workspace's: two workspaces may both hold 2024年工作总结.docx in "default".
-- SQLite cannot change a table's UNIQUE constraint, so documents is made again (the migration
-- runs with foreign keys off, so that dropping the old table leaves the passages alone).
CREATE TABLE documents_new (
	id         TEXT PRIMARY KEY,
	workspace  TEXT NOT NULL DEFAULT 'default' REFERENCES workspaces (name),
	collection TEXT NOT NULL,
	key        TEXT NOT NULL,
	title      TEXT NOT NULL,
	hash       TEXT NOT NULL,
	meta       TEXT NOT NULL,    -- JSON of retrieval.Meta
	text       TEXT NOT NULL,
	warnings   TEXT NOT NULL,    -- JSON array
	created_at INTEGER NOT NULL, -- Unix nanoseconds
	UNIQUE (workspace, collection, key)
);

INSERT INTO documents_new (rowid, id, collection, key, title, hash, meta, text, warnings, created_at)
	SELECT rowid, id, collection, key, title, hash, meta, text, warnings, created_at FROM documents;
DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;
CREATE INDEX documents_created_at ON documents (created_at);
CREATE INDEX documents_workspace_created_at ON documents (workspace, created_at);

ALTER TABLE drafts ADD COLUMN workspace TEXT NOT NULL DEFAULT 'default' REFERENCES workspaces (name);
CREATE INDEX drafts_workspace_created_at ON drafts (workspace, created_at);

ALTER TABLE api_keys ADD COLUMN workspace TEXT NOT NULL DEFAULT 'default' REFERENCES workspaces (name);
CREATE INDEX api_keys_workspace ON api_keys (workspace, created_at, id);

ALTER TABLE users ADD COLUMN workspace TEXT NOT NULL DEFAULT 'default' REFERENCES workspaces (name);
CREATE INDEX users_workspace ON users (workspace, created_at, id);
