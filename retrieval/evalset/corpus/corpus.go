// Package corpus finds the public sample corpus that tests and benchmarks
// read: ../shared/corpus beside the repository root, which the repository
// must not contain. It imports nothing from draftd, so any package's tests
// can use it without an import cycle.
package corpus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// ErrNoCorpus is returned by Dir when the sample corpus is not next to the repository.
var ErrNoCorpus = errors.New("corpus: the sample corpus ../shared/corpus is not next to the repository root")

// Dir returns the corpus directory: ../shared/corpus relative to the
// repository root, found by walking up from the working directory to go.mod.
// It returns ErrNoCorpus when there is no such directory.
func Dir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("corpus: dir: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			c := filepath.Join(d, "..", "shared", "corpus")
			if fi, err := os.Stat(c); err != nil || !fi.IsDir() {
				return "", ErrNoCorpus
			}
			return filepath.Clean(c), nil
		}
		if filepath.Dir(d) == d {
			return "", ErrNoCorpus
		}
	}
}

// DirOrSkip returns the corpus directory, skipping tb when the corpus is absent.
func DirOrSkip(tb testing.TB) string {
	tb.Helper()
	dir, err := Dir()
	if errors.Is(err, ErrNoCorpus) {
		tb.Skip("the sample corpus ../shared/corpus is absent: skipping (it holds public reports the repository must not contain)")
	}
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}
