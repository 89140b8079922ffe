//go:build unix

package door_test

import (
	"syscall"
	"time"
)

// haveProcessCPU says processCPU measures something here.
const haveProcessCPU = true

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
