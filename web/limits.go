package web

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/retrieval"
)

// Error codes of limits; statusOf maps them to statuses.
const (
	ERATELIMITED    = "rate_limited"    // too many requests for the key, or failed sign-ins from the address: 429 with Retry-After
	EBUDGETEXCEEDED = "budget_exceeded" // the key's model tokens for today are spent: 429
)

// Limits bounds what each API key, or the single user, may do; zero values mean no limit.
type Limits struct {
	RatePerMin  int // requests a minute to /api/v1, review calls aside (see reviewRoutes)
	Burst       int // requests allowed at once (default RatePerMin)
	TokenBudget int // model tokens (prompt + completion) a day
	// HoldPerCall is the tokens taken from the budget before each model call and given back, less
	// what the call used, after it (default DefaultHoldPerCall).
	HoldPerCall int
	// Shared keeps the request buckets and the day's spending in the database, so that every replica
	// on it counts against the same limits and a restart forgets nothing; nil counts in this process.
	Shared SharedLimits
}

// DefaultHoldPerCall is Limits.HoldPerCall's default: a call's max_tokens (DRAFTD_CHAT_MAX_TOKENS,
// 1500 by default) and a prompt's share.
const DefaultHoldPerCall = 2000

// SharedLimits keeps rate buckets and token budgets in the store. Both stores implement it; the
// limits then hold across replicas within what their clocks disagree by.
type SharedLimits interface {
	// TakeRate takes one request from bucket key, which holds at most burst and refills at perSec
	// a second, as of now. It returns 0 when taken, else how long until one is there, taking nothing.
	TakeRate(ctx context.Context, key string, perSec float64, burst int, now time.Time) (time.Duration, error)
	// HoldTokens holds up to n tokens of scope's budget for day, limit tokens, for a model call:
	// n, or what is left when less. It returns the hold's ID and the tokens held, or "" and 0 when
	// nothing is left. A hold not settled lapses at expires, so a process that died keeps no tokens.
	HoldTokens(ctx context.Context, scope, day string, n, limit int, now, expires time.Time) (id string, held int, err error)
	// SettleTokens ends hold id ("" for none) and adds used tokens to scope's spending on day.
	SettleTokens(ctx context.Context, id, scope, day string, used int) error
	// SpentTokens returns scope's tokens spent on day and held as of now.
	SpentTokens(ctx context.Context, scope, day string, now time.Time) (int, error)
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

// holdLapse is how long a hold of tokens outlives the call it was made for, at most, when its
// process dies before settling it: the longest model call, with its retries.
const holdLapse = 15 * time.Minute

// storeTimeout bounds each call to the shared limits, so a slow database cannot hold a request.
const storeTimeout = 5 * time.Second

// take takes one request from the bucket of id (its review bucket when review is set) and returns
// 0, or how long until the bucket has one. With shared limits the bucket is the store's; when the
// store fails the request is let through and the failure logged: a database that cannot count
// requests cannot serve them either, and says so itself.
func (g *gate) take(ctx context.Context, id string, review bool, now time.Time) time.Duration {
	if g.shared != nil {
		key, perSec, burst := "rate "+id, float64(g.rate), g.burst
		if review {
			key, perSec, burst = "review "+id, float64(g.reviewRate)/60, g.reviewBurst
		}
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		wait, err := g.shared.TakeRate(ctx, key, perSec, burst, now)
		if err != nil {
			g.log.Warn("rate limit: store failed, request let through", "err", err)
			return 0
		}
		return wait
	}
	r := g.limiter(id, review).ReserveN(now, 1)
	wait := r.DelayFrom(now)
	if wait > 0 {
		r.CancelAt(now)
	}
	return wait
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
		if wait := s.gate.take(c.Request().Context(), principalOf(c).limit, review, now); wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			if review {
				return retrieval.Errorf(ERATELIMITED, "使用这个 API 密钥提交的审核操作太多（一次最多 %d 个，之后每分钟 %d 个），请 %d 秒后重试",
					s.gate.reviewBurst, s.gate.reviewRate, secs)
			}
			return retrieval.Errorf(ERATELIMITED, "使用这个 API 密钥的请求太多（每分钟最多 %d 个），请 %d 秒后重试", s.Limits.RatePerMin, secs)
		}
		return next(c)
	}
}

// Failed sign-ins and requests with an unknown or revoked API key are counted per client address,
// so that nobody can try passwords or tokens one after another: failureBurst failures at once, then
// one every 60/failuresPerMin seconds; beyond that, 429 with Retry-After. A correct API key is still
// let in (it could not have been guessed), a password is not even checked.
const (
	failureBurst   = 10
	failuresPerMin = 6
)

// maxFailureBuckets bounds the failure counts kept: past it, the addresses whose bucket has
// refilled are forgotten.
const maxFailureBuckets = 4096

// failureBucket returns the bucket of failed authentications from ip.
func (g *gate) failureBucket(ip string) *rate.Limiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.failures[ip]
	if l == nil {
		if len(g.failures) >= maxFailureBuckets {
			now := g.now()
			for k, b := range g.failures {
				if b.TokensAt(now) >= float64(b.Burst()) {
					delete(g.failures, k)
				}
			}
		}
		l = rate.NewLimiter(rate.Limit(float64(failuresPerMin)/60), failureBurst)
		g.failures[ip] = l
	}
	return l
}

// tooManyFailures returns an ERATELIMITED error, with Retry-After set, when the request's client
// address has used up its failed authentications; nil otherwise.
func (s *Server) tooManyFailures(c echo.Context) error {
	now := s.gate.now()
	l := s.gate.failureBucket(c.RealIP())
	if l.TokensAt(now) >= 1 {
		return nil
	}
	r := l.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return retrieval.Errorf(ERATELIMITED, "这个地址登录失败或使用未知 API 密钥的次数太多，请 %d 秒后重试", secs)
}

// failed counts a failed authentication from the request's client address and returns err, or
// the ERATELIMITED error when the address had used up its failures.
func (s *Server) failed(c echo.Context, err error) error {
	if limited := s.tooManyFailures(c); limited != nil {
		return limited
	}
	s.gate.failureBucket(c.RealIP()).AllowN(s.gate.now(), 1)
	return err
}

// budget counts each sender's model tokens for the current day (in the server's time zone): in
// the store when shared is set, so across replicas and restarts, else in this process. Each model
// call holds tokens first (reserve) and settles them with what it used after.
type budget struct {
	limit  int
	hold   int          // tokens held before each call
	shared SharedLimits // nil: counted here
	log    *slog.Logger

	mu    sync.Mutex
	day   string
	used  map[string]int
	held  map[string]int    // by scope, tokens of holds not yet settled
	holds map[string]string // hold ID → scope
	sizes map[string]int    // hold ID → tokens
	seq   int
}

// day names now's day, in the server's time zone.
func day(now time.Time) string { return now.Format(time.DateOnly) }

// spent returns the tokens scope spent and holds on now's day.
func (b *budget) spent(ctx context.Context, scope string, now time.Time) (int, error) {
	if b.shared != nil {
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		return b.shared.SpentTokens(ctx, scope, day(now), now)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(now)
	return b.used[scope] + b.held[scope], nil
}

// reserve holds tokens of scope's budget for one model call: DefaultHoldPerCall (or the configured
// hold), or what is left of the budget when less. It returns the function that settles the hold
// with the tokens the call used, or EBUDGETEXCEEDED when nothing is left.
func (b *budget) reserve(ctx context.Context, scope string, now time.Time) (func(used int, at time.Time), error) {
	n := b.hold
	if n <= 0 {
		n = DefaultHoldPerCall
	}
	d := day(now)
	var id string
	var got int
	if b.shared != nil {
		sctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		var err error
		if id, got, err = b.shared.HoldTokens(sctx, scope, d, n, b.limit, now, now.Add(holdLapse)); err != nil {
			return nil, err
		}
	} else {
		b.mu.Lock()
		b.roll(now)
		if left := b.limit - b.used[scope] - b.held[scope]; left > 0 {
			got = min(n, left)
			b.seq++
			id = strconv.Itoa(b.seq)
			b.held[scope] += got
			b.holds[id], b.sizes[id] = scope, got
		}
		b.mu.Unlock()
	}
	if got == 0 {
		return nil, b.exceeded(ctx, scope, now)
	}
	return func(used int, at time.Time) { b.settle(id, scope, d, used, at) }, nil
}

// settle ends hold id of scope, made on day d, and counts used tokens on d: a call that runs past
// midnight is spent from the budget it was held from, and the new day's starts whole. Counting in
// this process, only the current day is kept, so a hold of the day before counts nowhere.
func (b *budget) settle(id, scope, d string, used int, now time.Time) {
	if b.shared != nil {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		if err := b.shared.SettleTokens(ctx, id, scope, d, used); err != nil {
			b.log.Error("token budget: spending not recorded", "scope_kind", scopeKind(scope), "tokens", used, "err", err)
		}
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(now)
	if d != b.day {
		return // the day's count, with the hold, was forgotten at midnight
	}
	if s, ok := b.holds[id]; ok {
		b.held[s] -= b.sizes[id]
		delete(b.holds, id)
		delete(b.sizes, id)
	}
	b.used[scope] += used
}

// scopeKind says what a budget scope is without naming the key, for logs.
func scopeKind(scope string) string {
	if scope == localScope {
		return "single-user"
	}
	return "api-key"
}

// exceeded is the EBUDGETEXCEEDED error of scope at now.
func (b *budget) exceeded(ctx context.Context, scope string, now time.Time) error {
	used, _ := b.spent(ctx, scope, now)
	return retrieval.Errorf(EBUDGETEXCEEDED, "这个 API 密钥今天的模型额度（%d 个 token）已用完（已用 %d 个）；额度在午夜恢复，使用模型 %s 起草不占用额度",
		b.limit, used, offline.Model)
}

// roll starts a new count when now is on another day (in the server's time zone) than the count.
// Holds of the day before are forgotten with it.
func (b *budget) roll(now time.Time) {
	if d := day(now); d != b.day || b.used == nil {
		b.day, b.used, b.held = d, map[string]int{}, map[string]int{}
		b.holds, b.sizes = map[string]string{}, map[string]int{}
	}
}

// meteredWriter counts the tokens each call of its Writer used against a budget: with hold set,
// held before the call and settled after it; else only counted, by spend, after it.
type meteredWriter struct {
	draft.Writer
	spend func(tokens int)
	hold  func(ctx context.Context) (settle func(tokens int), err error)
}

// Write writes with the wrapped Writer and counts the tokens it used, even when it failed. With
// hold set, a call the budget cannot cover is not made: EBUDGETEXCEEDED.
func (w meteredWriter) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	spend := w.spend
	if w.hold != nil {
		settle, err := w.hold(ctx)
		if err != nil {
			return draft.SectionText{}, err
		}
		spend = settle
	}
	out, err := w.Writer.Write(ctx, req)
	spend(out.Usage.PromptTokens + out.Usage.CompletionTokens)
	return out, err
}

// holder returns the hold function of a meteredWriter for scope's budget.
func (b *budget) holder(scope string, now func() time.Time) func(ctx context.Context) (func(int), error) {
	return func(ctx context.Context) (func(int), error) {
		settle, err := b.reserve(ctx, scope, now())
		if err != nil {
			return nil, err
		}
		return func(used int) { settle(used, now()) }, nil
	}
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
	used, err := b.spent(c.Request().Context(), scope, s.gate.now())
	if err != nil {
		return nil, err
	}
	if used >= b.limit {
		return nil, b.exceeded(c.Request().Context(), scope, s.gate.now())
	}
	return meteredWriter{Writer: w, hold: b.holder(scope, s.gate.now)}, nil
}

// meterJob returns w and check holding tokens of budget scope before each model call and settling
// them after, as metered and meteredCheck do for a request: for drafting jobs, which run after the
// request that made them is answered. Offline drafting, an empty scope and no budget leave them as
// they are.
func (s *Server) meterJob(scope, model string, w draft.Writer, check draft.ClaimChecker) (draft.Writer, draft.ClaimChecker) {
	b := &s.gate.budget
	if b.limit <= 0 || model == offline.Model || scope == "" {
		return w, check
	}
	hold := b.holder(scope, s.gate.now)
	if check != nil {
		inner := check
		check = func(ctx context.Context, req draft.ClaimCheckRequest) ([]draft.CheckedClaim, draft.Usage, error) {
			settle, err := hold(ctx)
			if err != nil {
				return nil, draft.Usage{}, err
			}
			found, u, err := inner(ctx, req)
			settle(u.PromptTokens + u.CompletionTokens)
			return found, u, err
		}
	}
	return meteredWriter{Writer: w, hold: hold}, check
}

// meteredCheck returns check counting its tokens against the sender's token budget, as metered
// does for the writer; nil stays nil. The check of an offline draft calls no model and spends nothing.
func (s *Server) meteredCheck(c echo.Context, check draft.ClaimChecker) draft.ClaimChecker {
	b := &s.gate.budget
	if check == nil || b.limit <= 0 {
		return check
	}
	hold := b.holder(principalOf(c).scope, s.gate.now)
	return func(ctx context.Context, req draft.ClaimCheckRequest) ([]draft.CheckedClaim, draft.Usage, error) {
		settle, err := hold(ctx)
		if err != nil {
			return nil, draft.Usage{}, err
		}
		found, u, err := check(ctx, req)
		settle(u.PromptTokens + u.CompletionTokens)
		return found, u, err
	}
}
