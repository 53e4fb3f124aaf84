/* html.c - report.html: one self-contained page per run.
 *
 * A header with the run's totals, a summary table with a row per scenario,
 * then a section per scenario (html_scenario.c) with its verdicts and a
 * chart per measured metric (svg.c).  The page loads nothing: the CSS is
 * inline, there is no script, no font, no image, and the only links are
 * anchors within the page, so the file can be attached to a bug report or
 * archived by CI and still read the same years later.  Every string that
 * comes from a scenario file or a plugin is escaped (html_text.c).
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "util/util.h"

/* No '<' or '&' in here: the page must stay well-formed XML as well. */
static const char css[] =
    ":root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--pass:#1a7f37;--pass-bg:#dafbe1;"
    "--fail:#cf222e;--fail-bg:#ffebe9;--err-bg:#a40e26;--blue:#0969da;--warn:#7d4e00;"
    "--warn-bg:#fff8c5}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:#eef1f5;color:var(--ink);font:14px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,'Noto Sans','DejaVu Sans',sans-serif}\n"
    ".wrap{max-width:1320px;margin:0 auto;padding:0 28px}\n"
    "header.top{background:#0f1b2d;color:#e6edf3;padding:22px 0 24px}\n"
    "h1{font-size:22px;margin:0 0 2px;font-weight:650;letter-spacing:-.01em}\n"
    "h1 small{font-size:13px;font-weight:400;color:#9fb0c3;margin-left:8px}\n"
    ".sub{color:#9fb0c3;font-size:13px;display:flex;flex-wrap:wrap;gap:2px 18px}\n"
    ".sub b{color:#e6edf3;font-weight:600}\n"
    ".tiles{display:flex;gap:12px;margin-top:16px;flex-wrap:wrap}\n"
    ".tile{background:#172a45;border-radius:8px;padding:8px 18px 10px;min-width:112px}\n"
    ".tile b{display:block;font-size:26px;line-height:1.15;font-variant-numeric:tabular-nums}\n"
    ".tile span{font-size:11px;color:#9fb0c3;text-transform:uppercase;letter-spacing:.08em}\n"
    ".tile.pass b{color:#4ac26b}.tile.fail b{color:#ff8182}.tile.error b{color:#ffb3b8}\n"
    ".tile.zero b{color:#5b6b80}\n"
    ".banner{background:var(--warn-bg);color:var(--warn);border:1px solid #e8d38a;"
    "border-radius:8px;padding:8px 14px;margin:18px 0 0;font-weight:600}\n"
    "section.card{background:#fff;border:1px solid var(--line);border-radius:10px;"
    "padding:16px 22px 20px;margin:20px 0;box-shadow:0 1px 2px rgba(31,35,40,.04)}\n"
    "section.card.fail{border-left:4px solid var(--fail)}\n"
    "section.card.error{border-left:4px solid var(--err-bg)}\n"
    "h2{font-size:18px;margin:0;display:flex;align-items:center;gap:10px;flex-wrap:wrap;"
    "font-weight:650}\n"
    "h2 .top{margin-left:auto;font-size:12px;font-weight:400}\n"
    "h3{font-size:11.5px;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);"
    "margin:18px 0 6px;font-weight:650}\n"
    "table{border-collapse:collapse;min-width:55%;font-size:13px}\n"
    "table.full{width:100%}table.gap{margin-top:8px}h3.first{margin-top:0}"
    ".dim{color:var(--muted)}\n"
    "th{font-weight:600;color:var(--muted);font-size:11px;text-transform:uppercase;"
    "letter-spacing:.05em;text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);"
    "white-space:nowrap}\n"
    "td{padding:5px 10px;border-bottom:1px solid #eef0f3;vertical-align:top}\n"
    "tr:last-child td{border-bottom:0}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.summary td{vertical-align:middle}\n"
    "table.summary td.name{white-space:nowrap}\n"
    "table.summary td.name a{font-weight:600}\n"
    ".pill{display:inline-block;min-width:54px;text-align:center;padding:1px 8px;"
    "border-radius:999px;font-size:11px;font-weight:700;letter-spacing:.06em}\n"
    ".pill.pass{background:var(--pass-bg);color:var(--pass)}\n"
    ".pill.fail{background:var(--fail-bg);color:var(--fail)}\n"
    ".pill.error{background:var(--err-bg);color:#fff}\n"
    ".v{font-weight:600}.v.growing{color:#bc4c00}.v.bounded{color:#9a6700}"
    ".v.flat{color:var(--pass)}.v.unknown{color:var(--muted)}\n"
    ".v.held{color:var(--ink)}.v.rate{color:var(--muted)}.v.bad{color:var(--fail)}\n"
    ".cls{font-size:12px;font-weight:600;padding:1px 8px;border-radius:6px;background:#ddf4ff;"
    "color:#0550ae;white-space:nowrap}\n"
    ".chips{display:flex;flex-wrap:wrap;gap:0 14px}\n"
    ".chip{white-space:nowrap}.chip .k{color:var(--muted)}\n"
    ".desc{margin:6px 0 0}\n"
    ".meta{display:flex;flex-wrap:wrap;gap:2px 18px;color:var(--muted);font-size:12.5px;"
    "margin:8px 0 0}\n"
    ".meta b{color:var(--ink);font-weight:600}\n"
    ".reason{white-space:pre-wrap;background:var(--fail-bg);border-left:3px solid var(--fail);"
    "padding:8px 12px;margin:12px 0 0;border-radius:4px;"
    "font:12.5px/1.45 ui-monospace,'DejaVu Sans Mono',monospace}\n"
    "ul.reason{padding-left:30px}ul.reason li{margin:1px 0}\n"
    "td.site{font-size:12px;min-width:220px;max-width:420px}.scroll{overflow-x:auto}\n"
    ".zero{margin:8px 0 0;font-size:12.5px;color:var(--muted)}\n"
    ".why{margin:10px 0 0;font-size:13px}\n"
    ".ok{color:var(--pass);font-weight:700}.bad{color:var(--fail);font-weight:700}"
    ".skip{color:var(--muted);font-weight:700}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:12px}\n"
    "figure{margin:0;border:1px solid #e6e9ed;border-radius:8px;padding:8px 8px 2px}\n"
    "figcaption{display:flex;justify-content:space-between;gap:8px;font-size:12.5px;"
    "padding:0 4px 2px}\n"
    "figcaption .m{font-weight:650}figcaption .u{color:var(--muted);font-weight:400}\n"
    "svg.chart{display:block;width:100%;height:auto}\n"
    ".c-bg{fill:#fbfcfd}.c-warmup{fill:#e9edf2}\n"
    ".c-grid{stroke:#e6e9ed;stroke-width:1}\n"
    ".c-axis{stroke:#8c959f;stroke-width:1;fill:none}\n"
    ".c-sep{stroke:#d1d9e0;stroke-dasharray:2 3}\n"
    ".c-tick{font-size:10.5px;fill:#59636e}\n"
    ".c-note{font-size:10px;fill:#6e7781;font-style:italic}\n"
    ".c-empty{font-size:13px;fill:#8c959f}\n"
    ".c-line{fill:none;stroke:#0969da;stroke-width:1.4;stroke-linejoin:round}\n"
    ".c-dot{fill:#0969da}\n"
    ".c-fit{stroke:#bf3989;stroke-width:4;stroke-opacity:.45;stroke-linecap:round}\n"
    ".c-limit{stroke:#cf222e;stroke-width:1.3;stroke-dasharray:5 4;fill:none}\n"
    ".c-limit-label{font-size:10px;fill:#cf222e;paint-order:stroke;stroke:#fff;"
    "stroke-width:3px;stroke-linejoin:round}\n"
    ".c-after{fill:#8250df}.c-limit-mark{fill:#cf222e}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:2px 18px;font-size:12px;color:var(--muted);"
    "margin:0 0 8px}\n"
    ".legend svg{vertical-align:-2px;margin-right:5px}\n"
    "code,.mono{font:12px/1.45 ui-monospace,'DejaVu Sans Mono',monospace}\n"
    "ul.warn{margin:0;padding:8px 12px 8px 30px;background:var(--warn-bg);color:var(--warn);"
    "border-radius:6px}\n"
    "a{color:var(--blue);text-decoration:none}a:hover{text-decoration:underline}\n"
    "footer{color:var(--muted);font-size:12px;padding:4px 0 32px}\n";

static void tile(FILE *out, const char *cls, size_t n, const char *label)
{
    fprintf(out, "<div class=\"tile %s%s\"><b>%zu</b><span>%s</span></div>", cls,
            n ? "" : " zero", n, label);
}

static void header(FILE *out, const drip_run_results *run)
{
    drip_run_counts c = drip_run_results_count(run);
    fputs("<header class=\"top\" id=\"top\"><div class=\"wrap\"><h1>Drip report<small>", out);
    drip__html_escapef(out, "drip %s", run->drip_version ? run->drip_version : "?");
    fputs("</small></h1><div class=\"sub\"><span>started <b>", out);
    drip__html_escape(out, run->started_at ? run->started_at : "?", false);
    fputs("</b></span><span>took <b>", out);
    drip__html_duration(out, run->duration_s);
    fputs("</b></span><span>seed <b>", out);
    if (run->seed_set)
        fprintf(out, "%llu", (unsigned long long)run->seed);
    else
        fputs("per scenario", out);
    fputs("</b></span></div><div class=\"tiles\">", out);
    tile(out, "total", run->count, run->count == 1 ? "scenario" : "scenarios");
    tile(out, "pass", c.pass, "passed");
    tile(out, "fail", c.fail, "failed");
    tile(out, "error", c.error, c.error == 1 ? "error" : "errors");
    fputs("</div></div></header>\n", out);
}

/* The metrics worth a glance, as the terminal picks them: every metric an
 * expectation names, and any gauge that grew. */
static void key_slopes(FILE *out, const drip_result *r)
{
    fputs("<div class=\"chips\">", out);
    for (int m = 0; m < drip_result_nmetrics(r); m++) {
        const drip_metric_result *mr = &r->metrics[m];
        if (!drip_result_metric_shown(r, m))
            continue;
        fprintf(out, "<span class=\"chip\"><span class=\"k\">%s</span> ",
                drip_result_metric_info(r, m)->name);
        if (mr->measured) {
            drip__html_slope(out, drip_result_metric_info(r, m), mr->fit.all.slope);
            fputc(' ', out);
            drip__html_metric_verdict(out, r, m);
        } else {
            fputs("not measured", out);
        }
        fputs("</span>", out);
    }
    fputs("</div>", out);
}

/* The first line of s, escaped. */
static void first_line(FILE *out, const char *s)
{
    char *line = xstrndup(s ? s : "", strcspn(s ? s : "", "\r\n"));
    drip__html_escape(out, line, false);
    free(line);
}

static void summary_row(FILE *out, const drip_result *r, size_t i)
{
    fputs("<tr><td>", out);
    drip__html_status(out, r->status);
    fprintf(out, "</td><td class=\"name\"><a href=\"#s%zu\">", i);
    drip__html_escape(out, r->name ? r->name : "?", false);
    fputs("</a></td><td>", out);
    if (r->status == DRIP_STATUS_ERROR)
        first_line(out, r->reason ? r->reason : "error");
    else if (r->sweep.ran)
        fprintf(out, "failure sweep: %zu finding%s", r->sweep.nfindings,
                r->sweep.nfindings == 1 ? "" : "s");
    else
        key_slopes(out, r);
    fputs("</td><td>", out);
    const char *cls = drip_class_name(r->leak_class);
    if (cls)
        fprintf(out, "<span class=\"cls\">%s</span>", cls);
    if (r->sweep.ran)                   /* trials, not iterations */
        fputs("</td><td class=\"n\">\xE2\x80\x93</td><td class=\"n\">", out);
    else
        fprintf(out, "</td><td class=\"n\">%llu</td><td class=\"n\">",
                (unsigned long long)r->iterations);
    drip__html_duration(out, r->duration_s);
    fputs("</td><td class=\"n\">", out);
    drip__html_speed(out, r, true);
    fputs("</td><td class=\"site\">", out);
    drip__html_top_site(out, r);
    fputs("</td></tr>\n", out);
}

static void summary(FILE *out, const drip_run_results *run)
{
    fputs("<section class=\"card\"><h3 class=\"first\">Scenarios</h3><div class=\"scroll\">"
          "<table class=\"summary full\"><thead><tr><th>status</th><th>scenario</th>"
          "<th>slopes per iteration</th><th>class</th><th class=\"n\">iterations</th>"
          "<th class=\"n\">time</th><th class=\"n\">ns/iter, per second</th>"
          "<th>where it grows</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < run->count; i++)
        summary_row(out, &run->scenarios[i], i);
    if (!run->count)
        fputs("<tr><td colspan=\"8\">no scenario ran</td></tr>", out);
    fputs("</tbody></table></div></section>\n", out);
}

int drip_report_html(const drip_run_results *run, FILE *out)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
          "<title>", out);
    drip_run_counts c = drip_run_results_count(run);
    drip__html_escapef(out, "Drip report %s: %zu passed, %zu failed, %zu error%s",
                       run->started_at ? run->started_at : "", c.pass, c.fail, c.error,
                       c.error == 1 ? "" : "s");
    fprintf(out, "</title><style>\n%s</style></head>\n<body>\n", css);
    header(out, run);
    fputs("<main class=\"wrap\">\n", out);
    if (run->nmissing_shards) {             /* a merge without every shard */
        char missing[256];
        fprintf(out, "<div class=\"banner\">Incomplete: %s; this report covers %u of %u "
                "shards.</div>\n", drip_run_results_missing(run, missing, sizeof missing),
                run->missing_of - (unsigned)run->nmissing_shards, run->missing_of);
    } else if (!run->complete) {
        fputs("<div class=\"banner\">Run interrupted: ", out);
        if (run->planned > run->count)
            fprintf(out, "this report covers %zu of %zu scenarios.", run->count, run->planned);
        else
            fprintf(out, "this report covers only the %zu scenario%s that finished.",
                    run->count, run->count == 1 ? "" : "s");
        fputs("</div>\n", out);
    }
    summary(out, run);
    for (size_t i = 0; i < run->count; i++)
        drip__html_scenario(out, &run->scenarios[i], i);
    fputs("</main>\n<footer class=\"wrap\">Written by drip. Slopes are Theil&#8211;Sen fits "
          "over the samples after warm-up, with 99.9% confidence intervals; every number here "
          "is also in results.json, the samples in the CSV files beside this page.</footer>\n"
          "</body></html>\n", out);
    return ferror(out) ? -1 : 0;
}
