-- Drafts (draft.Draft): the writer's figures, per-section provenance and, per
-- sentence, the checks and the review state. Times are Unix nanoseconds (UTC).
CREATE TABLE drafts (
	id                TEXT PRIMARY KEY,
	title             TEXT NOT NULL,
	organization      TEXT NOT NULL,
	period            TEXT NOT NULL,
	status            TEXT NOT NULL,
	model             TEXT NOT NULL,
	prompt_version    TEXT NOT NULL,
	input             TEXT NOT NULL,    -- JSON of draft.Figures, or null
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
);

CREATE INDEX drafts_created_at ON drafts (created_at);

CREATE TABLE draft_sections (
	draft_id          TEXT NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
	idx               INTEGER NOT NULL,
	heading           TEXT NOT NULL,
	status            TEXT NOT NULL,
	error             TEXT NOT NULL,
	attempts          INTEGER NOT NULL,
	sources           TEXT NOT NULL,    -- JSON array of draft.Source
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	PRIMARY KEY (draft_id, idx)
);

-- One row per sentence, so that reviewers' decisions are kept per sentence.
CREATE TABLE draft_sentences (
	draft_id        TEXT NOT NULL,
	section_idx     INTEGER NOT NULL,
	ord             INTEGER NOT NULL,
	id              TEXT NOT NULL,
	text            TEXT NOT NULL,
	generated       INTEGER NOT NULL,   -- 0 or 1
	added           INTEGER NOT NULL,   -- 0 or 1
	figures         TEXT NOT NULL,      -- JSON array of figure IDs
	unbound_numbers TEXT NOT NULL,      -- JSON array
	sources         TEXT NOT NULL,      -- JSON array of draft.Source
	risk            TEXT NOT NULL,
	reasons         TEXT NOT NULL,      -- JSON array
	review_decision TEXT NOT NULL,      -- '' until reviewed or marked pending
	reviewer        TEXT NOT NULL,
	review_at       INTEGER,            -- null when the review has no time
	history         TEXT NOT NULL,      -- JSON array of draft.Revision, oldest first
	PRIMARY KEY (draft_id, section_idx, ord),
	FOREIGN KEY (draft_id, section_idx) REFERENCES draft_sections (draft_id, idx) ON DELETE CASCADE
);

-- The review audit trail; seq keeps entries in the order they were recorded.
CREATE TABLE draft_audit (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	draft_id    TEXT NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
	sentence_id TEXT NOT NULL,
	decision    TEXT NOT NULL,
	reviewer    TEXT NOT NULL,
	at          INTEGER NOT NULL,
	before_text TEXT NOT NULL,
	after_text  TEXT NOT NULL
);

CREATE INDEX draft_audit_draft ON draft_audit (draft_id, seq);
