package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/org"
	"lingting/internal/store"
)

// The bulk loader writes tickets with their whole history (demo data, a
// migration from another system, benchmarks) straight into tickets and
// ticket_events with multi-row INSERTs, one transaction per chunk. Each
// ticket's steps are replayed through the same rules as Create, Assign,
// Transition and RecordEvent — workflow checks, pending intervals, field-event
// order, station and vendor taken from the assignee — so the rows equal what
// those calls would have stored: the same columns, the version, the day
// column, the derived pending time, and one timeline event per step with the
// same data. Numbers come from ticket_numbers like Create's, so they stay
// unique next to tickets created meanwhile, by any process.
//
// What only makes sense live is skipped: the SLA hook (bulk tickets carry no
// SLA policy: give open tickets that need live timers to Create and the
// flow calls instead), per-change audit entries (one entry per chunk says what
// was loaded) and the sub-task rule (bulk tickets have no parent).

// BulkTicket is one ticket and its history for BulkLoad. As in CreateInput, a
// device sets where the work is and who services it; otherwise the
// customer's org, or OrgID, does.
type BulkTicket struct {
	Type, Title, Description string
	Priority                 string // "" is normal
	Channel                  string // "" is phone
	CustomerID, AssetID      *int64
	OrgID                    int64
	CategoryID               *int64
	ReportedAt               time.Time
	// Entered marks a report time entered after the fact (R-TKT-08), as a
	// reported_at given to Create does.
	Entered bool
	// CreatedAt is when the ticket was recorded; zero: ReportedAt.
	CreatedAt time.Time
	// CreatedBy is the user who recorded it (0: none), also the actor of its
	// "reported" event.
	CreatedBy int64
	Steps     []BulkStep
}

// Kinds of BulkStep.
const (
	StepAssign   = "assign"   // Assign: UserID or OrgID (a station)
	StepStatus   = "status"   // Transition: To, Reason
	StepDeparted = "departed" // RecordEvent 出发
	StepArrived  = "arrived"  // RecordEvent 到达 (DistanceKM)
	StepRepaired = "repaired" // RecordEvent 修复
)

// BulkStep is one change of a BulkTicket, in order.
type BulkStep struct {
	Kind string
	At   time.Time
	// Entered marks a time entered after the fact (the "at" of the API).
	Entered bool
	// RecordedAt is when the step was recorded; zero: At.
	RecordedAt time.Time
	ActorID    int64 // who did it (0: none)
	UserID     int64 // assign: the person
	OrgID      int64 // assign: the station, vendor or department
	To, Reason string
	DistanceKM *float64
	Note       string
}

// BulkOptions tune BulkLoad.
type BulkOptions struct {
	// Chunk is how many tickets one transaction writes (default 5,000).
	Chunk int
	// Progress, when set, is called after each committed chunk.
	Progress func(BulkStats)
}

// BulkStats counts what BulkLoad wrote.
type BulkStats struct {
	Chunks, Tickets, Events int
	FirstID, LastID         int64
}

// Rows per INSERT statement: below SQLite's 32,766 parameters.
const (
	bulkTicketRows = 1000 // 31 columns
	bulkEventRows  = 3000 // 9 columns
)

var (
	bulkTicketCols = []string{"id", "number", "type", "title", "description", "priority", "status", "pending_reason", "channel",
		"customer_id", "asset_id", "org_id", "vendor_org_id", "station_id", "assignee_id", "category_id", "reported_at", "assigned_at",
		"departed_at", "arrived_at", "repaired_at", "resolved_at", "closed_at", "distance_km", "pending_seconds", "pending_since",
		"created_by", "version", "day", "created_at", "updated_at"}
	bulkEventCols = []string{"ticket_id", "kind", "at", "recorded_at", "actor_id", "from_status", "to_status", "reason", "data"}
)

// BulkLoad writes the tickets in the order given (ids ascend in that order,
// so give them oldest first), Chunk tickets per transaction. A ticket whose
// history breaks a rule stops the load with an error naming it; the chunks
// committed before stay, each consistent.
func (s *Service) BulkLoad(ctx context.Context, tickets iter.Seq[BulkTicket], opt BulkOptions) (BulkStats, error) {
	if opt.Chunk <= 0 {
		opt.Chunk = 5000
	}
	var st BulkStats
	l, err := s.newBulkLoader(ctx)
	if err != nil {
		return st, err
	}
	if s.db.Dialect == store.SQLite {
		// A bigger page cache for the writer while loading: the secondary
		// indexes take keys all over their trees. Restored afterwards.
		var was int64
		if err := s.db.WriteGet(ctx, &was, "PRAGMA cache_size"); err != nil {
			return st, err
		}
		if _, err := s.db.Exec(ctx, "PRAGMA cache_size = -131072"); err != nil {
			return st, err
		}
		defer func() { _, _ = s.db.Exec(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", was)) }()
	}

	// A goroutine replays and renders the next chunk while this one writes.
	type prepared struct {
		chunk *bulkChunk
		err   error
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	chunks := make(chan prepared, 2)
	go func() {
		defer close(chunks)
		send := func(p prepared) bool {
			select {
			case chunks <- p:
				return true
			case <-pctx.Done():
				return false
			}
		}
		batch := make([]BulkTicket, 0, opt.Chunk)
		index := 0
		flush := func() bool {
			c, err := l.prepare(pctx, batch, index)
			index += len(batch)
			batch = batch[:0]
			return send(prepared{c, err}) && err == nil
		}
		for t := range tickets {
			batch = append(batch, t)
			if len(batch) == opt.Chunk && !flush() {
				return
			}
		}
		if len(batch) > 0 {
			flush()
		}
	}()
	for p := range chunks {
		if p.err != nil {
			return st, p.err
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		first, last, err := l.write(ctx, p.chunk)
		if err != nil {
			return st, err
		}
		if st.FirstID == 0 {
			st.FirstID = first
		}
		st.LastID = last
		st.Chunks++
		st.Tickets += len(p.chunk.tickets)
		st.Events += p.chunk.events
		if opt.Progress != nil {
			opt.Progress(st)
		}
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if s.db.Dialect == store.Postgres && st.Tickets >= 1000 {
		// Plans follow the statistics; autovacuum would refresh them later.
		if _, err := s.db.Exec(ctx, "ANALYZE tickets, ticket_events, ticket_numbers"); err != nil {
			return st, err
		}
	}
	return st, nil
}

// Zone is the time zone of the day column and ticket numbers (Asia/Shanghai).
func (s *Service) Zone() *time.Location { return s.zone }

type bulkOrg struct {
	name string
	kind org.Kind
}

type bulkUser struct {
	name, status string
	orgID        int64
}

type bulkAsset struct {
	orgID    int64
	vendorID *int64
}

// bulkLoader holds what chunks share: workflows, orgs, users, categories,
// devices and customers seen, statement texts.
type bulkLoader struct {
	s          *Service
	now        time.Time
	workflows  map[string]Workflow
	orgs       map[int64]bulkOrg
	users      map[int64]bulkUser
	categories map[int64]bool
	assets     map[int64]bulkAsset
	customers  map[int64]int64 // id → org
	sql        map[string]string
}

func (s *Service) newBulkLoader(ctx context.Context) (*bulkLoader, error) {
	l := &bulkLoader{s: s, now: s.now(), workflows: map[string]Workflow{}, orgs: map[int64]bulkOrg{}, users: map[int64]bulkUser{},
		categories: map[int64]bool{}, assets: map[int64]bulkAsset{}, customers: map[int64]int64{}, sql: map[string]string{}}
	types, err := s.Types(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		l.workflows[t.Code] = t.Workflow
	}
	var orgs []struct {
		ID   int64    `db:"id"`
		Name string   `db:"name"`
		Kind org.Kind `db:"kind"`
	}
	if err := s.db.Select(ctx, &orgs, "SELECT id, name, kind FROM orgs"); err != nil {
		return nil, err
	}
	for _, o := range orgs {
		l.orgs[o.ID] = bulkOrg{o.Name, o.Kind}
	}
	var users []struct {
		ID     int64  `db:"id"`
		Name   string `db:"name"`
		Status string `db:"status"`
		OrgID  int64  `db:"org_id"`
	}
	if err := s.db.Select(ctx, &users, "SELECT id, name, status, org_id FROM users"); err != nil {
		return nil, err
	}
	for _, u := range users {
		l.users[u.ID] = bulkUser{u.Name, u.Status, u.OrgID}
	}
	var cats []int64
	if err := s.db.Select(ctx, &cats, "SELECT id FROM kb_categories"); err != nil {
		return nil, err
	}
	for _, c := range cats {
		l.categories[c] = true
	}
	return l, nil
}

// lookup reads the devices and customers of a chunk not seen before.
func (l *bulkLoader) lookup(ctx context.Context, batch []BulkTicket) error {
	var assets, customers []int64
	seenA, seenC := map[int64]bool{}, map[int64]bool{}
	for i := range batch {
		if a := batch[i].AssetID; a != nil && !seenA[*a] {
			if _, ok := l.assets[*a]; !ok {
				assets = append(assets, *a)
			}
			seenA[*a] = true
		}
		if c := batch[i].CustomerID; c != nil && !seenC[*c] {
			if _, ok := l.customers[*c]; !ok {
				customers = append(customers, *c)
			}
			seenC[*c] = true
		}
	}
	for lo := 0; lo < len(assets); lo += 500 {
		q, args, err := store.In("SELECT id, org_id, vendor_org_id FROM assets WHERE id IN (?)", assets[lo:min(lo+500, len(assets))])
		if err != nil {
			return err
		}
		var rows []struct {
			ID       int64  `db:"id"`
			OrgID    int64  `db:"org_id"`
			VendorID *int64 `db:"vendor_org_id"`
		}
		if err := l.s.db.Select(ctx, &rows, q, args...); err != nil {
			return err
		}
		for _, r := range rows {
			l.assets[r.ID] = bulkAsset{r.OrgID, r.VendorID}
		}
	}
	for lo := 0; lo < len(customers); lo += 500 {
		q, args, err := store.In("SELECT id, org_id FROM customers WHERE deleted_at IS NULL AND id IN (?)", customers[lo:min(lo+500, len(customers))])
		if err != nil {
			return err
		}
		var rows []struct {
			ID    int64 `db:"id"`
			OrgID int64 `db:"org_id"`
		}
		if err := l.s.db.Select(ctx, &rows, q, args...); err != nil {
			return err
		}
		for _, r := range rows {
			l.customers[r.ID] = r.OrgID
		}
	}
	return nil
}

// bulkChunk is a chunk replayed and rendered; ids and numbers are filled in
// by write, inside the transaction.
type bulkChunk struct {
	tickets []bulkRow
	days    map[int]int // tickets per day
	events  int
	orgs    map[int64]int // tickets per org, for the audit entries
}

type bulkRow struct {
	day    int
	args   []any // bulkTicketCols; id and number at 0 and 1
	events []any // bulkEventCols per event; ticket_id at 0 of each
}

func (l *bulkLoader) prepare(ctx context.Context, batch []BulkTicket, index int) (*bulkChunk, error) {
	if err := l.lookup(ctx, batch); err != nil {
		return nil, err
	}
	c := &bulkChunk{tickets: make([]bulkRow, 0, len(batch)), days: map[int]int{}, orgs: map[int64]int{}}
	for i := range batch {
		row, err := l.replay(&batch[i])
		if err != nil {
			return nil, fmt.Errorf("ticket: bulk ticket %d (%s): %w", index+i, batch[i].Title, err)
		}
		c.tickets = append(c.tickets, row)
		c.days[row.day]++
		c.events += len(row.events) / len(bulkEventCols)
		c.orgs[row.args[11].(int64)]++
	}
	return c, nil
}

// bulkState is a ticket's columns while its steps replay.
type bulkState struct {
	status, pendingReason                                                             string
	vendorID, stationID, assigneeID                                                   *int64
	assignedAt, departedAt, arrivedAt, repairedAt, resolvedAt, closedAt, pendingSince *time.Time
	distance                                                                          *float64
	pendingSecs, version                                                              int
}

// Event data, with fields in key order so they encode as the service's maps do.
type (
	reportedData struct {
		Channel string `json:"channel"`
		Entered bool   `json:"entered"`
	}
	assignedData struct {
		Assignee string `json:"assignee,omitempty"`
		Entered  bool   `json:"entered"`
		Note     string `json:"note"`
		Station  string `json:"station,omitempty"`
	}
	statusData struct {
		Entered        bool    `json:"entered"`
		Note           string  `json:"note"`
		PendingReason  *string `json:"pending_reason,omitempty"`
		PendingSeconds *int    `json:"pending_seconds,omitempty"`
		Reopened       bool    `json:"reopened,omitempty"`
	}
	fieldData struct {
		DistanceKM *float64 `json:"distance_km,omitempty"`
		Entered    bool     `json:"entered"`
		Note       string   `json:"note"`
	}
)

func utcMicro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func orNil(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func ptr[T any](v T) *T { return &v }

// replay checks a ticket as Create would, then each step as the flow call
// of its kind would, and renders the rows.
func (l *bulkLoader) replay(in *BulkTicket) (bulkRow, error) {
	s := l.s
	var v apperr.Validation
	title, desc := strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	v.Required("title", title)
	if len([]rune(title)) > 200 {
		v.Add("title", "标题不能超过 200 字", "title must be at most 200 characters")
	}
	prio, channel := in.Priority, in.Channel
	if prio == "" {
		prio = "normal"
	}
	if !priorities[prio] {
		v.Add("priority", "优先级只能是 low、normal、high、urgent", "priority must be low, normal, high or urgent")
	}
	if channel == "" {
		channel = "phone"
	}
	if !channels[channel] {
		v.Add("channel", "渠道无效", "unknown channel")
	}
	if in.ReportedAt.IsZero() {
		v.Add("reported_at", "缺少报告时间", "reported_at is missing")
	}
	reported := utcMicro(in.ReportedAt)
	if reported.After(l.now.Add(time.Minute)) {
		v.Add("reported_at", "报告时间不能晚于现在", "reported_at cannot be in the future")
	}
	wf, ok := l.workflows[in.Type]
	if !ok {
		v.Add("type", "工单类型不存在："+in.Type, "unknown ticket type: "+in.Type)
	}
	if err := v.Err(); err != nil {
		return bulkRow{}, err
	}
	orgID, vendorID := int64(0), (*int64)(nil)
	if in.AssetID != nil {
		a, ok := l.assets[*in.AssetID]
		if !ok {
			return bulkRow{}, apperr.Field("asset_id", "设备不存在", "device not found")
		}
		orgID, vendorID = a.orgID, a.vendorID
	}
	if in.CustomerID != nil {
		c, ok := l.customers[*in.CustomerID]
		if !ok {
			return bulkRow{}, apperr.Field("customer_id", "客户不存在", "customer not found")
		}
		if orgID == 0 {
			orgID = c
		}
	}
	if orgID == 0 {
		orgID = in.OrgID
	}
	if orgID == 0 {
		return bulkRow{}, apperr.Field("org_id", "请指定客户、设备或机构", "give a customer, a device or an org")
	}
	if _, ok := l.orgs[orgID]; !ok {
		return bulkRow{}, apperr.Field("org_id", "机构不存在", "org not found")
	}
	if in.CategoryID != nil && !l.categories[*in.CategoryID] {
		return bulkRow{}, apperr.Field("category_id", "故障分类不存在", "fault category not found")
	}
	created := reported
	if !in.CreatedAt.IsZero() {
		created = utcMicro(in.CreatedAt)
	}
	updated := created
	t := bulkState{status: StatusNew, vendorID: vendorID, version: 1}
	events := make([]any, 0, (len(in.Steps)+1)*len(bulkEventCols))
	event := func(kind string, at, recorded time.Time, actor int64, from, to, reason string, data any) error {
		raw, err := json.Marshal(data)
		if err != nil {
			return err
		}
		events = append(events, nil, kind, at, recorded, orNil(actor), from, to, reason, string(raw))
		return nil
	}
	if err := event("reported", reported, created, in.CreatedBy, "", StatusNew, "", reportedData{Channel: channel, Entered: in.Entered}); err != nil {
		return bulkRow{}, err
	}
	for i := range in.Steps {
		st := &in.Steps[i]
		if st.At.IsZero() {
			return bulkRow{}, fmt.Errorf("step %d (%s): %w", i, st.Kind, apperr.Field("at", "缺少时间", "at is missing"))
		}
		at := utcMicro(st.At)
		if at.After(l.now.Add(time.Minute)) {
			return bulkRow{}, fmt.Errorf("step %d (%s): %w", i, st.Kind, apperr.Field("at", "时间不能晚于现在", "the time cannot be in the future"))
		}
		recorded := at
		if !st.RecordedAt.IsZero() {
			recorded = utcMicro(st.RecordedAt)
		}
		var err error
		switch st.Kind {
		case StepAssign:
			err = l.assign(&t, wf, st, at, recorded, event)
		case StepStatus:
			err = l.transition(&t, wf, st, at, recorded, event)
		case StepDeparted, StepArrived, StepRepaired:
			err = l.field(&t, st, at, recorded, event)
		default:
			err = apperr.Field("kind", "未知步骤："+st.Kind, "unknown step: "+st.Kind)
		}
		if err != nil {
			return bulkRow{}, fmt.Errorf("step %d (%s): %w", i, st.Kind, err)
		}
		t.version++
		updated = recorded
	}
	var createdBy any
	if in.CreatedBy != 0 {
		createdBy = in.CreatedBy
	}
	day := s.day(reported)
	args := []any{nil, nil, in.Type, title, desc, prio, t.status, t.pendingReason, channel,
		in.CustomerID, in.AssetID, orgID, t.vendorID, t.stationID, t.assigneeID, in.CategoryID, reported, t.assignedAt,
		t.departedAt, t.arrivedAt, t.repairedAt, t.resolvedAt, t.closedAt, t.distance, t.pendingSecs, t.pendingSince,
		createdBy, t.version, day, created, updated}
	return bulkRow{day: day, args: args, events: events}, nil
}

type eventFunc func(kind string, at, recorded time.Time, actor int64, from, to, reason string, data any) error

// assign is Assign's rules on a replayed ticket.
func (l *bulkLoader) assign(t *bulkState, wf Workflow, st *BulkStep, at, recorded time.Time, event eventFunc) error {
	if (st.UserID == 0) == (st.OrgID == 0) {
		return apperr.Field("user_id", "请指定处理人（user_id）或服务站点（org_id）之一", "give either user_id or org_id")
	}
	if t.status != StatusAssigned && t.status != StatusNew && t.status != StatusInProgress {
		return apperr.New(apperr.Conflict, "当前状态不能派单："+t.status, "a ticket cannot be assigned while "+t.status)
	}
	if err := wf.Check(Move{From: t.status, To: StatusAssigned}); err != nil {
		return err
	}
	stationID, assignee, vendorID := t.stationID, (*int64)(nil), t.vendorID
	data := assignedData{Note: st.Note, Entered: st.Entered}
	if st.OrgID != 0 {
		o, ok := l.orgs[st.OrgID]
		if !ok || (o.kind != org.KindStation && o.kind != org.KindVendor && o.kind != org.KindDepartment) {
			return apperr.Field("org_id", "只能派给服务站点、服务商或部门", "assign to a station, vendor or department")
		}
		stationID, data.Station = ptr(st.OrgID), o.name
		if o.kind != org.KindDepartment {
			vendorID = ptr(st.OrgID)
		}
	} else {
		u, ok := l.users[st.UserID]
		if !ok || u.status != org.StatusActive {
			return apperr.Field("user_id", "处理人不存在或已停用", "assignee not found or not active")
		}
		assignee, data.Assignee = ptr(st.UserID), u.name
		if o, ok := l.orgs[u.orgID]; ok && (o.kind == org.KindStation || o.kind == org.KindVendor) {
			stationID, vendorID = ptr(u.orgID), ptr(u.orgID)
		}
	}
	if t.assignedAt == nil {
		t.assignedAt = ptr(at)
	}
	from := t.status
	t.status, t.assigneeID, t.stationID, t.vendorID = StatusAssigned, assignee, stationID, vendorID
	return event("assigned", at, recorded, st.ActorID, from, StatusAssigned, "", data)
}

// transition is Transition's rules on a replayed ticket (bulk tickets have no
// sub-tasks).
func (l *bulkLoader) transition(t *bulkState, wf Workflow, st *BulkStep, at, recorded time.Time, event eventFunc) error {
	if st.To == "" {
		var v apperr.Validation
		v.Required("to", st.To)
		return v.Err()
	}
	since := t.resolvedAt
	if since == nil {
		since = t.closedAt
	}
	days := 0
	if since != nil {
		days = int(at.Sub(*since).Hours() / 24)
	}
	if err := wf.Check(Move{From: t.status, To: st.To, Reason: st.Reason, DaysSinceResolved: days}); err != nil {
		return err
	}
	from, _ := wf.Status(t.status)
	to, _ := wf.Status(st.To)
	reason := ""
	data := statusData{Note: st.Note, Entered: st.Entered}
	if from.PausesSLA && t.pendingSince != nil {
		d := int(at.Sub(*t.pendingSince).Seconds())
		if d > 0 {
			t.pendingSecs += d
		}
		data.PendingReason, data.PendingSeconds = ptr(t.pendingReason), ptr(d)
		t.pendingSince = nil
	}
	if to.PausesSLA {
		t.pendingSince, reason = ptr(at), st.Reason
	}
	switch st.To {
	case StatusResolved:
		t.resolvedAt = ptr(at)
	case StatusClosed:
		t.closedAt = ptr(at)
		if t.resolvedAt == nil {
			t.resolvedAt = ptr(at)
		}
	case StatusInProgress:
		if t.status == StatusResolved || t.status == StatusClosed {
			t.resolvedAt, t.closedAt, data.Reopened = nil, nil, true
		}
	}
	old := t.status
	t.status, t.pendingReason = st.To, reason
	return event("status", at, recorded, st.ActorID, old, st.To, st.Reason, data)
}

// field is RecordEvent's rules on a replayed ticket.
func (l *bulkLoader) field(t *bulkState, st *BulkStep, at, recorded time.Time, event eventFunc) error {
	if st.DistanceKM != nil && (*st.DistanceKM < 0 || *st.DistanceKM > 2000) {
		return apperr.Field("distance_km", "往返路程须在 0–2000 公里之间", "distance_km must be 0–2000")
	}
	if t.status == StatusNew || t.status == StatusResolved || t.status == StatusClosed {
		return apperr.New(apperr.Conflict, "工单须先派单且未解决，才能记录现场事件", "field events need an assigned, unresolved ticket")
	}
	switch st.Kind {
	case StepArrived:
		if t.departedAt != nil && at.Before(*t.departedAt) {
			return apperr.Field("at", "到达时间不能早于出发时间", "arrival cannot precede departure")
		}
	case StepRepaired:
		if t.arrivedAt == nil {
			return apperr.New(apperr.Conflict, "请先记录到达", "record the arrival first")
		}
		if at.Before(*t.arrivedAt) {
			return apperr.Field("at", "修复时间不能早于到达时间", "repair cannot precede arrival")
		}
	}
	status := t.status
	if st.Kind == StepArrived && t.status == StatusAssigned {
		status = StatusInProgress
	}
	switch st.Kind {
	case StepDeparted:
		t.departedAt = ptr(at)
	case StepArrived:
		t.arrivedAt = ptr(at)
	case StepRepaired:
		t.repairedAt = ptr(at)
	}
	if st.DistanceKM != nil {
		t.distance = ptr(*st.DistanceKM)
	}
	from := t.status
	t.status = status
	return event(st.Kind, at, recorded, st.ActorID, from, status, "", fieldData{Note: st.Note, Entered: st.Entered, DistanceKM: st.DistanceKM})
}

// write reserves ids and numbers for a chunk and inserts it, in one transaction.
func (l *bulkLoader) write(ctx context.Context, c *bulkChunk) (first, last int64, err error) {
	s := l.s
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		ids, err := l.nextIDs(ctx, len(c.tickets))
		if err != nil {
			return err
		}
		// Days in order, so two loaders never wait for each other's rows.
		next := map[int]int64{} // day → next sequence number
		for _, day := range slices.Sorted(maps.Keys(c.days)) {
			n := c.days[day]
			var last int64
			if err := s.db.WriteGet(ctx, &last, "INSERT INTO ticket_numbers (day, last) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET last = ticket_numbers.last + excluded.last RETURNING last", day, n); err != nil {
				return err
			}
			next[day] = last - int64(n) + 1
		}
		width := len(bulkEventCols)
		rows := make([]any, 0, len(c.tickets)*len(bulkTicketCols))
		events := make([]any, 0, c.events*width)
		for i := range c.tickets {
			r := &c.tickets[i]
			id := ids[i]
			r.args[0], r.args[1] = id, fmt.Sprintf("GD%d-%06d", r.day, next[r.day])
			next[r.day]++
			rows = append(rows, r.args...)
			for k := 0; k < len(r.events); k += width {
				r.events[k] = id
			}
			events = append(events, r.events...)
		}
		if err := l.insertRows(ctx, "tickets", bulkTicketCols, rows, bulkTicketRows); err != nil {
			return err
		}
		if err := l.insertRows(ctx, "ticket_events", bulkEventCols, events, bulkEventRows); err != nil {
			return err
		}
		first, last = ids[0], ids[len(ids)-1]
		for _, orgID := range slices.Sorted(maps.Keys(c.orgs)) {
			n := c.orgs[orgID]
			if err := s.audit.Record(ctx, audit.Entry{Action: "bulk_load", Entity: "ticket", OrgID: orgID,
				Summary: fmt.Sprintf("批量导入历史工单 %d 条（ID %d–%d 之间）", n, first, last)}); err != nil {
				return err
			}
		}
		return nil
	})
	return first, last, err
}

// nextIDs reserves n ticket ids: from the identity sequence on PostgreSQL
// (safe next to other processes), after the largest id on SQLite (whose
// single writer serialises every write transaction).
func (l *bulkLoader) nextIDs(ctx context.Context, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	db := l.s.db
	if db.Dialect == store.Postgres {
		err := db.Select(ctx, &out, "SELECT nextval(pg_get_serial_sequence('tickets', 'id')) FROM generate_series(1, ?)", n)
		if err == nil && len(out) != n {
			err = fmt.Errorf("ticket: reserved %d of %d ids", len(out), n)
		}
		return out, err
	}
	var last int64
	if err := db.Get(ctx, &last, "SELECT max(COALESCE((SELECT max(id) FROM tickets), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'tickets'), 0))"); err != nil {
		return nil, err
	}
	for i := range n {
		out = append(out, last+1+int64(i))
	}
	return out, nil
}

// insertRows writes args (len(cols) values a row) with INSERTs of at most
// perStmt rows, each statement prepared once per transaction.
func (l *bulkLoader) insertRows(ctx context.Context, table string, cols []string, args []any, perStmt int) error {
	width := len(cols)
	rows := len(args) / width
	stmts := store.NewStmts()
	defer stmts.Close()
	for lo := 0; lo < rows; lo += perStmt {
		n := min(perStmt, rows-lo)
		key := fmt.Sprintf("%s/%d", table, n)
		q, ok := l.sql[key]
		if !ok {
			q = store.MultiRowInsert(table, cols, n, "")
			l.sql[key] = q
		}
		if _, err := l.s.db.ExecCached(ctx, stmts, q, args[lo*width:(lo+n)*width]...); err != nil {
			return fmt.Errorf("ticket: bulk load into %s: %w", table, err)
		}
	}
	return nil
}
