package door_test

import (
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// TestReadTokenChangesNothingInTheDoor: every door method that changes
// state asks for persons:write, before it looks at anything else. These
// are the ones that asked for nothing, or for persons:read only (marking a
// notification read stops a child-protection clock). The web layer refuses
// such calls too; this test keeps the door right on its own.
func TestReadTokenChangesNothingInTheDoor(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.cm, input("Drita", "Malaj", "x"))
		if err != nil {
			t.Fatal(err)
		}
		readOnly := func(u *nrm.Actor) *nrm.Actor {
			tok, err := w.Door.MintToken(ctx, nrm.SystemActor("test"), u.UserID, []string{door.ScopeRead}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			a, err := w.Door.AuthenticateToken(ctx, tok, "127.0.0.1", "r")
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		cm, cmB := readOnly(w.cm), readOnly(w.cmB)
		none := "00000000000000000000000000000000"
		for name, err := range map[string]error{
			"ReadNotification": w.Door.ReadNotification(ctx, cm, none),
			"RevokeGrant":      w.Door.RevokeGrant(ctx, cm, p.ID, none),
			"Assign":           w.Door.Assign(ctx, cm, p.ID, w.cm.UserID),
			"BreakGlass":       w.Door.BreakGlass(ctx, cmB, p.ID, "medical emergency at the shelter tonight"),
			"DeleteDraft":      w.Door.DeleteDraft(ctx, cm, none),
			"SaveDraft": func() error {
				_, err := w.Door.SaveDraft(ctx, cm, door.Draft{Kind: "referral", Step: "person", Data: []byte(`{}`)})
				return err
			}(),
		} {
			if nrm.ErrorCode(err) != nrm.EForbidden {
				t.Errorf("%s with a read-only token: %v, want forbidden", name, err)
			}
		}
	})
}
