package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/extract"
)

// createDocumentRequest is the JSON form of POST /api/v1/documents.
type createDocumentRequest struct {
	Title      string `json:"title"`
	Text       string `json:"text"`
	Collection string `json:"collection"`
}

// createDocumentsResponse describes the first stored document at the top level
// (the common case of one plain document) and every document in Documents; Reports says what
// cleaning did with each file, in the order sent: every line it dropped, with the rule's code
// and the rule's Chinese name.
type createDocumentsResponse struct {
	retrieval.IngestResult
	Documents []retrieval.IngestResult `json:"documents"`
	Reports   []fileReport             `json:"reports"`
}

// fileReport is a file's PrepareReport with the Chinese name of each rule it counts, as an
// upload answers it and as the detail of its empty_document error.
type fileReport struct {
	retrieval.PrepareReport
	RuleNames map[string]string `json:"rule_names"`
}

// reportOf names the rules of rep.
func reportOf(rep retrieval.PrepareReport) fileReport {
	return fileReport{PrepareReport: rep, RuleNames: retrieval.RuleNames(rep.Rules)}
}

// upload is one file's text as read from a request.
type upload struct {
	name     string
	text     string
	warnings []string // the reader's
}

// createDocuments ingests multipart file(s) or one JSON document. Every file is read first, so
// that cleaning knows what the other files and the documents the collection already holds say
// about lines (retrieval.GatherEvidence): a site's furniture is on all its pages. Every file is
// prepared before anything is stored, so a rejected file stores nothing.
func (s *Server) createDocuments(c echo.Context) error {
	ctx := c.Request().Context()
	var uploads []upload
	var collection, title string // title: the JSON document's, which the caller named
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch ct {
	case echo.MIMEApplicationJSON:
		var req createDocumentRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		req.Title = strings.TrimSpace(req.Title)
		if req.Title == "" {
			return retrieval.Errorf(retrieval.EINVALID, "请填写标题（title）")
		}
		if strings.TrimSpace(req.Text) == "" {
			return retrieval.Errorf(retrieval.EINVALID, "请填写正文（text）")
		}
		uploads, collection, title = append(uploads, upload{name: req.Title, text: req.Text}), req.Collection, req.Title
	case echo.MIMEMultipartForm:
		form, err := c.MultipartForm()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			return retrieval.Errorf(retrieval.EINVALID, "无法读取 multipart 表单：%v", err)
		}
		collection = strings.TrimSpace(first(form.Value["collection"]))
		for _, files := range form.File {
			for _, fh := range files {
				f, err := fh.Open()
				if err != nil {
					return err
				}
				data, err := io.ReadAll(f)
				f.Close()
				if err != nil {
					return err
				}
				x, err := extract.Text(ctx, fh.Filename, data)
				if err != nil {
					return inFile(fh.Filename, err)
				}
				uploads = append(uploads, upload{name: fh.Filename, text: x.Text, warnings: x.Warnings})
			}
		}
		if len(uploads) == 0 {
			return retrieval.Errorf(retrieval.EINVALID, "表单中没有文件：请在名为 file 的字段中上传一个或多个文件")
		}
	default:
		return retrieval.Errorf(retrieval.EUNSUPPORTED, "请以 multipart/form-data 上传文件，或以 application/json 发送 {\"title\",\"text\",\"collection\"}")
	}
	names, texts := make([]string, len(uploads)), make([]string, len(uploads))
	for i, u := range uploads {
		names[i], texts[i] = u.name, u.text
	}
	evidence, err := retrieval.GatherEvidence(ctx, s.Store, scopeOf(c), collection, names, texts)
	if err != nil {
		return err
	}
	prepared := make([]*retrieval.Prepared, len(uploads))
	for i, u := range uploads {
		p, err := retrieval.PrepareFileWith(u.name, u.text, collection, evidence[i])
		if err != nil {
			return inFile(u.name, err) // a JSON document's name is its title, which Prepare's messages start with
		}
		// The caller named the document; a compilation's parts keep the titles found in them.
		if title != "" && len(p.Documents) == 1 {
			p.Documents[0].Title = title
			retrieval.AssignIDs(p.Documents[0])
		}
		prepared[i] = p
	}
	resp := createDocumentsResponse{Reports: []fileReport{}}
	for i, p := range prepared {
		res, err := s.Ingester.Save(ctx, scopeOf(c), p)
		if err != nil {
			return err
		}
		for j := range res {
			res[j].Warnings = append(append([]string{}, uploads[i].warnings...), res[j].Warnings...)
		}
		resp.Documents = append(resp.Documents, res...)
		resp.Reports = append(resp.Reports, reportOf(p.Report))
	}
	resp.IngestResult = resp.Documents[0]
	status := http.StatusOK
	for _, d := range resp.Documents {
		if d.Status != retrieval.PutUnchanged {
			status = http.StatusCreated
		}
	}
	return c.JSON(status, resp)
}

// inFile prefixes a user-facing error's message with the file it concerns; a report in its
// detail gets its rules' names.
func inFile(name string, err error) error {
	var re *retrieval.Error
	if errors.As(err, &re) {
		msg := re.Message
		if !strings.HasPrefix(msg, name+"：") && !strings.HasPrefix(msg, name+" ") { // some messages name the file already
			msg = name + "：" + msg
		}
		detail := re.Detail
		if rep, ok := detail.(retrieval.PrepareReport); ok {
			detail = reportOf(rep)
		}
		return &retrieval.Error{Code: re.Code, Message: msg, Detail: detail}
	}
	return err
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// documentsResponse lists documents.
type documentsResponse struct {
	Documents []retrieval.DocumentInfo `json:"documents"`
}

func (s *Server) listDocuments(c echo.Context) error {
	docs, err := s.Store.Documents(c.Request().Context(), scopeOf(c), c.QueryParam("collection"))
	if err != nil {
		return err
	}
	if docs == nil {
		docs = []retrieval.DocumentInfo{}
	}
	return c.JSON(http.StatusOK, documentsResponse{Documents: docs})
}

// passageView is a passage as GET /api/v1/documents/{id} shows it.
type passageView struct {
	ID           string   `json:"id"`
	HeadingPath  []string `json:"heading_path"`
	Text         string   `json:"text"`
	Role         string   `json:"role,omitempty"`
	Placeholders bool     `json:"placeholders"`
}

// documentView is a document with its passages.
type documentView struct {
	ID         string         `json:"id"`
	Workspace  string         `json:"workspace"`
	Collection string         `json:"collection"`
	Key        string         `json:"key"`
	Title      string         `json:"title"`
	Meta       retrieval.Meta `json:"meta"`
	Warnings   []string       `json:"warnings"`
	Text       string         `json:"text"`
	CreatedAt  string         `json:"created_at"`
	Passages   []passageView  `json:"passages"`
	// Edits are the corrections of its title, collection, kind, period and organisation kind
	// (PATCH), oldest first.
	Edits []retrieval.DocumentEdit `json:"edits"`
}

func (s *Server) getDocument(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.Store.Document(ctx, scopeOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	edits, err := s.Store.DocumentEdits(ctx, scopeOf(c), d.ID)
	if err != nil {
		return err
	}
	v := documentView{Edits: nonNil(edits), ID: d.ID, Workspace: d.Workspace, Collection: d.Collection, Key: d.Key, Title: d.Title, Meta: d.Meta,
		Warnings: nonNil(d.Warnings), Text: d.Text, CreatedAt: d.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Passages: []passageView{}}
	for _, p := range d.Passages {
		v.Passages = append(v.Passages, passageView{ID: p.ID, HeadingPath: nonNil(p.HeadingPath), Text: p.Text, Role: p.Role, Placeholders: p.HasPlaceholders()})
	}
	return c.JSON(http.StatusOK, v)
}

// updateDocumentRequest is the JSON body of PATCH /api/v1/documents/{id}: the fields to correct,
// each optional; by names the editor in single-user mode (a signed-in sender is recorded by name).
type updateDocumentRequest struct {
	retrieval.DocumentChange
	By string `json:"by,omitempty"`
}

// editedDocument is a document's description after a PATCH, with every edit recorded so far.
type editedDocument struct {
	retrieval.DocumentInfo
	Edits []retrieval.DocumentEdit `json:"edits"`
}

// localEditor is who the audit trail records for an edit in single-user mode when the body names
// no one.
const localEditor = "本机用户"

// updateDocument corrects a document's title, collection, kind, period or organisation kind;
// nothing else is derived again. Each changed field is audited with who and when. A document of
// another workspace, shared or not, is not found.
func (s *Server) updateDocument(c echo.Context) error {
	var req updateDocumentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := req.DocumentChange.Normalize(); err != nil {
		return err
	}
	by := strings.TrimSpace(reviewerName(c, req.By))
	if by == "" {
		by = localEditor
	}
	ctx, sc := c.Request().Context(), scopeOf(c)
	info, err := s.Store.UpdateDocument(ctx, sc, c.Param("id"), req.DocumentChange, by)
	if errors.Is(err, retrieval.ErrNotFound) {
		return retrieval.Errorf(retrieval.ENOTFOUND, "没有编号为 %q 的文档，或它不属于本工作区", c.Param("id"))
	}
	if err != nil {
		return err
	}
	edits, err := s.Store.DocumentEdits(ctx, sc, info.ID)
	if err != nil {
		return err
	}
	s.Logger.Info("document edited", "workspace", info.Workspace, "document", info.ID, "by", principalOf(c).keyID, "request_id", requestID(c))
	info.Warnings = nonNil(info.Warnings)
	return c.JSON(http.StatusOK, editedDocument{DocumentInfo: info, Edits: nonNil(edits)})
}

func (s *Server) deleteDocument(c echo.Context) error {
	// A shared collection's documents are read by every workspace and changed by their own alone.
	if err := s.Store.Delete(c.Request().Context(), scopeOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// decodeJSON decodes a JSON request body strictly: unknown fields and trailing data are errors.
func decodeJSON(c echo.Context, v any) error {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != echo.MIMEApplicationJSON {
		return retrieval.Errorf(retrieval.EUNSUPPORTED, "请以 application/json 发送请求体")
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return retrieval.Errorf(retrieval.EINVALID, "请求体不是有效的 JSON：%v", err)
	}
	if dec.More() {
		return retrieval.Errorf(retrieval.EINVALID, "请求体不是有效的 JSON：JSON 值之后还有多余的数据")
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
