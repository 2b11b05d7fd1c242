package customer

import (
	"context"
	"encoding/json"
	"fmt"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/scope"
)

// MergeInput names the record that stays and the duplicate that goes.
type MergeInput struct {
	SurvivorID int64 `json:"survivor_id"`
	MergedID   int64 `json:"merged_id"`
}

// Merge moves the duplicate's phones, tags, contacts and interactions to the
// survivor and soft-deletes the duplicate with merged_into set; both states are
// kept in the audit log so the merge can be understood and undone by hand.
func (s *Service) Merge(ctx context.Context, in MergeInput) (*Customer, error) {
	if in.SurvivorID == in.MergedID || in.SurvivorID == 0 || in.MergedID == 0 {
		return nil, apperr.Field("merged_id", "请选择两个不同的客户", "choose two different customers")
	}
	var out *Customer
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		survivor, err := s.visible(ctx, in.SurvivorID)
		if err != nil {
			return err
		}
		merged, err := s.visible(ctx, in.MergedID)
		if err != nil {
			return err
		}
		next := inputOf(survivor)
		for _, p := range merged.Phones {
			p.Primary = false
			next.Phones = append(next.Phones, p)
		}
		next.Tags = append(next.Tags, merged.Tags...)
		if next.IDNumber == "" {
			next.IDType, next.IDNumber = merged.IDType, merged.IDNumber
		}
		if next.Email == "" {
			next.Email = merged.Email
		}
		if next.Address == "" {
			next.Address = merged.Address
		}
		if next.Birthday == nil {
			next.Birthday = merged.Birthday
		}
		for k, v := range merged.Custom {
			if _, ok := next.Custom[k]; !ok {
				next.Custom[k] = v
			}
		}
		// The duplicate leaves first so its numbers do not count as a duplicate of the survivor.
		if _, err := s.db.Exec(ctx, "UPDATE customers SET deleted_at = ?, merged_into = ?, updated_at = ? WHERE id = ?", s.now(), survivor.ID, s.now(), merged.ID); err != nil {
			return err
		}
		if err := s.unindex(ctx, merged.ID); err != nil {
			return err
		}
		for _, q := range []string{"UPDATE contacts SET customer_id = ? WHERE customer_id = ?", "UPDATE interactions SET customer_id = ? WHERE customer_id = ?", "UPDATE access_grants SET customer_id = ? WHERE customer_id = ?"} {
			if _, err := s.db.Exec(ctx, q, survivor.ID, merged.ID); err != nil {
				return err
			}
		}
		var v apperr.Validation
		normalize(&next, &v)
		if err := v.Err(); err != nil {
			return err
		}
		custom, _ := json.Marshal(next.Custom)
		if _, err := s.db.Exec(ctx, "UPDATE customers SET phone = ?, id_type = ?, id_number = ?, email = ?, address = ?, birthday = ?, custom = ?, updated_at = ? WHERE id = ?",
			next.Phone, next.IDType, next.IDNumber, next.Email, next.Address, next.Birthday, string(custom), s.now(), survivor.ID); err != nil {
			return err
		}
		if err := s.writeChildren(ctx, survivor.ID, next); err != nil {
			return err
		}
		if out, err = s.load(ctx, survivor.ID); err != nil {
			return err
		}
		if err := s.index(ctx, out); err != nil {
			return err
		}
		survivor.mask()
		merged.mask()
		out.mask()
		return s.audit.Record(ctx, audit.Entry{Action: "merge", Entity: "customer", EntityID: survivor.ID, OrgID: survivor.OrgID,
			Summary: fmt.Sprintf("合并客户 %s ← %s", survivor.Code, merged.Code), Before: map[string]any{"survivor": survivor, "merged": merged}, After: map[string]any{"survivor": out}})
	})
	return out, err
}

// BulkInput changes several visible customers at once.
type BulkInput struct {
	IDs        []int64  `json:"ids"`
	Grade      *string  `json:"grade"`
	ManagerID  *int64   `json:"manager_id"`
	AddTags    []string `json:"add_tags"`
	RemoveTags []string `json:"remove_tags"`
}

// Bulk applies the same change to every listed customer in one transaction;
// a customer outside the caller's scope fails the whole change.
func (s *Service) Bulk(ctx context.Context, in BulkInput) (int, error) {
	if len(in.IDs) == 0 || len(in.IDs) > 1000 {
		return 0, apperr.Field("ids", "请选择 1–1000 个客户", "choose 1 to 1000 customers")
	}
	n := 0
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		for _, id := range in.IDs {
			c, err := s.visible(ctx, id)
			if err != nil {
				return err
			}
			next := inputOf(c)
			if in.Grade != nil {
				next.Grade = *in.Grade
			}
			if in.ManagerID != nil {
				next.ManagerID = in.ManagerID
			}
			next.Tags = append(next.Tags, in.AddTags...)
			drop := map[string]bool{}
			for _, t := range in.RemoveTags {
				drop[t] = true
			}
			kept := next.Tags[:0]
			for _, t := range next.Tags {
				if !drop[t] {
					kept = append(kept, t)
				}
			}
			next.Tags = kept
			var v apperr.Validation
			normalize(&next, &v)
			if err := s.checkRefs(ctx, &next, &v); err != nil {
				return err
			}
			if err := v.Err(); err != nil {
				return err
			}
			if _, err := s.db.Exec(ctx, "UPDATE customers SET grade = ?, manager_id = ?, updated_at = ? WHERE id = ?", next.Grade, next.ManagerID, s.now(), id); err != nil {
				return err
			}
			if err := s.writeChildren(ctx, id, next); err != nil {
				return err
			}
			n++
		}
		return s.audit.Record(ctx, audit.Entry{Action: "bulk_update", Entity: "customer", Summary: fmt.Sprintf("批量修改 %d 个客户", n),
			After: map[string]any{"ids": in.IDs, "grade": in.Grade, "manager_id": in.ManagerID, "add_tags": in.AddTags, "remove_tags": in.RemoveTags}})
	})
	return n, err
}

// PurgeDeleted removes the personal data of customers deleted more than the
// retention period ago, keeping an anonymous row for statistics.
func (s *Service) PurgeDeleted(ctx context.Context) (int, error) {
	ctx = scope.With(ctx, scope.System())
	cutoff := s.now().AddDate(0, 0, -s.RetentionDays)
	n := 0
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var ids []int64
		if err := s.db.Select(ctx, &ids, "SELECT id FROM customers WHERE deleted_at < ? AND purged_at IS NULL LIMIT 1000", cutoff); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := s.db.Exec(ctx, "UPDATE customers SET name = '已清除', initials = '', phone = '', id_number = '', email = '', address = '', notes = '', birthday = NULL, anniversaries = '[]', custom = '{}', purged_at = ? WHERE id = ?", s.now(), id); err != nil {
				return err
			}
			for _, q := range []string{"DELETE FROM customer_phones WHERE customer_id = ?", "UPDATE contacts SET name = '已清除', phone = '', email = '', notes = '' WHERE customer_id = ?"} {
				if _, err := s.db.Exec(ctx, q, id); err != nil {
					return err
				}
			}
			n++
		}
		if n > 0 {
			return s.audit.Record(ctx, audit.Entry{Action: "purge", Entity: "customer", Summary: fmt.Sprintf("清除 %d 个已删除客户的个人信息", n), After: map[string]any{"ids": ids}})
		}
		return nil
	})
	return n, err
}
