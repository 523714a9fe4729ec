package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// sessionCookie holds a signed-in browser's session token. It is HttpOnly, so scripts never see
// it, SameSite=Lax, so other sites' forms and scripts do not send it, and Secure when draftd is
// reached over HTTPS, directly or through a proxy that says so (X-Forwarded-Proto: https).
const sessionCookie = "draftd_session"

// headerCSRFToken carries the CSRF token of a request made with the session cookie.
const headerCSRFToken = "X-CSRF-Token"

// sessionPath is where the browser sends the session cookie: the API, not the app's files.
const sessionPath = "/api/v1"

// setSessionCookie gives the browser the session token, until the session expires.
func setSessionCookie(c echo.Context, token string, expires time.Time) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: sessionPath, Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
}

// clearSessionCookie tells the browser to forget the session cookie.
func clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: sessionPath, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
}

// sessionInfo says who is signed in: the answer of GET and POST /api/v1/session.
type sessionInfo struct {
	Name      string     `json:"name"`      // "" in single-user mode
	Role      auth.Role  `json:"role"`      // what the sender may do
	Workspace string     `json:"workspace"` // whose documents and drafts the sender sees
	Method    string     `json:"method"`    // password, oidc, key or local (single-user mode)
	CSRFToken string     `json:"csrf_token,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // when the session ends
}

// signInRequest is the body of POST /api/v1/session.
type signInRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// signIn checks a name and password and starts a session: the cookie, and the CSRF token in the
// answer. Failures are counted per client address; past the limit, the password is not checked.
// The body must be JSON, which a form on another site cannot send.
func (s *Server) signIn(c echo.Context) error {
	if err := s.tooManyFailures(c); err != nil {
		return err
	}
	if ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); ct != echo.MIMEApplicationJSON {
		return retrieval.Errorf(retrieval.EUNSUPPORTED, "请以 JSON 发送用户名和密码")
	}
	var req signInRequest
	if err := c.Bind(&req); err != nil {
		return retrieval.Errorf(retrieval.EINVALID, "请求体应为 JSON：{\"name\":…,\"password\":…}")
	}
	ctx := c.Request().Context()
	u, err := s.Keys.UserByName(ctx, strings.TrimSpace(req.Name))
	if err != nil && !errors.Is(err, retrieval.ErrNotFound) {
		return fmt.Errorf("web: sign in: %w", err)
	}
	if !auth.CheckPassword(u, req.Password) {
		return s.failed(c, unauthorized(c, "用户名或密码错误"))
	}
	if u.Disabled() {
		return s.failed(c, unauthorized(c, "user %s was disabled by an admin", u.Name))
	}
	if old, err := c.Cookie(sessionCookie); err == nil {
		s.Keys.DeleteSession(ctx, auth.HashToken(old.Value)) // signing in again ends the previous session
	}
	return s.startSession(c, u, "password")
}

// startSession stores a new session for u, sets its cookie and answers with who is signed in.
func (s *Server) startSession(c echo.Context, u *auth.User, method string) error {
	sess, token, err := auth.NewSession(u.ID, s.gate.now())
	if err != nil {
		return err
	}
	if err := s.Keys.CreateSession(c.Request().Context(), sess); err != nil {
		return fmt.Errorf("web: sign in: %w", err)
	}
	setSessionCookie(c, token, sess.ExpiresAt)
	s.Logger.Info("signed in", "user_id", u.ID, "method", method, "request_id", requestID(c))
	return c.JSON(http.StatusOK, sessionInfo{Name: u.Name, Role: u.Role, Workspace: retrieval.InWorkspace(u.Workspace).Workspace(), Method: method, CSRFToken: auth.CSRFToken(token), ExpiresAt: &sess.ExpiresAt})
}

// getSession says who sent the request: a signed-in user (with the session's CSRF token), an API
// key's holder, or the single user.
func (s *Server) getSession(c echo.Context) error {
	p := principalOf(c)
	info := sessionInfo{Name: p.name, Role: p.role, Workspace: p.workspace.Workspace(), Method: p.method}
	if p.session != "" {
		info.CSRFToken = auth.CSRFToken(p.session)
		if sess, err := s.Keys.SessionByHash(c.Request().Context(), auth.HashToken(p.session)); err == nil {
			info.ExpiresAt = &sess.ExpiresAt
		}
	}
	return c.JSON(http.StatusOK, info)
}

// signOut ends the request's session: its record is deleted, so the cookie opens nothing even if
// a copy of it was kept. With an API key or in single-user mode there is nothing to end.
func (s *Server) signOut(c echo.Context) error {
	if p := principalOf(c); p.session != "" {
		if err := s.Keys.DeleteSession(c.Request().Context(), auth.HashToken(p.session)); err != nil {
			return fmt.Errorf("web: sign out: %w", err)
		}
		clearSessionCookie(c)
	}
	return c.NoContent(http.StatusNoContent)
}
