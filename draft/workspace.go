package draft

import (
	"context"

	"github.com/draftd/draftd/retrieval"
)

// InWorkspace returns a copy of d that drafts for sc's workspace: its searches find passages of
// that workspace and of the collections shared with every workspace, never another's, and the
// drafts it creates are stored in that workspace.
func (d *Drafter) InWorkspace(sc retrieval.Scope) *Drafter {
	c := *d
	if search := d.Search; search != nil {
		c.Search = func(ctx context.Context, q retrieval.Query) ([]retrieval.Result, error) {
			q.Filter.Scope = sc
			return search(ctx, q)
		}
	}
	if d.Store != nil {
		c.Store = workspaceStore{Store: d.Store, workspace: sc.Workspace()}
	}
	return &c
}

// workspaceStore stores each new draft in its workspace: Create knows nothing of workspaces.
type workspaceStore struct {
	Store
	workspace string
}

// CreateDraft stores dr in the store's workspace.
func (s workspaceStore) CreateDraft(ctx context.Context, dr *Draft) error {
	dr.Workspace = s.workspace
	return s.Store.CreateDraft(ctx, dr)
}
