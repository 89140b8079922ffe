package door_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/htcds"
	"github.com/nrm-org/nrm/stats"
	"github.com/nrm-org/nrm/store"
)

// Where and how it happened (issue 15, part 4): how the referral came, the
// scope, the kind of online platform, the places of recruitment and
// exploitation and the suspected forms are checked, kept with the referral,
// shown in the record, counted in the statistics facts and — where HTCDS has
// a field — exported.
func TestReferralWhereAndHow(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		base := nrm.ReferralInput{Consent: nrm.ConsentGiven, MetRegion: "tirane", ReferrerType: string(nrm.OrgCustoms)}
		for _, c := range []struct {
			name  string
			edit  func(*nrm.ReferralInput)
			field string
		}{
			{"unknown channel", func(in *nrm.ReferralInput) { in.Channel = "pigeon" }, "channel"},
			{"unknown scope", func(in *nrm.ReferralInput) { in.Scope = []string{"space"} }, "trafficking_scope"},
			{"a platform without online", func(in *nrm.ReferralInput) { in.OnlinePlatform = "gaming" }, "online_platform"},
			{"an unknown country", func(in *nrm.ReferralInput) { in.ExploitCountry = "XXX" }, "exploit_country"},
			{"a region abroad", func(in *nrm.ReferralInput) { in.RecruitCountry, in.RecruitRegion = "GRC", "vlore" }, "recruit_region"},
			{"an unknown form", func(in *nrm.ReferralInput) { in.SuspectedForms = []string{"general"} }, "suspected_forms"},
			{"not sure and a form", func(in *nrm.ReferralInput) { in.SuspectedForms = []string{"labour", nrm.FormsUnsure} }, "suspected_forms"},
		} {
			in := base
			c.edit(&in)
			_, err := w.Door.Refer(ctx, w.border, in)
			var es nrm.Errors
			if !errors.As(err, &es) || !slices.ContainsFunc(es, func(e *nrm.Error) bool { return e.Field == c.field }) {
				t.Errorf("%s: want an error on %s, got %v", c.name, c.field, err)
			}
			if got := w.Door.CheckReferral(in); !slices.ContainsFunc(got, func(e *nrm.Error) bool { return e.Field == c.field }) {
				t.Errorf("%s: CheckReferral must name %s like Refer: %v", c.name, c.field, got)
			}
		}
		if es := w.Door.CheckReferral(base); len(es) != 0 {
			t.Fatalf("a good referral: %v", es)
		}

		in := base
		in.Channel, in.Scope, in.OnlinePlatform = "hotline", []string{nrm.ScopeCrossBorder, nrm.ScopeOnline}, "social_network"
		in.RecruitRegion, in.ExploitCountry, in.SuspectedForms = "vlore", "ITA", []string{"labour", "sexual"}
		res, err := w.Door.Refer(ctx, w.border, in)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := w.Door.Case(ctx, w.border, res.Person.ID)
		if err != nil {
			t.Fatal(err)
		}
		r := cf.Referrals[0]
		if r.Channel != "hotline" || !slices.Equal(r.Scope, in.Scope) || r.OnlinePlatform != "social_network" ||
			r.RecruitCountry != "ALB" || r.RecruitRegion != "vlore" || r.ExploitCountry != "ITA" || r.ExploitRegion != "" ||
			!slices.Equal(r.SuspectedForms, []string{"labour", "sexual"}) || r.ReferrerType != string(nrm.OrgCustoms) {
			t.Fatalf("the referral as kept (a region at home fills in the country): %+v", r)
		}

		// The statistics' fact of the person carries it.
		if _, err := w.Door.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		items := map[stats.Item]bool{}
		if err := w.DB.View(ctx, func(tx *store.Tx) error {
			var enc string
			if err := tx.QueryRow(ctx, `SELECT items FROM stat_facts WHERE fact_key = ?`, res.Person.ID).Scan(&enc); err != nil {
				return err
			}
			for _, it := range door.DecodeStatItems(enc) {
				items[it] = true
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []stats.Item{{Dim: stats.DimChannel, Val: "hotline"}, {Dim: stats.DimScope, Val: "cross_border"}, {Dim: stats.DimScope, Val: "online"},
			{Dim: stats.DimPlatform, Val: "social_network"}, {Dim: stats.DimRecruitNation, Val: "ALB"}, {Dim: stats.DimRecruitRegion, Val: "vlore"},
			{Dim: stats.DimExploitNation, Val: "ITA"}, {Dim: stats.DimBy, Val: string(nrm.OrgCustoms)}} {
			if !items[want] {
				t.Errorf("the fact lacks %v: %v", want, items)
			}
		}
		// The dashboard has a figure for each (its counts under disclosure control).
		rep, err := w.Door.Statistics(ctx, w.raOff, stats.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var figs []string
		for _, f := range rep.Figures {
			figs = append(figs, f.ID)
		}
		for _, want := range []string{"channel", "scope", "platform", "recruit_c", "recruit_r", "exploit_c"} {
			if !slices.Contains(figs, want) {
				t.Errorf("the dashboard lacks the %s figure: %v", want, figs)
			}
		}
		// HTCDS: the first responder's organisation type and the online platform.
		rec := htcds.Record(*res.Person, htcds.Extra{By: r.ReferrerType, Platform: r.OnlinePlatform})
		if rec[htcds.FOrgType] != "LawEnforcement" || rec[htcds.FRecruitment] != "ThroughOnlineSocialNetworks" {
			t.Errorf("HTCDS record: %v", rec)
		}
		if errs := stats.ValidateHTCDS(rec); len(errs) > 0 {
			t.Errorf("HTCDS record invalid: %v", errs)
		}
	})
}
