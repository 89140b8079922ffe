package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LockFile is the data directory's lock file. Every process that opens the
// SQLite database holds a shared lock on it for as long as the database is
// open (a server, and the one-shot commands beside it: tokens, key rotation,
// audit checks); a restore takes it exclusively, so it never replaces the
// file under a process that is still writing to it, and nothing opens the
// database while a restore runs.
const LockFile = "nrm.lock"

// InUseError says the data directory is locked the other way: a restore
// found the database open, or an open found a restore running. Holders
// names the processes holding it where the platform can tell (Linux).
type InUseError struct {
	Where   string // "data directory /var/lib/nrm", "PostgreSQL database nrm"
	Holders []string
	Restore bool // a restore was refused (else: an open was)
}

func (e *InUseError) Error() string {
	who := "another process"
	if len(e.Holders) > 0 {
		who = strings.Join(e.Holders, ", ")
	}
	if e.Restore {
		return fmt.Sprintf("restore refused: the %s is in use by %s; stop it first "+
			"(replacing the database under a running process loses every write it acknowledges afterwards)", e.Where, who)
	}
	return fmt.Sprintf("the %s is being restored by %s; try again when the restore has finished", e.Where, who)
}

// dirLock is a held lock on a data directory.
type dirLock struct{ f *os.File }

// lockDir takes the data directory's lock without waiting: shared, or
// exclusive for a restore. A lock held the other way is an *InUseError.
func lockDir(dir string, exclusive bool) (*dirLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- the lock file in the operator's data directory
	if err != nil {
		return nil, fmt.Errorf("store: lock file: %w", err)
	}
	busy, err := flock(f, exclusive)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if busy {
		holders := lockHolders(f)
		f.Close()
		return nil, &InUseError{Where: "data directory " + dir, Holders: holders, Restore: exclusive}
	}
	return &dirLock{f}, nil
}

// release lets the lock go (closing the file releases it).
func (l *dirLock) release() {
	if l != nil {
		l.f.Close()
	}
}
