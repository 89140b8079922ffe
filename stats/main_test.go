package stats

import (
	"os"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

// TestMain prints, once, why tests ran in part (the real CTDC dataset missing).
func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }
