package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// Error codes of authentication; statusOf maps them to statuses.
const (
	EUNAUTHORIZED = "unauthorized" // no key or session; an unknown, revoked or expired one; a wrong password: 401
	EFORBIDDEN    = "forbidden"    // the role may not do this: 403
	ECSRF         = "csrf"         // a request with the session cookie that changes something came without its CSRF token: 403
)

// Roles allowed by routeRoles.
var (
	anyRole   = []auth.Role{auth.RoleWriter, auth.RoleReviewer, auth.RoleAdmin}
	writers   = []auth.Role{auth.RoleWriter, auth.RoleAdmin}
	reviewers = []auth.Role{auth.RoleReviewer, auth.RoleAdmin}
	admins    = []auth.Role{auth.RoleAdmin}
	anyone    = []auth.Role{public}
)

// public is the mark of routes anyone may call, signed in or not: those that sign in. They are
// neither authenticated nor authorized; their handlers count failures per client address.
const public auth.Role = "public"

// routeRoles says which roles may call each API route, by method and route path: the one table.
// A route missing from it is refused to everyone. A writer may call the review route to edit a
// sentence; reviewSentence asks for a reviewer to approve or reject one.
var routeRoles = map[string][]auth.Role{
	"GET /api/v1/documents":                                    anyRole,
	"GET /api/v1/documents/:id":                                anyRole,
	"POST /api/v1/documents/:id/template":                      anyRole,
	"GET /api/v1/outlines":                                     anyRole,
	"POST /api/v1/search":                                      anyRole,
	"GET /api/v1/collections":                                  anyRole,
	"PATCH /api/v1/collections/:name":                          admins,
	"GET /api/v1/drafts":                                       anyRole,
	"GET /api/v1/drafts/:id":                                   anyRole,
	"GET /api/v1/drafts/:id/events":                            anyRole,
	"GET /api/v1/drafts/:id/export":                            anyRole,
	"GET /api/v1/config":                                       anyRole,
	"GET /api/v1/openapi.json":                                 anyRole,
	"POST /api/v1/documents":                                   writers,
	"POST /api/v1/drafts":                                      writers,
	"POST /api/v1/drafts/import":                               writers,
	"POST /api/v1/drafts/:id/sections/:n/regenerate":           writers,
	"POST /api/v1/drafts/:id/sentences/:sid/review":            anyRole,
	"POST /api/v1/drafts/:id/review/approve-low":               reviewers,
	"POST /api/v1/drafts/:id/sections/:n/figures/:fid/restore": reviewers,
	"POST /api/v1/drafts/:id/sections/:n/figures/:fid/drop":    reviewers,
	"DELETE /api/v1/documents/:id":                             admins,
	"PATCH /api/v1/documents/:id":                              writers,
	"DELETE /api/v1/drafts/:id":                                admins,
	"POST /api/v1/drafts/:id/duplicate":                        writers,
	"POST /api/v1/drafts/:id/sentences/:sid/rewrite":           anyRole,
	"POST /api/v1/session":                                     anyone,
	"GET /api/v1/session":                                      anyRole,
	"DELETE /api/v1/session":                                   anyRole,
	"GET /api/v1/oidc/login":                                   anyone,
	"GET /api/v1/oidc/callback":                                anyone,
	"GET /api/v1/users":                                        admins,
	"POST /api/v1/users":                                       admins,
	"PATCH /api/v1/users/:id":                                  admins,
	"GET /api/v1/keys":                                         admins,
	"POST /api/v1/keys":                                        admins,
	"DELETE /api/v1/keys/:id":                                  admins,
}

// keyCheckInterval is how long single-user mode trusts that there are still no keys or users: one
// created by another process while draftd serves turns authentication on within this time.
const keyCheckInterval = 5 * time.Second

// localScope names the single user for idempotency and budgets.
const localScope = "local"

// principal is who sent a request.
type principal struct {
	// keyID names who signed in: the API key's ID, or "user:" and the user's ID for a session; ""
	// in single-user mode.
	keyID   string
	userID  string // the signed-in user's ID; "" with an API key or in single-user mode
	session string // the session cookie's token, to derive the CSRF token and to sign out; "" without
	method  string // how: "key", "password" or "oidc" (a session), "local" (single-user mode)
	name    string // the key's holder or the user's name: recorded as the reviewer
	role    auth.Role
	// workspace is whose documents, collections, drafts, users and keys the sender sees: the key's
	// or the user's, the default one in single-user mode. Every store call below a handler gets it.
	workspace retrieval.Scope
	scope     string // what idempotency and the token budget are kept per: keyID, or localScope
	limit     string // what the rate limit is kept per: keyID, or the client's IP in single-user mode
}

// signedIn reports whether the sender proved who they are, with a key or a session.
func (p principal) signedIn() bool { return p.keyID != "" }

const principalContextKey = "draftd.principal"

// principalOf returns who sent the request; the zero principal, with no role, before authenticate.
func principalOf(c echo.Context) principal {
	p, _ := c.Get(principalContextKey).(principal)
	return p
}

// scopeOf returns the workspace of the request's sender. Every API route but those that sign in
// is authenticated first (guardAPI), so a handler never sees the zero principal.
func scopeOf(c echo.Context) retrieval.Scope { return principalOf(c).workspace }

// gate is the state behind authentication and limits.
type gate struct {
	keys        auth.Store
	now         func() time.Time
	rate        rate.Limit // 0: no rate limit
	burst       int
	reviewRate  int // a minute, for reviewRoutes
	reviewBurst int

	mu       sync.Mutex
	hasKeys  bool // a key or a user exists; once true, stays true: both are revoked or disabled, never deleted
	checked  time.Time
	limiters map[string]*rate.Limiter
	failures map[string]*rate.Limiter // failed authentications by client address

	routesOnce sync.Once
	routes     map[string]bool // "METHOD /path" of every registered route

	budget budget
	shared SharedLimits // rate buckets in the store; nil: limiters, in this process
	log    *slog.Logger
}

func newGate(keys auth.Store, l Limits) *gate {
	g := &gate{keys: keys, now: time.Now, limiters: map[string]*rate.Limiter{}, failures: map[string]*rate.Limiter{},
		budget: budget{limit: l.TokenBudget, hold: l.HoldPerCall, shared: l.Shared, log: slog.Default()},
		shared: l.Shared, log: slog.Default()}
	if l.RatePerMin > 0 {
		g.rate, g.burst = rate.Limit(float64(l.RatePerMin)/60), l.Burst
		if g.burst <= 0 {
			g.burst = l.RatePerMin
		}
		g.reviewRate, g.reviewBurst = max(l.RatePerMin, reviewRatePerMin), max(g.burst, reviewBurst)
	}
	return g
}

// authRequired reports whether the store has any key or user, revoked and disabled ones included,
// so that revoking the last key never reopens the API. It asks the store at most every keyCheckInterval.
func (g *gate) authRequired(ctx context.Context) (bool, error) {
	if g.keys == nil {
		return false, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if g.hasKeys || now.Sub(g.checked) < keyCheckInterval {
		return g.hasKeys, nil
	}
	keys, err := g.keys.Keys(ctx, retrieval.AllWorkspaces())
	if err != nil {
		return false, fmt.Errorf("web: authenticate: %w", err)
	}
	users, err := g.keys.Users(ctx, retrieval.AllWorkspaces())
	if err != nil {
		return false, fmt.Errorf("web: authenticate: %w", err)
	}
	g.hasKeys, g.checked = len(keys)+len(users) > 0, now
	return g.hasKeys, nil
}

// requireAuth turns authentication on at once: a key or a user was just created.
func (g *gate) requireAuth() {
	g.mu.Lock()
	g.hasKeys = true
	g.mu.Unlock()
}

// registered reports whether route ("METHOD /path") is one of e's routes.
func (g *gate) registered(e *echo.Echo, route string) bool {
	g.routesOnce.Do(func() {
		g.routes = map[string]bool{}
		for _, r := range e.Routes() {
			g.routes[r.Method+" "+r.Path] = true
		}
	})
	return g.routes[route]
}

// isAPI reports whether path is under /api/v1.
func isAPI(path string) bool { return path == "/api/v1" || strings.HasPrefix(path, "/api/v1/") }

// guardAPI authenticates, rate-limits and authorizes every request for an API route, or for a path
// under /api/v1 that is no route; the probes, the app and the add-in pass untouched, and so do the
// routes that sign in.
func (s *Server) guardAPI(next echo.HandlerFunc) echo.HandlerFunc {
	guarded := s.authenticate(s.rateLimit(s.authorize(next)))
	return func(c echo.Context) error {
		if slices.Equal(routeRoles[c.Request().Method+" "+c.Path()], anyone) {
			return next(c)
		}
		if isAPI(c.Path()) || isAPI(c.Request().URL.Path) {
			return guarded(c)
		}
		return next(c)
	}
}

// unauthorized returns the 401 error, asking for a bearer token.
func unauthorized(c echo.Context, format string, args ...any) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="draftd"`)
	return retrieval.Errorf(EUNAUTHORIZED, format, args...)
}

// authenticate identifies the sender of an API request by its bearer token or, without one, its
// session cookie. With no key and no user in the store and no OpenID Connect, draftd is
// single-user: every request from this machine acts as an admin, any other is refused.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		required, err := s.gate.authRequired(c.Request().Context())
		if err != nil {
			return err
		}
		var p principal
		switch _, cookieErr := c.Cookie(sessionCookie); {
		case !required && s.OIDC == nil: // with OpenID Connect, people sign in from the first request
			ip := net.ParseIP(c.RealIP())
			if ip == nil || !ip.IsLoopback() {
				return unauthorized(c, "本服务还没有 API 密钥或用户，只接受本机的请求；请用 draftd keys create 或 draftd users add 创建")
			}
			p = principal{method: "local", role: auth.RoleAdmin, workspace: retrieval.InWorkspace(retrieval.DefaultWorkspace),
				scope: localScope, limit: "ip:" + ip.String()}
		case c.Request().Header.Get(echo.HeaderAuthorization) != "" || cookieErr != nil:
			p, err = s.keyPrincipal(c)
		default:
			p, err = s.sessionPrincipal(c)
		}
		if err != nil {
			return err
		}
		c.Set(principalContextKey, p)
		return next(c)
	}
}

// keyPrincipal returns the holder of the request's API key. An unknown or revoked key counts as a
// failure of the client's address.
func (s *Server) keyPrincipal(c echo.Context) (principal, error) {
	ctx := c.Request().Context()
	scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		err := unauthorized(c, "请登录，或以 Authorization: Bearer dk_… 发送 API 密钥；管理员可用 draftd keys create 创建密钥")
		if s.OIDC != nil {
			// The app offers the organisation's sign-in beside the password.
			err.(*retrieval.Error).Detail = map[string]bool{"oidc": true}
		}
		return principal{}, err
	}
	k, err := s.Keys.KeyByHash(ctx, auth.HashToken(token))
	if errors.Is(err, retrieval.ErrNotFound) {
		return principal{}, s.failed(c, unauthorized(c, "API 密钥无效"))
	}
	if err != nil {
		return principal{}, fmt.Errorf("web: authenticate: %w", err)
	}
	if k.Revoked() {
		return principal{}, s.failed(c, unauthorized(c, "这个 API 密钥已被吊销"))
	}
	if now := s.gate.now(); k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= auth.TouchInterval {
		if err := s.Keys.TouchKey(ctx, k.ID, now.UTC()); err != nil {
			s.Logger.Warn("record key use", "key_id", k.ID, "err", err)
		}
	}
	return principal{keyID: k.ID, method: "key", name: k.Name, role: k.Role, workspace: retrieval.InWorkspace(k.Workspace),
		scope: k.ID, limit: k.ID}, nil
}

// sessionPrincipal returns the user signed in with the request's session cookie. A request that
// changes something must carry the session's CSRF token in the X-CSRF-Token header: another site
// can make a browser send the cookie, never the header.
func (s *Server) sessionPrincipal(c echo.Context) (principal, error) {
	ctx := c.Request().Context()
	cookie, _ := c.Cookie(sessionCookie)
	sess, err := s.Keys.SessionByHash(ctx, auth.HashToken(cookie.Value))
	if errors.Is(err, retrieval.ErrNotFound) {
		clearSessionCookie(c)
		return principal{}, s.failed(c, unauthorized(c, "您已退出登录，请重新登录"))
	}
	if err != nil {
		return principal{}, fmt.Errorf("web: authenticate: %w", err)
	}
	if !s.gate.now().Before(sess.ExpiresAt) {
		clearSessionCookie(c)
		return principal{}, unauthorized(c, "登录已过期，请重新登录")
	}
	u, err := s.Keys.User(ctx, sess.UserID)
	if err != nil {
		return principal{}, fmt.Errorf("web: authenticate: %w", err)
	}
	if u.Disabled() {
		clearSessionCookie(c)
		return principal{}, unauthorized(c, "用户 %s 已被管理员停用", u.Name)
	}
	if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions {
		sent := c.Request().Header.Get(headerCSRFToken)
		if subtle.ConstantTimeCompare([]byte(sent), []byte(auth.CSRFToken(cookie.Value))) != 1 {
			return principal{}, retrieval.Errorf(ECSRF, "每个修改数据的请求都要在 %s 请求头中带上 GET /api/v1/session 返回的 CSRF 令牌", headerCSRFToken)
		}
	}
	method := "password"
	if u.Subject != "" {
		method = "oidc"
	}
	id := "user:" + u.ID
	return principal{keyID: id, userID: u.ID, session: cookie.Value, method: method, name: u.Name, role: u.Role,
		workspace: retrieval.InWorkspace(u.Workspace), scope: id, limit: id}, nil
}

// authorize lets a request through only if routeRoles allows its sender's role on its route.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		route := c.Request().Method + " " + c.Path()
		roles, ok := routeRoles[route]
		if !ok {
			if !s.gate.registered(c.Echo(), route) {
				return next(c) // no such route: Echo answers 404 or 405
			}
			s.Logger.Error("route has no roles in routeRoles: refused to everyone", "route", route)
			return retrieval.Errorf(EFORBIDDEN, "%s 不对任何角色开放", route)
		}
		if err := requireRole(c, "调用 "+route, roles...); err != nil {
			return err
		}
		return next(c)
	}
}

// requireRole returns an EFORBIDDEN error unless the request's role is one of roles; what says
// what the request tried, for the message.
func requireRole(c echo.Context, what string, roles ...auth.Role) error {
	p := principalOf(c)
	role := p.role
	if slices.Contains(roles, role) {
		return nil
	}
	who := "角色为 " + string(role) + " 的 API 密钥"
	if p.method != "key" {
		who = "角色为 " + string(role) + " 的用户"
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return retrieval.Errorf(EFORBIDDEN, "%s不能%s（允许的角色：%s）", who, what, strings.Join(names, "、"))
}

// reviewerName is who the audit trail records for a review: the API key's holder or the signed-in
// user's name, whatever the body says, and the body's by in single-user mode.
func reviewerName(c echo.Context, by string) string {
	if p := principalOf(c); p.signedIn() {
		return p.name
	}
	return by
}
