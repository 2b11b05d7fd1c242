// Package demo loads the demo data set: the service centre, a bank with branches,
// sub-branches and outlets, a maintenance vendor with service stations, and staff
// with sensible roles, so every page shows something on first start.
package demo

import (
	"context"
	"fmt"
	"time"

	"lingting/internal/asset"
	"lingting/internal/contract"
	"lingting/internal/customer"
	"lingting/internal/kb"
	"lingting/internal/org"
	"lingting/internal/rating"
	"lingting/internal/scope"
	"lingting/internal/sla"
	"lingting/internal/ticket"
)

// Password is the password of every demo user (documented in the README).
const Password = "Demo@2026"

// BankCode is the code of the demo bank; its presence means the demo is loaded.
const BankCode = "HXB"

type node struct {
	code, name, region, address string
	kind                        org.Kind
	children                    []node
}

var bank = node{code: BankCode, name: "华夏示范银行", kind: org.KindClient, region: "北京", address: "北京市西城区金融大街 1 号", children: []node{
	{code: "HXB-BJ", name: "北京分行", kind: org.KindClient, region: "北京", address: "北京市东城区建国门内大街 8 号", children: []node{
		{code: "HXB-BJ-HD", name: "海淀支行", kind: org.KindClient, region: "北京", address: "北京市海淀区中关村大街 27 号", children: outlets("HXB-BJ-HD", "北京", "海淀", []string{"中关村网点", "五道口网点", "学院路网点"})},
		{code: "HXB-BJ-CY", name: "朝阳支行", kind: org.KindClient, region: "北京", address: "北京市朝阳区朝阳门外大街 16 号", children: outlets("HXB-BJ-CY", "北京", "朝阳", []string{"国贸网点", "望京网点", "三里屯网点"})},
	}},
	{code: "HXB-SH", name: "上海分行", kind: org.KindClient, region: "上海", address: "上海市浦东新区陆家嘴环路 1000 号", children: []node{
		{code: "HXB-SH-PD", name: "浦东支行", kind: org.KindClient, region: "上海", address: "上海市浦东新区世纪大道 88 号", children: outlets("HXB-SH-PD", "上海", "浦东", []string{"陆家嘴网点", "张江网点", "金桥网点"})},
		{code: "HXB-SH-XH", name: "徐汇支行", kind: org.KindClient, region: "上海", address: "上海市徐汇区漕溪北路 18 号", children: outlets("HXB-SH-XH", "上海", "徐汇", []string{"徐家汇网点", "田林网点", "漕河泾网点"})},
	}},
}}

var vendor = node{code: "ADWB", name: "安达维保", kind: org.KindVendor, region: "北京", address: "北京市丰台区科学城 6 号", children: []node{
	{code: "ADWB-BJ1", name: "北京第一服务站", kind: org.KindStation, region: "北京", address: "北京市海淀区上地十街 10 号"},
	{code: "ADWB-BJ2", name: "北京第二服务站", kind: org.KindStation, region: "北京", address: "北京市朝阳区酒仙桥路 4 号"},
	{code: "ADWB-SH", name: "上海服务站", kind: org.KindStation, region: "上海", address: "上海市闵行区莘庄工业区 2 号"},
}}

func outlets(prefix, region, district string, names []string) []node {
	out := make([]node, len(names))
	for i, n := range names {
		out[i] = node{code: fmt.Sprintf("%s-%02d", prefix, i+1), name: n, kind: org.KindOutlet, region: region,
			address: fmt.Sprintf("%s市%s区%s", region, district, n[:len(n)-len("网点")])}
	}
	return out
}

type roleDef struct {
	name, desc string
	sc         scope.Mode
	perms      []string
}

var roles = []roleDef{
	{"客服坐席", "客服中心坐席：受理来电、创建工单", scope.ModeAll, []string{"org.read", "user.read", "customer.read", "customer.create", "customer.update", "import.create",
		"ticket.read", "ticket.create", "ticket.update", "ticket.comment", "asset.read", "kb.read", "telephony.answer"}},
	{"客服主管", "客服中心主管：派单、督办、审核", scope.ModeAll, []string{"org.read", "user.read", "audit.read", "customer.read", "customer.create", "customer.update", "customer.delete",
		"customer.merge", "customer.pii.reveal", "customer.access.approve", "customer.level2", "import.create", "import.approve", "export.customers", "attachment.delete",
		"ticket.read", "ticket.create", "ticket.update", "ticket.assign", "ticket.comment", "asset.read", "asset.create", "asset.update", "kb.read", "kb.update",
		"rating.read", "rating.admin", "rating.correct", "analytics.read", "sla.read", "sla.update",
		"contract.read", "contract.create", "contract.update", "telephony.answer"}},
	{"分行管理员", "管理本分行及下级机构和用户", scope.ModeSubtree, []string{"org.read", "org.create", "org.update", "org.delete", "user.read", "user.create", "user.update", "user.assign_roles", "role.read", "audit.read",
		"customer.read", "customer.create", "customer.update", "import.create", "export.customers",
		"ticket.read", "ticket.create", "ticket.comment", "asset.read", "asset.create",
		"rating.read", "rating.create", "rating.admin", "rating.correct", "rating.followup", "analytics.read", "sla.read", "contract.read"}},
	{"网点用户", "网点柜员：本网点数据，窗口服务", scope.ModeOrg, []string{"org.read", "user.read", "customer.read", "customer.create", "customer.update",
		"ticket.read", "ticket.create", "ticket.comment", "asset.read", "rating.read", "rating.session"}},
	{"网点负责人", "网点负责人：本网点数据、不满意回访、评价统计", scope.ModeOrg, []string{"org.read", "user.read", "customer.read", "customer.create", "customer.update",
		"ticket.read", "ticket.create", "ticket.update", "ticket.comment", "asset.read", "rating.read", "rating.session", "rating.create", "rating.followup", "analytics.read"}},
	{"站点主管", "服务站点负责人：本站点及工程师", scope.ModeSubtree, []string{"org.read", "user.read", "ticket.read", "ticket.update", "ticket.assign", "ticket.comment", "asset.read"}},
	{"服务工程师", "现场服务工程师：本人任务", scope.ModeSelf, []string{"org.read", "ticket.read", "ticket.update", "ticket.comment", "asset.read", "kb.read", "dispatch.receive"}},
	{"服务商用户", "服务商管理人员：本服务商全部站点", scope.ModeSubtree, []string{"org.read", "user.read", "audit.read", "ticket.read", "ticket.assign", "ticket.comment", "asset.read", "asset.update",
		"rating.read", "analytics.read", "sla.read", "contract.read"}},
}

// Options size the demo data set.
type Options struct {
	Customers int // customers across the outlets (default 5,000)
	Devices   int // devices per outlet (default 3)
	Tickets   int // repair tickets over the last 13 months (default 30,000: make run); devices: one per 15 tickets
	Ratings   int // ratings in 13 months of counter service history (0: none; make run: 300,000 through config)

	// SLAPolicies adds the demo SLA policies (LoadSLAPolicies), so demo
	// tickets run timers, warnings and escalations.
	SLAPolicies bool
}

// Services are the domains the demo data goes through.
type Services struct {
	Orgs      *org.Service
	Customers *customer.Service
	Assets    *asset.Service
	Tickets   *ticket.Service
	KB        *kb.Service
	Ratings   *rating.Service
	SLA       *sla.Service
	Contracts *contract.Service
}

// Load adds the demo data once; it does nothing when the demo bank exists.
func Load(ctx context.Context, svc Services, opt Options) error {
	orgs, customers := svc.Orgs, svc.Customers
	if opt.Customers == 0 {
		opt.Customers = 5000
	}
	if opt.Devices == 0 {
		opt.Devices = 3
	}
	if opt.Tickets == 0 {
		opt.Tickets = 30_000
	}
	ctx = scope.With(ctx, scope.System())
	if list, _, err := orgs.ListOrgs(ctx, org.OrgFilter{Q: BankCode, Limit: 50}); err != nil {
		return err
	} else {
		for _, o := range list {
			if o.Code == BankCode {
				return nil
			}
		}
	}
	roleIDs := map[string]int64{}
	for _, r := range roles {
		created, err := orgs.CreateRole(ctx, org.RoleInput{Name: r.name, Description: r.desc, Scope: r.sc, Permissions: r.perms}, nil)
		if err != nil {
			return fmt.Errorf("demo: role %s: %w", r.name, err)
		}
		roleIDs[r.name] = created.ID
	}
	ids := map[string]int64{}
	for _, root := range []node{bank, vendor} {
		if err := createTree(ctx, orgs, nil, root, ids); err != nil {
			return err
		}
	}
	ops, _, err := orgs.ListOrgs(ctx, org.OrgFilter{Kind: org.KindOperator, Limit: 1})
	if err != nil || len(ops) == 0 {
		return fmt.Errorf("demo: no operator org: %v", err)
	}
	dept, err := orgs.CreateOrg(ctx, org.OrgInput{ParentID: &ops[0].ID, Kind: org.KindDepartment, Code: "OPS-CS", Name: "客户服务部", Region: "北京"})
	if err != nil {
		return err
	}
	ids["OPS"], ids["OPS-CS"] = ops[0].ID, dept.ID
	if err := createUsers(ctx, orgs, ids, roleIDs); err != nil {
		return err
	}
	if err := loadCustomers(ctx, orgs, customers, ids, opt.Customers); err != nil {
		return err
	}
	if err := loadCounters(ctx, svc, ids); err != nil {
		return err
	}
	if err := loadRatingHistory(ctx, svc, ids, roleIDs, opt.Ratings); err != nil {
		return err
	}
	if err := LoadSLA(ctx, svc.SLA, time.Now()); err != nil {
		return err
	}
	if opt.SLAPolicies {
		if err := LoadSLAPolicies(ctx, svc.SLA); err != nil {
			return err
		}
	}
	if err := loadTickets(ctx, orgs, svc.Assets, svc.Tickets, svc.KB, ids, opt.Devices, opt.Tickets); err != nil {
		return err
	}
	return loadContracts(ctx, svc, ids, time.Now())
}

func createTree(ctx context.Context, orgs *org.Service, parent *int64, n node, ids map[string]int64) error {
	o, err := orgs.CreateOrg(ctx, org.OrgInput{ParentID: parent, Kind: n.kind, Code: n.code, Name: n.name, Region: n.region, Address: n.address})
	if err != nil {
		return fmt.Errorf("demo: org %s: %w", n.code, err)
	}
	ids[n.code] = o.ID
	for _, c := range n.children {
		if err := createTree(ctx, orgs, &o.ID, c, ids); err != nil {
			return err
		}
	}
	return nil
}
