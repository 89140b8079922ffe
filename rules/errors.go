package rules

import "fmt"

// FieldError says which field of a profile or catalogue file is wrong, so
// that an operator can fix the file. Field is a JSON path such as
// "deadlines[2].unit" or "deadline_labels.ra_report.sq".
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return "rules: " + e.Problem
	}
	return "rules: " + e.Field + ": " + e.Problem
}

// CodeError reports an indicator code that the catalogue does not know.
type CodeError struct {
	Code string
}

func (e *CodeError) Error() string {
	return fmt.Sprintf("rules: unknown indicator code %q", e.Code)
}
