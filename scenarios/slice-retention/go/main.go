// slice-retention, the Go original: two records that pin a whole batch
// (../README.md).  One /work request reads a batch of 8192 records (64 KiB);
// when the batch is interesting (the fault point batch.keep at rate 0.1,
// from -seed and ?i=, as Drip decides it for the C analog) its last two
// records are kept for good.  The leaky variant keeps a sub-slice, which
// pins the batch's array; the fixed one (-fixed) keeps a copy, exactly as
// leaky.c and fixed.c.
package main

import (
	"sync"

	"drip.example/goserve"
)

const (
	batchRecords = 8192 // params: { batch_bytes: 64KiB }: 8192 uint64 records
	keepRate     = 0.1  // faults: [{ point: batch.keep, rate: 0.1 }]
)

var (
	mu       sync.Mutex
	kept     [][]uint64 // lives as long as the process
	keepTail = keepTailLeaky
)

func readBatch(i uint64) []uint64 {
	batch := make([]uint64, batchRecords)
	for k := range batch {
		batch[k] = i*batchRecords + uint64(k)
	}
	return batch
}

// keepTailLeaky keeps batch[len-2:]: 16 bytes that pin 64 KiB.
func keepTailLeaky(batch []uint64) {
	mu.Lock()
	kept = append(kept, batch[len(batch)-2:])
	mu.Unlock()
}

// keepTailFixed copies the two records into an array of their own.
func keepTailFixed(batch []uint64) {
	mu.Lock()
	kept = append(kept, append([]uint64(nil), batch[len(batch)-2:]...))
	mu.Unlock()
}

func main() {
	goserve.Main(goserve.Program{
		Name: "slice-retention",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				keepTail = keepTailFixed
			}
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			batch := readBatch(i)
			if goserve.Fault(o.Seed, "batch.keep", i, keepRate) { // interesting(batch)
				keepTail(batch)
			}
			return nil
		},
	})
}
