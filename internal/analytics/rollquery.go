package analytics

import (
	"context"
	"strconv"
	"strings"

	"lingting/internal/scope"
)

// Reading the roll-ups. A query needs some key columns — for the caller's
// scope, the filters, the groupings and its own conditions — and reads the
// narrowest family that has them all (rollFamilies). A scope that sees every
// ticket needs none: everything, or a client scope that covers every org with
// tickets (a bank's head office). A period is read from the family's monthly
// table for the whole months inside it and from its daily table for the days
// at its edges, each a range of the primary key; the reports add the rows of
// both up in Go, group by group, as they did the rows of one query. Grouping
// by day reads the days only. The dimensions below mirror dims.go on roll-up
// rows (alias r).

// source is one roll-up table and the part of the period read from it.
type source struct {
	table string
	month string // the month of a row (yyyymm)
	where string // the period condition
	args  []any
}

// sources splits the period between a family's monthly and daily tables.
func (f *Filter) sources(fam *rollFamily) []source {
	days := func(where string, args ...any) source {
		return source{table: fam.table("day"), month: "r.day / 100", where: where, args: args}
	}
	if contains(f.dims, "day") {
		return []source{days("r.day >= ? AND r.day <= ?", f.From, f.To)}
	}
	first, last := f.From/100, f.To/100
	if f.From%100 != 1 {
		first = nextMonth(first)
	}
	if f.To != lastOfMonth(last) {
		last = prevMonth(last)
	}
	if first > last {
		return []source{days("r.day >= ? AND r.day <= ?", f.From, f.To)}
	}
	out := []source{{table: fam.table("month"), month: "r.month", where: "r.month >= ? AND r.month <= ?", args: []any{first, last}}}
	var parts []string
	var args []any
	if f.From < first*100+1 {
		parts = append(parts, "(r.day >= ? AND r.day < ?)")
		args = append(args, f.From, first*100+1)
	}
	if f.To > lastOfMonth(last) {
		parts = append(parts, "(r.day > ? AND r.day <= ?)")
		args = append(args, lastOfMonth(last), f.To)
	}
	if len(parts) > 0 {
		out = append(out, days("("+strings.Join(parts, " OR ")+")", args...))
	}
	return out
}

func prevMonth(m int) int {
	if m%100 == 1 {
		return (m/100-1)*100 + 12
	}
	return m - 1
}

// rollDim is a dimension's raw key on a roll-up row and the columns it needs;
// on device-centric reports the device's columns replace the ticket's.
type rollDim struct {
	expr, device     string
	cols, deviceCols []string
}

var rollDimensions = map[string]rollDim{
	"day":         {expr: "CAST(r.day AS TEXT)"},
	"type":        {expr: "r.asset_type", cols: []string{"asset_type"}},
	"brand":       {expr: "r.asset_brand", cols: []string{"asset_brand"}},
	"model":       {expr: "r.asset_model", cols: []string{"asset_model"}},
	"region":      {expr: "COALESCE(o.region, '')", cols: []string{"org_id"}, deviceCols: []string{"asset_org_id"}},
	"org":         {expr: "o.path", cols: []string{"org_id"}, deviceCols: []string{"asset_org_id"}},
	"vendor":      {expr: idText("r.vendor_org_id"), device: idText("r.asset_vendor_id"), cols: []string{"vendor_org_id"}, deviceCols: []string{"asset_vendor_id"}},
	"station":     {expr: "CASE WHEN r.station_id <> 0 THEN CAST(r.station_id AS TEXT) WHEN r.vendor_org_id <> 0 THEN CAST(r.vendor_org_id AS TEXT) ELSE '' END", device: idText("r.asset_vendor_id"), cols: []string{"station_id", "vendor_org_id"}, deviceCols: []string{"asset_vendor_id"}},
	"engineer":    {expr: idText("r.assignee_id"), cols: []string{"assignee_id"}},
	"category":    {expr: idText("r.category_id"), cols: []string{"category_id"}},
	"ticket_type": {expr: "r.type", cols: []string{"type"}},
	"status":      {expr: "r.status", cols: []string{"status"}},
	"policy":      {expr: idText("r.policy_id"), cols: []string{"policy_id"}},
}

// idText renders an id column (0: none) as the text key the raw queries used.
func idText(col string) string {
	return "CASE WHEN " + col + " = 0 THEN '' ELSE CAST(" + col + " AS TEXT) END"
}

// rollDims renders the SELECT list, GROUP BY and joins of dims on a source.
func rollDims(dims []string, deviceCentric bool, src source) (sel, group, joins string) {
	var exprs []string
	needOrg := false
	for i, d := range dims {
		var e string
		if d == "month" {
			e = "CAST(" + src.month + " AS TEXT)"
		} else {
			def := rollDimensions[d]
			e = def.expr
			if deviceCentric && def.device != "" {
				e = def.device
			}
		}
		needOrg = needOrg || d == "region" || d == "org"
		sel += e + " AS g" + strconv.Itoa(i) + ", "
		exprs = append(exprs, e)
	}
	if len(exprs) > 0 {
		group = " GROUP BY " + strings.Join(exprs, ", ")
	}
	if needOrg {
		if deviceCentric {
			joins = " JOIN orgs o ON o.id = r.asset_org_id"
		} else {
			joins = " JOIN orgs o ON o.id = r.org_id"
		}
	}
	return sel, group, joins
}

// rollScope matches the caller's scope on roll-up rows as on tickets.
var rollScope = scope.Columns{Org: "r.org_id", Vendor: "r.vendor_org_id", Self: "r.assignee_id"}

// rollStation is a row's station: the station, or the servicing org before dispatch.
const rollStation = "(CASE WHEN r.station_id <> 0 THEN r.station_id ELSE r.vendor_org_id END)"

// seesAll reports whether the caller's scope shows every ticket: everything,
// or a client scope covering every org that has tickets (then the vendor and
// self parts, ORed to it, change nothing).
func (s *Service) seesAll(ctx context.Context) (bool, error) {
	sc := scope.From(ctx)
	if sc.All {
		return true, nil
	}
	if sc.Axis == scope.AxisVendor || (len(sc.Roots) == 0 && len(sc.OrgIDs) == 0) {
		return false, nil
	}
	pred, args := scope.Scope{Roots: sc.Roots, OrgIDs: sc.OrgIDs, Axis: scope.AxisClient}.Where(scope.Columns{Org: "a.org_id"})
	var outside []int64
	if err := s.db.Select(ctx, &outside, "SELECT a.org_id FROM analytics_orgs a WHERE NOT "+pred+" LIMIT 1", args...); err != nil {
		return false, err
	}
	return len(outside) == 0, nil
}

// scopeCols are the columns the caller's scope is matched on.
func scopeCols(ctx context.Context) []string {
	sc := scope.From(ctx)
	var cols []string
	if len(sc.Roots) > 0 || len(sc.OrgIDs) > 0 {
		if sc.Axis != scope.AxisVendor {
			cols = append(cols, "org_id")
		}
		if sc.Axis != scope.AxisClient {
			cols = append(cols, "vendor_org_id")
		}
	}
	if sc.Self {
		cols = append(cols, "assignee_id")
	}
	return cols
}

// rollWhere renders the scope (unless the caller sees every ticket) and the
// filters on roll-up rows.
func rollWhere(ctx context.Context, f *Filter, all bool) (string, []any) {
	w, args := "1=1", []any(nil)
	if !all {
		w, args = scope.From(ctx).Where(rollScope)
	}
	add := func(cond string, v any) {
		w += " AND " + cond
		args = append(args, v)
	}
	if f.OrgID != 0 {
		add(scope.InSubtree("r.org_id"), f.OrgID)
	}
	if f.VendorOrgID != 0 {
		add(scope.InSubtree("r.vendor_org_id"), f.VendorOrgID)
	}
	if f.StationID != 0 {
		add(rollStation+" = ?", f.StationID)
	}
	if f.StaffID != 0 {
		add("r.assignee_id = ?", f.StaffID)
	}
	for _, x := range []struct{ col, v string }{{"r.asset_type", f.Type}, {"r.asset_brand", f.Brand}, {"r.asset_model", f.Model}} {
		if x.v != "" {
			add(x.col+" = ?", x.v)
		}
	}
	return w, args
}

// rollQuery is one grouped query over the roll-ups.
type rollQuery struct {
	name          string
	deviceCentric bool
	types         []string // ticket types (none: any)
	vendor        bool     // serviced by a vendor
	assets        bool     // on a device
	cols          []string // further columns the query reads
	work          bool     // rows with an engineer's field work (daily roll-ups)
	tail          []any    // arguments after the WHERE's (HAVING)
}

// needs lists the key columns a query reads beyond type and status.
func (q *rollQuery) needs(ctx context.Context, f *Filter, all bool) map[string]bool {
	need := map[string]bool{}
	if !all {
		for _, c := range scopeCols(ctx) {
			need[c] = true
		}
	}
	if f.OrgID != 0 {
		need["org_id"] = true
	}
	if f.VendorOrgID != 0 || q.vendor {
		need["vendor_org_id"] = true
	}
	if f.StationID != 0 {
		need["station_id"], need["vendor_org_id"] = true, true
	}
	if f.StaffID != 0 {
		need["assignee_id"] = true
	}
	for _, x := range []struct{ col, v string }{{"asset_type", f.Type}, {"asset_brand", f.Brand}, {"asset_model", f.Model}} {
		if x.v != "" {
			need[x.col] = true
		}
	}
	for _, d := range f.dims {
		def := rollDimensions[d]
		cols := def.cols
		if q.deviceCentric && def.deviceCols != nil {
			cols = def.deviceCols
		}
		for _, c := range cols {
			need[c] = true
		}
	}
	for _, c := range q.cols {
		need[c] = true
	}
	delete(need, "type")
	delete(need, "status")
	return need
}

// family picks the narrowest roll-up family that answers a query.
func (q *rollQuery) family(ctx context.Context, f *Filter, all bool) *rollFamily {
	need := q.needs(ctx, f, all)
	onDevices := q.assets || f.Type != "" || f.Brand != "" || f.Model != ""
	for _, fam := range rollFamilies {
		if fam.AssetsOnly && !onDevices {
			continue
		}
		if q.assets && !fam.AssetsOnly && !fam.has["asset_org_id"] {
			continue
		}
		ok := true
		for c := range need {
			ok = ok && fam.has[c]
		}
		if ok {
			return fam
		}
	}
	return rollFamilies[len(rollFamilies)-1]
}

// where renders the query's own conditions on a family.
func (q *rollQuery) where(fam *rollFamily) (string, []any) {
	var conds []string
	var args []any
	if q.assets && !fam.AssetsOnly {
		conds = append(conds, "r.asset_org_id <> 0")
	}
	if q.vendor {
		conds = append(conds, "r.vendor_org_id <> 0")
	}
	if q.work {
		conds = append(conds, "r.assignee_id <> 0 AND r.work_n > 0")
	}
	if len(q.types) > 0 {
		conds = append(conds, "r.type IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(q.types)), ", ")+")")
		for _, t := range q.types {
			args = append(args, t)
		}
	}
	return strings.Join(conds, " AND "), args
}

// rollSelect runs a grouped roll-up query over the sources of the period in
// the family that answers it, and returns the rows of all of them.
func rollSelect[T any](ctx context.Context, s *Service, f *Filter, q rollQuery) ([]T, error) {
	all, err := s.seesAll(ctx)
	if err != nil {
		return nil, err
	}
	fam := q.family(ctx, f, all)
	return rollSelectFrom[T](ctx, s, f, q, all, fam, f.sources(fam))
}

func rollSelectFrom[T any](ctx context.Context, s *Service, f *Filter, q rollQuery, all bool, fam *rollFamily, srcs []source) ([]T, error) {
	var out []T
	for _, src := range srcs {
		sel, group, joins := rollDims(f.dims, q.deviceCentric, src)
		w, args := rollWhere(ctx, f, all)
		w += " AND " + src.where
		args = append(args, src.args...)
		if cond, cargs := q.where(fam); cond != "" {
			w += " AND " + cond
			args = append(args, cargs...)
		}
		dimgroup, outer := "", ""
		if group != "" {
			dimgroup = strings.TrimPrefix(group, " GROUP BY ") + ", "
		}
		for i := range f.dims {
			outer += "x.g" + strconv.Itoa(i) + ", "
		}
		sql := s.sql(q.name, map[string]string{"table": src.table, "dims": sel, "joins": joins, "where": w, "group": group, "dimgroup": dimgroup, "outer": outer})
		var rows []T
		if err := s.db.Select(ctx, &rows, sql, append(args, q.tail...)...); err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// overloadDays lists the engineer-days of each group whose work passed the
// threshold: from an engineer-day table when it has every column the query
// needs (it has no device), else from the daily roll-up of the query's family.
func (s *Service) overloadDays(ctx context.Context, f *Filter, q rollQuery) ([]engDays, error) {
	all, err := s.seesAll(ctx)
	if err != nil {
		return nil, err
	}
	q.name, q.tail = "roll-overload-days", []any{int64(f.OverloadHours * 3600)}
	q.cols = append(q.cols, "assignee_id")
	src := source{month: "r.day / 100", where: "r.day >= ? AND r.day <= ?", args: []any{f.From, f.To}}
	need := q.needs(ctx, f, all)
	fam := &rollFamily{}
	for _, ef := range engFamilies {
		fam.has = map[string]bool{}
		for _, c := range ef.cols {
			fam.has[c] = true
		}
		ok := !q.assets
		for c := range need {
			ok = ok && fam.has[c]
		}
		if ok {
			src.table = ef.table
			break
		}
	}
	if src.table == "" {
		fam = q.family(ctx, f, all)
		src.table, q.work = fam.table("day"), true
	}
	return rollSelectFrom[engDays](ctx, s, f, q, all, fam, []source{src})
}
