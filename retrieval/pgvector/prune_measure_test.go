package pgvector

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/draftd/draftd/draft/queue"
)

// fillEvents gives each of n drafts three runs of three sections (a start, eight sentences and
// an end each) and the run's end: 93 events, the runs ended 60, 50 and 40 days ago.
const fillEvents = `WITH d AS (
    INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, prompt_tokens,
        completion_tokens, created_at, updated_at)
    SELECT 'm-' || i, '柳溪县水务局2025年工作总结', '柳溪县水务局', '2025年', 'ready', 'offline', 'test', 0, 0, now(), now()
    FROM generate_series(1, $1) i RETURNING id
)
INSERT INTO draft_events (draft_id, seq, type, payload, created_at)
SELECT d.id, r * 31 + k + 1, t.type, jsonb_build_object('type', t.type, 'draft_id', d.id, 'section', k / 10),
    now() - interval '60 days' + r * interval '10 days'
FROM d, generate_series(0, 2) r, generate_series(0, 30) k,
    LATERAL (SELECT CASE WHEN k = 30 THEN 'draft_done' WHEN k % 10 = 0 THEN 'section_started'
        WHEN k % 10 = 9 THEN 'section_done' ELSE 'sentence' END AS type) t`

// TestMeasurePrune times Prune over many drafts' events (DRAFTD_MEASURE=1; DRAFTD_PRUNE_DRAFTS,
// default 5000): the first pass deletes two runs of each draft, the second finds nothing.
func TestMeasurePrune(t *testing.T) {
	if os.Getenv("DRAFTD_MEASURE") != "1" {
		t.Skip("DRAFTD_MEASURE=1 measures")
	}
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("DRAFTD_PRUNE_DRAFTS")); err == nil && v > 0 {
		n = v
	}
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, fillEvents, n); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE draft_events`); err != nil {
		t.Fatal(err)
	}
	for pass := 1; pass <= 2; pass++ {
		t0 := time.Now()
		p, err := s.Prune(ctx, time.Now(), queue.Retention{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("pass %d over %d drafts (%d events): %+v in %v", pass, n, n*93, p, time.Since(t0).Round(time.Millisecond))
		if pass == 1 && p.Events != int64(n*62) {
			t.Errorf("pass 1 deleted %d events, want %d (two runs of 31 a draft)", p.Events, n*62)
		}
	}
}
