-- 0008: drafting events kept in the database, so that any replica can stream any draft's progress.
--
-- Each draft numbers its events 1, 2, 3… in the order they commit: appending takes the draft's
-- counter row (draft_event_seqs) and holds its lock until the event commits, so a reader that has
-- seen n and asks for the events after n misses none. NOTIFY draftd_events carries the draft's ID
-- and the number, never the text. The drafting jobs themselves are River's tables, made by
-- River's own migrations when the queue starts (see jobs.go).
CREATE TABLE draft_event_seqs (
    draft_id text PRIMARY KEY REFERENCES drafts (id) ON DELETE CASCADE,
    seq      bigint NOT NULL
);

CREATE TABLE draft_events (
    draft_id   text NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    seq        bigint NOT NULL,
    type       text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (draft_id, seq)
);
