package embedded_test

import (
	"testing"
	"time"

	"github.com/draftd/draftd/retrieval/storetest"
)

// TestLimits runs the limits suite on two handles of one data directory.
func TestLimits(t *testing.T) {
	storetest.RunLimits(t, func(t *testing.T) (storetest.LimitStore, storetest.LimitStore) {
		dir := t.TempDir()
		return reopen(t, dir), reopen(t, dir)
	})
}

func TestSpendingSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)
	s := reopen(t, dir)
	id, got, err := s.HoldTokens(t.Context(), "key-r", "2025-07-01", 500, 3000, now, now.Add(time.Hour))
	if err != nil || got != 500 {
		t.Fatalf("HoldTokens = %d, %v", got, err)
	}
	if err := s.SettleTokens(t.Context(), id, "key-r", "2025-07-01", 420); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := reopen(t, dir).SpentTokens(t.Context(), "key-r", "2025-07-01", now); err != nil || n != 420 {
		t.Fatalf("spent after a restart = %d, %v; want 420", n, err)
	}
}
