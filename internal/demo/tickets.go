package demo

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"lingting/internal/asset"
	"lingting/internal/audit"
	"lingting/internal/kb"
	"lingting/internal/org"
	"lingting/internal/ticket"
)

// deviceModels are the self-service devices banks buy, per type, with how
// often each model fails compared with the others.
var deviceModels = [3][]struct {
	brand, model, serial string
	failure              float64
}{
	{{"广电运通", "GRG H22N", "GRG", 1.0}, {"日立", "HT-2845-V", "HT", 1.3}, {"迪堡多富", "CS 280", "DN", 1.0}, {"NCR", "SelfServ 22", "NCR", 1.1}},
	{{"广电运通", "GRG H68N", "GRG", 1.0}, {"御银", "YY-CRS-9", "YY", 1.15}, {"怡化", "YH-5050", "YH", 1.0}, {"日立", "HT-3842-WRB", "HT", 1.2}},
	{{"广电运通", "GRG STM-1", "GRG", 0.9}, {"长城信息", "GW-ST10", "GW", 1.0}, {"恒银金融", "HY-STM-3", "HY", 1.1}},
}

var deviceTypes = [3]string{"ATM", "存取款一体机", "自助终端"}

var solutions = map[string]string{
	"吞卡":      "1. 安抚客户，登记卡号后四位与联系方式；2. 通知网点在吞卡盒取卡，核验身份后归还；3. 多次吞卡时检查读卡器皮带与传感器。",
	"钞箱故障":    "1. 远程查看钞箱状态码；2. 重新装载钞箱并复位；3. 钞箱卡扣损坏需更换钞箱。",
	"出钞异常":    "1. 核对交易流水与冠字号；2. 清点废钞箱；3. 检查出钞模块皮带、传感器并清洁。",
	"凭条打印机卡纸": "1. 打开打印机仓取出卡纸；2. 更换纸卷，确认纸卷方向；3. 清洁切刀。",
	"读卡器故障":   "1. 清洁读卡器磁头与 IC 触点；2. 重启读卡模块；3. 仍无法读卡时更换读卡器。",
	"屏幕无响应":   "1. 远程重启终端应用；2. 检查触摸屏连接线；3. 校准触摸屏。",
	"网络中断":    "1. 检查网点交换机与网线；2. 联系运营商确认专线；3. 恢复后核对未完成交易。",
	"存款模块卡钞":  "1. 暂停存款服务；2. 打开存款模块取出卡钞并登记；3. 检查通道传感器，清洁后试运行。",
}

// stationFor picks the station that services a sub-branch's outlets, and how
// far (km, one way) its outlets lie from it.
var stationFor = map[string]struct {
	station  string
	district string
	km       [2]float64
}{
	"HXB-BJ-HD": {"ADWB-BJ1", "海淀", [2]float64{6, 14}}, "HXB-BJ-CY": {"ADWB-BJ2", "朝阳", [2]float64{4, 12}},
	"HXB-SH-PD": {"ADWB-SH", "浦东", [2]float64{24, 34}}, "HXB-SH-XH": {"ADWB-SH", "徐汇", [2]float64{10, 18}},
}

var stationHeads = map[string]string{"ADWB-BJ1": "bj1.head", "ADWB-BJ2": "bj2.head", "ADWB-SH": "sh.station"}

var stationEngineers = map[string][]string{"ADWB-BJ1": {"eng.bj1a", "eng.bj1b"}, "ADWB-BJ2": {"eng.bj2a", "eng.bj2b"}, "ADWB-SH": {"eng.sha", "eng.shb"}}

// maxLiveTickets bounds the open tickets that go through the ticket service
// (with its SLA hook) instead of the bulk loader.
const maxLiveTickets = 300

// loadTickets adds the fault categories, devices at every outlet serviced by
// the station of their sub-branch (about one device per 15 tickets, at least
// perOutlet per outlet), engineers in proportion to the work, and count
// tickets of history: closed work through the bulk loader, tickets still open
// now through the ticket service, so they run under live SLA timers.
func loadTickets(ctx context.Context, orgs *org.Service, assets *asset.Service, tickets *ticket.Service, knowledge *kb.Service, ids map[string]int64, perOutlet, count int) error {
	r := rand.New(rand.NewPCG(2026, 4))
	root, err := knowledge.CreateCategory(ctx, kb.CategoryInput{Name: "自助设备故障"})
	if err != nil {
		return err
	}
	category := map[string]int64{}
	for i, f := range demoFaults {
		c, err := knowledge.CreateCategory(ctx, kb.CategoryInput{ParentID: &root.ID, Name: f.name, Sort: i})
		if err != nil {
			return err
		}
		category[f.name] = c.ID
		if _, err := knowledge.SaveArticle(ctx, 0, kb.ArticleInput{CategoryID: &c.ID, Kind: "solution", Title: f.name + "处理步骤", Body: solutions[f.name]}); err != nil {
			return err
		}
	}
	for _, faq := range [][2]string{{"ATM 吞卡了怎么办？", "请不要离开，立即拨打网点电话或 95588，工作人员会在核验身份后归还银行卡。"},
		{"存款没有入账怎么办？", "请保留凭条并联系网点，我们将在 1 个工作日内核实处理。"}} {
		if _, err := knowledge.SaveArticle(ctx, 0, kb.ArticleInput{Kind: "faq", Title: faq[0], Body: faq[1], Public: true}); err != nil {
			return err
		}
	}
	if err := addEngineers(ctx, orgs, ids, count); err != nil {
		return err
	}
	users, _, err := orgs.ListUsers(ctx, org.UserFilter{Limit: 500})
	if err != nil {
		return err
	}
	byLogin, names := map[string]int64{}, map[int64]string{}
	for _, u := range users {
		byLogin[u.Login], names[u.ID] = u.ID, u.Name
	}
	g := &ticketGen{rng: r, zone: tickets.Zone(), now: tickets.Now(), categories: category, supervisor: byLogin["supervisor01"]}
	for _, a := range []string{"agent01", "agent02", "agent03", "agent04"} {
		g.agents = append(g.agents, byLogin[a])
	}
	stations := map[string]*demoStation{}
	for code, head := range stationHeads {
		st := &demoStation{code: code, id: ids[code], head: byLogin[head], speed: 24}
		if strings.HasPrefix(code, "ADWB-SH") {
			st.speed = 30 // the station drives on the elevated roads
		}
		for _, u := range users {
			if u.OrgID == st.id && strings.HasPrefix(u.Login, "eng.") {
				st.engineers = append(st.engineers, u.ID)
			}
		}
		if len(st.engineers) == 0 {
			return fmt.Errorf("demo: station %s has no engineers", code)
		}
		stations[code] = st
	}
	for _, branch := range bank.children {
		for _, sub := range branch.children {
			sf := stationFor[sub.code]
			for _, o := range sub.children {
				g.outlets = append(g.outlets, &demoOutlet{code: o.code, name: o.name, district: sf.district, id: ids[o.code],
					head: byLogin[loginBase(o.code)+".head"], station: stations[sf.station],
					km: sf.km[0] + r.Float64()*(sf.km[1]-sf.km[0]), size: 0.7 + 0.6*r.Float64()})
			}
		}
	}
	if err := g.addDevices(ctx, assets, max(perOutlet*len(g.outlets), count/15)); err != nil {
		return err
	}
	plans := g.history(count)
	// The newest open tickets go through the service, after the history.
	live := map[int]bool{}
	for i := len(plans) - 1; i >= 0 && len(live) < maxLiveTickets; i-- {
		if plans[i].open {
			live[i] = true
		}
	}
	bulk := func(yield func(ticket.BulkTicket) bool) {
		for i, p := range plans {
			if !live[i] && !yield(p.t) {
				return
			}
		}
	}
	if _, err := tickets.BulkLoad(ctx, bulk, ticket.BulkOptions{}); err != nil {
		return fmt.Errorf("demo: ticket history: %w", err)
	}
	for i, p := range plans {
		if live[i] {
			if err := replayLive(ctx, tickets, p.t, names); err != nil {
				return err
			}
		}
	}
	return nil
}

// replayLive opens a ticket and works it up to now through the ticket
// service, each step as its actor.
func replayLive(ctx context.Context, tickets *ticket.Service, p ticket.BulkTicket, names map[int64]string) error {
	as := func(id int64) context.Context {
		if id == 0 {
			return ctx
		}
		return audit.WithActor(ctx, audit.Actor{UserID: id, Name: names[id]})
	}
	in := ticket.CreateInput{Type: p.Type, Title: p.Title, Description: p.Description, Priority: p.Priority, Channel: p.Channel,
		AssetID: p.AssetID, CustomerID: p.CustomerID, CategoryID: p.CategoryID, ReportedAt: &p.ReportedAt}
	if p.AssetID == nil && p.CustomerID == nil {
		in.OrgID = &p.OrgID
	}
	t, err := tickets.Create(as(p.CreatedBy), in)
	if err != nil {
		return fmt.Errorf("demo: open ticket %s: %w", p.Title, err)
	}
	for _, s := range p.Steps {
		at := s.At
		ctx := as(s.ActorID)
		switch s.Kind {
		case ticket.StepAssign:
			in := ticket.AssignInput{At: &at, Note: s.Note}
			if s.UserID != 0 {
				in.UserID = &s.UserID
			} else {
				in.OrgID = &s.OrgID
			}
			_, err = tickets.Assign(ctx, t.ID, in)
		case ticket.StepStatus:
			_, err = tickets.Transition(ctx, t.ID, ticket.TransitionInput{To: s.To, Reason: s.Reason, At: &at, Note: s.Note})
		default:
			_, err = tickets.RecordEvent(ctx, t.ID, ticket.EventInput{Kind: s.Kind, At: &at, DistanceKM: s.DistanceKM, Note: s.Note})
		}
		if err != nil {
			return fmt.Errorf("demo: ticket %s %s: %w", t.Number, s.Kind, err)
		}
	}
	return nil
}

// addEngineers gives each station engineers in proportion to the history:
// about four tickets per engineer and day, two at least (the fixed demo
// users), eight at most.
func addEngineers(ctx context.Context, orgs *org.Service, ids map[string]int64, count int) error {
	per := min(8, int(math.Round(float64(count)/395/float64(len(stationHeads))/4)))
	if per <= 2 {
		return nil
	}
	roles, err := orgs.ListRoles(ctx)
	if err != nil {
		return err
	}
	var role int64
	for _, r := range roles {
		if r.Name == "服务工程师" {
			role = r.ID
		}
	}
	if role == 0 {
		return fmt.Errorf("demo: no engineer role")
	}
	n := 0
	for _, code := range slices.Sorted(maps.Keys(stationHeads)) {
		prefix := stationEngineers[code][0][:len(stationEngineers[code][0])-1] // eng.bj1
		for i := 2; i < per; i++ {
			login := fmt.Sprintf("%s%c", prefix, 'a'+i)
			_, err := orgs.SeedUser(ctx, org.UserInput{Login: login, Name: engineerNames[n%len(engineerNames)], OrgID: ids[code], Password: Password,
				JobNo: fmt.Sprintf("D%04d", 301+n), Phone: fmt.Sprintf("136%08d", 30000000+n*7717), Email: login + "@demo.lingting.cn", RoleIDs: []int64{role}})
			if err != nil {
				return fmt.Errorf("demo: engineer %s: %w", login, err)
			}
			n++
		}
	}
	return nil
}

// addDevices places n devices over the outlets, by outlet size: a few in the
// lobby and the 24-hour self-service room, the rest at the outlet's off-site
// points (离行式自助银行) in its district.
func (g *ticketGen) addDevices(ctx context.Context, assets *asset.Service, n int) error {
	r := g.rng
	size := 0.0
	for _, o := range g.outlets {
		size += o.size
	}
	now := g.now.In(g.zone)
	serial := 0
	for oi, o := range g.outlets {
		count := int(math.Round(float64(n) * o.size / size))
		if oi == len(g.outlets)-1 {
			count = max(1, n-len(g.devices))
		}
		sites := demoSites[o.district]
		site, onSite, siteKM := "大堂", 2+r.IntN(3), 0.0
		next := 0 // the next off-site point
		for i := range count {
			if onSite == 0 {
				switch {
				case site == "大堂":
					site, onSite = "24 小时自助银行", 2+r.IntN(3)
				default:
					// Outlets of one district share its points; each takes a different turn.
					k := (next*len(g.outlets) + oi) % len(sites)
					round := (next*len(g.outlets) + oi) / len(sites)
					site = "离行自助点·" + sites[k]
					if round > 0 {
						site += fmt.Sprintf(" %d 号点", round+1)
					}
					onSite, siteKM = 2+r.IntN(4), 1+7*r.Float64()
					next++
				}
			}
			onSite--
			kind := 0
			switch x := r.IntN(100); {
			case x < 42:
			case x < 82:
				kind = 1
			default:
				kind = 2
				if site != "大堂" && site != "24 小时自助银行" {
					kind = r.IntN(2) // smart counters stand inside the outlet
				}
			}
			m := pick(r, deviceModels[kind][:])
			year := now.Year() - 1 - r.IntN(9)
			installed := time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
			inst, warranty := installed.Format(time.DateOnly), installed.AddDate(5, 0, 0).Format(time.DateOnly)
			serial++
			vendor := o.station.id
			a, err := assets.Create(ctx, asset.Input{Type: deviceTypes[kind], Brand: m.brand, Model: m.model,
				Serial: fmt.Sprintf("%s%d%06d", m.serial, year, serial), OrgID: o.id, VendorOrgID: &vendor,
				InstalledOn: &inst, WarrantyUntil: &warranty, Location: fmt.Sprintf("%s %s %d 号机", o.name, site, i+1)})
			if err != nil {
				return fmt.Errorf("demo: device at %s: %w", o.code, err)
			}
			rate := m.failure * (1 + 0.08*float64(now.Year()-year)) * o.size
			if r.IntN(200) < 3 {
				rate *= 4 // a lemon: the abnormal-devices report finds it
			}
			g.devices = append(g.devices, &demoDevice{id: a.ID, kind: kind, outlet: o, km: o.km + siteKM, rate: rate})
		}
	}
	total := 0.0
	for _, d := range g.devices {
		total += d.rate
		g.cum = append(g.cum, total)
	}
	return nil
}
