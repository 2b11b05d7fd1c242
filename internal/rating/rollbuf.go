package rating

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"lingting/internal/store"
)

// Roll-ups of a batch of device events, written per batch instead of per
// event (ingest.go). Every session and rating of the batch's optimistic
// attempt adds to a rollBuf in the transaction's context instead of running
// its own upserts (two per session start or end, four per rating), and the
// device-event rows wait there too; before the batch commits, flushRolls
// writes each roll-up table with one multi-row upsert of the batch's rows,
// summed in Go first, and the event rows with one multi-row insert. The
// roll-ups are still written in the transaction of the ratings they count.
//
// Nothing in a batch reads the roll-ups or the event rows (a resend in the
// optimistic attempt is caught by the event row's primary key when the rows
// are flushed, which fails the attempt into the careful one, ingest.go).
// The careful attempt runs without a rollBuf: its savepoints roll an event's
// writes back, which a buffer in Go would not follow.

type rollBufKey struct{}

// rollBuf collects the roll-up increments and device-event rows of a batch.
type rollBuf struct {
	ratings  map[ratingKey]int64 // by day, every key
	sessions map[sessionKey]*sessionSums
	events   []any // rating_device_events rows, eventCols values each
}

func newRollBuf() *rollBuf {
	return &rollBuf{ratings: map[ratingKey]int64{}, sessions: map[sessionKey]*sessionSums{}}
}

func withRollBuf(ctx context.Context, b *rollBuf) context.Context {
	return context.WithValue(ctx, rollBufKey{}, b)
}

func rollBufFrom(ctx context.Context) *rollBuf {
	b, _ := ctx.Value(rollBufKey{}).(*rollBuf)
	return b
}

var eventCols = []string{"device_id", "event_id", "type", "result", "created_at"}

func (b *rollBuf) addEvent(deviceID int64, eventID, typ, result string, at time.Time) {
	b.events = append(b.events, deviceID, eventID, typ, result, at)
}

// Rows per multi-row statement: a batch has at most maxEventBatch events
// (and as many rows per table). Statements are written with a power of two
// of rows, so each table has a handful of statement texts to prepare.
const maxRollRows = 64

// flushRolls writes what b collected, in the transaction of ctx.
func (s *Service) flushRolls(ctx context.Context, b *rollBuf) error {
	daily, monthly, orgMonthly, staffMonthly := map[ratingKey]int64{}, map[ratingKey]int64{}, map[ratingKey]int64{}, map[ratingKey]int64{}
	for k, n := range b.ratings {
		daily[k] += n
		k.period /= 100
		monthly[k] += n
		staffMonthly[ratingKey{period: k.period, org: k.org, staff: k.staff, vendor: k.vendor, satisfied: k.satisfied}] += n
		k.staff, k.counter = 0, 0
		orgMonthly[k] += n
	}
	for _, t := range ratingRollups(daily, monthly, orgMonthly, staffMonthly) {
		if len(t.rows) == 0 {
			continue
		}
		cols, args, conflict := t.upsert()
		if err := s.execRows(ctx, t.table, cols, args, conflict); err != nil {
			return err
		}
	}
	if len(b.sessions) > 0 {
		months := map[sessionKey]*sessionSums{}
		for k, v := range b.sessions {
			k.day /= 100
			addSums(months, k, *v)
		}
		for _, t := range []sessionRollup{{"session_daily", "day", b.sessions}, {"session_monthly", "month", months}} {
			cols, args, conflict := t.upsert()
			if err := s.execRows(ctx, t.table, cols, args, conflict); err != nil {
				return err
			}
		}
	}
	if len(b.events) > 0 {
		return s.execRows(ctx, "rating_device_events", eventCols, b.events, "")
	}
	return nil
}

// multiRowSQL caches the text of each multi-row statement by table, row
// count and suffix.
var multiRowSQL sync.Map

type multiRowKey struct {
	table  string
	rows   int
	suffix string
}

// execRows writes args (len(cols) values a row) with INSERTs of a power of
// two of rows, at most maxRollRows each.
func (s *Service) execRows(ctx context.Context, table string, cols []string, args []any, suffix string) error {
	width := len(cols)
	for rows := len(args) / width; rows > 0; {
		n := 1
		for n*2 <= rows && n*2 <= maxRollRows {
			n *= 2
		}
		key := multiRowKey{table, n, suffix}
		q, ok := multiRowSQL.Load(key)
		if !ok {
			q, _ = multiRowSQL.LoadOrStore(key, store.MultiRowInsert(table, cols, n, suffix))
		}
		if _, err := s.db.Exec(ctx, q.(string), args[:n*width]...); err != nil {
			return fmt.Errorf("rating: batch into %s: %w", table, err)
		}
		args, rows = args[n*width:], rows-n
	}
	return nil
}

// ratingRollup is what one rating roll-up table gets from a batch: counts to
// add per key. The device-event batch and the history loader both write them.
type ratingRollup struct {
	table, col string
	keyCols    []string
	rows       map[ratingKey]int64
}

func ratingRollups(daily, monthly, orgMonthly, staffMonthly map[ratingKey]int64) []ratingRollup {
	return []ratingRollup{{"rating_daily", "day", rollupKeyCols, daily}, {"rating_monthly", "month", rollupKeyCols, monthly},
		{"rating_org_monthly", "month", orgRollupKeyCols, orgMonthly}, {"rating_staff_monthly", "month", staffRollupKeyCols, staffMonthly}}
}

// upsert renders t as a multi-row upsert that adds to existing rows: its
// columns, its arguments (keys in one order for every writer) and the
// ON CONFLICT clause.
func (t ratingRollup) upsert() (cols []string, args []any, conflict string) {
	keys := slices.SortedFunc(maps.Keys(t.rows), compareRatingKeys)
	args = make([]any, 0, len(keys)*(len(t.keyCols)+2))
	for _, k := range keys {
		switch len(t.keyCols) {
		case len(rollupKeyCols):
			args = append(args, k.period, k.org, k.staff, k.counter, k.businessType, k.channel, k.vendor, k.level, k.scale, k.satisfied, t.rows[k])
		case len(staffRollupKeyCols):
			args = append(args, k.period, k.org, k.staff, k.vendor, k.satisfied, t.rows[k])
		default:
			args = append(args, k.period, k.org, k.businessType, k.channel, k.vendor, k.level, k.scale, k.satisfied, t.rows[k])
		}
	}
	cols = append([]string{t.col}, append(slices.Clip(t.keyCols), "n")...)
	conflict = " ON CONFLICT (" + t.col + ", " + strings.Join(t.keyCols, ", ") + ") DO UPDATE SET n = " + t.table + ".n + excluded.n"
	return cols, args, conflict
}

// sessionRollup is what one session roll-up table gets: sums to add per key.
type sessionRollup struct {
	table, col string
	rows       map[sessionKey]*sessionSums
}

// upsert renders t like ratingRollup.upsert.
func (t sessionRollup) upsert() (cols []string, args []any, conflict string) {
	keys := slices.SortedFunc(maps.Keys(t.rows), compareSessionKeys)
	args = make([]any, 0, len(keys)*10)
	for _, k := range keys {
		v := t.rows[k]
		args = append(args, k.day, k.org, k.staff, k.counter, k.businessType, v.sessions, v.ended, v.handle, v.waited, v.wait)
	}
	cols = append([]string{t.col}, sessionSumCols...)
	conflict = ` ON CONFLICT (` + t.col + `, org_id, staff_id, counter_id, business_type_id) DO UPDATE SET sessions = ` + t.table + `.sessions + excluded.sessions,
		ended = ` + t.table + `.ended + excluded.ended, handle_seconds = ` + t.table + `.handle_seconds + excluded.handle_seconds,
		waited = ` + t.table + `.waited + excluded.waited, wait_seconds = ` + t.table + `.wait_seconds + excluded.wait_seconds`
	return cols, args, conflict
}
