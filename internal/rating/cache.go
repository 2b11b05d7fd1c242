package rating

import (
	"sync"
	"time"
)

// What every device event reads and rarely changes is kept for a few seconds
// per process: a device by its token hash (the token check of every device
// request) and the rating settings in force at an org. A change through this
// process clears the cache before and after its transaction; another process
// sees it after at most the TTL.
const (
	deviceCacheTTL   = 10 * time.Second
	settingsCacheTTL = 10 * time.Second
)

type cached[V any] struct {
	v   V
	exp time.Time
}

// ttlCache is a map with expiry and a generation that clear moves on, so a
// value read before a clear is never stored after it.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	max int

	mu  sync.Mutex
	gen uint64
	m   map[K]cached[V]
}

func newTTLCache[K comparable, V any](ttl time.Duration, max int) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, max: max, m: map[K]cached[V]{}}
}

// generation is taken before reading the value that put will store.
func (c *ttlCache[K, V]) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || now.After(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v unless the cache was cleared since gen.
func (c *ttlCache[K, V]) put(k K, v V, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= c.max {
		for k, e := range c.m { // drop what has expired; if nothing has, start over
			if now.After(e.exp) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[k] = cached[V]{v: v, exp: now.Add(c.ttl)}
}

// update replaces a cached value in place, keeping its expiry.
func (c *ttlCache[K, V]) update(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		e.v = v
		c.m[k] = e
	}
}

func (c *ttlCache[K, V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}
