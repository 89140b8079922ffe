//go:build !unix

package store

import "os"

// flock does not lock on this platform: stop the server before a restore.
func flock(*os.File, bool) (bool, error) { return false, nil }
