// Package audit keeps the append-only operation log (操作日志): who did what, when,
// from where, and what changed. Entries are written in the caller's transaction.
package audit

import (
	"context"
	_ "embed"
	"encoding/json"
	"reflect"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "audit.read", Group: "audit", LabelZH: "查看操作日志", LabelEN: "View audit log"},
}

// Actor is who performs the current request.
type Actor struct {
	UserID    int64
	Name      string
	IP        string
	RequestID string
}

type actorKey struct{}

// WithActor returns a context that attributes audit entries to a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx (zero when the system acts).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Entry is one record to append.
type Entry struct {
	Action   string // create, update, delete, login, login_failed, reveal, export, …
	Entity   string // org, user, role, …
	EntityID int64
	OrgID    int64 // the org the entity belongs to; scopes who may read the entry
	Summary  string
	Before   any // full or partial state before; nil for create
	After    any // state after; nil for delete
}

// Record is a stored entry as the API shows it.
type Record struct {
	ID         int64           `db:"id" json:"id"`
	At         time.Time       `db:"at" json:"at"`
	ActorID    *int64          `db:"actor_id" json:"actor_id"`
	ActorName  string          `db:"actor_name" json:"actor_name"`
	IP         string          `db:"ip" json:"ip"`
	RequestID  string          `db:"request_id" json:"request_id"`
	Action     string          `db:"action" json:"action"`
	Entity     string          `db:"entity" json:"entity"`
	EntityID   *int64          `db:"entity_id" json:"entity_id"`
	OrgID      *int64          `db:"org_id" json:"org_id"`
	Summary    string          `db:"summary" json:"summary"`
	BeforeJSON *string         `db:"before_json" json:"-"`
	AfterJSON  *string         `db:"after_json" json:"-"`
	Before     json.RawMessage `db:"-" json:"before"`
	After      json.RawMessage `db:"-" json:"after"`
}

// Log appends and reads audit entries.
type Log struct {
	db *store.DB
	q  *store.Queries
}

// New returns the audit log over db.
func New(db *store.DB) *Log {
	return &Log{db: db, q: store.ParseQueries(queriesSQL, db.Dialect)}
}

// Record appends e, attributed to the actor in ctx, inside ctx's transaction if any.
// For updates only the fields that differ between Before and After are kept.
func (l *Log) Record(ctx context.Context, e Entry) error {
	before, after := e.Before, e.After
	if before != nil && after != nil {
		before, after = Changes(before, after)
	}
	bj, err := marshalOrNil(before)
	if err != nil {
		return err
	}
	aj, err := marshalOrNil(after)
	if err != nil {
		return err
	}
	a := ActorFrom(ctx)
	if a.UserID == 0 && a.Name == "" {
		a.Name = "系统" // bootstrap, demo data, background work
	}
	var actorID, entityID, orgID any
	if a.UserID != 0 {
		actorID = a.UserID
	}
	if e.EntityID != 0 {
		entityID = e.EntityID
	}
	if e.OrgID != 0 {
		orgID = e.OrgID
	}
	_, err = l.db.Exec(ctx, l.q.Get("insert"), store.Now(), actorID, a.Name, a.IP, a.RequestID,
		e.Action, e.Entity, entityID, orgID, e.Summary, bj, aj)
	return err
}

// Filter narrows the audit list.
type Filter struct {
	ActorID  int64
	Entity   string
	EntityID int64
	Action   string
	From, To time.Time
	Limit    int
	Offset   int
}

// List returns matching entries in the caller's scope, newest first, and the total
// count. A scoped reader sees entries about orgs in scope and its own actions.
func (l *Log) List(ctx context.Context, f Filter) ([]Record, int, error) {
	pred, args := scope.From(ctx).Where(scope.Columns{Org: "org_id", Self: "actor_id"})
	where := " WHERE " + pred
	if f.ActorID != 0 {
		where += " AND actor_id = ?"
		args = append(args, f.ActorID)
	}
	if f.Entity != "" {
		where += " AND entity = ?"
		args = append(args, f.Entity)
	}
	if f.EntityID != 0 {
		where += " AND entity_id = ?"
		args = append(args, f.EntityID)
	}
	if f.Action != "" {
		where += " AND action = ?"
		args = append(args, f.Action)
	}
	if !f.From.IsZero() {
		where += " AND at >= ?"
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		where += " AND at < ?"
		args = append(args, f.To.UTC())
	}
	var total int
	if err := l.db.Get(ctx, &total, "SELECT count(*) FROM audit_log"+where, args...); err != nil {
		return nil, 0, err
	}
	var recs []Record
	err := l.db.Select(ctx, &recs, l.q.Get("list")+where+" ORDER BY id DESC LIMIT ? OFFSET ?",
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	for i := range recs {
		recs[i].Before = rawOrNull(recs[i].BeforeJSON)
		recs[i].After = rawOrNull(recs[i].AfterJSON)
	}
	return recs, total, nil
}

// Changes reduces two states to the fields that differ, compared as JSON objects.
func Changes(before, after any) (map[string]any, map[string]any) {
	b, a := toMap(before), toMap(after)
	cb, ca := map[string]any{}, map[string]any{}
	for k, av := range a {
		if bv, ok := b[k]; !ok || !reflect.DeepEqual(bv, av) {
			cb[k], ca[k] = b[k], av
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			cb[k], ca[k] = bv, nil
		}
	}
	return cb, ca
}

func toMap(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	m := map[string]any{}
	if json.Unmarshal(raw, &m) != nil {
		return map[string]any{"value": v}
	}
	return m
}

func marshalOrNil(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Internal, Err: err}
	}
	return string(raw), nil
}

func rawOrNull(s *string) json.RawMessage {
	if s == nil || *s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(*s)
}
