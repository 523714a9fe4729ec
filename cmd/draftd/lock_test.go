package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval/embedded"
)

// TestOneProcessPerDataDirectory holds the data directory's lock as a running draftd serve would,
// and checks that the commands acting for the whole directory refuse to run beside it while the
// others (keys, search) still work.
func TestOneProcessPerDataDirectory(t *testing.T) {
	ctx := context.Background()
	m, _, _ := testMain(t, nil)
	dataDir := m.Getenv("DRAFTD_DATA_DIR")
	docs := t.TempDir()
	os.WriteFile(filepath.Join(docs, "songxi.txt"), []byte(fixture), 0o644)
	unlock, err := embedded.Lock(dataDir) // the "other process"
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	for _, args := range [][]string{{"ingest", docs}, {"reindex"}, {"serve"}} {
		t.Run(args[0]+" is refused", func(t *testing.T) {
			m, _, _ := testMain(t, map[string]string{"DRAFTD_DATA_DIR": dataDir})
			err := m.Run(ctx, args)
			if err == nil || !strings.Contains(err.Error(), "正由另一个 draftd 进程") {
				t.Fatalf("%s beside a running process: %v", args[0], err)
			}
		})
	}
	t.Run("creating a key beside a running server still works", func(t *testing.T) {
		m, out, _ := testMain(t, map[string]string{"DRAFTD_DATA_DIR": dataDir})
		if err := m.Run(ctx, []string{"keys", "create", "--name", "张审核", "--role", "reviewer"}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "dk_") {
			t.Fatalf("no token printed: %q", out)
		}
	})
	t.Run("once the other process is gone, ingest runs", func(t *testing.T) {
		unlock()
		m, _, stderr := testMain(t, map[string]string{"DRAFTD_DATA_DIR": dataDir})
		if err := m.Run(ctx, []string{"ingest", docs}); err != nil {
			t.Fatalf("ingest: %v\n%s", err, stderr)
		}
	})
}
