/* exercise.h - `drip exercise`: what the command and its verdict share. */
#ifndef DRIP_CLI_EXERCISE_H
#define DRIP_CLI_EXERCISE_H

#include <stdbool.h>
#include <stdio.h>

#include "results/results.h"
#include "scenario/scenario.h"

typedef struct drip_exercise {
    const char *pattern;       /* "blocked-channel" */
    const char *student;       /* the student's file, as given */
    const char *plugin;        /* the student's file compiled (--go: the program) */
    char       *dir;           /* SCENARIOS/PATTERN/exercise (--go: SCENARIOS/PATTERN) */
    char       *yaml;          /* DIR/exercise.yaml (--go: DIR/go-fixed.yaml) */
    char       *hints;         /* DIR/HINTS.md (--go: NULL, the C exercise's hints) */
    char       *solution;      /* DIR/solution.c (--go: DIR/go/main.go) */
    bool        go;            /* --go: a Go fix of the Go original (go/main.go) */
} drip_exercise;

/* drip exercise's own exit status: the fix crashed (a signal) or hung
 * (its timeout passed).  0, 1 and 2 are cli.h's. */
#define DRIP_EXIT_CRASHED 3

/* The exit status r (the exercise scenario's result) calls for: 0 it
 * passed, DRIP_EXIT_CRASHED the worker crashed or hung, 1 otherwise (an
 * expectation broke, or the run failed another way: setup, the plugin). */
int drip_exercise_status(const drip_result *r);

/* Print the verdict on r (the exercise scenario's result) for a person:
 * for a pass, the metrics that stayed in line; for a fail, each metric that
 * broke the fixed variant's expectations with its slope per iteration, the
 * limit and a chart of its samples, then where to look (the student's LESSON
 * lines, the README section through `drip explain`, the hints), and each
 * metric that meets them ("fds: fixed"); for a crash, the line it crashed
 * at and the stack; for a hang, the timeout; both with the hints.  Returns
 * 0, or -1 when writing to out failed. */
int drip_exercise_verdict(const drip_exercise *ex, const drip_result *r, FILE *out, bool color);

/* Compile src into the plugin so (${CC:-cc} -g -shared -fPIC -I include),
 * the compiler's messages on stderr.  0, or -1 after saying why (it does
 * not compile, or there is no compiler). */
int drip_exercise_compile_c(const char *include, const char *src, const char *so);

/* Build the Go fix src (a main.go) into the program bin: src and godir's
 * go.mod (its relative replace made absolute) are copied into workdir
 * (created), then ${GO:-go} builds there offline, its messages on stderr.
 * 0, or -1 after saying why (it does not build, or Go is not installed). */
int drip_exercise_build_go(const char *godir, const char *src, const char *workdir,
                           const char *bin);

/* Make sc (a go-fixed.yaml scenario) run the program bin as the student
 * wrote it: command[0] becomes bin and the `-fixed` flag is dropped, so
 * that only the student's code decides what runs.  Cannot fail. */
void drip_exercise_go_command(drip_scenario *sc, const char *bin);

#endif /* DRIP_CLI_EXERCISE_H */
