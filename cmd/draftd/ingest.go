package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/extract"
)

// maxFileBytes caps a file read by draftd ingest.
const maxFileBytes = 256 << 20

// inputFile is a file to ingest and the key that identifies it in its collection.
type inputFile struct{ path, key string }

func (m *Main) ingest(ctx context.Context, args []string) error {
	var collection string
	cfg, fs, err := m.config("ingest", args, func(fs *flag.FlagSet) {
		fs.StringVar(&collection, "collection", retrieval.DefaultCollection, "collection to ingest into")
	})
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("ingest: give one or more files or directories")
	}
	files, err := collectFiles(fs.Args())
	if err != nil {
		return err
	}
	store, emb, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	in := &retrieval.Ingester{Store: store, Embed: emb.embed}

	bar := newBar(m.Stderr, len(files), "ingest")
	say := func(format string, args ...any) {
		if bar != nil {
			bar.Clear()
		}
		fmt.Fprintf(m.Stderr, format+"\n", args...)
		if bar != nil {
			bar.RenderBlank()
		}
	}
	start := time.Now()
	var failed, docs, passages, unchanged int
	for _, f := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res, err := ingestFile(ctx, in, f, collection)
		if err != nil {
			failed++
			say("%s: error: %s", f.path, userMessage(err))
		} else {
			for _, r := range res {
				docs++
				passages += r.Passages
				if r.Status == retrieval.PutUnchanged {
					unchanged++
				}
				for _, w := range r.Warnings {
					say("%s: warning: %s", f.path, w)
				}
				if bar == nil {
					say("%s: %s %q (%d passages)", f.path, r.Status, r.Title, r.Passages)
				}
			}
		}
		if bar != nil {
			rate := float64(passages) / time.Since(start).Seconds()
			bar.Describe(fmt.Sprintf("ingest: %d passages, %.0f/s", passages, rate))
			bar.Add(1)
		}
	}
	if bar != nil {
		bar.Finish()
	}
	el := time.Since(start)
	fmt.Fprintf(m.Stderr, "ingested %d files: %d documents (%d unchanged), %d passages in %s (%.0f passages/s); %d failed\n",
		len(files)-failed, docs, unchanged, passages, el.Round(time.Millisecond), float64(passages)/el.Seconds(), failed)
	if failed > 0 {
		return errSilent
	}
	return nil
}

// ingestFile reads, extracts and ingests one file.
func ingestFile(ctx context.Context, in *retrieval.Ingester, f inputFile, collection string) ([]retrieval.IngestResult, error) {
	st, err := os.Stat(f.path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxFileBytes {
		return nil, retrieval.Errorf(retrieval.ETOOLARGE, "file is %d MB, over the %d MB limit", st.Size()>>20, maxFileBytes>>20)
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, err
	}
	x, err := extract.Text(ctx, f.path, data)
	if err != nil {
		return nil, err
	}
	res, _, err := in.Ingest(ctx, f.key, x.Text, collection)
	if err != nil {
		return nil, err
	}
	for i := range res {
		res[i].Warnings = append(x.Warnings, res[i].Warnings...)
	}
	return res, nil
}

// collectFiles expands directories into the supported files below them, in lexical order.
// A file named directly is always taken, so an unsupported one gets a clear error.
func collectFiles(paths []string) ([]inputFile, error) {
	var out []inputFile
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, inputFile{path: p, key: filepath.Base(p)})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !extract.Supported(d.Name()) {
				return nil
			}
			rel, err := filepath.Rel(p, path)
			if err != nil {
				return err
			}
			out = append(out, inputFile{path: path, key: filepath.ToSlash(rel)})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// userMessage is the message for err that a user can act on.
func userMessage(err error) string {
	if retrieval.ErrorCode(err) == retrieval.EINTERNAL {
		return err.Error()
	}
	return retrieval.ErrorMessage(err)
}
