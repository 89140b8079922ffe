package web

// reassignJSON is the body of POST /api/v1/assignments/reassign.
type reassignJSON struct {
	From string   `json:"from_user"`
	To   string   `json:"to_user"`
	IDs  []string `json:"ids"`
}
