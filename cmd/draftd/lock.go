package main

import (
	"context"

	"github.com/draftd/draftd/retrieval/embedded"
)

// lockDataDir takes the embedded store's process lock for a command that acts for the whole data
// directory (serve, ingest, reindex): a second such process on the same directory is refused with
// a message naming the first. PostgreSQL needs no lock — its replicas coordinate in the database.
func lockDataDir(cfg Config) (func(), error) {
	if cfg.DatabaseURL != "" {
		return func() {}, nil
	}
	return embedded.Lock(cfg.DataDir)
}

// openExclusive takes the data directory's lock (see lockDataDir), then opens the store as
// openChecked does. The returned function closes the store and releases the lock.
func openExclusive(ctx context.Context, cfg Config) (Store, embedder, func(), error) {
	unlock, err := lockDataDir(cfg)
	if err != nil {
		return nil, embedder{}, nil, err
	}
	store, emb, err := openChecked(ctx, cfg)
	if err != nil {
		unlock()
		return nil, emb, nil, err
	}
	return store, emb, func() { store.Close(); unlock() }, nil
}
