package web

import (
	"net/http"
	"net/url"
	"strings"
)

// Success messages after an action (GOV.UK notification banner): a page
// that did something redirects with ?done=<code>, and the page it lands on
// shows the sentence for that code in a success banner. Only the codes
// below are shown; anything else in the parameter is ignored, so the
// banner never echoes what a link carried.
var doneKeys = map[string]string{ // #nosec G101 -- catalogue keys of success sentences ("passkey-removed"), no credentials
	// The record's action pages (actions.go), by action name.
	"guardian": "done.guardian", "age": "done.age", "status": "done.status", "identification": "done.identification",
	"return": "done.return", "non-punishment": "done.non_punishment", "register": "done.register", "duplicate": "done.duplicate",
	"consent": "done.consent", "withdraw-consent": "done.withdraw_consent", "measure": "done.measure", "court-ruling": "done.court_ruling",
	"interview": "done.interview", "refer-service": "done.refer_service", "advocate": "done.advocate", "needs": "done.needs",
	"plan": "done.plan", "safety": "done.safety", "close": "done.close", "reopen": "done.reopen", "follow-up": "done.follow_up",
	"return-risk": "done.return_risk", "link": "done.link", "justice": "done.justice", "protective": "done.protective",
	// The panel, the worklist, the record and the DPO.
	"decided": "done.decided", "signed": "done.signed", "task": "done.task", "notification": "done.notification",
	"breakglass": "done.breakglass", "saved": "done.saved", "created": "done.created", "glass-review": "done.glass_review",
	"service-step": "done.service_step",
	// The other forms that had no word of success.
	"passkey-removed": "done.passkey_removed", "stepped-up": "done.stepped_up", "service-saved": "done.service_saved",
	"emergency": "done.emergency", "dataset-removed": "done.dataset_removed", "advisory": "done.advisory",
	"draft-deleted": "done.draft_deleted",
}

// doneKey is the catalogue key of the success banner the request asks for,
// or "".
func doneKey(r *http.Request) string {
	return doneKeys[r.URL.Query().Get("done")]
}

// withDone adds the success code to a redirect target.
func withDone(target, code string) string {
	if _, ok := doneKeys[code]; !ok {
		return target
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + url.Values{"done": {code}}.Encode()
}

// redirectDone answers an action that succeeded: 303 to target, with the
// success banner's code.
func redirectDone(w http.ResponseWriter, r *http.Request, target, code string) {
	http.Redirect(w, r, withDone(target, code), http.StatusSeeOther)
}
