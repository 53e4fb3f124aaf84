#!/bin/sh
# go-measure.sh - measure the patterns' Go originals (scenarios/*/go/) by
# hand, until Drip's external runner (issue 15) drives them itself.
#
#   scenarios/go-measure.sh [-b BINDIR] [-s SEEDS] [-v VARIANTS] [-n N] [-k K]
#                           [-g GC] [-e NAME=VALUE] [-o DIR] [PATTERN...]
#
# For each pattern (default: every one), variant (default: "leaky fixed")
# and seed (default: "1"), it starts BINDIR/PATTERN (default: build/go/bin,
# what the CMake build makes) on a port the kernel picks, on 127.0.0.1, and
# sends N requests /work?i=0 .. /work?i=N-1 with curl, in runs of K on one
# keep-alive connection (a bounded count, loopback only).  Before the first
# request and after each run it reads /debug/vars?gc=GC (GC collections
# first; 0: none) and the program's /proc/PID/status.  Then it stops the
# program (SIGTERM, then SIGKILL after 5 s) and prints, per metric, the
# Theil-Sen slope per request after a 20% warm-up (Drip's fit: the median
# of all pairwise slopes) and the least-squares slope on the same samples.
#
# With -o DIR the samples are kept, one file per run:
# DIR/PATTERN-VARIANT-sSEED.tsv, a header line then "requests metric...".
#
# N, K, GC and the program's environment default to the pattern's values
# in the table below: N and K are the C analog's run length and
# sample_every, so the slopes compare with `drip run`'s.  Nothing is left
# running: the program is stopped on every exit path of the script.
#
# Output, one line per metric:
#   PATTERN VARIANT seed=S METRIC slope=TS ls=LS first=Y0 last=Yn (requests=N failed=F)
#
# Exit status: 0, 1 when a program did not start or a request run failed
# to connect, 2 on a bad command line.
set -eu

usage() {
    sed -n '2,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p' >&2
    exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
bindir=$root/build/go/bin
seeds=1
variants="leaky fixed"
opt_n="" opt_k="" opt_g="" opt_env="" outdir=""
while getopts b:s:v:n:k:g:e:o:h o; do
    case $o in
        b) bindir=$OPTARG ;;
        s) seeds=$(echo "$OPTARG" | tr , ' ') ;;
        v) variants=$(echo "$OPTARG" | tr , ' ') ;;
        n) opt_n=$OPTARG ;;
        k) opt_k=$OPTARG ;;
        g) opt_g=$OPTARG ;;
        e) opt_env="$opt_env $OPTARG" ;;
        o) outdir=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))

# pattern  N  K  GC  env  metrics (expvar names; rss and threads from /proc)
table='
blocked-channel      5000  50  1 - goroutines HeapAlloc HeapObjects StackInuse threads open_files rss
channel-never-closed 2000  20  1 - goroutines HeapAlloc HeapObjects StackInuse threads open_files rss
closure-capture      5000  50  1 - goroutines HeapAlloc HeapObjects StackInuse threads open_files rss
global-map           20000 100 1 - goroutines HeapAlloc HeapObjects threads open_files rss
lock-wait            5000  50  1 - goroutines HeapAlloc HeapObjects StackInuse threads open_files rss
missing-cancel       2000  20  1 - goroutines HeapAlloc HeapObjects StackInuse threads rss
pointer-key-map      10000 50  1 - goroutines HeapAlloc HeapObjects threads open_files rss
pool-reuse           20000 100 0 - Mallocs buffers_made HeapAlloc NumGC goroutines rss
slice-retention      10000 50  1 - HeapAlloc HeapObjects goroutines rss
ticker-not-stopped   10000 50  1 - HeapAlloc HeapObjects goroutines threads rss
time-after           10000 50  1 - HeapAlloc HeapObjects goroutines threads rss
unclosed-body        5000  50  1 - goroutines conns open_files HeapAlloc HeapObjects threads rss
unclosed-file        3000  30  0 GOGC=off open_files HeapAlloc NumGC goroutines threads rss
'

[ $# -gt 0 ] || set -- $(echo "$table" | awk 'NF { print $1 }')

tmp=$(mktemp -d "${TMPDIR:-/tmp}/go-measure.XXXXXX")
pid=""
stop_program() {
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    t=0
    while kill -0 "$pid" 2>/dev/null && [ $t -lt 50 ]; do
        sleep 0.1
        t=$((t + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
}
trap 'stop_program; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# sample X PORT PID GC METRICS: one line "X v1 v2 ..." on stdout; 1 when
# the program did not answer.
sample() {
    curl -sS --max-time 30 "http://127.0.0.1:$2/debug/vars?gc=$4" > "$tmp/vars" || return 1
    cat "/proc/$3/status" > "$tmp/status" || return 1
    x=$1
    shift 4
    awk -v x="$x" -v names="$*" '
        FNR == 1 { file++ }
        file == 1 { doc = doc $0 }
        file == 2 && $1 == "Threads:" { threads = $2 }
        file == 2 && $1 == "VmRSS:" { rss = $2 * 1024 }
        END {
            n = split(names, m, " ")
            line = x
            for (i = 1; i <= n; i++) {
                if (m[i] == "threads") v = threads
                else if (m[i] == "rss") v = rss
                else if (match(doc, "\"" m[i] "\": *-?[0-9.eE+-]+")) {
                    v = substr(doc, RSTART, RLENGTH)
                    sub(/^"[^"]*": */, "", v)
                } else v = "NaN"
                line = line " " v
            }
            print line
        }' "$tmp/vars" "$tmp/status"
}

# theil_sen COLUMN < samples: the median pairwise slope of column COLUMN
# against column 1, after dropping the first 20% of samples.
theil_sen() {
    awk -v c="$1" '
        { x[NR] = $1; y[NR] = $c }
        END {
            s = int(0.2 * NR) + 1
            for (i = s; i <= NR; i++)
                for (j = i + 1; j <= NR; j++)
                    if (x[j] != x[i]) print (y[j] - y[i]) / (x[j] - x[i])
        }' | sort -g | awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "NaN"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.6g\n", m
        }'
}

# least_squares COLUMN < samples: the same samples' least-squares slope.
least_squares() {
    awk -v c="$1" '
        { x[NR] = $1; y[NR] = $c }
        END {
            s = int(0.2 * NR) + 1
            for (i = s; i <= NR; i++) { n++; sx += x[i]; sy += y[i] }
            mx = sx / n; my = sy / n
            for (i = s; i <= NR; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ^ 2 }
            printf "%.6g\n", sxx ? sxy / sxx : 0
        }'
}

# measure PATTERN VARIANT SEED N K GC ENV METRICS...
measure() {
    pattern=$1 variant=$2 seed=$3 n=$4 k=$5 gc=$6 env=$7
    shift 7
    bin=$bindir/$pattern
    if [ ! -x "$bin" ]; then
        echo "go-measure: $bin is not built (cmake --build build, with go installed)" >&2
        return 1
    fi
    flag=""
    [ "$variant" = fixed ] && flag=-fixed
    envs=""
    [ "$env" = - ] || envs=$env
    envs="$envs$opt_env"
    : > "$tmp/log"          # emptied here: the last run's line must not be read
    # shellcheck disable=SC2086
    env $envs "$bin" -port 0 -seed "$seed" $flag > "$tmp/log" 2>&1 &
    pid=$!
    port=""
    t=0
    while [ -z "$port" ] && [ $t -lt 100 ]; do
        port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/log")
        [ -n "$port" ] || { kill -0 "$pid" 2>/dev/null || break; sleep 0.1; t=$((t + 1)); }
    done
    if [ -z "$port" ]; then
        echo "go-measure: $pattern did not start:" >&2
        cat "$tmp/log" >&2
        stop_program
        return 1
    fi

    if ! sample 0 "$port" "$pid" "$gc" "$@" > "$tmp/samples"; then
        echo "go-measure: $pattern: no answer on /debug/vars" >&2
        stop_program
        return 1
    fi
    done=0 failed=0
    while [ $done -lt "$n" ]; do
        last=$((done + k - 1))
        [ $last -lt "$n" ] || last=$((n - 1))
        curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 \
            "http://127.0.0.1:$port/work?i=[$done-$last]" > "$tmp/codes" || true
        runs=$(wc -l < "$tmp/codes")
        if [ "$runs" -ne $((last - done + 1)) ] || grep -q '^000$' "$tmp/codes"; then
            echo "go-measure: $pattern: requests $done..$last did not all get an answer" >&2
            stop_program
            return 1
        fi
        failed=$((failed + $(grep -vc '^2' "$tmp/codes" || true)))
        done=$((last + 1))
        if ! sample "$done" "$port" "$pid" "$gc" "$@" >> "$tmp/samples"; then
            echo "go-measure: $pattern: no answer on /debug/vars after $done requests" >&2
            stop_program
            return 1
        fi
    done
    stop_program
    if [ -n "$outdir" ]; then
        mkdir -p "$outdir"
        { echo "requests $*"; cat "$tmp/samples"; } > "$outdir/$pattern-$variant-s$seed.tsv"
    fi

    col=2
    for m in "$@"; do
        ts=$(theil_sen $col < "$tmp/samples")
        ls=$(least_squares $col < "$tmp/samples")
        first=$(awk -v c=$col 'NR == 1 { print $c }' "$tmp/samples")
        lastv=$(awk -v c=$col 'END { print $c }' "$tmp/samples")
        printf '%-20s %-5s seed=%s %-12s slope=%-10s ls=%-10s first=%s last=%s (requests=%s failed=%s)\n' \
            "$pattern" "$variant" "$seed" "$m" "$ts" "$ls" "$first" "$lastv" "$n" "$failed"
        col=$((col + 1))
    done
}

status=0
for pattern in "$@"; do
    row=$(echo "$table" | awk -v p="$pattern" '$1 == p')
    if [ -z "$row" ]; then
        echo "go-measure: unknown pattern '$pattern'" >&2
        exit 2
    fi
    # shellcheck disable=SC2086
    set -- $row
    shift
    n=${opt_n:-$1} k=${opt_k:-$2} gc=${opt_g:-$3} env=$4
    shift 4
    for variant in $variants; do
        for seed in $seeds; do
            measure "$pattern" "$variant" "$seed" "$n" "$k" "$gc" "$env" "$@" || status=1
        done
    done
done
exit $status
