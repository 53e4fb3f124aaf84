// lock-wait, the Go original: a lock an early return never released
// (../README.md).  One /work request locks its job, starts a reporter
// goroutine that waits for the lock, and computes; when the computation
// fails (the fault point compute.error at rate 0.1, from -seed and ?i=, as
// Drip decides it for the C analog) the leaky handler returns with the
// lock held, the fixed one (-fixed) has deferred the unlock, exactly as
// leaky.c and fixed.c.
package main

import (
	"errors"
	"sync"
	"sync/atomic"

	"drip.example/goserve"
)

const (
	requestBytes = 1024 // params: { request_bytes: 1024 }
	errorRate    = 0.1  // faults: [{ point: compute.error, rate: 0.1 }]
)

type job struct {
	mu      sync.Mutex
	request []byte
	result  uint64
}

var (
	errCompute = errors.New("compute: failed")
	handle     = handleLeaky
	reported   uint64 // keeps the reporter's work real
)

func report(result uint64) { atomic.AddUint64(&reported, result) }

func compute(j *job, fails bool) (uint64, error) {
	if fails {
		return 0, errCompute
	}
	var sum uint64
	for _, b := range j.request {
		sum += uint64(b)
	}
	return sum, nil
}

// handleLeaky unlocks at the end, which the error path never reaches.
func handleLeaky(j *job, fails bool) error {
	j.mu.Lock()
	go func() { // the reporter waits for the result
		j.mu.Lock()
		defer j.mu.Unlock()
		report(j.result)
	}()
	res, err := compute(j, fails)
	if err != nil {
		return err // j.mu stays locked: the reporter waits forever
	}
	j.result = res
	j.mu.Unlock()
	return nil
}

// handleFixed defers the unlock right after the lock: every path releases.
func handleFixed(j *job, fails bool) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	go func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		report(j.result)
	}()
	res, err := compute(j, fails)
	if err != nil {
		return err
	}
	j.result = res
	return nil
}

func main() {
	goserve.Main(goserve.Program{
		Name: "lock-wait",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				handle = handleFixed
			}
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			j := &job{request: make([]byte, requestBytes)}
			for k := range j.request {
				j.request[k] = byte(i & 0x7f)
			}
			return handle(j, goserve.Fault(o.Seed, "compute.error", i, errorRate))
		},
	})
}
