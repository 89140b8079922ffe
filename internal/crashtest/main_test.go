package crashtest

import (
	"os"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

// TestMain prints, once, why tests were skipped here (PostgreSQL or Chromium
// missing): the crash loop runs on SQLite alone without PostgreSQL.
func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }
