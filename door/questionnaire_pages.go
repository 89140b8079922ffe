package door

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// QuestionnaireToAnswer returns what the answer form needs: a campaign sent
// to the actor's organisation, the questionnaire version it sent, and
// whether it is open for answers today. It applies the rule of
// AnswerQuestionnaire (only the organisations asked), so a form is shown
// exactly to those whose answers would be taken; everyone else finds no
// campaign. It records nothing: the answer itself is audited.
func (s *Service) QuestionnaireToAnswer(ctx context.Context, a *nrm.Actor, campaignID string) (*nrm.QuestionnaireCampaign, *nrm.Questionnaire, bool, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, nil, false, err
	}
	if !validID(campaignID) {
		return nil, nil, false, nrm.ErrNotFound
	}
	var c nrm.QuestionnaireCampaign
	var q *nrm.Questionnaire
	err := s.db.View(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `SELECT c.id, c.version_id, c.title, c.opens_on, c.closes_on FROM questionnaire_campaigns c
			JOIN questionnaire_campaign_orgs o ON o.campaign_id = c.id WHERE c.id = ? AND o.org_id = ?`, campaignID, a.OrgID).
			Scan(&c.ID, &c.VersionID, &c.Title, &c.OpensOn, &c.ClosesOn)
		if errors.Is(err, sql.ErrNoRows) {
			return nrm.ErrNotFound
		} else if err != nil {
			return err
		}
		q, err = loadQuestionnaire(ctx, tx, "", &c.VersionID, 0)
		if err != nil {
			return err
		}
		c.Version = q.Version
		return nil
	})
	if err != nil {
		return nil, nil, false, fail(err)
	}
	today := s.Now().In(s.profile.Location()).Format(time.DateOnly)
	return &c, q, today >= c.OpensOn && today <= c.ClosesOn, nil
}
