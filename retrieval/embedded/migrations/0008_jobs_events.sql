-- 0008: drafting as durable jobs, and drafting events kept in the database (see jobs.go, events.go).
-- Times are Unix nanoseconds (UTC).
--
-- A draft numbers its events 1, 2, 3…; the single writer appends them in order.
CREATE TABLE draft_events (
	draft_id   TEXT NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	type       TEXT NOT NULL,
	payload    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (draft_id, seq)
);

-- One job per section to draft. state: available (to run at run_at or later), running, completed,
-- cancelled or discarded (its last attempt failed). One live (available or running) job per section.
CREATE TABLE draft_jobs (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	draft_id     TEXT NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
	section      INTEGER NOT NULL,
	args         TEXT NOT NULL,
	state        TEXT NOT NULL,
	attempt      INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL,
	run_at       INTEGER NOT NULL,
	error        TEXT NOT NULL DEFAULT '',
	updated_at   INTEGER NOT NULL
);

CREATE UNIQUE INDEX draft_jobs_live ON draft_jobs (draft_id, section) WHERE state IN ('available', 'running');
CREATE INDEX draft_jobs_due ON draft_jobs (state, run_at);
