package customer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"lingting/internal/audit"
	"lingting/internal/customer"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/testutil"
)

// The bulk paths of imports (set-based duplicate lookups, multi-row INSERTs)
// run here with chunks of 3 rows and search statements of 5 documents, so
// that a few dozen rows cross every boundary.

const bulkHeader = "客户名称,客户类型,手机号码,证件类型,证件号码,电子邮箱,地址,所属机构编码,客户等级,客户经理工号,标签,生日"

// residentID returns a valid 18-digit resident ID number (GB 11643 check digit).
func residentID(birth string, seq int) string {
	body := fmt.Sprintf("110105%s%03d", birth, seq)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// bulkApp is an app whose imports use tiny chunks.
func bulkApp(t *testing.T, engine string) *testutil.TestApp {
	t.Helper()
	t.Cleanup(customer.SetBulkSizesForTest(3, 5)) // runs after the app has stopped
	return testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12})
}

// systemCtx acts as the administrator (user 1) with every permission.
func systemCtx() context.Context {
	ctx := scope.With(context.Background(), scope.System())
	ctx = perm.With(ctx, perm.Set{"customer.create": true, "customer.update": true, "customer.delete": true, "customer.level2": true, "customer.level3": true,
		"import.create": true, "import.approve": true})
	return audit.WithActor(ctx, audit.Actor{UserID: 1, Name: "admin"})
}

// uploadCSV uploads rows (after the header) and waits for the validation.
func uploadCSV(t *testing.T, c *testutil.Client, policy string, rows []string) (int64, *testutil.Response) {
	t.Helper()
	body := bulkHeader + ",行业\r\n" + strings.Join(rows, "\r\n") + "\r\n"
	up := c.Upload("/api/v1/imports", map[string]string{"kind": "customers", "duplicate_policy": policy}, "bulk.csv", []byte(body))
	if up.Status != 202 {
		t.Fatalf("upload: %d %s", up.Status, up.Body)
	}
	id := up.Int("id")
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := c.Do("GET", fmt.Sprintf("/api/v1/imports/%d", id), nil)
		if r.String("status") != customer.ImportValidating {
			return id, r
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d still validating: %s", id, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// variedRows are n valid rows of every shape the template allows: individuals
// with ID numbers (birthday given or derived), organisations, landlines,
// tags, grades, a manager, a custom field; rows differ from each other.
func variedRows(n, salt int) []string {
	out := make([]string, n)
	grades := []string{"", "普通", "银卡", "金卡", "钻石"}
	for i := range out {
		k := salt*1000 + i
		name := []string{"赵", "钱", "孙", "李", "周", "吴", "郑", "王"}[i%8] + []string{"一", "重庆", "行长", "敏", "乐乐"}[i%5] + fmt.Sprint(k)
		kind, phone, idType, idNum, email, birthday, manager, tags, industry := "个人", fmt.Sprintf("139%08d", 20000000+k), "", "", "", "", "", "", ""
		switch i % 4 {
		case 0:
			b := fmt.Sprintf("19%02d%02d%02d", 50+i%40, 1+i%12, 1+i%28)
			idType, idNum = "居民身份证", residentID(b, k%1000)
			if i%8 == 0 {
				birthday = b[:4] + "-" + b[4:6] + "-" + b[6:]
			}
		case 1:
			name, kind, phone = name+"科技有限公司", "企业", fmt.Sprintf("010-6%07d", k)
		case 2:
			email, tags = fmt.Sprintf("c%d@example.cn", k), "理财，房贷、 VIP"
		case 3:
			manager, industry = "D0024", "零售"
		}
		out[i] = strings.Join([]string{name, kind, phone, idType, idNum, email, fmt.Sprintf("北京市海淀区中关村大街%d号", k),
			fmt.Sprintf("HXB-BJ-HD-0%d", 1+i%3), grades[i%len(grades)], manager, tags, birthday, industry}, ",")
	}
	return out
}

// watchApply records the counts ApplyHook reports until the test ends.
func watchApply(t *testing.T) func() []int {
	var mu sync.Mutex
	var seen []int
	customer.ApplyHook = func(k int) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, k)
	}
	t.Cleanup(func() { customer.ApplyHook = nil })
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// storedShape renders what the database holds for a customer, leaving out
// what differs by design between two copies: id, code, import, timestamps.
func storedShape(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	ctx := context.Background()
	var c struct {
		Kind            string  `db:"kind"`
		Name            string  `db:"name"`
		Initials        string  `db:"initials"`
		Phone           string  `db:"phone"`
		IDType          string  `db:"id_type"`
		IDNumber        string  `db:"id_number"`
		Email           string  `db:"email"`
		Address         string  `db:"address"`
		Region          string  `db:"region"`
		OrgID           int64   `db:"org_id"`
		ManagerID       *int64  `db:"manager_id"`
		Grade           string  `db:"grade"`
		Source          string  `db:"source"`
		Status          string  `db:"status"`
		Birthday        *string `db:"birthday"`
		Anniversaries   string  `db:"anniversaries"`
		Confidentiality int     `db:"confidentiality"`
		Custom          string  `db:"custom"`
		Notes           string  `db:"notes"`
		Code            string  `db:"code"`
	}
	if err := db.Get(ctx, &c, "SELECT kind, name, initials, phone, id_type, id_number, email, address, region, org_id, manager_id, grade, source, status, birthday, anniversaries, confidentiality, custom, notes, code FROM customers WHERE id = ?", id); err != nil {
		t.Fatalf("customer %d: %v", id, err)
	}
	if c.Code != fmt.Sprintf("KH%08d", id) {
		t.Fatalf("customer %d has code %s", id, c.Code)
	}
	var phones []struct {
		Number  string `db:"number"`
		Rev     string `db:"number_rev"`
		Label   string `db:"label"`
		Primary bool   `db:"is_primary"`
	}
	if err := db.Select(ctx, &phones, "SELECT number, number_rev, label, is_primary FROM customer_phones WHERE customer_id = ? ORDER BY number", id); err != nil {
		t.Fatal(err)
	}
	var tags []string
	if err := db.Select(ctx, &tags, "SELECT tag FROM customer_tags WHERE customer_id = ? ORDER BY tag", id); err != nil {
		t.Fatal(err)
	}
	var doc string
	q := "SELECT doc FROM customer_search WHERE rowid = ?"
	if db.Dialect == store.Postgres {
		q = "SELECT array_to_string(tsvector_to_array(doc), ' ') FROM customer_search WHERE customer_id = ?"
	}
	if err := db.Get(ctx, &doc, q, id); err != nil {
		t.Fatalf("search document of %d: %v", id, err)
	}
	var inits []string
	if err := db.Select(ctx, &inits, "SELECT initials FROM customer_initials WHERE customer_id = ? ORDER BY initials", id); err != nil {
		t.Fatal(err)
	}
	terms := slices.DeleteFunc(strings.Fields(doc), func(s string) bool { return s == strings.ToLower(c.Code) })
	sort.Strings(terms)
	var custom map[string]any
	_ = json.Unmarshal([]byte(c.Custom), &custom)
	c.Code, c.Custom = "", fmt.Sprint(custom)
	mgr, bday := "nil", "nil"
	if c.ManagerID != nil {
		mgr = fmt.Sprint(*c.ManagerID)
	}
	if c.Birthday != nil {
		bday = *c.Birthday
	}
	c.ManagerID, c.Birthday = nil, nil
	return fmt.Sprintf("%+v manager=%s birthday=%s phones=%+v tags=%v doc=%v initials=%v", c, mgr, bday, phones, tags, terms, inits)
}

// TestBulkImportMatchesCreate imports varied rows through the bulk path, then
// creates the same validated inputs one by one through Create (after deleting
// the imported copies, so they are not duplicates) and compares what both
// stored: row, code, phones, tags, custom fields and search document.
func TestBulkImportMatchesCreate(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := bulkApp(t, engine)
		admin := a.Admin()
		if r := admin.Do("POST", "/api/v1/customer-fields", map[string]any{"code": "industry", "label": "行业", "type": "select", "options": []string{"制造业", "零售"}}); r.Status != 201 {
			t.Fatalf("custom field: %d %s", r.Status, r.Body)
		}
		const n = 23 // 7 full chunks and a partial one; 4 full search statements and a partial one
		applied := watchApply(t)
		id, r := uploadCSV(t, admin, "skip", variedRows(n, 1))
		if r.String("status") != customer.ImportReady || r.Int("accepted") != n || r.Int("rejected") != 0 {
			t.Fatalf("report: %s", r.Body)
		}
		if ap := admin.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", id), nil); ap.Status != 200 || ap.String("status") != customer.ImportApplied {
			t.Fatalf("apply: %d %s", ap.Status, ap.Body)
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i + 1
		}
		if got := applied(); !slices.Equal(got, want) {
			t.Fatalf("apply hook saw %v, want 1…%d", got, n)
		}
		ctx := context.Background()
		var ids []int64
		if err := a.DB.Select(ctx, &ids, "SELECT id FROM customers WHERE import_id = ? ORDER BY id", id); err != nil {
			t.Fatal(err)
		}
		if len(ids) != n {
			t.Fatalf("%d customers carry the import, want %d", len(ids), n)
		}
		bulk := make([]string, n)
		for i, cid := range ids {
			bulk[i] = storedShape(t, a.DB, cid)
		}
		var data []string
		if err := a.DB.Select(ctx, &data, "SELECT data FROM import_rows WHERE import_id = ? AND action = 'insert' ORDER BY line", id); err != nil {
			t.Fatal(err)
		}
		sys := systemCtx()
		for _, cid := range ids {
			if err := a.Customers.Delete(sys, cid); err != nil {
				t.Fatal(err)
			}
		}
		for i, d := range data {
			var in customer.Input
			if err := json.Unmarshal([]byte(d), &in); err != nil {
				t.Fatal(err)
			}
			c, err := a.Customers.Create(sys, in)
			if err != nil {
				t.Fatalf("create row %d: %v", i+2, err)
			}
			if one := storedShape(t, a.DB, c.ID); one != bulk[i] {
				t.Fatalf("row %d differs:\nimport %s\ncreate %s", i+2, bulk[i], one)
			}
		}
		au := admin.Do("GET", fmt.Sprintf("/api/v1/audit?entity=import&entity_id=%d", id), nil)
		if !strings.Contains(string(au.Body), fmt.Sprintf("新增 %d，更新 0", n)) {
			t.Fatalf("import not audited with counts: %s", au.Body)
		}
	})
}

// TestBulkImportDuplicates checks the set-based duplicate lookups against the
// archive (same ID number, or same name and phone; deleted customers do not
// count) under each policy, the duplicates inside the file, and the check
// repeated when applying.
func TestBulkImportDuplicates(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := bulkApp(t, engine)
		admin := a.Admin()
		sys := systemCtx()
		var orgID int64
		if err := a.DB.Get(context.Background(), &orgID, "SELECT id FROM orgs WHERE code = 'HXB-BJ-HD-01'"); err != nil {
			t.Fatal(err)
		}
		idX, idY, idZ := residentID("19800101", 1), residentID("19800102", 2), residentID("19800103", 3)
		mk := func(name, phone, idNumber string) int64 {
			c, err := a.Customers.Create(sys, customer.Input{Name: name, Phone: phone, IDNumber: idNumber, OrgID: orgID})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		byID := mk("档案甲", "13700000001", idX)
		byPhone := mk("周八", "13700000002", "")
		if err := a.Customers.Delete(sys, mk("已删除", "13700000003", idY)); err != nil {
			t.Fatal(err)
		}
		row := func(name, phone, idNumber, email string) string {
			idType := ""
			if idNumber != "" {
				idType = "居民身份证"
			}
			return strings.Join([]string{name, "个人", phone, idType, idNumber, email, "", "HXB-BJ-HD-01", "", "", "", "", ""}, ",")
		}
		rows := []string{
			row("新客一", "13800000001", "", ""),          // line 2: new
			row("另一个名字", "13800000002", idX, "x@a.cn"), // 3: the archive has its ID number
			row("新客二", "13800000003", idZ, ""),         // 4: new, with an ID number
			row("周八", "13700000002", "", "z@b.cn"),     // 5: the archive has its name and phone
			row("周八", "13800000005", "", ""),           // 6: same name, other phone: new
			row("别人", "13700000002", "", ""),           // 7: same phone, other name: new
			row("已删除", "13700000003", idY, ""),         // 8: matches a deleted customer only: new
			row("新客一", "13800000001", "", ""),          // 9: duplicates line 2 in the file
			row("新客三", "13800000009", "", ""),          // 10: new
		}
		action := func(importID int64) map[int]string {
			var got []struct {
				Line   int    `db:"line"`
				Action string `db:"action"`
				Target *int64 `db:"target_id"`
			}
			if err := a.DB.Select(context.Background(), &got, "SELECT line, action, target_id FROM import_rows WHERE import_id = ? AND line > 1 ORDER BY line", importID); err != nil {
				t.Fatal(err)
			}
			out := map[int]string{}
			for _, g := range got {
				out[g.Line] = g.Action
				if g.Target != nil {
					out[g.Line] += fmt.Sprint(":", *g.Target)
				}
			}
			return out
		}
		t.Run("skip", func(t *testing.T) {
			id, r := uploadCSV(t, admin, "skip", rows)
			if r.Int("total") != 9 || r.Int("accepted") != 6 || r.Int("duplicates") != 3 || r.Int("rejected") != 0 {
				t.Fatalf("report: %s", r.Body)
			}
			want := map[int]string{2: "insert", 3: fmt.Sprint("skip:", byID), 4: "insert", 5: fmt.Sprint("skip:", byPhone), 6: "insert", 7: "insert", 8: "insert", 9: "skip", 10: "insert"}
			if got := action(id); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("actions %v, want %v", got, want)
			}
			// Between validation and apply the archive gains a customer with
			// line 4's ID number: the apply fails on that row and adds nothing.
			late := mk("后来者", "13600000004", idZ)
			before := admin.Do("GET", "/api/v1/customers", nil).Total()
			ap := admin.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", id), nil)
			if ap.Status != 409 || !strings.Contains(string(ap.Body), "第 4 行") {
				t.Fatalf("apply over a new duplicate: %d %s", ap.Status, ap.Body)
			}
			if n := admin.Do("GET", "/api/v1/customers", nil).Total(); n != before {
				t.Fatalf("a failed apply left %d customers, want %d", n, before)
			}
			if st := admin.Do("GET", fmt.Sprintf("/api/v1/imports/%d", id), nil).String("status"); st != customer.ImportReady {
				t.Fatalf("status after a failed apply: %s", st)
			}
			if err := a.Customers.Delete(sys, late); err != nil {
				t.Fatal(err)
			}
			if ap := admin.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", id), nil); ap.String("status") != customer.ImportApplied {
				t.Fatalf("apply: %d %s", ap.Status, ap.Body)
			}
			if n := admin.Do("GET", "/api/v1/customers", nil).Total(); n != before-1+6 {
				t.Fatalf("after the apply %d customers, want %d", n, before-1+6)
			}
		})
		t.Run("reject", func(t *testing.T) {
			// Every row is in the archive now (lines 3 and 5 were already) or,
			// line 9, repeats line 2.
			id, r := uploadCSV(t, admin, "reject", rows)
			if r.Int("accepted") != 0 || r.Int("rejected") != 9 || r.Int("duplicates") != 9 {
				t.Fatalf("report: %s", r.Body)
			}
			body := string(r.Body)
			for _, want := range []string{"档案中已有该客户", `"row":10`} {
				if !strings.Contains(body, want) {
					t.Errorf("report lacks %q: %s", want, body)
				}
			}
			if got := action(id); got[3] != fmt.Sprint("reject:", byID) || got[5] != fmt.Sprint("reject:", byPhone) || got[9] == "" {
				t.Fatalf("actions %v", got)
			}
		})
		t.Run("update between inserts", func(t *testing.T) {
			// Updates of archive rows interleave with new rows across chunks.
			applied := watchApply(t)
			upd := []string{
				row("更新甲", "13500000001", "", ""),
				row("更新乙", "13500000002", "", ""),
				row("另一个名字", "13800000002", idX, "new@a.cn"), // updates byID
				row("更新丙", "13500000003", "", ""),
				row("更新丁", "13500000004", "", ""),
				row("周八", "13700000002", "", "zhou@b.cn"), // updates byPhone
				row("更新戊", "13500000005", "", ""),
			}
			id, r := uploadCSV(t, admin, "update", upd)
			if r.Int("accepted") != 7 || r.Int("duplicates") != 2 {
				t.Fatalf("report: %s", r.Body)
			}
			if ap := admin.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", id), nil); ap.String("status") != customer.ImportApplied {
				t.Fatalf("apply: %d %s", ap.Status, ap.Body)
			}
			if got := applied(); fmt.Sprint(got) != "[1 2 3 4 5 6 7]" {
				t.Fatalf("apply hook saw %v", got)
			}
			var emails []string
			if err := a.DB.Select(context.Background(), &emails, "SELECT email FROM customers WHERE id IN (?, ?) ORDER BY id", byID, byPhone); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(emails) != "[new@a.cn zhou@b.cn]" {
				t.Fatalf("updated e-mails %v", emails)
			}
			var n int
			if err := a.DB.Get(context.Background(), &n, "SELECT count(*) FROM customers WHERE import_id = ?", id); err != nil || n != 5 {
				t.Fatalf("%d new customers (%v), want 5", n, err)
			}
			au := admin.Do("GET", fmt.Sprintf("/api/v1/audit?entity=import&entity_id=%d", id), nil)
			if !strings.Contains(string(au.Body), "新增 5，更新 2") {
				t.Fatalf("import not audited with counts: %s", au.Body)
			}
		})
	})
}
