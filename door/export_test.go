package door

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// SetAuditHook lets tests make the audit append fail.
func SetAuditHook(s *Service, f func(*store.Tx) error) { s.auditHook = f }

// SetHashHook lets tests count the password checks that reach argon2id.
func SetHashHook(s *Service, f func()) { s.hashHook = f }

// ActiveConsentSQL is the consent condition, for the test that keeps its
// purposes in step with nrm.DisclosingPurposes.
const ActiveConsentSQL = activeConsent

// QueuePlans returns, for every queue of the actor, its first-page, next-page
// and count statements with their arguments, for the test that asks the
// engine how it runs them.
func QueuePlans(s *Service, a *nrm.Actor, now time.Time) map[string][]any {
	out := map[string][]any{}
	for _, q := range nrm.Queues(a) {
		qq, _ := s.queueSQL(a, q, now)
		order := ` ORDER BY ` + strings.Join(qq.keyset, ", ") + ` LIMIT 6`
		out[string(q)+" first"] = append([]any{`SELECT ` + qq.sel + ` FROM ` + qq.from + order}, qq.args...)
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(qq.keyset)), ", ")
		args := slices.Clone(qq.args)
		args = append(args, int64(0))
		for range qq.keyset[1:] {
			args = append(args, "x")
		}
		out[string(q)+" next"] = append([]any{`SELECT ` + qq.sel + ` FROM ` + qq.from + ` AND (` + strings.Join(qq.keyset, ", ") + `) > (` + ph + `)` + order}, args...)
		out[string(q)+" count"] = append([]any{`SELECT COUNT(*) FROM (SELECT 1 FROM ` + qq.from + ` LIMIT ` + strconv.Itoa(nrm.QueueCountCap+1) + `) c`}, qq.args...)
	}
	return out
}

// DecodeStatItems reads a stored statistics fact's items.
var DecodeStatItems = decodeItems

// SetCheckpointHook lets tests pause a checkpoint after it read the log and
// before it writes.
func SetCheckpointHook(s *Service, f func()) { s.checkpointHook = f }

// SetRefreshPerWrite sets how many persons one statistics refresh write
// recomputes (0: the default), for the benchmark that compares.
func SetRefreshPerWrite(s *Service, n int) { s.refreshPer = n }
