package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"lingting/internal/asset"
	"lingting/internal/kb"
	"lingting/internal/org"
	"lingting/internal/ticket"
)

var deviceKinds = []struct{ typ, brand, model string }{
	{"ATM", "广电运通", "GRG H68N"}, {"ATM", "日立", "HT-2845-V"}, {"存取款一体机", "御银", "YY-CRS-9"},
	{"存取款一体机", "怡化", "YH-5050"}, {"自助终端", "广电运通", "GRG STM-1"}, {"自助终端", "华为", "SmartKiosk K3"},
}

var faults = []string{"吞卡", "钞箱故障", "出钞异常", "凭条打印机卡纸", "读卡器故障", "屏幕无响应", "网络中断", "存款模块卡钞"}

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

// stationFor picks the station that services a sub-branch's outlets.
var stationFor = map[string]string{"HXB-BJ-HD": "ADWB-BJ1", "HXB-BJ-CY": "ADWB-BJ2", "HXB-SH-PD": "ADWB-SH", "HXB-SH-XH": "ADWB-SH"}

var stationEngineers = map[string][]string{"ADWB-BJ1": {"eng.bj1a", "eng.bj1b"}, "ADWB-BJ2": {"eng.bj2a", "eng.bj2b"}, "ADWB-SH": {"eng.sha", "eng.shb"}}

// loadTickets adds devices at every outlet, serviced by the station of their
// sub-branch, and a history of repair tickets with realistic timelines.
func loadTickets(ctx context.Context, orgs *org.Service, assets *asset.Service, tickets *ticket.Service, knowledge *kb.Service, ids map[string]int64, perOutlet, count int) error {
	r := rand.New(rand.NewPCG(2026, 4))
	root, err := knowledge.CreateCategory(ctx, kb.CategoryInput{Name: "自助设备故障"})
	if err != nil {
		return err
	}
	category := map[string]int64{}
	for i, f := range faults {
		c, err := knowledge.CreateCategory(ctx, kb.CategoryInput{ParentID: &root.ID, Name: f, Sort: i})
		if err != nil {
			return err
		}
		category[f] = c.ID
		if _, err := knowledge.SaveArticle(ctx, 0, kb.ArticleInput{CategoryID: &c.ID, Kind: "solution", Title: f + "处理步骤", Body: solutions[f]}); err != nil {
			return err
		}
	}
	for _, faq := range [][2]string{{"ATM 吞卡了怎么办？", "请不要离开，立即拨打网点电话或 95588，工作人员会在核验身份后归还银行卡。"},
		{"存款没有入账怎么办？", "请保留凭条并联系网点，我们将在 1 个工作日内核实处理。"}} {
		if _, err := knowledge.SaveArticle(ctx, 0, kb.ArticleInput{Kind: "faq", Title: faq[0], Body: faq[1], Public: true}); err != nil {
			return err
		}
	}
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
		cat := category[fault]
		t, err := tickets.Create(ctx, ticket.CreateInput{Type: "repair", Title: fault, CategoryID: &cat, Description: "网点来电报修：" + fault, Priority: []string{"normal", "normal", "high", "urgent"}[r.IntN(4)],
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
