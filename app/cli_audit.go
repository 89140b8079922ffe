package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/nrm-org/nrm/audit"
)

// cmdAudit is `nrm audit verify|checkpoint|consistency`.
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint" && args[0] != "consistency") {
		return errors.New("usage: nrm audit verify|checkpoint|consistency [options]")
	}
	fs, cfg := flags("audit "+args[0], stderr, "")
	from := fs.Int64("from", 0, "consistency: the older checkpoint's size (default: the last but one checkpoint)")
	to := fs.Int64("to", 0, "consistency: the newer checkpoint's size (default: the last checkpoint)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	switch args[0] {
	case "checkpoint":
		return auditCheckpoint(ctx, a, stdout)
	case "consistency":
		return auditConsistency(ctx, a, *from, *to, stdout)
	}
	n, err := a.Door.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("FAILED after %d good entries: %w", n, err)
	}
	cps, _ := a.Door.Checkpoints(ctx)
	fmt.Fprintf(stdout, "audit trail intact: %d entries, %d signed checkpoints\n", n, len(cps))
	return nil
}

// auditCheckpoint signs a checkpoint now and says what it read.
func auditCheckpoint(ctx context.Context, a *App, stdout io.Writer) error {
	run, err := a.Door.RunCheckpoint(ctx, true)
	if err != nil {
		return err
	}
	if run.Checkpoint == nil {
		fmt.Fprintln(stdout, "no new entries since the last checkpoint")
		return nil
	}
	fmt.Fprintf(stdout, "checkpoint at %d entries signed (%d new entries read, %d writes)\n", run.Checkpoint.Size, run.LogRows, run.Writes)
	return nil
}

// auditConsistency proves two stored checkpoints consistent (by default
// the last two) from the stored tree nodes, checks the proof against their
// signed roots, and prints it for an off-box witness.
func auditConsistency(ctx context.Context, a *App, from, to int64, stdout io.Writer) error {
	cps, err := a.Door.Checkpoints(ctx)
	if err != nil {
		return err
	}
	bySize := map[int64]audit.Checkpoint{}
	for _, c := range cps {
		bySize[c.Size] = c
	}
	if to == 0 && len(cps) > 0 {
		to = cps[len(cps)-1].Size
	}
	if from == 0 && len(cps) > 1 {
		from = cps[len(cps)-2].Size
	}
	older, ok1 := bySize[from]
	newer, ok2 := bySize[to]
	if !ok1 || !ok2 {
		return fmt.Errorf("no signed checkpoints of sizes %d and %d (see nrm audit checkpoint)", from, to)
	}
	if !older.Verify(a.Door.PublicKey()) || !newer.Verify(a.Door.PublicKey()) {
		return errors.New("a checkpoint's signature does not verify: run nrm audit verify")
	}
	c, err := a.Door.ConsistencyProof(ctx, from, to)
	if err != nil {
		return err
	}
	if !audit.VerifyConsistency(int(from), int(to), older.Root, newer.Root, c.Proof) {
		return fmt.Errorf("FAILED: the checkpoint at %d entries is not a prefix of the one at %d: run nrm audit verify", from, to)
	}
	fmt.Fprintf(stdout, "checkpoints at %d and %d entries are consistent (%d proof hashes from %d stored nodes and %d entries)\n",
		from, to, len(c.Proof), c.NodeRows, c.LogRows)
	for _, h := range c.Proof {
		fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(h))
	}
	return nil
}
