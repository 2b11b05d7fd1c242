package main

import (
	"context"
	"fmt"
	"strings"

	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/ticket"
)

// explainTickets prints the plans of the list queries the measured cases
// make (the shape of ticket.Service.List: the capped count and the page).
func explainTickets(ctx context.Context, e *Env, w *tkWorld) error {
	db := e.App.DB
	sys := scope.With(ctx, scope.System())
	for _, login := range []string{tkStationLogin, tkBranchLogin, tkOperator} {
		u, _, err := e.App.Orgs.UserByLogin(sys, login)
		if err != nil {
			return err
		}
		_, sc, err := e.App.Orgs.Access(sys, u)
		if err != nil {
			return err
		}
		pred, args := sc.Where(ticket.ScopeColumns)
		queries := []struct {
			name, q string
			args    []any
		}{
			{login + ": count", "SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE " + pred + " LIMIT 10001) capped", args},
			{login + ": page", "SELECT t.id FROM tickets t WHERE t.id IN (SELECT t.id FROM tickets t WHERE " + pred + " ORDER BY t.id DESC LIMIT 20 OFFSET 0) ORDER BY t.id DESC", args},
		}
		if login == tkOperator {
			f := pred + " AND t.status = ? AND " + scope.InSubtree("t.org_id") + " AND t.day >= ? AND t.day <= ?"
			fa := append(append([]any{}, args...), "closed", w.SubFirst[0], 20260101, 20260131)
			queries = append(queries,
				struct {
					name, q string
					args    []any
				}{"filtered: count", "SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE " + f + " LIMIT 10001) capped", fa},
				struct {
					name, q string
					args    []any
				}{"filtered: page", "SELECT t.id FROM tickets t WHERE t.id IN (SELECT t.id FROM tickets t WHERE " + f + " ORDER BY t.id DESC LIMIT 20 OFFSET 0) ORDER BY t.id DESC", fa})
		}
		for _, q := range queries {
			prefix := "EXPLAIN QUERY PLAN "
			if db.Dialect == store.Postgres {
				prefix = "EXPLAIN (ANALYZE, BUFFERS) "
			}
			rows, err := db.Reader().QueryContext(ctx, db.Rebind(prefix+q.q), q.args...)
			if err != nil {
				return fmt.Errorf("explain %s: %w", q.name, err)
			}
			cols, _ := rows.Columns()
			var lines []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
			}
			rows.Close()
			fmt.Fprintf(e.Opt.Out, "\n-- %s\n%s\n", q.name, strings.Join(lines, "\n"))
		}
	}
	return nil
}
