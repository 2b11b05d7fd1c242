package analytics

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"lingting/internal/asset"
	"lingting/internal/scope"
	"lingting/internal/ticket"
)

// A dimension is one thing a report can be grouped by. SQL groups by a raw key
// (an org path, a vendor or station id, a month); Go then maps raw keys to the
// report's groups (the children of an org, a vendor company) and names them.
type dimension struct {
	ticket string // raw key on a ticket row (aliases t, a, o)
	device string // raw key on a device row (a, o); "" when not a device property
	org    bool   // needs orgs o (the ticket's or the device's org)
	kind   string
}

var dimensions = map[string]dimension{
	"month":       {ticket: "CAST(t.day / 100 AS TEXT)", kind: "month"},
	"day":         {ticket: "CAST(t.day AS TEXT)", kind: "day"},
	"type":        {ticket: "COALESCE(a.type, '')", device: "a.type", kind: "text"},
	"brand":       {ticket: "COALESCE(a.brand, '')", device: "a.brand", kind: "text"},
	"model":       {ticket: "COALESCE(a.model, '')", device: "a.model", kind: "text"},
	"region":      {ticket: "COALESCE(o.region, '')", device: "o.region", org: true, kind: "text"},
	"org":         {ticket: "o.path", device: "o.path", org: true, kind: "org"},
	"vendor":      {ticket: "COALESCE(CAST(t.vendor_org_id AS TEXT), '')", device: "COALESCE(CAST(a.vendor_org_id AS TEXT), '')", kind: "vendor"},
	"station":     {ticket: "COALESCE(CAST(COALESCE(t.station_id, t.vendor_org_id) AS TEXT), '')", device: "COALESCE(CAST(a.vendor_org_id AS TEXT), '')", kind: "orgname"},
	"engineer":    {ticket: "COALESCE(CAST(t.assignee_id AS TEXT), '')", kind: "user"},
	"category":    {ticket: "COALESCE(CAST(t.category_id AS TEXT), '')", kind: "category"},
	"ticket_type": {ticket: "t.type", kind: "ticket_type"},
	"status":      {ticket: "t.status", device: "a.status", kind: "status"},
	// The SLA policy of a target (SLA figures only: alias s is the target row).
	"policy": {ticket: "CAST(s.policy_id AS TEXT)", kind: "policy"},
}

// On device-centric ticket reports (operation) the device decides the region,
// org and vendor, so tickets and the device archive group alike.
var deviceCentric = map[string]string{
	"vendor":  "COALESCE(CAST(a.vendor_org_id AS TEXT), '')",
	"station": "COALESCE(CAST(a.vendor_org_id AS TEXT), '')",
}

// sqlDims renders the SELECT list and GROUP BY of the given dimensions.
// on is "ticket", "device" (a device row) or "ticket-device" (a ticket row
// grouped by its device's properties).
func sqlDims(dims []string, on string) (sel, group, joins string) {
	var exprs []string
	needOrg := false
	for i, d := range dims {
		def := dimensions[d]
		e := def.ticket
		switch on {
		case "device":
			e = def.device
		case "ticket-device":
			if x, ok := deviceCentric[d]; ok {
				e = x
			}
		}
		needOrg = needOrg || def.org
		sel += e + " AS g" + strconv.Itoa(i) + ", "
		exprs = append(exprs, e)
	}
	if len(exprs) > 0 {
		group = " GROUP BY " + strings.Join(exprs, ", ")
	}
	if needOrg {
		switch on {
		case "ticket":
			joins = " JOIN orgs o ON o.id = t.org_id"
		default:
			joins = " JOIN orgs o ON o.id = a.org_id"
		}
	}
	return sel, group, joins
}

// gcols receives the raw group keys of a row.
type gcols struct {
	G0 string `db:"g0"`
	G1 string `db:"g1"`
	G2 string `db:"g2"`
	G3 string `db:"g3"`
}

func (g gcols) raw(n int) []string { return []string{g.G0, g.G1, g.G2, g.G3}[:n] }

// ticketWhere renders the scope, period and filters of a ticket query.
func ticketWhere(ctx context.Context, f *Filter, period bool) (string, []any) {
	pred, args := scope.From(ctx).Where(ticket.ScopeColumns)
	w := pred
	add := func(cond string, v any) {
		w += " AND " + cond
		args = append(args, v)
	}
	if period {
		add("t.day >= ?", f.From)
		add("t.day <= ?", f.To)
	}
	if f.OrgID != 0 {
		add(scope.InSubtree("t.org_id"), f.OrgID)
	}
	if f.VendorOrgID != 0 {
		add(scope.InSubtree("t.vendor_org_id"), f.VendorOrgID)
	}
	if f.StationID != 0 {
		add("COALESCE(t.station_id, t.vendor_org_id) = ?", f.StationID)
	}
	if f.StaffID != 0 {
		add("t.assignee_id = ?", f.StaffID)
	}
	for col, v := range map[string]string{"a.type": f.Type, "a.brand": f.Brand, "a.model": f.Model} {
		if v != "" {
			add(col+" = ?", v)
		}
	}
	return w, args
}

// deviceWhere renders the scope and filters of a device query (retired
// devices are left out: they no longer run).
func deviceWhere(ctx context.Context, f *Filter, withRetired bool) (string, []any) {
	pred, args := scope.From(ctx).Where(asset.ScopeColumns)
	w := pred
	add := func(cond string, v any) {
		w += " AND " + cond
		args = append(args, v)
	}
	if !withRetired {
		w += " AND a.status <> 'retired'"
	}
	if f.OrgID != 0 {
		add(scope.InSubtree("a.org_id"), f.OrgID)
	}
	if f.VendorOrgID != 0 {
		add(scope.InSubtree("a.vendor_org_id"), f.VendorOrgID)
	}
	if f.StationID != 0 {
		add("a.vendor_org_id = ?", f.StationID)
	}
	for col, v := range map[string]string{"a.type": f.Type, "a.brand": f.Brand, "a.model": f.Model} {
		if v != "" {
			add(col+" = ?", v)
		}
	}
	return w, args
}

// Group names one item of a report: its key per dimension and the label shown.
type Group struct {
	Key    string            `json:"key"`
	Keys   map[string]string `json:"keys"`
	Labels map[string]string `json:"labels"`
}

// grouper maps raw keys to report groups and labels them.
type grouper struct {
	s        *Service
	dims     []string
	prefix   string            // org groups are the children of this path
	vendorOf map[string]string // raw vendor/station id → vendor company id
	labels   map[string]map[string]string
}

// newGrouper prepares the mapping of the raw keys a report's queries returned.
func (s *Service) newGrouper(ctx context.Context, f *Filter, raws [][]string) (*grouper, error) {
	g := &grouper{s: s, dims: f.dims, vendorOf: map[string]string{}, labels: map[string]map[string]string{}}
	for i, d := range f.dims {
		switch dimensions[d].kind {
		case "org":
			if f.OrgID != 0 {
				if err := s.db.Get(ctx, &g.prefix, s.sql("org-path", nil), f.OrgID); err != nil {
					return nil, err
				}
			} else {
				var paths []string
				for _, r := range raws {
					paths = append(paths, r[i])
				}
				g.prefix = commonPath(paths)
			}
		case "vendor":
			ids := map[string]bool{}
			for _, r := range raws {
				if r[i] != "" {
					ids[r[i]] = true
				}
			}
			if err := s.mapVendors(ctx, ids, g.vendorOf); err != nil {
				return nil, err
			}
		}
	}
	return g, nil
}

// commonPath is the path of the deepest org above (or equal to) all of paths.
func commonPath(paths []string) string {
	if len(paths) == 0 {
		return "/"
	}
	p := paths[0]
	for _, q := range paths[1:] {
		n := 0
		for n < len(p) && n < len(q) && p[n] == q[n] {
			n++
		}
		p = p[:n]
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return "/"
}

// mapVendors maps each servicing org (a station or the vendor itself) to its
// vendor company: the nearest org of kind vendor at or above it.
func (s *Service) mapVendors(ctx context.Context, ids map[string]bool, out map[string]string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.orgRows(ctx, keysOf(ids))
	if err != nil {
		return err
	}
	anc := map[string]bool{}
	for _, o := range rows {
		for _, seg := range strings.Split(strings.Trim(o.Path, "/"), "/") {
			anc[seg] = true
		}
	}
	all, err := s.orgRows(ctx, keysOf(anc))
	if err != nil {
		return err
	}
	kind := map[string]string{}
	for _, o := range all {
		kind[strconv.FormatInt(o.ID, 10)] = o.Kind
	}
	for _, o := range rows {
		id := strconv.FormatInt(o.ID, 10)
		out[id] = id
		segs := strings.Split(strings.Trim(o.Path, "/"), "/")
		for i := len(segs) - 1; i >= 0; i-- {
			if kind[segs[i]] == "vendor" {
				out[id] = segs[i]
				break
			}
		}
	}
	return nil
}

type orgRow struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
	Kind string `db:"kind"`
	Path string `db:"path"`
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// idArgs turns numeric keys into query arguments (never empty, so IN () stays valid).
func idArgs(keys []string) (string, []any) {
	args := []any{}
	for _, k := range keys {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil {
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		args = append(args, int64(0))
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(args)), ","), args
}

func (s *Service) orgRows(ctx context.Context, ids []string) ([]orgRow, error) {
	var out []orgRow
	ph, args := idArgs(ids)
	err := s.db.Select(ctx, &out, s.sql("orgs-by-id", map[string]string{"ids": ph}), args...)
	return out, err
}

// key maps a row's raw keys to its group keys.
func (g *grouper) key(raw []string) []string {
	out := make([]string, len(raw))
	for i, d := range g.dims {
		r := raw[i]
		switch dimensions[d].kind {
		case "org":
			out[i] = orgChild(g.prefix, r)
		case "vendor":
			if v, ok := g.vendorOf[r]; ok {
				out[i] = v
			} else {
				out[i] = r
			}
		case "month":
			m, _ := strconv.Atoi(r)
			out[i] = formatMonth(m)
		case "day":
			d, _ := strconv.Atoi(r)
			out[i] = FormatDay(d)
		default:
			out[i] = r
		}
	}
	return out
}

// orgChild is the group of an org path under prefix: the child of the prefix
// org that holds it, or the prefix org itself.
func orgChild(prefix, path string) string {
	if !strings.HasPrefix(path, prefix) {
		return ""
	}
	rest := strings.TrimPrefix(path, prefix)
	if rest == "" {
		segs := strings.Split(strings.Trim(prefix, "/"), "/")
		return segs[len(segs)-1]
	}
	seg, _, _ := strings.Cut(rest, "/")
	return seg
}

var statusLabels = map[string]string{"new": "新建", "assigned": "已分配", "in_progress": "处理中", "pending": "挂起", "resolved": "已解决",
	"closed": "已关闭", "in_service": "在用", "faulty": "故障", "retired": "报废"}

// label names the keys of every group (one query per named dimension).
func (g *grouper) label(ctx context.Context, groups []*Group) error {
	for _, d := range g.dims {
		keys := map[string]bool{}
		for _, gr := range groups {
			keys[gr.Keys[d]] = true
		}
		names := map[string]string{}
		q := ""
		switch dimensions[d].kind {
		case "org", "vendor", "orgname":
			q = "orgs-by-id"
		case "user":
			q = "users-by-id"
		case "category":
			q = "categories-by-id"
		case "policy":
			q = "policies-by-id"
		case "ticket_type":
			var rows []struct {
				K string `db:"k"`
				V string `db:"v"`
			}
			if err := g.s.db.Select(ctx, &rows, g.s.sql("ticket-types", nil)); err != nil {
				return err
			}
			for _, r := range rows {
				names[r.K] = r.V
			}
		case "status":
			names = statusLabels
		}
		if q != "" {
			ph, args := idArgs(keysOf(keys))
			var rows []orgRow
			if err := g.s.db.Select(ctx, &rows, g.s.sql(q, map[string]string{"ids": ph}), args...); err != nil {
				return err
			}
			for _, r := range rows {
				names[strconv.FormatInt(r.ID, 10)] = r.Name
			}
		}
		for _, gr := range groups {
			k := gr.Keys[d]
			switch {
			case names[k] != "":
				gr.Labels[d] = names[k]
			case k == "":
				gr.Labels[d] = "（未指定）"
			default:
				gr.Labels[d] = k
			}
		}
	}
	return nil
}

// newGroup builds a group from its keys.
func newGroup(dims, keys []string) *Group {
	g := &Group{Key: strings.Join(keys, "|"), Keys: map[string]string{}, Labels: map[string]string{}}
	for i, d := range dims {
		g.Keys[d] = keys[i]
	}
	return g
}

// sortGroups orders groups by time dimensions, then by label; unnamed last.
func sortGroups[T any](dims []string, items []T, group func(T) *Group) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := group(items[i]), group(items[j])
		for _, d := range dims {
			ka, kb := a.Keys[d], b.Keys[d]
			if k := dimensions[d].kind; k != "month" && k != "day" {
				if (ka == "") != (kb == "") {
					return kb == ""
				}
				ka, kb = a.Labels[d], b.Labels[d]
			}
			if ka != kb {
				return ka < kb
			}
		}
		return false
	})
}
