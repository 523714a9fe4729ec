package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// template writes a stored document, or a file stored first as draftd ingest stores it, as a
// figures skeleton (draft.TemplateFrom) to fill in and give to draftd draft --figures: JSON, or a
// workbook (draft.WriteXLSX) when -o names an .xlsx file.
func (m *Main) template(ctx context.Context, args []string) error {
	var outPath, collection, workspace string
	cfg, fs, err := m.config("template", args, func(fs *flag.FlagSet) {
		workspaceFlag(fs, &workspace)
		fs.StringVar(&outPath, "o", "", "write the skeleton to this file instead of standard output: JSON, or a workbook to fill in Excel when it ends in .xlsx")
		fs.StringVar(&collection, "collection", retrieval.DefaultCollection, "collection a FILE is ingested into")
	})
	if err != nil {
		return err
	}
	// Flags may follow the document too: draftd template FILE -o skeleton.json.
	rest := fs.Args()
	if len(rest) > 1 {
		if err := fs.Parse(rest[1:]); err != nil {
			return err
		}
		rest = append(rest[:1:1], fs.Args()...)
	}
	if len(rest) != 1 {
		return fmt.Errorf("template: give one stored document's ID or one file")
	}
	arg := rest[0]
	st, statErr := os.Stat(arg)
	isFile := statErr == nil && !st.IsDir()
	// Storing a file takes the data directory's lock, as ingest does; reading a stored document
	// needs none.
	var store Store
	var emb embedder
	var closeStore func()
	if isFile {
		store, emb, closeStore, err = openExclusive(ctx, cfg)
	} else if store, emb, err = openChecked(ctx, cfg); err == nil {
		closeStore = func() { store.Close() }
	}
	if err != nil {
		return err
	}
	defer closeStore()
	sc, err := inWorkspace(ctx, store, workspace)
	if err != nil {
		return fmt.Errorf("template: --workspace: %w", err)
	}
	id := arg
	if isFile {
		p, warnings, err := prepareFile(ctx, inputFile{path: arg, key: filepath.Base(arg)}, collection)
		if err != nil {
			return fmt.Errorf("%s: %s", arg, userMessage(err))
		}
		in := &retrieval.Ingester{Store: store, Embed: emb.embed}
		res, err := in.Save(ctx, sc, p)
		if err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintf(m.Stderr, "%s: warning: %s\n", arg, w)
		}
		if len(res) > 1 {
			fmt.Fprintf(m.Stderr, "%s holds %d documents; the skeleton is the first's\n", arg, len(res))
		}
		id = res[0].ID
		fmt.Fprintf(m.Stderr, "%s: %s %q as document %s\n", arg, res[0].Status, res[0].Title, id)
	}
	doc, err := store.Document(ctx, sc, id)
	if err != nil {
		if retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
			return fmt.Errorf("template: %q is neither a file nor a stored document", arg)
		}
		return err
	}
	f, err := draft.TemplateFrom(doc)
	if err != nil {
		return err
	}
	var out []byte
	if strings.EqualFold(filepath.Ext(outPath), ".xlsx") {
		var buf bytes.Buffer
		if err := draft.WriteXLSX(&buf, f); err != nil {
			return err
		}
		out = buf.Bytes()
	} else if out, err = json.MarshalIndent(f, "", "  "); err != nil {
		return err
	} else {
		out = append(out, '\n')
	}
	if outPath == "" {
		_, err := m.Stdout.Write(out)
		return err
	}
	if err := os.WriteFile(outPath, out, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "skeleton of %s written to %s\n", doc.ID, outPath)
	return nil
}
