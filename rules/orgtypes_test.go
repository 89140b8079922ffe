package rules_test

import (
	"slices"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/rules"
)

// A panel names organisation types; they must be the ones the rest of the
// system stores, or no panel could ever be satisfied.
func TestOrgTypesMatchRootPackage(t *testing.T) {
	var root []string
	for _, o := range nrm.OrgTypes {
		root = append(root, string(o))
	}
	if !slices.Equal(rules.OrgTypes, root) {
		t.Errorf("rules org types %v\ndiffer from nrm.OrgTypes %v", rules.OrgTypes, root)
	}
}
