package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/docx"
	"github.com/draftd/draftd/retrieval"
)

// exportFormats maps ?format= to a content type and file extension.
var exportFormats = map[string]struct{ contentType, ext string }{
	"docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
	"md":   {"text/markdown; charset=utf-8", ".md"},
	"html": {"text/html; charset=utf-8", ".html"},
	"txt":  {"text/plain; charset=utf-8", ".txt"},
}

// exportDraft returns a draft as a file: ?format=docx|md|html|txt; for docx, tracked=true writes
// generated text as tracked insertions and clean=true (an approved draft only) writes no marks.
func (s *Server) exportDraft(c echo.Context) error {
	format := c.QueryParam("format")
	if format == "" {
		format = "docx"
	}
	f, ok := exportFormats[format]
	if !ok {
		return retrieval.Errorf(retrieval.EINVALID, "format must be docx, md, html or txt, got %q", format)
	}
	d, err := s.DraftStore.Draft(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	var body []byte
	switch format {
	case "docx":
		var buf bytes.Buffer
		opt := docx.Options{Tracked: c.QueryParam("tracked") == "true", Clean: c.QueryParam("clean") == "true"}
		if err := docx.Write(&buf, d, opt); err != nil {
			return err
		}
		body = buf.Bytes()
	case "md":
		body = draft.Markdown(d)
	case "html":
		if body, err = draft.HTML(d); err != nil {
			return err
		}
	case "txt":
		body = draft.Text(d)
	}
	name := d.Title + f.ext
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="draft%s"; filename*=UTF-8''%s`, f.ext, url.PathEscape(name)))
	return c.Blob(http.StatusOK, f.contentType, body)
}
