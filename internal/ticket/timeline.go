package ticket

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// A ticket's timeline is append-only: events are inserted (by this package
// only) and never changed or deleted. Reading and encoding the 200 events of
// a long field-service history was nearly all of GET /tickets/{id}/events
// (docs/PERFORMANCE.md), so the encoded answer is kept per ticket and reused
// while the ticket's events are the same.
//
// "The same" is decided by one query per request, which also checks that the
// caller sees the ticket: the number of the ticket's events and the largest
// event id. Events only ever join the set, so a new committed event always
// changes the count — also on PostgreSQL, where ids from the sequence may
// commit out of order and the largest id alone could miss an event that
// commits after a newer one. The actor names in the answer come from users:
// an entry is used only under the org service's current access generation
// (this process changed no user since) and for at most timelineNamesTTL, so a
// rename made by another process shows within that bound, as with
// auth.PrincipalTTL.

// timelineNamesTTL bounds how long a cached timeline's actor names are reused.
const timelineNamesTTL = 2 * time.Second

// maxCachedTimelines keeps the cache small: emptied when full rather than
// tracking recency (the answers of 200 events are ~40 KB each).
const maxCachedTimelines = 2000

type timelineKey struct {
	count  int
	lastID int64
	gen    uint64
}

type cachedTimeline struct {
	key  timelineKey
	at   time.Time
	body []byte
}

type timelineCache struct {
	mu      sync.Mutex
	entries map[int64]cachedTimeline // by ticket id
}

func (c *timelineCache) get(id int64, k timelineKey, now time.Time) ([]byte, bool) {
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if !ok || e.key != k || now.Sub(e.at) >= timelineNamesTTL || now.Before(e.at) {
		return nil, false
	}
	return e.body, true
}

func (c *timelineCache) put(id int64, k timelineKey, now time.Time, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedTimelines {
		c.entries = make(map[int64]cachedTimeline)
	}
	c.entries[id] = cachedTimeline{key: k, at: now, body: body}
}

// timelineState reads, for a ticket the caller sees, the count and the
// largest id of its events; not_found when the caller does not see it.
func (s *Service) timelineState(ctx context.Context, id int64) (count int, lastID int64, err error) {
	pred, args := scope.From(ctx).Where(ScopeColumns)
	var row struct {
		N    int   `db:"n"`
		Last int64 `db:"last"`
	}
	err = s.db.Get(ctx, &row, `SELECT (SELECT count(*) FROM ticket_events WHERE ticket_id = t.id) AS n,
		(SELECT COALESCE(max(id), 0) FROM ticket_events WHERE ticket_id = t.id) AS last
		FROM tickets t WHERE t.id = ? AND `+pred, append([]any{id}, args...)...)
	if store.IsNoRows(err) {
		return 0, 0, apperr.NotFoundf("工单", "ticket")
	}
	return row.N, row.Last, err
}

// events reads a ticket's events in order, with the actors' names.
func (s *Service) events(ctx context.Context, id int64) ([]Event, error) {
	out := []Event{}
	if err := s.db.Select(ctx, &out, `SELECT e.id, e.kind, e.at, e.recorded_at, e.actor_id, u.name AS actor_name, e.from_status, e.to_status, e.reason, e.data
		FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.ticket_id = ? ORDER BY e.at, e.id`, id); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Data = json.RawMessage(out[i].DataJSON)
	}
	return out, nil
}

// Timeline returns the events of a visible ticket in order.
func (s *Service) Timeline(ctx context.Context, id int64) ([]Event, error) {
	if _, _, err := s.timelineState(ctx, id); err != nil {
		return nil, err
	}
	return s.events(ctx, id)
}

// TimelineBody answers the timeline of a visible ticket as encode renders
// it, reusing the rendering while the ticket's events (and the names of
// their actors, see above) are unchanged. encode must render the same events
// to the same bytes on every call: one handler passes one function.
func (s *Service) TimelineBody(ctx context.Context, id int64, encode func([]Event) ([]byte, error)) ([]byte, error) {
	// The generation is read before the database, so a rename landing while
	// this request reads is not cached as current.
	gen, now := s.orgs.AccessGeneration(), time.Now()
	n, last, err := s.timelineState(ctx, id)
	if err != nil {
		return nil, err
	}
	k := timelineKey{count: n, lastID: last, gen: gen}
	if body, ok := s.timelines.get(id, k, now); ok {
		return body, nil
	}
	evs, err := s.events(ctx, id)
	if err != nil {
		return nil, err
	}
	body, err := encode(evs)
	if err != nil {
		return nil, err
	}
	// Events read after the state may include one that committed in between:
	// cache only when the rows read are the set the key describes.
	if len(evs) == n && maxEventID(evs) == last {
		s.timelines.put(id, k, now, body)
	}
	return body, nil
}

func maxEventID(evs []Event) int64 {
	var m int64
	for _, e := range evs {
		m = max(m, e.ID)
	}
	return m
}
