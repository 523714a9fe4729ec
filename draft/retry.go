package draft

import (
	"context"
	"log/slog"
	"time"

	"github.com/draftd/draftd/retrieval"
)

// writeAttempts bounds the tries of one idempotent store write when the store is unavailable.
const writeAttempts = 4

// RetryingStore is a Store whose idempotent writes (SaveSection, SetStatus: each replaces what it
// writes) are tried again when the store is unavailable (EUNAVAILABLE): up to writeAttempts
// times, 0.2 s, 0.8 s and 1.8 s apart, each failure logged with the draft and section, so that a
// database restarting under a drafter neither loses a section silently nor holds it for long.
// Review retries on its own (Reviewer); the other calls pass through.
type RetryingStore struct {
	Store
	Log *slog.Logger // nil: slog.Default()
}

// SaveSection is Store.SaveSection, tried again while the store is unavailable.
func (s RetryingStore) SaveSection(ctx context.Context, id string, sec Section) error {
	return s.retry(ctx, "save section", id, sec.Index, func() error { return s.Store.SaveSection(ctx, id, sec) })
}

// SetStatus is Store.SetStatus, tried again while the store is unavailable.
func (s RetryingStore) SetStatus(ctx context.Context, id string, st Status, u Usage) error {
	return s.retry(ctx, "set status", id, -1, func() error { return s.Store.SetStatus(ctx, id, st, u) })
}

// retry runs write until it succeeds, fails otherwise than EUNAVAILABLE, or has been tried
// writeAttempts times, logging each unavailable failure; it returns write's last error.
func (s RetryingStore) retry(ctx context.Context, what, id string, section int, write func() error) error {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	var err error
	for attempt := 1; attempt <= writeAttempts; attempt++ {
		if err = write(); retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
			return err
		}
		log.Warn("draft store: write failed", "op", what, "draft", id, "section", section, "attempt", attempt, "of", writeAttempts, "err", err)
		if attempt == writeAttempts {
			break
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 200 * time.Millisecond):
		}
	}
	log.Error("draft store: write given up", "op", what, "draft", id, "section", section, "err", err)
	return err
}
