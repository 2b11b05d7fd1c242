package customer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/initials"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Create adds a customer after validation and duplicate detection (same ID
// number, or same name and phone: 409 conflict with details.duplicate_id).
func (s *Service) Create(ctx context.Context, in Input) (*Customer, error) {
	var created *Customer
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		created, err = s.create(ctx, in, 0, true)
		return err
	})
	return created, err
}

// create validates and inserts inside the caller's transaction; importID links
// imported rows; audited says whether the record gets its own audit entry
// (imports and seeding record one entry for the whole batch).
func (s *Service) create(ctx context.Context, in Input, importID int64, audited bool) (*Customer, error) {
	var v apperr.Validation
	normalize(&in, &v)
	if err := s.checkRefs(ctx, &in, &v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if dup, err := s.findDuplicate(ctx, in, 0); err != nil {
		return nil, err
	} else if dup != 0 {
		return nil, duplicateErr(ctx, dup)
	}
	now := s.now()
	annivs, _ := json.Marshal(in.Anniversaries)
	custom, _ := json.Marshal(in.Custom)
	var imp any
	if importID != 0 {
		imp = importID
	}
	var id int64
	err := s.db.GetCached(ctx, stmtsOf(ctx), &id, s.q.Get("insert"), "~"+randomCode(), in.Kind, in.Name, initials.Of(in.Name), in.Phone, in.IDType, in.IDNumber,
		in.Email, in.Address, in.Region, in.OrgID, in.ManagerID, in.Grade, in.Source, in.Status, in.Birthday,
		string(annivs), in.Confidentiality, string(custom), in.Notes, imp, now, now)
	if err != nil {
		return nil, err
	}
	code := fmt.Sprintf("KH%08d", id)
	if _, err := s.db.ExecCached(ctx, stmtsOf(ctx), "UPDATE customers SET code = ? WHERE id = ?", code, id); err != nil {
		return nil, err
	}
	if err := s.insertChildren(ctx, id, in); err != nil {
		return nil, err
	}
	if batchFrom(ctx) != nil {
		// Batches (imports, seeding) need the id only: index from the input
		// instead of reading the row back.
		c := &Customer{ID: id, Code: code, Name: in.Name, Address: in.Address, Notes: in.Notes, Email: in.Email}
		return c, s.index(ctx, c)
	}
	c, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.index(ctx, c); err != nil {
		return nil, err
	}
	c.mask()
	if audited {
		err = s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "customer", EntityID: id, OrgID: in.OrgID, Summary: "新增客户 " + c.Name, After: c})
	}
	return c, err
}

func duplicateErr(ctx context.Context, dupID int64) error {
	e := apperr.New(apperr.Conflict, "客户已存在（证件号相同，或姓名和电话相同）", "the customer already exists (same ID number, or same name and phone)")
	e.Details = map[string]any{"duplicate_id": dupID}
	return e
}

// Seed adds many customers in one transaction with a single audit entry (demo
// data, provisioning). Invalid or duplicate inputs fail the whole batch.
func (s *Service) Seed(ctx context.Context, ins []Input) ([]int64, error) {
	ids := make([]int64, 0, len(ins))
	ctx = withBatch(ctx)
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		for i, in := range ins {
			c, err := s.create(ctx, in, 0, false)
			if err != nil {
				return fmt.Errorf("seed customer %d (%s): %w", i, in.Name, err)
			}
			ids = append(ids, c.ID)
		}
		return s.audit.Record(ctx, audit.Entry{Action: "seed", Entity: "customer", Summary: fmt.Sprintf("批量初始化客户 %d 个", len(ids))})
	})
	return ids, err
}

// findDuplicate returns a live customer with the same ID number, or the same
// name and one of the phones, other than except.
func (s *Service) findDuplicate(ctx context.Context, in Input, except int64) (int64, error) {
	ctx = scope.With(ctx, scope.System()) // duplicates count across the whole archive
	var id int64
	if in.IDNumber != "" {
		err := s.db.GetCached(ctx, stmtsOf(ctx), &id, "SELECT id FROM customers WHERE id_number = ? AND id <> ? AND deleted_at IS NULL LIMIT 1", in.IDNumber, except)
		if err == nil || !store.IsNoRows(err) {
			return id, err
		}
	}
	for _, p := range in.Phones {
		err := s.db.GetCached(ctx, stmtsOf(ctx), &id, s.q.Get("duplicate-name-phone"), in.Name, p.Number, except)
		if err == nil || !store.IsNoRows(err) {
			return id, err
		}
	}
	return 0, nil
}

// writeChildren replaces the phones and tags of an existing customer.
func (s *Service) writeChildren(ctx context.Context, id int64, in Input) error {
	if _, err := s.db.Exec(ctx, "DELETE FROM customer_phones WHERE customer_id = ?", id); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, "DELETE FROM customer_tags WHERE customer_id = ?", id); err != nil {
		return err
	}
	return s.insertChildren(ctx, id, in)
}

// insertChildren adds the phones and tags of a customer that has none yet.
func (s *Service) insertChildren(ctx context.Context, id int64, in Input) error {
	for _, p := range in.Phones {
		if _, err := s.db.ExecCached(ctx, stmtsOf(ctx), "INSERT INTO customer_phones (customer_id, number, number_rev, label, is_primary) VALUES (?, ?, ?, ?, ?)",
			id, p.Number, reverse(digitsOnly(p.Number)), p.Label, p.Primary); err != nil {
			return err
		}
	}
	for _, t := range in.Tags {
		if _, err := s.db.ExecCached(ctx, stmtsOf(ctx), "INSERT INTO customer_tags (customer_id, tag) VALUES (?, ?)", id, t); err != nil {
			return err
		}
	}
	return nil
}

// index rewrites the search document and the initials rows of a customer
// (inside the caller's transaction, with the write that changed it).
func (s *Service) index(ctx context.Context, c *Customer) error {
	ini := initials.Of(c.Name)
	terms := searchTerms(c, ini)
	fresh := batchFrom(ctx) != nil // a batch only indexes rows it has just created
	if !fresh {
		if _, err := s.db.Exec(ctx, "DELETE FROM customer_initials WHERE customer_id = ?", c.ID); err != nil {
			return err
		}
	}
	if err := s.insertInitials(ctx, initialsRows(nil, c.ID, ini)); err != nil {
		return err
	}
	if s.db.Dialect == store.Postgres {
		_, err := s.db.ExecCached(ctx, stmtsOf(ctx), "INSERT INTO customer_search (customer_id, doc) VALUES (?, array_to_tsvector(?::text[])) ON CONFLICT (customer_id) DO UPDATE SET doc = excluded.doc", c.ID, terms)
		return err
	}
	if !fresh {
		if _, err := s.db.Exec(ctx, "DELETE FROM customer_search WHERE rowid = ?", c.ID); err != nil {
			return err
		}
	}
	_, err := s.db.ExecCached(ctx, stmtsOf(ctx), "INSERT INTO customer_search (rowid, doc) VALUES (?, ?)", c.ID, strings.Join(terms, " "))
	return err
}

// unindex takes a customer out of search (deleted, or merged into another).
func (s *Service) unindex(ctx context.Context, id int64) error {
	col := "rowid"
	if s.db.Dialect == store.Postgres {
		col = "customer_id"
	}
	if _, err := s.db.Exec(ctx, "DELETE FROM customer_initials WHERE customer_id = ?", id); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, "DELETE FROM customer_search WHERE "+col+" = ?", id)
	return err
}

// load reads one live customer unscoped and unmasked, with phones and tags.
func (s *Service) load(ctx context.Context, id int64) (*Customer, error) {
	var c Customer
	err := s.db.Get(ctx, &c, s.q.Get("select")+" WHERE c.id = ? AND c.deleted_at IS NULL", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("客户", "customer")
	}
	if err != nil {
		return nil, err
	}
	list := []*Customer{&c}
	return &c, s.fillChildren(ctx, list)
}

// visible reads a customer the caller may see (scope and clearance), unmasked.
func (s *Service) visible(ctx context.Context, id int64) (*Customer, error) {
	pred, args := scope.From(ctx).Where(scopeCols)
	var c Customer
	q := s.q.Get("select") + " WHERE c.id = ? AND c.deleted_at IS NULL AND c.confidentiality <= ? AND " + pred
	err := s.db.Get(ctx, &c, q, append([]any{id, s.clearance(ctx)}, args...)...)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("客户", "customer")
	}
	if err != nil {
		return nil, err
	}
	return &c, s.fillChildren(ctx, []*Customer{&c})
}

func (s *Service) clearance(ctx context.Context) int {
	if scope.From(ctx).All && perm.From(ctx) == nil {
		return 3 // the system itself
	}
	return clearance(perm.From(ctx))
}

// Get returns a visible customer, masked.
func (s *Service) Get(ctx context.Context, id int64) (*Customer, error) {
	c, err := s.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mask()
	return c, nil
}

func (s *Service) fillChildren(ctx context.Context, list []*Customer) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	byID := map[int64]*Customer{}
	for i, c := range list {
		ids[i] = c.ID
		byID[c.ID] = c
		c.Phones, c.Tags = []Phone{}, []string{}
		c.decodeJSON()
	}
	q, args, err := store.In("SELECT customer_id, number, label, is_primary FROM customer_phones WHERE customer_id IN (?) ORDER BY customer_id, is_primary DESC, number", ids)
	if err != nil {
		return err
	}
	var phones []struct {
		CustomerID int64  `db:"customer_id"`
		Number     string `db:"number"`
		Label      string `db:"label"`
		Primary    bool   `db:"is_primary"`
	}
	if err := s.db.Select(ctx, &phones, q, args...); err != nil {
		return err
	}
	for _, p := range phones {
		byID[p.CustomerID].Phones = append(byID[p.CustomerID].Phones, Phone{Number: p.Number, Label: p.Label, Primary: p.Primary})
	}
	q, args, err = store.In("SELECT customer_id, tag FROM customer_tags WHERE customer_id IN (?) ORDER BY customer_id, tag", ids)
	if err != nil {
		return err
	}
	var tags []struct {
		CustomerID int64  `db:"customer_id"`
		Tag        string `db:"tag"`
	}
	if err := s.db.Select(ctx, &tags, q, args...); err != nil {
		return err
	}
	for _, t := range tags {
		byID[t.CustomerID].Tags = append(byID[t.CustomerID].Tags, t.Tag)
	}
	return nil
}

// inputOf turns a stored customer back into an input (for updates).
func inputOf(c *Customer) Input {
	return Input{Kind: c.Kind, Name: c.Name, Phones: append([]Phone{}, c.Phones...), IDType: c.IDType, IDNumber: c.IDNumber,
		Email: c.Email, Address: c.Address, Region: c.Region, OrgID: c.OrgID, ManagerID: c.ManagerID, Grade: c.Grade,
		Tags: append([]string{}, c.Tags...), Source: c.Source, Status: c.Status, Birthday: c.Birthday,
		Anniversaries: c.Anniversaries, Confidentiality: c.Confidentiality, Custom: c.Custom, Notes: c.Notes}
}

// Update applies a JSON merge of patch onto a visible customer. Masked phone or
// ID values sent back unchanged keep the stored numbers.
func (s *Service) Update(ctx context.Context, id int64, patch []byte) (*Customer, error) {
	var updated *Customer
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		in := inputOf(before)
		dec := json.NewDecoder(bytes.NewReader(patch))
		dec.DisallowUnknownFields()
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(patch, &probe); err != nil {
			return apperr.New(apperr.Invalid, "请求体应为 JSON 对象", "the body must be a JSON object")
		}
		if err := dec.Decode(&in); err != nil {
			return apperr.New(apperr.Invalid, "请求体无法解析："+err.Error(), "cannot parse the body: "+err.Error())
		}
		keepMaskedNumbers(&in, before)
		if _, ok := probe["phone"]; !ok {
			in.Phone = ""
		} else if _, has := probe["phones"]; !has {
			in.Phones = nil // a new primary phone replaces the list
		}
		var v apperr.Validation
		normalize(&in, &v)
		if err := s.checkRefs(ctx, &in, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if dup, err := s.findDuplicate(ctx, in, id); err != nil {
			return err
		} else if dup != 0 {
			return duplicateErr(ctx, dup)
		}
		annivs, _ := json.Marshal(in.Anniversaries)
		custom, _ := json.Marshal(in.Custom)
		if _, err := s.db.Exec(ctx, s.q.Get("update"), in.Kind, in.Name, initials.Of(in.Name), in.Phone, in.IDType, in.IDNumber,
			in.Email, in.Address, in.Region, in.OrgID, in.ManagerID, in.Grade, in.Source, in.Status, in.Birthday,
			string(annivs), in.Confidentiality, string(custom), in.Notes, s.now(), id); err != nil {
			return err
		}
		if err := s.writeChildren(ctx, id, in); err != nil {
			return err
		}
		if updated, err = s.load(ctx, id); err != nil {
			return err
		}
		if err := s.index(ctx, updated); err != nil {
			return err
		}
		before.mask()
		updated.mask()
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "customer", EntityID: id, OrgID: updated.OrgID,
			Summary: "修改客户 " + updated.Name, Before: before, After: updated})
	})
	return updated, err
}

// keepMaskedNumbers maps masked numbers echoed back by a client to the stored ones.
func keepMaskedNumbers(in *Input, before *Customer) {
	if in.IDNumber == MaskID(before.IDNumber) {
		in.IDNumber = before.IDNumber
	}
	if in.Phone != "" && in.Phone == MaskPhone(before.Phone) {
		in.Phone = before.Phone
	}
	for i, p := range in.Phones {
		for _, old := range before.Phones {
			if p.Number == MaskPhone(old.Number) {
				in.Phones[i].Number = old.Number
			}
		}
	}
}

// Delete soft-deletes a visible customer; its personal data is purged after the
// retention period by PurgeDeleted.
func (s *Service) Delete(ctx context.Context, id int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "UPDATE customers SET deleted_at = ?, updated_at = ? WHERE id = ?", s.now(), s.now(), id); err != nil {
			return err
		}
		if err := s.unindex(ctx, id); err != nil {
			return err
		}
		c.mask()
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "customer", EntityID: id, OrgID: c.OrgID, Summary: "删除客户 " + c.Name, Before: c})
	})
}

// randomCode is a unique placeholder until the code derived from the id is set.
func randomCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
