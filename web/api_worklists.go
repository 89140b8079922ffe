package web

import (
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// The worklists in the API: every queue of the caller's roles with its
// count and first lines, and one queue page by page (keyset: next_after).

type queueItemJSON struct {
	ID         string     `json:"id"`
	PersonID   string     `json:"person_id"`
	PersonCode string     `json:"person_code"`
	OtherID    string     `json:"other_id,omitempty"`
	OtherCode  string     `json:"other_code,omitempty"`
	What       string     `json:"what"`
	Org        string     `json:"org,omitempty"`
	Ref        string     `json:"ref,omitempty"`
	Since      *time.Time `json:"since"`
	Due        *time.Time `json:"due"`
	Late       bool       `json:"late"`
	LateDays   int        `json:"late_working_days"`
	Escalated  bool       `json:"escalated"`
}

type queueJSON struct {
	Queue     string          `json:"queue"`
	Count     int             `json:"count"`
	CountMore bool            `json:"count_more"`
	Items     []queueItemJSON `json:"items"`
	NextAfter *string         `json:"next_after"`
}

func toQueueJSON(v door.QueueView) queueJSON {
	out := queueJSON{Queue: string(v.Queue), Count: v.Count.N, CountMore: v.Count.More, Items: make([]queueItemJSON, 0, len(v.Items))}
	for _, it := range v.Items {
		out.Items = append(out.Items, queueItemJSON{ID: it.ID, PersonID: it.PersonID, PersonCode: it.Code, OtherID: it.OtherID, OtherCode: it.OtherCode,
			What: it.What, Org: it.OrgName, Ref: it.Ref, Since: tjson(it.Since), Due: tjson(it.Due), Late: it.Late, LateDays: it.LateDays, Escalated: it.Escalated})
	}
	if v.Next != "" {
		out.NextAfter = ptr(v.Next)
	}
	return out
}

// apiWorklists is GET /api/v1/worklists?lines=N.
func (s *Server) apiWorklists(w http.ResponseWriter, r *http.Request, st *reqState) {
	lines, err := limitParam(r.URL.Query().Get("lines"), homeLines)
	if err == nil && lines > 50 {
		err = nrm.FieldError("lines", "error.unknown_value")
	}
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	vs, err := s.door.Worklists(r.Context(), st.actor, door.WorklistsRequest{Lines: lines})
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := make([]queueJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, toQueueJSON(v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"queues": out})
}

// apiQueue is GET /api/v1/worklists/{queue}?after=&limit=.
func (s *Server) apiQueue(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := nrm.Queue(r.PathValue("queue"))
	if !q.Valid() {
		s.failJSON(w, r, nrm.Errorf(nrm.ENotFound, "error.not_found"))
		return
	}
	limit, err := limitParam(r.URL.Query().Get("limit"), 50)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	v, err := s.door.QueuePage(r.Context(), st.actor, q, r.URL.Query().Get("after"), limit)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toQueueJSON(*v))
}
