package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/web/auth"
)

// Error codes of authentication and limits; statusOf maps them to statuses.
const (
	EUNAUTHORIZED   = "unauthorized"    // no key, an unknown key or a revoked one: 401
	EFORBIDDEN      = "forbidden"       // the key's role may not do this: 403
	ERATELIMITED    = "rate_limited"    // too many requests for the key: 429 with Retry-After
	EBUDGETEXCEEDED = "budget_exceeded" // the key's model tokens for today are spent: 429
)

// Limits bounds what each API key, or the single user, may do; zero values mean no limit.
type Limits struct {
	RatePerMin  int // requests a minute to /api/v1, review calls aside (see reviewRoutes)
	Burst       int // requests allowed at once (default RatePerMin)
	TokenBudget int // model tokens (prompt + completion) a day, counted in memory: a restart forgets them
}

// Roles allowed by routeRoles.
var (
	anyRole   = []auth.Role{auth.RoleWriter, auth.RoleReviewer, auth.RoleAdmin}
	writers   = []auth.Role{auth.RoleWriter, auth.RoleAdmin}
	reviewers = []auth.Role{auth.RoleReviewer, auth.RoleAdmin}
	admins    = []auth.Role{auth.RoleAdmin}
)

// routeRoles says which roles may call each API route, by method and route path: the one table.
// A route missing from it is refused to everyone. A writer may call the review route to edit a
// sentence; reviewSentence asks for a reviewer to approve or reject one.
var routeRoles = map[string][]auth.Role{
	"GET /api/v1/documents":                                    anyRole,
	"GET /api/v1/documents/:id":                                anyRole,
	"POST /api/v1/search":                                      anyRole,
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
}

// reviewRoutes are the calls a reviewer makes once per sentence or figure, often as fast as the
// keyboard goes. With a rate limit set they are counted in a bucket of their own, never in the
// key's: reviewing a draft is not refused, nor does it use up the key's other requests.
var reviewRoutes = map[string]bool{
	"POST /api/v1/drafts/:id/sentences/:sid/review":            true,
	"POST /api/v1/drafts/:id/review/approve-low":               true,
	"POST /api/v1/drafts/:id/sections/:n/figures/:fid/restore": true,
	"POST /api/v1/drafts/:id/sections/:n/figures/:fid/drop":    true,
}

// The review bucket of each key (or, single-user, client address) when a rate limit is set: at least
// reviewRatePerMin calls a minute with bursts of reviewBurst, more when Limits allows more. A reviewer
// deciding every sentence of a long draft one after another is never refused; a runaway client is.
const (
	reviewRatePerMin = 600 // ten decisions a second, sustained
	reviewBurst      = 300 // the sentences of a long draft, decided without a pause
)

// keyCheckInterval is how long single-user mode trusts that there are still no keys: a key
// created while draftd serves turns authentication on within this time.
const keyCheckInterval = 5 * time.Second

// staleClaim is how long an Idempotency-Key claimed by a request that made no draft holds off
// retries: longer than creating a draft takes, short enough for a client whose request died.
const staleClaim = time.Minute

// localScope names the single user for idempotency and budgets.
const localScope = "local"

// principal is who sent a request.
type principal struct {
	keyID string // "" in single-user mode
	name  string // the key's name: recorded as the reviewer
	role  auth.Role
	scope string // what idempotency and the token budget are kept per: the key's ID, or localScope
	limit string // what the rate limit is kept per: the key's ID, or the client's IP in single-user mode
}

const principalContextKey = "draftd.principal"

// principalOf returns who sent the request; the zero principal, with no role, before authenticate.
func principalOf(c echo.Context) principal {
	p, _ := c.Get(principalContextKey).(principal)
	return p
}

// gate is the state behind authentication and limits.
type gate struct {
	keys        auth.Store
	now         func() time.Time
	rate        rate.Limit // 0: no rate limit
	burst       int
	reviewRate  int // a minute, for reviewRoutes
	reviewBurst int

	mu       sync.Mutex
	hasKeys  bool // once true, stays true: keys are revoked, never deleted
	checked  time.Time
	limiters map[string]*rate.Limiter

	routesOnce sync.Once
	routes     map[string]bool // "METHOD /path" of every registered route

	budget budget
}

func newGate(keys auth.Store, l Limits) *gate {
	g := &gate{keys: keys, now: time.Now, limiters: map[string]*rate.Limiter{}, budget: budget{limit: l.TokenBudget}}
	if l.RatePerMin > 0 {
		g.rate, g.burst = rate.Limit(float64(l.RatePerMin)/60), l.Burst
		if g.burst <= 0 {
			g.burst = l.RatePerMin
		}
		g.reviewRate, g.reviewBurst = max(l.RatePerMin, reviewRatePerMin), max(g.burst, reviewBurst)
	}
	return g
}

// authRequired reports whether the store has any key, revoked ones included, so that revoking the
// last key never reopens the API. It asks the store at most every keyCheckInterval.
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
	keys, err := g.keys.Keys(ctx)
	if err != nil {
		return false, fmt.Errorf("web: authenticate: %w", err)
	}
	g.hasKeys, g.checked = len(keys) > 0, now
	return g.hasKeys, nil
}

// limiter returns the token bucket of id: for review calls when review is set, else for the rest.
func (g *gate) limiter(id string, review bool) *rate.Limiter {
	key, r, b := id, g.rate, g.burst
	if review {
		key, r, b = "review "+id, rate.Limit(float64(g.reviewRate)/60), g.reviewBurst
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.limiters[key]
	if l == nil {
		l = rate.NewLimiter(r, b)
		g.limiters[key] = l
	}
	return l
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
// under /api/v1 that is no route; the probes, the app and the add-in pass untouched.
func (s *Server) guardAPI(next echo.HandlerFunc) echo.HandlerFunc {
	guarded := s.authenticate(s.rateLimit(s.authorize(next)))
	return func(c echo.Context) error {
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

// authenticate identifies the sender of an API request by its bearer token. With no key in the
// store, draftd is single-user: every request from this machine acts as an admin, any other is refused.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		required, err := s.gate.authRequired(ctx)
		if err != nil {
			return err
		}
		if !required {
			ip := net.ParseIP(c.RealIP())
			if ip == nil || !ip.IsLoopback() {
				return unauthorized(c, "this server has no API keys yet, so it answers only on its own machine; create one with draftd keys create")
			}
			c.Set(principalContextKey, principal{role: auth.RoleAdmin, scope: localScope, limit: "ip:" + ip.String()})
			return next(c)
		}
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return unauthorized(c, "send an API key as Authorization: Bearer dk_…; an admin creates one with draftd keys create")
		}
		k, err := s.Keys.KeyByHash(ctx, auth.HashToken(token))
		if errors.Is(err, retrieval.ErrNotFound) {
			return unauthorized(c, "unknown API key")
		}
		if err != nil {
			return fmt.Errorf("web: authenticate: %w", err)
		}
		if k.Revoked() {
			return unauthorized(c, "this API key was revoked")
		}
		if now := s.gate.now(); k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= auth.TouchInterval {
			if err := s.Keys.TouchKey(ctx, k.ID, now.UTC()); err != nil {
				s.Logger.Warn("record key use", "key_id", k.ID, "err", err)
			}
		}
		c.Set(principalContextKey, principal{keyID: k.ID, name: k.Name, role: k.Role, scope: k.ID, limit: k.ID})
		return next(c)
	}
}

// rateLimit refuses a request over its sender's token bucket with 429 and Retry-After; review
// calls have a bucket of their own.
func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.gate.rate == 0 {
			return next(c)
		}
		now := s.gate.now()
		review := reviewRoutes[c.Request().Method+" "+c.Path()]
		r := s.gate.limiter(principalOf(c).limit, review).ReserveN(now, 1)
		if wait := r.DelayFrom(now); wait > 0 {
			r.CancelAt(now)
			secs := int(math.Ceil(wait.Seconds()))
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			if review {
				return retrieval.Errorf(ERATELIMITED, "too many review decisions with this API key (at most %d at once, then %d a minute); retry in %d s",
					s.gate.reviewBurst, s.gate.reviewRate, secs)
			}
			return retrieval.Errorf(ERATELIMITED, "too many requests with this API key (at most %d a minute); retry in %d s", s.Limits.RatePerMin, secs)
		}
		return next(c)
	}
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
			return retrieval.Errorf(EFORBIDDEN, "%s is not open to any role", route)
		}
		if err := requireRole(c, "call "+route, roles...); err != nil {
			return err
		}
		return next(c)
	}
}

// requireRole returns an EFORBIDDEN error unless the request's role is one of roles; what says
// what the request tried, for the message.
func requireRole(c echo.Context, what string, roles ...auth.Role) error {
	role := principalOf(c).role
	if slices.Contains(roles, role) {
		return nil
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return retrieval.Errorf(EFORBIDDEN, "a %s key cannot %s (allowed: %s)", role, what, strings.Join(names, ", "))
}

// reviewerName is who the audit trail records for a review: the API key's name when the request
// carries one, whatever the body says, and the body's by in single-user mode.
func reviewerName(c echo.Context, by string) string {
	if p := principalOf(c); p.keyID != "" {
		return p.name
	}
	return by
}

// cors allows the add-in origins of CORSOrigins, never a wildcard.
func (s *Server) cors() echo.MiddlewareFunc {
	var origins []string
	for _, o := range s.CORSOrigins {
		if o = strings.TrimSpace(o); o != "" && !strings.Contains(o, "*") {
			origins = append(origins, o)
		}
	}
	if len(origins) == 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next } // Echo would read none as "*"
	}
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  origins,
		AllowMethods:  []string{"GET", "POST", "DELETE"},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, headerIdempotencyKey},
		ExposeHeaders: []string{"Retry-After", echo.HeaderXRequestID, echo.HeaderContentDisposition, headerReplayed},
		MaxAge:        600,
	})
}

// budget counts each sender's model tokens for the current day, in memory.
type budget struct {
	limit int

	mu   sync.Mutex
	day  string
	used map[string]int
}

// spent returns the tokens scope used on now's day.
func (b *budget) spent(scope string, now time.Time) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(now)
	return b.used[scope]
}

// add counts n tokens used by scope at now.
func (b *budget) add(scope string, n int, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(now)
	b.used[scope] += n
}

// roll starts a new count when now is on another day (in the server's time zone) than the count.
func (b *budget) roll(now time.Time) {
	if day := now.Format(time.DateOnly); day != b.day || b.used == nil {
		b.day, b.used = day, map[string]int{}
	}
}

// meteredWriter counts the tokens each call of its Writer used against a budget.
type meteredWriter struct {
	draft.Writer
	spend func(tokens int)
}

// Write writes with the wrapped Writer and counts the tokens it used, even when it failed.
func (w meteredWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	out, err := w.Writer.Write(ctx, req)
	w.spend(out.Usage.PromptTokens + out.Usage.CompletionTokens)
	return out, err
}

// metered returns w counting against the sender's token budget, or an EBUDGETEXCEEDED error when
// the budget is spent. Offline drafting uses no model and is never refused. A draft that starts
// under the budget finishes even if it goes over.
func (s *Server) metered(c echo.Context, model string, w draft.Writer) (draft.Writer, error) {
	b := &s.gate.budget
	if b.limit <= 0 || model == offline.Model {
		return w, nil
	}
	scope := principalOf(c).scope
	if used := b.spent(scope, s.gate.now()); used >= b.limit {
		return nil, retrieval.Errorf(EBUDGETEXCEEDED, "today's model budget of %d tokens for this API key is spent (%d used); it renews at midnight, and drafting with model %s needs no budget",
			b.limit, used, offline.Model)
	}
	return meteredWriter{Writer: w, spend: func(n int) { b.add(scope, n, s.gate.now()) }}, nil
}

// meteredCheck returns check counting its tokens against the sender's token budget, as metered
// does for the writer; nil stays nil. The check of an offline draft calls no model and spends nothing.
func (s *Server) meteredCheck(c echo.Context, check draft.ClaimChecker) draft.ClaimChecker {
	b := &s.gate.budget
	if check == nil || b.limit <= 0 {
		return check
	}
	scope := principalOf(c).scope
	return func(ctx context.Context, req draft.ClaimCheckRequest) ([]draft.CheckedClaim, draft.Usage, error) {
		found, u, err := check(ctx, req)
		b.add(scope, u.PromptTokens+u.CompletionTokens, s.gate.now())
		return found, u, err
	}
}

// Idempotency headers: the client's key, and the mark on an answer repeated for a retry.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// idempotencyClaim is the Idempotency-Key a request claimed; the zero value when it sent none.
type idempotencyClaim struct {
	store      auth.IdempotencyStore
	scope, key string
	draftID    string // set when an earlier request with this key made the draft: answer with it
}

// claimIdempotency claims the request's Idempotency-Key for its sender. When an earlier request
// with the key made a draft, the claim names it; the same key with another request is ECONFLICT.
func (s *Server) claimIdempotency(c echo.Context, body []byte) (idempotencyClaim, error) {
	key := c.Request().Header.Get(headerIdempotencyKey)
	if key == "" || s.Idempotency == nil {
		return idempotencyClaim{}, nil
	}
	if len(key) > 255 || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return idempotencyClaim{}, retrieval.Errorf(retrieval.EINVALID, "Idempotency-Key must be 1 to 255 printable ASCII characters, such as a UUID")
	}
	ctx := c.Request().Context()
	h := sha256.New()
	h.Write(body)
	fmt.Fprintf(h, "\x00model=%s", c.QueryParam("model"))
	cl := idempotencyClaim{store: s.Idempotency, scope: principalOf(c).scope, key: key}
	for attempt := 0; ; attempt++ {
		now := s.gate.now().UTC()
		r := auth.Idempotency{Scope: cl.scope, Key: key, BodyHash: h.Sum(nil), CreatedAt: now}
		got, claimed, err := s.Idempotency.ClaimIdempotency(ctx, r, now.Add(-auth.IdempotencyTTL))
		switch {
		case err != nil:
			return idempotencyClaim{}, fmt.Errorf("web: idempotency: %w", err)
		case claimed:
			return cl, nil
		case !bytes.Equal(got.BodyHash, r.BodyHash):
			return idempotencyClaim{}, retrieval.Errorf(retrieval.ECONFLICT, "Idempotency-Key reused with a different request")
		case got.DraftID != "":
			cl.draftID = got.DraftID
			return cl, nil
		case attempt == 0 && now.Sub(got.CreatedAt) > staleClaim:
			// The request that claimed the key died before making a draft: free it and claim it again.
			if err := s.Idempotency.ReleaseIdempotency(ctx, cl.scope, key); err != nil {
				return idempotencyClaim{}, fmt.Errorf("web: idempotency: %w", err)
			}
		default:
			return idempotencyClaim{}, retrieval.Errorf(retrieval.ECONFLICT, "a request with this Idempotency-Key is still being processed; retry in a few seconds")
		}
	}
}

// finish records the draft the claimed request made, or frees the key when it made none (err),
// so that the client can correct the request and send it again. It returns err.
func (cl idempotencyClaim) finish(ctx context.Context, dr *draft.Draft, err error) error {
	if cl.store == nil {
		return err
	}
	if err != nil {
		// Should the release fail, the claim goes stale and a retry frees it after staleClaim.
		cl.store.ReleaseIdempotency(context.WithoutCancel(ctx), cl.scope, cl.key)
		return err
	}
	if err := cl.store.SetIdempotencyDraft(ctx, cl.scope, cl.key, dr.ID); err != nil {
		return fmt.Errorf("web: idempotency: %w", err)
	}
	return nil
}

// replayDraft answers a retried POST /api/v1/drafts with the draft the first request made: its
// ID and status (202) or, with ?wait=true, the draft once it is done.
func (s *Server) replayDraft(c echo.Context, id string) error {
	ctx := c.Request().Context()
	c.Response().Header().Set(headerReplayed, "true")
	if c.QueryParam("wait") != "true" {
		dr, err := s.DraftStore.Draft(ctx, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusAccepted, createDraftResponse{ID: dr.ID, Status: dr.Status})
	}
	events, cancel := s.events.subscribe(id)
	defer cancel()
	dr, err := s.DraftStore.Draft(ctx, id)
	if err != nil {
		return err
	}
	// The first request's run publishes its end; the store is polled too, in case another
	// process runs the draft.
	wctx, stop := context.WithTimeout(ctx, draftTimeout)
	defer stop()
	poll := time.NewTicker(2 * time.Second)
	defer poll.Stop()
	for dr.Status == draft.StatusPending || dr.Status == draft.StatusGenerating {
		select {
		case <-wctx.Done():
			return s.writeDraft(c, http.StatusOK, id)
		case e := <-events:
			if e.Type != draft.EventDraftDone && e.Type != draft.EventDraftFailed {
				continue
			}
		case <-poll.C:
		}
		if dr, err = s.DraftStore.Draft(ctx, id); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, withProgress(dr))
}
