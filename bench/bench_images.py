"""Test images shared by the data benchmarks (ingest_bench.py,
replication_bench.py): every image is made from a seeded pseudo-random stream, so each run of a
benchmark measures the same bytes.
"""
import subprocess

MIB = 1 << 20
BLOCK = 4096


class RandomBytes:
    """A fast, seeded stream of pseudo-random bytes (AES-CTR of zeros by openssl)."""

    def __init__(self, seed):
        self.proc = subprocess.Popen(
            ["openssl", "enc", "-aes-128-ctr", "-nosalt", "-pbkdf2", "-pass", f"pass:{seed}",
             "-in", "/dev/zero"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read(self, n):
        data = self.proc.stdout.read(n)
        assert len(data) == n, "openssl stopped"
        return data

    def close(self):
        self.proc.kill()
        self.proc.wait()


def make_raw(path, size_mib, pieces):
    """A sparse raw image of size_mib with the given (offset, bytes) pieces written."""
    with open(path, "wb") as f:
        f.truncate(size_mib * MIB)
        for offset, data in pieces:
            f.seek(offset)
            f.write(data)


def random_pieces(rng, data, size_mib, fraction, piece):
    """`fraction` of the image's `piece`-aligned pieces, chosen at random, filled from `data`."""
    count = size_mib * MIB // piece
    chosen = sorted(rng.sample(range(count), int(count * fraction)))
    for i in chosen:
        yield i * piece, data.read(piece)


def rewrite_blocks(path, size_mib, rng, data, fraction):
    """Rewrites `fraction` of the 4 KiB blocks of `path` in runs of 1..64 blocks at random
    positions (how package updates rewrite an OS disk); returns how many blocks changed."""
    blocks = size_mib * MIB // BLOCK
    target, changed = int(blocks * fraction), set()
    with open(path, "r+b") as f:
        while len(changed) < target:
            run_len = rng.randint(1, 64)
            start = rng.randrange(blocks - run_len)
            f.seek(start * BLOCK)
            f.write(data.read(run_len * BLOCK))
            changed.update(range(start, start + run_len))
    return len(changed)
