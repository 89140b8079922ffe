package rules

// OrgTypes exposes the organisation types to the external tests.
var OrgTypes = orgTypes
