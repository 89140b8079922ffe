package vault

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// cacheKey identifies an unwrapped DEK: the subject and the SHA-256 of the
// exact wrapped bytes that were authenticated for that subject. A rewrapped
// DEK therefore gets a new entry and the old one ages out.
type cacheKey struct {
	subject string
	sum     [sha256.Size]byte
}

func makeCacheKey(subjectID string, wrapped []byte) cacheKey {
	return cacheKey{subject: subjectID, sum: sha256.Sum256(wrapped)}
}

type cacheEntry struct {
	key     cacheKey
	dek     *DEK
	expires time.Time // zero: never
}

// dekCache is a bounded LRU of unwrapped DEKs with an optional TTL. A nil
// *dekCache (CacheSize < 0) caches nothing.
type dekCache struct {
	mu  sync.Mutex
	max int
	ttl time.Duration
	ll  *list.List // front = most recently used; values are *cacheEntry
	m   map[cacheKey]*list.Element
	now func() time.Time
}

func newDEKCache(size int, ttl time.Duration) *dekCache {
	if size < 0 {
		return nil
	}
	return &dekCache{max: size, ttl: ttl, ll: list.New(), m: make(map[cacheKey]*list.Element), now: time.Now}
}

func (c *dekCache) get(k cacheKey) *DEK {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok {
		return nil
	}
	e := el.Value.(*cacheEntry)
	if !e.expires.IsZero() && c.now().After(e.expires) {
		c.remove(el)
		return nil
	}
	c.ll.MoveToFront(el)
	return e.dek
}

func (c *dekCache) put(subjectID string, wrapped []byte, d *DEK) {
	if c == nil {
		return
	}
	c.putKey(makeCacheKey(subjectID, wrapped), d)
}

func (c *dekCache) putKey(k cacheKey, d *DEK) {
	if c == nil {
		return
	}
	var exp time.Time
	if c.ttl > 0 {
		exp = c.now().Add(c.ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		e := el.Value.(*cacheEntry)
		e.dek, e.expires = d, exp
		c.ll.MoveToFront(el)
		return
	}
	c.m[k] = c.ll.PushFront(&cacheEntry{key: k, dek: d, expires: exp})
	for c.ll.Len() > c.max {
		c.remove(c.ll.Back())
	}
}

func (c *dekCache) remove(el *list.Element) {
	c.ll.Remove(el)
	delete(c.m, el.Value.(*cacheEntry).key)
}

// forget drops all entries of a subject. It scans the list: shredding is
// rare and the cache is small.
func (c *dekCache) forget(subjectID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.ll.Front(); el != nil; {
		next := el.Next()
		if el.Value.(*cacheEntry).key.subject == subjectID {
			c.remove(el)
		}
		el = next
	}
}

func (c *dekCache) purge() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.m)
}

func (c *dekCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
