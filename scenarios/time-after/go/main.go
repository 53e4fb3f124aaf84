// time-after, the Go original: a new timer on every loop turn
// (../README.md).  A long-lived loop goroutine selects on a data channel
// and a one-hour timeout; one /work request is one turn: it hands the loop
// a value and waits until the loop has handled it.  The leaky loop calls
// time.After on every turn; the fixed one (-fixed) makes one timer, Resets
// it every turn and Stops it when done, as leaky.c and fixed.c.  go.mod
// says go 1.19: before 1.23, an unfired time.After timer stays in the
// runtime's timer heap, with its channel, until it fires.
package main

import (
	"time"

	"drip.example/goserve"
)

const timeout = time.Hour // params: { timeout_s: 3600 }

var (
	data    = make(chan uint64, 256)
	handled = make(chan uint64)
	loop    = loopLeaky
	sum     uint64 // keeps handle's work real (the loop goroutine's only)
)

func handle(v uint64) {
	sum += v
	handled <- v
}

// loopLeaky: a new timer on every turn.
func loopLeaky() {
	for {
		select {
		case v := <-data:
			handle(v)
		case <-time.After(timeout):
			return
		}
	}
}

// loopFixed: one timer, Reset at each turn, Stopped when done.
func loopFixed() {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case v := <-data:
			handle(v)
		case <-t.C:
			return
		}
		if !t.Stop() {
			<-t.C
		}
		t.Reset(timeout)
	}
}

func main() {
	goserve.Main(goserve.Program{
		Name: "time-after",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				loop = loopFixed
			}
			go loop()
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			data <- i
			<-handled // no timeout here: it would be a timer per request
			return nil
		},
	})
}
