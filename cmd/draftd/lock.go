package main

import "github.com/draftd/draftd/retrieval/embedded"

// lockDataDir takes the embedded store's process lock for a command that acts for the whole data
// directory (serve, ingest, reindex): a second such process on the same directory is refused with
// a message naming the first. PostgreSQL needs no lock — its replicas coordinate in the database.
func lockDataDir(cfg Config) (func(), error) {
	if cfg.DatabaseURL != "" {
		return func() {}, nil
	}
	return embedded.Lock(cfg.DataDir)
}
