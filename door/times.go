package door

import "time"

// firstContact is when the person was first met: the start of the day the
// referral records (in the jurisdiction's time zone), so that "days from
// first contact" counts from the meeting, not from the typing. A meeting
// date without a day, or none, leaves the time the referral was made.
func (s *Service) firstContact(metOn string, now time.Time) time.Time {
	if len(metOn) != len("2006-01-02") {
		return now
	}
	day, err := time.ParseInLocation("2006-01-02", metOn, s.profile.Location())
	if err != nil || day.After(now) {
		return now
	}
	return day
}

// local is t in the jurisdiction's time zone (the zero time stays zero), for
// what leaves the door to be shown or written to a file.
func (s *Service) local(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(s.profile.Location())
}
