-- 0010: the audit trail of corrections to a document's title, collection, kind, period and
-- organisation kind (retrieval.DocumentEdit). Rows outlive their document: no foreign key.

CREATE TABLE document_edits (
    id          bigserial PRIMARY KEY,
    workspace   text NOT NULL,
    document_id text NOT NULL,
    field       text NOT NULL,
    old_value   text NOT NULL,
    new_value   text NOT NULL,
    edited_by   text NOT NULL,
    edited_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX document_edits_document ON document_edits (document_id, id);
