package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/retrieval"
)

// searchResponse is the body of a search answer.
type searchResponse struct {
	Results []retrieval.Result `json:"results"`
}

func (s *Server) search(c echo.Context) error {
	var q retrieval.Query
	if err := decodeJSON(c, &q); err != nil {
		return err
	}
	q.Filter.Scope = scopeOf(c)
	res, err := s.Searcher.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	if res == nil {
		res = []retrieval.Result{}
	}
	return c.JSON(http.StatusOK, searchResponse{Results: res})
}
