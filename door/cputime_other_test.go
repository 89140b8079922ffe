//go:build !unix

package door_test

import "time"

// haveProcessCPU: no process CPU time is read on this system.
const haveProcessCPU = false

func processCPU() time.Duration { return 0 }
