// global-map, the Go original: a cache that only grows (../README.md).
// One /work request asks for an id: usually one of 64 hot ids, and when
// the fault point cache.miss fires (rate 0.25, from -seed and ?i=, as Drip
// decides it for the C analog) an id never seen before.  The leaky cache
// is a plain package-level map; the fixed one (-fixed) is bounded by an
// LRU capacity of 512 entries, as leaky.c and fixed.c.
package main

import (
	"container/list"
	"strconv"
	"sync"

	"drip.example/goserve"
)

const (
	valueBytes = 256  // params: { value_bytes: 256, hot_keys: 64, capacity: 512 }
	hotKeys    = 64   //
	capacity   = 512  //
	missRate   = 0.25 // faults: [{ point: cache.miss, rate: 0.25 }]
)

// store is the cache's lifetime policy, the only difference between the
// variants.
type store interface {
	get(id string) ([]byte, bool)
	put(id string, v []byte)
}

var (
	mu    sync.Mutex
	cache store = unbounded{}
	sent  int   // keeps the response real
)

// unbounded is `var cache = map[string][]byte{}`: nothing ever deletes.
type unbounded map[string][]byte

func (c unbounded) get(id string) ([]byte, bool) { v, ok := c[id]; return v, ok }
func (c unbounded) put(id string, v []byte)      { c[id] = v }

// lru holds at most max entries and evicts the least recently used
// (hashicorp/golang-lru's policy).
type lru struct {
	max   int
	order *list.List // front: most recently used
	index map[string]*list.Element
}

type entry struct {
	id string
	v  []byte
}

func (c *lru) get(id string) ([]byte, bool) {
	e, ok := c.index[id]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*entry).v, true
}

func (c *lru) put(id string, v []byte) {
	c.index[id] = c.order.PushFront(&entry{id, v})
	if c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.index, last.Value.(*entry).id)
	}
}

// render is the expensive part of a request: the response for id.
func render(id uint64) []byte {
	v := make([]byte, valueBytes)
	for k := range v {
		v[k] = byte('a' + (id+uint64(k))%26)
	}
	return v
}

func handle(n uint64) []byte {
	id := strconv.FormatUint(n, 10)
	mu.Lock()
	defer mu.Unlock()
	if v, ok := cache.get(id); ok {
		return v
	}
	v := render(n)
	cache.put(id, v)
	return v
}

func main() {
	goserve.Main(goserve.Program{
		Name: "global-map",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				cache = &lru{max: capacity, order: list.New(), index: map[string]*list.Element{}}
			}
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			id := i % hotKeys // a popular id...
			if goserve.Fault(o.Seed, "cache.miss", i, missRate) {
				id = hotKeys + i // ...or one nobody asked for before
			}
			v := handle(id)
			mu.Lock()
			sent += len(v)
			mu.Unlock()
			return nil
		},
	})
}
