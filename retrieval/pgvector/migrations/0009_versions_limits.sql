-- 0009: review under concurrency and limits shared by replicas.
--
-- Sentence versions (draft.Sentence.Version), counted per draft: every write to a draft's sentences
-- (a review, a section drafted again) takes the draft's next version and stores the sentences it
-- writes at it, so no version is ever issued twice within a draft. Rows stored before this
-- migration start at 1.
ALTER TABLE drafts ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE draft_sentences ADD COLUMN version integer NOT NULL DEFAULT 1;

-- Request rate limits: one token bucket per key (an API key's, or a client address's), so that every
-- replica on this database takes from the same bucket. tokens as of at.
CREATE TABLE rate_buckets (
    key    text PRIMARY KEY,
    tokens double precision NOT NULL,
    at     timestamptz NOT NULL
);

-- Daily model-token budgets: what each scope (an API key, or the single user) spent on a day, in
-- the server's time zone, and kept across restarts.
CREATE TABLE token_spent (
    scope text NOT NULL,
    day   date NOT NULL,
    spent bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, day)
);

-- Tokens held for model calls under way: taken from the budget before the call, given back when it
-- is settled with what the call used. A hold whose process died lapses at expires_at.
CREATE TABLE token_holds (
    id         text PRIMARY KEY,
    scope      text NOT NULL,
    day        date NOT NULL,
    tokens     bigint NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX token_holds_scope_day ON token_holds (scope, day);
