package ownfile

import (
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/i18n"
)

func (d *doc) about(f *nrm.OwnFile) {
	d.heading(d.t("ownfile.section.about"))
	by := f.ProducedBy
	if by == "" {
		by = d.t("ownfile.about.unknown_org")
	}
	d.Para(d.t("ownfile.about.produced", by, d.dateTime(f.ProducedAt)), false, sizeBody)
	zone := f.Zone
	if zone == "" {
		zone = d.loc.String()
	}
	d.Para(d.t("words.ownfile.zone", zone), false, sizeBody)
	d.Para(d.t("ownfile.about.what"), false, sizeBody)
	d.Para(d.t("ownfile.about.code", f.Code), false, sizeBody)
	d.Para(d.t("ownfile.about.others"), false, sizeBody)
	d.Para(d.t("ownfile.about.questions"), false, sizeBody)
}

func (d *doc) details(f *nrm.OwnFile) {
	d.heading(d.t("ownfile.section.details"))
	p := f.Person
	if p == nil {
		d.Para(d.t("ownfile.none"), false, sizeBody)
		return
	}
	d.field("ownfile.label.code", p.Code)
	d.field("ownfile.label.status", d.lookup(statusKeys, string(p.Status)))
	d.field("ownfile.label.age_group", d.lookup(ageGroupKeys, string(p.AgeGroup)))
	if p.AgeYears >= 0 && !p.AgeAssessedAt.IsZero() {
		d.field("ownfile.label.age", d.t("ownfile.age", p.AgeYears, d.date(p.AgeAssessedAt)))
	}
	d.field("ownfile.label.sex", d.lookup(sexKeys, p.Sex))
	nats := p.Nationalities
	if len(nats) == 0 && p.Nationality != "" {
		nats = []string{p.Nationality}
	}
	d.field("ownfile.label.nationality", d.countries(nats))
	d.field("ownfile.label.languages", d.languages(p.Languages))
	if p.Region != "" {
		d.field("ownfile.label.region", d.t("region."+p.Region))
	}
	d.field("ownfile.label.first_contact", d.date(p.FirstContactAt))
	if !p.ReflectionStart.IsZero() {
		d.field("ownfile.label.reflection", d.t("ownfile.period", d.date(p.ReflectionStart), d.date(p.ReflectionEnd)))
	}
	if p.NonPunishment {
		d.field("ownfile.label.non_punishment", d.t("ownfile.non_punishment"))
	}

	d.sub(d.t("ownfile.details.identity"))
	if id := p.Identity; id != nil {
		d.field("ownfile.label.given_name", id.GivenName)
		d.field("ownfile.label.family_name", id.FamilyName)
		d.field("ownfile.label.aliases", strings.Join(id.Aliases, ", "))
		d.field("ownfile.label.birth_date", d.partialDate(id.BirthDate))
		d.field("ownfile.label.doc_number", id.DocNumber)
		d.field("ownfile.label.phone", id.Phone)
		d.field("ownfile.label.address", id.Address)
	} else {
		d.Para(d.t("ownfile.details.identity_absent"), false, sizeBody)
	}

	d.sub(d.t("ownfile.details.account"))
	if p.Narrative != nil && strings.TrimSpace(*p.Narrative) != "" {
		d.Para(*p.Narrative, false, sizeBody)
	} else {
		d.Para(d.t("ownfile.details.account_absent"), false, sizeBody)
	}
}

func (d *doc) consents(f *nrm.OwnFile) {
	if !d.section("ownfile.section.consents", "ownfile.consents.intro", "ownfile.consents.none", len(f.Consents)) {
		return
	}
	for _, c := range f.Consents {
		d.sub(d.t("ownfile.consent.heading", d.lookup(purposeKeys, c.Purpose)))
		d.field("ownfile.label.state", d.consentState(&c, f.ProducedAt))
		d.field("ownfile.label.scope", d.lookup(scopeKeys, c.Scope))
		d.field("ownfile.label.recipients", d.recipients(&c))
		d.field("ownfile.label.given_by", d.lookup(givenByKeys, c.GivenBy))
		if c.GivenBy == nrm.GivenByGuardian && c.ChildAssent != "" {
			// The guardian's name is someone else's data: never printed.
			d.field("ownfile.label.assent", d.lookup(assentKeys, c.ChildAssent))
		}
		d.field("ownfile.label.given_on", d.date(c.GivenAt))
		d.field("ownfile.label.how", d.consentHow(&c))
		if len(c.Explained) > 0 {
			var told []string
			for _, p := range nrm.ExplainedPoints {
				if slices.Contains(c.Explained, p) {
					told = append(told, d.lookup(explainedKeys, p))
				}
			}
			d.field("ownfile.label.explained", "• "+strings.Join(told, "\n• "))
		}
		if !c.ExpiresAt.IsZero() {
			d.field("ownfile.label.expires", d.date(c.ExpiresAt))
		}
		d.field("ownfile.label.recorded_by", c.RecordedBy)
		if c.Version > 1 {
			d.field("ownfile.label.version", d.t("ownfile.consent.version", c.Version))
		}
	}
}

func (d *doc) consentState(c *nrm.Consent, at time.Time) string {
	switch c.State(at) {
	case "withdrawn":
		return d.t("ownfile.consent.withdrawn", d.date(c.WithdrawnAt))
	case "superseded":
		return d.t("ownfile.consent.superseded", d.date(c.SupersededAt))
	case "expired":
		return d.t("ownfile.consent.expired", d.date(c.ExpiresAt))
	}
	return d.t("ownfile.consent.active")
}

func (d *doc) consentHow(c *nrm.Consent) string {
	how := d.lookup(howKeys, c.How)
	if c.Language != "" {
		how += "\n" + d.t("ownfile.consent.language", d.languages([]string{c.Language}))
	}
	if c.Interpreter {
		how += "\n" + d.t("ownfile.consent.interpreter")
	}
	return how
}

// recipients names the organisations and the kinds of organisation a
// consent lets receive the information.
func (d *doc) recipients(c *nrm.Consent) string {
	var out []string
	for i, id := range c.RecipientOrgs {
		if i < len(c.RecipientNames) && c.RecipientNames[i] != "" {
			out = append(out, c.RecipientNames[i])
		} else {
			out = append(out, id)
		}
	}
	for _, t := range c.RecipientTypes {
		out = append(out, d.t("ownfile.consent.every", d.lookup(orgTypeKeys, string(t))))
	}
	return strings.Join(out, "\n")
}

func (d *doc) decisions(f *nrm.OwnFile) {
	if !d.section("ownfile.section.decisions", "", "ownfile.decisions.none", len(f.Decisions)) {
		return
	}
	for _, x := range f.Decisions {
		d.sub(d.lookup(outcomeKeys, x.Outcome))
		d.field("ownfile.label.decided_on", d.date(x.At))
		d.field("ownfile.label.reasons", x.Reasons)
		d.field("ownfile.label.told_on", d.partialDate(x.ToldOn))
		if x.Pending {
			d.field("ownfile.label.state", d.t("ownfile.decision.pending"))
		}
	}
}

func (d *doc) services(f *nrm.OwnFile) {
	if !d.section("ownfile.section.services", "", "ownfile.services.none", len(f.Services)) {
		return
	}
	for _, s := range f.Services {
		d.sub(d.lookup(serviceKeys, s.Kind))
		d.field("ownfile.label.organisation", s.OrgName)
		d.field("ownfile.label.state", d.lookup(serviceStateKeys, s.State))
		d.field("ownfile.label.opened", d.date(s.Opened))
		d.field("ownfile.label.done", d.date(s.Done))
	}
}

func (d *doc) disclosures(f *nrm.OwnFile) {
	if !d.section("ownfile.section.disclosures", "ownfile.disclosures.intro", "ownfile.disclosures.none", len(f.Disclosures)) {
		return
	}
	d.Y += 4
	for _, x := range f.Disclosures {
		who := x.OrgName
		if x.Role != "" {
			who = d.t("ownfile.log.org_role", x.OrgName, d.lookup(roleKeys, string(x.Role)))
		}
		what := d.t(actionKey(x.Action))
		if len(x.Parts) > 0 {
			var parts []string
			for _, p := range x.Parts {
				parts = append(parts, d.lookup(partKeys, string(p)))
			}
			what += " " + d.t("ownfile.log.parts", strings.Join(parts, ", "))
		}
		if x.Glass {
			what += " " + d.t("ownfile.log.emergency")
		}
		d.row([]string{d.dateTime(x.At), who + "\n" + what}, []float64{labelW, textW - labelW - gap}, true, sizeBody)
	}
}

// section starts a section of n items with its heading and, when given,
// its introduction; without items it says so and reports false.
func (d *doc) section(headingKey, introKey, noneKey string, n int) bool {
	d.heading(d.t(headingKey))
	if introKey != "" {
		d.Para(d.t(introKey), false, sizeBody)
	}
	if n == 0 {
		d.Para(d.t(noneKey), false, sizeBody)
	}
	return n > 0
}

// lookup translates a domain value through its table of keys; a value
// without a key is shown as it is.
func (d *doc) lookup(keys map[string]string, v string) string {
	if k, ok := keys[v]; ok {
		return d.t(k)
	}
	return v
}

// actionKey is the key of the plain sentence for an audit action.
func actionKey(action string) string {
	if k, ok := actionKeys[action]; ok {
		return k
	}
	return "ownfile.action.other"
}

var months = [12]string{
	"ownfile.month.jan", "ownfile.month.feb", "ownfile.month.mar", "ownfile.month.apr",
	"ownfile.month.may", "ownfile.month.jun", "ownfile.month.jul", "ownfile.month.aug",
	"ownfile.month.sep", "ownfile.month.oct", "ownfile.month.nov", "ownfile.month.dec",
}

// date writes a day in words ("5 March 2025"); the zero time is empty.
// Times are shown in the jurisdiction's zone.
func (d *doc) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(d.loc)
	return d.t("ownfile.format.date", t.Day(), d.t(months[t.Month()-1]), t.Year())
}

func (d *doc) dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return d.t("ownfile.format.datetime", d.date(t), t.In(d.loc).Format("15:04"))
}

// partialDate writes a YYYY, YYYY-MM or YYYY-MM-DD date in words.
func (d *doc) partialDate(s string) string {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return d.date(t)
	}
	if t, err := time.Parse("2006-01", s); err == nil {
		return d.t("ownfile.format.month", d.t(months[t.Month()-1]), t.Year())
	}
	return s
}

// countries names ISO 3166 codes (ALB) in the file's language.
func (d *doc) countries(codes []string) string {
	return nameAll(codes, func(c string) string { return i18n.CountryName(d.lang.String(), c) })
}

// languages names ISO 639 codes (sq, en) in the file's language.
func (d *doc) languages(codes []string) string {
	return nameAll(codes, func(c string) string { return i18n.LanguageName(d.lang.String(), c) })
}

// nameAll joins the names of codes, each code without a name shown as it is.
func nameAll(codes []string, name func(string) string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		if out[i] = name(c); out[i] == "" {
			out[i] = c
		}
	}
	return strings.Join(out, ", ")
}
