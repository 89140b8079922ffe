package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestDataDirectoryLock: an open database holds the directory's lock shared
// (a second open is fine), a restore's exclusive lock is refused naming the
// holder, and while a restore holds it nothing opens the database.
func TestDataDirectoryLock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatalf("two opens share the lock: %v", err)
	}
	_, err = lockDir(dir, true)
	var inUse *InUseError
	if !errors.As(err, &inUse) || !inUse.Restore {
		t.Fatalf("an exclusive lock over open databases must be refused: %v", err)
	}
	t.Log(err)
	if runtime.GOOS == "linux" && !strings.Contains(err.Error(), fmt.Sprintf("(pid %d)", os.Getpid())) {
		t.Fatalf("the refusal must name the holder: %v", err)
	}
	a.Close()
	b.Close()
	ex, err := lockDir(dir, true)
	if err != nil {
		t.Fatalf("once closed, the lock is free: %v", err)
	}
	_, err = Open(ctx, Config{DataDir: dir})
	if !errors.As(err, &inUse) || inUse.Restore || !strings.Contains(err.Error(), "being restored") {
		t.Fatalf("no open during a restore: %v", err)
	}
	ex.release()
	c, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
