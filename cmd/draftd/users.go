package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

const usersUsage = `usage:
  draftd users add NAME --role writer|reviewer|admin [--workspace W]
                                                       add a user of workspace W who signs in to the web app; the
                                                       password is asked for (twice) or read from standard input
  draftd users list                                    list every workspace's users (never their passwords)
  draftd users passwd NAME                             set a new password; the user is signed out everywhere
  draftd users disable NAME | enable NAME              stop or allow a user's sign-ins; disabling signs them out`

// users manages the users who sign in to the web app with a name and password.
func (m *Main) users(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("users: name a subcommand\n%s", usersUsage)
	}
	sub, args := args[0], args[1:]
	// The name comes first (draftd users add 王科长 --role reviewer), where flag would stop parsing.
	var name, role, workspace string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	extra := func(fs *flag.FlagSet) {}
	switch sub {
	case "add":
		extra = func(fs *flag.FlagSet) {
			fs.StringVar(&role, "role", "", "writer, reviewer or admin (required)")
			workspaceFlag(fs, &workspace)
		}
	case "list", "passwd", "disable", "enable":
	default:
		return fmt.Errorf("users: unknown subcommand %q\n%s", sub, usersUsage)
	}
	cfg, fs, err := m.config("users "+sub, args, extra)
	if err != nil {
		return err
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("users %s: unexpected %q\n%s", sub, fs.Args(), usersUsage)
	}
	if sub != "list" && strings.TrimSpace(name) == "" {
		return fmt.Errorf("users %s: give the user's name\n%s", sub, usersUsage)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "add":
		return m.addUser(ctx, store, name, role, workspace)
	case "list":
		return m.listUsers(ctx, store)
	default:
		return m.changeUser(ctx, store, sub, name)
	}
}

func (m *Main) addUser(ctx context.Context, us Store, name, role, workspace string) error {
	r, err := auth.ParseRole(role)
	if err != nil {
		return fmt.Errorf("users add: --role: %s", retrieval.ErrorMessage(err))
	}
	if _, err := inWorkspace(ctx, us, workspace); err != nil {
		return fmt.Errorf("users add: --workspace: %w", err)
	}
	if _, err := us.UserByName(ctx, strings.TrimSpace(name)); err == nil {
		return fmt.Errorf("users add: there is already a user called %s; draftd users passwd %s sets a new password", name, name)
	}
	password, err := m.readPassword("password for " + name)
	if err != nil {
		return fmt.Errorf("users add: %w", err)
	}
	u, err := auth.NewUser(name, r, password)
	if err != nil {
		return fmt.Errorf("users add: %s", retrieval.ErrorMessage(err))
	}
	u.Workspace = workspace
	if err := us.CreateUser(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "added %s (%s, workspace %s), who signs in to the web app with this name and password\n", u.Name, u.Role, u.Workspace)
	return nil
}

func (m *Main) listUsers(ctx context.Context, us auth.Store) error {
	users, err := us.Users(ctx, retrieval.AllWorkspaces())
	if err != nil {
		return err
	}
	if len(users) == 0 {
		fmt.Fprintln(m.Stderr, "no users: add one with draftd users add NAME --role admin")
		return nil
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tWORKSPACE\tNAME\tROLE\tSIGNS IN WITH\tCREATED\tDISABLED")
	for _, u := range users {
		with := "password"
		switch {
		case u.Subject != "" && len(u.PasswordHash) > 0:
			with = "password, OpenID Connect"
		case u.Subject != "":
			with = "OpenID Connect"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Workspace, u.Name, u.Role, with, u.CreatedAt.Local().Format(time.DateTime), orDash(u.DisabledAt))
	}
	return w.Flush()
}

// changeUser sets a new password for the user called name, or disables or enables them.
func (m *Main) changeUser(ctx context.Context, us auth.Store, sub, name string) error {
	u, err := us.UserByName(ctx, strings.TrimSpace(name))
	if errors.Is(err, retrieval.ErrNotFound) || retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
		return fmt.Errorf("users %s: there is no user called %s; draftd users list shows them", sub, name)
	}
	if err != nil {
		return err
	}
	signOut := true
	switch sub {
	case "passwd":
		password, err := m.readPassword("new password for " + u.Name)
		if err != nil {
			return fmt.Errorf("users passwd: %w", err)
		}
		if u.PasswordHash, err = auth.HashPassword(password); err != nil {
			return fmt.Errorf("users passwd: %s", retrieval.ErrorMessage(err))
		}
	case "disable":
		if !u.Disabled() {
			now := time.Now().UTC()
			u.DisabledAt = &now
		}
	case "enable":
		u.DisabledAt, signOut = nil, false
	}
	if err := us.UpdateUser(ctx, u); err != nil {
		return err
	}
	if signOut {
		if err := us.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stderr, "%s: done for %s\n", sub, u.Name)
	return nil
}

// readPassword asks for a password twice, without echo, when standard input is a terminal, and
// otherwise reads its first line, so that a script can pipe one in. The password is never printed
// or logged.
func (m *Main) readPassword(what string) (string, error) {
	if f, ok := m.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(m.Stderr, "%s: ", what)
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(m.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(m.Stderr, "again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(m.Stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the two passwords differ")
		}
		return string(first), nil
	}
	if m.Stdin == nil {
		return "", errors.New("no password: pipe one to standard input")
	}
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input: pipe one in, e.g. from a password manager")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
