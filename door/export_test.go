package door

import "github.com/nrm-org/nrm/store"

// SetAuditHook lets tests make the audit append fail.
func SetAuditHook(s *Service, f func(*store.Tx) error) { s.auditHook = f }

// ActiveConsentSQL is the consent condition, for the test that keeps its
// purposes in step with nrm.DisclosingPurposes.
const ActiveConsentSQL = activeConsent

// DecodeStatItems reads a stored statistics fact's items.
var DecodeStatItems = decodeItems
