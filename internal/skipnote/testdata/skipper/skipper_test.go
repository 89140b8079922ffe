// Package skipper is run by skipnote's own test through the go command: two
// tests skip for one reason, one runs in part.
package skipper

import (
	"os"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }

func TestA(t *testing.T) { skipnote.Skip(t, "the thing is missing") }

func TestB(t *testing.T) {
	t.Run("sub", func(t *testing.T) { skipnote.Skip(t, "the thing is missing") })
}

func TestC(t *testing.T) {
	skipnote.Partial(t, "half of it did not run")
	if 1+1 != 2 {
		t.Fatal("arithmetic")
	}
}

func TestD(t *testing.T) {}
