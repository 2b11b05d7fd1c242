package rating

// Test hooks of the follow-up outbox (followup_outbox.go).

// StopFollowupDrain makes device events only queue their follow-ups, as if
// the process ended right after each commit.
func (s *Service) StopFollowupDrain(off bool) {
	s.drainer.mu.Lock()
	defer s.drainer.mu.Unlock()
	s.drainer.off = off
}

// FailFollowups makes every follow-up fail inside its transaction (nil: none).
func (s *Service) FailFollowups(f func(ratingID int64) error) {
	s.drainer.mu.Lock()
	defer s.drainer.mu.Unlock()
	s.drainer.fault = f
}

// CarefulBatches is the number of device-event batches whose optimistic
// attempt failed and that were applied again event by event (ingest.go).
func (s *Service) CarefulBatches() int {
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	return s.events.careful
}
