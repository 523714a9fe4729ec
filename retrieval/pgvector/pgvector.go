// Package pgvector is the PostgreSQL store: documents and passages in plain
// tables, vector search with pgvector's HNSW index, keyword search with a GIN
// index over tsvectors built from retrieval.Tokenize's tokens.
package pgvector

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/draftd/draftd/retrieval"
)

// Options tunes a Store; zero values pick defaults.
type Options struct {
	// MaxConns caps the pool's connections (pgxpool's default when 0; at least 2).
	MaxConns int32
	// Schema, when set, is created if missing and searched before public; tests use it for isolation.
	Schema string
	// EfSearch overrides hnsw.ef_search for vector searches (default 1000, the most pgvector allows; for fusion candidates max(4k, 200)).
	EfSearch int
}

// Store is a retrieval.Store on PostgreSQL with the vector extension.
type Store struct {
	pool      *pgxpool.Pool
	opts      Options
	iterative bool // pgvector ≥ 0.8: hnsw.iterative_scan keeps filtered searches from coming back short

	mu   sync.Mutex
	spec *retrieval.EmbedderSpec // recorded embedder, nil until CheckEmbedder or Reindex records one

	statsMu sync.Mutex
	stats   *tokenStats // for SearchKeyword, reloaded after statsTTL

	bulkMu sync.Mutex
	bulk   *pgxpool.Conn // holds lockBulk from SuspendIndexes to RestoreIndexes

	queues queueSet // drafting queues started on this store, stopped by Close (jobs.go)
}

var _ retrieval.Store = (*Store)(nil)

//go:embed migrations/*.sql
var migrationFS embed.FS

const selectExtVersion = `SELECT extversion FROM pg_extension WHERE extname = 'vector'`

// createExtension holds an advisory lock because concurrent CREATE EXTENSION IF NOT EXISTS races.
const createExtension = `SELECT pg_advisory_xact_lock(hashtext('draftd.create_extension'));
CREATE EXTENSION IF NOT EXISTS vector`

// Open connects to the database at url, creates the vector extension if it
// is missing, applies pending migrations, loads the recorded embedder and
// rebuilds the search indexes if a bulk load left them suspended.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, retrieval.Errorf(retrieval.EINVALID, "pgvector: open: invalid database url: %v", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	// A bulk load holds one connection for its lock while Put uses another.
	cfg.MaxConns = max(cfg.MaxConns, 2)
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize() + ", public"
	}
	// Search filters are written as "($3 = '' OR collection = $3)"; only a custom
	// plan folds the unused half away, so never let the server switch to a generic one.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"

	// The pool registers the vector type on every connection, so the extension
	// must exist before the pool dials.
	iterative, err := prepare(ctx, cfg.ConnConfig.Copy(), opts.Schema)
	if err != nil {
		return nil, err
	}
	cfg.AfterConnect = pgxvec.RegisterTypes
	cfg.ConnConfig.Tracer = queryTracer{} // spans only inside a traced request or job (trace.go)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgvector: open: %w", mapErr(err))
	}
	s := &Store{pool: pool, opts: opts, iterative: iterative}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.loadSpec(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.repairIndexes(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	s.warnOldGraph(ctx)
	return s, nil
}

// prepare creates the schema and the vector extension when missing and
// reports whether the extension supports iterative index scans (≥ 0.8).
func prepare(ctx context.Context, cfg *pgx.ConnConfig, schema string) (bool, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("pgvector: open: %w", mapErr(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if schema != "" {
		if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return false, fmt.Errorf("pgvector: open: create schema: %w", mapErr(err))
		}
	}
	var version string
	err = conn.QueryRow(ctx, selectExtVersion).Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := conn.Exec(ctx, createExtension); err != nil {
			return false, &retrieval.Error{
				Code: retrieval.EMISSINGDEPENDENCY,
				Message: "数据库中没有安装 PostgreSQL 扩展 \"vector\"（pgvector），draftd 也无法创建它（" +
					err.Error() + "）。请安装 pgvector，并以超级用户执行 CREATE EXTENSION vector。",
			}
		}
		err = conn.QueryRow(ctx, selectExtVersion).Scan(&version)
	}
	if err != nil {
		return false, fmt.Errorf("pgvector: open: extension version: %w", mapErr(err))
	}
	return versionAtLeast(version, 0, 8), nil
}

// versionAtLeast reports whether a dotted version such as "0.8.0" is at least major.minor.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// migration is one numbered SQL file.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number, as in 0002_add_x.sql", base)
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	// Numbers may leave gaps (work done in parallel takes numbers ahead), never repeat one.
	for i, m := range ms {
		if m.version < 1 || i > 0 && m.version == ms[i-1].version {
			return nil, fmt.Errorf("migration %s: version %d is taken or invalid", m.name, m.version)
		}
	}
	return ms, nil
}

// The lock is per schema so that isolated test schemas migrate in parallel.
const (
	lockMigrations         = `SELECT pg_advisory_xact_lock(hashtext('draftd.migrate.' || current_schema()))`
	createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    int PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)`
	selectMigrationApplied = `SELECT EXISTS (SELECT FROM schema_migrations WHERE version = $1)`
	insertMigration        = `INSERT INTO schema_migrations (version) VALUES ($1)`
)

// Migrate applies the embedded migrations not yet recorded in schema_migrations,
// each in its own transaction, serialised with other processes by an advisory lock.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("pgvector: migrate: %w", err)
	}
	for _, m := range ms {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, lockMigrations); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, createSchemaMigrations); err != nil {
				return err
			}
			var applied bool
			if err := tx.QueryRow(ctx, selectMigrationApplied, m.version).Scan(&applied); err != nil || applied {
				return err
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, insertMigration, m.version)
			return err
		})
		if err != nil {
			return fmt.Errorf("pgvector: migrate %s: %w", m.name, mapErr(err))
		}
	}
	return nil
}

// Ping reports whether the database answers, and returns an
// EEMBEDDERMISMATCH error once another process has reindexed it with another embedder.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pgvector: ping: %w", mapErr(err))
	}
	if err := s.changedElsewhere(ctx); err != nil {
		return fmt.Errorf("pgvector: ping: %w", err)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be released; a
// bulk load not restored ends here, and the next Open rebuilds its indexes.
func (s *Store) Close() error {
	s.queues.stop() // jobs.go: drafting queues on this pool
	s.endBulk(context.Background())
	s.pool.Close()
	return nil
}

// unavailableMessage is what a client is told when the database cannot be reached. The driver's
// own text names the server's host and port, so it never goes into the message: it stays in the
// error's chain (Error()), for the log.
const unavailableMessage = "数据库暂时不可用，请稍后重试"

// mapErr turns driver errors into retrieval's coded errors at the boundary;
// errors it does not recognise pass through unchanged. A database that cannot be reached (refused
// or dropped connections, a server shutting down or out of connections) is EUNAVAILABLE with
// unavailableMessage, whose Error() keeps the cause.
func mapErr(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pgErr):
		switch {
		case pgErr.Code == "23505": // unique_violation
			return &retrieval.Error{Code: retrieval.ECONFLICT, Message: "数据已存在：" + pgErr.Detail, Detail: pgErr.ConstraintName}
		case strings.HasPrefix(pgErr.Code, "22"), pgErr.Code == "54000": // data exceptions, program limits (tsvector too long)
			return retrieval.Errorf(retrieval.EINVALID, "数据无效：%s", pgErr.Message)
		case strings.HasPrefix(pgErr.Code, "08"), strings.HasPrefix(pgErr.Code, "57P"), pgErr.Code == "53300": // connection failures, shutdown, too many connections
			return unavailable(err)
		}
	case isConnectionLost(err):
		return unavailable(err)
	}
	return err
}

// unavailable is the EUNAVAILABLE error of cause, which its message does not repeat.
func unavailable(cause error) error {
	return fmt.Errorf("%w (%v)", retrieval.Errorf(retrieval.EUNAVAILABLE, unavailableMessage), cause)
}

// isConnectionLost reports whether err says the database could not be reached or the connection
// broke: a failed dial, a network error, or a connection closed under a query. A context the
// caller cancelled is not.
func isConnectionLost(err error) bool {
	var connErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &connErr):
		return false
	case errors.As(err, &connErr), errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return true
	}
	return pgconn.SafeToRetry(err) && strings.Contains(err.Error(), "conn closed")
}
