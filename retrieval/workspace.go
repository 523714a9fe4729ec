package retrieval

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultWorkspace is the workspace of single-user mode, of the command line when it names none,
// and of every row stored before workspaces existed (migration 0007).
const DefaultWorkspace = "default"

// Workspace is an organisation that shares a deployment with others, such as one bureau of a
// city. Its users, keys, documents, collections and drafts are its own: no other workspace can
// list, read, search or change them, except the collections it shares, which every workspace
// can search, list and read.
type Workspace struct {
	Name      string    `json:"name"` // its identity: 1 to 64 characters, no spaces
	CreatedAt time.Time `json:"created_at"`
}

// NewWorkspace returns a workspace called name, created now; an EINVALID error for a name that
// is empty, longer than 64 characters or has spaces or control characters.
func NewWorkspace(name string) (*Workspace, error) {
	name = strings.TrimSpace(name)
	if err := ValidWorkspaceName(name); err != nil {
		return nil, err
	}
	return &Workspace{Name: name, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}, nil
}

// ValidWorkspaceName returns an EINVALID error unless name can name a workspace.
func ValidWorkspaceName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 64 || strings.ContainsFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/'
	}) {
		return Errorf(EINVALID, "工作区名称应为 1 到 64 个字符，不能含空格或斜杠，收到的是 %q", name)
	}
	return nil
}

// Scope is the workspace a store call acts for. Reads see the workspace's rows and the
// collections shared with every workspace; writes touch only the workspace's rows, so a row of
// another workspace is not found (ErrNotFound), never forbidden. The zero Scope is
// DefaultWorkspace's. A request's scope comes from who sent it, never from its body.
type Scope struct {
	workspace string
	all       bool
}

// InWorkspace returns the scope of workspace name ("" is DefaultWorkspace).
func InWorkspace(name string) Scope { return Scope{workspace: name} }

// AllWorkspaces returns the scope of maintenance that spans workspaces, on the command line or
// at start-up (recovering interrupted drafts, deciding whether any key exists); never a request's.
func AllWorkspaces() Scope { return Scope{all: true} }

// Workspace returns the scope's workspace; "" for AllWorkspaces.
func (s Scope) Workspace() string {
	switch {
	case s.all:
		return ""
	case s.workspace == "":
		return DefaultWorkspace
	}
	return s.workspace
}

// All reports whether the scope spans every workspace.
func (s Scope) All() bool { return s.all }

// Owns reports whether the scope may change rows of workspace ws ("" is DefaultWorkspace).
func (s Scope) Owns(ws string) bool {
	if ws == "" {
		ws = DefaultWorkspace
	}
	return s.all || s.Workspace() == ws
}

// Collection is a named set of one workspace's documents.
type Collection struct {
	Workspace string `json:"workspace"`
	Name      string `json:"name"`
	Documents int    `json:"documents"`
	Shared    bool   `json:"shared"` // readable by every workspace
}

// WorkspaceStore keeps workspaces and which collections they share. The embedded and pgvector
// stores implement it and pass storetest.RunWorkspaces.
type WorkspaceStore interface {
	// CreateWorkspace stores w; an ECONFLICT error if its name is taken.
	CreateWorkspace(ctx context.Context, w *Workspace) error
	// Workspace returns the workspace called name; ErrNotFound if there is none.
	Workspace(ctx context.Context, name string) (*Workspace, error)
	// Workspaces lists every workspace by name.
	Workspaces(ctx context.Context) ([]Workspace, error)
	// Collections lists the collections of sc's workspace and those other workspaces share, by
	// workspace (sc's first) and name; every workspace's for AllWorkspaces.
	Collections(ctx context.Context, sc Scope) ([]Collection, error)
	// ShareCollection makes collection of sc's workspace readable by every workspace (shared) or
	// by its own alone. A collection the workspace neither has a document in nor shares is
	// ErrNotFound; sharing a shared one or unsharing one that is not shared changes nothing.
	ShareCollection(ctx context.Context, sc Scope, collection string, shared bool) error
}
