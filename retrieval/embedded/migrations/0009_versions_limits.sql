-- 0009: review under concurrency and limits kept across restarts.
--
-- Sentence versions (draft.Sentence.Version), counted per draft: every write to a draft's sentences
-- (a review, a section drafted again) takes the draft's next version and stores the sentences it
-- writes at it, so no version is ever issued twice within a draft. Rows stored before this
-- migration start at 1.
ALTER TABLE drafts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE draft_sentences ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Request rate limits: one token bucket per key (an API key's, or a client address's); tokens as of
-- at (Unix nanoseconds).
CREATE TABLE rate_buckets (
	key    TEXT PRIMARY KEY,
	tokens REAL NOT NULL,
	at     INTEGER NOT NULL
);

-- Daily model-token budgets: what each scope (an API key, or the single user) spent on a day
-- (YYYY-MM-DD, in the server's time zone), kept across restarts.
CREATE TABLE token_spent (
	scope TEXT NOT NULL,
	day   TEXT NOT NULL,
	spent INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (scope, day)
);

-- Tokens held for model calls under way, given back when the call is settled with what it used. A
-- hold whose process died lapses at expires_at (Unix nanoseconds).
CREATE TABLE token_holds (
	id         TEXT PRIMARY KEY,
	scope      TEXT NOT NULL,
	day        TEXT NOT NULL,
	tokens     INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE INDEX token_holds_scope_day ON token_holds (scope, day);
