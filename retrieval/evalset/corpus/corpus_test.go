package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDir(t *testing.T) {
	// layout makes root/repo/go.mod and root/repo/a/b, plus root/shared/corpus when withCorpus.
	layout := func(t *testing.T, withCorpus bool) (root string) {
		root = t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "repo", "a", "b"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "repo", "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if withCorpus {
			if err := os.MkdirAll(filepath.Join(root, "shared", "corpus"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}

	t.Run("it finds the corpus beside the repository from a package directory", func(t *testing.T) {
		root := layout(t, true)
		t.Chdir(filepath.Join(root, "repo", "a", "b"))
		got, err := Dir()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := filepath.EvalSymlinks(filepath.Join(root, "shared", "corpus"))
		if got, _ = filepath.EvalSymlinks(got); got != want {
			t.Errorf("Dir() = %q, want %q", got, want)
		}
	})

	t.Run("it reports ErrNoCorpus when the repository has no corpus beside it", func(t *testing.T) {
		root := layout(t, false)
		t.Chdir(filepath.Join(root, "repo", "a"))
		if _, err := Dir(); !errors.Is(err, ErrNoCorpus) {
			t.Errorf("Dir() error = %v, want ErrNoCorpus", err)
		}
	})
}
