package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"lingting/internal/customer"
	"lingting/internal/org"
)

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞",
		"平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "建国", "志强", "晓东", "海燕", "欣怡", "子涵", "浩然", "雨轩", "梓萱", "宇航", "思远", "佳怡"}
	streets    = []string{"中关村大街", "学院路", "建国路", "望京街", "三里屯路", "陆家嘴环路", "张江路", "金桥路", "漕溪北路", "田林路", "宜山路", "成府路"}
	companies  = []string{"科技有限公司", "贸易有限公司", "餐饮管理有限公司", "物流有限公司", "建筑工程有限公司", "文化传媒有限公司"}
	tagPool    = []string{"理财", "代发工资", "房贷", "信用卡", "老年客户", "小微企业", "高净值", "跨境", "养老金"}
	gradeCodes = []string{"normal", "normal", "normal", "silver", "silver", "gold", "diamond"}
)

// residentID builds a valid 18-digit resident ID (GB 11643 check digit); the
// sequence number makes it unique among the demo customers.
func residentID(seq int, region string, birth time.Time) string {
	body := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), seq%999+1)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// loadCustomers seeds n customers across the bank's outlets, with managers,
// grades, tags, some contacts and interactions. The data is the same every run.
func loadCustomers(ctx context.Context, orgs *org.Service, customers *customer.Service, ids map[string]int64, n int) error {
	r := rand.New(rand.NewPCG(2026, 11))
	type outlet struct {
		id               int64
		region, district string
		head, teller     int64
	}
	var outlets []outlet
	users, _, err := orgs.ListUsers(ctx, org.UserFilter{Limit: 500})
	if err != nil {
		return err
	}
	byLogin := map[string]int64{}
	for _, u := range users {
		byLogin[u.Login] = u.ID
	}
	for _, branch := range bank.children {
		for _, sub := range branch.children {
			for _, o := range sub.children {
				base := loginBase(o.code)
				outlets = append(outlets, outlet{id: ids[o.code], region: o.region, district: sub.name[:len(sub.name)-len("支行")],
					head: byLogin[base+".head"], teller: byLogin[base+".teller"]})
			}
		}
	}
	ins := make([]customer.Input, 0, n)
	for i := range n {
		o := outlets[i%len(outlets)]
		in := customer.Input{OrgID: o.id, Status: customer.StatusFormal, Source: "counter", Grade: gradeCodes[r.IntN(len(gradeCodes))]}
		phone := fmt.Sprintf("1%d%09d", 3+r.IntN(7), 100000000+i*7)
		in.Phones = []customer.Phone{{Number: phone, Label: "手机", Primary: true}}
		street := streets[r.IntN(len(streets))]
		in.Address = fmt.Sprintf("%s市%s区%s%d号", o.region, o.district, street, 1+r.IntN(300))
		in.Region = o.region
		if i%12 == 0 {
			in.Kind = customer.KindOrganization
			in.Name = fmt.Sprintf("%s%s%s", []string{"北京", "上海"}[i%2], string(surnames[r.IntN(len(surnames))])+given[r.IntN(len(given))], companies[r.IntN(len(companies))])
			in.Source = "visit"
		} else {
			in.Kind = customer.KindIndividual
			in.Name = string(surnames[r.IntN(len(surnames))]) + given[r.IntN(len(given))]
			birth := time.Date(1950+r.IntN(55), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
			districts := map[string][]string{"北京": {"110101", "110102", "110105", "110106", "110108", "110114"}, "上海": {"310101", "310104", "310105", "310112", "310115", "310117"}}[o.region]
			in.IDType, in.IDNumber = "resident_id", residentID(i, districts[(i/999)%len(districts)], birth)
		}
		if r.IntN(4) == 0 {
			in.Tags = []string{tagPool[r.IntN(len(tagPool))]}
		}
		if r.IntN(10) == 0 {
			in.Status = customer.StatusPotential
		} else if r.IntN(25) == 0 {
			in.Status = customer.StatusLost
		}
		if m := []int64{o.head, o.teller}[r.IntN(2)]; m != 0 {
			in.ManagerID = &m
		}
		if in.Grade == "diamond" {
			in.Confidentiality = 2
		}
		ins = append(ins, in)
	}
	created, err := customers.Seed(ctx, ins)
	if err != nil {
		return err
	}
	kinds := []string{"visit", "call", "message"}
	contents := []string{"电话回访，客户对理财产品感兴趣", "到网点办理业务，推荐手机银行", "发送节日问候短信", "上门拜访，了解企业经营情况", "提醒信用卡还款"}
	for i, id := range created {
		if i%5 != 0 {
			continue
		}
		at := time.Date(2026, time.Month(1+r.IntN(10)), 1+r.IntN(28), 9+r.IntN(8), 0, 0, 0, time.UTC)
		if _, err := customers.AddInteraction(ctx, id, customer.InteractionInput{Kind: kinds[r.IntN(len(kinds))], At: &at, Content: contents[r.IntN(len(contents))]}); err != nil {
			return err
		}
		if ins[i].Kind == customer.KindOrganization {
			name := string(surnames[r.IntN(len(surnames))]) + given[r.IntN(len(given))]
			if _, err := customers.SaveContact(ctx, id, 0, customer.ContactInput{Name: name, Title: "财务经理", Phone: fmt.Sprintf("139%08d", 20000000+i), Primary: true}); err != nil {
				return err
			}
		}
	}
	return nil
}
