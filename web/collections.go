package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/retrieval"
)

// collectionsResponse lists collections.
type collectionsResponse struct {
	Collections []retrieval.Collection `json:"collections"`
}

// listCollections lists the collections of the sender's workspace and those other workspaces share.
func (s *Server) listCollections(c echo.Context) error {
	cs, err := s.Workspaces.Collections(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, collectionsResponse{Collections: nonNil(cs)})
}

// updateCollectionRequest is the body of PATCH /api/v1/collections/{name}.
type updateCollectionRequest struct {
	Shared *bool `json:"shared"` // true: every workspace may search, list and read it; false: its own alone
}

// updateCollection shares a collection of the admin's workspace with every workspace, or stops
// sharing it. Other workspaces read a shared collection and never change it; a collection of
// another workspace is not found, shared or not.
func (s *Server) updateCollection(c echo.Context) error {
	var req updateCollectionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Shared == nil {
		return retrieval.Errorf(retrieval.EINVALID, "请求体应为 JSON：{\"shared\": true|false}")
	}
	ctx, sc, name := c.Request().Context(), scopeOf(c), c.Param("name")
	err := s.Workspaces.ShareCollection(ctx, sc, name, *req.Shared)
	if errors.Is(err, retrieval.ErrNotFound) {
		return retrieval.Errorf(retrieval.ENOTFOUND, "工作区没有名为 %q 的文档集", name)
	}
	if err != nil {
		return err
	}
	s.Logger.Info("collection shared", "workspace", sc.Workspace(), "collection", name, "shared", *req.Shared,
		"by", principalOf(c).keyID, "request_id", requestID(c))
	cs, err := s.Workspaces.Collections(ctx, sc)
	if err != nil {
		return err
	}
	for _, x := range cs {
		if x.Workspace == sc.Workspace() && x.Name == name {
			return c.JSON(http.StatusOK, x)
		}
	}
	// Unshared, and without documents: nothing is left of it.
	return c.JSON(http.StatusOK, retrieval.Collection{Workspace: sc.Workspace(), Name: name})
}
