package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/web/auth"
)

// reviewRequest is a decision on one sentence.
type reviewRequest struct {
	Decision string `json:"decision"` // approve, reject, edit or revise
	Text     string `json:"text"`     // the new text, for edit
	Reason   string `json:"reason"`   // why, for the audit trail; required to approve a high-risk sentence
	By       string `json:"by"`       // the reviewer's name; with an API key, the key's name replaces it
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
		if err := requireRole(c, "approve or reject sentences", auth.RoleReviewer, auth.RoleAdmin); err != nil {
			return err
		}
	}
	v := draft.Verdict{Decision: req.Decision, Text: req.Text, Reason: req.Reason, By: reviewerName(c, req.By)}
	d, err := s.Reviewer.Decide(c.Request().Context(), c.Param("id"), c.Param("sid"), v)
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
	d, err := s.Reviewer.ApproveLowRisk(c.Request().Context(), c.Param("id"), reviewerName(c, req.By))
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
	var req figureDecisionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	n, err := sectionParam(c)
	if err != nil {
		return err
	}
	d, err := s.Reviewer.Restore(c.Request().Context(), c.Param("id"), n, c.Param("fid"), reviewerName(c, req.By))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withProgress(d))
}

func (s *Server) dropFigure(c echo.Context) error {
	var req figureDecisionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	n, err := sectionParam(c)
	if err != nil {
		return err
	}
	d, err := s.Reviewer.Drop(c.Request().Context(), c.Param("id"), n, c.Param("fid"), req.Reason, reviewerName(c, req.By))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withProgress(d))
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
