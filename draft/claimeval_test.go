package draft

import (
	"os"
	"path/filepath"
	"testing"
)

// TestClaimsEvaluation checks the claim checker on the labelled sets in testdata/claims and prints
// the tables the README reports (go test ./draft -run TestClaimsEvaluation -v). The development sets
// are held to the targets of the claims issue; the held-out set, which the checker was not tuned on,
// is reported and held to looser bounds so that a regression on unseen prose still fails. With -v,
// every sentence the checker gets wrong in a development set is printed; the held-out set's are not.
func TestClaimsEvaluation(t *testing.T) {
	for _, set := range []struct {
		dir                              string
		maxPlantedLow                    int
		maxCorrectHigh, maxCorrectMedium float64
	}{
		{"dev", 0, 0.03, 0.20},
		// dev2 was written as a held-out set, measured once blind, then tuned on; four labels
		// follow conventions the checker does not (31% for a derived 31.0% is an error there).
		{"dev2", 4, 0.03, 0.20},
		// dev3 likewise: measured blind once (13 of 190 planted claims in sentences rated low), then tuned on.
		{"dev3", 9, 0.03, 0.20},
		// heldout was never tuned on: the bounds hold its first measurement against regressions.
		{"heldout", 12, 0.05, 0.20},
	} {
		t.Run(set.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", "claims", set.dir)
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("labelled set missing: %v", err)
			}
			cases, err := LoadClaimCases(dir)
			if err != nil {
				t.Fatal(err)
			}
			ev := EvaluateClaims(cases, nil)
			t.Logf("%s set:\n%s", set.dir, ev.Table())
			if testing.Verbose() && set.dir != "heldout" { // the held-out set is not read for tuning
				for _, e := range ev.Errors() {
					t.Log(e)
				}
			}
			if len(ev.SplitErrors) > 0 {
				t.Errorf("cases not evaluated: %v", ev.SplitErrors)
			}
			if ev.Sentences < 150 {
				t.Errorf("only %d sentences evaluated", ev.Sentences)
			}
			if ev.PlantedLow > set.maxPlantedLow {
				t.Errorf("%d planted claims are in sentences rated low, want at most %d", ev.PlantedLow, set.maxPlantedLow)
			}
			if r := float64(ev.CorrectHigh) / float64(ev.Correct); r > set.maxCorrectHigh {
				t.Errorf("%.1f%% of correct sentences rated high, want at most %.0f%%", 100*r, 100*set.maxCorrectHigh)
			}
			if r := float64(ev.CorrectMed) / float64(ev.Correct); r > set.maxCorrectMedium {
				t.Errorf("%.1f%% of correct sentences rated medium, want at most %.0f%%", 100*r, 100*set.maxCorrectMedium)
			}
		})
	}
}
