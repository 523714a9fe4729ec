package embedded

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

func TestLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a second holder is refused with the first one's PID", func(t *testing.T) {
		_, err := Lock(dir)
		if retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Fatalf("second lock: %v, want a conflict", err)
		}
		if msg := retrieval.ErrorMessage(err); !strings.Contains(msg, "PID "+strconv.Itoa(os.Getpid())) || !strings.Contains(msg, "POST /api/v1/documents") {
			t.Fatalf("message %q does not name the holder and the way to ingest instead", msg)
		}
	})
	t.Run("the lock is free again once released", func(t *testing.T) {
		unlock()
		again, err := Lock(dir)
		if err != nil {
			t.Fatalf("lock after release: %v", err)
		}
		again()
	})
	t.Run("a lock file left by a dead process does not hold the directory", func(t *testing.T) {
		// The flock dies with its process: a file with a stale PID in it is no lock.
		if err := os.WriteFile(filepath.Join(dir, LockName), []byte("999999\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		u, err := Lock(dir)
		if err != nil {
			t.Fatalf("lock over a stale file: %v", err)
		}
		u()
	})
}
