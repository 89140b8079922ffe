package stats

import "time"

// Filter selects the facts a dashboard or report counts.
type Filter struct {
	Dataset string // "nrm" (the live register) or an imported dataset's id
	From    Month  // first month, inclusive (0: from the start)
	To      Month  // last month, inclusive (0: to the end)
	Region  string // "" every region
	K       int    // disclosure threshold; 0: the jurisdiction's (DefaultK when it sets none)
}

// Report is what the dashboard shows, the API returns and a periodic report prints: every
// count of persons after disclosure control. It holds no withheld number.
type Report struct {
	Filter      Filter
	K           int
	GeneratedAt time.Time
	Dataset     string // the dataset's display name
	// AsOf is when the figures were true: they count every change recorded
	// up to then. Current says nothing recorded since is left out (AsOf is
	// then GeneratedAt); AsOf is zero when nothing was counted yet.
	AsOf    time.Time
	Current bool
	// Persons counted, and persons left out because no consent or legal basis allows
	// statistics where the jurisdiction requires one.
	Persons, Uncounted Cell
	Figures            []Figure
	// KPIs outside emergency periods, and the same indicators for persons first met during
	// an emergency period, kept apart.
	KPIs, EmergencyKPIs []KPI
}

// Figure is one breakdown: a list (one dimension) or a table (two).
type Figure struct {
	ID string // "status", "form", "by", "region", "nation", "sex_age", "trend", "svc", "perp_sex", "perp_age"
	// Labels and ColLabels are the catalogue prefixes of the row and column labels
	// ("status." + label); "" means the labels are shown as they are (months, codes).
	Labels, ColLabels string
	List              *PublishedList
	Table             *Published
	// NotAdditive marks a list whose items may overlap (a person may have several forms of
	// exploitation): its total is the number of persons, not the sum of the items.
	NotAdditive bool
}

// KPI is one indicator with what it is computed from. Its definition is in the catalogue
// under "kpi.<ID>.def" and is shown beside it everywhere.
type KPI struct {
	ID   string // see KPIIDs
	Unit string // "days", "working_days", "share", "persons"
	// N is the base: the persons (or referrals, or deadlines) the indicator is computed
	// over, after disclosure control. When N is withheld, so is every value.
	N Cell
	// Shown is false when the base is too small to publish or empty.
	Shown bool
	// Value is the share (0–1) or the count; Median and Mean are in Unit for durations.
	Value, Median, Mean float64
	// Distribution is the spread of a duration in bands, after disclosure control.
	Distribution *PublishedList
	// Parts breaks a KPI down (timeliness per phase, source of identification), each an
	// indicator of its own with the same rules.
	Parts []KPI
	// Label names a part (a deadline rule, an organisation type); its catalogue prefix is
	// LabelPrefix.
	Label, LabelPrefix string
}

// KPIIDs lists the indicators in display order.
var KPIIDs = []string{
	"persons_handled", "time_to_potential", "time_to_decision", "formalisation_rate",
	"service_completion", "timeliness", "source",
}
