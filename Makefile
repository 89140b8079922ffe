# Convenience targets; the README's two commands need only Go.
.PHONY: test demo lint bench pg crash load

test:
	go test -count=1 ./...

demo:
	go run ./cmd/nrm demo

lint:
	bash .ci/lint

# Door vs raw-driver baselines on both engines (start PostgreSQL with `make pg` first).
# NRM_BENCH_RECORDS=1000000 gives the 1M-record figures (slow to build once).
bench:
	NRM_TEST_PG_URL=$${NRM_TEST_PG_URL:-$$(bash .ci/pg-setup.sh)} go test ./door/ -run '^$$' -bench . -benchtime 2s -timeout 0

pg:
	@bash .ci/pg-setup.sh

# The crash loop on both engines: the real binary, concurrent API writers, kill -9 at
# random points, restart, every acknowledged write read back, the audit trail verified.
# NRM_CRASH_CYCLES cycles per engine (default 1000; `go test ./...` runs 3).
crash:
	NRM_CRASH_CYCLES=$${NRM_CRASH_CYCLES:-1000} NRM_TEST_PG_URL=$${NRM_TEST_PG_URL:-$$(bash .ci/pg-setup.sh)} go test ./internal/crashtest/ -run TestCrashLoop -count=1 -v -timeout 0

# The load harness on both engines: NRM_LOAD_PERSONS persons (default 10000) seeded
# through the door, the real binary serving on a free localhost port, a closed-loop
# load at 1, 10 and 50 clients (NRM_LOAD_CLIENTS) for NRM_LOAD_SECONDS (default 10)
# per endpoint; prints throughput, p50/p95/p99, max, errors and the server's peak RSS.
# `go test ./...` runs a short version (200 persons, 1 and 10 clients, 2 s a cell).
load:
	NRM_LOAD=1 NRM_TEST_PG_URL=$${NRM_TEST_PG_URL:-$$(bash .ci/pg-setup.sh)} go test ./internal/loadtest/ -run TestLoad -count=1 -v -timeout 0
