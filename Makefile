# Convenience targets; the README's two commands need only Go.
.PHONY: test demo lint bench pg

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
