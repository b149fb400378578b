#!/usr/bin/env python3
"""The image-ingest benchmark of galleryd (part of make bench).

usage: ingest_bench.py BUILD_DIR OUT_MD

In a temporary directory on the same file system as the data directory it makes, with
qemu-img, from raw images of SIZE_MIB (default 2048):
  fixed   a fixed VHD of random data;
  sparse  a dynamic VHD, 25% random data in 256 KiB pieces at random 256 KiB-aligned
          positions, 75% zeros;
  update  the fixed image's raw content with 2% of its 4 KiB blocks rewritten, in runs of 1 to
          64 consecutive blocks at random positions (how package updates rewrite an OS disk).
Then, RUNS times each (medians reported):
  cp      `cp FILE DEST && sync` of the VHD into the data directory's file system (the baseline);
          for the dynamic VHD also of a fully allocated copy of it (qemu-img leaves the zeros
          inside allocated blocks as holes of a sparse file, which cp skips too);
  upload  `gallery disk upload FILE` from start to sealed (client and galleryd on this machine),
          with galleryd's and the client's CPU seconds and galleryd's peak RSS.
Dedup: fixed uploaded once, then update (as a fixed VHD) into the same region store; the bytes
the second upload adds to the store, as a share of its size.
Writes a Markdown section to OUT_MD. Every figure comes from this run. Needs about 8 times
SIZE_MIB of free space in TMPDIR.
"""
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

from bench_galleryd import Galleryd, proc_status_kb, run
from bench_images import MIB, RandomBytes, make_raw, random_pieces, rewrite_blocks

BUILD, OUT = sys.argv[1], sys.argv[2]
SIZE_MIB = int(os.environ.get("BENCH_INGEST_MIB", "2048"))
RUNS = int(os.environ.get("BENCH_INGEST_RUNS", "3"))
GALLERYD = os.path.join(BUILD, "src/apps/galleryd")
GALLERY = os.path.join(BUILD, "src/apps/gallery")
REGION = "westus"

TARGET_FIXED_RATIO = 0.5  # ingest rate of random data vs cp + sync
TARGET_SPARSE_RATIO = 2.0  # mostly-zero VHD: this much faster than cp + sync
TARGET_RSS_MIB = 512
TARGET_DEDUP_PERCENT = 5.0


def log(msg):
    print(f"ingest-bench: {msg}", flush=True)


def to_vhd(raw, vhd, subformat):
    run(["qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
         f"subformat={subformat},force_size=on", raw, vhd])


def du_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def du_bytes_file(path):
    return os.lstat(path).st_blocks * 512


def cp_sync(src, dest_dir):
    dest = os.path.join(dest_dir, "copy.vhd")
    run(["sync"])
    t0 = time.monotonic()
    run(["cp", src, dest])
    run(["sync"])
    seconds = time.monotonic() - t0
    os.unlink(dest)
    run(["sync"])
    return seconds


def main():
    for tool in ("qemu-img", "openssl", GALLERYD, GALLERY):
        if not shutil.which(tool):
            sys.exit(f"ingest_bench: {tool} is missing")
    tmp = tempfile.mkdtemp(prefix="gallery-ingest-")
    try:
        rng = random.Random(20261127)
        data = RandomBytes(20261127)
        log(f"making {SIZE_MIB} MiB images in {tmp}")
        raw_fixed = os.path.join(tmp, "fixed.raw")
        make_raw(raw_fixed, SIZE_MIB,
                 ((o, data.read(64 * MIB)) for o in range(0, SIZE_MIB * MIB, 64 * MIB)))
        raw_sparse = os.path.join(tmp, "sparse.raw")
        make_raw(raw_sparse, SIZE_MIB, random_pieces(rng, data, SIZE_MIB, 0.25, 256 << 10))
        images = {"fixed": os.path.join(tmp, "fixed.vhd"), "sparse": os.path.join(tmp, "sparse.vhd")}
        to_vhd(raw_fixed, images["fixed"], "fixed")
        to_vhd(raw_sparse, images["sparse"], "dynamic")
        os.unlink(raw_sparse)
        # The same VHD as a download or a copy by a tool that keeps no holes leaves it.
        allocated = os.path.join(tmp, "sparse-allocated.vhd")
        run(["cp", "--sparse=never", images["sparse"], allocated])
        changed = rewrite_blocks(raw_fixed, SIZE_MIB, rng, data, 0.02)
        data.close()
        update_vhd = os.path.join(tmp, "update.vhd")
        to_vhd(raw_fixed, update_vhd, "fixed")
        os.unlink(raw_fixed)

        rows = {}
        for kind, path in images.items():
            cp_times, up_times, server_cpu, client_cpu, rss = [], [], [], [], []
            full_cp_times = []
            for r in range(RUNS):
                cp_times.append(cp_sync(path, tmp))
                if kind == "sparse":
                    full_cp_times.append(cp_sync(allocated, tmp))
                daemon = Galleryd(BUILD, tmp, f"g-{kind}-{r}", REGION)
                try:
                    s, scpu, ccpu = daemon.upload(path, f"d{r}")
                    rss.append(proc_status_kb(daemon.proc.pid, "VmHWM") / 1024)
                finally:
                    # The data stays until the end: deleting thousands of chunk files makes ext4
                    # (without a journal) slow to create files for the next half minute, which
                    # would charge one run's cleanup to the next run.
                    daemon.stop()
                up_times.append(s)
                server_cpu.append(scpu)
                client_cpu.append(ccpu)
                log(f"{kind} run {r + 1}: cp+sync {cp_times[-1]:.2f} s, upload {s:.2f} s, "
                    f"galleryd {scpu:.2f} cpu-s, client {ccpu:.2f} cpu-s, peak RSS {rss[-1]:.0f} MiB")
            rows[kind] = {
                "file_mib": os.path.getsize(path) / MIB,
                "file_allocated_mib": du_bytes_file(path) / MIB,
                "full_cp": statistics.median(full_cp_times) if full_cp_times else None,
                "cp": statistics.median(cp_times), "upload": statistics.median(up_times),
                "server_cpu": statistics.median(server_cpu),
                "client_cpu": statistics.median(client_cpu), "rss": max(rss),
            }

        log("dedup: the image, then the same image with 2% of its 4 KiB blocks rewritten")
        daemon = Galleryd(BUILD, tmp, "g-dedup", REGION)
        try:
            daemon.upload(images["fixed"], "base")
            before = du_bytes(daemon.store())
            daemon.upload(update_vhd, "update")
            after = du_bytes(daemon.store())
        finally:
            daemon.stop()
        dedup = {"changed_blocks": changed, "before": before, "after": after,
                 "added_percent": 100.0 * (after - before) / (SIZE_MIB * MIB)}
        write_report(rows, dedup)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_report(rows, dedup):
    gib = SIZE_MIB / 1024
    lines = [
        "", "## Image ingest (`gallery disk upload`, start to sealed)", "",
        f"{SIZE_MIB} MiB virtual disks made by `qemu-img convert -O vpc`; client and galleryd on this "
        f"machine; the baseline is `cp FILE DEST && sync` into the data directory's file system "
        f"in the same run. Medians of {RUNS} runs; a fresh galleryd per run.", "",
        "| image | VHD file | cp + sync | upload | rate vs cp | target | galleryd CPU s/GiB | client CPU s/GiB | galleryd peak RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    targets = {"fixed": TARGET_FIXED_RATIO, "sparse": TARGET_SPARSE_RATIO}
    names = {"fixed": "fixed VHD, random data", "sparse": "dynamic VHD, 25% random / 75% zero"}
    def row(name, file_text, cp, r, target):
        ratio = cp / r["upload"]
        met = "met" if ratio >= target and r["rss"] < TARGET_RSS_MIB else "NOT met"
        lines.append(
            f"| {name} | {file_text} | {cp:.2f} s | {r['upload']:.2f} s | "
            f"{ratio:.2f}x | ≥ {target}x, RSS < {TARGET_RSS_MIB} MiB: {met} | "
            f"{r['server_cpu'] / gib:.2f} | {r['client_cpu'] / gib:.2f} | {r['rss']:.0f} MiB |")

    for kind, r in rows.items():
        if kind != "sparse":
            row(names[kind], f"{r['file_mib']:.0f} MiB", r["cp"], r, targets[kind])
            continue
        row(names[kind] + ", cp of the file as qemu-img wrote it",
            f"{r['file_mib']:.0f} MiB, {r['file_allocated_mib']:.0f} MiB allocated (sparse)",
            r["cp"], r, targets[kind])
        row(names[kind] + ", cp of a fully allocated copy",
            f"{r['file_mib']:.0f} MiB, all allocated", r["full_cp"], r, targets[kind])
    sparse = rows.get("sparse")
    if sparse:
        lines += [
            "", "The dynamic VHD is measured against two baselines. `qemu-img` leaves the zeros "
            "inside the VHD's allocated blocks as holes of a sparse file, and `cp` skips holes: "
            f"it writes only the {sparse['file_allocated_mib']:.0f} MiB allocated, about the "
            "data the upload stores. A VHD that was downloaded, or copied by a tool that keeps "
            "no holes, is fully allocated, and `cp` writes all of it; the upload is the same "
            "for both."]
    d = dedup
    met = "met" if d["added_percent"] <= TARGET_DEDUP_PERCENT else "NOT met"
    lines += [
        "", f"Dedup: the second image differs from the first in {d['changed_blocks']} of "
        f"{SIZE_MIB * MIB // 4096} 4 KiB blocks (2%, runs of 1 to 64 blocks at random positions); "
        f"the store held {d['before'] / MIB:.1f} MiB after the first and "
        f"{d['after'] / MIB:.1f} MiB after the second: it added **{d['added_percent']:.2f}%** "
        f"of the image's size (target ≤ {TARGET_DEDUP_PERCENT}%: {met}).", ""]
    with open(OUT, "a") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
