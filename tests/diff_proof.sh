#!/bin/sh
# diff_proof.sh - is `drip diff` stable?  (issue 11, item 5; run by hand)
#
#     tests/diff_proof.sh DRIP SCENARIOS OUT [PAIRS] [THREADS...]
#
# SCENARIOS is a folder, a file, or several paths in one word-split
# argument ("a.yaml b.yaml").
#
# For each thread count (default 1 and 2), runs the built-in scenarios
# PAIRS + 1 times (default PAIRS 20): run 0 with seed 1, run k with seed 1
# when k is odd (the same seed) and seed k when k is even (a different
# seed).  Then:
#   - `drip diff run0 runk` for k = 1..PAIRS must flag nothing (exit 0);
#   - for every pattern, its fixed variant (base) against its leaky variant
#     (new, renamed to the fixed one's name) in run 0 must be flagged.
# Prints one line per check and a summary; exits 1 when any check failed.
# Needs jq.  Each run of the built-in suite takes about a minute.
set -u
drip=$1 scenarios=$2 out=$3
pairs=${4:-20}
shift 3
[ $# -gt 0 ] && shift
threads=${*:-1 2}
failed=0 checked=0

mkdir -p "$out" || exit 2
for t in $threads; do
    k=0
    while [ "$k" -le "$pairs" ]; do
        seed=1
        [ $((k % 2)) -eq 0 ] && [ "$k" -gt 0 ] && seed=$k
        dir="$out/t$t-run$k"
        if [ ! -f "$dir/results.json" ]; then
            "$drip" run --no-color --seed "$seed" --threads "$t" -o "$dir" $scenarios \
                >"$out/t$t-run$k.log" 2>&1
        fi
        if [ "$k" -gt 0 ]; then
            checked=$((checked + 1))
            same=$([ "$seed" -eq 1 ] && echo "same seed" || echo "seeds 1 and $seed")
            if "$drip" diff --no-color "$out/t$t-run0" "$dir" >"$out/t$t-diff$k.txt" 2>&1; then
                echo "ok    threads $t pair $k ($same): nothing flagged"
            else
                failed=$((failed + 1))
                echo "FAIL  threads $t pair $k ($same): $(grep -c "^REGRESSED" "$out/t$t-diff$k.txt") flagged"
                grep "^REGRESSED" "$out/t$t-diff$k.txt" | sed 's/^/      /'
            fi
        fi
        k=$((k + 1))
    done

    # fixed -> leaky, per pattern, from run 0
    res="$out/t$t-run0/results.json"
    for leaky in $(jq -r '.scenarios[].name | select(endswith("-leaky"))' "$res"); do
        fixed=${leaky%-leaky}-fixed
        jq --arg f "$fixed" '.scenarios |= map(select(.name == $f))' "$res" >"$out/base.json"
        jq --arg l "$leaky" --arg f "$fixed" \
            '.scenarios |= map(select(.name == $l) | .name = $f)' "$res" >"$out/new.json"
        checked=$((checked + 1))
        if "$drip" diff --no-color "$out/base.json" "$out/new.json" >"$out/t$t-$leaky.txt" 2>&1; then
            failed=$((failed + 1))
            echo "FAIL  threads $t $fixed -> $leaky: not flagged"
        else
            echo "ok    threads $t $fixed -> $leaky: flagged"
        fi
    done
done
echo "diff_proof: $checked checks, $failed failed"
[ "$failed" -eq 0 ]
