package sla

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"lingting/internal/notify"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Warnings and escalation (R-SLA-04).
//
// A scanner looks only at targets whose next_fire_at has come (a partial
// index on ticket_sla_targets.next_fire_at — the cost of a cycle grows with
// what is due, not with the number of open tickets). For each such target it
// fires the steps of its plan that came due (Steps, Pending): each step is
// inserted into sla_firings under the unique key (ticket, target, generation,
// step) in the same transaction as the notifications it causes (the outbox),
// so a step fires exactly once — also with several processes on one
// PostgreSQL (rows are claimed with FOR UPDATE SKIP LOCKED; a second process
// skips them, and the unique key stops any repeat) and across restarts
// (nothing is remembered outside the database). SQLite has one writer.
//
// Whom a step notifies ("head" means: an active user of that org holding the
// permission ticket.assign — the one who dispatches there):
//   - assignee: the ticket's assignee (warnings always go here);
//   - station_head: the heads of the ticket's station (or servicing vendor org);
//   - org_manager: the heads of the nearest org above the station (or above
//     the ticket's org when no station serves it) that has any;
//   - general_manager: the heads of the operator's root org (客服中心).
//
// When nobody fills a role, the next one up is notified (assignee →
// station_head → org_manager → general_manager). Robots and webhooks receive
// every event they subscribe to. A step older than CatchUp is recorded as
// skipped ("stale"); a warning that comes due only after the deadline passed
// is skipped ("late").

// Notifier receives SLA notifications (*notify.Service).
type Notifier interface {
	EnqueueMany(ctx context.Context, evs []notify.Event) (int, error)
}

// HeadPermission is the permission that makes a user the head of their org
// for escalations.
const HeadPermission = "ticket.assign"

var notifyChain = []string{NotifyAssignee, NotifyStationHead, NotifyOrgManager, NotifyGeneralManager}

// ScanStats says what one scan did.
type ScanStats struct {
	Targets  int           `json:"targets"`  // due targets looked at
	Fired    int           `json:"fired"`    // steps recorded
	Skipped  int           `json:"skipped"`  // steps recorded without notifying (stale, late)
	Notified int           `json:"notified"` // deliveries written to the outbox
	Took     time.Duration `json:"took"`
}

// maxBatches bounds one scan (a cycle resumes where it stopped).
const maxBatches = 1000

// Scan fires every step that has come due. It is safe to run in every
// process at once.
func (tm *Timers) Scan(ctx context.Context) (ScanStats, error) {
	start := time.Now()
	ctx = scope.With(ctx, scope.System())
	now := tm.clock.Now()
	var st ScanStats
	sc := &scanCache{cals: map[int64]*Calendar{}, heads: map[int64][]int64{}, paths: map[int64]string{}, root: -1}
	for i := 0; i < maxBatches; i++ {
		n, err := tm.scanBatch(ctx, now, sc, &st)
		if err != nil {
			return st, err
		}
		if n < tm.BatchSize {
			break
		}
	}
	st.Took = time.Since(start)
	return st, nil
}

type scanCache struct {
	cals  map[int64]*Calendar
	heads map[int64][]int64
	paths map[int64]string
	root  int64
}

type dueRow struct {
	TargetState
	CalendarID int64  `db:"calendar_id"`
	PlanJSON   string `db:"plan"`
}

type ticketInfo struct {
	ID           int64   `db:"id"`
	Number       string  `db:"number"`
	Title        string  `db:"title"`
	Status       string  `db:"status"`
	AssigneeID   *int64  `db:"assignee_id"`
	AssigneeName *string `db:"assignee_name"`
	StationID    *int64  `db:"station_id"`
	StationName  *string `db:"station_name"`
	VendorOrgID  *int64  `db:"vendor_org_id"`
	OrgID        int64   `db:"org_id"`
	OrgName      string  `db:"org_name"`
	CustomerName *string `db:"customer_name"`
	AssetCode    *string `db:"asset_code"`
	AssetBrand   *string `db:"asset_brand"`
	AssetModel   *string `db:"asset_model"`
}

var dueCols = "s." + strings.ReplaceAll(targetCols, ", ", ", s.")

func (tm *Timers) scanBatch(ctx context.Context, now time.Time, sc *scanCache, st *ScanStats) (int, error) {
	var n int
	err := tm.db.WithTx(notify.WithBatch(ctx), func(ctx context.Context) error {
		q := "SELECT " + dueCols + ", h.calendar_id, h.plan FROM ticket_sla_targets s JOIN ticket_sla h ON h.ticket_id = s.ticket_id WHERE s.next_fire_at <= ? ORDER BY s.next_fire_at LIMIT ?"
		if tm.db.Dialect == store.Postgres {
			q += " FOR UPDATE OF s SKIP LOCKED"
		}
		var rows []*dueRow
		if err := tm.db.Select(ctx, &rows, q, now, tm.BatchSize); err != nil {
			return err
		}
		n = len(rows)
		if n == 0 {
			return nil
		}
		ids := make([]int64, 0, n)
		for _, r := range rows {
			ids = append(ids, r.TicketID)
		}
		ids = slices.Compact(slices.Sorted(slices.Values(ids)))
		fired, err := tm.firedBatch(ctx, ids)
		if err != nil {
			return err
		}
		infos, err := tm.ticketInfos(ctx, ids)
		if err != nil {
			return err
		}
		st.Targets += n
		return tm.processBatch(ctx, rows, now, fired, infos, sc, st)
	})
	return n, err
}

// candidate is a step about to fire on one target.
type candidate struct {
	row     *dueRow
	plan    Plan
	cal     *Calendar
	step    Step
	skipped string
	users   []int64
	notify  bool
}

// processBatch fires what came due on a batch of targets and schedules their
// next look, with a few set-based statements for the whole batch: the
// firings (one INSERT … ON CONFLICT DO NOTHING RETURNING), their events in
// the outbox (notify.EnqueueMany) and the targets' new state (one upsert).
func (tm *Timers) processBatch(ctx context.Context, rows []*dueRow, now time.Time, fired map[firedKey]map[string]bool, infos map[int64]*ticketInfo, sc *scanCache, st *ScanStats) error {
	var cands []*candidate
	plans := make([]Plan, len(rows))
	cals := make([]*Calendar, len(rows))
	for i, r := range rows {
		cal, err := tm.calendar(ctx, r.CalendarID, sc)
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(r.PlanJSON), &plans[i]); err != nil {
			return fmt.Errorf("sla: ticket %d plan: %w", r.TicketID, err)
		}
		cals[i] = cal
		s := &r.TargetState
		if !s.Running() {
			continue
		}
		due, _ := Steps(plans[i], s, cal, now)
		info := infos[r.TicketID]
		for _, step := range Pending(due, fired[firedKey{r.TicketID, r.Target, r.Generation}]) {
			c := &candidate{row: r, plan: plans[i], cal: cal, step: step}
			switch {
			case now.Sub(step.At) > tm.CatchUp:
				c.skipped = "stale"
			case step.Kind == StepWarning && !now.Before(s.DueAt):
				c.skipped = "late"
			case info == nil:
				c.skipped = "no_ticket"
			}
			c.notify = c.skipped == "" && step.Kind != StepBreach && tm.Notifier != nil
			if c.notify {
				if c.users, err = tm.recipients(ctx, info, step.Notify, sc); err != nil {
					return err
				}
			}
			cands = append(cands, c)
		}
	}
	inserted, err := tm.insertFirings(ctx, cands, now)
	if err != nil {
		return err
	}
	var events []notify.Event
	for i, c := range cands {
		s := &c.row.TargetState
		if c.step.Kind != StepWarning {
			s.markBreached() // the deadline passed, whoever recorded it
		}
		k := firedKey{s.TicketID, s.Target, s.Generation}
		if fired[k] == nil {
			fired[k] = map[string]bool{}
		}
		fired[k][c.step.Key] = true
		if !inserted[i] {
			continue // another process fired it
		}
		st.Fired++
		if c.skipped != "" {
			st.Skipped++
		}
		if c.notify {
			kind := notify.KindSLAEscalation
			if c.step.Kind == StepWarning {
				kind = notify.KindSLAWarning
			}
			events = append(events, notify.Event{Key: fmt.Sprintf("sla:%d:%s:%d:%s", s.TicketID, s.Target, s.Generation, c.step.Key), Kind: kind,
				Level: c.step.Level, Urgent: c.step.Urgent, TicketID: s.TicketID, Users: c.users, Vars: vars(infos[s.TicketID], s, c.step, now, c.cal)})
		}
	}
	if len(events) > 0 {
		n, err := tm.Notifier.EnqueueMany(ctx, events)
		if err != nil {
			return err
		}
		st.Notified += n
	}
	for i, r := range rows {
		s := &r.TargetState
		s.NextFireAt = utcPtr(nextFire(plans[i], s, cals[i], fired[firedKey{s.TicketID, s.Target, s.Generation}], now))
	}
	return tm.saveStates(ctx, rows)
}

// chunk bounds the rows of one multi-row statement (bind variables stay
// well under SQLite's and PostgreSQL's limits).
const chunk = 200

// insertFirings records the candidates' steps; it answers which were new
// (a step another process recorded first is left alone).
func (tm *Timers) insertFirings(ctx context.Context, cands []*candidate, now time.Time) ([]bool, error) {
	out := make([]bool, len(cands))
	for lo := 0; lo < len(cands); lo += chunk {
		part := cands[lo:min(lo+chunk, len(cands))]
		var q strings.Builder
		args := make([]any, 0, 11*len(part))
		q.WriteString("INSERT INTO sla_firings (ticket_id, target, generation, step, kind, level, due_at, scheduled_at, fired_at, skipped, recipients) VALUES ")
		for i, c := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			s := &c.row.TargetState
			args = append(args, s.TicketID, s.Target, s.Generation, c.step.Key, c.step.Kind, c.step.Level, utc(s.DueAt), utc(c.step.At), now, c.skipped, len(c.users))
		}
		q.WriteString(" ON CONFLICT (ticket_id, target, generation, step) DO NOTHING RETURNING ticket_id, target, generation, step")
		var got []struct {
			TicketID   int64  `db:"ticket_id"`
			Target     string `db:"target"`
			Generation int    `db:"generation"`
			Step       string `db:"step"`
		}
		if err := tm.db.Select(ctx, &got, q.String(), args...); err != nil {
			return nil, err
		}
		type key struct {
			firedKey
			step string
		}
		new := map[key]bool{}
		for _, g := range got {
			new[key{firedKey{g.TicketID, g.Target, g.Generation}, g.Step}] = true
		}
		for i, c := range part {
			s := &c.row.TargetState
			out[lo+i] = new[key{firedKey{s.TicketID, s.Target, s.Generation}, c.step.Key}]
		}
	}
	return out, nil
}

// saveStates writes the targets' breach state and next look in one upsert
// per chunk (the rows exist and are locked: the upsert only updates).
func (tm *Timers) saveStates(ctx context.Context, rows []*dueRow) error {
	for lo := 0; lo < len(rows); lo += chunk {
		part := rows[lo:min(lo+chunk, len(rows))]
		var q strings.Builder
		args := make([]any, 0, 13*len(part))
		q.WriteString("INSERT INTO ticket_sla_targets (" + targetCols + ") VALUES ")
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			s := &r.TargetState
			args = append(args, s.TicketID, s.Target, s.PolicyID, s.Generation, s.Minutes, utc(s.StartedAt), utc(s.DueAt), utcPtr(s.MetAt),
				s.Breached, utcPtr(s.BreachedAt), utcPtr(s.PausedSince), s.PausedSeconds, s.NextFireAt)
		}
		q.WriteString(" ON CONFLICT (ticket_id, target) DO UPDATE SET breached = excluded.breached, breached_at = excluded.breached_at, next_fire_at = excluded.next_fire_at")
		if _, err := tm.db.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

type firedKey struct {
	ticket int64
	target string
	gen    int
}

func (tm *Timers) firedBatch(ctx context.Context, ids []int64) (map[firedKey]map[string]bool, error) {
	q, args, err := store.In("SELECT ticket_id, target, generation, step FROM sla_firings WHERE ticket_id IN (?)", ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		TicketID   int64  `db:"ticket_id"`
		Target     string `db:"target"`
		Generation int    `db:"generation"`
		Step       string `db:"step"`
	}
	if err := tm.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := map[firedKey]map[string]bool{}
	for _, r := range rows {
		k := firedKey{r.TicketID, r.Target, r.Generation}
		if out[k] == nil {
			out[k] = map[string]bool{}
		}
		out[k][r.Step] = true
	}
	return out, nil
}

func (tm *Timers) ticketInfos(ctx context.Context, ids []int64) (map[int64]*ticketInfo, error) {
	q, args, err := store.In(`SELECT t.id, t.number, t.title, t.status, t.assignee_id, u.name AS assignee_name, t.station_id, st.name AS station_name,
		t.vendor_org_id, t.org_id, o.name AS org_name, c.name AS customer_name, a.code AS asset_code, a.brand AS asset_brand, a.model AS asset_model
		FROM tickets t JOIN orgs o ON o.id = t.org_id LEFT JOIN users u ON u.id = t.assignee_id LEFT JOIN orgs st ON st.id = t.station_id
		LEFT JOIN customers c ON c.id = t.customer_id LEFT JOIN assets a ON a.id = t.asset_id WHERE t.id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []*ticketInfo
	if err := tm.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := map[int64]*ticketInfo{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

func (tm *Timers) calendar(ctx context.Context, id int64, sc *scanCache) (*Calendar, error) {
	if c, ok := sc.cals[id]; ok {
		return c, nil
	}
	c, err := tm.svc.Calendar(ctx, id)
	if err != nil {
		return nil, err
	}
	sc.cals[id] = c
	return c, nil
}

var zones sync.Map // time zone name → *time.Location

// zone loads a time zone once (LoadLocation reads the zone database each time).
func zone(name string) *time.Location {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = time.UTC
	}
	zones.Store(name, l)
	return l
}

func orDash(p *string) string {
	if p == nil || *p == "" {
		return "—"
	}
	return *p
}

func hours(d time.Duration) string { return strconv.FormatFloat(max(d.Hours(), 0), 'f', 1, 64) }

// vars are a step's template variables.
func vars(t *ticketInfo, s *TargetState, step Step, now time.Time, cal *Calendar) map[string]string {
	loc := zone(cal.TimeZone)
	device := []string{}
	for _, p := range []*string{t.AssetCode, t.AssetBrand, t.AssetModel} {
		if p != nil && *p != "" {
			device = append(device, *p)
		}
	}
	dev := strings.Join(device, " ")
	if dev == "" {
		dev = "—"
	}
	assignee := "未指派"
	if t.AssigneeName != nil {
		assignee = *t.AssigneeName
	}
	remaining, overdue := hours(s.DueAt.Sub(now)), hours(now.Sub(s.DueAt))
	h := overdue
	if step.Kind == StepWarning {
		h = remaining
	}
	return map[string]string{"ticket_number": t.Number, "ticket_title": t.Title, "customer": orDash(t.CustomerName), "device": dev,
		"org": t.OrgName, "station": orDash(t.StationName), "assignee": assignee, "target": TargetLabels[s.Target],
		"deadline": s.DueAt.In(loc).Format("2006-01-02 15:04"), "remaining_hours": remaining, "overdue_hours": overdue, "hours": h,
		"level": strconv.Itoa(step.Level)}
}

// recipients resolves whom a step notifies, moving up the chain when a role is empty.
func (tm *Timers) recipients(ctx context.Context, t *ticketInfo, who string, sc *scanCache) ([]int64, error) {
	i := slices.Index(notifyChain, who)
	if i < 0 {
		i = 0
	}
	station := t.StationID
	if station == nil {
		station = t.VendorOrgID
	}
	for _, role := range notifyChain[i:] {
		var ids []int64
		var err error
		switch role {
		case NotifyAssignee:
			if t.AssigneeID != nil {
				ids = []int64{*t.AssigneeID}
			}
		case NotifyStationHead:
			if station != nil {
				ids, err = tm.heads(ctx, *station, sc)
			}
		case NotifyOrgManager:
			base := t.OrgID
			if station != nil {
				base = *station
			}
			ids, err = tm.managerAbove(ctx, base, sc)
		case NotifyGeneralManager:
			ids, err = tm.generalManagers(ctx, sc)
		}
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			return ids, nil
		}
	}
	return nil, nil
}

// heads are the active users of an org holding HeadPermission.
func (tm *Timers) heads(ctx context.Context, orgID int64, sc *scanCache) ([]int64, error) {
	if ids, ok := sc.heads[orgID]; ok {
		return ids, nil
	}
	var ids []int64
	err := tm.db.Select(ctx, &ids, `SELECT u.id FROM users u WHERE u.org_id = ? AND u.status = 'active' AND EXISTS (
		SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE ur.user_id = u.id AND rp.code = ?) ORDER BY u.id`, orgID, HeadPermission)
	if err != nil {
		return nil, err
	}
	sc.heads[orgID] = ids
	return ids, nil
}

// managerAbove answers the heads of the nearest org above orgID that has any.
func (tm *Timers) managerAbove(ctx context.Context, orgID int64, sc *scanCache) ([]int64, error) {
	path, ok := sc.paths[orgID]
	if !ok {
		if err := tm.db.Get(ctx, &path, "SELECT path FROM orgs WHERE id = ?", orgID); err != nil && !store.IsNoRows(err) {
			return nil, err
		}
		sc.paths[orgID] = path
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		id, err := strconv.ParseInt(parts[i], 10, 64)
		if err != nil || id == orgID {
			continue
		}
		ids, err := tm.heads(ctx, id, sc)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			return ids, nil
		}
	}
	return nil, nil
}

// generalManagers are the heads of the operator's root org.
func (tm *Timers) generalManagers(ctx context.Context, sc *scanCache) ([]int64, error) {
	if sc.root < 0 {
		sc.root = 0
		if err := tm.db.Get(ctx, &sc.root, "SELECT id FROM orgs WHERE parent_id IS NULL AND kind = 'operator' ORDER BY id LIMIT 1"); err != nil && !store.IsNoRows(err) {
			return nil, err
		}
	}
	if sc.root == 0 {
		return nil, nil
	}
	return tm.heads(ctx, sc.root, sc)
}
