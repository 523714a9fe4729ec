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
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/web"
	"github.com/draftd/draftd/web/auth"
)

// demoCollection holds the demo corpus.
const demoCollection = "demo"

func (m *Main) serve(ctx context.Context, args []string) error {
	cfg, _, err := m.config("serve", args, func(fs *flag.FlagSet) {
		fs.StringVar(&m.addr, "addr", "", "listen address (overrides DRAFTD_ADDR)")
	})
	if err != nil {
		return err
	}
	if m.addr != "" {
		cfg.Addr = m.addr
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
	// Drafts a stopped process left half done get their unfinished sections marked failed, so that
	// writers can regenerate them. The embedded store has one process, so all of them at once; a
	// shared PostgreSQL only those no live process can still be writing, then again every minute.
	cutoff := wiring.drafter.StaleBefore(time.Now())
	if cfg.DatabaseURL == "" {
		cutoff = time.Now()
	}
	recoverDrafts := func(cutoff time.Time) {
		if n, err := wiring.drafter.RecoverInterrupted(ctx, cutoff); err != nil {
			log.Warn("recovering interrupted drafts", "err", err)
		} else if n > 0 {
			log.Info("marked the unfinished sections of interrupted drafts failed", "drafts", n)
		}
	}
	recoverDrafts(cutoff)
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				recoverDrafts(wiring.drafter.StaleBefore(time.Now()))
			}
		}
	}()
	srv := &web.Server{
		Store:          store,
		Searcher:       &retrieval.Searcher{Store: store, Embed: emb.embed},
		Ingester:       in,
		Logger:         log,
		MaxUploadBytes: cfg.MaxUploadBytes,
		DraftStore:     wiring.drafter.Store,
		Drafter:        wiring.drafter,
		Writers:        wiring.writers,
		DefaultModel:   wiring.defaultModel,
		Reviewer:       &draft.Reviewer{Store: wiring.drafter.Store},
		Workspaces:     store,
		Keys:           store,
		Idempotency:    store,
		Limits:         web.Limits{RatePerMin: cfg.RatePerMin, Burst: cfg.RateBurst, TokenBudget: cfg.TokenBudget},
		CORSOrigins:    cfg.CORSOrigins,
		OIDC:           oidcSignIn,
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // uploads of large files
		WriteTimeout:      5 * time.Minute, // drafts with ?wait=true
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
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

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
