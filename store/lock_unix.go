//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// flock takes an advisory lock on f without waiting; busy reports that it
// is held the other way. flock locks belong to the open file, so two opens
// in one process share a shared lock and the kernel lets go of a killed
// process's lock.
func flock(f *os.File, exclusive bool) (busy bool, err error) {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}
