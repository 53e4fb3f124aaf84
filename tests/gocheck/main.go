// gocheck - the ctest check of a pattern's Go original (cmake/go.cmake,
// label go): the program starts, answers /work and /debug/vars, and stops
// on SIGTERM.
//
//	gocheck [-variant leaky|fixed] [-requests N] PROGRAM
//
// It runs PROGRAM -port 0 -seed 1 [-fixed], reads the port from its
// "listening on http://127.0.0.1:PORT" line, sends N /work?i= requests
// (each answered 200 or 500: a 500 is a failed iteration, as the
// program's fault decisions make some), reads /debug/vars?gc=1 and checks
// that it is JSON with a numeric "goroutines", "requests" equal to N and a
// "memstats" object with HeapAlloc and HeapObjects, and that the variant
// it reports is the one asked for.  Then it sends SIGTERM and expects
// exit status 0 within 5 s.  Exit 0 when all holds, 1 otherwise (the
// reason on stderr); the program is killed on every failure path.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"
)

var listening = regexp.MustCompile(`listening on (http://127\.0\.0\.1:[0-9]+)`)

func main() {
	variant := flag.String("variant", "leaky", "leaky or fixed (-fixed)")
	requests := flag.Int("requests", 20, "number of /work requests")
	flag.Parse()
	if flag.NArg() != 1 || (*variant != "leaky" && *variant != "fixed") || *requests < 1 {
		fmt.Fprintln(os.Stderr, "usage: gocheck [-variant leaky|fixed] [-requests N] PROGRAM")
		os.Exit(2)
	}
	if err := check(flag.Arg(0), *variant, *requests); err != nil {
		fmt.Fprintf(os.Stderr, "gocheck: %s (%s): %v\n", flag.Arg(0), *variant, err)
		os.Exit(1)
	}
	fmt.Printf("gocheck: %s (%s): ok\n", flag.Arg(0), *variant)
}

func check(program, variant string, requests int) (err error) {
	args := []string{"-port", "0", "-seed", "1"}
	if variant == "fixed" {
		args = append(args, "-fixed")
	}
	cmd := exec.Command(program, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	defer func() {
		if err != nil {
			cmd.Process.Kill()
			<-exited
		}
	}()

	base := make(chan string, 1)
	go func() { // the first line gives the address; the rest is drained
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case base <- m[1]:
				default:
				}
			}
		}
		exited <- cmd.Wait()
	}()
	var url string
	select {
	case url = <-base:
	case e := <-exited:
		exited <- e
		return fmt.Errorf("exited before listening: %v", e)
	case <-time.After(10 * time.Second):
		return errors.New("no \"listening on http://127.0.0.1:PORT\" line within 10 s")
	}

	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < requests; i++ {
		code, body, err := get(client, fmt.Sprintf("%s/work?i=%d", url, i))
		if err != nil {
			return err
		}
		if code != http.StatusOK && code != http.StatusInternalServerError {
			return fmt.Errorf("/work?i=%d: status %d: %s", i, code, body)
		}
	}
	if err := checkVars(client, url, variant, requests); err != nil {
		return err
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case e := <-exited:
		if e != nil {
			return fmt.Errorf("after SIGTERM: %v (want exit status 0)", e)
		}
		return nil
	case <-time.After(5 * time.Second):
		return errors.New("still running 5 s after SIGTERM")
	}
}

func get(client *http.Client, url string) (int, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), err
}

// checkVars reads /debug/vars?gc=1 and checks the shared variables.
func checkVars(client *http.Client, url, variant string, requests int) error {
	code, body, err := get(client, url+"/debug/vars?gc=1")
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("/debug/vars?gc=1: status %d: %s", code, body)
	}
	var v struct {
		Goroutines *float64 `json:"goroutines"`
		Requests   *float64 `json:"requests"`
		Variant    string   `json:"variant"`
		Memstats   *struct {
			HeapAlloc   *float64
			HeapObjects *float64
		} `json:"memstats"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return fmt.Errorf("/debug/vars?gc=1 is not JSON: %v", err)
	}
	switch {
	case v.Goroutines == nil || *v.Goroutines < 1:
		return errors.New(`/debug/vars: no "goroutines" count`)
	case v.Memstats == nil || v.Memstats.HeapAlloc == nil || v.Memstats.HeapObjects == nil:
		return errors.New(`/debug/vars: no "memstats" with HeapAlloc and HeapObjects`)
	case v.Requests == nil || int(*v.Requests) != requests:
		return fmt.Errorf(`/debug/vars: "requests" is not %d`, requests)
	case v.Variant != variant:
		return fmt.Errorf(`/debug/vars: "variant" is %q`, v.Variant)
	}
	return nil
}
