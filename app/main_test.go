package app_test

import (
	"os"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

// TestMain prints, once, why tests were skipped here (PostgreSQL or Chromium
// missing).
func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }
