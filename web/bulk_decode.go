package web

// reassignJSON is the body of POST /api/v1/assignments/reassign.
type reassignJSON struct {
	From string   `json:"from"`
	To   string   `json:"to"`
	IDs  []string `json:"ids"`
}
