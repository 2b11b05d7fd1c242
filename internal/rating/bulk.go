package rating

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/store"
)

// The history loader writes past sessions and ratings (demo data, a migration
// from another system, benchmarks) straight into the tables with multi-row
// INSERTs, one transaction per chunk, and adds each chunk to the roll-ups
// computed here from exactly the rows written — so the roll-ups equal a
// recomputation from the raw rows, as they do on the one-by-one path
// (StartSession, EndSession, Rate, Correct). It skips what only makes sense
// live: idempotency keys, QR cool-downs, follow-up tickets.

// HistorySession is one past service session.
type HistorySession struct {
	CounterID, OrgID, StaffID int64
	BusinessTypeID            int64     // 0: none
	Channel                   string    // staff, kiosk or device (who started it)
	QueueNo                   string    // "" when the customer took no number
	QueuedAt                  time.Time // zero when no number
	StartedAt                 time.Time
	EndedAt                   time.Time      // zero: never ended
	Rating                    *HistoryRating // nil: not rated
}

// HistoryRating is one past rating. Inside a HistorySession it rates that
// session (channel kiosk, device or staff; counter, staff and business type
// are the session's); in History.Ratings it is a QR rating through LinkID of
// the counter or staff member given.
type HistoryRating struct {
	Channel                                   string
	LinkID                                    int64 // QR ratings
	CounterID, OrgID, StaffID, BusinessTypeID int64 // QR ratings; 0: none
	Level                                     int
	Reasons                                   []string
	Comment                                   string
	RatedAt                                   time.Time
	Correction                                *HistoryCorrection // a later correction, nil when none
}

// HistoryCorrection replaces a rating's level (as POST /ratings/{id}/corrections).
type HistoryCorrection struct {
	Level   int
	Reasons []string
	Note    string
	By      int64 // the user who corrected it; 0: none
	At      time.Time
}

// History is one chunk for LoadHistory.
type History struct {
	Sessions []HistorySession
	Ratings  []HistoryRating // QR ratings, not tied to a session
}

// HistoryStats counts what LoadHistory wrote.
type HistoryStats struct {
	Chunks, Sessions, Ratings, Corrections int
	DailyRows, MonthlyRows, SessionRows    int // roll-up rows upserted (summed over chunks)
	OrgMonthlyRows, SessionMonthlyRows     int
}

// Rows per INSERT statement: below SQLite's 32,766 parameters.
const (
	bulkSessionRows = 2000 // 13 columns
	bulkRatingRows  = 1200 // 25 columns
	bulkRollupRows  = 2500 // 11 columns
)

var (
	sessionBulkCols = []string{"id", "counter_id", "org_id", "staff_id", "business_type_id", "channel", "queue_no", "queued_at", "started_at",
		"ended_at", "idem_key", "day", "created_at"}
	ratingBulkCols = []string{"id", "channel", "session_id", "ticket_id", "link_id", "counter_id", "org_id", "vendor_org_id", "staff_id",
		"business_type_id", "level", "scale", "satisfied", "reasons", "comment", "once_key", "idem_key", "fingerprint", "device_cookie",
		"corrects_id", "correction_note", "rated_at", "day", "created_by", "created_at"}
	rollupKeyCols      = []string{"org_id", "staff_id", "counter_id", "business_type_id", "channel", "vendor_org_id", "level", "scale", "satisfied"}
	orgRollupKeyCols   = []string{"org_id", "business_type_id", "channel", "vendor_org_id", "level", "scale", "satisfied"}
	staffRollupKeyCols = []string{"org_id", "staff_id", "vendor_org_id", "satisfied"}
	sessionSumCols     = []string{"org_id", "staff_id", "counter_id", "business_type_id", "sessions", "ended", "handle_seconds", "waited", "wait_seconds"}
)

// ratingKey is one roll-up row's key (period: day or month).
type ratingKey struct {
	period                                    int
	org, staff, counter, businessType, vendor int64
	channel                                   string
	level, scale, satisfied                   int
}

// sessionKey is a session roll-up row's key (day: the month in session_monthly).
type sessionKey struct {
	day                               int
	org, staff, counter, businessType int64
}

type sessionSums struct{ sessions, ended, handle, waited, wait int64 }

// historyLoader carries what chunks share: settings per org, statement text.
type historyLoader struct {
	s        *Service
	settings map[int64]Settings
	sql      map[string]string
	stats    HistoryStats
}

// LoadHistory writes the chunks in order, each in one transaction with its
// roll-ups; what was committed before an error stays (and is consistent).
// Levels are checked against the settings in force at each rating's org.
func (s *Service) LoadHistory(ctx context.Context, chunks iter.Seq[History]) (HistoryStats, error) {
	l := &historyLoader{s: s, settings: map[int64]Settings{}, sql: map[string]string{}}
	if s.db.Dialect == store.SQLite {
		// A bigger page cache for the writer while loading: the secondary
		// indexes take keys all over their trees. Restored afterwards.
		var was int64
		if err := s.db.WriteGet(ctx, &was, "PRAGMA cache_size"); err != nil {
			return l.stats, err
		}
		if _, err := s.db.Exec(ctx, "PRAGMA cache_size = -131072"); err != nil {
			return l.stats, err
		}
		defer func() { _, _ = s.db.Exec(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", was)) }()
	}
	for h := range chunks {
		if err := ctx.Err(); err != nil {
			return l.stats, err
		}
		if err := l.load(ctx, h); err != nil {
			return l.stats, err
		}
	}
	return l.stats, nil
}

func (l *historyLoader) settingsAt(ctx context.Context, orgID int64) (Settings, error) {
	if set, ok := l.settings[orgID]; ok {
		return set, nil
	}
	set, err := l.s.SettingsAt(ctx, orgID)
	if err == nil {
		l.settings[orgID] = set
	}
	return set, err
}

// ts is a time as the store keeps it (UTC, microseconds); nil when zero.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

func nz(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// flatRating is a rating row about to be written.
type flatRating struct {
	r                                       *HistoryRating
	id, session, corrects, createdBy        int64
	counter, org, staff, businessType, link int64
	channel, note                           string
	level, scale                            int
	satisfied                               bool
	reasons                                 []string
	onceKey                                 any
	ratedAt, createdAt                      time.Time
	correctionOf                            *flatRating
}

func (l *historyLoader) load(ctx context.Context, h History) error {
	if len(h.Sessions) == 0 && len(h.Ratings) == 0 {
		return nil
	}
	s := l.s
	var st HistoryStats
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		sessionIDs, err := l.nextIDs(ctx, "service_sessions", len(h.Sessions))
		if err != nil {
			return err
		}
		var ratings, corrections []*flatRating
		daily, monthly, orgMonthly, staffMonthly := map[ratingKey]int64{}, map[ratingKey]int64{}, map[ratingKey]int64{}, map[ratingKey]int64{}
		sessions, sessionMonths := map[sessionKey]*sessionSums{}, map[sessionKey]*sessionSums{}
		sessionRows := make([]any, 0, len(h.Sessions)*len(sessionBulkCols))
		add := func(hr *HistoryRating, session int64, counter, org, staff, bt, link int64, onceKey any) error {
			if hr.RatedAt.IsZero() {
				return apperr.Field("rated_at", "缺少评价时间", "rated_at is missing")
			}
			set, err := l.settingsAt(ctx, org)
			if err != nil {
				return err
			}
			check := func(level int) error {
				if level < 1 || level > set.Scale {
					return apperr.Field("level", fmt.Sprintf("评价等级须在 1 到 %d 之间", set.Scale), fmt.Sprintf("level must be between 1 and %d", set.Scale))
				}
				return nil
			}
			if err := check(hr.Level); err != nil {
				return err
			}
			fr := &flatRating{r: hr, session: session, counter: counter, org: org, staff: staff, businessType: bt, link: link, level: hr.Level,
				scale: set.Scale, satisfied: hr.Level >= set.SatisfiedMin, reasons: hr.Reasons, onceKey: onceKey, channel: hr.Channel,
				ratedAt: hr.RatedAt.UTC().Truncate(time.Microsecond)}
			fr.createdAt = fr.ratedAt
			ratings = append(ratings, fr)
			if c := hr.Correction; c != nil {
				if err := check(c.Level); err != nil {
					return err
				}
				cr := *fr
				cr.level, cr.satisfied, cr.reasons, cr.onceKey = c.Level, c.Level >= set.SatisfiedMin, c.Reasons, nil
				cr.note, cr.createdBy, cr.correctionOf = c.Note, c.By, fr
				cr.createdAt = c.At.UTC().Truncate(time.Microsecond)
				if cr.createdAt.Before(fr.ratedAt) {
					cr.createdAt = fr.ratedAt
				}
				corrections = append(corrections, &cr)
			}
			return nil
		}
		for i := range h.Sessions {
			hs := &h.Sessions[i]
			if hs.CounterID == 0 || hs.OrgID == 0 || hs.StaffID == 0 || hs.StartedAt.IsZero() {
				return apperr.Field("sessions", "服务记录缺少窗口、机构、员工或开始时间", "a session lacks counter, org, staff or start")
			}
			started := hs.StartedAt.UTC().Truncate(time.Microsecond)
			day := s.Day(started)
			id := sessionIDs[i]
			sessionRows = append(sessionRows, id, hs.CounterID, hs.OrgID, hs.StaffID, nz(hs.BusinessTypeID), hs.Channel, hs.QueueNo,
				ts(hs.QueuedAt), started, ts(hs.EndedAt), nil, day, started)
			var one sessionSums
			one.sessions++
			if !hs.QueuedAt.IsZero() {
				q := hs.QueuedAt.UTC().Truncate(time.Microsecond)
				if q.After(started) {
					return apperr.Field("queued_at", "取号时间不能晚于开始时间", "queued_at cannot be after the start")
				}
				one.waited++
				one.wait += int64(started.Sub(q).Seconds())
			}
			if !hs.EndedAt.IsZero() {
				ended := hs.EndedAt.UTC().Truncate(time.Microsecond)
				if ended.Before(started) {
					return apperr.Field("ended_at", "结束时间不能早于开始时间", "ended_at cannot be before the start")
				}
				one.ended++
				one.handle += max(0, int64(ended.Sub(started).Seconds()))
			}
			k := sessionKey{day, hs.OrgID, hs.StaffID, hs.CounterID, hs.BusinessTypeID}
			addSums(sessions, k, one)
			k.day = day / 100
			addSums(sessionMonths, k, one)
			if hs.Rating != nil {
				if hs.EndedAt.IsZero() {
					return apperr.New(apperr.Conflict, "服务尚未结束，结束后再评价", "the session has not ended yet")
				}
				if err := add(hs.Rating, id, hs.CounterID, hs.OrgID, hs.StaffID, hs.BusinessTypeID, 0, fmt.Sprintf("session:%d", id)); err != nil {
					return err
				}
			}
		}
		for i := range h.Ratings {
			hr := &h.Ratings[i]
			if hr.OrgID == 0 {
				return apperr.Field("org_id", "评价缺少机构", "a rating lacks its org")
			}
			if err := add(hr, 0, hr.CounterID, hr.OrgID, hr.StaffID, hr.BusinessTypeID, hr.LinkID, nil); err != nil {
				return err
			}
		}
		ids, err := l.nextIDs(ctx, "ratings", len(ratings)+len(corrections))
		if err != nil {
			return err
		}
		for i, fr := range append(slices.Clip(ratings), corrections...) {
			fr.id = ids[i]
			if fr.correctionOf != nil {
				fr.corrects = fr.correctionOf.id
			}
		}
		// The newest rating of each chain counts: a corrected one does not.
		rolled := make([]*flatRating, 0, len(ratings))
		for _, fr := range ratings {
			if fr.r.Correction == nil {
				rolled = append(rolled, fr)
			}
		}
		rolled = append(rolled, corrections...)
		for _, fr := range rolled {
			sat := 0
			if fr.satisfied {
				sat = 1
			}
			day := s.Day(fr.ratedAt)
			k := ratingKey{period: day, org: fr.org, staff: fr.staff, counter: fr.counter, businessType: fr.businessType,
				channel: fr.channel, level: fr.level, scale: fr.scale, satisfied: sat}
			daily[k]++
			k.period = day / 100
			monthly[k]++
			staffMonthly[ratingKey{period: k.period, org: k.org, staff: k.staff, vendor: k.vendor, satisfied: k.satisfied}]++
			k.staff, k.counter = 0, 0
			orgMonthly[k]++
		}

		if err := l.insertRows(ctx, "service_sessions", sessionBulkCols, sessionRows, bulkSessionRows, ""); err != nil {
			return err
		}
		for _, group := range [][]*flatRating{ratings, corrections} {
			args := make([]any, 0, len(group)*len(ratingBulkCols))
			for _, fr := range group {
				args = append(args, fr.id, fr.channel, nz(fr.session), nil, nz(fr.link), nz(fr.counter), fr.org, nil, nz(fr.staff),
					nz(fr.businessType), fr.level, fr.scale, fr.satisfied, jsonText(nonNil(fr.reasons)), commentOf(fr), fr.onceKey, nil, "", "",
					nz(fr.corrects), fr.note, fr.ratedAt, s.Day(fr.ratedAt), nz(fr.createdBy), fr.createdAt)
			}
			if err := l.insertRows(ctx, "ratings", ratingBulkCols, args, bulkRatingRows, ""); err != nil {
				return err
			}
		}
		for _, fr := range corrections {
			old, now := LevelLabel(fr.scale, fr.correctionOf.level), LevelLabel(fr.scale, fr.level)
			err := s.audit.Record(ctx, audit.Entry{Action: "correct", Entity: "rating", EntityID: fr.corrects, OrgID: fr.org,
				Summary: fmt.Sprintf("更正评价 %s → %s：%s（历史数据）", old, now, fr.note),
				Before:  map[string]any{"level": fr.correctionOf.level, "level_label": old}, After: map[string]any{"level": fr.level, "level_label": now}})
			if err != nil {
				return err
			}
		}
		for _, t := range ratingRollups(daily, monthly, orgMonthly, staffMonthly) {
			cols, args, conflict := t.upsert()
			if err := l.insertRows(ctx, t.table, cols, args, bulkRollupRows, conflict); err != nil {
				return err
			}
		}
		for _, t := range []sessionRollup{{"session_daily", "day", sessions}, {"session_monthly", "month", sessionMonths}} {
			cols, args, conflict := t.upsert()
			if err := l.insertRows(ctx, t.table, cols, args, bulkRollupRows, conflict); err != nil {
				return err
			}
		}
		st = HistoryStats{Chunks: 1, Sessions: len(h.Sessions), Ratings: len(ratings), Corrections: len(corrections),
			DailyRows: len(daily), MonthlyRows: len(monthly), SessionRows: len(sessions), OrgMonthlyRows: len(orgMonthly),
			SessionMonthlyRows: len(sessionMonths)}
		return nil
	})
	if err != nil {
		return err
	}
	l.stats.Chunks += st.Chunks
	l.stats.Sessions += st.Sessions
	l.stats.Ratings += st.Ratings
	l.stats.Corrections += st.Corrections
	l.stats.DailyRows += st.DailyRows
	l.stats.MonthlyRows += st.MonthlyRows
	l.stats.SessionRows += st.SessionRows
	l.stats.OrgMonthlyRows += st.OrgMonthlyRows
	l.stats.SessionMonthlyRows += st.SessionMonthlyRows
	return nil
}

func commentOf(fr *flatRating) string {
	if fr.correctionOf != nil {
		return fr.correctionOf.r.Comment
	}
	return fr.r.Comment
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// addSums adds one session's figures to its roll-up row.
func addSums(m map[sessionKey]*sessionSums, k sessionKey, one sessionSums) {
	sum := m[k]
	if sum == nil {
		sum = &sessionSums{}
		m[k] = sum
	}
	sum.sessions += one.sessions
	sum.ended += one.ended
	sum.handle += one.handle
	sum.waited += one.waited
	sum.wait += one.wait
}

func compareSessionKeys(a, b sessionKey) int {
	if a.day != b.day {
		return a.day - b.day
	}
	for _, d := range [][2]int64{{a.org, b.org}, {a.staff, b.staff}, {a.counter, b.counter}, {a.businessType, b.businessType}} {
		if d[0] != d[1] {
			return int(min(max(d[0]-d[1], -1), 1))
		}
	}
	return 0
}

func compareRatingKeys(a, b ratingKey) int {
	if a.period != b.period {
		return a.period - b.period
	}
	for _, d := range [][2]int64{{a.org, b.org}, {a.staff, b.staff}, {a.counter, b.counter}, {a.businessType, b.businessType}, {a.vendor, b.vendor},
		{int64(a.level), int64(b.level)}, {int64(a.scale), int64(b.scale)}, {int64(a.satisfied), int64(b.satisfied)}} {
		if d[0] != d[1] {
			return int(min(max(d[0]-d[1], -1), 1))
		}
	}
	return strings.Compare(a.channel, b.channel)
}

// nextIDs reserves n ids of table. On SQLite the transaction holds the only
// writer, so they follow the largest id ever given (AUTOINCREMENT moves on
// with explicit ids); on PostgreSQL they come from the identity sequence,
// which concurrent inserts share.
func (l *historyLoader) nextIDs(ctx context.Context, table string, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	if n == 0 {
		return out, nil
	}
	db := l.s.db
	if db.Dialect == store.Postgres {
		err := db.Select(ctx, &out, "SELECT nextval(pg_get_serial_sequence('"+table+"', 'id')) FROM generate_series(1, ?)", n)
		if err == nil && len(out) != n {
			err = fmt.Errorf("rating: reserved %d of %d ids of %s", len(out), n, table)
		}
		return out, err
	}
	var last int64
	err := db.Get(ctx, &last, "SELECT max(COALESCE((SELECT max(id) FROM "+table+"), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0))", table)
	if err != nil {
		return nil, err
	}
	for i := range n {
		out = append(out, last+1+int64(i))
	}
	return out, nil
}

// insertRows writes args (len(cols) values a row) with INSERTs of at most
// perStmt rows, each statement text prepared once per transaction.
func (l *historyLoader) insertRows(ctx context.Context, table string, cols []string, args []any, perStmt int, suffix string) error {
	width := len(cols)
	rows := len(args) / width
	stmts := store.NewStmts()
	defer stmts.Close()
	for lo := 0; lo < rows; lo += perStmt {
		n := min(perStmt, rows-lo)
		key := fmt.Sprintf("%s/%d/%s", table, n, suffix)
		q, ok := l.sql[key]
		if !ok {
			q = store.MultiRowInsert(table, cols, n, suffix)
			l.sql[key] = q
		}
		if _, err := l.s.db.ExecCached(ctx, stmts, q, args[lo*width:(lo+n)*width]...); err != nil {
			return fmt.Errorf("rating: history into %s: %w", table, err)
		}
	}
	return nil
}
