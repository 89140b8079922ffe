//go:build unix

package vault

import (
	"os"
	"syscall"
)

// lockDir takes an exclusive advisory lock (flock) on path, creating it if
// needed. It serializes keyset creation and modification between processes
// sharing a KeyDir. The returned function releases the lock.
func lockDir(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- lock file in the key directory
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
