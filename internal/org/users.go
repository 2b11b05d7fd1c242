package org

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/initials"
	"lingting/internal/password"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

var userScopeCols = scope.Columns{Org: "u.org_id", Self: "u.id"}

// User statuses. "locked" is derived: an active user within a lockout window.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
	StatusLocked   = "locked"
)

// RoleRef names a role held by a user.
type RoleRef struct {
	ID   int64  `db:"id" json:"id"`
	Name string `db:"name" json:"name"`
}

// User is a member of staff.
type User struct {
	ID                 int64      `db:"id" json:"id"`
	OrgID              int64      `db:"org_id" json:"org_id"`
	OrgName            string     `db:"org_name" json:"org_name"`
	Login              string     `db:"login" json:"login"`
	Name               string     `db:"name" json:"name"`
	Initials           string     `db:"initials" json:"initials"`
	JobNo              string     `db:"job_no" json:"job_no"`
	Phone              string     `db:"phone" json:"phone"`
	Email              string     `db:"email" json:"email"`
	PhotoURL           string     `db:"photo_url" json:"photo_url"`
	Status             string     `db:"status" json:"status"`
	MustChangePassword bool       `db:"must_change_password" json:"must_change_password"`
	FailedLogins       int        `db:"failed_logins" json:"-"`
	LockedUntil        *time.Time `db:"locked_until" json:"locked_until"`
	LastLoginAt        *time.Time `db:"last_login_at" json:"last_login_at"`
	CreatedAt          time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt          time.Time  `db:"updated_at" json:"updated_at"`
	Roles              []RoleRef  `db:"-" json:"roles"`
	InitialPassword    string     `db:"-" json:"initial_password,omitempty"`
}

// UserInput creates a user. An empty Password makes the server generate one.
type UserInput struct {
	Login    string  `json:"login"`
	Name     string  `json:"name"`
	OrgID    int64   `json:"org_id"`
	Password string  `json:"password"`
	JobNo    string  `json:"job_no"`
	Phone    string  `json:"phone"`
	Email    string  `json:"email"`
	RoleIDs  []int64 `json:"role_ids"`
}

// UserUpdate changes some fields of a user; nil fields stay.
type UserUpdate struct {
	Name   *string `json:"name"`
	OrgID  *int64  `json:"org_id"`
	JobNo  *string `json:"job_no"`
	Phone  *string `json:"phone"`
	Email  *string `json:"email"`
	Status *string `json:"status"` // "active" also lifts a lockout
}

// UserFilter narrows the user list.
type UserFilter struct {
	Q      string
	OrgID  int64 // this org and its subtree
	Phone  string
	Status string
	Limit  int
	Offset int
}

var (
	loginPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$`)
	phonePattern = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$`)
)

func validateUserFields(v *apperr.Validation, name, jobNo, phone, email string) {
	v.Required("name", name)
	if len([]rune(name)) > 32 {
		v.Add("name", "姓名不能超过 32 个字", "name must be at most 32 characters")
	}
	if len(jobNo) > 32 {
		v.Add("job_no", "工号不能超过 32 位", "job number must be at most 32 characters")
	}
	if phone != "" && !phonePattern.MatchString(phone) {
		v.Add("phone", "手机号或电话号码格式不正确", "not a valid mobile or landline number")
	}
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			v.Add("email", "电子邮箱格式不正确", "not a valid e-mail address")
		}
	}
}

// Status reports the effective status at now (active users inside a lockout are "locked").
func (u *User) effectiveStatus(now time.Time) string {
	if u.Status == StatusActive && u.LockedUntil != nil && u.LockedUntil.After(now) {
		return StatusLocked
	}
	return u.Status
}

// GetUser returns a user visible to the caller; not_found otherwise.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	pred, args := scope.From(ctx).Where(userScopeCols)
	var u User
	err := s.db.Get(ctx, &u, s.q.Get("user-select")+" WHERE u.id = ? AND "+pred, append([]any{id}, args...)...)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("用户", "user")
	}
	if err != nil {
		return nil, err
	}
	return &u, s.fillRoles(ctx, []*User{&u})
}

// UserByLogin finds a user by login regardless of scope (for authentication).
func (s *Service) UserByLogin(ctx context.Context, login string) (*User, string, error) {
	var row struct {
		User
		Hash string `db:"password_hash"`
	}
	q := strings.Replace(s.q.Get("user-select"), "u.id,", "u.password_hash, u.id,", 1)
	err := s.db.Get(ctx, &row, q+" WHERE lower(u.login) = ?", strings.ToLower(strings.TrimSpace(login)))
	if store.IsNoRows(err) {
		return nil, "", apperr.NotFoundf("用户", "user")
	}
	if err != nil {
		return nil, "", err
	}
	u := row.User
	u.Status = u.effectiveStatus(time.Now())
	return &u, row.Hash, nil
}

// UserByID reads a user regardless of scope (for sessions).
func (s *Service) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.db.Get(ctx, &u, s.q.Get("user-select")+" WHERE u.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("用户", "user")
	}
	if err != nil {
		return nil, err
	}
	u.Status = u.effectiveStatus(time.Now())
	return &u, s.fillRoles(ctx, []*User{&u})
}

// ListUsers returns visible users and their count.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]*User, int, error) {
	pred, args := scope.From(ctx).Where(userScopeCols)
	where := " WHERE " + pred
	if q := strings.TrimSpace(f.Q); q != "" {
		p := likePattern(q)
		where += ` AND (lower(u.name) LIKE ? ESCAPE '\' OR lower(u.login) LIKE ? ESCAPE '\' OR lower(u.job_no) LIKE ? ESCAPE '\' OR u.initials LIKE ? ESCAPE '\')`
		args = append(args, p, p, p, p)
	}
	if f.Phone != "" {
		where += " AND u.phone = ?"
		args = append(args, f.Phone)
	}
	if f.OrgID != 0 {
		where += " AND o.path LIKE (SELECT path FROM orgs WHERE id = ?) || '%'"
		args = append(args, f.OrgID)
	}
	switch f.Status {
	case "":
	case StatusLocked:
		where += " AND u.status = 'active' AND u.locked_until > ?"
		args = append(args, store.Now())
	default:
		where += " AND u.status = ?"
		args = append(args, f.Status)
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM users u JOIN orgs o ON o.id = u.org_id"+where, args...); err != nil {
		return nil, 0, err
	}
	var out []*User
	if err := s.db.Select(ctx, &out, s.q.Get("user-select")+where+" ORDER BY o.path, u.job_no, u.id LIMIT ? OFFSET ?",
		append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, err
	}
	now := time.Now()
	for _, u := range out {
		u.Status = u.effectiveStatus(now)
	}
	return out, total, s.fillRoles(ctx, out)
}

func (s *Service) fillRoles(ctx context.Context, users []*User) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]int64, len(users))
	byID := map[int64]*User{}
	for i, u := range users {
		ids[i] = u.ID
		byID[u.ID] = u
		u.Roles = []RoleRef{}
		u.Status = u.effectiveStatus(time.Now())
	}
	q, args, err := store.In(s.q.Get("user-roles")+" WHERE ur.user_id IN (?) ORDER BY r.id", ids)
	if err != nil {
		return err
	}
	var rows []struct {
		UserID int64 `db:"user_id"`
		RoleRef
	}
	if err := s.db.Select(ctx, &rows, q, args...); err != nil {
		return err
	}
	for _, r := range rows {
		byID[r.UserID].Roles = append(byID[r.UserID].Roles, r.RoleRef)
	}
	return nil
}

// CreateUser adds a user in a visible org with roles the caller may grant.
// Without a password one is generated and returned once; either way the user
// must change it at first login.
func (s *Service) CreateUser(ctx context.Context, in UserInput, caller perm.Set) (*User, error) {
	defer s.AccessChanged()
	in.Login, in.Name = strings.TrimSpace(in.Login), strings.TrimSpace(in.Name)
	in.JobNo, in.Phone, in.Email = strings.TrimSpace(in.JobNo), strings.TrimSpace(in.Phone), strings.TrimSpace(in.Email)
	var v apperr.Validation
	if !loginPattern.MatchString(in.Login) {
		v.Add("login", "账号由字母、数字、_ . @ - 组成，2–64 位", "login: 2–64 letters, digits, _ . @ -")
	}
	validateUserFields(&v, in.Name, in.JobNo, in.Phone, in.Email)
	if in.OrgID == 0 {
		v.Add("org_id", "必填", "required")
	}
	generated := in.Password == ""
	if generated {
		in.Password = password.Generate()
	} else if zh, en := password.Problem(in.Password); zh != "" {
		v.Add("password", zh, en)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var created *User
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		target, err := s.GetOrg(ctx, in.OrgID)
		if err != nil {
			return apperr.Field("org_id", "所属机构不存在或不在您的数据范围内", "org not found or outside your data scope")
		}
		if err := s.checkGrantable(ctx, in.RoleIDs, target, caller); err != nil {
			return err
		}
		created, err = s.createUser(ctx, in, true, generated)
		return err
	})
	return created, err
}

// createUser inserts a validated user; mustChange says whether the password is provisional.
func (s *Service) createUser(ctx context.Context, in UserInput, mustChange, showPassword bool) (*User, error) {
	hash, err := password.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	var created *User
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.GetOrg(ctx, in.OrgID); err != nil {
			return apperr.Field("org_id", "所属机构不存在或不在您的数据范围内", "org not found or outside your data scope")
		}
		now := store.Now()
		id, err := s.db.InsertID(ctx, s.q.Get("user-insert"), in.OrgID, in.Login, in.Name, initials.Of(in.Name),
			in.JobNo, in.Phone, in.Email, hash, mustChange, now, now)
		if store.IsUniqueViolation(err) {
			if strings.Contains(err.Error(), "job_no") {
				return apperr.Field("job_no", "工号已被使用", "job number already in use")
			}
			return apperr.Field("login", "账号已存在", "login already exists")
		}
		if err != nil {
			return err
		}
		if len(in.RoleIDs) > 0 {
			if err := s.setRoles(ctx, id, in.RoleIDs); err != nil {
				return err
			}
		}
		if created, err = s.UserByID(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "user", EntityID: id, OrgID: in.OrgID,
			Summary: "新增用户 " + in.Login, After: created})
	})
	if err == nil && showPassword {
		created.InitialPassword = in.Password
	}
	return created, err
}

// UpdateUser changes a visible user. Moving a user needs the target org in scope too.
func (s *Service) UpdateUser(ctx context.Context, id int64, u UserUpdate) (*User, error) {
	defer s.AccessChanged()
	var updated *User
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.GetUser(ctx, id)
		if err != nil {
			return err
		}
		if err := s.accessWithin(ctx, before, perm.From(ctx)); err != nil {
			return err
		}
		next := *before
		setIf(&next.Name, u.Name)
		setIf(&next.OrgID, u.OrgID)
		setIf(&next.JobNo, u.JobNo)
		setIf(&next.Phone, u.Phone)
		setIf(&next.Email, u.Email)
		next.Name, next.JobNo, next.Phone, next.Email = strings.TrimSpace(next.Name), strings.TrimSpace(next.JobNo), strings.TrimSpace(next.Phone), strings.TrimSpace(next.Email)
		var v apperr.Validation
		validateUserFields(&v, next.Name, next.JobNo, next.Phone, next.Email)
		status := before.Status
		if u.Status != nil {
			switch *u.Status {
			case StatusActive, StatusDisabled:
				status = *u.Status
			default:
				v.Add("status", "状态只能是 active 或 disabled", "status must be active or disabled")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if next.OrgID != before.OrgID {
			if _, err := s.GetOrg(ctx, next.OrgID); err != nil {
				return apperr.Field("org_id", "所属机构不存在或不在您的数据范围内", "org not found or outside your data scope")
			}
		}
		failed, lockedUntil := before.FailedLogins, before.LockedUntil
		if status == StatusLocked {
			status = StatusActive // lockout stays as it is
		}
		if u.Status != nil && *u.Status == StatusActive {
			failed, lockedUntil = 0, nil
		}
		_, err = s.db.Exec(ctx, s.q.Get("user-update"), next.OrgID, next.Name, initials.Of(next.Name), next.JobNo,
			next.Phone, next.Email, status, failed, lockedUntil, store.Now(), id)
		if store.IsUniqueViolation(err) {
			return apperr.Field("job_no", "工号已被使用", "job number already in use")
		}
		if err != nil {
			return err
		}
		if status == StatusDisabled {
			if _, err := s.db.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", id); err != nil {
				return err
			}
		}
		if updated, err = s.UserByID(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "user", EntityID: id, OrgID: updated.OrgID,
			Summary: "修改用户 " + updated.Login, Before: before, After: updated})
	})
	return updated, err
}

// ResetPassword gives a visible user a new generated password that must be
// changed at next login, ends the user's sessions, and returns the password once.
func (s *Service) ResetPassword(ctx context.Context, id int64) (string, error) {
	defer s.AccessChanged()
	plain := password.Generate()
	hash, err := password.Hash(plain)
	if err != nil {
		return "", err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		u, err := s.GetUser(ctx, id)
		if err != nil {
			return err
		}
		if err := s.accessWithin(ctx, u, perm.From(ctx)); err != nil {
			return err
		}
		// A reset also ends every way in that the old password opened.
		if _, err := s.db.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", store.Now(), id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?",
			hash, true, store.Now(), id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "reset_password", Entity: "user", EntityID: id, OrgID: u.OrgID,
			Summary: "重置密码 " + u.Login})
	})
	return plain, err
}
