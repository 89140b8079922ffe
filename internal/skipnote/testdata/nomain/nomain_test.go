// Package nomain skips without calling skipnote.Main: the skip must fail.
package nomain

import (
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

func TestSkipsWithoutMain(t *testing.T) { skipnote.Skip(t, "the thing is missing") }
