// blocked-channel, the Go original: a worker nobody waits for
// (../README.md).  One /work request is one fetch; the leaky variant
// answers on an unbuffered channel, the fixed one (-fixed) on a channel
// with a buffer of one, exactly as leaky.c and fixed.c.
//
// Whether the caller's timeout wins is the fault point recv.timeout at
// rate 0.1, decided from (-seed, ?i=) as Drip decides it for the C analog:
// the same seed strands the same requests.
package main

import (
	"errors"
	"sync/atomic"

	"drip.example/goserve"
)

const (
	resultBytes = 1024 // params: { result_bytes: 1024 }
	timeoutRate = 0.1  // faults: [{ point: recv.timeout, rate: 0.1 }]
)

var (
	errTimeout = errors.New("fetch: timeout")
	answerCap  = 0    // leaky: make(chan *Result); fixed: make(chan *Result, 1)
	received   uint64 // keeps the caller's use of a result real
)

// Result is what a worker computes.
type Result struct{ data []byte }

func compute() *Result {
	r := &Result{data: make([]byte, resultBytes)}
	for k := range r.data {
		r.data[k] = 'r'
	}
	return r
}

// fetch starts a worker and waits for its answer unless the caller's timer
// has already run out (expired): then it returns at once, and nobody will
// ever receive from ch.
func fetch(expired bool) (*Result, error) {
	ch := make(chan *Result, answerCap)
	go func() {
		ch <- compute() // waits until someone receives, or the buffer takes it
	}()
	if expired { // the fault plays `case <-time.After(timeout):`
		return nil, errTimeout
	}
	return <-ch, nil
}

func main() {
	goserve.Main(goserve.Program{
		Name: "blocked-channel",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				answerCap = 1
			}
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			r, err := fetch(goserve.Fault(o.Seed, "recv.timeout", i, timeoutRate))
			if err != nil {
				return err
			}
			atomic.AddUint64(&received, uint64(len(r.data)))
			return nil
		},
	})
}
