#!/usr/bin/env python3
"""Turns the wrk outputs of one bench/run.sh run into docs/benchmarks.md (on stdout).

usage: report.py FACTS_ENV RUNS_TSV
FACTS_ENV: key=value lines (machine facts, sizes, memory); RUNS_TSV: scenario, connections,
run, the server's CPU ticks during the run, and the wrk output file of each measured run.
Every number printed comes from these files; nothing is typed in.
"""
import csv
import re
import statistics
import sys

TARGET_RPS = 20000
TARGET_P99_MS = 5.0
TARGET_CONNECTIONS = 64

SCENARIOS = {
    "base": "baseline: raw HttpsServer, constant body of one version's size",
    "get": "GET one image version",
    "list": "GET list of 1,000 versions (one page)",
    "base-list": "baseline: raw HttpsServer, constant body of the list's size",
    "put": "PUT image definition (update)",
}
UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"unknown wrk duration {text!r}")
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def parse_wrk(path):
    text = open(path).read()
    out = {"text": text}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if not m:
        raise ValueError(f"{path}: no Requests/sec line in wrk output:\n{text}")
    out["rps"] = float(m.group(1))
    m = re.search(r"^\s*(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", text, re.M)
    out["requests"] = int(m.group(1)) if m else 0
    for pct in ("50", "99"):
        m = re.search(rf"^\s*{pct}(?:\.0+)?%\s+(\S+)", text, re.M)
        out[f"p{pct}"] = to_ms(m.group(1)) if m and out["requests"] else None
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(g) for g in m.groups())
    out["errors"] = errors
    return out


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_num(v, digits=0):
    if v is None:
        return "n/a"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def fmt_rps(v):
    return fmt_num(v, 1) if v is not None and v < 100 else fmt_num(v)


def fmt_ms(v):
    if v is None:
        return "n/a"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ratio(v, base):
    if v is None or base is None or base == 0:
        return "n/a"
    r = v / base
    if r < 0.1:
        return f"{r:.3f}×"
    if r < 10:
        return f"{r:.2f}×"
    return f"{r:.1f}×" if r < 100 else f"{r:,.0f}×"


def main():
    facts = {}
    for line in open(sys.argv[1]):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            facts[k] = v
    clk = int(facts.get("clk_tck", "100"))
    cells = {}  # (scenario, connections) -> list of runs
    for row in csv.DictReader(open(sys.argv[2]), delimiter="\t"):
        run = parse_wrk(row["file"])
        run["run"] = int(row["run"])
        ticks = int(row["cpu_ticks"])
        run["cpu_us"] = ticks * 1e6 / clk / run["requests"] if run["requests"] else None
        cells.setdefault((row["scenario"], int(row["connections"])), []).append(run)
    conns = sorted({c for _, c in cells})

    agg = {}
    for key, runs in cells.items():
        agg[key] = {
            "rps": median([r["rps"] for r in runs]),
            "rps_min": min(r["rps"] for r in runs),
            "rps_max": max(r["rps"] for r in runs),
            "p50": median([r["p50"] for r in runs]),
            "p99": median([r["p99"] for r in runs]),
            "cpu_us": median([r["cpu_us"] for r in runs]),
            "errors": sum(r["errors"] for r in runs),
            "requests": sum(r["requests"] for r in runs),
            "n": len(runs),
            "n_answered": sum(1 for r in runs if r["requests"]),
        }

    partial = set()  # cells where some runs completed no request: (scenario, conns, k, n)

    def table(rows, base_name, title_base):
        lines = [
            f"| scenario | conns | req/s (median; min–max) | ×{title_base} | p50 ms | ×{title_base} "
            f"| p99 ms | ×{title_base} | server CPU µs/req | ×{title_base} | errors |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for name in rows:
            for c in conns:
                a, b = agg.get((name, c)), agg.get((base_name, c))
                if a is None:
                    continue
                b = b or {}
                if a["requests"] == 0:
                    lines.append(
                        f"| {name} | {c} | 0: none completed within {facts['run_seconds']} s "
                        f"(all {a['n']} runs) | — | n/a | — | n/a | — | n/a | — | {a['errors']} |")
                    continue
                mark = ""
                if a["n_answered"] < a["n"]:
                    mark = " †"
                    partial.add((name, c, a["n_answered"], a["n"]))
                lines.append(
                    f"| {name} | {c} | {fmt_rps(a['rps'])} ({fmt_rps(a['rps_min'])}–"
                    f"{fmt_rps(a['rps_max'])}) | {ratio(a['rps'], b.get('rps'))} "
                    f"| {fmt_ms(a['p50'])}{mark} | {ratio(a['p50'], b.get('p50'))} "
                    f"| {fmt_ms(a['p99'])}{mark} | {ratio(a['p99'], b.get('p99'))} "
                    f"| {fmt_num(a['cpu_us'])}{mark} | {ratio(a['cpu_us'], b.get('cpu_us'))} "
                    f"| {a['errors']} |")
        return "\n".join(lines)

    out = []
    w = out.append
    w("# galleryd API load benchmark")
    w("")
    w(f"Written by `make bench` (`bench/run.sh`) on {facts['date']}; every number below comes "
      "from that run. Do not edit by hand: run `make bench` again.")
    w("")
    w("## How to read this")
    w("")
    w(f"[wrk](https://github.com/wg/wrk) drives each server over keep-alive HTTPS (TLS, one "
      f"handshake per connection, then requests back to back) at {', '.join(map(str, conns))} "
      f"connections, with `-t min(C,2) -c C -d {facts['run_seconds']}s --latency --timeout "
      f"{facts['wrk_timeout']}`. Each cell is the median of {facts['runs']} runs of "
      f"{facts['run_seconds']} s, measured after a {facts['warmup_seconds']} s warm-up; for "
      "req/s the spread of the runs is given too. **×base** is the figure divided by the "
      "baseline's at the same connection count: the baseline (`bench/https_baseline.cc`) is the "
      "same `HttpsServer` class galleryd uses, with a handler that returns a constant JSON body "
      f"of the size of scenario 1's response ({facts['get_bytes']} bytes), so the ratios isolate "
      "what the ARM layer, the service layer and SQLite add to TLS, HTTP parsing and sockets. "
      "For req/s lower than 1× is slower; for latency and CPU higher than 1× is slower. "
      "*Server CPU µs/req* is the server process's user+system CPU time (from `/proc/PID/stat`, "
      f"{1000 // clk} ms resolution) during the run divided by the requests wrk completed: it "
      "does not depend on how busy the machine was, unlike req/s and latency (it does count "
      "work on requests still unanswered when wrk stopped, which overstates it where only a "
      "few long requests complete per run, as for the list at many connections). wrk runs on the "
      f"same {facts['nproc']}-core machine as the server and takes part of the CPU, so req/s are "
      "lower than a remote client would see, for galleryd and baseline alike. The machine is "
      "shared with other work (see the load averages): compare ratios more than absolute "
      "figures, and distrust small differences. *errors* counts non-2xx answers and socket "
      "errors (timeouts included) over all runs of a cell; it should be 0.")
    w("")
    w("Scenarios (all on one galleryd with 1,000 image versions of one definition):")
    w("")
    w("1. **get**: `GET .../galleries/g/images/d/versions/1.0.0?api-version=2022-03-03` "
      f"({facts['get_bytes']}-byte response).")
    w(f"2. **list**: `GET .../galleries/g/images/d/versions?api-version=2022-03-03`. galleryd is "
      "started with a configuration file setting `{\"limits\": {\"listPageSize\": 1000}}` "
      "(default 100), so one response carries all 1,000 versions "
      f"({facts['list_bytes']} bytes); checked before measuring (1,000 items, no `nextLink`). "
      "**base-list** is the baseline server with a constant body of that size, to separate the "
      "cost of building the list from the cost of moving its bytes through TLS.")
    w("3. **put**: `PUT .../galleries/g/images/d?api-version=2021-10-01`, the same body each "
      "time (an update, answered 200). Each PUT writes the definition and a durable operation "
      "record in one SQLite transaction (WAL, `synchronous=FULL`), and the operation runner "
      "writes again to complete it, so it is bound by fsync. Its CPU/req includes the runner's "
      "work after wrk stops, until galleryd is idle.")
    w("")
    w("The runs are interleaved: for each connection count, every scenario is warmed up, then "
      "run 1 of each scenario, run 2 of each, and so on, with each server back to idle before "
      "the next run; noise from other users of the machine thus falls on galleryd and the "
      "baseline alike.")
    w("")

    g = agg.get(("get", TARGET_CONNECTIONS))
    if g:
        met = (g["rps"] >= TARGET_RPS and g["p99"] is not None and g["p99"] < TARGET_P99_MS
               and g["errors"] == 0)
        b = agg.get(("base", TARGET_CONNECTIONS), {})
        w("## Product target")
        w("")
        w(f"Target: at least {TARGET_RPS:,} GET/s with p99 below {TARGET_P99_MS:g} ms at "
          f"{TARGET_CONNECTIONS} connections on this {facts['nproc']}-core machine. "
          f"Measured: **{fmt_num(g['rps'])} GET/s, p99 {fmt_ms(g['p99'])} ms: target "
          f"{'met' if met else 'NOT met'}** "
          f"({ratio(g['rps'], TARGET_RPS)} of the target rate). The raw HTTPS baseline reaches "
          f"{fmt_num(b.get('rps'))} req/s with p99 {fmt_ms(b.get('p99'))} ms at the same "
          "connection count and on the same machine.")
        if g["cpu_us"]:
            ncpu = int(facts["nproc"])
            w("")
            w(f"Load-independent view: galleryd spent {fmt_num(g['cpu_us'])} µs of CPU per GET at "
              f"{TARGET_CONNECTIONS} connections, so even with all {ncpu} cores to itself (no "
              f"client, no other work) it could serve at most about "
              f"{fmt_num(ncpu * 1e6 / g['cpu_us'])} GET/s; the target needs at most "
              f"{fmt_num(ncpu * 1e6 / TARGET_RPS)} µs per GET of server CPU on {ncpu} cores (the "
              f"baseline spends {fmt_num(b.get('cpu_us'))} µs).")
        w("")

    w("## Results")
    w("")
    w(table(["base", "get", "list", "put"], "base", "base"))
    w("")
    w("The list against a baseline of the same body size (`base-list`):")
    w("")
    w(table(["base-list", "list"], "base-list", "base-list"))
    w("")

    def mib(kb):
        return f"{int(kb) / 1024:.1f} MiB" if kb and kb.isdigit() else "n/a"

    if partial:
        cells_text = "; ".join(f"{n} at {c} connections: {k} of {total} runs"
                               for n, c, k, total in sorted(partial))
        w(f"† Latency and CPU medians over only the runs that completed at least one request "
          f"({cells_text}); the other runs completed none within {facts['run_seconds']} s and "
          "count as 0 req/s.")
        w("")
    if any(a["requests"] == 0 for a in agg.values()):
        w(f"*none completed*: wrk counts a request only when its response has fully arrived; in "
          f"the cells marked *none completed* not one of the C concurrent requests finished within a "
          f"{facts['run_seconds']} s run (the server interleaves all C responses, so they all "
          "finish late; see the latencies at fewer connections).")
        w("")

    def share(key):
        ticks = {k: int(facts.get(f"measure_{k}_ticks", "0") or 0)
                 for k in ("busy", "idle", "steal", "servers", "clients")}
        total = ticks["busy"] + ticks["idle"] + ticks["steal"]
        if total <= 0:
            return None
        others = max(0, ticks["busy"] - ticks["servers"] - ticks["clients"])
        value = others if key == "others" else ticks[key]
        return 100.0 * value / total

    if share("idle") is not None:
        w("## How busy the machine was")
        w("")
        w(f"Over the whole measurement phase, the machine's {facts['nproc']} CPUs were: "
          f"{share('servers'):.0f}% used by the servers measured (galleryd and the two "
          f"baselines), {share('clients'):.0f}% by wrk and this script, "
          f"**{share('others'):.0f}% by other processes** (other users of the machine), "
          f"{share('idle'):.0f}% idle and {share('steal'):.0f}% stolen by the hypervisor "
          f"(from `/proc/stat`). Load average before the run: {facts['load_before']}; "
          f"after: {facts.get('load_after', 'n/a')}. The more other processes took, the lower "
          "req/s and the higher latencies are for every server alike; CPU µs/req is the figure "
          "least affected.")
        w("")

    w("## Memory")
    w("")
    w(f"- galleryd peak RSS (VmHWM) over the whole run: **{mib(facts.get('galleryd_hwm_kb'))}** "
      f"(RSS after creating the data, before load: {mib(facts.get('galleryd_rss_after_setup_kb'))}; "
      f"{facts.get('galleryd_threads', 'n/a')} threads at the end).")
    w(f"- https_baseline peak RSS: {mib(facts.get('baseline_hwm_kb'))} (small body), "
      f"{mib(facts.get('baseline_list_hwm_kb'))} (list-sized body).")
    w(f"- galleryd data directory at the end: {mib(facts.get('galleryd_db_kb'))}.")
    w("")
    w("## Machine and software")
    w("")
    w("| | |")
    w("|---|---|")
    w(f"| date | {facts['date']} |")
    w(f"| CPU | {facts['cpu']} ({facts['nproc']} cores as seen by `nproc`) |")
    w(f"| memory | {facts['mem']} |")
    w(f"| kernel | {facts['kernel']} |")
    w(f"| load average (1/5/15 min) before the run | {facts['load_before']} |")
    w(f"| load average after the run | {facts.get('load_after', 'n/a')} |")
    w(f"| git commit | {facts['commit']} |")
    w(f"| galleryd | project version {facts['project_version']} (no `--version` flag), "
      f"{facts['build_type'] or 'unknown'} build of {facts['galleryd_built']}, "
      f"sha256 {facts['galleryd_sha']}…, default I/O threads (four per core) |")
    w(f"| wrk | {facts['wrk']} |")
    w("")
    w("<details><summary>Raw wrk output of every measured run</summary>")
    w("")
    w("```")
    for (name, c), runs in sorted(cells.items(), key=lambda kv: (kv[0][1], list(SCENARIOS).index(kv[0][0]))):
        for r in sorted(runs, key=lambda r: r["run"]):
            w(f"== {name} c={c} run {r['run']} ({SCENARIOS[name]})")
            for line in r["text"].splitlines():
                if line.startswith("Running ") or not line.strip():
                    continue
                w(line.rstrip())
    w("```")
    w("")
    w("</details>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
