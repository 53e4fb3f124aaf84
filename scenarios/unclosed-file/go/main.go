// unclosed-file, the Go original: a file an error path never closes
// (../README.md).  At start the program writes a config file of 16
// `key = value` lines in $TMPDIR (or /tmp), removed at exit.  One /work
// request opens and parses it; on a parse error (the fault point
// parse.error at rate 0.1, from -seed and ?i=, as Drip decides it for the
// C analog) the leaky loader returns without closing the file, the fixed
// one (-fixed) has deferred the Close, exactly as leaky.c and fixed.c.
//
// Unlike C, Go closes an unreachable *os.File from a finalizer after a
// garbage collection: the leak lasts until the next GC.  docs/GO.md says
// how the scenario measures it.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"drip.example/goserve"
)

const (
	lines     = 16  // params: { lines: 16 }
	errorRate = 0.1 // faults: [{ point: parse.error, rate: 0.1 }]
)

// Config is the parsed file.
type Config map[string]string

var (
	path       string
	loadConfig = loadConfigLeaky
	errParse   = errors.New("config: malformed line")
)

// parse reads `key = value` lines; corrupt makes the first one malformed.
func parse(f *os.File, corrupt bool) (Config, error) {
	cfg := Config{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if corrupt || !ok {
			return nil, errParse
		}
		cfg[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(cfg) == 0 {
		return nil, errParse
	}
	return cfg, nil
}

// loadConfigLeaky closes the file at the end, which the error path skips.
func loadConfigLeaky(path string, corrupt bool) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	cfg, err := parse(f, corrupt)
	if err != nil {
		return nil, err // f is never closed
	}
	f.Close()
	return cfg, nil
}

// loadConfigFixed defers the Close right after a successful Open.
func loadConfigFixed(path string, corrupt bool) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parse(f, corrupt)
}

func writeConfig() error {
	f, err := os.CreateTemp("", "drip-config-")
	if err != nil {
		return err
	}
	path = f.Name()
	w := bufio.NewWriter(f)
	for k := 0; k < lines; k++ {
		fmt.Fprintf(w, "key%d = value%d\n", k, k)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

func main() {
	goserve.Main(goserve.Program{
		Name: "unclosed-file",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				loadConfig = loadConfigFixed
			}
			return writeConfig()
		},
		Work: func(o *goserve.Options, i uint64) error {
			_, err := loadConfig(path, goserve.Fault(o.Seed, "parse.error", i, errorRate))
			return err
		},
		Teardown: func(o *goserve.Options) { os.Remove(path) },
	})
}
