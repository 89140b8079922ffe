package door

import "github.com/nrm-org/nrm/store"

// SetAuditHook lets tests make the audit append fail.
func SetAuditHook(s *Service, f func(*store.Tx) error) { s.auditHook = f }

// SetHashHook lets tests count the password checks that reach argon2id.
func SetHashHook(s *Service, f func()) { s.hashHook = f }

// ActiveConsentSQL is the consent condition, for the test that keeps its
// purposes in step with nrm.DisclosingPurposes.
const ActiveConsentSQL = activeConsent
