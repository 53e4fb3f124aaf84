// pool-reuse, the Go original: the same work with and without sync.Pool
// (../README.md).  Not a leak: the allocation lesson.  One /work request
// renders the same response, 64 lines of 64 bytes, into a bytes.Buffer and
// checks it; the "leaky" variant takes a new buffer per response, the
// fixed one (-fixed) takes it from a pool, resets it and puts it back,
// exactly as leaky.c and fixed.c.
//
// The lines are written with WriteString, not the article's Fprintf: boxing
// each line's argument would add 64 allocations per response to both
// variants and hide the 8 the lesson is about.
package main

import (
	"bytes"
	"errors"
	"expvar"
	"sync"

	"drip.example/goserve"
)

const lines = 64 // params: { lines: 64 }

var (
	buffersMade = expvar.NewInt("buffers_made") // every new(bytes.Buffer)
	bufferPool  = sync.Pool{New: func() any { return newBuffer() }}
	getBuffer   = getBufferLeaky
	putBuffer   = putBufferLeaky
	want        []byte // the response, rendered once at setup
	errMismatch = errors.New("render: the response is not the expected one")
)

func newBuffer() *bytes.Buffer {
	buffersMade.Add(1)
	return new(bytes.Buffer)
}

// getBufferLeaky and putBufferLeaky: new(bytes.Buffer), left to the GC.
func getBufferLeaky() *bytes.Buffer    { return newBuffer() }
func putBufferLeaky(buf *bytes.Buffer) {}

// getBufferFixed and putBufferFixed: Get, Reset (the last user's bytes
// are still in it), Put.
func getBufferFixed() *bytes.Buffer {
	buf := bufferPool.Get().(*bytes.Buffer)
	buf.Reset()
	return buf
}
func putBufferFixed(buf *bytes.Buffer) { bufferPool.Put(buf) }

// line is the n-th line: "item NNNN:" padded to 63 characters, and '\n'.
func line(n int) string {
	const hex = "0123456789abcdef"
	b := []byte("item 0000:")
	for k := 0; k < 4; k++ {
		b[8-k] = hex[(n>>(4*k))&15]
	}
	b = append(b, bytes.Repeat([]byte(" "), 63-len(b))...)
	return string(append(b, '\n'))
}

var items = func() []string {
	s := make([]string, lines)
	for n := range s {
		s[n] = line(n)
	}
	return s
}()

func render(buf *bytes.Buffer) {
	for _, it := range items {
		buf.WriteString(it)
	}
}

// respond renders a response and "sends" it: checks it against want.
func respond() error {
	buf := getBuffer()
	defer putBuffer(buf)
	render(buf)
	if !bytes.Equal(buf.Bytes(), want) {
		return errMismatch
	}
	return nil
}

func main() {
	goserve.Main(goserve.Program{
		Name: "pool-reuse",
		Setup: func(o *goserve.Options) error {
			var b bytes.Buffer
			render(&b)
			want = b.Bytes()
			if o.Fixed {
				getBuffer, putBuffer = getBufferFixed, putBufferFixed
			}
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error { return respond() },
	})
}
