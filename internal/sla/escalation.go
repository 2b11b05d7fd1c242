package sla

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
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
	Enqueue(ctx context.Context, ev notify.Event) (int, error)
	Kick()
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
	if st.Notified > 0 && tm.Notifier != nil {
		tm.Notifier.Kick()
	}
	st.Took = time.Since(start)
	return st, nil
}

// Run scans every interval until ctx ends.
func (tm *Timers) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := tm.Scan(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("sla scan", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
	err := tm.db.WithTx(ctx, func(ctx context.Context) error {
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
		for _, r := range rows {
			st.Targets++
			if err := tm.process(ctx, r, now, fired[firedKey{r.TicketID, r.Target, r.Generation}], infos[r.TicketID], sc, st); err != nil {
				return fmt.Errorf("sla: ticket %d %s: %w", r.TicketID, r.Target, err)
			}
		}
		return nil
	})
	return n, err
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

// process fires what came due on one target and schedules its next look.
func (tm *Timers) process(ctx context.Context, r *dueRow, now time.Time, fired map[string]bool, info *ticketInfo, sc *scanCache, st *ScanStats) error {
	if fired == nil {
		fired = map[string]bool{}
	}
	cal, err := tm.calendar(ctx, r.CalendarID, sc)
	if err != nil {
		return err
	}
	var pl Plan
	if err := json.Unmarshal([]byte(r.PlanJSON), &pl); err != nil {
		return err
	}
	s := &r.TargetState
	if s.Running() {
		due, _ := Steps(pl, s, cal, now)
		for _, step := range Pending(due, fired) {
			if err := tm.fire(ctx, s, step, now, cal, info, sc, st); err != nil {
				return err
			}
			fired[step.Key] = true
		}
	}
	next := utcPtr(nextFire(pl, s, cal, fired, now))
	_, err = tm.db.Exec(ctx, "UPDATE ticket_sla_targets SET breached = ?, breached_at = ?, next_fire_at = ? WHERE ticket_id = ? AND target = ?",
		s.Breached, utcPtr(s.BreachedAt), next, s.TicketID, s.Target)
	return err
}

// fire records one step and, when it notifies, writes its event to the outbox.
func (tm *Timers) fire(ctx context.Context, s *TargetState, step Step, now time.Time, cal *Calendar, info *ticketInfo, sc *scanCache, st *ScanStats) error {
	skipped := ""
	switch {
	case now.Sub(step.At) > tm.CatchUp:
		skipped = "stale"
	case step.Kind == StepWarning && !now.Before(s.DueAt):
		skipped = "late"
	case info == nil:
		skipped = "no_ticket"
	}
	var id int64
	err := tm.db.WriteGet(ctx, &id, `INSERT INTO sla_firings (ticket_id, target, generation, step, kind, level, due_at, scheduled_at, fired_at, skipped)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ticket_id, target, generation, step) DO NOTHING RETURNING id`,
		s.TicketID, s.Target, s.Generation, step.Key, step.Kind, step.Level, utc(s.DueAt), utc(step.At), now, skipped)
	if store.IsNoRows(err) {
		return nil // another process fired it
	}
	if err != nil {
		return err
	}
	st.Fired++
	if step.Kind != StepWarning {
		s.markBreached()
	}
	if skipped != "" {
		st.Skipped++
		return nil
	}
	if step.Kind == StepBreach || tm.Notifier == nil {
		return nil
	}
	users, err := tm.recipients(ctx, info, step.Notify, sc)
	if err != nil {
		return err
	}
	kind := notify.KindSLAEscalation
	if step.Kind == StepWarning {
		kind = notify.KindSLAWarning
	}
	ev := notify.Event{Key: fmt.Sprintf("sla:%d:%s:%d:%s", s.TicketID, s.Target, s.Generation, step.Key), Kind: kind, Level: step.Level,
		Urgent: step.Urgent, TicketID: s.TicketID, Users: users, Vars: vars(info, s, step, now, cal)}
	n, err := tm.Notifier.Enqueue(ctx, ev)
	if err != nil {
		return err
	}
	st.Notified += n
	_, err = tm.db.Exec(ctx, "UPDATE sla_firings SET recipients = ? WHERE id = ?", len(users), id)
	return err
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
	loc, err := time.LoadLocation(cal.TimeZone)
	if err != nil {
		loc = time.UTC
	}
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
