package store

import (
	"fmt"
	"strings"
)

// Queries holds the named SQL blocks of one domain package's queries.sql.
// A block starts with `-- name: some-name`; a block named `some-name@postgres`
// (or `@sqlite`) replaces the common one on that engine.
type Queries struct {
	byName map[string]string
}

// ParseQueries reads named blocks for a dialect. It panics on malformed input:
// query files are embedded, so a mistake is a programming error caught by any test.
func ParseQueries(text string, d Dialect) *Queries {
	q := &Queries{byName: map[string]string{}}
	override := map[string]bool{}
	var name string
	var body strings.Builder
	flush := func() {
		if name == "" {
			return
		}
		sqlText := strings.TrimSpace(body.String())
		base, engine, hasEngine := strings.Cut(name, "@")
		switch {
		case !hasEngine:
			if !override[base] {
				q.byName[base] = sqlText
			}
		case Dialect(engine) == d:
			q.byName[base] = sqlText
			override[base] = true
		}
		body.Reset()
	}
	for _, line := range strings.Split(text, "\n") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(n)
			continue
		}
		if name != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	flush()
	return q
}

// Get returns a named query or panics when it does not exist.
func (q *Queries) Get(name string) string {
	s, ok := q.byName[name]
	if !ok {
		panic(fmt.Sprintf("store: no query named %q", name))
	}
	return s
}
