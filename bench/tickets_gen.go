package main

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"time"

	"lingting/internal/asset"
	"lingting/internal/demo"
	"lingting/internal/org"
	"lingting/internal/scope"
	"lingting/internal/ticket"
)

// The ticket bench world: the demo bank grows ten more branches of four
// sub-branches with six outlets each (240 outlets, five devices each), the
// demo vendor twenty stations with two engineers each; every sub-branch is
// serviced by one station. A million tickets then spread over 13 months,
// about 4,200 per outlet, 50,000 per station and 100,000 per branch, most
// closed after a full field timeline, the newest still open.

const (
	tkBranches    = 10
	tkSubBranches = 4
	tkOutlets     = 6
	tkStations    = 20
	tkDevices     = 5 // per outlet
	tkEngineers   = 2 // per station
	// Logins of the bench users (password demo.Password).
	tkStationLogin = "bench.station"  // 站点主管 of ADWB-S01
	tkBranchLogin  = "bench.tkbranch" // 分行管理员 of HXB-B01
	tkOperator     = "agent01"        // 客服坐席, every ticket
)

type tkStation struct {
	ID        int64
	Code      string
	Engineers []int64
}

type tkOutlet struct {
	ID      int64
	Branch  int // index in tkWorld.Branches
	Station *tkStation
	Devices []int64
}

// tkWorld is what the generator and the measurements need to know.
type tkWorld struct {
	Branches   []int64 // org ids of HXB-B01…
	SubFirst   []int64 // org id of each branch's first sub-branch
	Outlets    []*tkOutlet
	Stations   []*tkStation
	Supervisor int64
}

// buildTicketWorld creates (or, on a kept database, finds) the bench orgs,
// devices, engineers and users, through the services.
func buildTicketWorld(ctx context.Context, e *Env) (*tkWorld, error) {
	ctx = scope.With(ctx, scope.System())
	a := e.App
	w := &tkWorld{}
	byCode := map[string]*org.Org{}
	list, _, err := a.Orgs.ListOrgs(ctx, org.OrgFilter{Limit: 100000})
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		byCode[o.Code] = &o
	}
	ensure := func(parent, code, name string, kind org.Kind, region string) (int64, error) {
		if o, ok := byCode[code]; ok {
			return o.ID, nil
		}
		p := byCode[parent]
		if p == nil {
			return 0, fmt.Errorf("bench: org %s missing", parent)
		}
		o, err := a.Orgs.CreateOrg(ctx, org.OrgInput{ParentID: &p.ID, Kind: kind, Code: code, Name: name, Region: region})
		if err != nil {
			return 0, fmt.Errorf("bench: org %s: %w", code, err)
		}
		byCode[code] = o
		return o.ID, nil
	}
	roles, err := a.Orgs.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	roleID := map[string]int64{}
	for _, r := range roles {
		roleID[r.Name] = r.ID
	}
	users, _, err := a.Orgs.ListUsers(ctx, org.UserFilter{Limit: 100000})
	if err != nil {
		return nil, err
	}
	byLogin := map[string]int64{}
	for _, u := range users {
		byLogin[u.Login] = u.ID
	}
	jobNo := 9000
	ensureUser := func(login, name string, orgID int64, role string) (int64, error) {
		jobNo++
		if id, ok := byLogin[login]; ok {
			return id, nil
		}
		u, err := a.Orgs.SeedUser(ctx, org.UserInput{Login: login, Name: name, OrgID: orgID, Password: demo.Password,
			JobNo: fmt.Sprintf("B%05d", jobNo), RoleIDs: []int64{roleID[role]}})
		if err != nil {
			return 0, fmt.Errorf("bench: user %s: %w", login, err)
		}
		byLogin[login] = u.ID
		return u.ID, nil
	}
	w.Supervisor = byLogin["supervisor01"]
	for s := range tkStations {
		code := fmt.Sprintf("ADWB-S%02d", s+1)
		id, err := ensure("ADWB", code, fmt.Sprintf("压测服务站 %02d", s+1), org.KindStation, "北京")
		if err != nil {
			return nil, err
		}
		st := &tkStation{ID: id, Code: code}
		for k := range tkEngineers {
			u, err := ensureUser(fmt.Sprintf("bench.eng%02d%c", s+1, 'a'+k), fmt.Sprintf("压测工程师%02d%c", s+1, 'A'+k), id, "服务工程师")
			if err != nil {
				return nil, err
			}
			st.Engineers = append(st.Engineers, u)
		}
		w.Stations = append(w.Stations, st)
	}
	devicesMade := 0
	for b := range tkBranches {
		bcode := fmt.Sprintf("HXB-B%02d", b+1)
		bid, err := ensure(demo.BankCode, bcode, fmt.Sprintf("压测分行 %02d", b+1), org.KindClient, "北京")
		if err != nil {
			return nil, err
		}
		w.Branches = append(w.Branches, bid)
		for s := range tkSubBranches {
			scode := fmt.Sprintf("%s-S%d", bcode, s+1)
			sid, err := ensure(bcode, scode, fmt.Sprintf("压测分行 %02d 第 %d 支行", b+1, s+1), org.KindClient, "北京")
			if err != nil {
				return nil, err
			}
			if s == 0 {
				w.SubFirst = append(w.SubFirst, sid)
			}
			st := w.Stations[(b*tkSubBranches+s)%tkStations]
			for k := range tkOutlets {
				ocode := fmt.Sprintf("%s-%02d", scode, k+1)
				oid, err := ensure(scode, ocode, fmt.Sprintf("压测网点 %s", ocode), org.KindOutlet, "北京")
				if err != nil {
					return nil, err
				}
				o := &tkOutlet{ID: oid, Branch: b, Station: st}
				have, _, err := a.Assets.List(ctx, asset.Filter{OrgID: oid, Limit: 100})
				if err != nil {
					return nil, err
				}
				for _, d := range have {
					o.Devices = append(o.Devices, d.ID)
				}
				for i := len(o.Devices); i < tkDevices; i++ {
					vendor := st.ID
					d, err := a.Assets.Create(ctx, asset.Input{Type: []string{"ATM", "存取款一体机", "自助终端"}[i%3], Brand: "广电运通", Model: "GRG H68N",
						Serial: fmt.Sprintf("BENCH-%s-%d", ocode, i+1), OrgID: oid, VendorOrgID: &vendor, Location: fmt.Sprintf("%d 号机", i+1)})
					if err != nil {
						return nil, fmt.Errorf("bench: device at %s: %w", ocode, err)
					}
					o.Devices = append(o.Devices, d.ID)
					devicesMade++
				}
				w.Outlets = append(w.Outlets, o)
			}
		}
	}
	if _, err := ensureUser(tkStationLogin, "压测站点主管", w.Stations[0].ID, "站点主管"); err != nil {
		return nil, err
	}
	if _, err := ensureUser(tkBranchLogin, "压测分行管理员", w.Branches[0], "分行管理员"); err != nil {
		return nil, err
	}
	fmt.Fprintf(e.Opt.Out, "ticket world: %d branches, %d outlets, %d stations, %d devices (%d new)\n",
		len(w.Branches), len(w.Outlets), len(w.Stations), len(w.Outlets)*tkDevices, devicesMade)
	return w, nil
}

// tkTickets generates n tickets reported over the 13 months before now,
// oldest first; index first… of the sequence (a kept database is topped up).
func (w *tkWorld) tickets(seed uint64, first, n int, now time.Time) iter.Seq[ticket.BulkTicket] {
	return func(yield func(ticket.BulkTicket) bool) {
		span := now.Sub(now.AddDate(0, -13, 0))
		total := first + n
		for i := first; i < total; i++ {
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			reported := now.Add(-span + time.Duration(float64(span)*float64(i)/float64(total))).Add(-10 * time.Minute).UTC().Truncate(time.Second)
			if !yield(w.ticket(r, reported, now)) {
				return
			}
		}
	}
}

func (w *tkWorld) ticket(r *rand.Rand, at, now time.Time) ticket.BulkTicket {
	o := w.Outlets[r.IntN(len(w.Outlets))]
	mins := func(lo, hi int) time.Duration { return time.Duration(lo+r.IntN(hi-lo+1)) * time.Minute }
	if r.IntN(100) < 7 {
		t := ticket.BulkTicket{Type: "consultation", Title: "压测咨询", OrgID: o.ID, ReportedAt: at, CreatedBy: w.Supervisor}
		t.Steps = []ticket.BulkStep{
			{Kind: ticket.StepStatus, At: at.Add(mins(5, 30)), To: ticket.StatusResolved, ActorID: w.Supervisor},
			{Kind: ticket.StepStatus, At: at.Add(mins(60, 600)), To: ticket.StatusClosed, ActorID: w.Supervisor},
		}
		return cutTicket(t, now)
	}
	dev := o.Devices[r.IntN(len(o.Devices))]
	eng := o.Station.Engineers[r.IntN(len(o.Station.Engineers))]
	t := ticket.BulkTicket{Type: "repair", Title: []string{"ATM 吞卡", "出钞异常", "凭条打印机卡纸", "读卡器故障", "网络中断"}[r.IntN(5)],
		Description: "压测报修", Priority: []string{"normal", "normal", "high", "urgent"}[r.IntN(4)], AssetID: &dev, ReportedAt: at}
	tm := at.Add(mins(3, 40))
	steps := []ticket.BulkStep{{Kind: ticket.StepAssign, At: tm, UserID: eng, ActorID: w.Supervisor}}
	tm = tm.Add(mins(5, 30))
	steps = append(steps, ticket.BulkStep{Kind: ticket.StepDeparted, At: tm, ActorID: eng})
	tm = tm.Add(mins(10, 60))
	km := float64(4+r.IntN(60)) + float64(r.IntN(10))/10
	steps = append(steps, ticket.BulkStep{Kind: ticket.StepArrived, At: tm, ActorID: eng, DistanceKM: &km})
	if r.IntN(10) == 0 {
		tm = tm.Add(mins(10, 40))
		steps = append(steps, ticket.BulkStep{Kind: ticket.StepStatus, At: tm, To: ticket.StatusPending, Reason: ticket.ReasonWaitingParts, ActorID: eng})
		tm = tm.Add(mins(120, 48*60))
		steps = append(steps, ticket.BulkStep{Kind: ticket.StepStatus, At: tm, To: ticket.StatusInProgress, ActorID: eng})
	}
	tm = tm.Add(mins(15, 120))
	steps = append(steps, ticket.BulkStep{Kind: ticket.StepRepaired, At: tm, ActorID: eng},
		ticket.BulkStep{Kind: ticket.StepStatus, At: tm.Add(mins(0, 10)), To: ticket.StatusResolved, ActorID: eng},
		ticket.BulkStep{Kind: ticket.StepStatus, At: tm.Add(mins(60, 36*60)), To: ticket.StatusClosed, ActorID: w.Supervisor})
	t.Steps = steps
	return cutTicket(t, now)
}

// cutTicket drops the steps after now.
func cutTicket(t ticket.BulkTicket, now time.Time) ticket.BulkTicket {
	for i, s := range t.Steps {
		if s.At.After(now) {
			t.Steps = t.Steps[:i]
			break
		}
	}
	return t
}

// longTicket is a ticket with a 200-event timeline: field work, then 98
// rounds of waiting for the outlet and working again.
func (w *tkWorld) longTicket(now time.Time) ticket.BulkTicket {
	o := w.Outlets[0]
	eng := o.Station.Engineers[0]
	at := now.Add(-72 * time.Hour).UTC().Truncate(time.Second)
	t := ticket.BulkTicket{Type: "repair", Title: "压测长时间线", AssetID: &o.Devices[0], ReportedAt: at}
	tm := at
	next := func() time.Time { tm = tm.Add(10 * time.Minute); return tm }
	km := 12.5
	t.Steps = []ticket.BulkStep{{Kind: ticket.StepAssign, At: next(), UserID: eng, ActorID: w.Supervisor},
		{Kind: ticket.StepDeparted, At: next(), ActorID: eng}, {Kind: ticket.StepArrived, At: next(), ActorID: eng, DistanceKM: &km}}
	for range 98 {
		t.Steps = append(t.Steps,
			ticket.BulkStep{Kind: ticket.StepStatus, At: next(), To: ticket.StatusPending, Reason: ticket.ReasonWaitingCustomer, ActorID: eng, Note: "等待网点配合"},
			ticket.BulkStep{Kind: ticket.StepStatus, At: next(), To: ticket.StatusInProgress, ActorID: eng})
	}
	return t
}
