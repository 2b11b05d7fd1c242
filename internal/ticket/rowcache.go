package ticket

import (
	"context"
	"strings"
	"sync"

	"lingting/internal/store"
)

// A list page's CPU went mostly into reading its 20 tickets: forty columns a
// row, nine timestamps parsed from text on SQLite, reflection per column
// (docs/PERFORMANCE.md). The first pages of busy lists show the same newest
// tickets to every request, so the rows are kept per process by ticket id and
// version and read again only when the version moved.
//
// Every change of a column a list shows goes through bump (version + 1, in the
// same statement); the other writes of tickets (sla_due_at, analytics_state)
// touch columns the list does not show. A row read as version v therefore
// holds what every reader of version v reads, on either engine and from any
// process. Rows read inside a transaction are not kept: that transaction may
// still roll back a version another one will reuse.
//
// The names shown with a ticket (type, customer, device, orgs, assignee) live
// in other tables and change without the ticket's version moving, so they are
// never taken from the cache: the query that finds a page's ids reads them,
// with each ticket's version, on every request.

// maxCachedRows bounds the cache: emptied when full rather than tracking recency.
const maxCachedRows = 20000

type rowCache struct {
	mu   sync.Mutex
	rows map[int64]Ticket // by id; Custom, Durations and SLA unset (derive sets them)
}

// headSQL reads, for the ids a subquery selects, each ticket's version and the
// names pageSQL shows with it.
func headSQL(ids string) string {
	return `SELECT t.id, t.version, (SELECT name FROM ticket_types WHERE code = t.type) AS type_name,
       (SELECT name FROM customers WHERE id = t.customer_id) AS customer_name, (SELECT code FROM assets WHERE id = t.asset_id) AS asset_code,
       (SELECT name FROM orgs WHERE id = t.org_id) AS org_name, (SELECT name FROM orgs WHERE id = t.vendor_org_id) AS vendor_org_name,
       (SELECT name FROM orgs WHERE id = t.station_id) AS station_name, (SELECT name FROM users WHERE id = t.assignee_id) AS assignee_name
FROM (` + ids + `) p
JOIN tickets t ON t.id = p.id`
}

// pageRows answers the tickets whose ids the subquery ids selects (ordered by
// order), as pageSQL would, reading in full only the rows not cached at their
// current version.
func (s *Service) pageRows(ctx context.Context, ids, order string, args []any) ([]*Ticket, error) {
	heads := []*Ticket{}
	if err := s.db.Select(ctx, &heads, headSQL(ids)+order, args...); err != nil {
		return nil, err
	}
	var missing []int64
	s.rows.mu.Lock()
	for i, h := range heads {
		c, ok := s.rows.rows[h.ID]
		if !ok || c.Version != h.Version {
			missing = append(missing, h.ID)
			continue
		}
		c.TypeName, c.CustomerName, c.AssetCode, c.OrgName = h.TypeName, h.CustomerName, h.AssetCode, h.OrgName
		c.VendorOrgName, c.StationName, c.AssigneeName = h.VendorOrgName, h.StationName, h.AssigneeName
		heads[i] = &c
	}
	s.rows.mu.Unlock()
	if len(missing) == 0 {
		return heads, nil
	}
	fresh, err := s.readRows(ctx, missing)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*Ticket, len(fresh))
	for _, t := range fresh {
		byID[t.ID] = t
	}
	keep := !store.InTx(ctx)
	s.rows.mu.Lock()
	defer s.rows.mu.Unlock()
	if keep && (s.rows.rows == nil || len(s.rows.rows)+len(fresh) > maxCachedRows) {
		s.rows.rows = make(map[int64]Ticket, len(fresh))
	}
	for i, h := range heads {
		t, ok := byID[h.ID]
		if !ok {
			continue // taken from the cache above
		}
		if keep {
			s.rows.rows[t.ID] = *t
		}
		// A row changed between the two reads shows its newer version,
		// with the names read alongside it.
		heads[i] = t
	}
	out := heads[:0]
	for _, h := range heads {
		if h.Number != "" { // a head row still: the ticket was not found by id
			out = append(out, h)
		}
	}
	return out, nil
}

// readRows reads tickets in full by id. The id list is padded to a power of
// two (repeating the last id) so that few statement texts are prepared.
func (s *Service) readRows(ctx context.Context, ids []int64) ([]*Ticket, error) {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	args := make([]any, n)
	for i := range args {
		args[i] = ids[min(i, len(ids)-1)]
	}
	out := []*Ticket{}
	q := pageSQL("SELECT t.id FROM tickets t WHERE t.id IN (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")")
	err := s.db.Select(ctx, &out, q, args...)
	return out, err
}
