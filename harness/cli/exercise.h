/* exercise.h - `drip exercise`: what the command and its verdict share. */
#ifndef DRIP_CLI_EXERCISE_H
#define DRIP_CLI_EXERCISE_H

#include <stdbool.h>
#include <stdio.h>

#include "results/results.h"

typedef struct drip_exercise {
    const char *pattern;       /* "blocked-channel" */
    const char *student;       /* the student's file, as given */
    const char *plugin;        /* the student's file compiled */
    char       *dir;           /* SCENARIOS/PATTERN/exercise */
    char       *yaml;          /* DIR/exercise.yaml */
    char       *hints;         /* DIR/HINTS.md */
    char       *solution;      /* DIR/solution.c */
} drip_exercise;

/* Print the verdict on r (the exercise scenario's result) for a person:
 * for a pass, the metrics that stayed in line; for a fail, each metric that
 * broke the fixed variant's expectations with its slope per iteration, the
 * limit and a chart of its samples, then where to look (the student's LESSON
 * lines, the README section through `drip explain`, the hints); for an
 * error, the reason.  Returns 0, or -1 when writing to out failed. */
int drip_exercise_verdict(const drip_exercise *ex, const drip_result *r, FILE *out, bool color);

#endif /* DRIP_CLI_EXERCISE_H */
