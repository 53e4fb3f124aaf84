// closure-capture, the Go original: a long-lived goroutine that keeps the
// whole request (../README.md).  One request in ten starts a watcher that
// lives until the server shuts down; the leaky watcher's closure captures
// the request, the fixed one's (-fixed) only its id, exactly as leaky.c
// and fixed.c.  The watchers live in both variants: that is the design.
package main

import (
	"context"
	"sync/atomic"

	"drip.example/goserve"
)

const (
	payloadBytes = 32 << 10 // params: { payload_bytes: 32KiB, watch_every: 10 }
	watchEvery   = 10       //
)

// Request is one request with its payload.
type Request struct {
	ID      uint64
	Payload []byte
}

var (
	server, shutdown = context.WithCancel(context.Background()) // the server's life
	startWatcher     = startWatcherLeaky
	processed        uint64 // keeps the handler's work real
	audited          uint64
)

func process(req *Request) {
	for k := range req.Payload {
		req.Payload[k] = byte(req.ID) + byte(k)
	}
	atomic.AddUint64(&processed, uint64(req.Payload[len(req.Payload)-1]))
}

func audit(id uint64) { atomic.AddUint64(&audited, id) }

// startWatcherLeaky: the closure uses req, so it holds all of it.
func startWatcherLeaky(req *Request) {
	go func() {
		<-server.Done() // lives until the server shuts down
		audit(req.ID)   // needs only the id, captures all of req
	}()
}

// startWatcherFixed copies what the goroutine needs before starting it.
func startWatcherFixed(req *Request) {
	id := req.ID
	go func() {
		<-server.Done()
		audit(id)
	}()
}

func handle(i uint64) {
	req := &Request{ID: i, Payload: make([]byte, payloadBytes)}
	process(req)
	if i%watchEvery == 0 { // the request subscribes
		startWatcher(req)
	}
}

func main() {
	goserve.Main(goserve.Program{
		Name: "closure-capture",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				startWatcher = startWatcherFixed
			}
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			handle(i)
			return nil
		},
		Teardown: func(o *goserve.Options) { shutdown() },
	})
}
