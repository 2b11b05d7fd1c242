// Package auth logs users in, keeps sessions and API tokens in the database
// (so several processes can share them), enforces lockout, and resolves the
// caller of a request into a Principal.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	_ "embed"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/org"
	"lingting/internal/password"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Policy numbers (R-FND-04).
const (
	MaxFailedLogins = 5
	LockoutDuration = 15 * time.Minute
	SessionTTL      = 12 * time.Hour
	// SessionMaxAge caps a session however active it is, so a stolen cookie dies.
	SessionMaxAge = 7 * 24 * time.Hour
	// A session's expiry slides forward at most this often, so reads don't write.
	sessionTouchEvery = 5 * time.Minute
)

// Principal is the authenticated caller of a request.
type Principal struct {
	User        *org.User
	Permissions perm.Set
	Scope       scope.Scope
	SessionID   string // empty for API tokens
	CSRFToken   string
	TokenID     int64 // set for API-token requests
}

// Can reports whether the principal holds a permission.
func (p *Principal) Can(code string) bool { return p != nil && p.Permissions.Has(code) }

type principalKey struct{}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Service authenticates callers.
type Service struct {
	db    *store.DB
	q     *store.Queries
	orgs  *org.Service
	audit *audit.Log
	now   func() time.Time
	// dummyHash makes a login for an unknown user cost as much as a real one.
	dummyHash  string
	principals principalCache
}

// NewService wires the service.
func NewService(db *store.DB, orgs *org.Service, log *audit.Log) *Service {
	h, _ := password.Hash("lingting-timing-equaliser-1")
	return &Service{db: db, q: store.ParseQueries(queriesSQL, db.Dialect), orgs: orgs, audit: log, now: store.Now, dummyHash: h}
}

// LoginResult is a successful login.
type LoginResult struct {
	Principal    *Principal
	SessionToken string // the cookie value; only its hash is stored
}

var errBadCredentials = apperr.New(apperr.Unauthenticated, "账号或密码错误", "wrong login or password")

// Login checks credentials, applies lockout, and opens a session.
func (s *Service) Login(ctx context.Context, login, plain, ip, userAgent string) (*LoginResult, error) {
	ctx = scope.With(ctx, scope.System())
	u, hash, err := s.orgs.UserByLogin(ctx, login)
	if apperr.CodeOf(err) == apperr.NotFound {
		_, _ = password.Verify(s.dummyHash, plain)
		s.recordFailure(ctx, nil, login, ip, "unknown login")
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if u.Status == org.StatusLocked {
		s.recordFailure(ctx, u, login, ip, "locked")
		mins := int(u.LockedUntil.Sub(now).Minutes()) + 1
		return nil, apperr.New(apperr.AccountLocked, fmt.Sprintf("登录失败次数过多，账号已锁定，请 %d 分钟后再试或联系管理员", mins),
			fmt.Sprintf("too many failed logins; the account is locked for %d more minutes", mins))
	}
	ok, err := password.Verify(hash, plain)
	if err != nil {
		return nil, err
	}
	if !ok {
		// One statement counts the failure, so concurrent attempts cannot lose counts.
		var locked bool
		err := s.db.WriteGet(ctx, &locked, s.q.Get("count-failure"), MaxFailedLogins, now.Add(LockoutDuration), MaxFailedLogins, u.ID)
		if err != nil {
			return nil, err
		}
		s.recordFailure(ctx, u, login, ip, "wrong password")
		if locked {
			return nil, apperr.New(apperr.AccountLocked, "登录失败次数过多，账号已锁定 15 分钟", "too many failed logins; the account is locked for 15 minutes")
		}
		return nil, errBadCredentials
	}
	if u.Status == org.StatusDisabled {
		s.recordFailure(ctx, u, login, ip, "disabled")
		return nil, apperr.New(apperr.Forbidden, "账号已停用，请联系管理员", "the account is disabled")
	}
	token := randomToken(32)
	csrf := randomToken(24)
	var res *LoginResult
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?", now, u.ID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, s.q.Get("session-insert"), hashToken(token), u.ID, csrf, ip, truncate(userAgent, 255), now, now, now.Add(SessionTTL)); err != nil {
			return err
		}
		ctx = audit.WithActor(ctx, audit.Actor{UserID: u.ID, Name: u.Name, IP: ip, RequestID: audit.ActorFrom(ctx).RequestID})
		return s.audit.Record(ctx, audit.Entry{Action: "login", Entity: "user", EntityID: u.ID, OrgID: u.OrgID, Summary: "登录成功"})
	})
	if err != nil {
		return nil, err
	}
	p, err := s.principal(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	p.SessionID, p.CSRFToken = hashToken(token), csrf
	res = &LoginResult{Principal: p, SessionToken: token}
	return res, nil
}

// recordFailure writes a login_failed audit entry; failures to log are not fatal to the answer.
func (s *Service) recordFailure(ctx context.Context, u *org.User, login, ip, reason string) {
	e := audit.Entry{Action: "login_failed", Entity: "user", Summary: "登录失败：" + reason, After: map[string]string{"login": truncate(login, 64)}}
	if u != nil {
		e.EntityID, e.OrgID = u.ID, u.OrgID
	}
	ctx = audit.WithActor(ctx, audit.Actor{Name: truncate(login, 64), IP: ip, RequestID: audit.ActorFrom(ctx).RequestID})
	_ = s.audit.Record(ctx, e)
}

func (s *Service) principal(ctx context.Context, userID int64) (*Principal, error) {
	u, err := s.orgs.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	perms, sc, err := s.orgs.Access(ctx, u)
	if err != nil {
		return nil, err
	}
	return &Principal{User: u, Permissions: perms, Scope: sc}, nil
}

// Session resolves a session cookie value; unauthenticated when unknown or expired.
func (s *Service) Session(ctx context.Context, token string) (*Principal, error) {
	ctx = scope.With(ctx, scope.System())
	var row struct {
		ID         string    `db:"id"`
		UserID     int64     `db:"user_id"`
		CSRF       string    `db:"csrf_token"`
		CreatedAt  time.Time `db:"created_at"`
		LastSeenAt time.Time `db:"last_seen_at"`
		ExpiresAt  time.Time `db:"expires_at"`
	}
	err := s.db.Get(ctx, &row, s.q.Get("session-get"), hashToken(token))
	if store.IsNoRows(err) {
		return nil, errSessionExpired
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !row.ExpiresAt.After(now) || now.Sub(row.CreatedAt) > SessionMaxAge {
		return nil, errSessionExpired
	}
	p, err := s.cachedPrincipal(ctx, row.UserID)
	if err != nil {
		return nil, err
	}
	if p.User.Status == org.StatusDisabled {
		return nil, errSessionExpired
	}
	if now.Sub(row.LastSeenAt) > sessionTouchEvery {
		if _, err := s.db.Exec(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", now, now.Add(SessionTTL), row.ID); err != nil {
			return nil, err
		}
	}
	p.SessionID, p.CSRFToken = row.ID, row.CSRF
	return p, nil
}

var errSessionExpired = apperr.New(apperr.Unauthenticated, "请先登录", "please log in")

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, sessionID string) error {
	_, err := s.db.Exec(ctx, "DELETE FROM sessions WHERE id = ?", sessionID)
	return err
}

// CheckCSRF compares a request's CSRF header with the session's token in constant time.
func CheckCSRF(p *Principal, header string) error {
	if p.SessionID == "" {
		return nil // bearer tokens are not sent by browsers automatically
	}
	if header == "" || subtle.ConstantTimeCompare([]byte(header), []byte(p.CSRFToken)) != 1 {
		return apperr.New(apperr.Forbidden, "CSRF 校验失败，请刷新页面后重试", "CSRF check failed; reload the page and try again")
	}
	return nil
}

// ChangePassword sets a new password after checking the current one, clears the
// forced-change flag, and ends the user's other sessions.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string) error {
	_, hash, err := s.orgs.UserByLogin(scope.With(ctx, scope.System()), p.User.Login)
	if err != nil {
		return err
	}
	ok, err := password.Verify(hash, current)
	if err != nil {
		return err
	}
	var v apperr.Validation
	if !ok {
		v.Add("current_password", "当前密码不正确", "current password is wrong")
	}
	if zh, en := password.Problem(next); zh != "" {
		v.Add("new_password", zh, en)
	} else if next == current {
		v.Add("new_password", "新密码不能与当前密码相同", "the new password must differ from the current one")
	}
	if err := v.Err(); err != nil {
		return err
	}
	newHash, err := password.Hash(next)
	if err != nil {
		return err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, "UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?", newHash, false, s.now(), p.User.ID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", p.User.ID, p.SessionID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "change_password", Entity: "user", EntityID: p.User.ID, OrgID: p.User.OrgID, Summary: "修改密码"})
	})
	s.orgs.AccessChanged() // the cached principal still says "must change"
	return err
}

// PurgeExpiredSessions deletes sessions past their expiry.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.db.Exec(ctx, "DELETE FROM sessions WHERE expires_at < ?", s.now())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
