package door

import "github.com/nrm-org/nrm/store"

// SetAuditHook lets tests make the audit append fail.
func SetAuditHook(s *Service, f func(*store.Tx) error) { s.auditHook = f }

// SetHashHook lets tests count the password checks that reach argon2id.
func SetHashHook(s *Service, f func()) { s.hashHook = f }

// ActiveConsentSQL is the consent condition, for the test that keeps its
// purposes in step with nrm.DisclosingPurposes.
const ActiveConsentSQL = activeConsent

// DecodeStatItems reads a stored statistics fact's items.
var DecodeStatItems = decodeItems

// SetCheckpointHook lets tests pause a checkpoint after it read the log and
// before it writes.
func SetCheckpointHook(s *Service, f func()) { s.checkpointHook = f }

// SetRefreshPerWrite sets how many persons one statistics refresh write
// recomputes (0: the default), for the benchmark that compares.
func SetRefreshPerWrite(s *Service, n int) { s.refreshPer = n }
