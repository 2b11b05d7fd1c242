package store

import "strings"

// MultiRowInsert renders "INSERT INTO table (cols) VALUES (?,…),(?,…)… suffix"
// for rows rows, so a batch writes many rows with one statement. suffix (may
// be empty) is an ON CONFLICT clause or the like. Callers cache the text per
// table and row count: the set of distinct counts is what keeps prepared
// statements reusable.
func MultiRowInsert(table string, cols []string, rows int, suffix string) string {
	var b strings.Builder
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	b.Grow(len(table) + 32 + rows*(len(tuple)+1) + len(suffix))
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tuple)
	}
	b.WriteString(suffix)
	return b.String()
}
