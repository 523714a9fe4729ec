package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/draftd/draftd/cmd/draftd/demo"
	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/draft/metrics"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/web"
)

// demoCollection holds the demo corpus.
const demoCollection = "demo"

func (m *Main) serve(ctx context.Context, args []string) error {
	workers := -1
	cfg, _, err := m.config("serve", args, func(fs *flag.FlagSet) {
		fs.StringVar(&m.addr, "addr", "", "listen address (overrides DRAFTD_ADDR)")
		fs.IntVar(&workers, "workers", -1, "sections this process drafts at once; 0 serves the API only (overrides DRAFTD_WORKERS)")
	})
	if err != nil {
		return err
	}
	if m.addr != "" {
		cfg.Addr = m.addr
	}
	if workers >= 0 {
		cfg.Workers = workers
	}
	if cfg.Workers == 0 && cfg.DatabaseURL == "" {
		return fmt.Errorf("--workers 0 (API only) needs PostgreSQL (DRAFTD_DATABASE_URL): the embedded store has one process, which must draft too")
	}
	log := m.logger()
	store, emb, closeStore, err := openExclusive(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	var oidcSignIn *web.OIDC
	if cfg.OIDCIssuer != "" {
		oidcSignIn = &web.OIDC{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
			RedirectURL: cfg.OIDCRedirectURL, RoleClaim: cfg.OIDCRoleClaim, DefaultRole: auth.Role(cfg.OIDCDefaultRole),
			Workspace: cfg.OIDCWorkspace}
		log.Info("OpenID Connect sign-in", "issuer", cfg.OIDCIssuer, "client_id", cfg.OIDCClientID, "role_claim", cfg.OIDCRoleClaim, "default_role", cfg.OIDCDefaultRole)
	} else if err := checkSingleUser(ctx, log, store, cfg.Addr); err != nil {
		return err
	}
	in := &retrieval.Ingester{Store: store, Embed: emb.embed}
	if cfg.DatabaseURL == "" && cfg.Demo {
		if n, err := loadDemo(ctx, store, in); err != nil {
			return fmt.Errorf("load demo corpus: %w", err)
		} else if n > 0 {
			log.Info("loaded the demo corpus", "documents", n, "collection", demoCollection)
		}
	}
	wiring, err := newDrafting(cfg, store, emb)
	if err != nil {
		return err
	}
	tel, err := m.startTelemetry(ctx, log, wiring.writers) // telemetry.go: metrics and traces
	if err != nil {
		return err
	}
	defer tel.stop()
	// A section job outlives its section's timeout by a margin, so that a section that times out is
	// still recorded failed (on the last attempt) before the queue gives up on the job.
	wiring.drafter.SectionTimeout = cfg.JobTimeout * 5 / 6
	srv := &web.Server{
		Store:          store,
		Searcher:       &retrieval.Searcher{Store: store, Embed: emb.embed},
		Ingester:       in,
		Logger:         log,
		MaxUploadBytes: cfg.MaxUploadBytes,
		DraftStore:     store,
		Drafter:        wiring.drafter,
		Writers:        wiring.writers,
		DefaultModel:   wiring.defaultModel,
		Reviewer:       &draft.Reviewer{Store: wiring.drafter.Store, Log: log},
		Workspaces:     store,
		Keys:           store,
		Idempotency:    store,
		// Buckets and the day's spending live in the store, so that they hold across replicas and
		// restarts; each model call holds its max_tokens and a margin for the prompt before it runs,
		// and gives back what it did not use.
		Limits: web.Limits{RatePerMin: cfg.RatePerMin, Burst: cfg.RateBurst, TokenBudget: cfg.TokenBudget,
			HoldPerCall: cfg.ChatMaxTokens + 500, Shared: store},
		CORSOrigins: cfg.CORSOrigins,
		OIDC:        oidcSignIn,
	}
	// Drafting runs as jobs in the store's database (draft/queue): this process drafts up to
	// cfg.Workers sections at once, of any draft, and any replica's workers take over the jobs of
	// one that died. Events go to the database, so any replica streams any draft.
	jobs, err := store.NewQueue(ctx, queue.Config{Worker: srv.Runner(store), Workers: cfg.Workers,
		MaxAttempts: cfg.JobAttempts, JobTimeout: cfg.JobTimeout, RescueAfter: cfg.JobRescue,
		Retention: queue.Retention{Events: cfg.EventsKeep, Jobs: cfg.JobsKeep}})
	if err != nil {
		return err
	}
	srv.Queue, srv.Events = jobs, store
	srv.Ready = append(srv.Ready, web.ReadyCheck{Name: "queue", Message: "起草任务队列没有响应",
		Check: jobs.Ping})
	go watchQueue(ctx, jobs, log)
	handler := srv.Handler() // before the workers start: jobs draft through it (Server.Runner)
	defer srv.Close()        // its event listener, before the store closes
	if err := jobs.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := jobs.Stop(sctx); err != nil {
			log.Warn("stopping the drafting workers", "err", err)
		}
	}()
	// A draft left pending or generating with no job to finish it was drafted in-process by a
	// draftd draft that stopped, or before drafting became jobs, or its last job could not save
	// its section (the database was down): its unfinished sections are marked failed, so that
	// writers can regenerate them. The embedded store has one process, so all of them at once; a
	// shared PostgreSQL only those no live process can still be writing. Then, on either store,
	// again every minute.
	recovery := *wiring.drafter
	recovery.Store = jobless{Store: wiring.drafter.Store, q: jobs}
	recoverDrafts := func(cutoff time.Time) {
		if n, err := recovery.RecoverInterrupted(ctx, cutoff); err != nil {
			log.Warn("recovering interrupted drafts", "err", err)
		} else if n > 0 {
			log.Info("marked the unfinished sections of interrupted drafts failed", "drafts", n)
		}
	}
	if cfg.DatabaseURL == "" {
		recoverDrafts(time.Now())
	} else {
		recoverDrafts(recovery.StaleBefore(time.Now()))
	}
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				recoverDrafts(recovery.StaleBefore(time.Now()))
			}
		}
	}()
	log.Info("drafting workers", "workers", cfg.Workers, "job_timeout", cfg.JobTimeout, "rescue_after", cfg.JobRescue, "attempts", cfg.JobAttempts)
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // uploads of large files
		WriteTimeout:      5 * time.Minute, // the event streams and ?wait=true extend their own (web/lifetime.go)
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	store_ := "embedded store in " + cfg.DataDir
	if cfg.DatabaseURL != "" {
		store_ = "PostgreSQL at " + redactURL(cfg.DatabaseURL)
	}
	log.Info("draftd listening", "addr", "http://"+ln.Addr().String(), "store", store_, "embedder", emb.spec.Name, "dim", emb.spec.Dim, "model", wiring.defaultModel, "version", version())
	if m.Ready != nil {
		m.Ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// Shutdown cancels no request: the event streams and the requests waiting for a draft end
	// first (they would hold it for the whole grace period), then the rest are given it. What is
	// still open after it is closed: a stop is never a failure.
	if err := srv.Close(); err != nil {
		log.Warn("stopping the server's drafting", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); errors.Is(err, context.DeadlineExceeded) {
		log.Warn("requests still open after the shutdown grace period were cut off", "grace", shutdownGrace)
		hs.Close()
	} else if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// shutdownGrace is how long serve's requests in flight are given to finish when it stops.
const shutdownGrace = 10 * time.Second

// checkSingleUser decides how serve authenticates: with API keys and users' sign-ins when the
// store has any, else as a single user, which is allowed only on a loopback address.
func checkSingleUser(ctx context.Context, log *slog.Logger, keys auth.Store, addr string) error {
	ks, err := keys.Keys(ctx, retrieval.AllWorkspaces())
	if err != nil {
		return err
	}
	us, err := keys.Users(ctx, retrieval.AllWorkspaces())
	if err != nil {
		return err
	}
	if len(ks)+len(us) > 0 {
		log.Info("API keys required, or a user's sign-in", "keys", len(ks), "users", len(us))
		return nil
	}
	if !auth.Loopback(addr) {
		return fmt.Errorf("there are no API keys or users, so draftd would serve anyone who reaches %s: create one with "+
			"draftd users add NAME --role admin or draftd keys create --name NAME --role admin, or listen on 127.0.0.1 (DRAFTD_ADDR) for single-user mode", addr)
	}
	log.Info("no API keys: single-user mode on loopback", "users", 0, "addr", addr)
	return nil
}

// loadDemo ingests the embedded demo corpus into an empty store and returns how many documents it stored.
func loadDemo(ctx context.Context, store retrieval.Store, in *retrieval.Ingester) (int, error) {
	docs, err := store.Documents(ctx, retrieval.AllWorkspaces(), "")
	if err != nil || len(docs) > 0 {
		return 0, err
	}
	names, err := fs.Glob(demo.Files, "*.txt")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		data, err := demo.Files.ReadFile(name)
		if err != nil {
			return n, err
		}
		res, _, err := in.Ingest(ctx, retrieval.InWorkspace(retrieval.DefaultWorkspace), name, string(data), demoCollection)
		if err != nil {
			return n, fmt.Errorf("%s: %w", name, err)
		}
		n += len(res)
	}
	return n, nil
}

// jobless lists only the drafts no drafting job will finish, so that RecoverInterrupted leaves
// the others to their jobs.
type jobless struct {
	draft.Store
	q queue.Queue
}

// Drafts lists sc's drafts that are finished or have no live job.
func (s jobless) Drafts(ctx context.Context, sc retrieval.Scope) ([]draft.DraftInfo, error) {
	infos, err := s.Store.Drafts(ctx, sc)
	if err != nil {
		return nil, err
	}
	out := infos[:0]
	for _, info := range infos {
		if info.Status == draft.StatusPending || info.Status == draft.StatusGenerating {
			live, err := s.q.Live(ctx, info.ID)
			if err != nil {
				return nil, err
			}
			if live {
				continue
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// watchQueue reports the queue's depth (jobs waiting and running, on every replica) to the
// metrics every 15 seconds until ctx ends.
func watchQueue(ctx context.Context, q queue.Queue, log *slog.Logger) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		d, err := q.Depth(qctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("counting the drafting jobs", "err", err)
		} else {
			metrics.SetQueueJobs("waiting", d.Waiting)
			metrics.SetQueueJobs("running", d.Running)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
