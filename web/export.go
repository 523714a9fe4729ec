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

// exportFormats maps ?format= to a content type, a file extension and the writer of the file.
var exportFormats = map[string]struct {
	contentType, ext string
	write            func(d *draft.Draft, tracked, clean bool) ([]byte, error)
}{
	"docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", func(d *draft.Draft, tracked, clean bool) ([]byte, error) {
		var b bytes.Buffer
		err := docx.Write(&b, d, docx.Options{Tracked: tracked, Clean: clean})
		return b.Bytes(), err
	}},
	"md": {"text/markdown; charset=utf-8", ".md", func(d *draft.Draft, _, clean bool) ([]byte, error) {
		if clean {
			return draft.CleanMarkdown(d)
		}
		return draft.Markdown(d), nil
	}},
	"html": {"text/html; charset=utf-8", ".html", func(d *draft.Draft, _, clean bool) ([]byte, error) {
		if clean {
			return draft.CleanHTML(d)
		}
		return draft.HTML(d)
	}},
	"txt": {"text/plain; charset=utf-8", ".txt", func(d *draft.Draft, _, clean bool) ([]byte, error) {
		if clean {
			return draft.CleanText(d)
		}
		return draft.Text(d), nil
	}},
}

// exportDraft returns a draft as a file: ?format=docx|md|html|txt. For docx, tracked=true writes
// generated text as tracked insertions. clean=true, in every format, writes the copy to hand in —
// title, headings, paragraphs and 落款, no marks, comments, footnotes, legend or figures — and is
// refused for a draft not yet approved (409; see draft.Draft.CheckClean).
func (s *Server) exportDraft(c echo.Context) error {
	format := c.QueryParam("format")
	if format == "" {
		format = "docx"
	}
	f, ok := exportFormats[format]
	if !ok {
		return retrieval.Errorf(retrieval.EINVALID, "format 只能是 docx、md、html 或 txt，收到的是 %q", format)
	}
	d, err := s.loadDraft(c, c.Param("id"))
	if err != nil {
		return err
	}
	body, err := f.write(d, c.QueryParam("tracked") == "true", c.QueryParam("clean") == "true")
	if err != nil {
		return err
	}
	name := d.Title + f.ext
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="draft%s"; filename*=UTF-8''%s`, f.ext, url.PathEscape(name)))
	return c.Blob(http.StatusOK, f.contentType, body)
}
