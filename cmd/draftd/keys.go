package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

const keysUsage = `usage:
  draftd keys create --name NAME --role writer|reviewer|admin [--workspace W]
                                                                print a new key's token, once
  draftd keys list                                              list every workspace's keys (never their tokens)
  draftd keys revoke ID                                         revoke a key at once`

// keys manages API keys: create, list, revoke.
func (m *Main) keys(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("keys: name a subcommand\n%s", keysUsage)
	}
	sub, args := args[0], args[1:]
	var name, role, workspace string
	extra := func(fs *flag.FlagSet) {}
	switch sub {
	case "create":
		extra = func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "who holds the key; reviews made with it are recorded under this name (required)")
			fs.StringVar(&role, "role", "", "writer, reviewer or admin (required)")
			workspaceFlag(fs, &workspace)
		}
	case "list", "revoke":
	default:
		return fmt.Errorf("keys: unknown subcommand %q\n%s", sub, keysUsage)
	}
	cfg, fs, err := m.config("keys "+sub, args, extra)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "create":
		return m.createKey(ctx, store, name, role, workspace)
	case "list":
		return m.listKeys(ctx, store)
	default:
		if fs.NArg() != 1 {
			return fmt.Errorf("keys revoke: give one key ID (draftd keys list shows them)")
		}
		return m.revokeKey(ctx, store, fs.Arg(0))
	}
}

func (m *Main) createKey(ctx context.Context, store Store, name, role, workspace string) error {
	r, err := auth.ParseRole(role)
	if err != nil {
		return fmt.Errorf("keys create: --role: %s", retrieval.ErrorMessage(err))
	}
	if _, err := inWorkspace(ctx, store, workspace); err != nil {
		return fmt.Errorf("keys create: --workspace: %w", err)
	}
	k, token, err := auth.NewKey(name, r)
	if err != nil {
		return fmt.Errorf("keys create: --name: %s", retrieval.ErrorMessage(err))
	}
	k.Workspace = workspace
	if err := store.CreateKey(ctx, k); err != nil {
		return err
	}
	// The token alone goes to standard output, so that a script can capture it.
	fmt.Fprintln(m.Stdout, token)
	fmt.Fprintf(m.Stderr, "created key %s for %s (%s, workspace %s). The token above is shown only this once: hand it over\n"+
		"securely. Clients send it as the header Authorization: Bearer %s…\n", k.ID, k.Name, k.Role, k.Workspace, k.Prefix)
	return nil
}

func (m *Main) listKeys(ctx context.Context, ks auth.Store) error {
	keys, err := ks.Keys(ctx, retrieval.AllWorkspaces())
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		fmt.Fprintln(m.Stderr, "no API keys: draftd serves a single user on this machine only; create one with draftd keys create")
		return nil
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tWORKSPACE\tNAME\tROLE\tTOKEN\tCREATED\tLAST USED\tREVOKED")
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Workspace, k.Name, k.Role, k.Prefix, k.CreatedAt.Local().Format(time.DateTime),
			orDash(k.LastUsedAt), orDash(k.RevokedAt))
	}
	return w.Flush()
}

// orDash formats t, or "-" for nil.
func orDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}

func (m *Main) revokeKey(ctx context.Context, ks auth.Store, id string) error {
	err := ks.RevokeKey(ctx, retrieval.AllWorkspaces(), id, time.Now().UTC())
	if errors.Is(err, retrieval.ErrNotFound) || retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
		return fmt.Errorf("keys revoke: there is no key %q; draftd keys list shows them", id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "revoked key %s: requests with it are refused from now on\n", id)
	return nil
}
