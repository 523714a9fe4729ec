package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// Bounds of GET /api/v1/outlines.
const (
	// outlineDocuments is how many documents of the kind, newest first, an outline is drawn
	// from: enough for the common headings to show, few enough to read on every request.
	outlineDocuments       = 100
	defaultOutlineHeadings = 6
	maxOutlineHeadings     = 20
)

// Where an outline comes from.
const (
	outlineFromCorpus  = "corpus"  // the headings most common among the workspace's documents of the kind
	outlineFromBuiltIn = "builtin" // the kind's own (draft.DocumentKinds): too few documents agree
)

// outlineResponse is the outline a new draft of a kind starts from, as sections for the form.
type outlineResponse struct {
	Kind      string               `json:"kind"`
	Title     string               `json:"title"`     // how a title names the kind: 工作总结
	Source    string               `json:"source"`    // outlineFromCorpus or outlineFromBuiltIn
	Documents int                  `json:"documents"` // documents of the kind read (at most outlineDocuments)
	Sections  []draft.SectionInput `json:"sections"`  // headings only, no figures
}

// outline answers the outline a new draft of ?kind= (总结 when empty) starts from: the top-level
// headings most common among the documents of that kind the caller may read (draft.Outline), or
// the kind's built-in outline when too few of them agree. ?collection= narrows the documents,
// ?limit= caps the headings drawn from them.
func (s *Server) outline(c echo.Context) error {
	name := strings.TrimSpace(c.QueryParam("kind"))
	k, ok := draft.KindOf(name)
	if !ok {
		names := make([]string, len(draft.DocumentKinds))
		for i, dk := range draft.DocumentKinds {
			names[i] = dk.Name
		}
		return retrieval.Errorf(retrieval.EINVALID, "未知的文种“%s”，可选：%s", name, strings.Join(names, "、"))
	}
	limit := defaultOutlineHeadings
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxOutlineHeadings {
			return retrieval.Errorf(retrieval.EINVALID, "limit 应为 1 到 %d 之间的整数，收到的是 %q", maxOutlineHeadings, v)
		}
		limit = n
	}
	ctx, sc := c.Request().Context(), scopeOf(c)
	infos, err := s.Store.Documents(ctx, sc, c.QueryParam("collection"))
	if err != nil {
		return err
	}
	// The kind retrieval reads from a title naming this kind (工作总结 → 总结, 述职报告 → 报告): the
	// kind draft.Outline keeps.
	want := retrieval.DetectMeta(k.Title, "").Kind
	var docs []*retrieval.Document
	for _, info := range infos {
		if info.Meta.Kind != want {
			continue
		}
		d, err := s.Store.Document(ctx, sc, info.ID)
		if err != nil {
			return err
		}
		if docs = append(docs, d); len(docs) == outlineDocuments {
			break
		}
	}
	headings := draft.Outline(k.Name, docs, limit)
	resp := outlineResponse{Kind: k.Name, Title: k.Title, Source: outlineFromCorpus, Documents: len(docs), Sections: []draft.SectionInput{}}
	if slices.Equal(headings, k.Outline) {
		resp.Source = outlineFromBuiltIn
	}
	for _, h := range headings {
		resp.Sections = append(resp.Sections, draft.SectionInput{Heading: h, Figures: []draft.Figure{}})
	}
	return c.JSON(http.StatusOK, resp)
}
