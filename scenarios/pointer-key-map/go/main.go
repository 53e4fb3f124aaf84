// pointer-key-map, the Go original: a pointer key keeps the whole object
// graph (../README.md).  One /work request is one short session, recorded
// in a process-wide "last seen" sync.Map; the leaky variant keys it by the
// session pointer and never deletes, the fixed one (-fixed) keys it by the
// session's id and deletes the entry when the session ends, exactly as
// leaky.c and fixed.c.
package main

import (
	"sync"
	"sync/atomic"
	"time"

	"drip.example/goserve"
)

const (
	profileBytes = 256  // params: { profile_bytes: 256, buffer_bytes: 1024 }
	bufferBytes  = 1024 //
)

// Session is one short session and what hangs off it.
type Session struct {
	ID      uint64
	profile []byte
	buffer  []byte
}

var (
	lastSeen sync.Map // *Session (leaky) or its ID (fixed) -> time.Time
	serve    = serveLeaky
	handled  uint64 // keeps the session's work real
)

func (s *Session) handle() {
	for k := range s.buffer {
		s.buffer[k] = s.profile[k%len(s.profile)] + byte(k)
	}
	atomic.AddUint64(&handled, uint64(s.buffer[len(s.buffer)-1]))
}

// serveLeaky: the key is a pointer, and nothing ever deletes it.
func serveLeaky(s *Session) {
	lastSeen.Store(s, time.Now())
	s.handle()
}

// serveFixed keys by a value that owns nothing and deletes on the way out.
func serveFixed(s *Session) {
	lastSeen.Store(s.ID, time.Now())
	defer lastSeen.Delete(s.ID)
	s.handle()
}

func main() {
	goserve.Main(goserve.Program{
		Name: "pointer-key-map",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				serve = serveFixed
			}
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			s := &Session{ID: i, profile: make([]byte, profileBytes), buffer: make([]byte, bufferBytes)}
			s.profile[0] = byte(i)
			serve(s)
			return nil
		},
	})
}
