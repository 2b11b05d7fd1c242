package customer

import (
	"context"

	"lingting/internal/apperr"
	"lingting/internal/store"
)

// stmtsOf returns the statement cache of the batch in ctx, or nil.
func stmtsOf(ctx context.Context) *store.Stmts {
	if b := batchFrom(ctx); b != nil {
		return b.stmts
	}
	return nil
}

// batch remembers, for one import or seeding run, what every row would look up
// again: orgs and managers already checked, the grade list and the custom fields.
// Without a batch in the context each lookup goes to the database.
type batch struct {
	stmts    *store.Stmts // prepared on first use inside the batch's transaction
	orgs     map[int64]bool
	managers map[int64]bool
	grades   []Grade
	fields   []Field
	loaded   bool
}

type batchKey struct{}

// withBatch returns a context whose creates share lookups.
func withBatch(ctx context.Context) context.Context {
	return context.WithValue(ctx, batchKey{}, &batch{stmts: store.NewStmts(), orgs: map[int64]bool{}, managers: map[int64]bool{}})
}

func batchFrom(ctx context.Context) *batch {
	b, _ := ctx.Value(batchKey{}).(*batch)
	return b
}

// Kinds of references a batch remembers.
const (
	refOrg = iota
	refManager
)

// visible runs check once per id in a batch (not_found means not visible).
func (b *batch) visible(kind int, id int64, check func() error) (bool, error) {
	var seen map[int64]bool
	if b != nil {
		seen = b.orgs
		if kind == refManager {
			seen = b.managers
		}
		if ok, done := seen[id]; done {
			return ok, nil
		}
	}
	err := check()
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return false, err
	}
	if b != nil {
		seen[id] = err == nil
	}
	return err == nil, nil
}

func (b *batch) load(ctx context.Context, s *Service) error {
	if b == nil || b.loaded {
		return nil
	}
	var err error
	if b.grades, err = s.Grades(ctx); err != nil {
		return err
	}
	if b.fields, err = s.Fields(ctx); err != nil {
		return err
	}
	b.loaded = true
	return nil
}

func (b *batch) gradeList(ctx context.Context, s *Service) ([]Grade, error) {
	if b == nil {
		return s.Grades(ctx)
	}
	err := b.load(ctx, s)
	return b.grades, err
}

func (b *batch) fieldList(ctx context.Context, s *Service) ([]Field, error) {
	if b == nil {
		return s.Fields(ctx)
	}
	err := b.load(ctx, s)
	return b.fields, err
}
