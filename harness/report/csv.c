/* csv.c - one scenario's samples, one row per sample.
 *
 * Columns: iteration, time_s, then every metric in drip_metrics order, so a
 * metric added to the table gets a column without touching this file.  The
 * values are exactly what the slopes were fitted on: feeding a column to
 * drip_fit_series reproduces the verdict.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>

/* Integral values as integers, others with enough digits to fit on; a value
 * that was not measured (NaN) or is not finite is an empty field. */
static void csv_value(FILE *out, double v)
{
    if (!isfinite(v))
        return;
    if (v == floor(v) && fabs(v) < 9007199254740992.0)    /* 2^53: exact */
        fprintf(out, "%.0f", v);
    else
        fprintf(out, "%.15g", v);
}

int drip_report_csv(const drip_result *r, FILE *out)
{
    fputs("iteration,time_s", out);
    for (int m = 0; m < drip_result_nmetrics(r); m++)       /* Drip's, then custom */
        fprintf(out, ",%s", drip_result_metric_info(r, m)->name);
    fputc('\n', out);

    for (size_t i = 0; i < r->nsamples; i++) {
        const double *v = r->samples[i].v;
        csv_value(out, v[DRIP_COL_ITER]);
        fputc(',', out);
        if (isfinite(v[DRIP_COL_TIME]))
            fprintf(out, "%.6f", v[DRIP_COL_TIME]);
        for (int m = 0; m < drip_result_nmetrics(r); m++) {
            fputc(',', out);
            csv_value(out, v[DRIP_COL_METRIC(m)]);
        }
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}
