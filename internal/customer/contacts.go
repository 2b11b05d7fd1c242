package customer

import (
	"context"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/importer"
	"lingting/internal/store"
)

// Contact is a person at an organisation customer (联系人).
type Contact struct {
	ID         int64     `db:"id" json:"id"`
	CustomerID int64     `db:"customer_id" json:"customer_id"`
	Name       string    `db:"name" json:"name"`
	Title      string    `db:"title" json:"title"`
	Phone      string    `db:"phone" json:"phone"`
	Email      string    `db:"email" json:"email"`
	Notes      string    `db:"notes" json:"notes"`
	Primary    bool      `db:"is_primary" json:"primary"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	UpdatedAt  time.Time `db:"updated_at" json:"updated_at"`
}

// ContactInput creates or replaces a contact.
type ContactInput struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Notes   string `json:"notes"`
	Primary bool   `json:"primary"`
}

func (in *ContactInput) validate() error {
	var v apperr.Validation
	in.Name, in.Title, in.Notes = importer.Normalize(in.Name), importer.Normalize(in.Title), strings.TrimSpace(in.Notes)
	v.Required("name", in.Name)
	if in.Phone != "" {
		if p, ok := importer.Phone(in.Phone); ok {
			in.Phone = p
		} else {
			v.Add("phone", "电话号码格式不正确", "not a valid phone number")
		}
	}
	if in.Email != "" {
		if e, ok := importer.Email(in.Email); ok {
			in.Email = e
		} else {
			v.Add("email", "电子邮箱格式不正确", "not a valid e-mail address")
		}
	}
	return v.Err()
}

// Contacts lists a visible customer's contacts, phones masked.
func (s *Service) Contacts(ctx context.Context, customerID int64) ([]Contact, error) {
	if _, err := s.visible(ctx, customerID); err != nil {
		return nil, err
	}
	out := []Contact{}
	if err := s.db.Select(ctx, &out, "SELECT id, customer_id, name, title, phone, email, notes, is_primary, created_at, updated_at FROM contacts WHERE customer_id = ? ORDER BY is_primary DESC, id", customerID); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Phone = MaskPhone(out[i].Phone)
	}
	return out, nil
}

// SaveContact creates (contactID 0) or replaces a contact of a visible customer.
func (s *Service) SaveContact(ctx context.Context, customerID, contactID int64, in ContactInput) (*Contact, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out Contact
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.visible(ctx, customerID)
		if err != nil {
			return err
		}
		now := s.now()
		var before *Contact
		if contactID == 0 {
			contactID, err = s.db.InsertID(ctx, "INSERT INTO contacts (customer_id, name, title, phone, email, notes, is_primary, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
				customerID, in.Name, in.Title, in.Phone, in.Email, in.Notes, in.Primary, now, now)
		} else {
			before = &Contact{}
			if err := s.db.Get(ctx, before, "SELECT id, customer_id, name, title, phone, email, notes, is_primary, created_at, updated_at FROM contacts WHERE id = ? AND customer_id = ?", contactID, customerID); err != nil {
				if store.IsNoRows(err) {
					return apperr.NotFoundf("联系人", "contact")
				}
				return err
			}
			if strings.Contains(in.Phone, "*") || in.Phone == MaskPhone(before.Phone) {
				in.Phone = before.Phone
			}
			_, err = s.db.Exec(ctx, "UPDATE contacts SET name = ?, title = ?, phone = ?, email = ?, notes = ?, is_primary = ?, updated_at = ? WHERE id = ?",
				in.Name, in.Title, in.Phone, in.Email, in.Notes, in.Primary, now, contactID)
		}
		if err != nil {
			return err
		}
		if in.Primary {
			if _, err := s.db.Exec(ctx, "UPDATE contacts SET is_primary = ? WHERE customer_id = ? AND id <> ?", false, customerID, contactID); err != nil {
				return err
			}
		}
		if err := s.db.Get(ctx, &out, "SELECT id, customer_id, name, title, phone, email, notes, is_primary, created_at, updated_at FROM contacts WHERE id = ?", contactID); err != nil {
			return err
		}
		out.Phone = MaskPhone(out.Phone)
		action := "create"
		if before != nil {
			action = "update"
			before.Phone = MaskPhone(before.Phone)
		}
		var b any
		if before != nil {
			b = before
		}
		return s.audit.Record(ctx, audit.Entry{Action: action, Entity: "contact", EntityID: contactID, OrgID: c.OrgID, Summary: "联系人 " + in.Name + "（" + c.Name + "）", Before: b, After: out})
	})
	return &out, err
}

// DeleteContact removes a contact of a visible customer.
func (s *Service) DeleteContact(ctx context.Context, customerID, contactID int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.visible(ctx, customerID)
		if err != nil {
			return err
		}
		res, err := s.db.Exec(ctx, "DELETE FROM contacts WHERE id = ? AND customer_id = ?", contactID, customerID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("联系人", "contact")
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "contact", EntityID: contactID, OrgID: c.OrgID, Summary: "删除联系人（" + c.Name + "）"})
	})
}

// Interaction is one contact with a customer (交往记录).
type Interaction struct {
	ID         int64      `db:"id" json:"id"`
	CustomerID int64      `db:"customer_id" json:"customer_id"`
	Kind       string     `db:"kind" json:"kind"`
	At         time.Time  `db:"at" json:"at"`
	UserID     *int64     `db:"user_id" json:"user_id"`
	UserName   *string    `db:"user_name" json:"user_name"`
	Content    string     `db:"content" json:"content"`
	NextStep   string     `db:"next_step" json:"next_step"`
	NextAt     *time.Time `db:"next_at" json:"next_at"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
}

// InteractionInput records an interaction.
type InteractionInput struct {
	Kind     string     `json:"kind"`
	At       *time.Time `json:"at"`
	Content  string     `json:"content"`
	NextStep string     `json:"next_step"`
	NextAt   *time.Time `json:"next_at"`
}

var interactionKinds = map[string]bool{"visit": true, "call": true, "message": true, "email": true, "other": true}

const interactionSelect = "SELECT i.id, i.customer_id, i.kind, i.at, i.user_id, u.name AS user_name, i.content, i.next_step, i.next_at, i.created_at FROM interactions i LEFT JOIN users u ON u.id = i.user_id"

// Interactions lists a visible customer's interactions, newest first.
func (s *Service) Interactions(ctx context.Context, customerID int64) ([]Interaction, error) {
	if _, err := s.visible(ctx, customerID); err != nil {
		return nil, err
	}
	out := []Interaction{}
	err := s.db.Select(ctx, &out, interactionSelect+" WHERE i.customer_id = ? ORDER BY i.at DESC, i.id DESC", customerID)
	return out, err
}

// AddInteraction records an interaction with a visible customer by the caller.
func (s *Service) AddInteraction(ctx context.Context, customerID int64, in InteractionInput) (*Interaction, error) {
	var v apperr.Validation
	in.Content = strings.TrimSpace(in.Content)
	if !interactionKinds[in.Kind] {
		v.Add("kind", "方式只能是 visit、call、message、email、other", "kind must be visit, call, message, email or other")
	}
	v.Required("content", in.Content)
	now := s.now()
	at := now
	if in.At != nil {
		at = in.At.UTC()
		if at.After(now.Add(5 * time.Minute)) {
			v.Add("at", "时间不能晚于现在", "the time cannot be in the future")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out Interaction
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.visible(ctx, customerID)
		if err != nil {
			return err
		}
		var user any
		if id := audit.ActorFrom(ctx).UserID; id != 0 {
			user = id
		}
		id, err := s.db.InsertID(ctx, "INSERT INTO interactions (customer_id, kind, at, user_id, content, next_step, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			customerID, in.Kind, at, user, in.Content, strings.TrimSpace(in.NextStep), in.NextAt, now)
		if err != nil {
			return err
		}
		if err := s.db.Get(ctx, &out, interactionSelect+" WHERE i.id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "interaction", EntityID: id, OrgID: c.OrgID, Summary: "交往记录（" + c.Name + "）", After: out})
	})
	return &out, err
}
