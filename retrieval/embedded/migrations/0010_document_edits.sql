-- 0010: the audit trail of corrections to a document's title, collection, kind, period and
-- organisation kind (retrieval.DocumentEdit). Rows outlive their document: no foreign key.

CREATE TABLE document_edits (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	workspace   TEXT NOT NULL,
	document_id TEXT NOT NULL,
	field       TEXT NOT NULL,
	old_value   TEXT NOT NULL,
	new_value   TEXT NOT NULL,
	edited_by   TEXT NOT NULL,
	edited_at   INTEGER NOT NULL -- Unix nanoseconds
);

CREATE INDEX document_edits_document ON document_edits (document_id, id);
