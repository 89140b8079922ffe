package audit

import (
	"os"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

// TestMain prints, once, why tests were skipped here (-short).
func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }
