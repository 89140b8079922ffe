//go:build !unix

package vault

import "os"

// lockDir creates the lock file but does not lock across processes on this
// platform: run Rotate and the other keyset-modifying methods from a single
// process at a time. In-process calls are still serialized by a mutex.
func lockDir(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()
	return func() {}, nil
}
