package nrm

import (
	"slices"
	"time"
)

// Queue names one worklist: a kind of work that waits for a role. The home
// page shows the queues of the reader's roles, each with its count and its
// first lines; each queue pages on its own. The door decides what is in
// each (door/worklists.go); this file says which roles have which.
type Queue string

// The queues (issue 14, part 2).
const (
	// The Responsible Authority: referrals awaiting registration, possible
	// duplicates, open identification requests to follow and schedule,
	// missed clocks escalated to it.
	QueueRegistration   Queue = "registration"
	QueueDuplicates     Queue = "duplicates"
	QueueIdentification Queue = "identification"
	QueueEscalations    Queue = "escalations"
	// Every role that works records: its organisation's clocks due today,
	// soon or already overdue; its organisation's open tasks; records newly
	// referred to its organisation.
	QueueDue   Queue = "due"
	QueueTasks Queue = "tasks"
	QueueNew   Queue = "new"
	// The identification panel: requests awaiting a decision, decisions
	// awaiting my signature.
	QueueDecide Queue = "decide"
	QueueSign   Queue = "sign"
	// Service referrals to the reader's organisation to acknowledge, accept
	// or deliver: a service provider's queue, and a case manager's or first
	// responder's where their organisation offers services.
	QueueServices Queue = "services"
	// The data protection officer: break-glass openings not yet reviewed.
	QueueBreakGlass Queue = "breakglass"
	// Every role that works records: news for its organisation that asks
	// for no step (a decision in effect, a service referral moved on, an
	// interim decision), until someone marks it read.
	QueueNotices Queue = "notices"
)

// queuesByRole is the policy of the worklists, as data: which queues each
// role works, in the order its home page shows them.
var queuesByRole = map[Role][]Queue{
	RoleRAOfficer:       {QueueRegistration, QueueDuplicates, QueueIdentification, QueueDue, QueueEscalations, QueueTasks, QueueNotices},
	RolePanelMember:     {QueueDecide, QueueSign, QueueDue, QueueNotices},
	RoleCaseManager:     {QueueDue, QueueTasks, QueueNew, QueueServices, QueueNotices},
	RoleFirstResponder:  {QueueDue, QueueTasks, QueueNew, QueueServices, QueueNotices},
	RoleServiceProvider: {QueueServices, QueueTasks, QueueDue, QueueNotices},
	RoleJusticeOfficer:  {QueueDue, QueueTasks, QueueNotices},
	RoleDPO:             {QueueBreakGlass},
}

// Queues lists the queues of the actor's roles, without repeats, in the
// order of the roles and then of each role's queues.
func Queues(a *Actor) []Queue {
	var out []Queue
	for _, r := range a.Roles {
		for _, q := range queuesByRole[r] {
			if !slices.Contains(out, q) {
				out = append(out, q)
			}
		}
	}
	return out
}

// AllQueues lists every queue, for validating a name.
var AllQueues = []Queue{QueueRegistration, QueueDuplicates, QueueIdentification, QueueEscalations, QueueDue, QueueTasks, QueueNew,
	QueueDecide, QueueSign, QueueServices, QueueBreakGlass, QueueNotices}

// Waits reports whether the queue holds work that waits for someone, as
// the e-mail about waiting work counts it; notices are news, not work.
func (q Queue) Waits() bool { return q != QueueNotices }

// Valid reports whether q is a known queue.
func (q Queue) Valid() bool { return slices.Contains(AllQueues, q) }

// Works reports whether the actor has the queue.
func (q Queue) Works(a *Actor) bool { return slices.Contains(Queues(a), q) }

// QueueItem is one line of a worklist: what is due, on which record (by its
// pseudonymous code, never a name), by when, and what to do. The web layer
// turns Action into a link.
type QueueItem struct {
	Queue    Queue
	ID       string // the row the line is about: person, deadline, task, request, decision, referral, notification, opening
	PersonID string
	Code     string
	// OtherID and OtherCode are the second record of a possible duplicate.
	OtherID, OtherCode string
	// What is due, as a code: a deadline rule, a task's need, a service
	// referral's state, a notification's kind, a decision's outcome.
	What    string
	OrgName string    // whose clock or task, where it is not the reader's own organisation
	Ref     string    // the request, referral or notification the action needs
	Since   time.Time // when it arrived
	Due     time.Time // by when (zero: no clock)
	// Late is set when Due has passed; LateDays is by how many of the
	// jurisdiction's working days (0: less than one).
	Late      bool
	LateDays  int
	Escalated bool // an escalated clock
	// Detail is a notification's detail: the need of the task it is about.
	Detail string
}

// QueueCountCap bounds a queue's count: beyond it the count shows as "more
// than" (QueueCount.More), so counting never walks a long queue.
const QueueCountCap = 200

// QueueCount is a queue's size, exact up to QueueCountCap.
type QueueCount struct {
	N    int
	More bool // N is QueueCountCap and there are more
}
