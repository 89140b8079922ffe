package door

import (
	"context"
)

// Ping says whether the door can serve: the database answers with the
// schema this nrm needs, and writes go through. After a write failed
// because the storage was full (store.WritesFailing), every Ping tries a
// write that leaves nothing behind, and answers storage_full until one
// succeeds; readiness (GET /readyz) reports not ready meanwhile, so a load
// balancer can take the instance out while writers are told (503) that
// nothing was saved.
func (s *Service) Ping(ctx context.Context) error {
	if err := s.db.CheckSchema(ctx); err != nil {
		return err
	}
	if s.db.WritesFailing() {
		return fail(s.db.ProbeWrite(ctx))
	}
	return nil
}
