package auth

import (
	"context"
	"sync"
	"time"
)

// PrincipalTTL bounds how long a user's permissions and scope are reused
// without reading them again. Resolving them takes three queries — most of
// what an authenticated request cost before its own work — and every request
// of a busy user needs them. Changes made through this process (org.Service,
// a password change) are seen at once; changes made by another process
// sharing the database within PrincipalTTL.
const PrincipalTTL = 2 * time.Second

// principalCache maps user ids to resolved principals (without session or
// token fields). An entry is used only while it is younger than the TTL and
// was stored under the current access generation.
type principalCache struct {
	mu      sync.Mutex
	entries map[int64]cachedPrincipal
}

type cachedPrincipal struct {
	p   Principal
	gen uint64
	at  time.Time
}

// maxCachedPrincipals keeps the map small when many users are active: it is
// emptied when full rather than tracking recency.
const maxCachedPrincipals = 10_000

func (c *principalCache) get(userID int64, gen uint64, now time.Time) (*Principal, bool) {
	c.mu.Lock()
	e, ok := c.entries[userID]
	c.mu.Unlock()
	if !ok || e.gen != gen || now.Sub(e.at) >= PrincipalTTL || now.Before(e.at) {
		return nil, false
	}
	p := e.p // callers set session fields on their own copy
	return &p, true
}

func (c *principalCache) put(userID int64, p *Principal, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedPrincipals {
		c.entries = make(map[int64]cachedPrincipal)
	}
	c.entries[userID] = cachedPrincipal{p: *p, gen: gen, at: now}
}

// cachedPrincipal answers the user's principal, from the cache when fresh.
// The generation is read before the database so a change that lands while
// this request reads is not cached as current.
func (s *Service) cachedPrincipal(ctx context.Context, userID int64) (*Principal, error) {
	gen, now := s.orgs.AccessGeneration(), time.Now()
	if p, ok := s.principals.get(userID, gen, now); ok {
		return p, nil
	}
	p, err := s.principal(ctx, userID)
	if err != nil {
		return nil, err
	}
	s.principals.put(userID, p, gen, now)
	cp := *p
	return &cp, nil
}
