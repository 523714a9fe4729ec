-- 0005: who created each draft (the holder of the API key that asked for it) and the reason a
-- reviewer gave with a decision. Rows stored before it get no creator and no reason.

ALTER TABLE drafts ADD COLUMN created_by text NOT NULL DEFAULT '';  -- '' in single-user mode
ALTER TABLE draft_audit ADD COLUMN reason text NOT NULL DEFAULT ''; -- '' unless the reviewer gave one
