package door_test

import (
	"os"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

// TestMain prints, once, why tests were skipped here (PostgreSQL missing,
// -short).
func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }
