package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
)

// documentTemplate answers with a stored document turned into a figures skeleton (draft.TemplateFrom):
// its sections and a slot per figure, for the writer to fill with this period's values.
func (s *Server) documentTemplate(c echo.Context) error {
	d, err := s.Store.Document(c.Request().Context(), scopeOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	f, err := draft.TemplateFrom(d)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}
