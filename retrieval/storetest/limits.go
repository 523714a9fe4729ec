package storetest

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// LimitStore keeps rate buckets and daily token budgets: web.SharedLimits, declared again here so
// that the suite does not import web.
type LimitStore interface {
	TakeRate(ctx context.Context, key string, perSec float64, burst int, now time.Time) (time.Duration, error)
	HoldTokens(ctx context.Context, scope, day string, n, limit int, now, expires time.Time) (id string, held int, err error)
	SettleTokens(ctx context.Context, id, scope, day string, used int) error
	SpentTokens(ctx context.Context, scope, day string, now time.Time) (int, error)
}

// RunLimits runs the conformance suite of LimitStore against pairs of handles on one database made
// by open (two replicas' worth; each call a new, empty database). The limits must hold within 5%
// when both handles take from them at once; the suite measures how close they come and logs it.
func RunLimits(t *testing.T, open func(t *testing.T) (a, b LimitStore)) {
	tests := []struct {
		name string
		run  func(t *testing.T, a, b LimitStore)
	}{
		{"TakeRate gives a bucket's burst, then refuses with the wait until the next token", testTakeRate},
		{"TakeRate from two handles at once gives the burst once", testTakeRateShared},
		{"TakeRate from two handles holds the rate over a minute", testTakeRateOverTime},
		{"HoldTokens holds what is left, and nothing once the budget is spent", testHoldTokens},
		{"Holds and settlements from two handles at once keep to the budget", testBudgetShared},
		{"A hold not settled lapses", testHoldLapses},
		{"Each scope and day has its own budget", testBudgetScopes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := open(t)
			tt.run(t, a, b)
		})
	}
}

var limitsNow = time.Date(2025, 7, 1, 9, 30, 0, 0, time.UTC)

func take(t *testing.T, s LimitStore, key string, perSec float64, burst int, now time.Time) time.Duration {
	t.Helper()
	wait, err := s.TakeRate(t.Context(), key, perSec, burst, now)
	if err != nil {
		t.Fatalf("TakeRate %s: %v", key, err)
	}
	return wait
}

func testTakeRate(t *testing.T, a, b LimitStore) {
	for i := range 5 {
		if wait := take(t, a, "k1", 2, 5, limitsNow); wait != 0 {
			t.Fatalf("request %d of a burst of 5 waits %v", i+1, wait)
		}
	}
	wait := take(t, b, "k1", 2, 5, limitsNow)
	if wait < 400*time.Millisecond || wait > 600*time.Millisecond {
		t.Fatalf("the 6th request at 2 a second waits %v, want about 500ms", wait)
	}
	if wait := take(t, a, "k2", 2, 5, limitsNow); wait != 0 {
		t.Fatalf("another key's bucket is not full: waits %v", wait)
	}
	if wait := take(t, b, "k1", 2, 5, limitsNow.Add(time.Second)); wait != 0 {
		t.Fatalf("a second later the bucket has no token: waits %v", wait)
	}
}

func testTakeRateShared(t *testing.T, a, b LimitStore) {
	const burst, tries = 100, 150
	var taken atomic.Int64
	var wg sync.WaitGroup
	for _, s := range []LimitStore{a, b, a, b} {
		wg.Go(func() {
			for range tries {
				wait, err := s.TakeRate(t.Context(), "shared", 0.5, burst, limitsNow)
				if err != nil {
					t.Error(err)
					return
				}
				if wait == 0 {
					taken.Add(1)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("burst of %d taken from two handles, four at once: %d given", burst, taken.Load())
	if got := taken.Load(); got != burst {
		t.Errorf("%d requests given, want the burst of %d", got, burst)
	}
}

func testTakeRateOverTime(t *testing.T, a, b LimitStore) {
	const perSec, burst = 5.0, 10
	given := 0
	for step := range 600 { // a minute in tenths of a second, each handle asking three times a step
		now := limitsNow.Add(time.Duration(step) * 100 * time.Millisecond)
		for _, s := range []LimitStore{a, b, a, b, a, b} {
			if take(t, s, "minute", perSec, burst, now) == 0 {
				given++
			}
		}
	}
	want := burst + perSec*59.9
	t.Logf("over a minute at %g a second, burst %d, from two handles: %d given, limit %.0f", perSec, burst, given, want)
	if math.Abs(float64(given)-want) > 0.05*want {
		t.Errorf("%d requests given in a minute, want %.0f within 5%%", given, want)
	}
}

func hold(t *testing.T, s LimitStore, scope, day string, n, limit int, now time.Time) (string, int) {
	t.Helper()
	id, got, err := s.HoldTokens(t.Context(), scope, day, n, limit, now, now.Add(time.Minute))
	if err != nil {
		t.Fatalf("HoldTokens: %v", err)
	}
	return id, got
}

func spent(t *testing.T, s LimitStore, scope, day string, now time.Time) int {
	t.Helper()
	n, err := s.SpentTokens(t.Context(), scope, day, now)
	if err != nil {
		t.Fatalf("SpentTokens: %v", err)
	}
	return n
}

func settle(t *testing.T, s LimitStore, id, scope, day string, used int) {
	t.Helper()
	if err := s.SettleTokens(t.Context(), id, scope, day, used); err != nil {
		t.Fatalf("SettleTokens: %v", err)
	}
}

func testHoldTokens(t *testing.T, a, b LimitStore) {
	const day = "2025-07-01"
	id1, got := hold(t, a, "key-a", day, 400, 1000, limitsNow)
	if id1 == "" || got != 400 {
		t.Fatalf("first hold = %q, %d; want 400 held", id1, got)
	}
	if n := spent(t, b, "key-a", day, limitsNow); n != 400 {
		t.Fatalf("spent and held = %d from the other handle, want 400", n)
	}
	id2, got := hold(t, b, "key-a", day, 400, 1000, limitsNow)
	if id2 == "" || got != 400 {
		t.Fatalf("second hold = %q, %d; want 400 held", id2, got)
	}
	settle(t, a, id1, "key-a", day, 450) // a call may use more than it held
	if id, got := hold(t, a, "key-a", day, 400, 1000, limitsNow); got != 150 || id == "" {
		t.Fatalf("third hold = %q, %d; want what is left, 150", id, got)
	}
	if id, got := hold(t, b, "key-a", day, 400, 1000, limitsNow); got != 0 || id != "" {
		t.Fatalf("a hold of a spent budget = %q, %d; want none", id, got)
	}
	settle(t, b, id2, "key-a", day, 100)
	settle(t, b, "", "key-a", day, 20) // spending held by no call
	if n := spent(t, a, "key-a", day, limitsNow); n != 450+100+20+150 {
		t.Fatalf("spent and held = %d, want %d", n, 450+100+20+150)
	}
}

func testBudgetShared(t *testing.T, a, b LimitStore) {
	const day, limit, call = "2025-07-01", 2000, 20
	var calls atomic.Int64
	var wg sync.WaitGroup
	for _, s := range []LimitStore{a, b, a, b} {
		wg.Go(func() {
			for {
				id, got, err := s.HoldTokens(t.Context(), "shared", day, call, limit, limitsNow, limitsNow.Add(time.Minute))
				if err != nil {
					t.Error(err)
					return
				}
				if got == 0 {
					return
				}
				calls.Add(1)
				if err := s.SettleTokens(t.Context(), id, "shared", day, call); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	used := spent(t, a, "shared", day, limitsNow)
	t.Logf("budget of %d tokens, calls of %d from two handles, four at once: %d calls, %d tokens spent", limit, call, calls.Load(), used)
	if math.Abs(float64(used-limit)) > 0.05*limit {
		t.Errorf("%d tokens spent of a budget of %d, want within 5%%", used, limit)
	}
}

func testHoldLapses(t *testing.T, a, b LimitStore) {
	const day = "2025-07-01"
	if _, got, err := a.HoldTokens(t.Context(), "key-l", day, 100, 100, limitsNow, limitsNow.Add(time.Minute)); err != nil || got != 100 {
		t.Fatalf("HoldTokens = %d, %v", got, err)
	}
	later := limitsNow.Add(2 * time.Minute) // the process that held them died
	if n := spent(t, b, "key-l", day, later); n != 0 {
		t.Fatalf("spent and held after the hold lapsed = %d, want 0", n)
	}
	if _, got := hold(t, b, "key-l", day, 100, 100, later); got != 100 {
		t.Fatalf("hold after the last lapsed = %d, want 100", got)
	}
}

func testBudgetScopes(t *testing.T, a, _ LimitStore) {
	settle(t, a, "", "key-x", "2025-07-01", 70)
	if n := spent(t, a, "key-y", "2025-07-01", limitsNow); n != 0 {
		t.Errorf("another key's spending = %d, want 0", n)
	}
	if n := spent(t, a, "key-x", "2025-07-02", limitsNow); n != 0 {
		t.Errorf("the next day's spending = %d, want 0", n)
	}
	if n := spent(t, a, "key-x", "2025-07-01", limitsNow); n != 70 {
		t.Errorf("the day's spending = %d, want 70", n)
	}
}
