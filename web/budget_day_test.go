package web

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

func TestBudgetSettlesOnTheHoldsDay(t *testing.T) {
	beforeMidnight := time.Date(2025, 8, 1, 23, 59, 30, 0, time.Local)
	afterMidnight := beforeMidnight.Add(time.Minute)
	d1, d2 := day(beforeMidnight), day(afterMidnight)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for name, open := range stores(t) {
		t.Run("a call held before midnight and settled after it is spent on its day, "+name+" store", func(t *testing.T) {
			store := open(t)
			b := &budget{limit: 10000, hold: 2000, shared: store.(SharedLimits), log: log}
			settle, err := b.reserve(t.Context(), "key-1", beforeMidnight)
			if err != nil {
				t.Fatal(err)
			}
			settle(1500, afterMidnight)
			if n, err := store.(SharedLimits).SpentTokens(t.Context(), "key-1", d1, afterMidnight); err != nil || n != 1500 {
				t.Errorf("spent on %s, the hold's day: %d, %v; want 1500", d1, n, err)
			}
			if n, err := b.spent(t.Context(), "key-1", afterMidnight); err != nil || n != 0 {
				t.Errorf("spent on %s, the day after: %d, %v; want 0: the new day's budget starts whole", d2, n, err)
			}
		})
	}
	t.Run("counting in the process, a hold of the day before counts nowhere", func(t *testing.T) {
		b := &budget{limit: 10000, hold: 2000, log: log}
		settle, err := b.reserve(t.Context(), "key-1", beforeMidnight)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := b.spent(t.Context(), "key-1", beforeMidnight); n != 2000 {
			t.Fatalf("held before midnight: %d, want 2000", n)
		}
		settle(1500, afterMidnight)
		if n, _ := b.spent(t.Context(), "key-1", afterMidnight); n != 0 {
			t.Errorf("spent after midnight: %d, want 0", n)
		}
	})
}
