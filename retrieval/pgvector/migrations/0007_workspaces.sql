-- 0007: workspaces (retrieval.Workspace), organisations that share a deployment. Documents,
-- passages, drafts, API keys and users belong to one; rows stored before it belong to 'default'.
-- A collection a workspace shares is readable by every workspace.

CREATE TABLE workspaces (
    name       text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO workspaces (name) VALUES ('default');

CREATE TABLE shared_collections (
    workspace  text NOT NULL REFERENCES workspaces (name),
    collection text NOT NULL,
    shared_at  timestamptz NOT NULL,
    PRIMARY KEY (workspace, collection)
);

-- A document is one workspace's: two workspaces may both hold 2024年工作总结.docx in "default".
ALTER TABLE documents ADD COLUMN workspace text NOT NULL DEFAULT 'default' REFERENCES workspaces (name);
ALTER TABLE documents DROP CONSTRAINT documents_collection_key_key;
ALTER TABLE documents ADD CONSTRAINT documents_workspace_collection_key_key UNIQUE (workspace, collection, key);
CREATE INDEX documents_workspace_created_at ON documents (workspace, created_at DESC, id);

-- Copied from the document, as collection is, so that searches filter without a join.
ALTER TABLE passages ADD COLUMN workspace text NOT NULL DEFAULT 'default';
DROP INDEX passages_collection;
CREATE INDEX passages_workspace_collection ON passages (workspace, collection);

ALTER TABLE drafts ADD COLUMN workspace text NOT NULL DEFAULT 'default' REFERENCES workspaces (name);
CREATE INDEX drafts_workspace_created_at ON drafts (workspace, created_at DESC, id DESC);

ALTER TABLE api_keys ADD COLUMN workspace text NOT NULL DEFAULT 'default' REFERENCES workspaces (name);
CREATE INDEX api_keys_workspace ON api_keys (workspace, created_at, id);

ALTER TABLE users ADD COLUMN workspace text NOT NULL DEFAULT 'default' REFERENCES workspaces (name);
CREATE INDEX users_workspace ON users (workspace, created_at, id);
