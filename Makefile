# draftd developer and CI entry points.
#
#   make test   vet + full test suite against a PostgreSQL 17 + pgvector server
#   make bench  benchmarks (one iteration each) against the same server
#   make run    the service with its embedded store and demo corpus
#   make pg     just provision/start the test database and print its URL
#
# Tests use $DRAFTD_TEST_DATABASE_URL when it is set; otherwise .ci/pgvector.sh
# provisions a local server on 127.0.0.1:5433 (needs root the first time).

SHELL := /bin/bash
GO ?= go
export PATH := /usr/local/go/bin:$(PATH)

# Shell prologue for recipes that need the test database.
WITH_DB = set -euo pipefail; \
	DRAFTD_TEST_DATABASE_URL="$${DRAFTD_TEST_DATABASE_URL:-$$(.ci/pgvector.sh)}"; \
	export DRAFTD_TEST_DATABASE_URL; \
	if [ -n "$${CI:-}" ]; then export DRAFTD_REQUIRE_PG=1 DRAFTD_REQUIRE_BROWSER=1 DRAFTD_REQUIRE_OFFICE=1; fi;

.PHONY: test bench run pg

# -p 1: packages one at a time; on 2 cores Chromium, LibreOffice and PostgreSQL tests running at
# once starve each other's browser waits.
test:
	@.ci/deps.sh
	@$(WITH_DB) \
	$(GO) vet ./...; \
	$(GO) test -count=1 -p 1 -timeout 25m ./...

bench:
	@$(WITH_DB) \
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

run:
	$(GO) run ./cmd/draftd serve

pg:
	@.ci/pgvector.sh
