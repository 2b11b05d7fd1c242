package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"lingting/internal/asset"
	"lingting/internal/org"
	"lingting/internal/ticket"
)

var deviceKinds = []struct{ typ, brand, model string }{
	{"ATM", "广电运通", "GRG H68N"}, {"ATM", "日立", "HT-2845-V"}, {"存取款一体机", "御银", "YY-CRS-9"},
	{"存取款一体机", "怡化", "YH-5050"}, {"自助终端", "广电运通", "GRG STM-1"}, {"自助终端", "华为", "SmartKiosk K3"},
}

var faults = []string{"吞卡", "钞箱故障", "出钞异常", "凭条打印机卡纸", "读卡器故障", "屏幕无响应", "网络中断", "存款模块卡钞"}

// stationFor picks the station that services a sub-branch's outlets.
var stationFor = map[string]string{"HXB-BJ-HD": "ADWB-BJ1", "HXB-BJ-CY": "ADWB-BJ2", "HXB-SH-PD": "ADWB-SH", "HXB-SH-XH": "ADWB-SH"}

var stationEngineers = map[string][]string{"ADWB-BJ1": {"eng.bj1a", "eng.bj1b"}, "ADWB-BJ2": {"eng.bj2a", "eng.bj2b"}, "ADWB-SH": {"eng.sha", "eng.shb"}}

// loadTickets adds devices at every outlet, serviced by the station of their
// sub-branch, and a history of repair tickets with realistic timelines.
func loadTickets(ctx context.Context, orgs *org.Service, assets *asset.Service, tickets *ticket.Service, ids map[string]int64, perOutlet, count int) error {
	r := rand.New(rand.NewPCG(2026, 4))
	users, _, err := orgs.ListUsers(ctx, org.UserFilter{Limit: 500})
	if err != nil {
		return err
	}
	byLogin := map[string]int64{}
	for _, u := range users {
		byLogin[u.Login] = u.ID
	}
	type device struct {
		id      int64
		station string
	}
	var devices []device
	for _, branch := range bank.children {
		for _, sub := range branch.children {
			station := stationFor[sub.code]
			for _, o := range sub.children {
				for i := range perOutlet {
					k := deviceKinds[r.IntN(len(deviceKinds))]
					vendor := ids[station]
					installed := time.Date(2019+r.IntN(5), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
					inst, warranty := installed.Format(time.DateOnly), installed.AddDate(5, 0, 0).Format(time.DateOnly)
					a, err := assets.Create(ctx, asset.Input{Type: k.typ, Brand: k.brand, Model: k.model, Serial: fmt.Sprintf("%s-%05d", o.code, i+1),
						OrgID: ids[o.code], VendorOrgID: &vendor, InstalledOn: &inst, WarrantyUntil: &warranty, Location: fmt.Sprintf("%s %d 号机", o.name, i+1)})
					if err != nil {
						return fmt.Errorf("demo: device at %s: %w", o.code, err)
					}
					devices = append(devices, device{id: a.ID, station: station})
				}
			}
		}
	}
	now := time.Now().UTC()
	for i := range count {
		d := devices[r.IntN(len(devices))]
		reported := now.Add(-time.Duration(r.IntN(390*24)) * time.Hour).Add(-time.Duration(r.IntN(60)) * time.Minute)
		fault := faults[r.IntN(len(faults))]
		t, err := tickets.Create(ctx, ticket.CreateInput{Type: "repair", Title: fault, Description: "网点来电报修：" + fault, Priority: []string{"normal", "normal", "high", "urgent"}[r.IntN(4)],
			AssetID: &d.id, Channel: "phone", ReportedAt: &reported})
		if err != nil {
			return fmt.Errorf("demo: ticket %d: %w", i, err)
		}
		if i%10 == 9 {
			continue // some stay unassigned (未分配)
		}
		engineers := stationEngineers[d.station]
		eng := byLogin[engineers[r.IntN(len(engineers))]]
		at := reported.Add(time.Duration(5+r.IntN(40)) * time.Minute)
		if t, err = tickets.Assign(ctx, t.ID, ticket.AssignInput{UserID: &eng, At: &at}); err != nil {
			return err
		}
		if i%10 == 8 && reported.After(now.Add(-48*time.Hour)) {
			continue // recent work still assigned
		}
		dep := at.Add(time.Duration(5+r.IntN(30)) * time.Minute)
		arr := dep.Add(time.Duration(15+r.IntN(75)) * time.Minute)
		km := float64(4+r.IntN(40)) + float64(r.IntN(10))/10
		if _, err = tickets.RecordEvent(ctx, t.ID, ticket.EventInput{Kind: "departed", At: &dep}); err != nil {
			return err
		}
		if _, err = tickets.RecordEvent(ctx, t.ID, ticket.EventInput{Kind: "arrived", At: &arr, DistanceKM: &km}); err != nil {
			return err
		}
		work := arr.Add(time.Duration(20+r.IntN(100)) * time.Minute)
		if r.IntN(5) == 0 { // waiting for parts, then back to work
			p := arr.Add(20 * time.Minute)
			if _, err = tickets.Transition(ctx, t.ID, ticket.TransitionInput{To: ticket.StatusPending, Reason: ticket.ReasonWaitingParts, At: &p}); err != nil {
				return err
			}
			back := p.Add(time.Duration(2+r.IntN(20)) * time.Hour)
			if _, err = tickets.Transition(ctx, t.ID, ticket.TransitionInput{To: ticket.StatusInProgress, At: &back}); err != nil {
				return err
			}
			work = back.Add(time.Duration(20+r.IntN(60)) * time.Minute)
		}
		if work.After(now) {
			continue
		}
		if _, err = tickets.RecordEvent(ctx, t.ID, ticket.EventInput{Kind: "repaired", At: &work}); err != nil {
			return err
		}
		if _, err = tickets.Transition(ctx, t.ID, ticket.TransitionInput{To: ticket.StatusResolved, At: &work}); err != nil {
			return err
		}
		if closeAt := work.Add(2 * time.Hour); closeAt.Before(now) {
			if _, err = tickets.Transition(ctx, t.ID, ticket.TransitionInput{To: ticket.StatusClosed, At: &closeAt}); err != nil {
				return err
			}
		}
	}
	return nil
}
