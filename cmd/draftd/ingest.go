package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/sync/errgroup"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/extract"
)

// maxFileBytes caps a file read by draftd ingest.
const maxFileBytes = 256 << 20

// inputFile is a file to ingest and the key that identifies it in its collection.
type inputFile struct{ path, key string }

// maxIngestWorkers caps the files stored at once into PostgreSQL.
const maxIngestWorkers = 4

// Values of draftd ingest --bulk.
const (
	bulkAuto   = "auto"
	bulkAlways = "always"
	bulkNever  = "never"
)

// preparedFile is a file read and prepared, waiting to be embedded and stored.
type preparedFile struct {
	inputFile
	prepared *retrieval.Prepared
	warnings []string // the reader's, before the documents' own
}

func (m *Main) ingest(ctx context.Context, args []string) error {
	var collection, bulk, workspace string
	var dropped bool
	cfg, fs, err := m.config("ingest", args, func(fs *flag.FlagSet) {
		workspaceFlag(fs, &workspace)
		fs.StringVar(&collection, "collection", retrieval.DefaultCollection, "collection to ingest into")
		fs.BoolVar(&dropped, "dropped", false, "print every line cleaning removed, with its line number and the rule that removed it")
		fs.StringVar(&bulk, "bulk", bulkAuto, "suspend the search indexes during the load and rebuild them after: "+
			"auto (PostgreSQL, when the load is large against the store), always, never")
	})
	if err != nil {
		return err
	}
	if bulk != bulkAuto && bulk != bulkAlways && bulk != bulkNever {
		return fmt.Errorf("ingest: --bulk must be auto, always or never, not %q", bulk)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("ingest: give one or more files or directories")
	}
	files, err := collectFiles(fs.Args())
	if err != nil {
		return err
	}
	store, emb, closeStore, err := openExclusive(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	sc, err := inWorkspace(ctx, store, workspace)
	if err != nil {
		return fmt.Errorf("ingest: --workspace: %w", err)
	}
	in := &retrieval.Ingester{Store: store, Embed: emb.embed}
	say := m.sayer()
	start := time.Now()

	// Read and prepare every file first, so that the load knows its size.
	prepared, failed := m.prepareFiles(ctx, store, sc, files, collection, say)
	if dropped {
		for _, pf := range prepared {
			for _, d := range pf.prepared.Report.Dropped {
				say.line("%s: 第 %d 行去掉（%s）：%s", pf.path, d.Line, retrieval.RuleName(d.Rule), d.Text)
			}
		}
	}
	incoming, ndocs := 0, 0
	for _, pf := range prepared {
		ndocs += len(pf.prepared.Documents)
		for _, d := range pf.prepared.Documents {
			incoming += len(d.Passages)
		}
	}
	say.line("read %d files: %d documents, %d passages", len(prepared), ndocs, incoming)

	var bl retrieval.BulkLoader
	switch bulk {
	case bulkAuto:
		if bl, err = retrieval.BulkFor(ctx, store, incoming); err != nil {
			return err
		}
	case bulkAlways:
		bl, _ = store.(retrieval.BulkLoader) // the embedded store has no indexes to suspend
	}
	if bl != nil && ctx.Err() == nil {
		say.line("bulk load: search indexes suspended while %d passages load, rebuilt after", incoming)
		if err := bl.SuspendIndexes(ctx); err != nil {
			return err
		}
	}

	var docs, passages, unchanged int
	bar := newBar(m.Stderr, incoming, "store")
	say.bar = bar
	loadStart := time.Now()
	// PostgreSQL takes several writers at once (each file's document in its own transaction), and
	// embedding is CPU work, so files are stored one per core; the embedded store has one writer.
	workers := 1
	if _, ok := store.(retrieval.BulkLoader); ok {
		workers = min(runtime.GOMAXPROCS(0), maxIngestWorkers)
	}
	var mu sync.Mutex // guards the counters, the bar and the lines printed
	g := new(errgroup.Group)
	g.SetLimit(workers)
	for i := range prepared {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			pf := prepared[i]
			res, err := in.Save(ctx, sc, pf.prepared)
			prepared[i].prepared = nil // let the embeddings go
			mu.Lock()
			defer mu.Unlock()
			for _, r := range res {
				docs++
				passages += r.Passages
				if r.Status == retrieval.PutUnchanged {
					unchanged++
				}
				for _, w := range slices.Concat(pf.warnings, r.Warnings) {
					say.line("%s: warning: %s", pf.path, w)
				}
				if bar == nil {
					say.line("%s: %s %q (%d passages)", pf.path, r.Status, r.Title, r.Passages)
				}
			}
			if err != nil {
				failed++
				say.line("%s: error: %s", pf.path, userMessage(err))
			}
			if bar != nil {
				bar.Describe(fmt.Sprintf("store: %.0f passages/s", float64(passages)/time.Since(loadStart).Seconds()))
				bar.Set(passages)
			}
			return nil
		})
	}
	g.Wait()
	if bar != nil {
		bar.Finish()
	}
	say.bar = nil

	if bl != nil {
		// Even after Ctrl-C: a store left without indexes would scan on every search until its next start.
		if err := m.restoreIndexes(context.WithoutCancel(ctx), bl, say); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	el := time.Since(start)
	fmt.Fprintf(m.Stderr, "ingested %d files: %d documents (%d unchanged), %d passages in %s (%.0f passages/s); %d failed\n",
		len(files)-failed, docs, unchanged, passages, el.Round(time.Millisecond), float64(passages)/el.Seconds(), failed)
	if failed > 0 {
		return errSilent
	}
	return nil
}

// prepareFiles reads and prepares files, reporting each failure through say;
// it returns the files prepared and how many failed. Every file is read first, so that
// cleaning knows the lines the batch's files repeat and those the collection's stored documents
// repeat around their bodies (retrieval.GatherEvidence): a site's furniture is on all its pages,
// as the web upload cleans them.
func (m *Main) prepareFiles(ctx context.Context, store retrieval.Store, sc retrieval.Scope, files []inputFile, collection string, say *sayer) ([]preparedFile, int) {
	bar := newBar(m.Stderr, 2*len(files), "read")
	say.bar = bar
	defer func() { say.bar = nil }()
	type readFile struct {
		inputFile
		text     string
		warnings []string
	}
	var read []readFile
	failed := 0
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		text, warnings, err := readInput(ctx, f)
		if err != nil {
			failed++
			say.line("%s: error: %s", f.path, userMessage(err))
		} else {
			read = append(read, readFile{f, text, warnings})
		}
		if bar != nil {
			bar.Add(1)
		}
	}
	texts, keys := make([]string, len(read)), make([]string, len(read))
	for i, r := range read {
		texts[i], keys[i] = r.text, r.key
	}
	evs, err := retrieval.GatherEvidence(ctx, store, sc, collection, keys, texts)
	if err != nil {
		say.line("error: %s", userMessage(err))
		return nil, len(files)
	}
	var out []preparedFile
	for i, r := range read {
		if ctx.Err() != nil {
			break
		}
		p, err := retrieval.PrepareFileWith(r.key, r.text, collection, evs[i])
		read[i].text = "" // let the text go
		if err != nil {
			failed++
			say.line("%s: error: %s", r.path, userMessage(err))
		} else {
			out = append(out, preparedFile{inputFile: r.inputFile, prepared: p, warnings: r.warnings})
		}
		if bar != nil {
			bar.Add(1)
		}
	}
	if bar != nil {
		bar.Finish()
	}
	return out, failed
}

// restoreIndexes rebuilds the indexes a bulk load suspended, with a progress bar on a terminal.
func (m *Main) restoreIndexes(ctx context.Context, bl retrieval.BulkLoader, say *sayer) error {
	start := time.Now()
	bar := newBar(m.Stderr, 1, "index")
	if bar == nil {
		say.line("building the search indexes…")
	}
	err := bl.RestoreIndexes(ctx, func(done, total int) {
		if bar != nil {
			bar.ChangeMax(total)
			bar.Set(done)
		}
	})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("ingest: the documents are stored but their search indexes are not: %w "+
			"(the next draftd start builds them)", err)
	}
	say.line("search indexes built in %s", time.Since(start).Round(time.Second))
	return nil
}

// sayer prints lines to stderr around the progress bar in use, if any.
type sayer struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (m *Main) sayer() *sayer { return &sayer{w: m.Stderr} }

func (s *sayer) line(format string, args ...any) {
	if s.bar != nil {
		s.bar.Clear()
	}
	fmt.Fprintf(s.w, format+"\n", args...)
	if s.bar != nil {
		s.bar.RenderBlank()
	}
}

// prepareFile reads, extracts and prepares one file on its own; it returns the reader's warnings.
func prepareFile(ctx context.Context, f inputFile, collection string) (*retrieval.Prepared, []string, error) {
	text, warnings, err := readInput(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	p, err := retrieval.PrepareFile(f.key, text, collection)
	if err != nil {
		return nil, nil, err
	}
	return p, warnings, nil
}

// readInput reads and extracts the text of one file; it returns the reader's warnings.
func readInput(ctx context.Context, f inputFile) (string, []string, error) {
	st, err := os.Stat(f.path)
	if err != nil {
		return "", nil, err
	}
	if st.Size() > maxFileBytes {
		return "", nil, retrieval.Errorf(retrieval.ETOOLARGE, "文件有 %d MB，超过 %d MB 的上限", st.Size()>>20, maxFileBytes>>20)
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return "", nil, err
	}
	x, err := extract.Text(ctx, f.path, data)
	if err != nil {
		return "", nil, err
	}
	return x.Text, x.Warnings, nil
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
