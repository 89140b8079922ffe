//go:build !linux

package store

import "os"

// lockHolders cannot name a lock's holders on this platform.
func lockHolders(*os.File) []string { return nil }
