package demo

import (
	"context"
	"fmt"
	"strings"

	"lingting/internal/org"
)

// DemoUser describes one seeded user; tests and docs refer to these logins.
type DemoUser struct {
	Login, Name, OrgCode, Role string
}

// Users lists the fixed demo users that the journeys use.
var Users = []DemoUser{
	{"agent01", "王芳", "OPS-CS", "客服坐席"},
	{"agent02", "李娜", "OPS-CS", "客服坐席"},
	{"agent03", "张敏", "OPS-CS", "客服坐席"},
	{"agent04", "刘洋", "OPS-CS", "客服坐席"},
	{"supervisor01", "陈静", "OPS-CS", "客服主管"},
	{"manager01", "杨帆", "OPS", "客服主管"},
	{"hxb.admin", "赵强", "HXB", "分行管理员"},
	{"bj.admin", "黄磊", "HXB-BJ", "分行管理员"},
	{"sh.admin", "周婷", "HXB-SH", "分行管理员"},
	{"hd.head", "吴刚", "HXB-BJ-HD", "分行管理员"},
	{"cy.head", "徐丽", "HXB-BJ-CY", "分行管理员"},
	{"pd.head", "孙伟", "HXB-SH-PD", "分行管理员"},
	{"xh.head", "马超", "HXB-SH-XH", "分行管理员"},
	{"adwb.manager", "朱军", "ADWB", "服务商用户"},
	{"bj1.head", "胡斌", "ADWB-BJ1", "站点主管"},
	{"bj2.head", "郭亮", "ADWB-BJ2", "站点主管"},
	{"sh.station", "何平", "ADWB-SH", "站点主管"},
	{"eng.bj1a", "高峰", "ADWB-BJ1", "服务工程师"},
	{"eng.bj1b", "林涛", "ADWB-BJ1", "服务工程师"},
	{"eng.bj2a", "罗勇", "ADWB-BJ2", "服务工程师"},
	{"eng.bj2b", "梁杰", "ADWB-BJ2", "服务工程师"},
	{"eng.sha", "宋健", "ADWB-SH", "服务工程师"},
	{"eng.shb", "郑浩", "ADWB-SH", "服务工程师"},
}

var outletStaff = []string{"韩雪", "唐晓", "冯丹", "董梅", "萧然", "程琳", "曹颖", "袁媛", "邓洁", "许晴", "傅蓉", "沈瑶",
	"曾红", "彭霞", "吕萍", "苏燕", "卢玲", "蒋慧", "蔡琴", "贾莉", "丁宁", "魏巍", "薛梅", "叶青"}

// loginBase turns an outlet code into the login prefix of its staff: HXB-BJ-HD-01 → bjhd01.
func loginBase(code string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(code, "HXB-"), "-", ""))
}

func createUsers(ctx context.Context, orgs *org.Service, ids map[string]int64, roleIDs map[string]int64) error {
	all := append([]DemoUser{}, Users...)
	// Two staff per outlet: the outlet head and a teller, both with the outlet's scope.
	i := 0
	for _, branch := range bank.children {
		for _, sub := range branch.children {
			for _, o := range sub.children {
				base := loginBase(o.code)
				all = append(all,
					DemoUser{base + ".head", outletStaff[i%len(outletStaff)], o.code, "网点负责人"},
					DemoUser{base + ".teller", outletStaff[(i+1)%len(outletStaff)], o.code, "网点用户"})
				i += 2
			}
		}
	}
	for n, u := range all {
		orgID, ok := ids[u.OrgCode]
		if !ok {
			return fmt.Errorf("demo: user %s: unknown org %s", u.Login, u.OrgCode)
		}
		_, err := orgs.SeedUser(ctx, org.UserInput{Login: u.Login, Name: u.Name, OrgID: orgID, Password: Password,
			JobNo: fmt.Sprintf("D%04d", n+1), Phone: fmt.Sprintf("139%08d", 10000000+n*7919),
			Email: u.Login + "@demo.lingting.cn", RoleIDs: []int64{roleIDs[u.Role]}})
		if err != nil {
			return fmt.Errorf("demo: user %s: %w", u.Login, err)
		}
	}
	return nil
}
