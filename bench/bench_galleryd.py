"""A galleryd the data benchmarks (ingest_bench.py, replication_bench.py) start and drive with
the gallery CLI, and the /proc figures they read of it.
"""
import os
import re
import resource
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def proc_ticks(pid):
    """User + system CPU time of a process, in clock ticks (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def proc_status_kb(pid, field):
    """A kB field of /proc/PID/status (VmRSS, VmHWM); 0 when absent."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Galleryd:
    """galleryd on port 0 with its data in TMP/NAME (and --config CONFIG when given), logged in
    with the gallery CLI (its profile in TMP/NAME-cli) and a resource group rg in REGION."""

    def __init__(self, build, tmp, name, region, config=None):
        self.gallery = os.path.join(build, "src/apps/gallery")
        self.region = region
        self.data = os.path.join(tmp, name)
        self.log = os.path.join(tmp, name + ".out")
        self.out = open(self.log, "w+")
        args = [os.path.join(build, "src/apps/galleryd"), "--data-dir", self.data, "--port", "0"]
        if config:
            args += ["--config", config]
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT)
        for _ in range(300):
            self.out.seek(0)
            text = self.out.read()
            found = re.search(r"listening on (https://\S+)", text)
            if found:
                self.endpoint = found.group(1)
                break
            if self.proc.poll() is not None:
                sys.exit(f"galleryd exited at start:\n{text}")
            time.sleep(0.1)
        else:
            sys.exit("galleryd did not start within 30 s")
        self.env = dict(os.environ, GALLERY_CONFIG_DIR=os.path.join(tmp, name + "-cli"))
        try:
            self.cli("login", "--bootstrap", os.path.join(self.data, "bootstrap.json"))
            self.cli("group", "create", "-n", "rg", "-l", region)
        except BaseException:
            self.stop()
            raise

    def cli(self, *args):
        """Runs `gallery ARGS...`; returns its standard output."""
        return run([self.gallery, *args], env=self.env, stdout=subprocess.PIPE,
                   stderr=subprocess.DEVNULL, text=True).stdout

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def store(self):
        return os.path.join(self.data, "stores", self.region)

    def ticks(self):
        return proc_ticks(self.proc.pid)

    def upload(self, path, name, *extra):
        """`gallery disk upload PATH` as disk NAME; returns (seconds, galleryd cpu s,
        client cpu s)."""
        g0 = self.ticks()
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        self.cli("disk", "upload", path, "-g", "rg", "-n", name, "-l", self.region, *extra)
        seconds = time.monotonic() - t0
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_cpu = (self.ticks() - g0) / TICK
        client_cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
        return seconds, server_cpu, client_cpu
