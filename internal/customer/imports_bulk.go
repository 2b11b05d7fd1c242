package customer

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"lingting/internal/initials"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Imports work on sets of rows instead of one row at a time: validation looks
// duplicates up with a few IN lists per batch of staged rows, and apply writes
// customers, phones, tags and search documents with multi-row INSERTs. What is
// stored is exactly what create stores for one customer (TestBulkImportMatchesCreate).

// bulkChunk is how many customers one multi-row INSERT carries (and how many
// keys one IN list holds): 500 rows of 24 columns are 12,000 parameters.
var bulkChunk = 500

// maxParams bounds the parameters of one statement: SQLite allows 32,766,
// PostgreSQL 65,535.
const maxParams = 30_000

// findDuplicates is findDuplicate for many inputs at once: for each input, the
// live customer with the same ID number, or else with the same name and one of
// its phones (the first phone, in order, that has one); 0 when there is none.
// Where several customers match, the oldest (lowest id) is named.
func (s *Service) findDuplicates(ctx context.Context, ins []*Input) ([]int64, error) {
	ctx = scope.With(ctx, scope.System()) // duplicates count across the whole archive
	var idKeys []string
	var pairs [][2]string
	seenID, seenPair := map[string]bool{}, map[[2]string]bool{}
	for _, in := range ins {
		if in.IDNumber != "" && !seenID[in.IDNumber] {
			seenID[in.IDNumber] = true
			idKeys = append(idKeys, in.IDNumber)
		}
		for _, p := range in.Phones {
			k := [2]string{in.Name, p.Number}
			if !seenPair[k] {
				seenPair[k] = true
				pairs = append(pairs, k)
			}
		}
	}
	byID := map[string]int64{}
	for chunk := range slices.Chunk(idKeys, bulkChunk) {
		q, args, err := s.inList("SELECT id, id_number FROM customers WHERE id_number IN (?) AND deleted_at IS NULL", chunk)
		if err != nil {
			return nil, err
		}
		var found []struct {
			ID       int64  `db:"id"`
			IDNumber string `db:"id_number"`
		}
		if err := s.db.Select(ctx, &found, q, args...); err != nil {
			return nil, err
		}
		for _, f := range found {
			if old, ok := byID[f.IDNumber]; !ok || f.ID < old {
				byID[f.IDNumber] = f.ID
			}
		}
	}
	byPair := map[[2]string]int64{}
	for chunk := range slices.Chunk(pairs, bulkChunk) {
		// Both IN lists narrow the join; the exact pairs are matched here.
		var names, numbers []string
		dn, dp := map[string]bool{}, map[string]bool{}
		for _, k := range chunk {
			if !dn[k[0]] {
				dn[k[0]] = true
				names = append(names, k[0])
			}
			if !dp[k[1]] {
				dp[k[1]] = true
				numbers = append(numbers, k[1])
			}
		}
		q, args, err := s.inList(`SELECT c.id, c.name, p.number FROM customer_phones p JOIN customers c ON c.id = p.customer_id
WHERE p.number IN (?) AND c.name IN (?) AND c.deleted_at IS NULL`, numbers, names)
		if err != nil {
			return nil, err
		}
		var found []struct {
			ID     int64  `db:"id"`
			Name   string `db:"name"`
			Number string `db:"number"`
		}
		if err := s.db.Select(ctx, &found, q, args...); err != nil {
			return nil, err
		}
		for _, f := range found {
			k := [2]string{f.Name, f.Number}
			if !seenPair[k] {
				continue
			}
			if old, ok := byPair[k]; !ok || f.ID < old {
				byPair[k] = f.ID
			}
		}
	}
	out := make([]int64, len(ins))
	for i, in := range ins {
		if in.IDNumber != "" {
			if id, ok := byID[in.IDNumber]; ok {
				out[i] = id
				continue
			}
		}
		for _, p := range in.Phones {
			if id, ok := byPair[[2]string{in.Name, p.Number}]; ok {
				out[i] = id
				break
			}
		}
	}
	return out, nil
}

// inList expands the "IN (?)" lists of q. PostgreSQL gets one array parameter
// per list (= ANY(?)) instead: one statement whatever the list's length, and
// a plan that does not depend on it (a cached generic plan of a 500-parameter
// IN list scans the table and compares every row with every parameter).
func (s *Service) inList(q string, lists ...[]string) (string, []any, error) {
	args := make([]any, len(lists))
	for i, l := range lists {
		args[i] = l
	}
	if s.db.Dialect == store.Postgres {
		return strings.ReplaceAll(q, " IN (?)", " = ANY(?)"), args, nil
	}
	return store.In(q, args...)
}

// bulkRow is one normalised, checked customer of an import waiting to be inserted.
type bulkRow struct {
	line int
	in   Input
}

// insertCols are the columns of customers a bulk insert writes (the "insert"
// query's, with the id first).
var insertCols = []string{"id", "code", "kind", "name", "initials", "phone", "id_type", "id_number", "email", "address", "region",
	"org_id", "manager_id", "grade", "source", "status", "birthday", "anniversaries", "confidentiality", "custom", "notes",
	"import_id", "created_at", "updated_at"}

// bulkWriter inserts the new customers of one import inside its transaction.
type bulkWriter struct {
	s        *Service
	importID int64
	// SQLite: search documents waiting for a statement of their own (see flush).
	search     []any
	searchRows int
}

// searchChunk is how many search documents one FTS5 INSERT carries on SQLite
// (2 parameters each).
var searchChunk = 5000

// insert inserts rows (normalised, checked by checkRefs and found unique in
// the archive) as create would one by one: ids come from the table's own
// sequence, and every customer gets its KH code, phones, tags and search
// document and initials rows.
func (w *bulkWriter) insert(ctx context.Context, rows []bulkRow) error {
	if len(rows) == 0 {
		return nil
	}
	s := w.s
	ids, err := s.allocIDs(ctx, len(rows))
	if err != nil {
		return err
	}
	pg := s.db.Dialect == store.Postgres
	now := s.now()
	var imp any
	if w.importID != 0 {
		imp = w.importID
	}
	custs := make([]any, 0, len(rows)*len(insertCols))
	phones := make([]any, 0, len(rows)*5)
	var tags []any
	search := make([]any, 0, len(rows)*2)
	inits := make([]any, 0, len(rows)*3)
	for i := range rows {
		in, id := &rows[i].in, ids[i]
		code := fmt.Sprintf("KH%08d", id)
		annivs, _ := json.Marshal(in.Anniversaries)
		custom, _ := json.Marshal(in.Custom)
		ini := initials.Of(in.Name)
		inits = initialsRows(inits, id, ini)
		custs = append(custs, id, code, in.Kind, in.Name, ini, in.Phone, in.IDType, in.IDNumber,
			in.Email, in.Address, in.Region, in.OrgID, in.ManagerID, in.Grade, in.Source, in.Status, in.Birthday,
			string(annivs), in.Confidentiality, string(custom), in.Notes, imp, now, now)
		for _, p := range in.Phones {
			phones = append(phones, id, p.Number, reverse(digitsOnly(p.Number)), p.Label, p.Primary)
		}
		for _, t := range in.Tags {
			tags = append(tags, id, t)
		}
		terms := searchTerms(&Customer{ID: id, Code: code, Name: in.Name, Address: in.Address, Notes: in.Notes, Email: in.Email}, ini)
		if pg {
			search = append(search, id, terms)
		} else {
			search = append(search, id, strings.Join(terms, " "))
		}
	}
	if err := s.insertMany(ctx, "customers", insertCols, "", bulkChunk, custs); err != nil {
		return err
	}
	if err := s.insertMany(ctx, "customer_phones", []string{"customer_id", "number", "number_rev", "label", "is_primary"}, "", bulkChunk, phones); err != nil {
		return err
	}
	if err := s.insertMany(ctx, "customer_tags", []string{"customer_id", "tag"}, "", bulkChunk, tags); err != nil {
		return err
	}
	if err := s.insertInitials(ctx, inits); err != nil {
		return err
	}
	if pg {
		return s.insertMany(ctx, "customer_search", []string{"customer_id", "doc"}, "(?, array_to_tsvector(?::text[]))", bulkChunk, search)
	}
	w.search, w.searchRows = append(w.search, search...), w.searchRows+len(rows)
	if w.searchRows >= searchChunk {
		return w.flush(ctx)
	}
	return nil
}

// flush writes the search documents still waiting. FTS5 turns the terms it
// holds in memory into a new index segment at the start of every statement
// of the transaction, and merges segments as they pile up: documents written
// thousands at a time make few, large segments.
func (w *bulkWriter) flush(ctx context.Context) error {
	if w.searchRows == 0 {
		return nil
	}
	err := w.s.insertMany(ctx, "customer_search", []string{"rowid", "doc"}, "", searchChunk, w.search)
	w.search, w.searchRows = w.search[:0], 0
	return err
}

// insertMany inserts the rows flattened in args (len(cols) values each),
// perStmt rows (at most) per INSERT; tuple is one row's VALUES item ("(?, ?, …)"
// when empty). Statements go through the batch's cache.
func (s *Service) insertMany(ctx context.Context, table string, cols []string, tuple string, perStmt int, args []any) error {
	if len(args) == 0 {
		return nil
	}
	if tuple == "" {
		tuple = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	}
	per := max(1, min(perStmt, maxParams/len(cols)))
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for chunk := range slices.Chunk(args, per*len(cols)) {
		n := len(chunk) / len(cols)
		var b strings.Builder
		b.Grow(len(head) + n*(len(tuple)+1))
		b.WriteString(head)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(tuple)
		}
		if _, err := s.db.ExecCached(ctx, stmtsOf(ctx), b.String(), chunk...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// insertInitials inserts customer_initials rows (flattened: initials, customer
// id) in key order, so that consecutive rows land on the same B-tree pages
// (on SQLite a 10^5-row import spent 1.1 s on them unsorted, 0.75 s sorted).
// PostgreSQL took as long with the rows as two unnest arrays as with VALUES
// lists, relative to the other tables (2026-11-23 measurement), so both
// engines use insertMany.
func (s *Service) insertInitials(ctx context.Context, rows []any) error {
	n := len(rows) / 2
	if n == 0 {
		return nil
	}
	keys := make([]initialsKey, n)
	for i := range keys {
		keys[i] = initialsKey{rows[2*i].(string), rows[2*i+1].(int64)}
	}
	slices.SortFunc(keys, func(a, b initialsKey) int {
		if c := strings.Compare(a.initials, b.initials); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	sorted := make([]any, 0, len(rows))
	for _, k := range keys {
		sorted = append(sorted, k.initials, k.id)
	}
	// Up to 8 variants a name, so rows, not customers, bound the statement.
	return s.insertMany(ctx, "customer_initials", initialsCols, "", bulkChunk*2, sorted)
}

type initialsKey struct {
	initials string
	id       int64
}

// allocIDs reserves n new customer ids, ascending, inside the caller's
// transaction. PostgreSQL takes them from the identity sequence, as a plain
// INSERT would. SQLite's single writer holds the database while the
// transaction lasts, so the next ids are those AUTOINCREMENT would hand out
// (past both the highest id and the sequence); inserting them moves the
// sequence on.
func (s *Service) allocIDs(ctx context.Context, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if s.db.Dialect == store.Postgres {
		if err := s.db.Select(ctx, &ids, "SELECT nextval(pg_get_serial_sequence('customers', 'id')) FROM generate_series(1, ?)", n); err != nil {
			return nil, err
		}
		slices.Sort(ids)
		return ids, nil
	}
	var last int64
	if err := s.db.Get(ctx, &last, `SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'customers'), 0),
       COALESCE((SELECT max(id) FROM customers), 0))`); err != nil {
		return nil, err
	}
	for i := range int64(n) {
		ids = append(ids, last+1+i)
	}
	return ids, nil
}
