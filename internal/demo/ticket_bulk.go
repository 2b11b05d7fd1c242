package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"lingting/internal/ticket"
)

// The ticket history (issue #4 item 12): 13 months of repair work on the
// bank's self-service devices up to now, as the vendor's stations did it —
// reported by phone from the outlet, by the device-monitoring platform or on
// the portal; dispatched by the service centre to a station and by the
// station head to an engineer (or straight to an engineer); 出发 / 到达 / 修复
// with travel times that follow the distance from the station; pending
// intervals while parts come (待配件), the outlet is not ready (待客户) or a
// module is at the factory (送修); remote fixes without a visit; resolution,
// closing after the outlet confirms, a few reopened repairs; and complaints,
// consultations and suggestions handled by the service centre. Weekdays and
// office hours are busier, the weeks before 春节 too, the 春节 week quiet; older
// devices and a few lemons fail more often. Work that would end after now is
// cut there, so the newest tickets are still open. A seeded generator makes
// the same history for the same size and day.

// demoFault is a fault category with its typical repair.
type demoFault struct {
	name              string
	repair            [2]int // minutes on site, min–max
	parts             bool   // may wait for parts or go to the factory
	remote            bool   // often fixed remotely
	priority          []string
	atm, crs, kiosk   int // weight per device type (ATM, 存取款一体机, 自助终端)
	titleZH, detailZH string
}

var demoFaults = []demoFault{
	{name: "吞卡", repair: [2]int{15, 40}, priority: []string{"high", "high", "urgent"}, atm: 20, crs: 12, kiosk: 6,
		titleZH: "ATM 吞卡", detailZH: "客户银行卡被吞，网点来电要求尽快取卡"},
	{name: "钞箱故障", repair: [2]int{30, 90}, parts: true, priority: []string{"normal", "high"}, atm: 15, crs: 12,
		titleZH: "钞箱故障", detailZH: "钞箱状态异常，设备暂停取款"},
	{name: "出钞异常", repair: [2]int{30, 120}, parts: true, priority: []string{"high", "urgent"}, atm: 15, crs: 10,
		titleZH: "出钞异常", detailZH: "交易成功未出钞或出钞张数不符，需核对流水"},
	{name: "凭条打印机卡纸", repair: [2]int{10, 30}, priority: []string{"low", "normal"}, atm: 15, crs: 10, kiosk: 15,
		titleZH: "凭条打印机卡纸", detailZH: "凭条无法打印，提示打印机故障"},
	{name: "读卡器故障", repair: [2]int{30, 90}, parts: true, priority: []string{"normal", "high"}, atm: 12, crs: 10, kiosk: 30,
		titleZH: "读卡器故障", detailZH: "多张卡片无法识别，读卡器报错"},
	{name: "屏幕无响应", repair: [2]int{20, 60}, parts: true, remote: true, priority: []string{"normal", "high"}, atm: 10, crs: 10, kiosk: 28,
		titleZH: "屏幕无响应", detailZH: "触摸屏无响应、黑屏或应用报错退出"},
	{name: "网络中断", repair: [2]int{20, 90}, remote: true, priority: []string{"high"}, atm: 8, crs: 8, kiosk: 15,
		titleZH: "网络中断", detailZH: "设备离线，监控平台报通讯中断"},
	{name: "存款模块卡钞", repair: [2]int{40, 150}, parts: true, priority: []string{"high", "urgent"}, crs: 25,
		titleZH: "存款模块卡钞", detailZH: "存款时卡钞，客户款项待核实"},
}

// Service-centre work that is not a repair: the type, a title and the share.
var demoServiceTickets = []struct {
	typ, title, detail string
	weight             int
}{
	{"complaint", "客户投诉：吞卡后取卡等待时间长", "客户反映吞卡后两小时才取回银行卡", 6},
	{"complaint", "客户投诉：ATM 故障期间无人引导", "客户反映网点 ATM 停机，现场无工作人员指引", 4},
	{"complaint", "客户投诉：存款未及时入账", "客户存款时卡钞，款项次日才入账", 3},
	{"consultation", "咨询：自助设备存取款限额", "客户咨询 ATM 单笔及单日取款限额", 5},
	{"consultation", "咨询：离行自助点营业时间", "客户咨询附近离行式自助银行的开放时间", 4},
	{"suggestion", "建议：增设离行自助设备", "客户建议在地铁站增设存取款一体机", 2},
	{"suggestion", "建议：自助终端增加语音提示", "老年客户建议自助终端增加语音引导", 2},
}

// Off-site self-service points (离行式自助银行) per district.
var demoSites = map[string][]string{
	"海淀": {"中关村地铁站", "海淀黄庄", "五道口购物中心", "知春路", "学院路", "西土城", "魏公村", "苏州街", "人民大学东门", "双榆树", "万柳", "西二旗", "上地华联", "牡丹园", "北太平庄", "清华科技园"},
	"朝阳": {"国贸商城", "大望路", "望京 SOHO", "三里屯太古里", "朝阳公园", "团结湖", "双井", "劲松", "酒仙桥", "亮马桥", "东大桥", "呼家楼", "工体北路", "芍药居", "大屯路", "北苑"},
	"浦东": {"陆家嘴地铁站", "世纪大道", "张江高科", "金桥国际", "八佰伴", "东方路", "塘桥", "源深体育中心", "花木", "龙阳路", "川沙", "唐镇", "外高桥", "洋泾", "上钢新村", "三林"},
	"徐汇": {"徐家汇地铁站", "港汇广场", "田林路", "漕河泾开发区", "龙华", "上海南站", "康健", "华泾", "枫林路", "肇嘉浜路", "衡山路", "宜山路", "虹梅路", "龙漕路", "斜土路", "长桥"},
}

// engineerNames are the engineers stations add as the history grows.
var engineerNames = []string{"韩冬", "秦川", "魏东", "唐磊", "邵峰", "贺军", "龚伟", "毛亮", "江涛", "史鹏", "顾斌", "侯宇",
	"邱明", "段勇", "雷鸣", "黎刚", "常青", "武超", "乔飞", "赖强", "尹龙", "钱坤", "汤杰", "白涛"}

type demoStation struct {
	code      string
	id, head  int64
	engineers []int64
	speed     float64 // km/h in the city's traffic
}

type demoOutlet struct {
	code, name, district string
	id, head             int64
	station              *demoStation
	km                   float64 // one way from the station
	size                 float64
}

type demoDevice struct {
	id     int64
	kind   int // 0 ATM, 1 存取款一体机, 2 自助终端
	outlet *demoOutlet
	km     float64 // one way from the station
	rate   float64 // relative chance of a fault
}

// ticketGen makes the history.
type ticketGen struct {
	rng        *rand.Rand
	zone       *time.Location
	now        time.Time
	devices    []*demoDevice
	cum        []float64 // cumulative fault weights of devices in service
	outlets    []*demoOutlet
	categories map[string]int64
	agents     []int64
	supervisor int64
}

// plan is one generated ticket; open says it is still open now.
type plan struct {
	t    ticket.BulkTicket
	open bool
}

func (g *ticketGen) minutes(lo, hi int) time.Duration {
	return time.Duration(lo+g.rng.IntN(hi-lo+1)) * time.Minute
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// reportTimes draws n report instants over the 13 months before now, in order.
func (g *ticketGen) reportTimes(n int) []time.Time {
	local := g.now.In(g.zone)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, g.zone)
	first := today.AddDate(0, -13, 0)
	var days []time.Time
	var cum []float64
	total := 0.0
	for d := first; !d.After(today); d = d.AddDate(0, 0, 1) {
		w := 1.0
		switch d.Weekday() {
		case time.Saturday:
			w = 0.8
		case time.Sunday:
			w = 0.7
		}
		if d.Month() == time.December {
			w *= 1.1
		}
		if cx, ok := chuxi[d.Year()]; ok {
			eve := time.Date(d.Year(), time.Month(cx[0]), cx[1], 0, 0, 0, 0, g.zone)
			switch days := int(d.Sub(eve).Hours() / 24); {
			case days >= -21 && days < 0: // cash is busy before 春节
				w *= 1.35
			case days >= 0 && days <= 7:
				w *= 0.6
			}
		}
		// The fleet ages: faults grow about 12 % over the period.
		w *= 1 + 0.12*d.Sub(first).Hours()/today.Sub(first).Hours()
		if d.Equal(today) {
			w *= math.Min(1, local.Sub(today).Hours()/24)
		}
		total += w
		days = append(days, d)
		cum = append(cum, total)
	}
	// Hour of day: office hours, a second peak after lunch, quiet nights
	// (the monitoring platform still reports).
	hours := []float64{0.3, 0.2, 0.2, 0.2, 0.2, 0.3, 0.6, 1.2, 2.5, 3.6, 3.8, 3.2, 2.4, 2.8, 3.4, 3.3, 3.0, 2.4, 1.6, 1.2, 1.0, 0.8, 0.6, 0.4}
	var hcum []float64
	ht := 0.0
	for _, h := range hours {
		ht += h
		hcum = append(hcum, ht)
	}
	out := make([]time.Time, 0, n)
	for len(out) < n {
		d := days[search(cum, g.rng.Float64()*total)]
		h := search(hcum, g.rng.Float64()*ht)
		at := d.Add(time.Duration(h)*time.Hour + time.Duration(g.rng.IntN(3600))*time.Second)
		if at.After(g.now.Add(-5 * time.Minute)) {
			continue
		}
		out = append(out, at.UTC().Truncate(time.Second))
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// search finds the first index whose cumulative weight exceeds x.
func search(cum []float64, x float64) int {
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

func (g *ticketGen) device() *demoDevice {
	return g.devices[search(g.cum, g.rng.Float64()*g.cum[len(g.cum)-1])]
}

// history makes the n tickets, oldest first.
func (g *ticketGen) history(n int) []plan {
	times := g.reportTimes(n)
	out := make([]plan, 0, n)
	serviceWeight := 0
	for _, s := range demoServiceTickets {
		serviceWeight += s.weight
	}
	for _, at := range times {
		var p ticket.BulkTicket
		if g.rng.IntN(100) < 7 {
			p = g.serviceTicket(at, serviceWeight)
		} else {
			p = g.repair(g.device(), at)
		}
		out = append(out, g.cut(p))
	}
	return out
}

// cut drops the steps after now; the ticket is open when it ends unresolved.
func (g *ticketGen) cut(t ticket.BulkTicket) plan {
	status := ticket.StatusNew
	for i, s := range t.Steps {
		if s.At.After(g.now) {
			t.Steps = t.Steps[:i]
			break
		}
		if s.RecordedAt.After(g.now) {
			t.Steps[i].RecordedAt, t.Steps[i].Entered = time.Time{}, false
		}
		switch s.Kind {
		case ticket.StepAssign:
			status = ticket.StatusAssigned
		case ticket.StepStatus:
			status = s.To
		}
	}
	return plan{t: t, open: status != ticket.StatusResolved && status != ticket.StatusClosed}
}

func (g *ticketGen) serviceTicket(at time.Time, total int) ticket.BulkTicket {
	x := g.rng.IntN(total)
	k := demoServiceTickets[0]
	for _, s := range demoServiceTickets {
		if x < s.weight {
			k = s
			break
		}
		x -= s.weight
	}
	o := pick(g.rng, g.outlets)
	agent := pick(g.rng, g.agents)
	prio := "normal"
	if k.typ == "complaint" && g.rng.IntN(3) == 0 {
		prio = "high"
	}
	t := ticket.BulkTicket{Type: k.typ, Title: k.title, Description: k.detail + "（" + o.name + "）", Priority: prio, Channel: "phone",
		OrgID: o.id, ReportedAt: at, CreatedBy: agent}
	assigned := at.Add(g.minutes(5, 60))
	working := assigned.Add(g.minutes(5, 40))
	resolved := working.Add(g.minutes(30, 48*60))
	if k.typ == "consultation" {
		resolved = working.Add(g.minutes(5, 120))
	}
	closed := resolved.Add(g.minutes(60, 24*60))
	t.Steps = []ticket.BulkStep{
		{Kind: ticket.StepAssign, At: assigned, UserID: agent, ActorID: g.supervisor},
		{Kind: ticket.StepStatus, At: working, To: ticket.StatusInProgress, ActorID: agent},
		{Kind: ticket.StepStatus, At: resolved, To: ticket.StatusResolved, ActorID: agent, Note: "已回复客户"},
		{Kind: ticket.StepStatus, At: closed, To: ticket.StatusClosed, ActorID: g.supervisor, Note: "回访确认"},
	}
	return t
}

// repair makes one repair ticket on a device with its whole timeline.
func (g *ticketGen) repair(d *demoDevice, at time.Time) ticket.BulkTicket {
	r := g.rng
	f := g.fault(d.kind)
	o := d.outlet
	st := o.station
	id := d.id
	cat := g.categories[f.name]
	t := ticket.BulkTicket{Type: "repair", Title: f.titleZH, Priority: pick(r, f.priority), AssetID: &id, CategoryID: &cat, ReportedAt: at}
	// Who reports: the outlet by phone, the monitoring platform, the portal.
	switch x := r.IntN(100); {
	case x < 55:
		t.Channel, t.CreatedBy, t.Description = "phone", pick(r, g.agents), "网点来电报修："+f.detailZH
	case x < 85:
		t.Channel, t.Description = "api", "设备监控平台自动报修："+f.detailZH
	case x < 95:
		t.Channel, t.CreatedBy, t.Description = "portal", o.head, "网点在线报修："+f.detailZH
	default:
		t.Channel, t.CreatedBy, t.Description = "mobile", o.head, "网点移动端报修："+f.detailZH
	}
	hour := at.In(g.zone).Hour()
	night := hour < 8 || hour >= 20
	var steps []ticket.BulkStep
	step := func(s ticket.BulkStep) { steps = append(steps, s) }
	// The field app sometimes has no signal in the vault: the time is entered later.
	field := func(s ticket.BulkStep) {
		if r.IntN(10) == 0 {
			s.Entered, s.RecordedAt = true, s.At.Add(g.minutes(10, 90))
		}
		step(s)
	}
	// Dispatch: to the station, whose head picks the engineer, or straight to an engineer.
	now := at.Add(g.minutes(3, 25))
	if night {
		now = at.Add(g.minutes(15, 90))
	}
	eng := pick(r, st.engineers)
	if r.IntN(100) < 55 {
		step(ticket.BulkStep{Kind: ticket.StepAssign, At: now, OrgID: st.id, ActorID: g.supervisor})
		now = now.Add(g.minutes(3, 30))
		step(ticket.BulkStep{Kind: ticket.StepAssign, At: now, UserID: eng, ActorID: st.head})
	} else {
		step(ticket.BulkStep{Kind: ticket.StepAssign, At: now, UserID: eng, ActorID: g.supervisor, Note: "按派单规则直派"})
	}
	if f.remote && r.IntN(100) < 35 {
		// Fixed remotely: restart, reload, reset the line.
		now = now.Add(g.minutes(5, 20))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusInProgress, ActorID: eng, Note: "远程处理"})
		now = now.Add(g.minutes(15, 60))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusResolved, ActorID: eng, Note: "远程重启后恢复"})
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now.Add(g.minutes(60, 24*60)), To: ticket.StatusClosed, ActorID: g.closer(o)})
		t.Steps = steps
		return t
	}
	km := 0.0
	visit := func() {
		now = now.Add(g.minutes(5, 40))
		field(ticket.BulkStep{Kind: ticket.StepDeparted, At: now, ActorID: eng})
		speed := st.speed * (0.7 + 0.6*r.Float64())
		if night {
			speed *= 1.4
		}
		now = now.Add(time.Duration(d.km/speed*60+float64(r.IntN(10))) * time.Minute)
		km += math.Round(2*d.km*(1+0.15*r.Float64())*10) / 10
		dist := km
		field(ticket.BulkStep{Kind: ticket.StepArrived, At: now, ActorID: eng, DistanceKM: &dist})
	}
	visit()
	work := g.minutes(f.repair[0], f.repair[1])
	switch x := r.IntN(100); {
	case f.parts && x < 14: // 待配件: the engineer leaves and comes back with the part
		now = now.Add(g.minutes(20, 45))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusPending, Reason: ticket.ReasonWaitingParts, ActorID: eng, Note: "需更换模块，已申请备件"})
		now = now.Add(g.minutes(4*60, 72*60))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusInProgress, ActorID: eng, Note: "备件已到"})
		visit()
	case f.parts && x < 17: // 送修: the module goes to the factory
		now = now.Add(g.minutes(30, 60))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusPending, Reason: ticket.ReasonSentForRepair, ActorID: eng, Note: "模块返厂维修"})
		now = now.Add(g.minutes(2*24*60, 7*24*60))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusInProgress, ActorID: eng, Note: "返厂模块已修复"})
		visit()
	case x < 22: // 待客户: the outlet has to open the safe or the vault
		now = now.Add(g.minutes(5, 15))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusPending, Reason: ticket.ReasonWaitingCustomer, ActorID: eng, Note: "等待网点双人开启加钞间"})
		now = now.Add(g.minutes(30, 240))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusInProgress, ActorID: eng})
	}
	now = now.Add(work)
	field(ticket.BulkStep{Kind: ticket.StepRepaired, At: now, ActorID: eng})
	now = now.Add(g.minutes(0, 10))
	step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusResolved, ActorID: eng, Note: "已修复，设备恢复服务"})
	if r.IntN(100) < 2 { // the fault comes back before the outlet confirms
		now = now.Add(g.minutes(6*60, 48*60))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusInProgress, ActorID: g.supervisor, Note: "故障复发，重新处理"})
		visit()
		now = now.Add(work)
		field(ticket.BulkStep{Kind: ticket.StepRepaired, At: now, ActorID: eng})
		now = now.Add(g.minutes(0, 10))
		step(ticket.BulkStep{Kind: ticket.StepStatus, At: now, To: ticket.StatusResolved, ActorID: eng})
	}
	step(ticket.BulkStep{Kind: ticket.StepStatus, At: now.Add(g.minutes(60, 36*60)), To: ticket.StatusClosed, ActorID: g.closer(o)})
	t.Steps = steps
	return t
}

// closer is who closes after confirming: the outlet head or the service centre.
func (g *ticketGen) closer(o *demoOutlet) int64 {
	if g.rng.IntN(10) < 6 {
		return o.head
	}
	return g.supervisor
}

func (g *ticketGen) fault(kind int) demoFault {
	total := 0
	w := func(f demoFault) int { return [3]int{f.atm, f.crs, f.kiosk}[kind] }
	for _, f := range demoFaults {
		total += w(f)
	}
	x := g.rng.IntN(total)
	for _, f := range demoFaults {
		if x < w(f) {
			return f
		}
		x -= w(f)
	}
	return demoFaults[0]
}
