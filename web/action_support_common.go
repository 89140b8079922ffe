package web

import (
	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// The record-page actions of individual support and closure share who may
// take them and when they are worth offering: the door decides again.

// supportOpen: the record takes support writes now (it is not closed).
func supportOpen(cf *door.CaseFile) bool { return cf.Support == nil || !cf.Support.Closed }

// supportClosed: the record is closed (follow-up and reopening remain).
func supportClosed(cf *door.CaseFile) bool { return cf.Support != nil && cf.Support.Closed }

// closes: those who work the record, and the Responsible Authority, close
// and reopen it (nrm.CanCloseRecord).
func closes(cf *door.CaseFile, a *nrm.Actor) bool {
	return works(cf, a) || (cf.CanWrite && a.Has(nrm.RoleRAOfficer))
}
