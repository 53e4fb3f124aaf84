// unclosed-body, the Go original: a response body nobody closes
// (../README.md).  At start the program runs a second HTTP server in the
// same process, on another loopback port (the C analog's in-process
// libmicrohttpd server: it stands for another service).  One /work
// request is one http.Get to it; when the fault point http.error_status
// fires (rate 0.1, from -seed and ?i=, as Drip decides it for the C
// analog) the backend answers 500.  The leaky client then returns without
// closing the body; the fixed one (-fixed) drains and closes it on every
// path, exactly as leaky.c and fixed.c.
//
// The request has no context of its own (http.Get): one made from the
// /work request's context would be canceled when the handler returns, and
// the Transport would reclaim the connection then.
package main

import (
	"expvar"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"drip.example/goserve"
)

const (
	okBytes    = 2048 // params: { ok_bytes: 2048, error_bytes: 256 }
	errorBytes = 256  //
	errorRate  = 0.1  // faults: [{ point: http.error_status, rate: 0.1 }]
)

var (
	backend string // http://127.0.0.1:PORT
	fetch   = fetchLeaky
	conns   int64  // the backend's open connections (ConnState)
	fetched uint64 // keeps the client's reads real
)

// fetchLeaky returns early on an error status: the body is neither read
// nor closed, and its connection stays checked out for good.
func fetchLeaky(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode) // resp.Body is never closed
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	atomic.AddUint64(&fetched, uint64(n))
	return err
}

// fetchFixed drains and closes the body on every path, so the connection
// goes back to the Transport's idle pool.
func fetchFixed(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer func() {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	atomic.AddUint64(&fetched, uint64(n))
	return err
}

// startBackend serves /data (200, okBytes) and /error (500, errorBytes) on
// a loopback port the kernel picks, and counts its open connections.
func startBackend() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	m := http.NewServeMux()
	m.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("d", okBytes))
	})
	m.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, strings.Repeat("e", errorBytes))
	})
	srv := &http.Server{Handler: m, ConnState: func(c net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			atomic.AddInt64(&conns, 1)
		case http.StateClosed, http.StateHijacked:
			atomic.AddInt64(&conns, -1)
		}
	}}
	go srv.Serve(ln)
	backend = "http://" + ln.Addr().String()
	return nil
}

func main() {
	expvar.Publish("conns", expvar.Func(func() any { return atomic.LoadInt64(&conns) }))
	goserve.Main(goserve.Program{
		Name: "unclosed-body",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				fetch = fetchFixed
			}
			return startBackend()
		},
		Work: func(o *goserve.Options, i uint64) error {
			path := "/data"
			if goserve.Fault(o.Seed, "http.error_status", i, errorRate) {
				path = "/error"
			}
			return fetch(backend + path)
		},
	})
}
