package embedded

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/draftd/draftd/draft/queue"
)

// fillDrafts and fillEvents give each of n drafts three runs of three sections (a start, eight
// sentences and an end each) and the run's end: 93 events, the runs ended 60, 50 and 40 days ago.
const (
	fillDrafts = `WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < ?1)
INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, input, prompt_tokens,
    completion_tokens, created_at, updated_at)
SELECT 'm-' || n, '柳溪县水务局2025年工作总结', '柳溪县水务局', '2025年', 'ready', 'offline', 'test', 'null', 0, 0, ?2, ?2 FROM i`
	fillEvents = `WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < 2),
k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 30),
e AS (SELECT d.id, r.n AS run, k.n AS pos, CASE WHEN k.n = 30 THEN 'draft_done' WHEN k.n % 10 = 0 THEN 'section_started'
    WHEN k.n % 10 = 9 THEN 'section_done' ELSE 'sentence' END AS type FROM drafts d, r, k)
INSERT INTO draft_events (draft_id, seq, type, payload, created_at)
SELECT id, run * 31 + pos + 1, type, json_object('type', type, 'draft_id', id, 'section', pos / 10),
    ?1 + run * ?2 FROM e`
)

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
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	day := int64(24 * time.Hour)
	if err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, fillDrafts, n, now.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, fillEvents, now.UnixNano()-60*day, 10*day)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for pass := 1; pass <= 2; pass++ {
		t0 := time.Now()
		p, err := s.Prune(ctx, now, queue.Retention{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("pass %d over %d drafts (%d events): %+v in %v", pass, n, n*93, p, time.Since(t0).Round(time.Millisecond))
		if pass == 1 && p.Events != int64(n*62) {
			t.Errorf("pass 1 deleted %d events, want %d (two runs of 31 a draft)", p.Events, n*62)
		}
	}
}
