package nrm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Voices (guide-digest IX): what the persons the NRM helps say about it
// (anonymous feedback), what its professionals say (the questionnaire of
// guide §9.4) and what the survivors' Advisory Board recommends.

// MinGroup is the statistical disclosure threshold k: a distribution built
// from fewer answers than this is not shown. It is the same k as the
// periodic reports' disclosure control (issue #6 point 3, default 5); when
// the jurisdiction profile carries that k, the door reads it from there.
const MinGroup = 5

// FeedbackQuestions are the rating questions of the anonymous feedback form,
// in display order. Each is answered on a 1–5 scale, or left out.
var FeedbackQuestions = []string{"safe", "listened", "helped", "understood", "respected"}

// FeedbackLangs are the languages the feedback form is offered in: Albanian,
// English and Italian (many persons the Albanian NRM helps have lived or
// worked in Italy).
var FeedbackLangs = []string{"sq", "en", "it"}

// MaxFeedbackComment bounds the free-text comment, in characters.
const MaxFeedbackComment = 2000

// FeedbackInput is one anonymous answer set. A rating of 0 means not answered.
type FeedbackInput struct {
	Lang    string
	Ratings map[string]int // question → 1..5
	Comment string
}

// Validate checks an answer set: known language, ratings in 1..5, a comment
// of bounded length, and at least one answer.
func (in *FeedbackInput) Validate() error {
	var es Errors
	if !slices.Contains(FeedbackLangs, in.Lang) {
		es = append(es, FieldError("lang", "error.unknown_value"))
	}
	any := strings.TrimSpace(in.Comment) != ""
	for q, v := range in.Ratings {
		if !slices.Contains(FeedbackQuestions, q) {
			es = append(es, FieldError(q, "error.unknown_value"))
			continue
		}
		if v < 0 || v > 5 {
			es = append(es, FieldError(q, "error.unknown_value"))
		}
		if v > 0 {
			any = true
		}
	}
	if utf8.RuneCountInString(in.Comment) > MaxFeedbackComment {
		es = append(es, FieldError("comment", "error.too_long", MaxFeedbackComment))
	}
	if !any && len(es) == 0 {
		es = append(es, FieldError("safe", "error.feedback_empty"))
	}
	return es.Err()
}

// FeedbackCampaign is a short public link an organisation hands out.
type FeedbackCampaign struct {
	ID        string
	Code      string // the short code of /f/{code}
	OrgID     string
	Title     string
	CreatedAt time.Time
	Closed    bool
	Answers   int // how many answer sets it has (filled by listings)
}

// ValidFeedbackCode reports whether c has the shape of a campaign code:
// 4–16 lower-case letters and digits.
func ValidFeedbackCode(c string) bool {
	if len(c) < 4 || len(c) > 16 {
		return false
	}
	for _, r := range c {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// Distribution is how many answered each point of a 1–5 scale, or nothing
// when fewer than MinGroup answered (Suppressed).
type Distribution struct {
	Key        string  // the question
	N          int     // answers (0 when suppressed: only "fewer than k" is said)
	Counts     [5]int  // Counts[i] answered i+1
	Mean       float64 // average rating
	Suppressed bool
}

// Distribute builds a distribution from counts, suppressing it below k.
func Distribute(key string, counts [5]int, k int) Distribution {
	d := Distribution{Key: key}
	sum := 0
	for i, c := range counts {
		d.N += c
		sum += (i + 1) * c
	}
	if d.N < k {
		return Distribution{Key: key, Suppressed: true}
	}
	d.Counts = counts
	d.Mean = float64(sum) / float64(d.N)
	return d
}

// CanRunFeedback reports whether the actor may create feedback links for
// their organisation: those who work with persons and hand the link out.
func CanRunFeedback(a *Actor) bool {
	return a.HasAny(RoleCaseManager, RoleFirstResponder, RoleServiceProvider, RoleRAOfficer, RoleCoordinator)
}

// CanReadVoices reports whether the actor may read aggregated feedback,
// questionnaire results and the Advisory Board register: the Responsible
// Authority, the NRM coordinator and the monitors.
func CanReadVoices(a *Actor) bool {
	return a.HasAny(RoleRAOfficer, RoleCoordinator, RoleMonitor)
}

// CanKeepVoices reports whether the actor may edit the questionnaire, run
// its campaigns and keep the Advisory Board register.
func CanKeepVoices(a *Actor) bool {
	return a.HasAny(RoleRAOfficer, RoleCoordinator)
}

// Advisory Board recommendation statuses.
const (
	AdvisoryProposed       = "proposed"
	AdvisoryPresented      = "presented"
	AdvisoryAccepted       = "accepted"
	AdvisoryPartlyAccepted = "partly_accepted"
	AdvisoryRejected       = "rejected"
	AdvisoryImplemented    = "implemented"
)

// AdvisoryStatuses lists the statuses in order.
var AdvisoryStatuses = []string{AdvisoryProposed, AdvisoryPresented, AdvisoryAccepted, AdvisoryPartlyAccepted, AdvisoryRejected, AdvisoryImplemented}

// AdvisoryThemes are the themes a recommendation is filed under: the
// guide's own areas.
var AdvisoryThemes = []string{"identification", "referral", "assistance", "protection", "reintegration", "justice", "information", "other"}

// AdvisoryRec is one recommendation of a consultative meeting.
type AdvisoryRec struct {
	ID          string
	MeetingOn   string // YYYY-MM-DD
	Theme       string
	Body        string
	PresentedBy string // who presented it to the NRM members
	PresentedOn string // YYYY-MM-DD
	Response    string // the members' response
	Status      string
	UpdatedAt   time.Time
	History     []AdvisoryChange
}

// AdvisoryChange is one status change, kept.
type AdvisoryChange struct {
	Status string
	Note   string
	By     string
	At     time.Time
}

// AdvisoryInput records a new recommendation.
type AdvisoryInput struct {
	MeetingOn string
	Theme     string
	Body      string
}

// Validate checks a new recommendation.
func (in *AdvisoryInput) Validate(now time.Time) error {
	var es Errors
	if d, err := time.Parse(time.DateOnly, in.MeetingOn); err != nil {
		es = append(es, FieldError("meeting_on", "error.date_format"))
	} else if d.After(now) {
		es = append(es, FieldError("meeting_on", "error.date_future"))
	}
	if !slices.Contains(AdvisoryThemes, in.Theme) {
		es = append(es, FieldError("theme", "error.unknown_value"))
	}
	if strings.TrimSpace(in.Body) == "" {
		es = append(es, FieldError("body", "error.required"))
	} else if utf8.RuneCountInString(in.Body) > 4000 {
		es = append(es, FieldError("body", "error.too_long", 4000))
	}
	return es.Err()
}

// AdvisoryUpdate moves a recommendation on: a new status, and what came with
// it (who presented it and when, the members' response, a note).
type AdvisoryUpdate struct {
	Status      string
	PresentedBy string
	PresentedOn string
	Response    string
	Note        string
}

// Validate checks a status change.
func (in *AdvisoryUpdate) Validate(now time.Time) error {
	var es Errors
	if !slices.Contains(AdvisoryStatuses, in.Status) {
		es = append(es, FieldError("status", "error.unknown_value"))
	}
	if in.Status == AdvisoryPresented && (strings.TrimSpace(in.PresentedBy) == "" || in.PresentedOn == "") {
		if strings.TrimSpace(in.PresentedBy) == "" {
			es = append(es, FieldError("presented_by", "error.required"))
		}
		if in.PresentedOn == "" {
			es = append(es, FieldError("presented_on", "error.required"))
		}
	}
	if in.PresentedOn != "" {
		if d, err := time.Parse(time.DateOnly, in.PresentedOn); err != nil {
			es = append(es, FieldError("presented_on", "error.date_format"))
		} else if d.After(now) {
			es = append(es, FieldError("presented_on", "error.date_future"))
		}
	}
	for f, v := range map[string]string{"presented_by": in.PresentedBy, "response": in.Response, "note": in.Note} {
		if utf8.RuneCountInString(v) > 4000 {
			es = append(es, FieldError(f, "error.too_long", 4000))
		}
	}
	return es.Err()
}

// QuestionnaireSections are the 14 sections of the sample monitoring
// questionnaire, taken from the guide (§9.4), in its order.
var QuestionnaireSections = []string{
	"initial_information", "procedures_protocols", "identification_referral", "cooperation_coordination",
	"support_assistance", "timeliness", "involvement_of_victims", "training_capacity", "feedback_parties",
	"legal_aid_justice", "transparency_information", "financial_aid_compensation", "problems_challenges",
	"recommendations",
}

// Question is one rating question (1–5) of a questionnaire section.
type Question struct {
	Key  string            `json:"key"`  // stable within the section
	Text map[string]string `json:"text"` // by language: "sq", "en"
}

// Questionnaire is one version of the professionals' questionnaire: the
// questions of each of the 14 sections.
type Questionnaire struct {
	ID       string                `json:"-"`
	Version  int                   `json:"-"`
	Sections map[string][]Question `json:"sections"`
}

// Validate checks a questionnaire: known sections, unique keys, a text in
// both languages, at least one question overall.
func (q *Questionnaire) Validate() error {
	var es Errors
	n := 0
	for sec, qs := range q.Sections {
		if !slices.Contains(QuestionnaireSections, sec) {
			es = append(es, FieldError("sections", "error.unknown_value"))
			continue
		}
		seen := map[string]bool{}
		for _, x := range qs {
			n++
			if !validQuestionKey(x.Key) || seen[x.Key] {
				es = append(es, FieldError("sections", "error.unknown_value"))
			}
			seen[x.Key] = true
			if strings.TrimSpace(x.Text["sq"]) == "" || strings.TrimSpace(x.Text["en"]) == "" {
				es = append(es, FieldError("sections", "error.required"))
			}
		}
	}
	if n == 0 && len(es) == 0 {
		es = append(es, FieldError("sections", "error.required"))
	}
	return es.Err()
}

func validQuestionKey(k string) bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// QuestionnaireCampaign sends one questionnaire version to organisations
// for a period.
type QuestionnaireCampaign struct {
	ID        string
	VersionID string
	Version   int
	Title     string
	OpensOn   string // YYYY-MM-DD
	ClosesOn  string
	Orgs      []string
}

// Validate checks a campaign.
func (c *QuestionnaireCampaign) Validate() error {
	var es Errors
	if strings.TrimSpace(c.Title) == "" || utf8.RuneCountInString(c.Title) > 200 {
		es = append(es, FieldError("title", "error.required"))
	}
	o, err1 := time.Parse(time.DateOnly, c.OpensOn)
	if err1 != nil {
		es = append(es, FieldError("opens_on", "error.date_format"))
	}
	cl, err2 := time.Parse(time.DateOnly, c.ClosesOn)
	if err2 != nil {
		es = append(es, FieldError("closes_on", "error.date_format"))
	}
	if err1 == nil && err2 == nil && cl.Before(o) {
		es = append(es, FieldError("closes_on", "error.date_order"))
	}
	if len(c.Orgs) == 0 {
		es = append(es, FieldError("orgs", "error.required"))
	}
	return es.Err()
}

// SectionResult is one section's aggregate for one organisation type (or
// all): the mean rating and the count, suppressed below k.
type SectionResult struct {
	Section    string
	OrgType    string // "" for all types together
	N          int    // answer sets that rated the section
	Mean       float64
	Suppressed bool
}
