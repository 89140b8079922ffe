package app

import "context"

// dupTags tags, once at start-up and in the background, the records written
// before the duplicate tag existed (door.BackfillDupTags: short write
// transactions, each audited). Until a record is tagged the duplicate check
// decrypts it instead, so nothing waits for this.
func (a *App) dupTags(ctx context.Context) {
	if n, err := a.Door.BackfillDupTags(ctx); err != nil {
		a.Log.Error("duplicate tag backfill failed", "err", err)
	} else if n > 0 {
		a.Log.Info("duplicate tags backfilled", "records", n)
	}
}
