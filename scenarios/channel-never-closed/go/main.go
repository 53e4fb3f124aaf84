// channel-never-closed, the Go original: a receive loop that never ends
// (../README.md).  One /work request hands its events to a shipper
// goroutine ranging over a channel; the leaky variant never closes the
// channel, the fixed one (-fixed) closes it when it has sent everything,
// exactly as leaky.c and fixed.c.  No fault is involved: every leaky
// request strands its shipper.
package main

import (
	"bufio"
	"sync/atomic"

	"drip.example/goserve"
)

const (
	items      = 8    // params: { items: 8, queue: 16, batch_bytes: 1024 }
	queue      = 16   //
	batchBytes = 1024 //
)

// Event is one 64-byte record.
type Event struct{ payload [64]byte }

var (
	produce = produceLeaky
	shipped uint64 // keeps the shipper's work real
)

func process(i uint64, k int) Event {
	var e Event
	for b := range e.payload {
		e.payload[b] = byte(i) + byte(k) + byte(b)
	}
	return e
}

// ship is the shipper: its loop ends only when events is closed.
func ship(events <-chan Event) {
	w := bufio.NewWriterSize(counter{}, batchBytes)
	for e := range events {
		w.Write(e.payload[:])
	}
	w.Flush()
}

// counter is where shipped events go: it counts their bytes.
type counter struct{}

func (counter) Write(p []byte) (int, error) {
	atomic.AddUint64(&shipped, uint64(len(p)))
	return len(p), nil
}

// produceLeaky sends the request's events and returns: events stays open.
func produceLeaky(events chan<- Event, i uint64) {
	for k := 0; k < items; k++ {
		events <- process(i, k)
	}
	// missing: close(events)
}

// produceFixed is the sender that closes, once, when it has sent all.
func produceFixed(events chan<- Event, i uint64) {
	defer close(events)
	for k := 0; k < items; k++ {
		events <- process(i, k)
	}
}

func handle(i uint64) {
	events := make(chan Event, queue)
	go ship(events)
	produce(events, i)
}

func main() {
	goserve.Main(goserve.Program{
		Name: "channel-never-closed",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				produce = produceFixed
			}
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			handle(i)
			return nil
		},
	})
}
