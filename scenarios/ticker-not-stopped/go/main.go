// ticker-not-stopped, the Go original: a ticker per request, never stopped
// (../README.md).  One /work request makes a one-second progress ticker and
// works through 4 chunks, reporting progress when a tick is waiting; the
// leaky request never stops its ticker, the fixed one (-fixed) defers
// ticker.Stop(), exactly as leaky.c and fixed.c.  go.mod says go 1.19:
// before 1.23, the runtime keeps every unstopped ticker for good.
package main

import (
	"sync/atomic"
	"time"

	"drip.example/goserve"
)

const (
	period = time.Second // params: { period_ms: 1000, chunks: 4 }
	chunks = 4           //
)

var (
	handle   = handleLeaky
	done     = make(chan uint64, 256) // the chunks' results, for the collector
	reports  uint64                   // progress reports made
	finished uint64                   // keeps the collector's work real
)

func process(i uint64, c int) uint64 { return i*chunks + uint64(c) }

// work sends each chunk's result, reporting progress when a tick waits.
func work(i uint64, ticker *time.Ticker) {
	for c := 0; c < chunks; {
		select {
		case <-ticker.C:
			atomic.AddUint64(&reports, 1) // w.reportProgress(job)
		case done <- process(i, c):
			c++
		}
	}
}

// handleLeaky: ticker.Stop() is missing.
func handleLeaky(i uint64) {
	ticker := time.NewTicker(period) // progress, every second
	work(i, ticker)
}

// handleFixed stops the ticker when the request returns.
func handleFixed(i uint64) {
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	work(i, ticker)
}

func main() {
	goserve.Main(goserve.Program{
		Name: "ticker-not-stopped",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				handle = handleFixed
			}
			go func() { // the worker's consumer of results
				for r := range done {
					atomic.AddUint64(&finished, r)
				}
			}()
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			handle(i)
			return nil
		},
	})
}
