package store_test

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// Every text and byte column of the schema, on both engines, is one of:
//
//   - encrypted: a vault envelope sealed with a data key (the person's, or a
//     "sys:" key for text that belongs to no one person), bound to its
//     table, column and row; a byte column;
//   - code: an identifier, a date, a number written as text, a value from
//     a closed list, a hash or a keyed index: nothing a person typed;
//   - plain: text a person typed or a system wrote that says nothing about
//     a referred person, with the reason why it may stay readable;
//   - legacy: plaintext a migration moved aside for the door to seal when it
//     opens (door/freetext.go), empty after that.
//
// TestEveryTextColumnIsClassified fails on a column not listed here, so a
// new column of free text cannot arrive unencrypted without someone saying
// why. Identifiers ("id", "*_id") and dates ("*_on") are codes by name.

type class int

const (
	encrypted class = iota + 1
	code
	plain
	legacy
)

var classNames = map[class]string{encrypted: "encrypted", code: "code", plain: "plain", legacy: "legacy"}

type column struct {
	class class
	why   string
}

func enc(why string) column  { return column{encrypted, why} }
func cd(why string) column   { return column{code, why} }
func pl(why string) column   { return column{plain, why} }
func lgcy(why string) column { return column{legacy, why} }

// Reasons used more than once.
const (
	userID     = "a user id"
	orgID      = "an organisation id"
	personKey  = "under the person's data key"
	staffOnly  = "about a professional at work, not about a referred person"
	closedList = "a value from a closed list"
	legacyText = "plaintext written before migration 0012; door.sealLegacy seals it into the column beside and empties this one when the door opens"
)

var columns = map[string]column{
	"advisory_history.status":  cd(closedList),
	"advisory_history.note":    pl("a keeper's note on a status change of a Board recommendation: how the mechanism answered, not a person's story (the recommendation itself is sealed)"),
	"advisory_history.by_user": cd(userID),

	"advisory_recs.theme":        cd(closedList),
	"advisory_recs.body":         enc("a recommendation of the Advisory Board, whose members may tell their own story in it; under the system key sys:advisory_recs"),
	"advisory_recs.body_plain":   lgcy(legacyText),
	"advisory_recs.presented_by": pl("the body or office that presented a recommendation to the NRM members"),
	"advisory_recs.response":     pl("the NRM members' answer to a recommendation: about the mechanism's policy"),
	"advisory_recs.status":       cd(closedList),
	"advisory_recs.created_by":   cd(userID),

	"advocates.role":         pl("the advocate's role (\"independent advocate\"): " + staffOnly),
	"advocates.name":         enc(personKey),
	"advocates.contact":      enc(personKey),
	"advocates.recorded_by":  cd(userID),
	"advocates.recorded_org": cd(orgID),

	"api_tokens.hash":   cd("SHA-256 of a token"),
	"api_tokens.scopes": cd(closedList),

	"audit_checkpoints.root": cd("a Merkle tree root"),
	"audit_checkpoints.sig":  cd("an Ed25519 signature"),
	"audit_head.hash":        cd("a SHA-256 chain hash"),
	"audit_log.actor_user":   cd(userID),
	"audit_log.actor_org":    cd(orgID),
	"audit_log.actor_role":   cd(closedList),
	"audit_log.action":       cd(closedList),
	"audit_log.subject":      cd("a record id"),
	"audit_log.fields":       cd("names of the fields touched and codes, never their values"),
	"audit_log.outcome":      cd(closedList),
	"audit_log.reason":       enc("under the system key sys:audit"),
	"audit_log.remote":       pl("the network address a professional's request came from, kept for the audit; " + staffOnly),
	"audit_log.prev_hash":    cd("a SHA-256 chain hash"),
	"audit_log.hash":         cd("a SHA-256 chain hash"),
	"audit_tree.frontier":    cd("the Merkle tree's compact range: SHA-256 node hashes of the audit log"),
	"audit_tree.last_hash":   cd("a SHA-256 chain hash"),
	"audit_nodes.hash":       cd("a SHA-256 Merkle node hash of the audit log"),
	"key_ids.kind":           cd(closedList),
	"key_ids.key_id":         cd("the numeric id of a key the database was written under, never key material"),
	"mail_outbox.channel":    cd(closedList),
	"mail_outbox.kind":       cd(closedList),
	"mail_outbox.state":      cd(closedList),
	"mail_outbox.last_error": cd("a class of failure (smtp 451, dial, tls), never the server's text"),
	"mail_items.channel":     cd(closedList),
	"mail_items.item":        cd("a queue name and a row id"),

	"login_throttle.throttle_key": cd("a SHA-256 of the typed username, or the client's address (/64 for IPv6) kept for the throttle's window; " + staffOnly),
	"stat_import_lease.holder":    cd("a random id marking which import holds the lease"),

	"breakglass.reason":         enc("under the system key sys:breakglass"),
	"breakglass.reviewed_by":    cd(userID),
	"breakglass.review_outcome": cd(closedList),
	"breakglass.review_note":    enc("the DPO's review note, under the system key sys:breakglass"),

	"child_return_assessments.kind":        cd(closedList),
	"child_return_assessments.decision":    cd(closedList),
	"child_return_assessments.child_views": enc(personKey),
	"child_return_assessments.note":        enc(personKey),

	"attachments.kind":         cd(closedList),
	"attachments.content_type": cd("the type the content was checked to be (PDF, JPEG, PNG): " + closedList),
	"attachments.name":         enc("the file's name as chosen by the person who added it; " + personKey),
	"attachments.state":        cd(closedList),
	"attachments.added_by":     cd(userID),
	"attachments.added_org":    cd(orgID),
	"attachment_chunks.data":   enc("a chunk of an attached file; " + personKey + ", bound to the attachment, its position and whether it is the last"),

	"closures.reason":        cd(closedList),
	"closures.note":          enc(personKey),
	"closures.closed_by":     cd(userID),
	"closures.closed_org":    cd(orgID),
	"closures.reopen_reason": cd(closedList),
	"closures.reopen_note":   enc(personKey),
	"closures.reopened_by":   cd(userID),
	"closures.reopened_org":  cd(orgID),

	"compensation_claims.route":    cd(closedList),
	"compensation_claims.currency": cd("an ISO 4217 code"),
	"compensation_claims.outcome":  cd(closedList),

	"consent_recipients.org_type": cd(closedList),
	"consents.chain":              cd("a consent id"),
	"consents.purpose":            cd(closedList),
	"consents.scope":              cd(closedList),
	"consents.given_by":           cd(closedList),
	"consents.guardian_name":      enc(personKey),
	"consents.child_assent":       cd(closedList),
	"consents.how":                cd(closedList),
	"consents.language":           cd("a language code"),
	"consents.text_version":       cd("the version of an explanation text"),
	"consents.explained":          cd(closedList),
	"consents.recorded_by":        cd(userID),
	"consents.recorded_org":       cd(orgID),
	"consents.withdrawn_by":       cd(userID),
	"consents.withdrawn_how":      cd(closedList),
	"consents.superseded_by":      cd("a consent id"),

	"deadlines.rule":      cd("a rule name of the profile"),
	"deadlines.ref":       cd("the id of what started the clock"),
	"deadlines.legal_ref": pl("the legal reference of a rule, copied from the jurisdiction profile"),
	"deadlines.spec":      cd("the rule's value and unit"),

	"decision_signatures.org_type": cd(closedList),
	"decisions.outcome":            cd(closedList),
	"decisions.reasons":            enc(personKey),
	"decisions.interviewer_gender": cd(closedList),
	"decisions.gender_reason":      enc(personKey),
	"decisions.interpreter_lang":   cd("a language code"),
	"decisions.child_views":        enc(personKey),
	"decisions.handover":           enc(personKey),
	"decisions.told_how":           cd(closedList),
	"decisions.told_lang":          cd("a language code"),
	"decisions.state":              cd(closedList),
	"decisions.created_by":         cd(userID),

	"drafts.kind": cd(closedList),
	"drafts.step": cd("a form step name"),
	"drafts.data": enc("under the system key sys:drafts, bound to the draft and its author"),

	"duplicate_links.a":          cd("a person id"),
	"duplicate_links.b":          cd("a person id"),
	"duplicate_links.state":      cd(closedList),
	"duplicate_links.decided_by": cd(userID),

	"emergencies.started_by":  cd(userID),
	"emergencies.started_org": cd(orgID),
	"emergencies.reason":      pl("why crisis mode was switched on (a flood, an epidemic): about the country, not a person"),
	"emergencies.ended_by":    cd(userID),
	"emergencies.end_note":    pl("why crisis mode ended: about the country, not a person"),

	"feedback_answers.lang":    cd("a language code"),
	"feedback_answers.comment": enc("under the system key sys:feedback; the answer is anonymous"),

	"feedback_campaigns.code":        cd("a random short code"),
	"feedback_campaigns.title":       enc("an organisation may name a link after a place or a group; under the system key sys:feedback_campaigns"),
	"feedback_campaigns.title_plain": lgcy(legacyText),
	"feedback_campaigns.created_by":  cd(userID),

	"follow_ups.how":  cd(closedList),
	"follow_ups.note": enc(personKey),

	"grants.parts":      cd(closedList),
	"grants.basis":      cd(closedList),
	"grants.reason":     pl("the legal basis a disclosure rests on (a law, an order) or the system's own reason (\"child protection\"): why an organisation may read, not what it reads"),
	"grants.granted_by": cd(userID),

	"guardians.kind":        cd(closedList),
	"guardians.name":        enc(personKey),
	"guardians.contact":     enc(personKey),
	"guardians.recorded_by": cd(userID),

	"identification_requests.requested_by":       cd(closedList),
	"identification_requests.explanation":        enc(personKey),
	"identification_requests.language":           cd("a language code"),
	"identification_requests.panel_orgs":         cd("organisation ids"),
	"identification_requests.reconsideration_of": cd("a decision id"),
	"identification_requests.state":              cd(closedList),
	"identification_requests.created_by":         cd(userID),

	"interviews.purpose":            cd(closedList),
	"interviews.interviewer_gender": cd(closedList),
	"interviews.preferred_gender":   cd(closedList),
	"interviews.gender_reason":      enc(personKey),
	"interviews.interpreter_lang":   cd("a language code"),
	"interviews.statement":          enc(personKey),
	"interviews.shareable_with":     cd("organisation ids"),

	"justice_proceedings.police_ref":   enc(personKey),
	"justice_proceedings.witness_note": enc(personKey),
	"justice_proceedings.lawyer_org":   pl("the name of the law firm or legal clinic that represents the person: an organisation, not the person's own details"),
	"justice_stages.stage":             cd(closedList),
	"justice_stages.reference":         enc(personKey),

	"measures.kind":            cd(closedList),
	"measures.consent_by":      cd(closedList),
	"measures.consent":         cd(closedList),
	"measures.child_views":     enc(personKey),
	"measures.decided_by_role": pl("the title of the office that took an interim decision (\"head of the structure\"): " + staffOnly),
	"measures.decided_org":     cd(orgID),
	"measures.recorded_by":     cd(userID),
	"measures.court_outcome":   cd(closedList),

	"needs.area":  cd(closedList),
	"needs.level": cd(closedList),
	"needs.note":  enc(personKey),

	"notifications.kind":    cd(closedList),
	"notifications.ref":     cd("the id of what the notice is about"),
	"notifications.read_by": cd(userID),

	"orgs.name":    pl("an organisation's name"),
	"orgs.type":    cd(closedList),
	"orgs.regions": cd("region codes"),

	"person_links.relationship": cd(closedList),
	"person_links.name":         enc(personKey),
	"person_links.note":         enc(personKey),

	"persons.code":              cd("the pseudonymous code"),
	"persons.owner_org":         cd(orgID),
	"persons.region":            cd("a region code"),
	"persons.status":            cd(closedList),
	"persons.age_group":         cd(closedList),
	"persons.sex":               cd(closedList),
	"persons.nationality":       cd("an ISO 3166 code"),
	"persons.given_name":        enc(personKey),
	"persons.family_name":       enc(personKey),
	"persons.aliases":           enc(personKey),
	"persons.birth_date":        enc(personKey),
	"persons.doc_number":        enc(personKey),
	"persons.phone":             enc(personKey),
	"persons.address":           enc(personKey),
	"persons.narrative":         enc(personKey),
	"persons.name_bidx":         cd("a truncated keyed HMAC (blind index); the index key is outside the database"),
	"persons.dup_bidx":          cd("a truncated keyed HMAC (blind index); the index key is outside the database"),
	"persons.dup_tag":           cd("a keyed HMAC of the duplicate key (vault.BlindTag); the index key is outside the database"),
	"persons.created_by":        cd(userID),
	"persons.age_basis":         cd(closedList),
	"persons.age_method":        cd(closedList),
	"persons.gender":            cd(closedList),
	"persons.nationalities":     cd("ISO 3166 codes"),
	"persons.languages":         cd("language codes"),
	"persons.preferred_gender":  cd(closedList),
	"persons.forms":             cd("codes of forms of exploitation"),
	"persons.justice_note":      enc(personKey),
	"persons.merged_into":       cd("a person id"),
	"persons.legal_hold_reason": enc(personKey),

	"plan_goals.area":            cd(closedList),
	"plan_goals.text":            enc(personKey),
	"plan_goals.action":          enc(personKey),
	"plan_goals.responsible_org": cd(orgID),

	"protective_measures.measure": cd(closedList),
	"protective_measures.state":   cd(closedList),

	"questionnaire_answers.org_type":     cd(closedList),
	"questionnaire_answers.answers":      cd("ratings by question key, as JSON"),
	"questionnaire_campaigns.title":      pl("the title of a survey of professionals"),
	"questionnaire_campaigns.created_by": cd(userID),
	"questionnaire_versions.body":        pl("the questions of the professionals' questionnaire, as JSON"),
	"questionnaire_versions.note":        pl("a keeper's note on a questionnaire version"),
	"questionnaire_versions.created_by":  cd(userID),

	"receiving_contacts.organisation":       enc(personKey + ": where the person is received reveals where they went"),
	"receiving_contacts.organisation_plain": lgcy(legacyText),
	"receiving_contacts.country":            cd("an ISO 3166 code"),
	"receiving_contacts.contact":            enc(personKey),

	"referrals.referrer_type":    cd(closedList),
	"referrals.referrer_outside": enc(personKey),
	"referrals.met_region":       cd("a region code"),
	"referrals.met_place":        enc(personKey),
	"referrals.met_how":          cd(closedList),
	"referrals.consent":          cd(closedList),
	"referrals.safety":           cd(closedList),
	"referrals.safety_note":      enc(personKey),
	"referrals.indicators":       cd("indicator codes of the catalogue"),
	"referrals.catalogue":        cd("a catalogue version"),
	"referrals.profile":          cd("a profile code and version"),
	"referrals.judged_reason":    enc(personKey),
	"referrals.account":          enc(personKey),
	"referrals.channel":          cd(closedList),
	"referrals.scope":            cd(closedList),
	"referrals.online_platform":  cd(closedList),
	"referrals.recruit_country":  cd("an ISO 3166 code"),
	"referrals.recruit_region":   cd("a region code"),
	"referrals.exploit_country":  cd("an ISO 3166 code"),
	"referrals.exploit_region":   cd("a region code"),
	"referrals.suspected_forms":  cd("exploitation form codes of a closed list"),

	"residence_permits.kind":       cd(closedList),
	"residence_permits.valid_from": cd("a date"),
	"residence_permits.valid_to":   cd("a date"),
	"residence_permits.status":     cd(closedList),

	"return_risk_assessments.outcome": cd(closedList),
	"return_risk_assessments.note":    enc(personKey),
	"return_steps.kind":               cd(closedList),
	"return_steps.note":               enc(personKey),
	"return_steps.by_user":            cd(userID),

	"safety_plans.risk_level": cd(closedList),
	"safety_plans.risks":      cd(closedList),
	"safety_plans.measures":   enc(personKey),

	"schema_migrations.name": cd("a migration file name"),

	"service_referral_steps.state":    cd(closedList),
	"service_referral_steps.reason":   enc(personKey),
	"service_referral_steps.mode":     cd(closedList),
	"service_referrals.from_org":      cd(orgID),
	"service_referrals.to_org":        cd(orgID),
	"service_referrals.state":         cd(closedList),
	"service_referrals.note":          enc(personKey),
	"service_referrals.replaces":      cd("a service referral id"),
	"service_referrals.replaced_by":   cd("a service referral id"),
	"service_referrals.delivery_mode": cd(closedList),
	"service_referrals.sent_by":       cd(userID),

	"services.kind":             cd(closedList),
	"services.name":             pl("the name of an organisation's service (a shelter, a clinic)"),
	"services.regions":          cd("region codes"),
	"services.languages":        cd("language codes"),
	"services.for_whom":         cd(closedList),
	"services.accreditation":    pl("who accredited a service, and the reference"),
	"services.accredited_until": cd("a date"),

	"sessions.id_hash": cd("SHA-256 of a session token"),
	"sessions.stage":   cd(closedList),
	"sessions.csrf":    cd("a random token"),
	"sessions.lang":    cd("a language code"),
	"sessions.pending": enc("under the system key sys:users, bound to the session"),

	"settings.key":   cd("a setting's name"),
	"settings.value": cd("a setting's value"),

	"stat_counts.dataset":       cd("a dataset id"),
	"stat_counts.region":        cd("a region code"),
	"stat_counts.dim":           cd(closedList),
	"stat_counts.val":           cd("a code of the dimension"),
	"stat_datasets.name":        pl("the name an officer gives an imported statistics dataset (\"CTDC 2024\")"),
	"stat_datasets.source":      cd(closedList),
	"stat_datasets.imported_by": cd(userID),
	"stat_facts.dataset":        cd("a dataset id"),
	"stat_facts.fact_key":       cd("a person id or an imported row number"),
	"stat_facts.region":         cd("a region code"),
	"stat_facts.items":          cd("dimension codes and durations"),

	"status_changes.from_status": cd(closedList),
	"status_changes.to_status":   cd(closedList),
	"status_changes.reason":      enc(personKey),
	"status_changes.ref":         cd("the id of what caused the change"),

	"subject_keys.wrapped": cd("a data key wrapped by the key-encryption key outside the database"),

	"support_plans.support_level": cd(closedList),
	"support_plans.agreed_how":    cd(closedList),
	"support_plans.agreed_lang":   cd("a language code"),

	"tasks.kind":         cd(closedList),
	"tasks.state":        cd(closedList),
	"tasks.created_by":   cd(userID),
	"tasks.done_by":      cd(userID),
	"tasks.note":         enc(personKey),
	"tasks.ended_why":    cd(closedList),
	"tasks.fulfilled_by": cd("a service referral id"),

	"timeline.kind": cd(closedList),
	"timeline.part": cd(closedList),
	"timeline.args": pl("codes and organisation names of a timeline entry, as JSON; never free text of the record"),

	"users.username":        pl("a professional's sign-in name, needed in clear to sign in; " + staffOnly),
	"users.display_name":    pl("a professional's name as shown to colleagues; " + staffOnly),
	"users.roles":           cd(closedList),
	"users.lang":            cd("a language code"),
	"users.password_hash":   cd("an argon2id hash"),
	"users.totp_secret":     enc("under the system key sys:users"),
	"users.recovery_hashes": cd("hashes of recovery codes"),
	"users.email":           enc("a professional's work e-mail for the waiting-work mail, under the system key sys:users; " + staffOnly),
	"users.notify_mode":     cd(closedList),

	"webauthn_credentials.credential": pl("a professional's passkey: public key, flags and sign counter, nothing secret; " + staffOnly),
}

// byName classifies identifiers and dates by their name.
var byName = regexp.MustCompile(`^(id|[a-z_]+_id|[a-z_]+_on)$`)

// classify returns what a column is; ok is false for an unclassified one.
func classify(table, col string) (column, bool) {
	if c, ok := columns[table+"."+col]; ok {
		return c, true
	}
	if byName.MatchString(col) {
		return cd("an identifier or a date, by its name"), true
	}
	return column{}, false
}

// textColumns lists the text and byte columns of the migrated schema as
// "table.column" → declared type, lower case.
func textColumns(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	q := `SELECT m.name, p.name, lower(p.type) FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	if db.Engine == store.Postgres {
		q = `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`
	}
	rows, err := db.R.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var table, col, typ string
		if err := rows.Scan(&table, &col, &typ); err != nil {
			t.Fatal(err)
		}
		switch {
		case typ == "text" || typ == "blob" || typ == "bytea" || strings.Contains(typ, "char"):
			out[table+"."+col] = typ
		case typ == "integer" || typ == "bigint":
		default:
			t.Errorf("%s.%s has type %q, which this test does not know", table, col, typ)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("only %d text columns: the query found no schema", len(out))
	}
	return out
}

func TestEveryTextColumnIsClassified(t *testing.T) {
	seen := map[string]bool{}
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			cols := textColumns(t, testenv.DB(t, engine))
			for _, name := range slices.Sorted(maps.Keys(cols)) {
				seen[name] = true
				table, col, _ := strings.Cut(name, ".")
				c, ok := classify(table, col)
				if !ok {
					t.Errorf("%s (%s) is not classified: add it to columns in store/schema_test.go as encrypted, code or plain with a reason", name, cols[name])
					continue
				}
				bytesCol := cols[name] == "blob" || cols[name] == "bytea"
				switch {
				case c.class == encrypted && !bytesCol:
					t.Errorf("%s is classified encrypted but is %s: an envelope is bytes", name, cols[name])
				case c.class == legacy && bytesCol:
					t.Errorf("%s is %s but classified %s", name, cols[name], classNames[c.class])
				case c.class == plain || c.class == legacy:
					if len(c.why) < 20 {
						t.Errorf("%s is %s without a reason", name, classNames[c.class])
					}
				}
			}
		})
	}
	for name := range columns {
		if !seen[name] {
			t.Errorf("%s is classified but no engine has it: remove it", name)
		}
	}
}
