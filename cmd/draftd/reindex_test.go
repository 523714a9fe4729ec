package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestReindexIndexOnly(t *testing.T) {
	ctx := context.Background()
	t.Run("on PostgreSQL it rebuilds an old graph with today's settings, keeping the vectors", func(t *testing.T) {
		db := testDatabase(t)
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "songxi.txt"), []byte(fixture), 0o644)
		env := map[string]string{"DRAFTD_DATABASE_URL": db}
		m, _, stderr := testMain(t, env)
		if err := m.Run(ctx, []string{"ingest", filepath.Join(dir, "songxi.txt")}); err != nil {
			t.Fatalf("ingest: %v\n%s", err, stderr)
		}
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		// The index as draftd built it before the graph changed.
		for _, q := range []string{`DROP INDEX passages_embedding_hnsw`,
			`CREATE INDEX passages_embedding_hnsw ON passages USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 128)`} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		const vectors = `SELECT string_agg(embedding::text, ';' ORDER BY id) FROM passages`
		var before string
		if err := conn.QueryRow(ctx, vectors).Scan(&before); err != nil {
			t.Fatal(err)
		}
		m2, out, errb := testMain(t, env)
		if err := m2.Run(ctx, []string{"reindex", "--index-only"}); err != nil {
			t.Fatalf("reindex --index-only: %v\n%s", err, errb)
		}
		if !strings.Contains(out.String(), "m = 16, ef_construction = 128 → m = 32, ef_construction = 256") {
			t.Errorf("reindex --index-only said %q", out)
		}
		var opts []string
		var after string
		if err := conn.QueryRow(ctx, `SELECT reloptions FROM pg_class WHERE oid = to_regclass('passages_embedding_hnsw')`).Scan(&opts); err != nil {
			t.Fatal(err)
		}
		if strings.Join(opts, ",") != "m=32,ef_construction=256" {
			t.Errorf("the index's options after the rebuild: %v", opts)
		}
		if err := conn.QueryRow(ctx, vectors).Scan(&after); err != nil || after != before {
			t.Errorf("the stored vectors changed (%v)", err)
		}
		m3, out3, _ := testMain(t, env)
		if err := m3.Run(ctx, []string{"search", "--json", "家庭医生签约服务"}); err != nil || !strings.Contains(out3.String(), "家庭医生签约") {
			t.Errorf("search after the rebuild: %v\n%s", err, out3)
		}
	})
	t.Run("on the embedded store it says there is no graph to rebuild", func(t *testing.T) {
		m, out, errb := testMain(t, map[string]string{"DRAFTD_DATA_DIR": t.TempDir()})
		if err := m.Run(ctx, []string{"reindex", "--index-only"}); err != nil {
			t.Fatalf("reindex --index-only: %v\n%s", err, errb)
		}
		if !strings.Contains(out.String(), "no graph index to rebuild") {
			t.Errorf("reindex --index-only said %q", out)
		}
	})
}
