package auth

import (
	"context"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// TokenPrefix marks Lingting API tokens so they are recognisable in logs and scanners.
const TokenPrefix = "lt_"

// Token is an API token as listed (never with its secret).
type Token struct {
	ID         int64      `db:"id" json:"id"`
	Name       string     `db:"name" json:"name"`
	Prefix     string     `db:"prefix" json:"prefix"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	ExpiresAt  *time.Time `db:"expires_at" json:"expires_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at"`
	Secret     string     `db:"-" json:"token,omitempty"`
}

// TokenInput creates an API token.
type TokenInput struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// CreateToken issues a token for the caller; the secret is returned once and stored hashed.
func (s *Service) CreateToken(ctx context.Context, p *Principal, in TokenInput) (*Token, error) {
	in.Name = strings.TrimSpace(in.Name)
	var v apperr.Validation
	v.Required("name", in.Name)
	if len([]rune(in.Name)) > 64 {
		v.Add("name", "名称不能超过 64 个字", "name must be at most 64 characters")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		v.Add("expires_at", "过期时间必须晚于现在", "expiry must be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	secret := TokenPrefix + randomToken(32)
	t := &Token{Name: in.Name, Prefix: secret[:10], CreatedAt: s.now(), Secret: secret}
	if in.ExpiresAt != nil {
		e := in.ExpiresAt.UTC().Truncate(time.Microsecond)
		t.ExpiresAt = &e
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		id, err := s.db.InsertID(ctx, s.q.Get("token-insert"), p.User.ID, t.Name, t.Prefix, hashToken(secret), t.CreatedAt, t.ExpiresAt)
		if err != nil {
			return err
		}
		t.ID = id
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "api_token", EntityID: id, OrgID: p.User.OrgID, Summary: "创建 API 令牌 " + t.Name})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ListTokens returns the caller's live tokens.
func (s *Service) ListTokens(ctx context.Context, p *Principal) ([]Token, error) {
	out := []Token{}
	err := s.db.Select(ctx, &out, s.q.Get("token-list"), p.User.ID)
	return out, err
}

// RevokeToken revokes one of the caller's tokens.
func (s *Service) RevokeToken(ctx context.Context, p *Principal, id int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL", s.now(), id, p.User.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("令牌", "token")
		}
		return s.audit.Record(ctx, audit.Entry{Action: "revoke", Entity: "api_token", EntityID: id, OrgID: p.User.OrgID, Summary: "撤销 API 令牌"})
	})
}

// Bearer resolves an API token; unauthenticated when unknown, revoked or expired.
func (s *Service) Bearer(ctx context.Context, secret string) (*Principal, error) {
	ctx = scope.With(ctx, scope.System())
	var row struct {
		ID         int64      `db:"id"`
		UserID     int64      `db:"user_id"`
		ExpiresAt  *time.Time `db:"expires_at"`
		LastUsedAt *time.Time `db:"last_used_at"`
	}
	err := s.db.Get(ctx, &row, s.q.Get("token-get"), hashToken(secret))
	if store.IsNoRows(err) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if row.ExpiresAt != nil && !row.ExpiresAt.After(now) {
		return nil, errBadToken
	}
	p, err := s.cachedPrincipal(ctx, row.UserID)
	if err != nil {
		return nil, err
	}
	if p.User.Status != "active" {
		return nil, errBadToken
	}
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) > sessionTouchEvery {
		if _, err := s.db.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, row.ID); err != nil {
			return nil, err
		}
	}
	p.TokenID = row.ID
	return p, nil
}

var errBadToken = apperr.New(apperr.Unauthenticated, "API 令牌无效或已过期", "API token invalid or expired")
