package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/draftd/draftd/retrieval"
)

const workspacesUsage = `usage:
  draftd workspaces add NAME     add a workspace: an organisation whose users and keys see its own
                                 documents, collections and drafts, and the collections others share
  draftd workspaces list         list the workspaces`

// workspaces manages workspaces: add, list. Only the command line adds them, as the operator of
// the server, above every workspace's admins.
func (m *Main) workspaces(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("workspaces: name a subcommand\n%s", workspacesUsage)
	}
	sub, args := args[0], args[1:]
	if sub != "add" && sub != "list" {
		return fmt.Errorf("workspaces: unknown subcommand %q\n%s", sub, workspacesUsage)
	}
	cfg, fs, err := m.config("workspaces "+sub, args, nil)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if sub == "list" {
		ws, err := store.Workspaces(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tCREATED")
		for _, x := range ws {
			fmt.Fprintf(w, "%s\t%s\n", x.Name, x.CreatedAt.Local().Format(time.DateTime))
		}
		return w.Flush()
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("workspaces add: give the workspace's name\n%s", workspacesUsage)
	}
	x, err := retrieval.NewWorkspace(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("workspaces add: %s", retrieval.ErrorMessage(err))
	}
	if err := store.CreateWorkspace(ctx, x); err != nil {
		if retrieval.ErrorCode(err) == retrieval.ECONFLICT {
			return fmt.Errorf("workspaces add: there is already a workspace called %s", x.Name)
		}
		return err
	}
	fmt.Fprintf(m.Stderr, "added workspace %s: give it an admin with draftd users add NAME --role admin --workspace %s\n", x.Name, x.Name)
	return nil
}

// workspaceFlag registers --workspace on fs, into name.
func workspaceFlag(fs *flag.FlagSet, name *string) {
	fs.StringVar(name, "workspace", retrieval.DefaultWorkspace, "the workspace (organisation) to act in; draftd workspaces list shows them")
}

// inWorkspace returns the scope of workspace name, which must exist.
func inWorkspace(ctx context.Context, store Store, name string) (retrieval.Scope, error) {
	if _, err := store.Workspace(ctx, name); err != nil {
		if errors.Is(err, retrieval.ErrNotFound) {
			return retrieval.Scope{}, fmt.Errorf("there is no workspace %q; draftd workspaces list shows them, draftd workspaces add makes one", name)
		}
		return retrieval.Scope{}, err
	}
	return retrieval.InWorkspace(name), nil
}

const collectionsUsage = `usage:
  draftd collections list                            every workspace's collections, and which are shared
  draftd collections share NAME [--workspace W]      let every workspace search, list and read collection NAME
                                                     of workspace W (only W changes it)
  draftd collections unshare NAME [--workspace W]    make collection NAME of W readable by W alone again`

// collections lists collections and shares them with every workspace, or stops sharing them.
func (m *Main) collections(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("collections: name a subcommand\n%s", collectionsUsage)
	}
	sub, args := args[0], args[1:]
	// The name comes first (draftd collections share 公开报告 --workspace city), where flag would stop parsing.
	var name, workspace string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	switch sub {
	case "list", "share", "unshare":
	default:
		return fmt.Errorf("collections: unknown subcommand %q\n%s", sub, collectionsUsage)
	}
	cfg, fs, err := m.config("collections "+sub, args, func(fs *flag.FlagSet) { workspaceFlag(fs, &workspace) })
	if err != nil {
		return err
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("collections %s: unexpected %q\n%s", sub, fs.Args(), collectionsUsage)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if sub == "list" {
		cs, err := store.Collections(ctx, retrieval.AllWorkspaces())
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "WORKSPACE\tCOLLECTION\tDOCUMENTS\tSHARED")
		for _, c := range cs {
			shared := "-"
			if c.Shared {
				shared = "shared"
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", c.Workspace, c.Name, c.Documents, shared)
		}
		return w.Flush()
	}
	if name == "" {
		return fmt.Errorf("collections %s: give the collection's name\n%s", sub, collectionsUsage)
	}
	sc, err := inWorkspace(ctx, store, workspace)
	if err != nil {
		return fmt.Errorf("collections %s: %w", sub, err)
	}
	err = store.ShareCollection(ctx, sc, name, sub == "share")
	if errors.Is(err, retrieval.ErrNotFound) {
		return fmt.Errorf("collections %s: workspace %s has no collection %q; draftd collections list shows them", sub, workspace, name)
	}
	if err != nil {
		return err
	}
	if sub == "share" {
		fmt.Fprintf(m.Stderr, "collection %s of workspace %s is now readable by every workspace\n", name, workspace)
	} else {
		fmt.Fprintf(m.Stderr, "collection %s of workspace %s is now readable by %s alone\n", name, workspace, workspace)
	}
	return nil
}
