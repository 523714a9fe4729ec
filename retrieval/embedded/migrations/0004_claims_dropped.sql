-- Each sentence's claims, each section's dropped figures and the figure an audit entry names.
-- Rows stored before this migration get no claims, no dropped figures and no figure.
ALTER TABLE draft_sentences ADD COLUMN claims TEXT NOT NULL DEFAULT '[]';  -- JSON array of draft.Claim
ALTER TABLE draft_sections ADD COLUMN dropped TEXT NOT NULL DEFAULT '[]';  -- JSON array of draft.DroppedFigure
ALTER TABLE draft_audit ADD COLUMN figure_id TEXT NOT NULL DEFAULT '';     -- '' unless a decision on a figure
