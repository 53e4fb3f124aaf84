// Package goserve is the small HTTP server every pattern's Go original
// runs in (scenarios/<pattern>/go/main.go), so that each main.go holds
// only its lesson.  See docs/GO.md.
//
// A program built on it takes
//
//	-port N    the TCP port to listen on, on 127.0.0.1 only (0: the kernel picks)
//	-fixed     run the fixed variant (the default is the leaky one)
//	-seed N    the seed of the fault decisions (fault.go), as `drip run --seed`
//
// and serves
//
//	/work?i=N          the pattern's work, once: 200 "ok", or 500 with the
//	                   error (a failed iteration, as a C workload's -1)
//	/debug/vars?gc=N   expvar's JSON (memstats, cmdline, goroutines, open_files,
//	                   requests, failed, pattern, variant, seed) after N runtime.GC()
//	                   calls (0 to 3; none without gc): live heap, not garbage
//	/debug/pprof/      net/http/pprof (goroutine?debug=1 lists parked stacks)
//
// It prints "listening on http://127.0.0.1:PORT" on stdout once it accepts
// connections, and on SIGTERM or SIGINT stops accepting, lets requests in
// flight finish (at most 3 s), runs the program's teardown and exits 0.
package goserve

import (
	"context"
	"errors"
	"expvar"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Options are the command line every program shares.
type Options struct {
	Fixed bool   // -fixed: the fixed variant
	Seed  uint64 // -seed: fault decisions (Fault)
	Port  int    // -port: 127.0.0.1:Port
}

// Program is one pattern's server: Work is the pattern's request.
type Program struct {
	Name string // the pattern, e.g. "blocked-channel"
	// Setup runs once, after the flags are parsed and before the server
	// listens (nil: nothing to do); an error ends the program with status 1.
	Setup func(o *Options) error
	// Work does the pattern's work once, for iteration i (?i=, 0-based);
	// an error is answered with status 500.  It may run concurrently.
	Work func(o *Options, i uint64) error
	// Teardown runs after the server has stopped (nil: nothing to do).
	Teardown func(o *Options)
}

var (
	requests = expvar.NewInt("requests") // /work requests answered
	failed   = expvar.NewInt("failed")   // ...of which with status 500
	next     uint64                      // the iteration of a /work without ?i=
)

// Main parses the flags, runs the program's server until SIGTERM or SIGINT
// and exits: 0 after a clean stop, 1 when setup or the listener fails, 2 on
// a bad command line.  It never returns.
func Main(p Program) {
	var o Options
	flag.BoolVar(&o.Fixed, "fixed", false, "run the fixed variant (default: leaky)")
	flag.Uint64Var(&o.Seed, "seed", 1, "seed of the fault decisions")
	flag.IntVar(&o.Port, "port", 0, "port to listen on, on 127.0.0.1 (0: any free port)")
	flag.Parse()
	if flag.NArg() != 0 || o.Port < 0 || o.Port > 65535 {
		fmt.Fprintf(os.Stderr, "%s: usage: %s [-port N] [-seed N] [-fixed]\n", p.Name, os.Args[0])
		os.Exit(2)
	}
	if p.Setup != nil {
		if err := p.Setup(&o); err != nil {
			fmt.Fprintf(os.Stderr, "%s: setup: %v\n", p.Name, err)
			os.Exit(1)
		}
	}
	publish(p.Name, &o)

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux(p, &o), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("%s (%s) listening on http://%s\n", p.Name, variant(&o), ln.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	status := 0
	select {
	case <-stop:
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		if err := srv.Shutdown(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "%s: shutdown: %v\n", p.Name, err)
		}
		cancel()
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
			status = 1
		}
	}
	if p.Teardown != nil {
		p.Teardown(&o)
	}
	os.Exit(status)
}

func variant(o *Options) string {
	if o.Fixed {
		return "fixed"
	}
	return "leaky"
}

// publish adds the shared variables to expvar's (memstats and cmdline are
// expvar's own).
func publish(name string, o *Options) {
	expvar.NewString("pattern").Set(name)
	expvar.NewString("variant").Set(variant(o))
	expvar.Publish("seed", expvar.Func(func() any { return o.Seed }))
	expvar.Publish("goroutines", expvar.Func(func() any { return runtime.NumGoroutine() }))
	expvar.Publish("open_files", expvar.Func(openFiles))
}

// openFiles counts the process's file descriptors (/proc/self/fd, less the
// one reading it); -1 when /proc cannot be read.
func openFiles() any {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(fds) - 1
}

// mux routes /work, /debug/vars and /debug/pprof/.  Its own ServeMux:
// expvar has put its plain /debug/vars on http.DefaultServeMux.
func mux(p Program, o *Options) *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		i, err := iteration(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		err = p.Work(o, i)
		requests.Add(1)
		if err != nil {
			failed.Add(1)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "ok\n")
	})
	m.HandleFunc("/debug/vars", vars)
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return m
}

// iteration is the request's ?i= (0-based, as Drip's {iteration}); without
// it, the next number of a counter of such requests.
func iteration(r *http.Request) (uint64, error) {
	s := r.URL.Query().Get("i")
	if s == "" {
		return atomic.AddUint64(&next, 1) - 1, nil
	}
	i, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad iteration %q: want ?i=N, N >= 0", s)
	}
	return i, nil
}

// vars serves expvar's JSON, after ?gc=N (0 to 3) collections: one
// runtime.GC() completes a cycle, its sweep included, so memstats'
// HeapAlloc and HeapObjects then count what is reachable; a second one
// also frees what the first found only through finalizers or sync.Pool's
// victim cache.
func vars(w http.ResponseWriter, r *http.Request) {
	if s := r.URL.Query().Get("gc"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 3 {
			http.Error(w, fmt.Sprintf("bad gc %q: want ?gc=N, N from 0 to 3", s), http.StatusBadRequest)
			return
		}
		for k := 0; k < n; k++ {
			runtime.GC()
		}
	}
	expvar.Handler().ServeHTTP(w, r)
}
