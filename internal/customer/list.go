package customer

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"lingting/internal/scope"
	"lingting/internal/store"
)

// Filter narrows the customer list; the same filter drives exports.
type Filter struct {
	Q         string
	Grade     string
	OrgID     int64 // this org and its subtree
	Tag       string
	ManagerID int64
	Status    string
	Kind      string
	Custom    map[string]string // custom field code → value (text equality, or option membership)
	Sort      string            // -updated_at (default), updated_at, name, -name, created_at, -created_at
	Limit     int
	Offset    int
}

var sorts = map[string]string{
	"": "c.updated_at DESC, c.id DESC", "-updated_at": "c.updated_at DESC, c.id DESC", "updated_at": "c.updated_at, c.id",
	"name": "c.name, c.id", "-name": "c.name DESC, c.id DESC", "created_at": "c.id", "-created_at": "c.id DESC",
}

// ValidSort reports whether a sort key is known.
func ValidSort(s string) bool { _, ok := sorts[s]; return ok }

// where renders the filter and the caller's scope and clearance as SQL. The
// org subtrees of the scope and of the org filter are resolved into literal
// org ids first: the planners then see which orgs are meant (PostgreSQL
// estimated one org for "path LIKE '/2/3/%'" where there are nine, and walked
// a whole branch probing the search index per customer). The clearance is a
// list of levels so that "org_id IN (…) AND confidentiality IN (…)" is a set
// of equality ranges of customers_live_org (migration 00023): counting reads
// only that index, and a page sorted by updated_at takes the first rows of
// each range. A free-text query is not part of it: see match and candidates.
func (s *Service) where(ctx context.Context, f Filter) (string, []any, error) {
	sc, args, err := s.scopeSQL(ctx)
	if err != nil {
		return "", nil, err
	}
	w := " WHERE c.deleted_at IS NULL AND c.confidentiality IN (" + levels(s.clearance(ctx)) + ") AND " + sc
	if f.Grade != "" {
		w += " AND c.grade = ?"
		args = append(args, f.Grade)
	}
	if f.OrgID != 0 {
		ids, err := s.subtree(ctx, f.OrgID)
		if err != nil {
			return "", nil, err
		}
		w += " AND " + orgIn(ids)
	}
	if f.Tag != "" {
		w += " AND c.id IN (SELECT customer_id FROM customer_tags WHERE tag = ?)"
		args = append(args, f.Tag)
	}
	if f.ManagerID != 0 {
		w += " AND c.manager_id = ?"
		args = append(args, f.ManagerID)
	}
	if f.Status != "" {
		w += " AND c.status = ?"
		args = append(args, f.Status)
	}
	if f.Kind != "" {
		w += " AND c.kind = ?"
		args = append(args, f.Kind)
	}
	for code, val := range f.Custom {
		// Custom values live in a JSON text column; a quoted match is portable and exact enough
		// for filtering by a chosen value (codes are validated identifiers).
		w += " AND (c.custom LIKE ? OR c.custom LIKE ?)"
		args = append(args, `%"`+code+`":"`+escapeLike(val)+`"%`, `%"`+code+`":[%"`+escapeLike(val)+`"%]%`)
	}
	return w, args, nil
}

// maxCollected is how many candidate ids of a search ListPage collects
// before it leaves the matching to the database (see candidates).
const maxCollected = 50000

// candidates renders the search q as a predicate on c.id. On PostgreSQL the
// matches are collected once (the full-text lookup was evaluated twice, for
// the count and for the page, and each reads a heap row of customer_search
// per match) and passed back as one array parameter, whose size the planner
// then knows; a search with more than maxCollected matches is left as a
// subquery, as it is on SQLite. none reports a search that matches nothing;
// empty pred means q searches for nothing.
//
// set is the collected ids (PostgreSQL below maxCollected), sorted, each once.
func (s *Service) candidates(ctx context.Context, q string) (pred string, args []any, set []int64, none bool, err error) {
	m, margs := s.match(q)
	if m == "" {
		return "", nil, nil, false, nil
	}
	if s.db.Dialect == store.SQLite {
		// SQLite's full-text lookup is cheaper than passing its matches
		// back as JSON (measured: 2-10 ms more CPU per search that way).
		return " AND c.id IN (" + m + ")", margs, nil, false, nil
	}
	agg := "SELECT string_agg(id::text, ',') FROM (SELECT id FROM (" + m + ") u LIMIT ?) l"
	var list *string
	if err := s.db.Get(ctx, &list, agg, append(append([]any{}, margs...), maxCollected+1)...); err != nil {
		return "", nil, nil, false, err
	}
	if list == nil || *list == "" {
		return "", nil, nil, true, nil
	}
	if strings.Count(*list, ",") >= maxCollected {
		return " AND c.id IN (" + m + ")", margs, nil, false, nil
	}
	ids := make([]int64, 0, strings.Count(*list, ",")+1)
	for _, v := range strings.Split(*list, ",") {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", nil, nil, false, err
		}
		ids = append(ids, id)
	}
	// A customer with two matching initials variants comes twice.
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return " AND c.id = ANY(?::bigint[])", []any{ids}, ids, false, nil
}

// match renders a free-text query as one set of candidate customer ids: the
// union of the full-text matches (names, addresses, words, pinyin initials),
// the phone-suffix matches, and the exact ID number or customer code. It was
// an OR of IN subqueries, which neither engine could plan as one set: SQLite
// tested every customer of the scope against each, PostgreSQL hashed nothing
// and probed per row. A union is collected once; scope, filters and the sort
// apply to it. Empty when q searches for nothing.
func (s *Service) match(raw string) (string, []any) {
	q := parseQuery(raw)
	if len(q.terms) == 0 && q.digits == "" {
		return "", nil
	}
	var parts []string
	var args []any
	if lo, hi, ok := initialsRange(q.prefix); ok {
		// The pinyin initials from their own table (migration 00027): a
		// range of its key, read without the search documents.
		parts = append(parts, "SELECT customer_id AS id FROM customer_initials WHERE initials >= ? AND initials < ?")
		args = append(args, lo, hi)
	}
	if expr := s.matchExpr(q); expr != "" {
		if s.db.Dialect == store.Postgres {
			parts = append(parts, "SELECT customer_id AS id FROM customer_search WHERE doc @@ ?::tsquery")
		} else {
			parts = append(parts, "SELECT rowid AS id FROM customer_search WHERE customer_search MATCH ?")
		}
		args = append(args, expr)
	}
	if q.digits != "" {
		parts = append(parts, "SELECT customer_id AS id FROM customer_phones WHERE number_rev LIKE ?")
		args = append(args, reverse(q.digits)+"%")
	}
	if id := strings.ToUpper(strings.TrimSpace(raw)); len(id) == 15 || len(id) == 18 {
		parts = append(parts, "SELECT id FROM customers WHERE id_number = ?")
		args = append(args, id)
	}
	if code := strings.ToUpper(strings.TrimSpace(raw)); strings.HasPrefix(code, "KH") {
		parts = append(parts, "SELECT id FROM customers WHERE code = ?")
		args = append(args, code)
	}
	if len(parts) == 0 {
		return "", nil
	}
	return strings.Join(parts, " UNION ALL "), args
}

// scopeSQL renders the caller's data scope over customers like
// scope.Where(scopeCols), with the visible subtrees resolved to org ids.
func (s *Service) scopeSQL(ctx context.Context) (string, []any, error) {
	sc := scope.From(ctx)
	if sc.All {
		return "1=1", nil, nil
	}
	ids := append([]int64{}, sc.OrgIDs...)
	for _, root := range sc.Roots {
		var sub []int64
		if err := s.db.Select(ctx, &sub, "SELECT id FROM orgs WHERE path LIKE ?", root+"%"); err != nil {
			return "", nil, err
		}
		ids = append(ids, sub...)
	}
	var parts []string
	var args []any
	if len(sc.Roots) > 0 || len(sc.OrgIDs) > 0 {
		parts = append(parts, orgIn(ids))
	}
	if sc.Self {
		parts = append(parts, "c.manager_id = ?")
		args = append(args, sc.UserID)
	}
	if len(parts) == 0 {
		return "1=0", nil, nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, nil
}

// subtree lists an org and every org below it (nothing for an unknown org).
func (s *Service) subtree(ctx context.Context, orgID int64) ([]int64, error) {
	var ids []int64
	err := s.db.Select(ctx, &ids, "SELECT id FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE id = ?) || '%'", orgID)
	return ids, err
}

// orgIn renders "c.org_id is one of ids" with the ids as literals (they are
// integers read from the database, never caller text).
func orgIn(ids []int64) string {
	if len(ids) == 0 {
		return "1=0"
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	b := make([]string, len(ids))
	for i, id := range ids {
		b[i] = strconv.FormatInt(id, 10)
	}
	return "c.org_id IN (" + strings.Join(b, ",") + ")"
}

// levels lists the confidentiality levels up to clearance: "1", "1,2", "1,2,3".
func levels(clearance int) string {
	b := make([]string, 0, 3)
	for l := 1; l <= clearance && l <= 3; l++ {
		b = append(b, strconv.Itoa(l))
	}
	if len(b) == 0 {
		return "0"
	}
	return strings.Join(b, ",")
}

// matchExpr builds the full-text expression: every term of a Chinese query, or
// for ASCII input a prefix of the pinyin initials or of a word.
func (s *Service) matchExpr(q query) string {
	pg := s.db.Dialect == store.Postgres
	quote := func(t string, prefix bool) string {
		if pg {
			if prefix {
				return "'" + t + "':*"
			}
			return "'" + t + "'"
		}
		if prefix {
			return `"` + t + `"*`
		}
		return `"` + t + `"`
	}
	if q.prefix != "" {
		if _, _, ok := initialsRange(q.prefix); !ok {
			// Not initials (see initialsRange): as the py terms of the
			// documents would have it.
			if pg {
				return quote("py"+q.prefix, true) + " | " + quote(q.prefix, true)
			}
			return quote("py"+q.prefix, true) + " OR " + quote(q.prefix, true)
		}
		return quote(q.prefix, true) // words; the initials come from customer_initials
	}
	parts := make([]string, 0, len(q.terms))
	for _, t := range q.terms {
		parts = append(parts, quote(t, !isCJK(t)))
	}
	if pg {
		return strings.Join(parts, " & ")
	}
	return strings.Join(parts, " AND ")
}

// initialsRange is the key range of customer_initials holding the variants
// that start with prefix: [prefix, prefix with its last byte incremented).
// Variants are lower-case ASCII letters and digits (initials.Of), so a prefix
// with anything else cannot start one; it is left to the full-text query, as
// before the table existed (FTS5 and to_tsquery split such a prefix into
// words of their own).
func initialsRange(prefix string) (lo, hi string, ok bool) {
	if prefix == "" {
		return "", "", false
	}
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return "", "", false
		}
	}
	return prefix, prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1), true
}

func isCJK(t string) bool {
	for _, r := range t {
		return r > 0x2E80
	}
	return false
}

func escapeLike(s string) string {
	return strings.NewReplacer(`"`, ``, `%`, ``, `_`, ``, `\`, ``).Replace(s)
}

// The caps of the total: a list counts its matches up to listCap, a search
// (q) up to searchCap. Counting every match cost seconds at 10^6 customers (a
// branch sees 578,003), and a search's matches are checked against the scope
// one by one (17,728 customers have pinyin initials starting with "zh").
var (
	listCap   = 10000
	searchCap = 1000
)

// Page is one page of the list and how many customers match.
type Page struct {
	Items []*Customer
	Total int  // matches, at most the cap
	Exact bool // false: more than Total match
}

// List returns a page of visible customers (masked) and the total, counted
// up to the cap (see ListPage).
func (s *Service) List(ctx context.Context, f Filter) ([]*Customer, int, error) {
	p, err := s.ListPage(ctx, f)
	return p.Items, p.Total, err
}

// ListPage returns a page of visible customers (masked). Total is exact up to
// listCap (searchCap with q); beyond that it is the cap and Exact is false.
func (s *Service) ListPage(ctx context.Context, f Filter) (p Page, err error) {
	if s.db.Dialect == store.Postgres {
		// Without parallel workers: starting them cost more than these
		// queries (a name search ran 1 ms of work in 48 ms with a worker).
		err = s.db.WithTx(ctx, func(ctx context.Context) error {
			if _, err := s.db.Exec(ctx, "SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
				return err
			}
			p, err = s.listPage(ctx, f)
			return err
		})
		return p, err
	}
	return s.listPage(ctx, f)
}

func (s *Service) listPage(ctx context.Context, f Filter) (Page, error) {
	w, args, err := s.where(ctx, f)
	if err != nil {
		return Page{}, err
	}
	pred, cargs, set, none, err := s.candidates(ctx, f.Q)
	if err != nil || none {
		return Page{Exact: true, Items: []*Customer{}}, err
	}
	base, baseArgs := w, args // the filter and scope without the search
	w += pred
	args = append(args, cargs...)
	limit := listCap
	if pred != "" {
		limit = searchCap
	}
	var n int
	var matched []int64 // a search's matches, when it has at most limit of them
	if pred == "" {
		if err := s.db.Get(ctx, &n, "SELECT count(*) FROM (SELECT 1 FROM customers c"+w+" LIMIT ?) capped", append(append([]any{}, args...), limit+1)...); err != nil {
			return Page{}, err
		}
	} else {
		// A search counts by collecting the ids of its matches in scope (it
		// stops at limit+1, like the count): below the cap the page is then
		// sorted from those ids, without looking the search up again nor
		// reading the rows of matches outside the scope.
		q, qargs := "SELECT c.id FROM customers c"+w+" LIMIT ?", append(append([]any{}, args...), limit+1)
		if s.db.Dialect == store.SQLite {
			// The matches streamed into rowid lookups of customers, which
			// stop at limit+1 in scope. "c.id IN (matches)" built a
			// temporary index of every match first (19,000 ids for "zh"
			// at 10^6 customers: 4.5 ms before the first lookup).
			m, margs := s.match(f.Q)
			q = "SELECT DISTINCT c.id FROM (" + m + ") m CROSS JOIN customers c NOT INDEXED" + base + " AND c.id = m.id LIMIT ?"
			qargs = append(append(append([]any{}, margs...), baseArgs...), limit+1)
		} else if set != nil {
			// The collected ids joined to customers in id order, stopping
			// at limit+1 in scope. As "c.id = ANY(array)" the planner
			// estimated each of the array's elements (19,000 for "zh"):
			// more time planning than running.
			q = "SELECT c.id FROM unnest(?::bigint[]) AS m(id) JOIN customers c ON c.id = m.id" + base + " LIMIT ?"
			qargs = append(append([]any{set}, baseArgs...), limit+1)
		}
		if err := s.db.Select(ctx, &matched, q, qargs...); err != nil {
			return Page{}, err
		}
		n = len(matched)
	}
	p := Page{Total: min(n, limit), Exact: n <= limit, Items: []*Customer{}}
	if n == 0 || f.Offset >= n && p.Exact {
		return p, nil
	}
	var ids []int64
	walked := false
	if set != nil && !p.Exact {
		if ids, walked, err = s.walkPage(ctx, f, base, baseArgs, set); err != nil {
			return Page{}, err
		}
	}
	switch {
	case walked:
	case matched != nil && p.Exact:
		// One array parameter on PostgreSQL: a list of n placeholders would
		// be a statement of its own (prepared per connection) for every n.
		q, qargs := "SELECT c.id FROM customers c WHERE c.id = ANY(?::bigint[]) ORDER BY "+sorts[f.Sort]+" LIMIT ? OFFSET ?", []any{matched, f.Limit, f.Offset}
		if s.db.Dialect == store.SQLite {
			if q, qargs, err = store.In("SELECT c.id FROM customers c WHERE c.id IN (?) ORDER BY "+sorts[f.Sort]+" LIMIT ? OFFSET ?", matched, f.Limit, f.Offset); err != nil {
				return Page{}, err
			}
		}
		if err := s.db.Select(ctx, &ids, q, qargs...); err != nil {
			return Page{}, err
		}
	default:
		if err := s.db.Select(ctx, &ids, "SELECT c.id FROM customers c"+s.pageHint(f, pred != "")+w+" ORDER BY "+sorts[f.Sort]+" LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...); err != nil {
			return Page{}, err
		}
	}
	if p.Items, err = s.byIDs(ctx, ids); err != nil {
		return Page{}, err
	}
	for _, c := range p.Items {
		c.mask()
	}
	return p, nil
}

// walkChunk ids at a time, walkChunks times at most (see walkPage).
var walkChunk, walkChunks = 2000, 20

// walkPage reads, on PostgreSQL, the page of a search with more matches in
// scope than it counts, newest first: it walks the customers in scope in that
// order (customers_live_updated holds what the walk tests: no table rows are
// read), 2,000 ids at a time, and keeps those in set. As one query with
// "c.id = ANY(set)" the planner estimated every element of the array (19,000
// for "zh"). A search past its cap has at least one match in every 1,000
// customers in scope, so the walk is short; it gives up (ok false) after
// walkChunks chunks, on a sort other than updated_at descending, and deep in
// the pages, and the caller then asks the database.
func (s *Service) walkPage(ctx context.Context, f Filter, base string, baseArgs []any, set []int64) (ids []int64, ok bool, err error) {
	if f.Sort != "" && f.Sort != "-updated_at" || f.Offset+f.Limit > searchCap {
		return nil, false, nil
	}
	type row struct {
		ID        int64     `db:"id"`
		UpdatedAt time.Time `db:"updated_at"`
	}
	need := f.Offset + f.Limit
	var got []int64
	var last *row
	for range walkChunks {
		q, args := "SELECT c.id, c.updated_at FROM customers c"+base, slices.Clone(baseArgs)
		if last != nil {
			q += " AND (c.updated_at, c.id) < (?, ?)"
			args = append(args, last.UpdatedAt, last.ID)
		}
		var rows []row
		if err := s.db.Select(ctx, &rows, q+" ORDER BY c.updated_at DESC, c.id DESC LIMIT ?", append(args, walkChunk)...); err != nil {
			return nil, false, err
		}
		for _, r := range rows {
			if _, found := slices.BinarySearch(set, r.ID); found {
				got = append(got, r.ID)
			}
		}
		if len(got) >= need || len(rows) < walkChunk {
			if f.Offset >= len(got) {
				return []int64{}, true, nil
			}
			return got[f.Offset:min(need, len(got))], true, nil
		}
		last = &rows[len(rows)-1]
	}
	return nil, false, nil
}

// pageHint tells SQLite how to read the page of a search with more matches
// in scope than it counts, sorted by updated_at: it walks customers_updated in
// the order of the page and keeps the matches, which are dense enough (at
// least 1 in 1,000 customers) to fill a page soon, instead of reading and
// sorting every match (without statistics SQLite guessed either way). A
// search below its cap sorts the ids it collected; lists without q need no
// hint, customers_live_org gives each org's newest first. PostgreSQL chooses
// from its statistics.
func (s *Service) pageHint(f Filter, search bool) string {
	if s.db.Dialect != store.SQLite || !search || !strings.Contains(sorts[f.Sort], "updated_at") {
		return ""
	}
	return " INDEXED BY customers_updated"
}

// byIDs reads customers by id, with their children, in the order of ids.
func (s *Service) byIDs(ctx context.Context, ids []int64) ([]*Customer, error) {
	out := []*Customer{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := store.In(s.q.Get("select")+" WHERE c.id IN (?)", ids)
	if err != nil {
		return nil, err
	}
	var rows []*Customer
	if err := s.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	byID := make(map[int64]*Customer, len(rows))
	for _, c := range rows {
		byID[c.ID] = c
	}
	for _, id := range ids {
		if c := byID[id]; c != nil {
			out = append(out, c)
		}
	}
	return out, s.fillChildren(ctx, out)
}

// Each streams every visible customer matching f, in id order and in batches,
// unmasked; fn decides what to show. It never holds the whole result in memory.
func (s *Service) Each(ctx context.Context, f Filter, fn func(*Customer) error) error {
	w, args, err := s.where(ctx, f)
	if err != nil {
		return err
	}
	if m, margs := s.match(f.Q); m != "" {
		w += " AND c.id IN (" + m + ")"
		args = append(args, margs...)
	}
	var after int64
	const batch = 1000
	for {
		var page []*Customer
		if err := s.db.Select(ctx, &page, s.q.Get("select")+w+" AND c.id > ? ORDER BY c.id LIMIT ?", append(append([]any{}, args...), after, batch)...); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := s.fillChildren(ctx, page); err != nil {
			return err
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
		if len(page) < batch {
			return nil
		}
	}
}
