#!/bin/sh
# ci_examples_check.sh SOURCE_DIR BUILD_DIR: the CI recipes Drip ships
# (ci/examples/github-actions.yml, ci/examples/gitlab-ci.yml, as docs/CI.md
# shows them) work as written:
#
#   1. their shape: ./ci/deps before ./ci/build in every job; the report
#      uploads and the diff run when an earlier step failed (GitHub:
#      `if: always()`; GitLab: `when: always`, and the merge's status kept
#      until the diff ran);
#   2. every drip and ci/ command in them, extracted with a line grep (no
#      YAML parser needed), run locally: ./ci/deps and ./ci/build in this
#      tree, the shards' `drip run` for K = 1..4, `drip merge`, and `drip
#      diff` against a baseline made from the merged report.  To stay fast,
#      `scenarios/` is a subset (the global-map pattern's four files).
#
# Exits non-zero, saying which command or rule broke, when anything does.
set -eu
src=$1 build=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/drip-ci-examples-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "ci_examples_check: $*" >&2; exit 1; }

# commands FILE: the lines running drip or a ci/ script, without the YAML
# around them ("- run: ", "- ", indentation) or a trailing comment.
commands() {
    grep -E 'build/bin/drip |\./ci/' "$1" | grep -v '^ *#' |
        sed -e 's/^ *- run: //' -e 's/^ *run: //' -e 's/^ *- //' -e 's/^ *//' \
            -e 's/  *# .*$//'
}

# shape FILE: each step (GitHub) that uploads a report or runs drip diff
# says `if: always()`; ./ci/deps comes before ./ci/build in each job.
check_github() {
    awk '
        /^      - / { if (step != "") check(); step = $0; next }
        /^  [a-z]+:$/ { if (step != "") check(); step = ""; deps = 0; next }
        step != "" { step = step "\n" $0 }
        function check() {
            if ((step ~ /upload-artifact/ || step ~ /drip diff/) && step !~ /if: always\(\)/) {
                print "step without if: always(): " step; bad = 1
            }
            if (step ~ /\.\/ci\/deps/) deps = 1
            if (step ~ /\.\/ci\/build/ && !deps) { print "./ci/build before ./ci/deps"; bad = 1 }
        }
        END { if (step != "") check(); exit bad }
    ' "$1" || fail "$1: the rules above"
}
check_gitlab() {
    grep -q 'artifacts: { when: always, paths: \["shard-\*"\] }' "$1" ||
        fail "$1: the shards' artifacts need when: always"
    awk '/^leaks-report:/ { r = 1 } r && /^  when: always/ { ok = 1 } END { exit !ok }' "$1" ||
        fail "$1: leaks-report needs when: always"
    grep -q 'drip merge .*|| rc=\$?' "$1" && grep -q 'drip diff .*|| rc=\$?' "$1" &&
        grep -q 'exit \$rc' "$1" || fail "$1: the diff must run when the merge failed"
    for job in leaks leaks-report; do
        awk -v job="$job:" '$0 == job { j = 1; next } /^[a-z]/ { j = 0 }
            j && /\.\/ci\/deps/ { d = 1 } j && /\.\/ci\/build/ { b = d ? 1 : -1 }
            END { exit b != 1 }' "$1" || fail "$1: job $job: ./ci/deps before ./ci/build"
    done
}

# run_cmd DIR WANT COMMAND: run COMMAND with sh in DIR; its status (or the
# rc it kept, GitLab style) must be WANT.
run_cmd() {
    echo "\$ $3"
    st=0
    (cd "$1" && sh -c "$3"'
exit ${rc:-$?}') >"$tmp/out" 2>&1 || st=$?
    [ "$st" -eq "$2" ] || { cat "$tmp/out"; fail "'$3': exit $st, expected $2"; }
}

work() {       # a fresh directory: build/ is this build, scenarios/ the subset
    rm -rf "$tmp/w"
    mkdir -p "$tmp/w/scenarios"
    ln -s "$build" "$tmp/w/build"
    cp "$src"/scenarios/global-map/*.yaml "$tmp/w/scenarios/"
}

cd "$src"
for f in ci/examples/github-actions.yml ci/examples/gitlab-ci.yml; do
    [ -f "$f" ] || fail "$f is missing"
    # docs/CI.md shows the file: every line below its opening comment
    sed '1,/^[^#]/{/^#/d}' "$f" | while IFS= read -r line; do
        [ -z "$line" ] || grep -qxF -- "$line" docs/CI.md ||
            fail "docs/CI.md does not show this line of $f: $line"
    done
done
check_github ci/examples/github-actions.yml
check_gitlab ci/examples/gitlab-ci.yml

for f in ci/examples/github-actions.yml ci/examples/gitlab-ci.yml; do
    echo "== $f"
    commands "$f" >"$tmp/cmds"
    [ -s "$tmp/cmds" ] || fail "$f: no drip or ci/ command found"
    work
    while IFS= read -r cmd; do
        case "$cmd" in
        ./ci/*)                          # each once: every job runs the same two
            if grep -qxF -- "$cmd" "$tmp/ran" 2>/dev/null; then
                :
            elif [ "$(cd "$build" && pwd -P)" = "$(cd "$src" && pwd -P)/build" ] ||
                 [ "${cmd#./ci/build}" = "$cmd" ]; then
                run_cmd "$src" 0 "$cmd"
            else
                echo "(not running $cmd: this test's build is not the tree's build/)"
            fi
            echo "$cmd" >>"$tmp/ran" ;;
        *"drip run "*)
            for k in 1 2 3 4; do
                c=$(echo "$cmd" | sed 's/\${{ matrix.shard }}/'"$k"'/g')
                c=$(echo "$c" | sed 's/\$CI_NODE_INDEX/'"$k"'/g; s/\$CI_NODE_TOTAL/4/g')
                run_cmd "$tmp/w" 0 "$c"
            done ;;
        *"drip merge "*)
            run_cmd "$tmp/w" 0 "$cmd"
            [ -f "$tmp/w/leak-report/results.json" ] || fail "$f: no merged report"
            grep -q '"complete": true' "$tmp/w/leak-report/results.json" ||
                fail "$f: the merged report is incomplete" ;;
        *"drip diff "*)                  # the baseline: the same report, as main's
            mkdir -p "$tmp/w/main"
            cp -r "$tmp/w/leak-report" "$tmp/w/main-report"
            cp -r "$tmp/w/leak-report" "$tmp/w/main/leak-report"
            run_cmd "$tmp/w" 0 "$cmd" ;;
        *) fail "$f: a command this test does not know how to run: $cmd" ;;
        esac
    done <"$tmp/cmds"
    grep -q 'drip diff' "$tmp/cmds" || fail "$f: no drip diff step"
done
echo "ci_examples_check: all passed"
