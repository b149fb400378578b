#!/usr/bin/env python3
"""The replication benchmark of galleryd (part of make bench).

usage: replication_bench.py BUILD_DIR OUT_MD

Images (made once, in TMPDIR): `v1`, a sparse raw image of SIZE_MIB (default 2048) with 25% random
data in 256 KiB pieces at random 256 KiB-aligned positions (the generator of the ingest
benchmark's dynamic VHD); `v2`, v1 with 2% of its 4 KiB blocks rewritten in runs of 1 to 64
blocks (the ingest benchmark's dedup case).

Each run starts a fresh galleryd whose configuration gives the source region eastus2 and the
targets westus2 and westeurope two stores each, and southeastasia one store; every link is
unlimited except eastus2 <-> southeastasia (LINK_MBPS MB/s, LINK_LATENCY_MS ms). Not timed:
`gallery disk upload --format raw` of v1 and v2 and a managed image of each disk. Then:
  cp    `cp --sparse=always` of v1 into 6 folders of the same file system, then `sync`;
  (a)   version 1.0.0 of image v1 to eastus2, westus2, westeurope with 2 replicas each (one per
        store: 6 physical copies), from the PUT until the version is Succeeded, with galleryd's
        CPU seconds and peak RSS meanwhile;
  (b)   version 1.0.1 of image v2, same profile: time, and the chunks each store gained;
  (c)   version 1.0.2 of image v1 to eastus2 and southeastasia, one replica each: time against
        the link model's prediction for the chunks southeastasia's store gained
        (ceil(chunks / 32) requests * latency + bytes / bandwidth).
Medians of RUNS runs (fewer when BUDGET_SECONDS have passed; the report says how many).
Replaces the "## Replication" section of OUT_MD (appends one when there is none). Needs about
(8 + 7 * RUNS) times SIZE_MIB / 4 of free space in TMPDIR (every run's stores are kept until the
end).

Environment: BENCH_REPL_MIB, BENCH_REPL_RUNS, BENCH_REPL_BUDGET_SECONDS (default 1200),
BENCH_REPL_LINK_MBPS (100), BENCH_REPL_LATENCY_MS (30), BENCH_CHUNK_KIB (galleryd's
disks.chunkSize in KiB; default: galleryd's own default).
"""
import datetime
import hashlib
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_galleryd import TICK, Galleryd, proc_status_kb, run
from bench_images import MIB, RandomBytes, make_raw, random_pieces, rewrite_blocks
from setup_data import Client

BUILD, OUT = sys.argv[1], sys.argv[2]
BENCH = os.path.dirname(os.path.abspath(__file__))
SIZE_MIB = int(os.environ.get("BENCH_REPL_MIB", "2048"))
RUNS = int(os.environ.get("BENCH_REPL_RUNS", "3"))
BUDGET_SECONDS = float(os.environ.get("BENCH_REPL_BUDGET_SECONDS", "1200"))
LINK_MBPS = float(os.environ.get("BENCH_REPL_LINK_MBPS", "100"))
LINK_LATENCY_MS = int(os.environ.get("BENCH_REPL_LATENCY_MS", "30"))
CHUNK_KIB = int(os.environ.get("BENCH_CHUNK_KIB", "0"))  # 0: galleryd's default
API = "2022-03-03"

SOURCE = "eastus2"
TARGETS = ["eastus2", "westus2", "westeurope"]  # 2 stores each
LINKED = "southeastasia"  # 1 store, behind the modelled link from SOURCE
REPLICAS = 2
REQUEST_BYTES = 4 << 20  # replication request_bytes (src/replication/replicator.h)
POLL_SECONDS = 0.01  # a coarser poll adds up to its interval to every time, most to the short (b)
SETTLE_SECONDS = 35

TARGET_RATIO = 1.0  # (a): replication time / cp + sync time
TARGET_DELTA_PERCENT = 5.0  # (b): bytes added to a store, % of the logical size
TARGET_DELTA_TIME = 0.10  # (b): time, share of (a)
TARGET_MODEL_ERROR = 0.10  # (c): |measured / predicted - 1|


def log(msg):
    print(f"replication-bench: {msg}", flush=True)


def store_names():
    names = []
    for region in TARGETS:
        names += [region, f"{region}-2"]
    return names + [LINKED]


def write_config(path, stores_root):
    def region(name, display, galleries, stores):
        return {"name": name, "displayName": display, "galleries": galleries,
                "replication": True,
                "stores": [{"name": s, "path": os.path.join(stores_root, s)} for s in stores]}
    config = {
        "regions": [
            region("eastus2", "East US 2", True, ["eastus2", "eastus2-2"]),
            region("westus2", "West US 2", False, ["westus2", "westus2-2"]),
            region("westeurope", "West Europe", True, ["westeurope", "westeurope-2"]),
            region(LINKED, "Southeast Asia", True, [LINKED]),
        ],
        "links": {"pairs": [{"from": SOURCE, "to": LINKED, "bandwidthMBps": LINK_MBPS,
                             "latencyMs": LINK_LATENCY_MS}]},
    }
    if CHUNK_KIB:
        config["disks"] = {"chunkSize": CHUNK_KIB << 10}
    with open(path, "w") as f:
        json.dump(config, f, indent=1)


def stored_chunks(store):
    """Digest (hex) -> (content bytes, bytes it takes on disk) of the chunks of a store folder,
    either format: a PackChunkStore's ({root}/packs) read from its pack logs, a FileChunkStore's
    from its chunk files ({root}/chunks/xx/digest)."""
    if os.path.isdir(os.path.join(store, "packs")):
        return pack_chunks(store)
    chunks, root = {}, os.path.join(store, "chunks")
    if os.path.isdir(root):
        for fan in os.scandir(root):
            for f in os.scandir(fan.path):
                chunks[f.name] = (content_length(f.path), os.stat(f.path).st_size)
    return chunks


def content_length(path):
    """A chunk file's content length (file_chunk_store.h): a raw chunk's file is its content
    alone; a compressed one (or a raw one of an earlier version) starts with a 16-byte header,
    b"GCHK", format version 1, the encoding, and at bytes 8..15 the content length (little
    endian). Raw content that merely starts like a header has the file's size."""
    size = os.stat(path).st_size
    with open(path, "rb") as f:
        header = f.read(16)
    if len(header) == 16 and header[:5] == b"GCHK\x01":
        length = int.from_bytes(header[8:16], "little")
        if header[5] == 1 or (header[5] == 0 and size == 16 + length):  # zstd, or raw
            return length
    return size


PACK_ENTRY_BYTES = 80
PACK_ALIGN = 4096
PACK_MAX_CONTENT = 64 << 20


def pack_log_entries(path):
    """The entries of a pack log up to the first torn or damaged one (pack_chunk_store.cc): 80
    bytes, little endian: digest (32), kind (b"C" committed, b"X" removed, b"S", b"H"),
    encoding (0 raw, 1 zstd, 2 without its zero segments), holes (u16, the segments left out:
    non-zero exactly for encoding 2), pack id (u32), offset (u64), stored length (u32), content
    length (u32), time in ms (i64), 12 reserved, then the first 4 bytes of the SHA-256 of the 76
    bytes before them. Yields (digest hex, kind, offset, stored, content, time_ms)."""
    with open(path, "rb") as f:
        data = f.read()
    for at in range(0, len(data) - PACK_ENTRY_BYTES + 1, PACK_ENTRY_BYTES):
        e = data[at:at + PACK_ENTRY_BYTES]
        if hashlib.sha256(e[:76]).digest()[:4] != e[76:]:
            return
        kind, encoding, holes = e[32:33], e[33], int.from_bytes(e[34:36], "little")
        offset = int.from_bytes(e[40:48], "little")
        stored = int.from_bytes(e[48:52], "little")
        content = int.from_bytes(e[52:56], "little")
        time_ms = int.from_bytes(e[56:64], "little", signed=True)
        if (kind not in (b"C", b"X", b"S", b"H") or content > PACK_MAX_CONTENT
                or encoding > 2 or (holes != 0) != (encoding == 2) or offset % PACK_ALIGN):
            return
        yield e[:32].hex(), kind, offset, stored, content, time_ms


def pack_chunks(store):
    """stored_chunks of a pack store, replayed as PackChunkStore::Inspect does: in each log,
    the commits not followed by a removal of the same (digest, offset); across logs, the later
    commit wins. A chunk takes its stored length rounded up to 4 KiB in its pack."""
    packs = os.path.join(store, "packs")
    found = {}  # digest -> (time_ms, content, padded stored bytes)
    logs = sorted(n for n in os.listdir(packs) if re.fullmatch(r"\d{8}\.idx", n))
    for name in logs:
        live = {}
        for digest, kind, offset, stored, content, time_ms in pack_log_entries(
                os.path.join(packs, name)):
            if kind == b"C":
                live[(digest, offset)] = (time_ms, content,
                                          -(-stored // PACK_ALIGN) * PACK_ALIGN)
            elif kind == b"X":
                live.pop((digest, offset), None)
        for (digest, _), entry in sorted(live.items()):
            if digest not in found or found[digest][0] <= entry[0]:
                found[digest] = entry
    return {digest: (content, disk) for digest, (_, content, disk) in found.items()}


def added_chunks(before, after):
    """(chunks, content bytes, bytes on disk) in `after` and not in `before` (stored_chunks)."""
    count = content = disk = 0
    for digest, (length, size) in after.items():
        if digest in before:
            continue
        count += 1
        content += length
        disk += size
    return count, content, disk


def machine_ticks():
    """(busy, idle + iowait) clock ticks of the whole machine (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7], v[3] + v[4]


def wait_idle(daemon):
    """Until galleryd used no CPU for 0.25 s (at most 10 s)."""
    for _ in range(40):
        t0 = daemon.ticks()
        time.sleep(0.25)
        if daemon.ticks() - t0 <= 1:
            return


class Run:
    """One galleryd with the two images uploaded; replicates versions of them."""

    def __init__(self, tmp, index, raw_v1, raw_v2):
        self.tmp = tmp
        self.stores_root = os.path.join(tmp, f"stores-{index}")
        config = os.path.join(tmp, f"galleryd-{index}.json")
        write_config(config, self.stores_root)
        self.daemon = Galleryd(BUILD, tmp, f"g-{index}", SOURCE, config)
        try:
            self.set_up(raw_v1, raw_v2)
        except BaseException:
            self.daemon.stop()
            raise

    def set_up(self, raw_v1, raw_v2):
        d = self.daemon
        os.environ["GALLERY_TOKEN"] = subprocess.run(
            [sys.executable, os.path.join(BENCH, "token.py"), d.data, d.endpoint], check=True,
            stdout=subprocess.PIPE, text=True).stdout.strip()
        self.client = Client(d.endpoint, os.path.join(d.data, "tls", "ca.pem"))
        with open(os.path.join(d.data, "bootstrap.json")) as f:
            sub = json.load(f)["subscriptionId"]
        self.definition = (f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Compute/"
                           "galleries/g/images/d")
        d.cli("sig", "create", "-g", "rg", "-r", "g")
        d.cli("sig", "image-definition", "create", "-g", "rg", "-r", "g", "-i", "d",
              "--publisher", "p", "--offer", "o", "--sku", "s", "--os-type", "Linux")
        self.images = {}
        for name, raw in (("v1", raw_v1), ("v2", raw_v2)):
            d.upload(raw, name, "--format", "raw", "--os-type", "Linux")
            disk = json.loads(d.cli("disk", "show", "-g", "rg", "-n", name))
            image = json.loads(d.cli("image", "create", "-g", "rg", "-n", f"img-{name}",
                                     "--source", disk["id"], "--os-type", "Linux"))
            self.images[name] = image["id"]

    def store_path(self, name):
        return os.path.join(self.stores_root, name)

    def replicate(self, version, image, targets):
        """PUTs `version` of `image` with targets [(region, replicas)] and waits until it is
        Succeeded. Returns seconds, galleryd CPU seconds, its peak RSS (MiB) meanwhile, the
        machine's busy share, per-store added chunks, the per-region job times galleryd
        logged (ms) and the failed attempts it logged."""
        d = self.daemon
        wait_idle(d)
        run(["sync"])
        stores = store_names()
        before = {s: stored_chunks(self.store_path(s)) for s in stores}
        log_offset = os.path.getsize(d.log)
        # Resets VmHWM to the current RSS, so the peak is this replication's.
        with open(f"/proc/{d.proc.pid}/clear_refs", "w") as f:
            f.write("5")
        path = f"{self.definition}/versions/{version}?api-version={API}"
        body = {"location": SOURCE, "properties": {
            "publishingProfile": {"targetRegions": [
                {"name": r, "regionalReplicaCount": n} for r, n in targets]},
            "storageProfile": {"source": {"id": image}}}}
        busy0, idle0 = machine_ticks()
        ticks0 = d.ticks()
        t0 = time.monotonic()
        status, doc = self.client.request("PUT", path, body)
        if status not in (200, 201):
            sys.exit(f"PUT {path} -> {status} {doc}")
        while True:
            status, doc = self.client.request("GET", path)
            state = (doc or {}).get("properties", {}).get("provisioningState")
            if status == 200 and state == "Succeeded":
                break
            if status != 200 or state == "Failed":
                _, detail = self.client.request(
                    "GET", path.replace("?", "?$expand=ReplicationStatus&"))
                sys.exit(f"version {version}: {status} {state}: {json.dumps(detail)}")
            time.sleep(POLL_SECONDS)
        seconds = time.monotonic() - t0
        cpu = (d.ticks() - ticks0) / TICK
        busy1, idle1 = machine_ticks()
        rss = proc_status_kb(d.proc.pid, "VmHWM") / 1024
        added = {s: added_chunks(before[s], stored_chunks(self.store_path(s))) for s in stores}
        with open(d.log) as f:
            f.seek(log_offset)
            text = f.read()
        jobs = {m.group(1): int(m.group(2)) for m in re.finditer(
            r"replicated \S+ to (\S+): \d+ replica\(s\) in (\d+) ms", text)}
        failures = [f"{m.group(1)}: {m.group(2)}" for m in re.finditer(
            r"replication of \S+ to (\S+): (.*)", text)]
        busy = (busy1 - busy0) / max(1, (busy1 - busy0) + (idle1 - idle0))
        return {"seconds": seconds, "cpu": cpu, "rss": rss, "machine_busy": busy,
                "added": added, "jobs": jobs, "failures": failures}

    def stop(self):
        self.daemon.stop()


def cp_baseline(raw, tmp, copies):
    """`cp --sparse=always` of `raw` into `copies` folders, then `sync`: seconds."""
    dirs = [os.path.join(tmp, f"cp-{i}") for i in range(copies)]
    for d in dirs:
        os.makedirs(d, exist_ok=True)
    run(["sync"])
    t0 = time.monotonic()
    for d in dirs:
        run(["cp", "--sparse=always", raw, d])
    run(["sync"])
    seconds = time.monotonic() - t0
    for d in dirs:
        shutil.rmtree(d)
    run(["sync"])
    return seconds


def make_images(tmp):
    """v1 and v2 (module docstring); returns their paths, v1's data bytes, and how many
    blocks v2 changed."""
    rng = random.Random(20261128)
    data = RandomBytes(20261128)
    raw_v1, raw_v2 = os.path.join(tmp, "v1.raw"), os.path.join(tmp, "v2.raw")
    make_raw(raw_v1, SIZE_MIB, random_pieces(rng, data, SIZE_MIB, 0.25, 256 << 10))
    run(["cp", "--sparse=always", raw_v1, raw_v2])
    changed = rewrite_blocks(raw_v2, SIZE_MIB, rng, data, 0.02)
    data.close()
    return raw_v1, raw_v2, os.stat(raw_v1).st_blocks * 512, changed


def main():
    for tool in ("openssl", os.path.join(BUILD, "src/apps/galleryd"),
                 os.path.join(BUILD, "src/apps/gallery")):
        if not shutil.which(tool):
            sys.exit(f"replication_bench: {tool} is missing")
    commit = subprocess.run(["git", "-C", BENCH, "rev-parse", "--short", "HEAD"],
                            stdout=subprocess.PIPE, text=True).stdout.strip() or "unknown"
    # This report's own file does not count as a change.
    if subprocess.run(["git", "-C", BENCH, "status", "--porcelain", "--", "..",
                       ":!../docs/benchmarks.md"], stdout=subprocess.PIPE, text=True).stdout:
        commit += ", working tree has uncommitted changes"
    facts = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
             "commit": commit, "load_before": open("/proc/loadavg").read().split()[:3]}
    tmp = tempfile.mkdtemp(prefix="gallery-replication-")
    # On ext4 without a journal (this machine's root), creating a file scans past every inode
    # deleted in the last 30 seconds: right after a section that deleted many thousands of
    # chunk files, galleryd's chunk writes cost several times their usual CPU. Let that pass.
    log(f"waiting {SETTLE_SECONDS} s for the file system to settle")
    time.sleep(SETTLE_SECONDS)
    started = time.monotonic()
    try:
        log(f"making {SIZE_MIB} MiB images in {tmp}")
        raw_v1, raw_v2, data_bytes, changed = make_images(tmp)
        runs = []
        for r in range(RUNS):
            if runs and time.monotonic() - started > BUDGET_SECONDS:
                log(f"stopping after {len(runs)} runs: the budget of {BUDGET_SECONDS:.0f} s "
                    "is spent")
                break
            cp = cp_baseline(raw_v1, tmp, len(TARGETS) * REPLICAS)
            log(f"run {r + 1}: cp --sparse=always x6 + sync {cp:.2f} s; setting up galleryd")
            # The data stays until the end (as in ingest_bench.py): deleting many thousands of
            # chunk files slows the file system down for the next run.
            bench = Run(tmp, r, raw_v1, raw_v2)
            try:
                a = bench.replicate("1.0.0", bench.images["v1"],
                                    [(t, REPLICAS) for t in TARGETS])
                log(f"run {r + 1}: (a) {a['seconds']:.2f} s, {a['cpu']:.2f} cpu-s, "
                    f"peak RSS {a['rss']:.0f} MiB, jobs {a['jobs']}")
                b = bench.replicate("1.0.1", bench.images["v2"],
                                    [(t, REPLICAS) for t in TARGETS])
                log(f"run {r + 1}: (b) {b['seconds']:.2f} s, jobs {b['jobs']}")
                c = bench.replicate("1.0.2", bench.images["v1"], [(SOURCE, 1), (LINKED, 1)])
                log(f"run {r + 1}: (c) {c['seconds']:.2f} s, jobs {c['jobs']}")
            finally:
                bench.stop()
            runs.append({"cp": cp, "a": a, "b": b, "c": c})
        facts["load_after"] = open("/proc/loadavg").read().split()[:3]
        write_report(facts, runs, data_bytes, changed)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def chunks_per_request(chunks, content_bytes):
    """Whole chunks per request: the image's data is in 256 KiB pieces, so every chunk (c)
    copies is full and content / chunks is the chunk size."""
    return max(1, REQUEST_BYTES // max(1, round(content_bytes / max(1, chunks))))


def predicted_seconds(chunks, content_bytes):
    requests = math.ceil(chunks / chunks_per_request(chunks, content_bytes))
    return requests * LINK_LATENCY_MS / 1000 + content_bytes / (LINK_MBPS * 1e6), requests


def failures_note(runs, phase):
    """What galleryd logged of failed replication attempts during `phase` of the runs."""
    counts = [len(r[phase]["failures"]) for r in runs]
    if not any(counts):
        return "galleryd logged no failed replication attempt."
    first = next(f for r in runs for f in r[phase]["failures"])
    return (f"galleryd logged failed replication attempts ({', '.join(map(str, counts))} in the "
            f"{len(runs)} run(s)), retried when the operation runner next started the version's "
            f"work (its lease is 5 s), so each one adds seconds to the time; the first: "
            f"`{first[:240]}`.")


def met(ok):
    return "met" if ok else "NOT met"


def write_report(facts, runs, data_bytes, changed):
    med = statistics.median
    n = len(runs)
    logical = SIZE_MIB * MIB
    copies = len(TARGETS) * REPLICAS
    cp, a_s = med(r["cp"] for r in runs), med(r["a"]["seconds"] for r in runs)
    ratio = a_s / cp
    b_s = med(r["b"]["seconds"] for r in runs)
    # Bytes written to each store by (a) and (b), from the last run (the images are the same
    # in every run, so the chunks are too).
    last = runs[-1]
    stores = store_names()[:-1]
    a_written = sum(last["a"]["added"][s][1] for s in stores)
    a_stores = sum(1 for s in stores if last["a"]["added"][s][0] > 0)
    b_max = max(last["b"]["added"][s][1] for s in stores)
    b_percent = 100.0 * b_max / logical
    c_rows = []
    for r in runs:
        chunks, content, _ = r["c"]["added"][LINKED]
        predicted, requests = predicted_seconds(chunks, content)
        c_rows.append((r["c"]["seconds"], r["c"]["jobs"].get(LINKED, 0) / 1000, predicted,
                       chunks, content, requests))
    c_measured = med(x[0] for x in c_rows)
    c_job = med(x[1] for x in c_rows)
    c_predicted = med(x[2] for x in c_rows)
    c_error = abs(c_measured / c_predicted - 1)
    c_job_error = abs(c_job / c_predicted - 1)
    c_per_request = chunks_per_request(c_rows[-1][3], c_rows[-1][4])
    jobs = {region: med(r["a"]["jobs"].get(region, 0) for r in runs) / 1000 for region in TARGETS}
    lines = [
        "", "## Replication (3 regions × 2 replicas, two stores per region)", "",
        f"Measured on {facts['date']} (commit {facts['commit']}; load averages "
        f"{' '.join(facts['load_before'])} before, {' '.join(facts['load_after'])} after) by "
        "`bench/replication_bench.py` (`make bench`, or `BENCH_ONLY=replication bench/run.sh` "
        f"for this section alone). **Medians of {n} run{'s' if n != 1 else ''}**, a fresh "
        "galleryd per run, every baseline measured in the same run.", "",
        f"The image: {SIZE_MIB} MiB raw, 25% random data in 256 KiB pieces at random positions "
        f"(the generator of the ingest benchmark's dynamic VHD; {data_bytes / MIB:.0f} MiB of "
        "data), uploaded with `gallery disk upload --format raw` and made into a managed image "
        "in East US 2 (not timed). galleryd's configuration gives eastus2, westus2 and "
        "westeurope two stores each (`regions[].stores`, folders on the file system of the "
        "baseline's copies) and southeastasia one; every link is unlimited except eastus2 ↔ "
        f"southeastasia ({LINK_MBPS:g} MB/s, {LINK_LATENCY_MS} ms); replication runs with its "
        "default 4 workers. Times run from the version's PUT until a GET of the version says "
        f"`Succeeded` (polled every {POLL_SECONDS * 1000:.0f} ms).", "",
        "| | baseline | galleryd | ratio | target | galleryd CPU | galleryd peak RSS |",
        "|---|---|---|---|---|---|---|",
        f"| (a) fresh version to 3 regions × {REPLICAS} replicas | {cp:.2f} s "
        f"(`cp --sparse=always` ×{copies} + `sync`) | {a_s:.2f} s | {ratio:.2f} | "
        f"≤ {TARGET_RATIO:g}: {met(ratio <= TARGET_RATIO)} | "
        f"{med(r['a']['cpu'] for r in runs):.2f} s | "
        f"{max(r['a']['rss'] for r in runs):.0f} MiB |",
        f"| (b) next version (2% of blocks changed), same profile | (a): {a_s:.2f} s | "
        f"{b_s:.2f} s | {b_s / a_s:.3f} of (a) | ≤ {TARGET_DELTA_TIME:g}: "
        f"{met(b_s <= TARGET_DELTA_TIME * a_s)} | {med(r['b']['cpu'] for r in runs):.2f} s | "
        f"{max(r['b']['rss'] for r in runs):.0f} MiB |",
        f"| (c) 1 replica over a {LINK_MBPS:g} MB/s, {LINK_LATENCY_MS} ms link | model: "
        f"{c_predicted:.2f} s | {c_measured:.2f} s | {c_measured / c_predicted:.3f} of the "
        f"model | within ±{TARGET_MODEL_ERROR * 100:g}%: {met(c_error <= TARGET_MODEL_ERROR)} | "
        f"{med(r['c']['cpu'] for r in runs):.2f} s | {max(r['c']['rss'] for r in runs):.0f} MiB |",
        "",
        f"**(a)** The baseline copies the raw image {copies} times into {copies} folders of the "
        "same file system and then runs `sync` once: galleryd's copies are durable when the "
        "version says Succeeded (each batch of chunks is flushed before it is committed), so "
        "the baseline includes the flush. Of the six replicas, eastus2's first lives in the "
        "store that already holds the image's chunks (the region's first store, where the "
        f"upload put them), so galleryd wrote {a_written / MIB:.0f} MiB of chunk content into "
        f"{a_stores} stores (the last run's count of stores that gained chunks), where `cp` writes "
        f"{copies} copies. CPU is galleryd's user + system time from the PUT to Succeeded "
        "(`/proc/PID/stat`); peak RSS is VmHWM after resetting it at the PUT "
        "(`/proc/PID/clear_refs`). The machine was "
        f"{100 * med(r['a']['machine_busy'] for r in runs):.0f}% busy (both cores, "
        "everyone's work) during (a). Per region, the job's time as galleryd logs it "
        "(`replicated ... in N ms`): " +
        ", ".join(f"{region} {s:.2f} s" for region, s in jobs.items()) + " (the attempt that "
        "succeeded). " + failures_note(runs, "a"), "",
        f"**(b)** The second image differs from the first in {changed} of "
        f"{SIZE_MIB * MIB // 4096} 4 KiB blocks (2%, runs of 1 to 64 blocks at random "
        "positions), uploaded as a new disk and image. Bytes copied into each store are the "
        "chunks the store gained during the replication (read from its pack logs, or its chunk "
        "files in a one-file-per-chunk store), counted by their content length (what the "
        "replicator copied; on disk a chunk's record leaves out its all-zero 4 KiB segments, "
        "and a compressed one takes less: the table gives both). The source region's first "
        "store gained nothing: the "
        "upload had already put the new chunks there. Largest store: "
        f"**{b_max / MIB:.1f} MiB = {b_percent:.2f}%** of the {SIZE_MIB} MiB logical size "
        f"(target ≤ {TARGET_DELTA_PERCENT:g}%: {met(b_percent <= TARGET_DELTA_PERCENT)}). " +
        failures_note(runs, "b"), "",
        "| store (last run) | (a) chunks | (a) content | (b) chunks | (b) content "
        "| (b) share of logical size | (b) on disk |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in stores:
        ac, ab, _ = last["a"]["added"][s]
        bc, bb, bd = last["b"]["added"][s]
        lines.append(f"| {s} | {ac} | {ab / MIB:.1f} MiB | {bc} | {bb / MIB:.1f} MiB | "
                     f"{100.0 * bb / logical:.2f}% | {bd / MIB:.1f} MiB |")
    lines += [
        "",
        f"**(c)** Version 1.0.2 of the first image to eastus2 and southeastasia, one replica each "
        "(eastus2's is the source store, which has every chunk). The model's prediction for "
        "what southeastasia's store gained: requests × latency + bytes / bandwidth, with "
        f"requests = ⌈chunks / {c_per_request}⌉ (the replicator sends as many whole chunks as "
        f"fit in {REQUEST_BYTES >> 20} MiB per request) and bytes their content. Measured from the "
        f"PUT to Succeeded: |measured / predicted − 1| = **{100 * c_error:.1f}%**; the job "
        f"alone as galleryd logs it ({c_job:.2f} s): {100 * c_job_error:.1f}%.", "",
        "| run | cp ×6 + sync | (a) | ratio | (b) | (c) chunks | (c) bytes | (c) requests "
        "| (c) predicted | (c) measured | (c) job (log) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, (r, c) in enumerate(zip(runs, c_rows)):
        lines.append(
            f"| {i + 1} | {r['cp']:.2f} s | {r['a']['seconds']:.2f} s | "
            f"{r['a']['seconds'] / r['cp']:.2f} | {r['b']['seconds']:.2f} s | {c[3]} | "
            f"{c[4] / 1e6:.1f} MB | {c[5]} | {c[2]:.2f} s | {c[0]:.2f} s | {c[1]:.2f} s |")
    lines.append("")
    section = "\n".join(lines)
    replace_section(OUT, section)
    print(section)


def replace_section(path, section):
    """Puts `section` (starting with "\\n## Replication") in place of the file's replication
    section, or at its end when it has none."""
    text = open(path).read() if os.path.exists(path) else ""
    start = text.find("\n## Replication")
    if start < 0:
        text = text.rstrip("\n") + "\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end:] if end >= 0 else "")
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
