package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// Config is draftd's configuration, read from the environment and validated at start.
type Config struct {
	DatabaseURL string // DRAFTD_DATABASE_URL: postgres:// selects PostgreSQL + pgvector; empty, the embedded store
	DataDir     string // DRAFTD_DATA_DIR: the embedded store's directory
	Addr        string // DRAFTD_ADDR: listen address

	Embedder      string // DRAFTD_EMBEDDER: local or openai
	OpenAIBaseURL string // OPENAI_BASE_URL
	OpenAIAPIKey  string // OPENAI_API_KEY; never logged
	EmbedModel    string // DRAFTD_EMBED_MODEL
	EmbedDim      int    // DRAFTD_EMBED_DIM
	EmbedTimeout  time.Duration

	ChatModel          string        // DRAFTD_CHAT_MODEL: the OpenAI-compatible chat model; empty, offline drafting only
	ChatTimeout        time.Duration // DRAFTD_CHAT_TIMEOUT_S: per model call
	ChatIdleTimeout    time.Duration // DRAFTD_CHAT_IDLE_TIMEOUT_S: silence allowed while streaming
	ChatMaxTokens      int           // DRAFTD_CHAT_MAX_TOKENS
	SectionConcurrency int           // DRAFTD_SECTION_CONCURRENCY: sections of one draft drafted at once
	// Drafting jobs (serve): Workers is DRAFTD_WORKERS or --workers, sections this process drafts at
	// once (0: API only; default DRAFTD_SECTION_CONCURRENCY); JobTimeout (DRAFTD_JOB_TIMEOUT_S, 360)
	// bounds one attempt, JobRescue (DRAFTD_JOB_RESCUE_S, JobTimeout + 60) is how long a job may run
	// before a worker takes it as its dead process's, JobAttempts (DRAFTD_JOB_ATTEMPTS, 3) attempts
	// before a section is failed.
	Workers     int
	JobTimeout  time.Duration
	JobRescue   time.Duration
	JobAttempts int
	// Retention: drafting events of runs that ended more than EventsKeep ago (DRAFTD_EVENTS_KEEP_DAYS,
	// 30) and finished jobs older than JobsKeep (DRAFTD_JOBS_KEEP_DAYS, 7) are pruned every hour.
	EventsKeep time.Duration
	JobsKeep   time.Duration
	// ClaimCheck is DRAFTD_CLAIM_CHECK (on or off, default off): the chat model checks each drafted
	// section's claims in one more call, and what it finds raises sentences' risks.
	ClaimCheck bool

	MaxUploadBytes int64 // DRAFTD_MAX_UPLOAD_MB, in bytes
	Demo           bool  // DRAFTD_DEMO: load the demo corpus into an empty embedded store
	// MaxSections (DRAFTD_MAX_SECTIONS, default draft.DefaultMaxSections) and MaxFigures
	// (DRAFTD_MAX_FIGURES, draft.DefaultMaxFigures) bound one draft: a model call per section,
	// checks per figure. A draft above them is refused before anything is drafted, 413
	// too_many_sections or too_many_figures (draft.Size).
	MaxSections int
	MaxFigures  int

	RatePerMin  int      // DRAFTD_RATE_PER_MIN: API requests a minute per key; 0, no limit
	RateBurst   int      // DRAFTD_RATE_BURST: requests a key may send at once
	TokenBudget int      // DRAFTD_TOKEN_BUDGET: model tokens a day per key; 0, no limit
	CORSOrigins []string // DRAFTD_CORS_ORIGINS: comma-separated origins of office add-ins, e.g. https://localhost:3000

	// OpenID Connect sign-in, on when DRAFTD_OIDC_ISSUER is set.
	OIDCIssuer       string // DRAFTD_OIDC_ISSUER: the provider's issuer URL, e.g. https://sso.example.gov.cn/realms/city
	OIDCClientID     string // DRAFTD_OIDC_CLIENT_ID
	OIDCClientSecret string // DRAFTD_OIDC_CLIENT_SECRET; never logged
	OIDCRedirectURL  string // DRAFTD_OIDC_REDIRECT_URL: https://draftd.example.gov.cn/api/v1/oidc/callback
	OIDCRoleClaim    string // DRAFTD_OIDC_ROLE_CLAIM: the ID token claim whose values writer, reviewer or admin give the role
	OIDCDefaultRole  string // DRAFTD_OIDC_DEFAULT_ROLE: the role of users the claim gives none; empty refuses them
	OIDCWorkspace    string // DRAFTD_OIDC_WORKSPACE: the workspace of users made at their first sign-in; empty is "default"
}

// The largest DRAFTD_MAX_SECTIONS and DRAFTD_MAX_FIGURES: a draft's figures must still fit in
// draft.MaxFiguresBytes, and a section is a model call.
const (
	maxSections = 500
	maxFigures  = 10000
)

// Size is the bound on one draft that DRAFTD_MAX_SECTIONS and DRAFTD_MAX_FIGURES set.
func (c *Config) Size() draft.Size {
	return draft.Size{MaxSections: c.MaxSections, MaxFigures: c.MaxFigures}
}

// defaultEmbedDim is the local embedder's dimension: at 256, signed hashing
// keeps HNSW recall high and 100k passages take 100 MB.
const defaultEmbedDim = 256

// LoadConfig reads the configuration from getenv (os.Getenv in production).
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:   getenv("DRAFTD_DATABASE_URL"),
		DataDir:       or(getenv("DRAFTD_DATA_DIR"), "./draftd-data"),
		Addr:          or(getenv("DRAFTD_ADDR"), "127.0.0.1:8080"),
		Embedder:      or(getenv("DRAFTD_EMBEDDER"), "local"),
		OpenAIBaseURL: or(getenv("OPENAI_BASE_URL"), "https://api.openai.com/v1"),
		OpenAIAPIKey:  getenv("OPENAI_API_KEY"),
		EmbedModel:    getenv("DRAFTD_EMBED_MODEL"),
		ChatModel:     getenv("DRAFTD_CHAT_MODEL"),

		OIDCIssuer:       getenv("DRAFTD_OIDC_ISSUER"),
		OIDCClientID:     getenv("DRAFTD_OIDC_CLIENT_ID"),
		OIDCClientSecret: getenv("DRAFTD_OIDC_CLIENT_SECRET"),
		OIDCRedirectURL:  getenv("DRAFTD_OIDC_REDIRECT_URL"),
		OIDCRoleClaim:    getenv("DRAFTD_OIDC_ROLE_CLAIM"),
		OIDCDefaultRole:  getenv("DRAFTD_OIDC_DEFAULT_ROLE"),
		OIDCWorkspace:    getenv("DRAFTD_OIDC_WORKSPACE"),
		EmbedTimeout:     60 * time.Second,
		Demo:             true,
	}
	var errs []error
	intVar := func(name string, def int, dst *int) {
		v := getenv(name)
		if v == "" {
			*dst = def
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a whole number", name, v))
			return
		}
		*dst = n
	}
	intVar("DRAFTD_EMBED_DIM", 0, &c.EmbedDim)
	var chatTimeout, idleTimeout int
	intVar("DRAFTD_CHAT_TIMEOUT_S", 120, &chatTimeout)
	intVar("DRAFTD_CHAT_IDLE_TIMEOUT_S", 30, &idleTimeout)
	intVar("DRAFTD_CHAT_MAX_TOKENS", 1500, &c.ChatMaxTokens)
	intVar("DRAFTD_SECTION_CONCURRENCY", 3, &c.SectionConcurrency)
	c.ChatTimeout, c.ChatIdleTimeout = time.Duration(chatTimeout)*time.Second, time.Duration(idleTimeout)*time.Second
	var jobTimeout, jobRescue int
	intVar("DRAFTD_WORKERS", c.SectionConcurrency, &c.Workers)
	intVar("DRAFTD_JOB_TIMEOUT_S", 360, &jobTimeout)
	intVar("DRAFTD_JOB_RESCUE_S", jobTimeout+60, &jobRescue)
	intVar("DRAFTD_JOB_ATTEMPTS", 3, &c.JobAttempts)
	var eventsDays, jobsDays int
	intVar("DRAFTD_EVENTS_KEEP_DAYS", 30, &eventsDays)
	intVar("DRAFTD_JOBS_KEEP_DAYS", 7, &jobsDays)
	c.EventsKeep, c.JobsKeep = time.Duration(eventsDays)*24*time.Hour, time.Duration(jobsDays)*24*time.Hour
	c.JobTimeout, c.JobRescue = time.Duration(jobTimeout)*time.Second, time.Duration(jobRescue)*time.Second
	intVar("DRAFTD_RATE_PER_MIN", 120, &c.RatePerMin)
	intVar("DRAFTD_RATE_BURST", 30, &c.RateBurst)
	intVar("DRAFTD_TOKEN_BUDGET", 0, &c.TokenBudget)
	for _, o := range strings.Split(getenv("DRAFTD_CORS_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	var mb int
	intVar("DRAFTD_MAX_UPLOAD_MB", 20, &mb)
	c.MaxUploadBytes = int64(mb) << 20
	intVar("DRAFTD_MAX_SECTIONS", draft.DefaultMaxSections, &c.MaxSections)
	intVar("DRAFTD_MAX_FIGURES", draft.DefaultMaxFigures, &c.MaxFigures)
	if v := getenv("DRAFTD_CLAIM_CHECK"); v != "" {
		on, err := parseOnOff(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DRAFTD_CLAIM_CHECK=%q is not on or off", v))
		}
		c.ClaimCheck = on
	}
	if v := getenv("DRAFTD_DEMO"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DRAFTD_DEMO=%q is not true or false", v))
		}
		c.Demo = b
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if getenv("DRAFTD_EMBED_DIM") == "" && c.Embedder == "local" {
		c.EmbedDim = defaultEmbedDim
	}
	return c, c.Validate()
}

// Validate reports every invalid setting, naming the variable and saying why.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			bad("DRAFTD_DATABASE_URL must be a postgres://user@host:port/db URL (or empty for the embedded store), got %q", redactURL(c.DatabaseURL))
		}
	} else if strings.TrimSpace(c.DataDir) == "" {
		bad("DRAFTD_DATA_DIR must name a directory for the embedded store")
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" || !validPort(port) {
		bad("DRAFTD_ADDR must be host:port with a port from 0 to 65535, e.g. 127.0.0.1:8080, got %q", c.Addr)
	}
	switch c.Embedder {
	case "local":
		if c.EmbedDim < 16 || c.EmbedDim > 4096 {
			bad("DRAFTD_EMBED_DIM must be between 16 and 4096 for the local embedder, got %d", c.EmbedDim)
		}
	case "openai":
		if u, err := url.Parse(c.OpenAIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("OPENAI_BASE_URL must be an http(s) URL such as https://api.openai.com/v1, got %q", redactURL(c.OpenAIBaseURL))
		}
		if c.EmbedModel == "" {
			bad("DRAFTD_EMBED_MODEL must name the embedding model when DRAFTD_EMBEDDER=openai")
		}
		if c.EmbedDim <= 0 || c.EmbedDim > 16000 {
			bad("DRAFTD_EMBED_DIM must give the model's vector dimension (e.g. 1536) when DRAFTD_EMBEDDER=openai")
		}
	default:
		bad("DRAFTD_EMBEDDER must be local or openai, got %q", c.Embedder)
	}
	if c.ChatModel != "" || c.Embedder == "openai" {
		if u, err := url.Parse(c.OpenAIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			if c.Embedder != "openai" { // already reported above
				bad("OPENAI_BASE_URL must be an http(s) URL such as https://api.openai.com/v1, got %q", redactURL(c.OpenAIBaseURL))
			}
		}
	}
	if c.ChatModel == "offline" {
		bad("DRAFTD_CHAT_MODEL names a chat model; leave it empty for offline drafting")
	}
	if c.ClaimCheck && c.ChatModel == "" {
		bad("DRAFTD_CLAIM_CHECK=on (or --claim-check on) needs DRAFTD_CHAT_MODEL: the chat model is what checks the claims")
	}
	if c.ChatTimeout <= 0 || c.ChatIdleTimeout <= 0 {
		bad("DRAFTD_CHAT_TIMEOUT_S and DRAFTD_CHAT_IDLE_TIMEOUT_S must be positive")
	}
	if c.SectionConcurrency < 1 || c.SectionConcurrency > 16 {
		bad("DRAFTD_SECTION_CONCURRENCY must be between 1 and 16, got %d", c.SectionConcurrency)
	}
	if c.Workers < 0 || c.Workers > 256 {
		bad("DRAFTD_WORKERS must be between 0 (API only) and 256, got %d", c.Workers)
	}
	if c.JobTimeout < 10*time.Second || c.JobRescue < c.JobTimeout || c.JobAttempts < 1 || c.JobAttempts > 20 {
		bad("DRAFTD_JOB_TIMEOUT_S must be at least 10, DRAFTD_JOB_RESCUE_S at least DRAFTD_JOB_TIMEOUT_S and DRAFTD_JOB_ATTEMPTS between 1 and 20, got %v, %v and %d",
			c.JobTimeout, c.JobRescue, c.JobAttempts)
	}
	if day := 24 * time.Hour; c.EventsKeep < day || c.EventsKeep > 3650*day || c.JobsKeep < day || c.JobsKeep > 3650*day {
		bad("DRAFTD_EVENTS_KEEP_DAYS and DRAFTD_JOBS_KEEP_DAYS must be between 1 and 3650, got %d and %d",
			int(c.EventsKeep/day), int(c.JobsKeep/day))
	}
	if c.ChatMaxTokens < 64 || c.ChatMaxTokens > 32000 {
		bad("DRAFTD_CHAT_MAX_TOKENS must be between 64 and 32000, got %d", c.ChatMaxTokens)
	}
	if c.MaxUploadBytes <= 0 {
		bad("DRAFTD_MAX_UPLOAD_MB must be positive")
	}
	if c.MaxSections < 1 || c.MaxSections > maxSections {
		bad("DRAFTD_MAX_SECTIONS must be between 1 and %d sections a draft, got %d", maxSections, c.MaxSections)
	}
	if c.MaxFigures < 1 || c.MaxFigures > maxFigures {
		bad("DRAFTD_MAX_FIGURES must be between 1 and %d figures a draft, got %d", maxFigures, c.MaxFigures)
	}
	if c.RatePerMin < 0 || c.RateBurst < 1 {
		bad("DRAFTD_RATE_PER_MIN must be 0 (no limit) or more and DRAFTD_RATE_BURST at least 1, got %d and %d", c.RatePerMin, c.RateBurst)
	}
	if c.TokenBudget < 0 {
		bad("DRAFTD_TOKEN_BUDGET must be 0 (no limit) or a number of tokens a day, got %d", c.TokenBudget)
	}
	for _, o := range c.CORSOrigins {
		// Browsers send the origin as scheme://host[:port], which CORS compares exactly.
		u, err := url.Parse(o)
		if err != nil || strings.Contains(o, "*") || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" || u.User != nil {
			bad("DRAFTD_CORS_ORIGINS must list origins such as https://addin.example.gov.cn (scheme, host and port only, no wildcard), got %q", o)
		}
	}
	c.validateOIDC(bad)
	return errors.Join(errs...)
}

// validateOIDC reports the OpenID Connect settings that are missing or malformed, all at once.
func (c *Config) validateOIDC(bad func(format string, args ...any)) {
	if c.OIDCIssuer == "" {
		for name, v := range map[string]string{"DRAFTD_OIDC_CLIENT_ID": c.OIDCClientID, "DRAFTD_OIDC_CLIENT_SECRET": c.OIDCClientSecret,
			"DRAFTD_OIDC_REDIRECT_URL": c.OIDCRedirectURL, "DRAFTD_OIDC_ROLE_CLAIM": c.OIDCRoleClaim, "DRAFTD_OIDC_DEFAULT_ROLE": c.OIDCDefaultRole,
			"DRAFTD_OIDC_WORKSPACE": c.OIDCWorkspace} {
			if v != "" {
				bad("%s is set but DRAFTD_OIDC_ISSUER is not: set the issuer to turn OpenID Connect sign-in on, or unset %s", name, name)
			}
		}
		return
	}
	if u, err := url.Parse(c.OIDCIssuer); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && auth.Loopback(hostPort(u)))) {
		bad("DRAFTD_OIDC_ISSUER must be the provider's https:// issuer URL (http only on loopback), got %q", c.OIDCIssuer)
	}
	if c.OIDCClientID == "" {
		bad("DRAFTD_OIDC_CLIENT_ID must name this server's client at the provider")
	}
	if c.OIDCClientSecret == "" {
		bad("DRAFTD_OIDC_CLIENT_SECRET must give the client's secret")
	}
	if u, err := url.Parse(c.OIDCRedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.HasSuffix(u.Path, "/api/v1/oidc/callback") {
		bad("DRAFTD_OIDC_REDIRECT_URL must be this server's callback as registered with the provider, e.g. https://draftd.example.gov.cn/api/v1/oidc/callback, got %q", c.OIDCRedirectURL)
	}
	if c.OIDCDefaultRole != "" {
		if _, err := auth.ParseRole(c.OIDCDefaultRole); err != nil {
			bad("DRAFTD_OIDC_DEFAULT_ROLE must be writer, reviewer or admin (or empty to refuse users without a role), got %q", c.OIDCDefaultRole)
		}
	}
	if c.OIDCWorkspace != "" {
		if err := retrieval.ValidWorkspaceName(c.OIDCWorkspace); err != nil {
			bad("DRAFTD_OIDC_WORKSPACE must name a workspace (draftd workspaces list), got %q", c.OIDCWorkspace)
		}
	}
	if c.OIDCRoleClaim == "" && c.OIDCDefaultRole == "" {
		bad("DRAFTD_OIDC_ROLE_CLAIM or DRAFTD_OIDC_DEFAULT_ROLE must be set: without either, nobody signing in through OpenID Connect has a role")
	}
}

// hostPort returns u's host with a port, for auth.Loopback.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// parseOnOff reads a switch spelled on or off, as DRAFTD_CLAIM_CHECK and --claim-check take it.
func parseOnOff(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("must be on or off, got %q", v)
}

// redactURL hides a password in a URL so it can be shown in a message or log.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// validPort reports whether port is a TCP port number (0 asks for any free port).
func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}
