package web

import (
	"context"
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
	TokenBudget int // model tokens (prompt + completion) a day, counted in memory: a restart forgets them
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
		return nil, retrieval.Errorf(EBUDGETEXCEEDED, "这个 API 密钥今天的模型额度（%d 个 token）已用完（已用 %d 个）；额度在午夜恢复，使用模型 %s 起草不占用额度",
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
