-- Who created each draft (the holder of the API key that asked for it) and the reason a reviewer
-- gave with a decision. Rows stored before this migration get no creator and no reason.
ALTER TABLE drafts ADD COLUMN created_by TEXT NOT NULL DEFAULT '';  -- '' in single-user mode
ALTER TABLE draft_audit ADD COLUMN reason TEXT NOT NULL DEFAULT ''; -- '' unless the reviewer gave one
