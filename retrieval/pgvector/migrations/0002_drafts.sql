-- 0002: drafts (draft.Draft): the writer's figures, per-section provenance and,
-- per sentence, the checks and the review state.

CREATE TABLE drafts (
    id                text PRIMARY KEY,
    title             text NOT NULL,
    organization      text NOT NULL,
    period            text NOT NULL,
    status            text NOT NULL,
    model             text NOT NULL,
    prompt_version    text NOT NULL,
    input             jsonb,            -- draft.Figures; null when the draft has none
    prompt_tokens     int NOT NULL,
    completion_tokens int NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE INDEX drafts_created_at ON drafts (created_at DESC, id DESC);

CREATE TABLE draft_sections (
    draft_id          text NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    idx               int NOT NULL,
    heading           text NOT NULL,
    status            text NOT NULL,
    error             text NOT NULL,
    attempts          int NOT NULL,
    sources           jsonb NOT NULL,   -- array of draft.Source, best first
    prompt_tokens     int NOT NULL,
    completion_tokens int NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (draft_id, idx)
);

-- One row per sentence, so that reviewers' decisions are kept per sentence.
CREATE TABLE draft_sentences (
    draft_id        text NOT NULL,
    section_idx     int NOT NULL,
    ord             int NOT NULL,
    id              text NOT NULL,
    text            text NOT NULL,
    generated       boolean NOT NULL,
    added           boolean NOT NULL,
    figures         text[] NOT NULL,
    unbound_numbers text[] NOT NULL,
    sources         jsonb NOT NULL,     -- array of draft.Source
    risk            text NOT NULL,
    reasons         text[] NOT NULL,
    review_decision text NOT NULL,      -- '' until reviewed or marked pending
    reviewer        text NOT NULL,
    review_at       timestamptz,        -- null when the review has no time
    history         jsonb NOT NULL,     -- array of draft.Revision, oldest first
    PRIMARY KEY (draft_id, section_idx, ord),
    FOREIGN KEY (draft_id, section_idx) REFERENCES draft_sections (draft_id, idx) ON DELETE CASCADE
);

-- The review audit trail; seq keeps entries in the order they were recorded.
CREATE TABLE draft_audit (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    draft_id    text NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    sentence_id text NOT NULL,
    decision    text NOT NULL,
    reviewer    text NOT NULL,
    at          timestamptz NOT NULL,
    before_text text NOT NULL,
    after_text  text NOT NULL
);

CREATE INDEX draft_audit_draft ON draft_audit (draft_id, seq);
