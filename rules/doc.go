// Package rules holds the jurisdiction rules of the NRM as data, not code:
// time limits, working days and holidays, the screening threshold, who must
// sign an identification decision, and the catalogue of trafficking
// indicators. Albania's standard operating procedures are being rewritten
// (public consultation of 2025), so none of this is hard-coded.
//
// # Profiles
//
// A profile is a JSON file: profiles/al.json (Albania) and profiles/coe.json
// (the Council of Europe Convention, CETS 197, as a minimum baseline) are
// embedded and returned by Load. Each deadline has a value, a unit (hours,
// calendar_days or working_days), a legal reference, the date from which it
// applies and a verified flag. When a law changes a value, add a second
// entry with a later effective_from; cases keep the entry that was in force
// when they started.
//
// Most Albanian time limits are NOT verified: the primary texts (DCM
// 499/2018, the 2023 NRM Agreement, Law 79/2021, DCM 858/2021, Law 18/2017)
// were not available in full. Only the Responsible Authority's quarterly
// report (2005 Agreement) is marked verified in the AL profile, and only the
// 30-day reflection period (art. 13) in the CoE profile. The 90-day Albanian
// reflection period, the 24-hour child-protection notification and
// immediate-needs response, the 3 working days for registration, the 3 days
// for a guardian, the 30 days for identification and for a court ruling, the
// 15 working days for reconsideration, the 2 working days for acknowledging a
// referral, and the child consent age of 14 are placeholders: each entry's
// note says why. The AL holiday list covers 2025 to 2027 and must be
// maintained every year; the 2027 Eid dates are calculated, not announced.
//
// # Supplying a profile
//
// An operator can give the system their own profile file: copy an embedded
// one, change it and load it with Parse, which rejects unknown fields and
// returns every problem as a *FieldError naming the field (for example
// "deadlines[3].unit"). Indicator catalogues work the same way through
// ParseCatalogue.
//
// # Indicators and recommendations
//
// Indicators returns the embedded, versioned catalogue (indicators.json).
// Profile.Recommend applies the profile's threshold to the answered
// indicators. The result is a recommendation only: indicators start an
// assessment, they do not prove anything, and the human decision stays
// authoritative.
package rules
