package web

import (
	"context"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// reviewRequest is a decision on one sentence.
type reviewRequest struct {
	Decision string `json:"decision"` // approve, reject, edit or revise
	Text     string `json:"text"`     // the new text, for edit
	Reason   string `json:"reason"`   // why, for the audit trail; required to approve a high-risk sentence
	By       string `json:"by"`       // the reviewer's name; with an API key, the key's name replaces it
	// Version is the sentence's version the decision was made on (Sentence.version as served):
	// when another reviewer has changed the sentence since, the decision is 409 stale_sentence.
	// 0 or absent decides on the sentence as stored.
	Version int `json:"version"`
}

func (s *Server) reviewSentence(c echo.Context) error {
	var req reviewRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	// A writer may edit a sentence's text, which then waits for a reviewer; approving or rejecting
	// one (and an edit that counts as reviewed) takes a reviewer.
	if req.Decision == "edit" && principalOf(c).role == auth.RoleWriter {
		req.Decision = "revise"
	}
	if req.Decision != "edit" && req.Decision != "revise" {
		if err := requireRole(c, "通过或驳回句子", auth.RoleReviewer, auth.RoleAdmin); err != nil {
			return err
		}
	}
	v := draft.Verdict{Decision: req.Decision, Text: req.Text, Reason: req.Reason, By: reviewerName(c, req.By), Version: req.Version}
	d, err := s.Reviewer.Decide(c.Request().Context(), scopeOf(c), c.Param("id"), c.Param("sid"), v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withProgress(d))
}

// approveLowRequest names who approves every low-risk sentence at once.
type approveLowRequest struct {
	By string `json:"by"`
}

func (s *Server) approveLowRisk(c echo.Context) error {
	var req approveLowRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := s.Reviewer.ApproveLowRisk(c.Request().Context(), scopeOf(c), c.Param("id"), reviewerName(c, req.By))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withProgress(d))
}

// figureDecisionRequest restores or drops a missing figure of a section.
type figureDecisionRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason"` // why the figure is dropped
}

func (s *Server) restoreFigure(c echo.Context) error {
	return s.decideFigure(c, func(req figureDecisionRequest, n int) (*draft.Draft, error) {
		return s.Reviewer.Restore(c.Request().Context(), scopeOf(c), c.Param("id"), n, c.Param("fid"), reviewerName(c, req.By))
	})
}

func (s *Server) dropFigure(c echo.Context) error {
	return s.decideFigure(c, func(req figureDecisionRequest, n int) (*draft.Draft, error) {
		return s.Reviewer.Drop(c.Request().Context(), scopeOf(c), c.Param("id"), n, c.Param("fid"), req.Reason, reviewerName(c, req.By))
	})
}

// decideFigure reads a figure decision and the section it is on, and answers with the draft decide returns.
func (s *Server) decideFigure(c echo.Context, decide func(req figureDecisionRequest, n int) (*draft.Draft, error)) error {
	var req figureDecisionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	n, err := sectionParam(c)
	if err != nil {
		return err
	}
	d, err := decide(req, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withProgress(d))
}

// rewriteRequest asks the chat model for a new version of one sentence.
type rewriteRequest struct {
	Mode string `json:"mode"` // rewrite (改写), expand (扩写) or shorten (缩写)
	By   string `json:"by"`   // who asks; with an API key, the key's name replaces it
}

// rewriteSentence has the chat model reword, expand or shorten a sentence, which is then checked
// again and waits for a reviewer (see draft.Reviewer.Rewrite). Without a chat model it is ECONFLICT.
func (s *Server) rewriteSentence(c echo.Context) error {
	var req rewriteRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	dr, err := s.loadDraft(c, c.Param("id"))
	if err != nil {
		return err
	}
	rw, err := s.rewriter(c, dr.Model)
	if err != nil {
		return err
	}
	d, err := s.Reviewer.Rewrite(c.Request().Context(), scopeOf(c), dr.ID, c.Param("sid"), req.Mode, reviewerName(c, req.By), rw)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withProgress(d))
}

// rewriter returns the Rewriter of the model the request names (?model=), else of the draft's model,
// else of the default model, else of any configured model that can rewrite, its tokens counted
// against the sender's budget as a writer's are (EBUDGETEXCEEDED when spent). The offline writer
// cannot rewrite: with no chat model configured it is ECONFLICT, said for the writer.
func (s *Server) rewriter(c echo.Context, model string) (draft.Rewriter, error) {
	names := []string{c.QueryParam("model"), model, s.DefaultModel}
	var others []string
	for name := range s.Writers {
		others = append(others, name)
	}
	slices.Sort(others)
	for _, name := range append(names, others...) {
		rw, ok := s.Writers[name].(draft.Rewriter)
		if !ok {
			continue
		}
		if _, err := s.metered(c, name, s.Writers[name]); err != nil {
			return nil, err
		}
		if b := &s.gate.budget; b.limit > 0 {
			return meteredRewriter{Rewriter: rw, hold: b.holder(principalOf(c).scope, s.gate.now)}, nil
		}
		return rw, nil
	}
	return nil, retrieval.Errorf(retrieval.ECONFLICT, "改写、扩写和缩写要调用对话模型，本服务只配置了离线模板：请管理员配置对话模型（DRAFTD_CHAT_MODEL）后再试，或直接修改句子")
}

// meteredRewriter holds tokens of a budget before each rewrite and settles them with what it
// used after, as meteredWriter does.
type meteredRewriter struct {
	draft.Rewriter
	hold func(ctx context.Context) (settle func(tokens int), err error)
}

// Rewrite rewrites with the wrapped Rewriter and counts the tokens it used, even when it failed;
// a rewrite the budget cannot cover is not asked for (EBUDGETEXCEEDED).
func (w meteredRewriter) Rewrite(ctx context.Context, req draft.RewriteRequest) (draft.SectionText, error) {
	settle, err := w.hold(ctx)
	if err != nil {
		return draft.SectionText{}, err
	}
	out, err := w.Rewriter.Rewrite(ctx, req)
	settle(out.Usage.PromptTokens + out.Usage.CompletionTokens)
	return out, err
}

// withProgress fills the draft's review progress for the response.
func withProgress(d *draft.Draft) *draft.Draft {
	d.ReviewProgress = d.Progress()
	return d
}

// configResponse tells the web app and office tools what this server offers.
type configResponse struct {
	Models       []string `json:"models"`
	DefaultModel string   `json:"default_model"`
}

func (s *Server) config(c echo.Context) error {
	models := []string{s.DefaultModel}
	for name := range s.Writers {
		if name != s.DefaultModel {
			models = append(models, name)
		}
	}
	return c.JSON(http.StatusOK, configResponse{Models: models, DefaultModel: s.DefaultModel})
}
