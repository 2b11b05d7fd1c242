package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"lingting/internal/store"
)

// explain prints, for the branch user's list and one query of each kind, the
// plan of the two statements customer.Service.List runs (the count and the
// page) and their server-side time measured directly on the database. The SQL
// restates what internal/customer/list.go (where, matchExpr) and queries.sql
// ("select") build for a user with subtree scope and clearance 1; it is a
// diagnostic copy, not used for the measurements themselves.
func explain(ctx context.Context, e *Env, opt options, name, addr, phone, ini string) error {
	db := e.App.DB
	pg := db.Dialect == store.Postgres
	var path string
	if err := db.Get(ctx, &path, "SELECT path FROM orgs WHERE code = ?", BranchCode); err != nil {
		return err
	}
	base := " WHERE c.deleted_at IS NULL AND c.confidentiality <= ? AND (c.org_id IN (SELECT id FROM orgs WHERE path LIKE ?))"
	baseArgs := []any{1, path + "%"}
	cases := []struct {
		label, q string
	}{{"list (no q)", ""}, {"q=" + name, name}, {"q=" + addr, addr}, {"q=" + phone, phone}, {"q=" + ini, ini}}
	fmt.Fprintf(opt.Out, "\n### query plans and server-side times (branch user, median of 5)\n")
	for _, c := range cases {
		w, args := base, append([]any{}, baseArgs...)
		if c.q != "" {
			qw, qa := searchWhere(pg, c.q)
			w += qw
			args = append(args, qa...)
		}
		count := "SELECT count(*) FROM customers c" + w
		page := selectSQL + w + " ORDER BY c.updated_at DESC, c.id DESC LIMIT 50 OFFSET 0"
		fmt.Fprintf(opt.Out, "\n#### %s\n", c.label)
		for _, q := range []struct{ label, sql string }{{"count", count}, {"page", page}} {
			d, err := medianTime(ctx, db, q.sql, args)
			if err != nil {
				return fmt.Errorf("%s %s: %w", c.label, q.label, err)
			}
			fmt.Fprintf(opt.Out, "%s: %s ms\n", q.label, ms(d))
			plan, err := queryPlan(ctx, db, pg, q.sql, args)
			if err != nil {
				return err
			}
			fmt.Fprintf(opt.Out, "```\n%s\n```\n", plan)
		}
	}
	return nil
}

const selectSQL = `SELECT c.id, c.code, c.kind, c.name, c.initials, c.phone, c.id_type, c.id_number, c.email, c.address,
       c.region, c.org_id, o.name AS org_name, c.manager_id, m.name AS manager_name, c.grade,
       g.name AS grade_name, c.source, c.status, c.birthday, c.anniversaries, c.confidentiality,
       c.custom, c.notes, c.merged_into, c.created_at, c.updated_at
FROM customers c
JOIN orgs o ON o.id = c.org_id
LEFT JOIN users m ON m.id = c.manager_id
LEFT JOIN customer_grades g ON g.code = c.grade`

// searchWhere restates the q part of customer.Service.where for the inputs the
// bench uses: Chinese fragments, digits, ASCII initials.
func searchWhere(pg bool, q string) (string, []any) {
	quote := func(t string, prefix bool) string {
		switch {
		case pg && prefix:
			return "'" + t + "':*"
		case pg:
			return "'" + t + "'"
		case prefix:
			return `"` + t + `"*`
		}
		return `"` + t + `"`
	}
	ascii, digits := true, true
	for _, r := range q {
		ascii = ascii && r < unicode.MaxASCII
		digits = digits && unicode.IsDigit(r)
	}
	and := " AND "
	if pg {
		and = " & "
	}
	var expr string
	var ors []string
	var args []any
	if ascii {
		// Initials from customer_initials (migration 00027), words from the documents.
		lo := strings.ToLower(q)
		ors = append(ors, "c.id IN (SELECT customer_id FROM customer_initials WHERE initials >= ? AND initials < ?)")
		args = append(args, lo, lo[:len(lo)-1]+string(lo[len(lo)-1]+1))
		expr = quote(lo, true)
	} else {
		var parts []string
		r := []rune(q)
		for i := 0; i+1 < len(r); i++ {
			parts = append(parts, quote(string(r[i:i+2]), false))
		}
		expr = strings.Join(parts, and)
	}
	if pg {
		ors = append(ors, "c.id IN (SELECT customer_id FROM customer_search WHERE doc @@ ?::tsquery)")
	} else {
		ors = append(ors, "c.id IN (SELECT rowid FROM customer_search WHERE customer_search MATCH ?)")
	}
	args = append(args, expr)
	if digits && len(q) >= 4 {
		ors = append(ors, "c.id IN (SELECT customer_id FROM customer_phones WHERE number_rev LIKE ?)")
		args = append(args, reverseDigits(q)+"%")
	}
	return " AND (" + strings.Join(ors, " OR ") + ")", args
}

func medianTime(ctx context.Context, db *store.DB, q string, args []any) (time.Duration, error) {
	var ds []time.Duration
	for range 5 {
		t0 := time.Now()
		rows, err := db.Reader().QueryContext(ctx, db.Rebind(q), args...)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(t0))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[2], nil
}

func queryPlan(ctx context.Context, db *store.DB, pg bool, q string, args []any) (string, error) {
	prefix := "EXPLAIN QUERY PLAN "
	if pg {
		prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
	}
	rows, err := db.Writer().QueryContext(ctx, prefix+db.Rebind(q), args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		if pg {
			lines = append(lines, fmt.Sprint(vals[0]))
		} else {
			// id, parent, notused, detail
			lines = append(lines, fmt.Sprintf("%v %v %v", vals[0], vals[1], vals[3]))
		}
	}
	return strings.Join(lines, "\n"), rows.Err()
}
