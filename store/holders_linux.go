package store

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockHolders names the processes holding a lock on the file f has open,
// from /proc/locks: "nrm serve (pid 4242)". Nil when it cannot tell.
func lockHolders(f *os.File) []string {
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil {
		return nil
	}
	id := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return nil
	}
	defer locks.Close()
	var out []string
	seen := map[int]bool{}
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		// "3: FLOCK  ADVISORY  READ 4242 fe:00:9980546 0 EOF"; a waiter's
		// line has "->" after the number and holds nothing.
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "FLOCK" || f[5] != id {
			continue
		}
		pid, err := strconv.Atoi(f[4])
		if err != nil || seen[pid] {
			continue
		}
		seen[pid] = true
		out = append(out, fmt.Sprintf("%s (pid %d)", command(pid), pid))
	}
	return out
}

// command is a process's program and subcommand, e.g. "nrm serve".
func command(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)) // #nosec G304 -- a process's command line under /proc
	if err != nil {
		return "a process"
	}
	args := bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0})
	name := filepath.Base(string(args[0]))
	if len(args) > 1 && len(args[1]) > 0 && args[1][0] != '-' {
		name += " " + string(args[1])
	}
	return name
}
