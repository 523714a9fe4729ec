package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// documentTemplate answers with a stored document turned into a figures skeleton (draft.TemplateFrom):
// its sections and a slot per figure, for the writer to fill with this period's values. It is
// JSON, or a workbook to fill in Excel (draft.WriteXLSX) with ?format=xlsx or when the Accept
// header asks for one and not for JSON.
func (s *Server) documentTemplate(c echo.Context) error {
	asXLSX, err := wantsXLSX(c)
	if err != nil {
		return err
	}
	d, err := s.Store.Document(c.Request().Context(), scopeOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	f, err := draft.TemplateFrom(d)
	if err != nil {
		return err
	}
	if !asXLSX {
		return c.JSON(http.StatusOK, f)
	}
	var buf bytes.Buffer
	if err := draft.WriteXLSX(&buf, f); err != nil {
		return err
	}
	name := f.Title + "-数据表.xlsx"
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="figures.xlsx"; filename*=UTF-8''%s`, url.PathEscape(name)))
	return c.Blob(http.StatusOK, draft.XLSXContentType, buf.Bytes())
}

// wantsXLSX reads the format a template is asked in: ?format=json|xlsx, else the Accept header.
func wantsXLSX(c echo.Context) (bool, error) {
	switch strings.ToLower(c.QueryParam("format")) {
	case "xlsx":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, retrieval.Errorf(retrieval.EINVALID, "format 应为 json 或 xlsx，收到的是 %q", c.QueryParam("format"))
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	return strings.Contains(accept, draft.XLSXContentType) && !strings.Contains(accept, echo.MIMEApplicationJSON), nil
}
