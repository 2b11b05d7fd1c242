package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"lingting/internal/customer"
)

// The generator makes realistic customers deterministically: record i of a
// seed is always the same, so queries can be drawn from records without
// storing them. Phones and resident IDs are unique for i < 10^8.

var (
	// Common surnames, the first ones the most frequent (weights below).
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	// Characters of given names.
	givenChars = []rune("伟芳娜英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文红玉志晓东海燕欣怡子涵浩然雨轩梓萱宇航思远佳琪俊博鹏飞婷雪慧颖晨阳鑫磊斌宁凯丹琳峰辉瑶雯倩璐嘉豪诗梦瑞泽睿铭昊天一诺若曦梓涵子轩")
	brands     = []string{"华信", "东方", "远洋", "恒通", "鼎盛", "中科", "天润", "博远", "金桥", "瑞丰", "宏达", "新源", "嘉和", "永安", "盛世", "汇丰", "安泰", "同创", "明德", "海纳"}
	companies  = []string{"科技有限公司", "贸易有限公司", "餐饮管理有限公司", "物流有限公司", "建筑工程有限公司", "文化传媒有限公司", "医药有限公司", "商贸有限公司"}
	compounds  = []string{"阳光花园", "金色家园", "翠湖小区", "华庭", "锦绣苑", "融泽嘉园", "万科城市花园", "明月小区", "碧水云天", "书香门第", "和平里", "幸福家园"}
	tagPool    = []string{"理财", "代发工资", "房贷", "信用卡", "老年客户", "小微企业", "高净值", "跨境", "养老金", "手机银行"}
	gradeCodes = []string{"normal", "normal", "normal", "normal", "silver", "silver", "gold", "diamond"}
	notesPool  = []string{"客户偏好手机银行办理业务", "电话回访时请避开午休时间", "对大额存单和理财产品感兴趣", "企业主，关注代发工资服务", "需要上门服务，行动不便"}
	mobilePre  = []string{"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
		"156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "198", "199"}
)

// district is where an outlet's customers live: a district with its resident-ID
// region code and streets.
type district struct {
	city, name, code, areaCode string
	streets                    []string
}

var districts = map[string]district{
	"HXB-BJ-HD": {"北京", "海淀", "110108", "010", []string{"中关村大街", "学院路", "成府路", "知春路", "海淀大街", "苏州街", "万泉河路", "清华东路", "上地十街", "西三环北路"}},
	"HXB-BJ-CY": {"北京", "朝阳", "110105", "010", []string{"建国路", "望京街", "三里屯路", "朝阳门外大街", "光华路", "酒仙桥路", "亮马桥路", "工体北路", "大屯路", "北苑路"}},
	"HXB-SH-PD": {"上海", "浦东新", "310115", "021", []string{"陆家嘴环路", "世纪大道", "张江路", "金桥路", "浦东南路", "东方路", "杨高中路", "碧波路", "锦绣路", "龙阳路"}},
	"HXB-SH-XH": {"上海", "徐汇", "310104", "021", []string{"漕溪北路", "田林路", "宜山路", "虹桥路", "肇嘉浜路", "衡山路", "天钥桥路", "龙华中路", "桂林路", "钦州路"}},
}

var otherDistrict = district{"北京", "西城", "110102", "010", []string{"金融大街", "西单北大街", "月坛南街", "复兴门内大街", "阜成门外大街"}}

func districtOf(outletCode string) district {
	for prefix, d := range districts {
		if strings.HasPrefix(outletCode, prefix) {
			return d
		}
	}
	return otherDistrict
}

// Record is one generated customer in the canonical form the service stores
// after validation (so the bulk loader writes what Create would write).
type Record struct {
	Kind, Name      string
	Phones          []customer.Phone // the first is primary
	IDType          string
	IDNumber        string
	Email, Address  string
	Region          string
	Outlet          *Outlet
	ManagerID       *int64
	Grade, Source   string
	Status          string
	Birthday        *string
	Confidentiality int
	Tags            []string
	Notes           string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Generator produces the records of one seed over a set of outlets.
type Generator struct {
	seed    uint64
	outlets []Outlet
	cum     []int // cumulative outlet weights
	now     time.Time
}

// NewGenerator spreads customers over outlets with uneven weights (bigger
// outlets hold more customers, as in a real bank). With the demo tree's
// outlets in code order, the six Beijing outlets get 66% of the customers.
func NewGenerator(seed uint64, outlets []Outlet) *Generator {
	g := &Generator{seed: seed, outlets: outlets, now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	weights := []int{16, 12, 10, 12, 9, 7, 9, 7, 6, 5, 4, 3}
	total := 0
	for i := range outlets {
		total += weights[i%len(weights)]
		g.cum = append(g.cum, total)
	}
	return g
}

// permute maps i < 10^8 onto a unique, random-looking value < 10^8.
func permute(i, salt int) int {
	return int((uint64(i)*48271 + uint64(salt)*7919 + 1234567) % 100_000_000)
}

func (g *Generator) rng(i int) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, uint64(i)))
}

func (g *Generator) outlet(r *rand.Rand) *Outlet {
	x := r.IntN(g.cum[len(g.cum)-1])
	for i, c := range g.cum {
		if x < c {
			return &g.outlets[i]
		}
	}
	return &g.outlets[len(g.outlets)-1]
}

// personName draws a Chinese personal name: frequent surnames more often, one
// or two given characters.
func personName(r *rand.Rand) string {
	// Roughly Zipf: the first surnames are the most common.
	s := surnames[int(float64(len(surnames))*r.Float64()*r.Float64())]
	name := []rune{s, givenChars[r.IntN(len(givenChars))]}
	if r.IntN(10) < 7 {
		name = append(name, givenChars[r.IntN(len(givenChars))])
	}
	return string(name)
}

// Record returns customer i.
func (g *Generator) Record(i int) Record {
	r := g.rng(i)
	o := g.outlet(r)
	d := districtOf(o.Code)
	rec := Record{Kind: customer.KindIndividual, Outlet: o, Region: d.city, Source: "counter", Status: customer.StatusFormal,
		Grade: gradeCodes[r.IntN(len(gradeCodes))], Confidentiality: 1}
	p := permute(i, int(g.seed%1000))
	rec.Phones = []customer.Phone{{Number: mobilePre[i%len(mobilePre)] + fmt.Sprintf("%08d", p), Label: "手机", Primary: true}}
	if r.IntN(10) == 0 {
		rec.Phones = append(rec.Phones, customer.Phone{Number: fmt.Sprintf("%s-%d%07d", d.areaCode, 5+r.IntN(4), permute(i, 77)%10_000_000), Label: "家庭"})
	}
	street := d.streets[r.IntN(len(d.streets))]
	rec.Address = fmt.Sprintf("%s市%s区%s%d号", d.city, d.name, street, 1+r.IntN(300))
	if r.IntN(2) == 0 {
		rec.Address += fmt.Sprintf("%s%d号楼%d单元%d室", compounds[r.IntN(len(compounds))], 1+r.IntN(30), 1+r.IntN(6), 101+100*r.IntN(20)+r.IntN(4))
	}
	if i%12 == 0 {
		rec.Kind, rec.Source = customer.KindOrganization, "visit"
		rec.Name = d.city + brands[r.IntN(len(brands))] + companies[r.IntN(len(companies))]
	} else {
		rec.Name = personName(r)
		// Unique per i: sequence and birthday from a permutation of i.
		q := int((uint64(i)*48271 + 7654321) % 20_000_000) // a bijection on i < 2·10^7
		birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (q/1000)%20_000)
		rec.IDType, rec.IDNumber = "resident_id", residentID(d.code, birth, q%1000)
		b := birth.Format(time.DateOnly)
		rec.Birthday = &b
	}
	if r.IntN(5) == 0 {
		rec.Email = fmt.Sprintf("kh%d@mail.example.cn", p)
	}
	if r.IntN(4) == 0 {
		rec.Tags = []string{tagPool[r.IntN(len(tagPool))]}
		if r.IntN(3) == 0 {
			if t := tagPool[r.IntN(len(tagPool))]; t != rec.Tags[0] {
				rec.Tags = append(rec.Tags, t)
			}
		}
	}
	if r.IntN(20) == 0 {
		rec.Notes = notesPool[r.IntN(len(notesPool))]
	}
	switch {
	case r.IntN(10) == 0:
		rec.Status = customer.StatusPotential
	case r.IntN(25) == 0:
		rec.Status = customer.StatusLost
	}
	if len(o.Managers) > 0 && r.IntN(3) > 0 {
		m := o.Managers[r.IntN(len(o.Managers))]
		rec.ManagerID = &m
	}
	if rec.Grade == "diamond" {
		rec.Confidentiality = 2
	}
	rec.CreatedAt = g.now.Add(-time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour)))).Truncate(time.Microsecond)
	rec.UpdatedAt = rec.CreatedAt.Add(time.Duration(r.Int64N(int64(g.now.Sub(rec.CreatedAt))))).Truncate(time.Microsecond)
	return rec
}

// residentID builds a valid 18-character resident ID (GB 11643 check digit).
func residentID(region string, birth time.Time, seq int) string {
	body := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), seq)
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// Input is the record as a service input (for Seed, and for the import files).
func (rec Record) Input() customer.Input {
	in := customer.Input{Kind: rec.Kind, Name: rec.Name, Phones: append([]customer.Phone(nil), rec.Phones...), IDType: rec.IDType,
		IDNumber: rec.IDNumber, Email: rec.Email, Address: rec.Address, Region: rec.Region, OrgID: rec.Outlet.ID,
		ManagerID: rec.ManagerID, Grade: rec.Grade, Tags: rec.Tags, Source: rec.Source, Status: rec.Status,
		Birthday: rec.Birthday, Confidentiality: rec.Confidentiality, Notes: rec.Notes}
	return in
}

// Queries draws search texts from records, as users type them.
type Queries struct {
	g      *Generator
	r      *rand.Rand
	lo, hi int                // records lo…hi-1 are in the archive
	in     func(*Outlet) bool // draw only from customers of these outlets (nil: all)
}

// Queries draws from records lo…hi-1 whose outlet satisfies in (nil: any),
// so that a scoped user searches for customers it can see.
func (g *Generator) Queries(lo, hi int, salt uint64, in func(*Outlet) bool) *Queries {
	return &Queries{g: g, r: rand.New(rand.NewPCG(g.seed^0x5eed, salt)), lo: lo, hi: hi, in: in}
}

func (q *Queries) record() Record {
	for {
		rec := q.g.Record(q.lo + q.r.IntN(q.hi-q.lo))
		if q.in == nil || q.in(rec.Outlet) {
			return rec
		}
	}
}

func (q *Queries) person() Record {
	for {
		if rec := q.record(); rec.Kind == customer.KindIndividual {
			return rec
		}
	}
}

// NameFragment is 2 characters of a person's name: the surname and the first
// given character, or the two given characters.
func (q *Queries) NameFragment() string {
	n := []rune(q.person().Name)
	if len(n) == 3 && q.r.IntN(2) == 0 {
		return string(n[1:3])
	}
	return string(n[0:2])
}

// AddressFragment is 3 consecutive characters of a street or compound name.
func (q *Queries) AddressFragment() string {
	for {
		rec := q.record()
		d := districtOf(rec.Outlet.Code)
		words := append(append([]string{}, d.streets...), compounds...)
		w := []rune(words[q.r.IntN(len(words))])
		if !strings.Contains(rec.Address, string(w)) || len(w) < 3 {
			continue
		}
		k := q.r.IntN(len(w) - 2)
		return string(w[k : k+3])
	}
}

// PhoneSuffix is the last 4 digits of a customer's mobile.
func (q *Queries) PhoneSuffix() string {
	p := q.record().Phones[0].Number
	return p[len(p)-4:]
}

// Initials is the first 2 or 3 pinyin initials of a person's name.
func (q *Queries) Initials() string {
	n := q.person().Name
	ini := strings.Fields(initialsOf(n))[0]
	k := 2 + q.r.IntN(2)
	if k > len(ini) {
		k = len(ini)
	}
	return ini[:k]
}
