-- 0004: each sentence's claims, each section's dropped figures and the figure an audit entry
-- names. Rows stored before it get no claims, no dropped figures and no figure.

ALTER TABLE draft_sentences ADD COLUMN claims jsonb NOT NULL DEFAULT '[]';  -- array of draft.Claim
ALTER TABLE draft_sections ADD COLUMN dropped jsonb NOT NULL DEFAULT '[]';  -- array of draft.DroppedFigure
ALTER TABLE draft_audit ADD COLUMN figure_id text NOT NULL DEFAULT '';      -- '' unless a decision on a figure
