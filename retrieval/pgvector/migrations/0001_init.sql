-- 0001: documents, passages and settings.
-- The embedding column stays untyped here: its dimension is set in code when
-- the embedder is first recorded (CheckEmbedder) and changed by Reindex.

CREATE TABLE meta (
    key   text PRIMARY KEY,
    value jsonb NOT NULL
);

CREATE TABLE documents (
    id         text PRIMARY KEY,
    collection text NOT NULL,
    key        text NOT NULL,
    title      text NOT NULL,
    hash       text NOT NULL,
    org_kind   text NOT NULL DEFAULT '',
    years      int[] NOT NULL DEFAULT '{}',
    period     text NOT NULL DEFAULT '',
    kind       text NOT NULL DEFAULT '',
    text       text NOT NULL,
    warnings   text[] NOT NULL DEFAULT '{}',
    passages   int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (collection, key)
);

CREATE INDEX documents_created_at ON documents (created_at DESC, id);

-- collection, kind and years are copied from the document so that filters
-- need no join in the vector and keyword queries.
CREATE TABLE passages (
    id           text PRIMARY KEY,
    document_id  text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ordinal      int NOT NULL,
    heading_path text[] NOT NULL DEFAULT '{}',
    text         text NOT NULL,
    role         text NOT NULL DEFAULT '',
    placeholders text[] NOT NULL DEFAULT '{}',
    collection   text NOT NULL,
    kind         text NOT NULL DEFAULT '',
    years        int[] NOT NULL DEFAULT '{}',
    tokens       tsvector NOT NULL, -- retrieval.PassageTokens as lexemes, without positions
    n_tokens     int NOT NULL,      -- how many tokens, for length normalisation
    embedding    vector
);

CREATE INDEX passages_document_id ON passages (document_id, ordinal);
CREATE INDEX passages_collection ON passages (collection);
CREATE INDEX passages_tokens ON passages USING gin (tokens);

-- Keyword search weighs tokens by how rare they are and drops those most
-- passages contain (see keyword.go); it learns their frequencies from the
-- planner's statistics, and a larger target lists the 10,000 commonest tokens
-- instead of 1,000.
ALTER TABLE passages ALTER COLUMN tokens SET STATISTICS 1000;
