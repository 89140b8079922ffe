package rules

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

var shippedKeys = []string{
	"court_ruling_request", "cpu_notification", "guardian_appointment",
	"identification_decision", "immediate_needs", "ra_registration", "ra_report",
	"reconsideration_decision", "referral_acknowledgement", "referral_acknowledgement_emergency", "reflection_period", "safety_plan_review",
}

func mustLoad(t testing.TB, code string) *Profile {
	t.Helper()
	p, err := Load(code)
	if err != nil {
		t.Fatalf("Load(%q): %v", code, err)
	}
	return p
}

func TestEmbeddedProfiles(t *testing.T) {
	if got, want := Codes(), []string{"AL", "COE"}; !slices.Equal(got, want) {
		t.Fatalf("Codes() = %v, want %v", got, want)
	}
	for _, code := range Codes() {
		t.Run(code, func(t *testing.T) {
			p := mustLoad(t, strings.ToLower(code)) // case-insensitive
			if p.Code != code {
				t.Errorf("file profiles/%s.json holds code %q", strings.ToLower(code), p.Code)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if got := p.DeadlineKeys(); !slices.Equal(got, shippedKeys) {
				t.Errorf("DeadlineKeys() = %v, want %v", got, shippedKeys)
			}
			for _, key := range p.DeadlineKeys() {
				for _, lang := range []string{"sq", "en"} {
					if strings.TrimSpace(p.DeadlineLabels[key][lang]) == "" {
						t.Errorf("deadline %s has no %s label", key, lang)
					}
				}
			}
			for _, d := range p.Deadlines {
				if !d.Verified && !strings.HasPrefix(d.Note, "unverified: ") {
					t.Errorf("deadline %s is unverified but its note does not say why: %q", d.Key, d.Note)
				}
				if strings.Contains(d.LegalRef, "art.") && !d.Verified && !strings.Contains(d.LegalRef, "not verified") &&
					!strings.Contains(d.LegalRef, "CETS 197") {
					t.Errorf("deadline %s cites an article without saying it is unverified: %q", d.Key, d.LegalRef)
				}
			}
			if p.ChildAge != 18 {
				t.Errorf("ChildAge = %d, want 18", p.ChildAge)
			}
		})
	}
}

func TestProfileValues(t *testing.T) {
	al := mustLoad(t, "AL")
	if al.TimeZone != "Europe/Tirane" || al.ChildConsentAge != 14 {
		t.Errorf("AL time zone %q, consent age %d", al.TimeZone, al.ChildConsentAge)
	}
	if !slices.Equal(al.Threshold.Adult, []string{"A", "B", "C"}) || !slices.Equal(al.Threshold.Child, []string{"A", "C"}) {
		t.Errorf("AL threshold = %+v", al.Threshold)
	}
	wantPanel := Panel{
		Required:      [][]string{{"police", "border_police"}, {"social_service"}},
		ChildRequired: [][]string{{"child_protection"}},
	}
	if !slices.EqualFunc(al.Panel.Required, wantPanel.Required, slices.Equal) ||
		!slices.EqualFunc(al.Panel.ChildRequired, wantPanel.ChildRequired, slices.Equal) {
		t.Errorf("AL panel = %+v", al.Panel)
	}
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		code, key string
		value     int
		unit      Unit
		verified  bool
	}{
		{"AL", "reflection_period", 90, CalendarDays, false},
		{"AL", "cpu_notification", 24, Hours, false},
		{"AL", "ra_registration", 3, WorkingDays, false},
		{"AL", "immediate_needs", 24, Hours, false},
		{"AL", "guardian_appointment", 3, CalendarDays, false},
		{"AL", "identification_decision", 30, CalendarDays, false},
		{"AL", "reconsideration_decision", 15, WorkingDays, false},
		{"AL", "referral_acknowledgement", 2, WorkingDays, false},
		{"AL", "court_ruling_request", 30, CalendarDays, false},
		{"AL", "ra_report", 90, CalendarDays, true},
		{"COE", "reflection_period", 30, CalendarDays, true},
		{"COE", "immediate_needs", 24, Hours, false},
	} {
		d, ok := mustLoad(t, tc.code).Deadline(tc.key, at)
		if !ok || d.Value != tc.value || d.Unit != tc.unit || d.Verified != tc.verified {
			t.Errorf("%s %s = %+v, %v; want %d %s verified=%v", tc.code, tc.key, d, ok, tc.value, tc.unit, tc.verified)
		}
	}
	if tz := mustLoad(t, "COE").TimeZone; tz != "UTC" {
		t.Errorf("COE time zone %q", tz)
	}
}

func TestLoadUnknown(t *testing.T) {
	for _, code := range []string{"", "XX", "../profiles/al", "al.json", "AL/"} {
		if p, err := Load(code); err == nil {
			t.Errorf("Load(%q) = %v, want an error", code, p.Code)
		}
	}
}

// tirane is the Albanian zone, loaded once for the calendar tests.
var tirane = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Tirane")
	if err != nil {
		panic(err)
	}
	return loc
}()

func endOfDayIn(loc *time.Location, y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 999_000_000, loc)
}

func TestAlbanianHolidays2026(t *testing.T) {
	al := mustLoad(t, "AL")
	// November 2026: Alphabet Day (Sun 22) is observed on Mon 23;
	// Independence (Sat 28) and Liberation (Sun 29) on Mon 30 and Tue 1 Dec;
	// Youth Day is Tue 8 Dec.
	nonWorking := []string{"2026-11-22", "2026-11-23", "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "2026-12-08", "2026-12-25"}
	working := []string{"2026-11-24", "2026-11-27", "2026-12-02", "2026-12-03", "2026-12-07", "2026-12-24"}
	for _, s := range nonWorking {
		day, _ := time.ParseInLocation(dateLayout, s, tirane)
		if al.IsWorkingDay(day.Add(12 * time.Hour)) {
			t.Errorf("%s should not be a working day in AL", s)
		}
	}
	for _, s := range working {
		day, _ := time.ParseInLocation(dateLayout, s, tirane)
		if !al.IsWorkingDay(day.Add(12 * time.Hour)) {
			t.Errorf("%s should be a working day in AL", s)
		}
	}
}

func TestEasterDates(t *testing.T) {
	al := mustLoad(t, "AL")
	for year := 2025; year <= 2027; year++ {
		for _, e := range []struct {
			name string
			date time.Time
		}{{"Catholic", westernEaster(year)}, {"Orthodox", orthodoxEaster(year)}} {
			s := e.date.Format(dateLayout)
			if !slices.Contains(al.Holidays, s) || !strings.Contains(al.HolidayNames[s], e.name+" Easter") &&
				!strings.Contains(al.HolidayNames[s], "Catholic and Orthodox Easter") {
				t.Errorf("%d %s Easter %s missing or misnamed: %q", year, e.name, s, al.HolidayNames[s])
			}
		}
	}
}

// westernEaster is the Gregorian Easter Sunday (anonymous Gregorian algorithm).
func westernEaster(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// orthodoxEaster is the Julian Easter (Meeus) moved to the Gregorian
// calendar (13 days, valid 1900-2099).
func orthodoxEaster(y int) time.Time {
	a, b, c := y%4, y%7, y%19
	d := (19*c + 15) % 30
	e := (2*a + 4*b - d + 34) % 7
	month := (d + e + 114) / 31
	day := (d+e+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 13)
}

func TestAddWorkingAcrossWeekendAndHolidays(t *testing.T) {
	al := mustLoad(t, "AL")
	friday := time.Date(2026, 11, 27, 16, 30, 0, 0, tirane)
	for _, tc := range []struct {
		days int
		want time.Time
	}{
		{0, endOfDayIn(tirane, 2026, 11, 27)},
		// Sat 28, Sun 29 weekend and holidays; Mon 30, Tue 1 observed holidays.
		{1, endOfDayIn(tirane, 2026, 12, 2)},
		{2, endOfDayIn(tirane, 2026, 12, 3)},
		{3, endOfDayIn(tirane, 2026, 12, 4)},
		// Sat 5, Sun 6 weekend; Mon 7 working; Tue 8 Youth Day.
		{4, endOfDayIn(tirane, 2026, 12, 7)},
		{5, endOfDayIn(tirane, 2026, 12, 9)},
	} {
		if got := al.AddWorking(friday, tc.days); !got.Equal(tc.want) || got.Location().String() != "Europe/Tirane" {
			t.Errorf("AddWorking(Fri 27 Nov 2026, %d) = %v, want %v", tc.days, got, tc.want)
		}
	}
	// The COE profile has no holidays: only the weekend is skipped.
	coe := mustLoad(t, "COE")
	if got, want := coe.AddWorking(friday, 2), endOfDayIn(time.UTC, 2026, 12, 1); !got.Equal(want) {
		t.Errorf("COE AddWorking = %v, want %v", got, want)
	}
}

func TestTimeZone(t *testing.T) {
	al := mustLoad(t, "AL")
	// 23:30 UTC on Tue 1 Dec 2026 is already Wed 2 Dec in Tirana (UTC+1):
	// one working day later is the end of Thu 3 Dec, Tirana time. Counting
	// from the UTC date (a holiday) would wrongly give Wed 2 Dec.
	start := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)
	if !al.IsWorkingDay(start) {
		t.Errorf("%v is Wednesday 2 December in Tirana, a working day", start)
	}
	if got, want := al.AddWorking(start, 1), endOfDayIn(tirane, 2026, 12, 3); !got.Equal(want) {
		t.Errorf("AddWorking = %v, want %v", got, want)
	}
	// Calendar days end at the end of the local day.
	due, d, ok := al.Due("guardian_appointment", start)
	if want := endOfDayIn(tirane, 2026, 12, 5); !ok || d.Value != 3 || !due.Equal(want) {
		t.Errorf("Due(guardian_appointment) = %v, %+v, %v; want %v", due, d, ok, want)
	}
	if got := due.Format(time.RFC3339Nano); got != "2026-12-05T23:59:59.999+01:00" {
		t.Errorf("due formats as %s", got)
	}
	// Hours are a plain duration, also across the spring change of clocks
	// (Tirana moves from +01:00 to +02:00 on 29 March 2026 at 02:00).
	spring := time.Date(2026, 3, 28, 12, 0, 0, 0, tirane)
	due, _, ok = al.Due("cpu_notification", spring)
	if want := spring.Add(24 * time.Hour); !ok || !due.Equal(want) || due.Hour() != 13 {
		t.Errorf("Due(cpu_notification) = %v, want %v (13:00 local)", due, want)
	}
	// Calendar days across the same change still end at local midnight.
	due, _, _ = al.Due("court_ruling_request", spring)
	if want := endOfDayIn(tirane, 2026, 4, 27); !due.Equal(want) {
		t.Errorf("Due(court_ruling_request) = %v, want %v", due, want)
	}
	// Working days: Fri 27 Nov 2026 + 3 working days.
	due, _, _ = al.Due("ra_registration", time.Date(2026, 11, 27, 10, 0, 0, 0, tirane))
	if want := endOfDayIn(tirane, 2026, 12, 4); !due.Equal(want) {
		t.Errorf("Due(ra_registration) = %v, want %v", due, want)
	}
	if _, _, ok := al.Due("no_such_key", start); ok {
		t.Error("Due of an unknown key reported ok")
	}
}

// testProfile is a minimal valid profile, as JSON, for Parse tests.
func testProfile(t testing.TB, edit func(m map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"code":              "TEST",
		"name":              map[string]any{"sq": "Provë", "en": "Test"},
		"time_zone":         "Europe/Tirane",
		"child_age":         18,
		"child_consent_age": 14,
		"weekend":           []any{"saturday", "sunday"},
		"holidays":          []any{"2026-12-25"},
		"deadlines": []any{
			map[string]any{"key": "identification_decision", "value": 30, "unit": "calendar_days", "legal_ref": "old SOP", "effective_from": "2018-08-29", "verified": false},
			map[string]any{"key": "identification_decision", "value": 10, "unit": "working_days", "legal_ref": "new SOP", "effective_from": "2026-07-01", "verified": true},
		},
		"threshold":       map[string]any{"adult": []any{"A", "B", "C"}, "child": []any{"A", "C"}},
		"panel":           map[string]any{"required": []any{[]any{"police"}, []any{"social_service"}}, "child_required": []any{}},
		"deadline_labels": map[string]any{"identification_decision": map[string]any{"sq": "Vendimi", "en": "Decision"}},
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEffectiveDatedDeadline(t *testing.T) {
	p, err := Parse(testProfile(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at      time.Time
		ok      bool
		legal   string
		wantDue time.Time
	}{
		{time.Date(2018, 8, 28, 12, 0, 0, 0, tirane), false, "", time.Time{}},
		{time.Date(2018, 8, 29, 0, 0, 0, 0, tirane), true, "old SOP", endOfDayIn(tirane, 2018, 9, 28)},
		{time.Date(2026, 6, 30, 23, 59, 0, 0, tirane), true, "old SOP", endOfDayIn(tirane, 2026, 7, 30)},
		// 22:30 UTC on 30 June is 00:30 on 1 July in Tirana: the new rule applies.
		{time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC), true, "new SOP", endOfDayIn(tirane, 2026, 7, 15)},
		{time.Date(2027, 1, 1, 9, 0, 0, 0, tirane), true, "new SOP", endOfDayIn(tirane, 2027, 1, 15)},
	} {
		d, ok := p.Deadline("identification_decision", tc.at)
		if ok != tc.ok || d.LegalRef != tc.legal {
			t.Errorf("Deadline at %v = %q, %v; want %q, %v", tc.at, d.LegalRef, ok, tc.legal, tc.ok)
		}
		due, _, ok := p.Due("identification_decision", tc.at)
		if ok != tc.ok || !due.Equal(tc.wantDue) {
			t.Errorf("Due at %v = %v, %v; want %v", tc.at, due, ok, tc.wantDue)
		}
	}
}

func TestParseRejects(t *testing.T) {
	deadline := func(m map[string]any) map[string]any { return m["deadlines"].([]any)[1].(map[string]any) }
	for _, tc := range []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"unknown unit", func(m map[string]any) { deadline(m)["unit"] = "weeks" }, "deadlines[1].unit"},
		{"negative value", func(m map[string]any) { deadline(m)["value"] = -3 }, "deadlines[1].value"},
		{"huge value", func(m map[string]any) { deadline(m)["value"] = MaxDeadlineValue + 1 }, "deadlines[1].value"},
		{"value not a number", func(m map[string]any) { deadline(m)["value"] = "ten" }, "deadlines.value"},
		{"bad effective date", func(m map[string]any) { deadline(m)["effective_from"] = "2026-02-30" }, "deadlines[1].effective_from"},
		{"duplicate entry", func(m map[string]any) { deadline(m)["effective_from"] = "2018-08-29" }, "deadlines[1]"},
		{"bad key", func(m map[string]any) { deadline(m)["key"] = "Identification Decision" }, "deadlines[1].key"},
		{"no legal ref", func(m map[string]any) { deadline(m)["legal_ref"] = " " }, "deadlines[1].legal_ref"},
		{"no deadlines", func(m map[string]any) { m["deadlines"] = []any{}; m["deadline_labels"] = map[string]any{} }, "deadlines"},
		{"missing sq label", func(m map[string]any) {
			m["deadline_labels"] = map[string]any{"identification_decision": map[string]any{"en": "Decision"}}
		}, "deadline_labels.identification_decision.sq"},
		{"stray label", func(m map[string]any) {
			m["deadline_labels"].(map[string]any)["ra_report"] = map[string]any{"sq": "Raporti", "en": "Report"}
		}, "deadline_labels.ra_report"},
		{"unknown org type", func(m map[string]any) {
			m["panel"].(map[string]any)["required"] = []any{[]any{"police", "sheriff"}}
		}, "panel.required[0][1]"},
		{"empty panel group", func(m map[string]any) {
			m["panel"].(map[string]any)["child_required"] = []any{[]any{}}
		}, "panel.child_required[0]"},
		{"no panel", func(m map[string]any) { m["panel"] = map[string]any{} }, "panel.required"},
		{"empty adult sections", func(m map[string]any) { m["threshold"].(map[string]any)["adult"] = []any{} }, "threshold.adult"},
		{"blank child section", func(m map[string]any) { m["threshold"].(map[string]any)["child"] = []any{"A", ""} }, "threshold.child[1]"},
		{"holiday not a date", func(m map[string]any) { m["holidays"] = []any{"25/12/2026"} }, "holidays[0]"},
		{"holiday without zero padding", func(m map[string]any) { m["holidays"] = []any{"2026-1-6"} }, "holidays[0]"},
		{"holiday twice", func(m map[string]any) { m["holidays"] = []any{"2026-12-25", "2026-12-25"} }, "holidays[1]"},
		{"holiday name for no holiday", func(m map[string]any) { m["holiday_names"] = map[string]any{"2026-12-26": "Boxing Day"} }, "holiday_names.2026-12-26"},
		{"unknown time zone", func(m map[string]any) { m["time_zone"] = "Europe/Tirana" }, "time_zone"},
		{"empty time zone", func(m map[string]any) { m["time_zone"] = "" }, "time_zone"},
		{"local time zone", func(m map[string]any) { m["time_zone"] = "Local" }, "time_zone"},
		{"unknown weekday", func(m map[string]any) { m["weekend"] = []any{"Saturday"} }, "weekend[0]"},
		{"whole week off", func(m map[string]any) {
			m["weekend"] = []any{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
		}, "weekend"},
		{"bad code", func(m map[string]any) { m["code"] = "al" }, "code"},
		{"missing en name", func(m map[string]any) { m["name"] = map[string]any{"sq": "Provë"} }, "name.en"},
		{"consent age above child age", func(m map[string]any) { m["child_consent_age"] = 18 }, "child_consent_age"},
		{"child age zero", func(m map[string]any) { m["child_age"] = 0 }, "child_age"},
		{"unknown field", func(m map[string]any) { m["reflection_days"] = 90 }, "reflection_days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(testProfile(t, tc.edit))
			if err == nil {
				t.Fatalf("Parse accepted the profile: %+v", p)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FieldError", err, err)
			}
			if fe.Field != tc.field {
				t.Errorf("error names field %q, want %q (%v)", fe.Field, tc.field, err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("message %q does not name %q", err, tc.field)
			}
		})
	}
	for _, bad := range []string{"", "{", "[]", `{"code":"AL"} {}`, "null x"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	p := mustLoad(t, "AL")
	p.TimeZone = "Mars/Olympus"
	p.Deadlines[0].Unit = "fortnights"
	err := p.Validate()
	for _, field := range []string{"time_zone", "deadlines[0].unit"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate() = %v; want it to name %s", err, field)
		}
	}
}

func TestHandBuiltProfile(t *testing.T) {
	// A Profile built in code, not through Parse, works once it validates.
	p := &Profile{
		Code: "X1", Name: map[string]string{"sq": "x", "en": "x"}, TimeZone: "Europe/Tirane",
		ChildAge: 18, Weekend: []string{"saturday", "sunday"}, Holidays: []string{"2026-11-30"},
		Deadlines:      []Deadline{{Key: "k", Value: 1, Unit: WorkingDays, LegalRef: "none found", EffectiveFrom: "2000-01-01"}},
		DeadlineLabels: map[string]map[string]string{"k": {"sq": "k", "en": "k"}},
		Threshold:      Threshold{Adult: []string{"A"}, Child: []string{"A"}},
		Panel:          Panel{Required: [][]string{{"police"}}},
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	due, _, ok := p.Due("k", time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	if want := endOfDayIn(tirane, 2026, 12, 1); !ok || !due.Equal(want) {
		t.Errorf("Due = %v, want %v", due, want)
	}
}
