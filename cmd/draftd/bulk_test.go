package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// testDatabase creates an empty database on the test server for one test and
// returns its URL, skipping when DRAFTD_TEST_DATABASE_URL is not set.
func testDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DRAFTD_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("DRAFTD_REQUIRE_PG") == "1" {
			t.Fatal("DRAFTD_REQUIRE_PG=1 but DRAFTD_TEST_DATABASE_URL is not set")
		}
		t.Skip("DRAFTD_TEST_DATABASE_URL is not set: skipping PostgreSQL tests (start one with .ci/pgvector.sh)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "draftd_cli_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func TestIngestBulk(t *testing.T) {
	db := testDatabase(t)
	dir := t.TempDir()
	for _, name := range []string{"songxi.txt", "other.txt"} {
		text := fixture
		if name == "other.txt" {
			text = strings.ReplaceAll(fixture, "松溪", "青山")
		}
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	ctx := context.Background()
	env := map[string]string{"DRAFTD_DATABASE_URL": db}
	m, _, stderr := testMain(t, env)
	if err := m.Run(ctx, []string{"ingest", "--bulk", "always", dir}); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	for _, want := range []string{"bulk load: search indexes suspended", "search indexes built", "2 documents"} {
		if !strings.Contains(stderr.String(), want) {
			t.Fatalf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	t.Run("the indexes are back and search finds the documents", func(t *testing.T) {
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var tokens, hnsw bool
		err = conn.QueryRow(ctx, `SELECT to_regclass('passages_tokens') IS NOT NULL, to_regclass('passages_embedding_hnsw') IS NOT NULL`).Scan(&tokens, &hnsw)
		if err != nil || !tokens || !hnsw {
			t.Fatalf("tokens index %v, hnsw index %v, err %v", tokens, hnsw, err)
		}
		m2, out, _ := testMain(t, env)
		if err := m2.Run(ctx, []string{"search", "--json", "家庭医生签约服务"}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "家庭医生签约") {
			t.Fatalf("search output = %s", out)
		}
	})
	t.Run("a small load in auto mode keeps the indexes", func(t *testing.T) {
		m2, _, errb := testMain(t, env)
		if err := m2.Run(ctx, []string{"ingest", filepath.Join(dir, "songxi.txt")}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(errb.String(), "bulk load") || !strings.Contains(errb.String(), "(1 unchanged)") {
			t.Fatalf("stderr = %s", errb)
		}
	})
}
