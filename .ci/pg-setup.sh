#!/usr/bin/env bash
# Starts the Debian PostgreSQL cluster and makes the test role and database.
# Prints the URL the tests use (NRM_TEST_PG_URL).
set -euo pipefail
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >/dev/null
fi
pg_ctlcluster "$ver" main start >/dev/null 2>&1 || true
for i in $(seq 1 30); do
  su postgres -c "pg_isready -q" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='nrm'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE nrm LOGIN CREATEDB PASSWORD 'nrm-test-only'\""
# The retention test checkpoints and reads the table files to prove erased
# bytes are gone from disk: it needs these two predefined roles (PG 15+).
su postgres -c "psql -qc 'SET client_min_messages = warning; GRANT pg_read_all_settings, pg_checkpoint TO nrm'" >/dev/null
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='nrm_test'\"" | grep -q 1 ||
  su postgres -c "createdb -O nrm nrm_test"
echo "postgres://nrm:nrm-test-only@127.0.0.1:5432/nrm_test?sslmode=disable"
