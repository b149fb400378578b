#!/usr/bin/env python3
"""Creates the data bench/run.sh measures, in a running galleryd, over keep-alive HTTPS.

A resource group rg, a gallery g, an image definition d, a managed image img (from a 20 MiB
fixed VHD of zeros, made by qemu-img and uploaded to the storage-account endpoint) and N image
versions 1.0.0 .. 1.0.(N-1) of d (created in parallel), then waits until every version is
Succeeded and checks that one list request returns all N (listPageSize must be >= N).

usage: setup_data.py ENDPOINT CA_PEM SUBSCRIPTION [VERSIONS] [PARALLEL]
Requests carry "Authorization: Bearer $GALLERY_TOKEN" (an ARM access token).
Prints progress on stderr and nothing on stdout; exits non-zero on any failure.
"""
import http.client
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

API = "2022-03-03"


def die(msg):
    print(f"setup_data: {msg}", file=sys.stderr)
    sys.exit(1)


class Client:
    """One keep-alive HTTPS connection; reconnects once if the server closed it."""

    def __init__(self, endpoint, ca):
        u = urllib.parse.urlsplit(endpoint)
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=ca)
        self.conn = None

    def raw(self, method, path, headers, body):
        """One request with a byte body; returns the status."""
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=30)
        headers = dict(headers, Authorization="Bearer " + os.environ.get("GALLERY_TOKEN", ""))
        conn.request(method, path, body=body, headers=headers)
        res = conn.getresponse()
        res.read()
        conn.close()
        return res.status

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        headers["Authorization"] = "Bearer " + os.environ.get("GALLERY_TOKEN", "")
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                        timeout=30)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                res = self.conn.getresponse()
                text = res.read()
                if res.will_close:
                    self.conn.close()
                    self.conn = None
                return res.status, (json.loads(text) if text else None)
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise


def upload_blank_vhd(client, path):
    """Uploads a 20 MiB fixed VHD of zeros as a page blob at `path`: the blob is created
    with the VHD's size and only its footer is written (the rest reads as zeros)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, vhd = os.path.join(tmp, "blank.raw"), os.path.join(tmp, "blank.vhd")
        with open(raw, "wb") as f:
            f.truncate(20 << 20)
        subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                        "subformat=fixed,force_size=on", raw, vhd], check=True)
        with open(vhd, "rb") as f:
            image = f.read()
    size = len(image)
    for headers, body in (
            ({"x-ms-blob-type": "PageBlob", "x-ms-blob-content-length": str(size)}, b""),
            ({"x-ms-page-write": "update", "x-ms-range": f"bytes={size - 512}-{size - 1}"},
             image[-512:])):
        query = "" if "x-ms-blob-type" in headers else "?comp=page"
        status = client.raw("PUT", path + query, headers, body)
        if status != 201:
            die(f"PUT {path}{query} -> {status}")


def put_ok(client, path, body):
    status, doc = client.request("PUT", path, body)
    if status not in (200, 201, 202):
        die(f"PUT {path} -> {status} {doc}")
    return doc


def wait_succeeded(client, path, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        status, doc = client.request("GET", path)
        state = (doc or {}).get("properties", {}).get("provisioningState")
        if status == 200 and state == "Succeeded":
            return doc
        if status != 200 or state == "Failed" or time.monotonic() > deadline:
            die(f"GET {path} -> {status} provisioningState={state}")
        time.sleep(0.05)


def main():
    if len(sys.argv) < 4:
        die(__doc__)
    endpoint, ca, sub = sys.argv[1], sys.argv[2], sys.argv[3]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    parallel = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    loc = "southcentralus"
    rg = f"/subscriptions/{sub}/resourceGroups/rg"
    gal = f"{rg}/providers/Microsoft.Compute/galleries/g"
    dfn = f"{gal}/images/d"
    img = f"{rg}/providers/Microsoft.Compute/images/img"
    c = Client(endpoint, ca)

    t0 = time.monotonic()
    status, doc = c.request("PUT", f"/subscriptions/{sub}/resourcegroups/rg?api-version=2021-04-01",
                            {"location": loc})
    if status not in (200, 201):
        die(f"PUT resource group -> {status} {doc}")
    put_ok(c, f"{gal}?api-version={API}", {"location": loc})
    wait_succeeded(c, f"{gal}?api-version={API}")
    put_ok(c, f"{dfn}?api-version={API}",
           {"location": loc, "properties": {"osType": "Linux", "osState": "Generalized",
                                            "identifier": {"publisher": "p", "offer": "o",
                                                           "sku": "s"}}})
    wait_succeeded(c, f"{dfn}?api-version={API}")
    upload_blank_vhd(c, "/blob/bench/vhds/blank.vhd")
    put_ok(c, f"{img}?api-version=2022-11-01",
           {"location": loc, "properties": {"storageProfile": {"osDisk": {
               "osType": "Linux", "osState": "Generalized",
               "blobUri": endpoint.rstrip("/") + "/blob/bench/vhds/blank.vhd"}}}})
    image = wait_succeeded(c, f"{img}?api-version=2022-11-01")
    body = {"location": loc,
            "properties": {"publishingProfile": {"targetRegions": [{"name": loc}]},
                           "storageProfile": {"source": {"id": image["id"]}}}}

    names = [f"1.0.{i}" for i in range(count)]
    errors = []
    lock = threading.Lock()

    def worker(k):
        wc = Client(endpoint, ca)
        for name in names[k::parallel]:
            try:
                status, doc = wc.request("PUT", f"{dfn}/versions/{name}?api-version={API}", body)
            except Exception as e:  # noqa: BLE001 - report any transport failure
                status, doc = -1, str(e)
            if status not in (200, 201, 202):
                with lock:
                    errors.append(f"PUT version {name} -> {status} {doc}")
                return

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        die("; ".join(errors[:3]))
    t1 = time.monotonic()
    print(f"setup_data: created {count} versions in {t1 - t0:.1f} s "
          f"({parallel} keep-alive connections)", file=sys.stderr)

    deadline = time.monotonic() + 120
    while True:
        status, doc = c.request("GET", f"{dfn}/versions?api-version={API}")
        if status != 200:
            die(f"list versions -> {status} {doc}")
        items = doc.get("value", [])
        done = sum(1 for v in items if v["properties"].get("provisioningState") == "Succeeded")
        if len(items) == count and done == count:
            break
        if time.monotonic() > deadline:
            die(f"after 120 s: list has {len(items)} items, {done} Succeeded, nextLink="
                f"{'nextLink' in doc}")
        time.sleep(0.2)
    if "nextLink" in doc:
        die("the list of versions has a nextLink: listPageSize is below the version count")
    print(f"setup_data: all {count} versions Succeeded after {time.monotonic() - t0:.1f} s; "
          f"one list response carries {len(items)} items", file=sys.stderr)


if __name__ == "__main__":
    main()
