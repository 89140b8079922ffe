# Convenience targets; the README's two commands need only Go.
.PHONY: test demo lint bench pg crash

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
