package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// OIDC is sign-in through an organisation's OpenID Connect provider: the browser is sent to the
// provider and back to the callback, which finds or creates the user by issuer and subject and
// starts the same session cookie as a password sign-in.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // this server's /api/v1/oidc/callback, as registered with the provider
	// RoleClaim names the ID token claim (a string or a list of strings) whose values writer,
	// reviewer or admin give the user's role, the highest found, at every sign-in; "" reads none.
	RoleClaim string
	// DefaultRole is the role of a user whose token maps to none; "" refuses such users.
	DefaultRole auth.Role
	// Workspace is the workspace of the users made at their first sign-in; "" is the default one.
	Workspace string
	// Client makes the calls to the provider; nil is http.DefaultClient.
	Client *http.Client

	mu       sync.Mutex
	provider *oidc.Provider // discovered on first use; retried after a failure
}

// oidcCookie keeps a sign-in's state, nonce and PKCE verifier between the redirect to the
// provider and the callback, for oidcCookieAge at most.
const (
	oidcCookie    = "draftd_oidc"
	oidcCookieAge = 10 * time.Minute
	oidcPath      = "/api/v1/oidc"
)

// setup returns the provider and the OAuth 2 configuration, discovering the provider the first
// time it answers.
func (o *OIDC) setup(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		p, err := oidc.NewProvider(o.context(ctx), o.Issuer)
		if err != nil {
			return nil, nil, retrieval.Errorf(retrieval.EUNAVAILABLE, "the OpenID Connect provider %s does not answer: %v", o.Issuer, err)
		}
		o.provider = p
	}
	cfg := &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		Endpoint: o.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
	return o.provider, cfg, nil
}

// context returns ctx carrying the HTTP client for the provider.
func (o *OIDC) context(ctx context.Context) context.Context {
	if o.Client == nil {
		return ctx
	}
	return oidc.ClientContext(ctx, o.Client)
}

// roleOf returns the role claims give, the highest of those named; DefaultRole if none.
func (o *OIDC) roleOf(claims map[string]any) auth.Role {
	var values []string
	switch v := claims[o.RoleClaim].(type) {
	case string:
		values = strings.Fields(strings.ReplaceAll(v, ",", " "))
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				values = append(values, s)
			}
		}
	}
	if o.RoleClaim != "" {
		for _, r := range []auth.Role{auth.RoleAdmin, auth.RoleReviewer, auth.RoleWriter} {
			if slices.Contains(values, string(r)) {
				return r
			}
		}
	}
	return o.DefaultRole
}

// random returns n random bytes in base64url.
func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// noOIDC is the answer of the OpenID Connect routes on a server without it.
func noOIDC() error {
	return retrieval.Errorf(retrieval.ENOTFOUND, "OpenID Connect sign-in is not configured on this server (DRAFTD_OIDC_ISSUER)")
}

// oidcLogin sends the browser to the provider's sign-in, with a state, a nonce and a PKCE
// challenge whose secrets stay in a short-lived HttpOnly cookie.
func (s *Server) oidcLogin(c echo.Context) error {
	if s.OIDC == nil {
		return noOIDC()
	}
	_, cfg, err := s.OIDC.setup(c.Request().Context())
	if err != nil {
		return err
	}
	state, nonce, verifier := random(24), random(24), oauth2.GenerateVerifier()
	c.SetCookie(&http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + verifier, Path: oidcPath,
		MaxAge: int(oidcCookieAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	return c.Redirect(http.StatusFound, cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
}

// oidcCallback finishes a sign-in at the provider: it checks the state, exchanges the code,
// verifies the ID token and its nonce, finds or creates the user and starts a session, then sends
// the browser to the app. Failures count against the client's address like wrong passwords.
func (s *Server) oidcCallback(c echo.Context) error {
	if s.OIDC == nil {
		return noOIDC()
	}
	if err := s.tooManyFailures(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	provider, cfg, err := s.OIDC.setup(ctx)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: oidcCookie, Value: "", Path: oidcPath, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	if e := c.QueryParam("error"); e != "" {
		return s.failed(c, unauthorized(c, "the OpenID Connect provider refused the sign-in: %s %s", e, c.QueryParam("error_description")))
	}
	cookie, err := c.Cookie(oidcCookie)
	var secrets []string
	if err == nil {
		secrets = strings.Split(cookie.Value, ".")
	}
	if len(secrets) != 3 || c.QueryParam("state") == "" || c.QueryParam("state") != secrets[0] {
		return s.failed(c, unauthorized(c, "this sign-in was not started here or took too long; start again"))
	}
	octx := s.OIDC.context(ctx)
	tok, err := cfg.Exchange(octx, c.QueryParam("code"), oauth2.VerifierOption(secrets[2]))
	if err != nil {
		return s.failed(c, unauthorized(c, "the OpenID Connect provider did not accept the sign-in: %v", err))
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: s.OIDC.ClientID}).Verify(octx, raw)
	if err != nil {
		return s.failed(c, unauthorized(c, "the ID token does not check out: %v", err))
	}
	if idt.Nonce != secrets[1] {
		return s.failed(c, unauthorized(c, "the ID token was not issued for this sign-in"))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return s.failed(c, unauthorized(c, "the ID token's claims do not read: %v", err))
	}
	u, err := s.oidcUser(ctx, idt.Issuer+" "+idt.Subject, claims)
	if err != nil {
		return err
	}
	sess, token, err := auth.NewSession(u.ID, s.gate.now())
	if err != nil {
		return err
	}
	if err := s.Keys.CreateSession(ctx, sess); err != nil {
		return fmt.Errorf("web: sign in: %w", err)
	}
	setSessionCookie(c, token, sess.ExpiresAt)
	s.Logger.Info("signed in", "user_id", u.ID, "method", "oidc", "request_id", requestID(c))
	return c.Redirect(http.StatusFound, "/#/drafts")
}

// oidcUser returns the user with OpenID subject sub, created on first sign-in with the name and
// role the claims give; an existing user's role follows the role claim when it names one.
func (s *Server) oidcUser(ctx context.Context, sub string, claims map[string]any) (*auth.User, error) {
	role := s.OIDC.roleOf(claims)
	u, err := s.Keys.UserBySubject(ctx, sub)
	switch {
	case err == nil:
		if u.Disabled() {
			return nil, unauthorizedf("user %s was disabled by an admin", u.Name)
		}
		if role != "" && role != u.Role {
			u.Role = role
			if err := s.Keys.UpdateUser(ctx, u); err != nil {
				return nil, err
			}
		}
		return u, nil
	case !errors.Is(err, retrieval.ErrNotFound):
		return nil, err
	}
	if role == "" {
		return nil, retrieval.Errorf(EFORBIDDEN, "your account has no draftd role (claim %q); ask an admin", s.OIDC.RoleClaim)
	}
	name := ""
	for _, k := range []string{"name", "preferred_username", "email"} {
		if v, _ := claims[k].(string); strings.TrimSpace(v) != "" {
			name = strings.TrimSpace(v)
			break
		}
	}
	if name == "" {
		name = sub
	}
	for i := 0; ; i++ {
		u, err = auth.NewUser(name, role, "")
		if err != nil {
			return nil, err
		}
		u.Subject, u.Workspace = sub, s.OIDC.Workspace
		if err = s.Keys.CreateUser(ctx, u); retrieval.ErrorCode(err) != retrieval.ECONFLICT || i > 0 {
			break
		}
		// A password user has the name already: tell them apart by the provider's account.
		name = fmt.Sprintf("%s（%s）", name, u.ID[:4])
	}
	if err != nil {
		return nil, err
	}
	s.gate.requireAuth()
	return u, nil
}

// unauthorizedf is an EUNAUTHORIZED error for a sign-in that was refused after it checked out.
func unauthorizedf(format string, args ...any) error {
	return retrieval.Errorf(EUNAUTHORIZED, format, args...)
}
