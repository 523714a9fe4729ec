package main

import (
	"context"
	"strings"
	"testing"
)

func TestWorkersConfiguration(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // in the error
	}{
		{"an API-only process on the embedded store is refused: nothing would draft",
			nil, []string{"serve", "--workers", "0"}, "needs PostgreSQL"},
		{"DRAFTD_WORKERS=0 on the embedded store is refused the same way",
			map[string]string{"DRAFTD_WORKERS": "0"}, []string{"serve"}, "needs PostgreSQL"},
		{"a negative number of workers is refused",
			map[string]string{"DRAFTD_WORKERS": "-2"}, []string{"serve"}, "DRAFTD_WORKERS"},
		{"a rescue sooner than the job timeout is refused: live jobs would be run twice",
			map[string]string{"DRAFTD_JOB_TIMEOUT_S": "120", "DRAFTD_JOB_RESCUE_S": "60"}, []string{"serve"}, "DRAFTD_JOB_RESCUE_S"},
		{"no attempt at all is refused",
			map[string]string{"DRAFTD_JOB_ATTEMPTS": "0"}, []string{"serve"}, "DRAFTD_JOB_ATTEMPTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, _ := testMain(t, tt.env)
			err := m.Run(context.Background(), tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %s", err, tt.want)
			}
		})
	}
	t.Run("the rescue defaults to a minute after the job timeout", func(t *testing.T) {
		cfg, err := LoadConfig(func(k string) string { return map[string]string{"DRAFTD_JOB_TIMEOUT_S": "30"}[k] })
		if err != nil {
			t.Fatal(err)
		}
		if cfg.JobTimeout.Seconds() != 30 || cfg.JobRescue.Seconds() != 90 || cfg.Workers != cfg.SectionConcurrency || cfg.JobAttempts != 3 {
			t.Errorf("timeout %v, rescue %v, workers %d (section concurrency %d), attempts %d", cfg.JobTimeout, cfg.JobRescue, cfg.Workers, cfg.SectionConcurrency, cfg.JobAttempts)
		}
	})
}
