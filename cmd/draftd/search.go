package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// searchResponse is the JSON of POST /api/v1/search and draftd search --json.
type searchResponse struct {
	Results []retrieval.Result `json:"results"`
}

func (m *Main) search(ctx context.Context, args []string) error {
	var k int
	var asJSON bool
	var q retrieval.Query
	var kinds, roles, workspace string
	cfg, fs, err := m.config("search", args, func(fs *flag.FlagSet) {
		workspaceFlag(fs, &workspace)
		fs.IntVar(&k, "k", retrieval.DefaultK, "number of results")
		fs.BoolVar(&asJSON, "json", false, "print the same JSON as POST /api/v1/search")
		fs.StringVar(&q.Filter.Collection, "collection", "", "only this collection")
		fs.StringVar(&kinds, "kind", "", "only these document kinds, comma-separated ("+strings.Join(retrieval.Kinds(), ",")+")")
		fs.StringVar(&roles, "role", "", "only these section roles, comma-separated ("+strings.Join(retrieval.Roles, ",")+")")
		fs.IntVar(&q.Filter.YearFrom, "year-from", 0, "only documents from this year on")
		fs.IntVar(&q.Filter.YearTo, "year-to", 0, "only documents up to this year")
	})
	if err != nil {
		return err
	}
	q.Text, q.K = strings.Join(fs.Args(), " "), k
	q.Filter.Kinds, q.Filter.Roles = splitList(kinds), splitList(roles)
	store, emb, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if q.Filter.Scope, err = inWorkspace(ctx, store, workspace); err != nil {
		return fmt.Errorf("search: --workspace: %w", err)
	}
	s := &retrieval.Searcher{Store: store, Embed: emb.embed}
	res, err := s.Search(ctx, q)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(searchResponse{Results: nonNil(res)})
	}
	if len(res) == 0 {
		fmt.Fprintln(m.Stdout, "no results")
	}
	for i, r := range res {
		fmt.Fprintf(m.Stdout, "%d. %s — %s  (score %.4f)\n   %s\n\n", i+1, r.DocumentTitle, r.Heading(), r.Score, r.Text)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	cfg, _, err := m.config("migrate", args, nil)
	if err != nil {
		return err
	}
	// Opening a store applies its pending migrations.
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	// Making the drafting queue applies the job queue's own migrations (River's, on PostgreSQL).
	if _, err := store.NewQueue(ctx, queue.Config{}); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "migrations applied")
	return nil
}

func (m *Main) reindex(ctx context.Context, args []string) error {
	var indexOnly bool
	cfg, _, err := m.config("reindex", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&indexOnly, "index-only", false, "rebuild the vector index with today's graph settings from the stored vectors, without re-embedding")
	})
	if err != nil {
		return err
	}
	unlock, err := lockDataDir(cfg)
	if err != nil {
		return err
	}
	defer unlock()
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if indexOnly {
		msg, err := store.RebuildIndex(ctx, func(done, total int) {
			fmt.Fprintf(m.Stderr, "reindex: %d/%d passages in the new graph\n", done, total)
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, msg)
		return nil
	}
	emb := newEmbedder(cfg)
	last := -1
	err = store.Reindex(ctx, emb.spec, emb.embed, func(done, total int) {
		if pct := done * 100 / max(total, 1); pct/10 != last/10 || done == total {
			last = pct
			fmt.Fprintf(m.Stderr, "reindex: %d/%d passages (%d%%)\n", done, total, pct)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "reindexed with %s (dim %d)\n", emb.spec.Name, emb.spec.Dim)
	return nil
}
