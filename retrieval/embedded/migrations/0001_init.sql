-- meta holds store-wide settings, e.g. the embedder the vectors were made with.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE documents (
	id         TEXT PRIMARY KEY,
	collection TEXT NOT NULL,
	key        TEXT NOT NULL,
	title      TEXT NOT NULL,
	hash       TEXT NOT NULL,
	meta       TEXT NOT NULL,    -- JSON of retrieval.Meta
	text       TEXT NOT NULL,
	warnings   TEXT NOT NULL,    -- JSON array
	created_at INTEGER NOT NULL, -- Unix nanoseconds
	UNIQUE (collection, key)
);

CREATE INDEX documents_created_at ON documents (created_at);

-- seq is how the in-memory index and a running reindex refer to a passage;
-- AUTOINCREMENT keeps a deleted passage's seq from being reused.
CREATE TABLE passages (
	seq            INTEGER PRIMARY KEY AUTOINCREMENT,
	id             TEXT NOT NULL UNIQUE,
	document_id    TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	ordinal        INTEGER NOT NULL,
	heading_path   TEXT NOT NULL,   -- JSON array
	text           TEXT NOT NULL,
	role           TEXT NOT NULL,
	placeholders   TEXT NOT NULL,   -- JSON array
	embedding      BLOB NOT NULL,   -- little-endian float32s
	embedding_next BLOB             -- staged by a reindex in progress
);

CREATE INDEX passages_document ON passages (document_id, ordinal);
