package ownfile

// The catalogue keys of the domain values, written out in full so that the
// catalogue test finds every key in use. The words are the person's own:
// plain, addressed to them, never "victim" or "case".

// actionKeys gives a plain sentence for each audit action that concerns a
// person (door/audit.go); other actions fall back to ownfile.action.other.
var actionKeys = map[string]string{
	"person.create":          "ownfile.action.person.create",
	"person.read":            "ownfile.action.person.read",
	"person.update":          "ownfile.action.person.update",
	"grant.create":           "ownfile.action.grant.create",
	"grant.revoke":           "ownfile.action.grant.revoke",
	"breakglass.open":        "ownfile.action.breakglass.open",
	"export":                 "ownfile.action.export",
	"assignment.reassign":    "ownfile.action.assignment.reassign",
	"referral.create":        "ownfile.action.referral.create",
	"guardian.record":        "ownfile.action.guardian.record",
	"age.assess":             "ownfile.action.age.assess",
	"status.change":          "ownfile.action.status.change",
	"identification.request": "ownfile.action.identification.request",
	"decision.create":        "ownfile.action.decision.create",
	"decision.sign":          "ownfile.action.decision.sign",
	"return.record":          "ownfile.action.return.record",
	"nonpunishment.flag":     "ownfile.action.nonpunishment.flag",
	"register.confirm":       "ownfile.action.register.confirm",
	"register.read":          "ownfile.action.register.read",
	"duplicate.resolve":      "ownfile.action.duplicate.resolve",
	"task.done":              "ownfile.action.task.done",
	"deadline.escalate":      "ownfile.action.deadline.escalate",
	"case.read":              "ownfile.action.file.read",
	"consent.record":         "ownfile.action.consent.record",
	"consent.withdraw":       "ownfile.action.consent.withdraw",
	"consent.read":           "ownfile.action.consent.read",
	"measure.record":         "ownfile.action.measure.record",
	"measure.court_ruling":   "ownfile.action.measure.court_ruling",
	"disclosure.read":        "ownfile.action.disclosure.read",
	"person.own_file":        "ownfile.action.person.own_file",
	"retention.hold":         "ownfile.action.retention.hold",
	"retention.erase":        "ownfile.action.retention.erase",
	"interview.record":       "ownfile.action.interview.record",
	"interview.plan":         "ownfile.action.interview.plan",
	// Evidence on screen (issue 14).
	"duplicate.compare": "ownfile.action.duplicate.compare",
	"breakglass.review": "ownfile.action.breakglass.review",
	"work.ended":        "ownfile.action.work.ended",

	// Attachments (issue 15).
	"attachment.add":      "ownfile.action.attachment.add",
	"attachment.list":     "ownfile.action.attachment.list",
	"attachment.download": "ownfile.action.attachment.download",
	// Support, services, return and justice (issue #5).
	"service_referral.send":   "ownfile.action.service_referral.send",
	"service_referral.step":   "ownfile.action.service_referral.step",
	"service_referral.read":   "ownfile.action.service_referral.read",
	"service_referral.inbox":  "ownfile.action.service_referral.inbox",
	"support.advocate":        "ownfile.action.support.advocate",
	"support.needs":           "ownfile.action.support.needs",
	"support.plan":            "ownfile.action.support.plan",
	"support.safety_plan":     "ownfile.action.support.safety_plan",
	"support.read":            "ownfile.action.support.read",
	"record.close":            "ownfile.action.record.close",
	"record.reopen":           "ownfile.action.record.reopen",
	"record.follow_up":        "ownfile.action.record.follow_up",
	"return.risk":             "ownfile.action.return.risk",
	"return.child_assessment": "ownfile.action.return.child_assessment",
	"return.contact":          "ownfile.action.return.contact",
	"return.read":             "ownfile.action.return.read",
	"link.record":             "ownfile.action.link.record",
	"link.refer":              "ownfile.action.link.refer",
	"justice.report":          "ownfile.action.justice.report",
	"justice.stage":           "ownfile.action.justice.stage",
	"justice.protective":      "ownfile.action.justice.protective",
	"justice.compensation":    "ownfile.action.justice.compensation",
	"justice.permit":          "ownfile.action.justice.permit",
	"justice.read":            "ownfile.action.justice.read",
}

var statusKeys = map[string]string{
	"referred":          "ownfile.status.referred",
	"at_risk":           "ownfile.status.at_risk",
	"potential_victim":  "ownfile.status.potential",
	"identified_victim": "ownfile.status.identified",
	"not_identified":    "ownfile.status.not_identified",
}

var ageGroupKeys = map[string]string{
	"adult":   "ownfile.age_group.adult",
	"child":   "ownfile.age_group.child",
	"unknown": "ownfile.age_group.unknown",
}

var sexKeys = map[string]string{
	"female":  "ownfile.sex.female",
	"male":    "ownfile.sex.male",
	"other":   "ownfile.sex.other",
	"unknown": "ownfile.sex.unknown",
}

var purposeKeys = map[string]string{
	"services":       "ownfile.purpose.services",
	"share":          "ownfile.purpose.share",
	"police":         "ownfile.purpose.police",
	"identification": "ownfile.purpose.identification",
	"statistics":     "ownfile.purpose.statistics",
	"contact":        "ownfile.purpose.contact",
}

var scopeKeys = map[string]string{
	"full":     "ownfile.scope.full",
	"identity": "ownfile.scope.identity",
	"account":  "ownfile.scope.account",
	"summary":  "ownfile.scope.summary",
}

var givenByKeys = map[string]string{
	"person":   "ownfile.given_by.person",
	"guardian": "ownfile.given_by.guardian",
	"child":    "ownfile.given_by.child",
	"referral": "ownfile.given_by.referral",
}

var assentKeys = map[string]string{
	"agrees":    "ownfile.assent.agrees",
	"disagrees": "ownfile.assent.disagrees",
	"not_able":  "ownfile.assent.not_able",
}

var howKeys = map[string]string{
	"written": "ownfile.how.written",
	"oral":    "ownfile.how.oral",
}

var explainedKeys = map[string]string{
	"why":         "ownfile.explained.why",
	"storage":     "ownfile.explained.storage",
	"own_file":    "ownfile.explained.own_file",
	"recipients":  "ownfile.explained.recipients",
	"how_shared":  "ownfile.explained.how_shared",
	"what_shared": "ownfile.explained.what_shared",
}

var orgTypeKeys = map[string]string{ // #nosec G101 -- catalogue keys for organisation types ("authority"), not credentials
	"police":                "ownfile.org_type.police",
	"border_police":         "ownfile.org_type.border_police",
	"social_service":        "ownfile.org_type.social_service",
	"child_protection":      "ownfile.org_type.child_protection",
	"labour_inspectorate":   "ownfile.org_type.labour_inspectorate",
	"prosecution":           "ownfile.org_type.prosecution",
	"court":                 "ownfile.org_type.court",
	"health":                "ownfile.org_type.health",
	"legal_aid":             "ownfile.org_type.legal_aid",
	"ngo_shelter":           "ownfile.org_type.ngo_shelter",
	"responsible_authority": "ownfile.org_type.responsible_authority",
	"secretariat":           "ownfile.org_type.secretariat",
	"ministry":              "ownfile.org_type.ministry",
	"international":         "ownfile.org_type.international",
	"consular":              "ownfile.org_type.consular",
	"customs":               "ownfile.org_type.customs",
	"port_authority":        "ownfile.org_type.port_authority",
	"detention":             "ownfile.org_type.detention",
	"education":             "ownfile.org_type.education",
}

var outcomeKeys = map[string]string{
	"identified":     "ownfile.outcome.identified",
	"not_identified": "ownfile.outcome.not_identified",
}

var serviceKeys = map[string]string{
	"shelter":     "ownfile.service.shelter",
	"medical":     "ownfile.service.medical",
	"interpreter": "ownfile.service.interpreter",
	"safety":      "ownfile.service.safety",
}

var serviceStateKeys = map[string]string{
	"open": "ownfile.service_state.open",
	"done": "ownfile.service_state.done",
}

// roleKeys are the person's words for the staff roles: "case manager" is
// not a word the person should read about themselves.
var roleKeys = map[string]string{
	"first_responder":  "ownfile.role.first_responder",
	"case_manager":     "ownfile.role.coordinator",
	"ra_officer":       "ownfile.role.ra_officer",
	"panel_member":     "ownfile.role.panel_member",
	"service_provider": "ownfile.role.service_provider",
	"justice_officer":  "ownfile.role.justice_officer",
	"nrm_coordinator":  "ownfile.role.nrm_coordinator",
	"monitor":          "ownfile.role.monitor",
	"dpo":              "ownfile.role.dpo",
	"sysadmin":         "ownfile.role.sysadmin",
}

var partKeys = map[string]string{
	"summary":   "ownfile.part.summary",
	"identity":  "ownfile.part.identity",
	"narrative": "ownfile.part.narrative",
}
