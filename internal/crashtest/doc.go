// Package crashtest holds the crash-loop test of issue #13: the real nrm
// binary serving on a fresh database, concurrent writers through the API,
// kill -9 at random points, restart, every acknowledged write read back,
// the audit trail verified. `go test ./internal/crashtest` runs a few
// cycles per engine; `make crash` runs a thousand (NRM_CRASH_CYCLES).
package crashtest
