// Command draftd drafts Chinese work summaries from a corpus of historical ones.
//
// Usage: draftd serve|ingest|search|draft|keys|users|workspaces|collections|migrate|reindex|version [flags]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/openai"
	"github.com/draftd/draftd/retrieval/pgvector"
	"github.com/draftd/draftd/web"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "draftd:", err)
		}
		os.Exit(1)
	}
}

// errSilent is returned when the failure was already reported to the user.
var errSilent = errors.New("failed")

// Main is the program: its environment and standard streams, so tests can drive Run.
type Main struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Ready, if set, is called with the listening address once serve accepts connections.
	Ready func(addr string)

	addr string // serve's --addr flag
}

const usage = `draftd drafts work summaries from a corpus of historical ones.

Usage:
  draftd serve    [--addr HOST:PORT] [--workers N]
                                                run the web service (and the demo corpus on a new embedded store);
                                                N sections drafted at once by this process, 0 for API only
  draftd ingest   [--workspace W] [--collection C] [--bulk auto|always|never] PATH...
                                                ingest files and directories into the corpus; --bulk suspends
                                                PostgreSQL's search indexes during a large load (auto: when large)
  draftd search   [-k N] [--json] [--workspace W] [--collection C] [--kind 总结,计划] [--role plans]
                  [--year-from Y] [--year-to Y] QUERY
                                                hybrid search of the corpus
  draftd draft    --figures FILE [--format json|md|html|txt|docx] [-o FILE] [--model M] [--workspace W]
                                                draft a summary from figures (.json, .xlsx, .csv)
  draftd template [-o FILE] [--workspace W] [--collection C] DOC_ID|FILE
                                                a stored document (FILE: ingested first) as a figures skeleton
  draftd keys     create --name NAME --role writer|reviewer|admin [--workspace W] | list | revoke ID
                                                manage API keys (the token is printed once)
  draftd users    add NAME --role writer|reviewer|admin [--workspace W] | list | passwd NAME | disable NAME | enable NAME
                                                manage the users who sign in to the web app (the password
                                                is asked for, or read from standard input; never logged)
  draftd workspaces add NAME | list             manage workspaces: organisations that share this server and
                                                never see each other's documents, drafts, users or keys
  draftd collections list | share NAME | unshare NAME [--workspace W]
                                                make a workspace's collection readable by every workspace
  draftd migrate                                apply database migrations
  draftd reindex [--index-only]                 re-embed every passage with the configured embedder; with
                                                --index-only, only rebuild the vector index (PostgreSQL's
                                                HNSW graph) with today's settings, searches going on
  draftd version                                print the version

Every command reads its configuration from the environment (DRAFTD_DATABASE_URL,
DRAFTD_DATA_DIR, DRAFTD_ADDR, DRAFTD_EMBEDDER, OPENAI_BASE_URL, OPENAI_API_KEY,
DRAFTD_EMBED_MODEL, DRAFTD_EMBED_DIM, DRAFTD_CHAT_MODEL, DRAFTD_RATE_PER_MIN,
DRAFTD_RATE_BURST, DRAFTD_TOKEN_BUDGET, DRAFTD_CORS_ORIGINS, DRAFTD_SECTION_CONCURRENCY,
DRAFTD_WORKERS, DRAFTD_JOB_TIMEOUT_S, DRAFTD_JOB_RESCUE_S, DRAFTD_JOB_ATTEMPTS,
DRAFTD_EVENTS_KEEP_DAYS, DRAFTD_JOBS_KEEP_DAYS,
DRAFTD_MAX_UPLOAD_MB, DRAFTD_MAX_SECTIONS, DRAFTD_MAX_FIGURES, DRAFTD_DEMO, DRAFTD_CHAT_TIMEOUT_S,
DRAFTD_CHAT_IDLE_TIMEOUT_S,
DRAFTD_CHAT_MAX_TOKENS, DRAFTD_CLAIM_CHECK, and for OpenID Connect sign-in DRAFTD_OIDC_ISSUER,
DRAFTD_OIDC_CLIENT_ID, DRAFTD_OIDC_CLIENT_SECRET, DRAFTD_OIDC_REDIRECT_URL, DRAFTD_OIDC_ROLE_CLAIM,
DRAFTD_OIDC_DEFAULT_ROLE, DRAFTD_OIDC_WORKSPACE); flags override it. "draftd COMMAND -h" lists a
command's flags. --workspace defaults to "default", the workspace of single-user mode and of
everything stored before workspaces existed.
With no API keys and no users, serve answers only on a loopback address, to a single user.
`

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return m.serve(ctx, args)
	case "ingest":
		return m.ingest(ctx, args)
	case "search":
		return m.search(ctx, args)
	case "draft":
		return m.draft(ctx, args)
	case "template":
		return m.template(ctx, args)
	case "keys":
		return m.keys(ctx, args)
	case "users":
		return m.users(ctx, args)
	case "workspaces":
		return m.workspaces(ctx, args)
	case "collections":
		return m.collections(ctx, args)
	case "migrate":
		return m.migrate(ctx, args)
	case "reindex":
		return m.reindex(ctx, args)
	case "version":
		fmt.Fprintln(m.Stdout, "draftd", version())
		return nil
	default:
		return fmt.Errorf("unknown command %q; run draftd help", cmd)
	}
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// flags returns a flag set for cmd with the overrides every command shares.
func (m *Main) flags(cmd string, cfg *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("draftd "+cmd, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL (overrides DRAFTD_DATABASE_URL)")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "embedded store directory (overrides DRAFTD_DATA_DIR)")
	return fs
}

// config loads the configuration and parses cmd's flags over it; extra registers the command's own flags.
func (m *Main) config(cmd string, args []string, extra func(*flag.FlagSet)) (Config, *flag.FlagSet, error) {
	cfg, err := LoadConfig(m.Getenv)
	if err != nil {
		return cfg, nil, fmt.Errorf("configuration:\n%w", err)
	}
	fs := m.flags(cmd, &cfg)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, nil, errSilent
		}
		return cfg, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, nil, fmt.Errorf("configuration:\n%w", err)
	}
	return cfg, fs, nil
}

// embedder is the configured embedder's spec and function.
type embedder struct {
	spec  retrieval.EmbedderSpec
	embed retrieval.Embedder
}

func newEmbedder(cfg Config) embedder {
	if cfg.Embedder == "openai" {
		e := openai.New(openai.Config{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIAPIKey, Model: cfg.EmbedModel, Dim: cfg.EmbedDim, Timeout: cfg.EmbedTimeout})
		return embedder{e.Spec(), e.Embed}
	}
	e := retrieval.NewLocalEmbedder(cfg.EmbedDim)
	return embedder{e.Spec(), e.Embed}
}

// Store is everything draftd keeps, which both stores keep: the corpus, workspaces and shared
// collections, drafts, API keys, users, sessions and idempotency records.
type Store interface {
	retrieval.Store
	retrieval.WorkspaceStore
	draft.Store
	auth.Store
	auth.IdempotencyStore
	queue.EventLog
	web.SharedLimits // rate buckets and token budgets, shared by replicas
	// NewQueue returns the drafting queue on the store's database.
	NewQueue(ctx context.Context, cfg queue.Config) (queue.Queue, error)
	// RebuildIndex builds the vector index again with today's graph settings, from the stored
	// vectors, and says what it did (draftd reindex --index-only).
	RebuildIndex(ctx context.Context, progress func(done, total int)) (string, error)
}

// openStore opens the configured store; it applies pending migrations.
func openStore(ctx context.Context, cfg Config) (Store, error) {
	if cfg.DatabaseURL != "" {
		s, err := pgvector.Open(ctx, cfg.DatabaseURL, pgvector.Options{})
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL at %s: %w", redactURL(cfg.DatabaseURL), err)
		}
		return s, nil
	}
	s, err := embedded.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open embedded store in %s: %w", cfg.DataDir, err)
	}
	return s, nil
}

// openChecked opens the store and refuses an embedder other than the one it was built with.
func openChecked(ctx context.Context, cfg Config) (Store, embedder, error) {
	emb := newEmbedder(cfg)
	s, err := openStore(ctx, cfg)
	if err != nil {
		return nil, emb, err
	}
	if err := s.CheckEmbedder(ctx, emb.spec); err != nil {
		s.Close()
		return nil, emb, err
	}
	return s, emb, nil
}

// newBar returns a progress bar of total steps on w when w is a terminal, and nil otherwise:
// callers print plain lines instead.
func newBar(w io.Writer, total int, desc string) *progressbar.ProgressBar {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
}

func (m *Main) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
