package sla

import (
	"sync/atomic"
	"time"
)

// Clock is the process's notion of now for SLA timers, escalation and
// notification delivery. It runs with real time, shifted by an offset that
// tests set (Set, Advance) to drive tickets past their warning and breach
// instants without waiting. A nil *Clock is real time. Instants are UTC with
// microsecond precision (what both databases keep).
type Clock struct {
	offset atomic.Int64 // nanoseconds added to real time
}

// NewClock returns a real-time clock.
func NewClock() *Clock { return &Clock{} }

// Now is the current instant.
func (c *Clock) Now() time.Time {
	now := time.Now()
	if c != nil {
		now = now.Add(time.Duration(c.offset.Load()))
	}
	return now.UTC().Truncate(time.Microsecond)
}

// Set makes Now answer t at this moment (time keeps running from there).
func (c *Clock) Set(t time.Time) { c.offset.Store(int64(time.Until(t))) }

// Advance moves the clock forward by d (backward when negative).
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Reset returns the clock to real time.
func (c *Clock) Reset() { c.offset.Store(0) }

// utc normalises an instant for storage and comparison: SQLite compares
// instants as text, so every stored instant must be UTC.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}
