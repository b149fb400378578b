#!/usr/bin/env python3
"""End-to-end tests of galleryd with the unmodified Azure CLI (Debian's azure-cli 2.45).

Each scenario starts its own galleryd on port 0 in a temporary directory, gives `az` an isolated
AZURE_CONFIG_DIR and the environment the README describes (never leaving loopback: telemetry,
update checks and recommendations off, and a proxy that refuses anything not on 127.0.0.1),
registers the cloud from the azure-cloud.json galleryd writes, logs in, and checks what every
command printed, not only its exit code.

usage: azcli_e2e.py --galleryd PATH --gallery PATH SCENARIO
SCENARIO: lifecycle | hybrid | sharing | features | disks | replication
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
AZ_TIMEOUT = 180


class Failure(Exception):
    pass


def check(cond, what, detail=""):
    if not cond:
        raise Failure(f"{what}{': ' + detail if detail else ''}")


def step(title):
    print(f"--- {title}", flush=True)


class Galleryd:
    """A galleryd in its own data directory, on a free port."""

    def __init__(self, binary, root, config=None):
        self.data = os.path.join(root, "data")
        self.log = open(os.path.join(root, "galleryd.log"), "w")
        args = [binary, "--data-dir", self.data, "--port", "0"]
        if config is not None:
            path = os.path.join(root, "galleryd.json")
            with open(path, "w") as f:
                json.dump(config, f)
            args += ["--config", path]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        # Log lines come first; the banner names the endpoint.
        m = None
        seen = []
        for line in self.proc.stdout:
            seen.append(line)
            m = re.search(r"listening on (https://127\.0\.0\.1:\d+)/", line)
            if m or len(seen) > 200:
                break
        if not m:
            self.stop()
            raise Failure("galleryd did not start:\n" + "".join(seen))
        self.endpoint = m.group(1)
        # Keep draining its output so it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        with open(os.path.join(self.data, "bootstrap.json")) as f:
            self.bootstrap = json.load(f)
        self.cloud_config = os.path.join(self.data, "azure-cloud.json")
        check(os.path.exists(self.cloud_config), "galleryd writes azure-cloud.json")
        self.ca = self.bootstrap["caCertificate"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Az:
    """One az user: its own AZURE_CONFIG_DIR, cloud registrations and login."""

    def __init__(self, server, root, name):
        self.server = server
        self.dir = os.path.join(root, "az-" + name)
        os.makedirs(self.dir)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
        with open(os.path.join(self.dir, "versionCheck.json"), "w") as f:
            json.dump({"versions": {"azure-cli": {"local": "2.45.0"}, "core": {"local": "2.45.0"},
                                    "telemetry": {"local": "1.0.8"}}, "update_time": stamp}, f)
        self.env = dict(os.environ)
        self.env.update({
            "AZURE_CONFIG_DIR": self.dir,
            "REQUESTS_CA_BUNDLE": server.ca,
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_ERROR_RECOMMENDATION": "off",
            "AZURE_EXTENSION_USE_DYNAMIC_INSTALL": "no",
            "AZURE_CORE_NO_COLOR": "true",
            "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
            # Anything that is not loopback goes to a port nobody listens on, and fails at once.
            "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
        })

    def run(self, *args, rc=0, stdin=None):
        cmd = ["az", *args]
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True, input=stdin,
                           timeout=AZ_TIMEOUT)
        shown = " ".join(a if len(a) < 120 else a[:117] + "..." for a in args)
        if rc is not None and p.returncode != rc:
            raise Failure(f"az {shown}: exit {p.returncode}, expected {rc}\n"
                          f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def json(self, *args):
        p = self.run(*args, "-o", "json")
        try:
            return json.loads(p.stdout) if p.stdout.strip() else None
        except json.JSONDecodeError:
            raise Failure(f"az {' '.join(args)} printed no JSON: {p.stdout!r}")

    def error(self, *args, rc=1, code=None):
        """Runs a command that must fail; returns stderr, checking the ARM error code."""
        p = self.run(*args, rc=rc)
        if code is not None:
            check(f"({code})" in p.stderr or f"Code: {code}" in p.stderr,
                  f"az {' '.join(args[:4])} fails with {code}", p.stderr)
        return p.stderr

    def register_cloud(self, name="gallery", profile=None):
        path = self.server.cloud_config
        if profile is not None:
            with open(path) as f:
                cloud = json.load(f)
            cloud["profile"] = profile
            path = os.path.join(self.dir, f"cloud-{name}.json")
            with open(path, "w") as f:
                json.dump(cloud, f)
        self.run("cloud", "register", "-n", name, "--cloud-config", "@" + path)
        self.run("cloud", "set", "-n", name)

    def login_sp(self, app_id, secret, tenant):
        # --password=: a secret that began with '-' would otherwise read as an option.
        accounts = self.json("login", "--service-principal", "-u", app_id, "--password=" + secret,
                             "--tenant", tenant)
        check(isinstance(accounts, list) and accounts, "az login lists subscriptions", str(accounts))
        return accounts

    def login_admin(self):
        b = self.server.bootstrap
        accounts = self.login_sp(b["clientId"], b["clientSecret"], b["tenantId"])
        ids = [a["id"] for a in accounts]
        check(b["subscriptionId"] in ids, "the bootstrap subscription is listed after login",
              str(ids))
        return accounts


class GalleryCli:
    """Our own CLI, logged in as the bootstrap administrator (for directory objects)."""

    def __init__(self, binary, server, root):
        self.binary = binary
        self.env = dict(os.environ, GALLERY_CONFIG_DIR=os.path.join(root, "gallery-cli"))
        self.run("login", "--bootstrap", os.path.join(server.data, "bootstrap.json"))

    def run(self, *args):
        p = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True,
                           timeout=60)
        if p.returncode != 0:
            raise Failure(f"gallery {' '.join(args)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else None


def upload_test_vhd(root, gallery, name="os.vhd", random_mib=1):
    """Uploads a 24 MiB fixed VHD made by qemu-img (random head and tail of `random_mib` MiB
    each, zeros between) to the server's storage-account endpoint with our CLI; returns the
    blob URL and the raw."""
    raw = os.path.join(root, name + ".raw")
    vhd = os.path.join(root, name)
    size = 24 << 20
    with open(raw, "wb") as f:
        f.truncate(size)
        f.write(os.urandom(random_mib << 20))
        f.seek(size - (random_mib << 20))
        f.write(os.urandom(random_mib << 20))
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                    "subformat=fixed,force_size=on", raw, vhd], check=True)
    out = gallery.run("storage", "blob", "upload", vhd, "--account", "acct", "--container",
                      "vhds", "-n", name)
    check(out["url"].endswith("/blob/acct/vhds/" + name), "VHD uploaded to the blob endpoint",
          str(out))
    return out["url"], raw


def compare_raw(expected, actual, what):
    """qemu-img compare of two raw images: identical, or the test fails with its output."""
    p = subprocess.run(["qemu-img", "compare", "-f", "raw", "-F", "raw", expected, actual],
                       capture_output=True, text=True)
    check(p.returncode == 0 and "Images are identical" in p.stdout,
          f"{what}: qemu-img compare says identical", p.stdout + p.stderr)


def rg_id(sub, rg):
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


# ---- scenarios ----------------------------------------------------------------------------


def scenario_lifecycle(args, root):
    """The spec's publishing flow with the latest profile, every sig command and its output."""
    server = Galleryd(args.galleryd, root)
    try:
        az = Az(server, root, "admin")
        sub = server.bootstrap["subscriptionId"]
        step("cloud register + login")
        az.register_cloud()
        accounts = az.login_admin()
        default = [a for a in accounts if a.get("isDefault")]
        check(len(default) == 1 and default[0]["tenantId"] == server.bootstrap["tenantId"],
              "one default account in the bootstrap tenant", str(accounts))
        token = az.json("account", "get-access-token")
        check(token["accessToken"].count(".") == 2, "the access token is a JWT")

        step("group create")
        g = az.json("group", "create", "-n", "rg1", "-l", "southcentralus")
        check(g["name"] == "rg1" and g["location"] == "southcentralus" and
              g["properties"]["provisioningState"] == "Succeeded", "group create output", str(g))

        step("display-name locations (az maps them through GET .../locations)")
        locations = az.json("account", "list-locations")
        names = {x["displayName"]: x["name"] for x in locations}
        check(names.get("South Central US") == "southcentralus" and names.get("West Europe") ==
              "westeurope", "account list-locations lists the region catalog", str(names))
        g2 = az.json("group", "create", "-n", "rgdisplay", "-l", "West Europe")
        check(g2["location"] == "westeurope", "group create -l 'West Europe'", str(g2))
        az.json("group", "delete", "-n", "rgdisplay", "--yes")

        step("sig create/show/list/update")
        gal = az.json("sig", "create", "-g", "rg1", "-r", "gallery1", "-l", "South Central US",
                      "--description", "first")
        check(gal["location"] == "southcentralus", "sig create -l 'South Central US'", str(gal))
        check(gal["provisioningState"] == "Succeeded" and gal["description"] == "first" and
              gal["identifier"]["uniqueName"], "sig create output", str(gal))
        gal_id = gal["id"]
        check(gal_id.lower() == (rg_id(sub, "rg1") +
                                 "/providers/Microsoft.Compute/galleries/gallery1").lower(),
              "gallery id", gal_id)
        shown = az.json("sig", "show", "-g", "rg1", "-r", "gallery1")
        check(shown["id"] == gal_id and shown["resourceGroup"].lower() == "rg1", "sig show", str(shown))
        listed = az.json("sig", "list")
        check([x["name"] for x in listed] == ["gallery1"], "sig list", str(listed))
        listed = az.json("sig", "list", "-g", "rg1")
        check([x["name"] for x in listed] == ["gallery1"], "sig list -g", str(listed))
        upd = az.json("sig", "update", "-g", "rg1", "-r", "gallery1", "--set", "description=second")
        check(upd["description"] == "second", "sig update changes the description", str(upd))
        az.error("sig", "show", "-g", "rg1", "-r", "nosuch", rc=3, code="ResourceNotFound")
        az.error("sig", "create", "-g", "rg1", "-r", "bad-name", "-l", "southcentralus",
                 code="InvalidParameter")

        step("image-definition create/show/list/update")
        d = az.json("sig", "image-definition", "create", "-g", "rg1", "-r", "gallery1",
                    "-i", "def1", "--publisher", "p", "--offer", "o", "--sku", "s",
                    "--os-type", "Linux", "--description", "linux")
        check(d["provisioningState"] == "Succeeded" and d["osType"] == "Linux" and
              d["osState"] == "Generalized" and d["identifier"] == {"publisher": "p", "offer": "o", "sku": "s"},
              "image-definition create output", str(d))
        d2 = az.json("sig", "image-definition", "show", "-g", "rg1", "-r", "gallery1", "-i", "def1")
        check(d2["id"] == d["id"], "image-definition show")
        names = [x["name"] for x in az.json("sig", "image-definition", "list", "-g", "rg1",
                                            "-r", "gallery1")]
        check(names == ["def1"], "image-definition list", str(names))
        du = az.json("sig", "image-definition", "update", "-g", "rg1", "-r", "gallery1",
                     "-i", "def1", "--set", "description=updated")
        check(du["description"] == "updated", "image-definition update", str(du))
        az.error("sig", "image-definition", "update", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                 "--set", "osType=Windows", code="PropertyChangeNotAllowed")
        # A second definition with the same (publisher, offer, sku) is refused.
        az.error("sig", "image-definition", "create", "-g", "rg1", "-r", "gallery1", "-i", "dup",
                 "--publisher", "p", "--offer", "o", "--sku", "s", "--os-type", "Linux")

        step("managed image (az resource create; az image needs the hybrid profile)")
        blob_url, _ = upload_test_vhd(root, GalleryCli(args.gallery, server, root))
        img_id = rg_id(sub, "rg1") + "/providers/Microsoft.Compute/images/img1"
        img = az.json("resource", "create", "--id", img_id, "--api-version", "2022-11-01",
                      "--location", "southcentralus", "--properties",
                      json.dumps({"storageProfile": {"osDisk": {
                          "osType": "Linux", "osState": "Generalized",
                          "blobUri": blob_url}},
                          "hyperVGeneration": "V1"}))
        check(img["id"].lower() == img_id.lower(), "managed image created", str(img))
        check(img["properties"]["storageProfile"]["osDisk"]["diskSizeGB"] == 1,
              "the image's disk size is the VHD's (24 MiB: 1 GiB rounded up)", str(img))

        step("image-version create (waits), --no-wait + wait, show --expand")
        v = az.json("sig", "image-version", "create", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                    "-e", "1.0.0", "--target-regions", "southcentralus=2", "eastus",
                    "--replica-count", "1", "--managed-image", img_id)
        check(v["provisioningState"] == "Succeeded", "version 1.0.0 Succeeded", str(v))
        regions = {r["name"].replace(" ", "").lower(): r["regionalReplicaCount"]
                   for r in v["publishingProfile"]["targetRegions"]}
        check(regions == {"southcentralus": 2, "eastus": 1}, "target regions and counts", str(regions))
        check(v["storageProfile"]["source"]["id"].lower() == img_id.lower(), "source kept", str(v))
        p = az.run("sig", "image-version", "create", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                   "-e", "1.0.1", "--managed-image", img_id, "--no-wait")
        check(p.stdout.strip() == "", "--no-wait prints nothing", p.stdout)
        az.run("sig", "image-version", "wait", "--created", "-g", "rg1", "-r", "gallery1",
               "-i", "def1", "-e", "1.0.1", "--interval", "1", "--timeout", "60")
        v1 = az.json("sig", "image-version", "show", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                     "-e", "1.0.1")
        check(v1["provisioningState"] == "Succeeded", "1.0.1 Succeeded after --no-wait", str(v1))
        ex = az.json("sig", "image-version", "show", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                     "-e", "1.0.0", "--expand", "ReplicationStatus")
        rs = ex.get("replicationStatus") or {}
        check(rs.get("aggregatedState") in ("Completed", "InProgress") and
              {s["region"].replace(" ", "").lower() for s in rs.get("summary", [])} ==
              {"southcentralus", "eastus"}, "replicationStatus per target region", str(rs))
        vl = [x["name"] for x in az.json("sig", "image-version", "list", "-g", "rg1",
                                         "-r", "gallery1", "-i", "def1")]
        check(sorted(vl) == ["1.0.0", "1.0.1"], "image-version list", str(vl))

        step("image-version update --target-regions --replica-count")
        u = az.json("sig", "image-version", "update", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                    "-e", "1.0.0", "--target-regions", "southcentralus=1", "westus2=3",
                    "--replica-count", "2")
        regions = {r["name"].replace(" ", "").lower(): r.get("regionalReplicaCount")
                   for r in u["publishingProfile"]["targetRegions"]}
        check(regions == {"southcentralus": 1, "westus2": 3}, "updated target regions", str(regions))
        check(u["publishingProfile"]["replicaCount"] == 2, "updated replica count", str(u))
        check(u["storageProfile"]["source"]["id"].lower() == img_id.lower(),
              "update keeps the source", str(u))
        az.error("sig", "image-version", "update", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                 "-e", "1.0.0", "--target-regions", "westus2", "eastus")  # source region dropped

        step("deletes")
        az.error("sig", "image-definition", "delete", "-g", "rg1", "-r", "gallery1", "-i", "def1")
        for e in ("1.0.0", "1.0.1"):
            az.run("sig", "image-version", "delete", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                   "-e", e)
        az.error("sig", "image-version", "show", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                 "-e", "1.0.0", rc=3)
        az.run("sig", "image-definition", "delete", "-g", "rg1", "-r", "gallery1", "-i", "def1")
        az.run("sig", "delete", "-g", "rg1", "-r", "gallery1")
        check(az.json("sig", "list") == [], "no gallery left")
        az.run("group", "delete", "-n", "rg1", "--yes")
        az.error("group", "show", "-n", "rg1", rc=3)
    finally:
        server.stop()


def scenario_hybrid(args, root):
    """az image create works under the 2020-09-01-hybrid profile, and versions use it."""
    server = Galleryd(args.galleryd, root)
    try:
        az = Az(server, root, "hybrid")
        step("cloud register with the hybrid profile + login")
        az.register_cloud("gallery-hybrid", profile="2020-09-01-hybrid")
        az.login_admin()
        az.json("group", "create", "-n", "rg1", "-l", "southcentralus")
        step("az image create from a blob URI of this server")
        gallery = GalleryCli(args.gallery, server, root)
        blob_url, raw = upload_test_vhd(root, gallery)
        img = az.json("image", "create", "-g", "rg1", "-n", "img1", "--os-type", "Linux",
                      "--source", blob_url)
        check(img["provisioningState"] == "Succeeded" and
              img["storageProfile"]["osDisk"]["blobUri"] == blob_url and
              img["storageProfile"]["osDisk"]["osState"] == "Generalized" and
              img["storageProfile"]["osDisk"]["diskSizeGb"] == 1, "image create", str(img))
        step("a blob URI elsewhere is refused, naming this server's endpoint")
        az.error("image", "create", "-g", "rg1", "-n", "img2", "--os-type", "Linux",
                 "--source", "https://acct.blob.core.windows.net/vhds/os.vhd")
        shown = az.json("image", "show", "-g", "rg1", "-n", "img1")
        check(shown["id"] == img["id"], "image show")
        check([i["name"] for i in az.json("image", "list", "-g", "rg1")] == ["img1"], "image list")
        step("a version from it under the hybrid profile")
        az.json("sig", "create", "-g", "rg1", "-r", "g1")
        az.json("sig", "image-definition", "create", "-g", "rg1", "-r", "g1", "-i", "d1",
                "--publisher", "p", "--offer", "o", "--sku", "s", "--os-type", "Linux")
        v = az.json("sig", "image-version", "create", "-g", "rg1", "-r", "g1", "-i", "d1",
                    "-e", "1.0.0", "--managed-image", img["id"])
        check(v["provisioningState"] == "Succeeded" and
              v["storageProfile"]["osDiskImage"]["sizeInGb"] == 1,
              "version from the image, with the image's real disk size", str(v))
        step("the version's bytes read back equal the uploaded disk's")
        out = os.path.join(root, "version.raw")
        gallery.run("sig", "image-version", "download", "-g", "rg1", "-r", "g1", "-i", "d1",
                    "-e", "1.0.0", "-o", out, "--format", "raw")
        compare_raw(raw, out, "version download")
        az.error("image", "show", "-g", "rg1", "-n", "nosuch", rc=3)
    finally:
        server.stop()


def scenario_sharing(args, root):
    """Role assignments through az rest / az resource create, a Reader on one version, and
    the spec's listing across subscriptions."""
    server = Galleryd(args.galleryd, root)
    try:
        b = server.bootstrap
        sub = b["subscriptionId"]
        cli = GalleryCli(args.gallery, server, root)
        az = Az(server, root, "admin")
        az.register_cloud()
        az.login_admin()

        step("a second subscription in the tenant; re-login lists both")
        sub2 = cli.run("account", "subscription", "create", "--name", "second")["properties"]["subscriptionId"]
        accounts = az.login_admin()
        check({sub, sub2} <= {a["id"] for a in accounts}, "both subscriptions", str(accounts))

        step("galleries in both subscriptions")
        for s, rg, gname in ((sub, "rg1", "gal1"), (sub2, "rg2", "gal2")):
            az.json("group", "create", "-n", rg, "-l", "southcentralus", "--subscription", s)
            az.json("sig", "create", "-g", rg, "-r", gname, "--subscription", s)
        az.json("sig", "image-definition", "create", "-g", "rg1", "-r", "gal1", "-i", "def1",
                "--publisher", "p", "--offer", "o", "--sku", "s", "--os-type", "Linux")
        # A version in subscription 1 made from a managed image in subscription 2.
        img2 = rg_id(sub2, "rg2") + "/providers/Microsoft.Compute/images/img2"
        blob_url, _ = upload_test_vhd(root, cli)
        az.json("resource", "create", "--id", img2, "--api-version", "2022-11-01",
                "--location", "southcentralus", "--properties",
                json.dumps({"storageProfile": {"osDisk": {
                    "osType": "Linux", "osState": "Generalized",
                    "blobUri": blob_url}}}))
        for e in ("1.0.0", "2.0.0"):
            v = az.json("sig", "image-version", "create", "-g", "rg1", "-r", "gal1", "-i", "def1",
                        "-e", e, "--managed-image", img2)
            check(v["provisioningState"] == "Succeeded", "cross-subscription source", str(v))

        step("the spec's listing: az account list | xargs az sig list --subscription")
        p = subprocess.run(
            "az account list -otsv --query '[].id' | xargs -n 1 az sig list -otsv "
            "--query '[].name' --subscription", shell=True, env=az.env, capture_output=True,
            text=True, timeout=AZ_TIMEOUT)
        check(p.returncode == 0 and sorted(p.stdout.split()) == ["gal1", "gal2"],
              "galleries of every subscription", p.stdout + p.stderr)

        step("a user with Reader on one version")
        user = cli.run("ad", "user", "create", "--upn", "alice@example.test",
                       "--display-name", "Alice", "--password", "Alice-Passw0rd!")
        alice = user["id"]
        version = rg_id(sub, "rg1") + "/providers/Microsoft.Compute/galleries/gal1/images/def1/versions/1.0.0"
        assignment = f"{version}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
        ra = az.json("rest", "--method", "put", "--url", assignment + "?api-version=2022-04-01",
                     "--body", json.dumps({"properties": {
                         "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                         "principalId": alice, "principalType": "User"}}))
        check(ra["properties"]["principalId"] == alice and
              ra["properties"]["scope"].lower() == version.lower(), "role assignment PUT", str(ra))
        listed = az.json("rest", "--method", "get", "--url",
                         version + "/providers/Microsoft.Authorization/roleAssignments"
                         "?api-version=2022-04-01&$filter=atScope()")
        at = [x["properties"]["principalId"] for x in listed["value"]
              if x["properties"]["scope"].lower() == version.lower()]
        above = [x["properties"]["scope"] for x in listed["value"]
                 if x["properties"]["scope"].lower() != version.lower()]
        check(at == [alice], "atScope(): the assignment at the version", str(listed))
        check(all(version.lower().startswith(a.lower() + "/") for a in above),
              "atScope(): the others are inherited from above", str(above))

        step("a service principal with Contributor on the gallery, via az resource create")
        sp = cli.run("ad", "sp", "create", "--name", "pipeline")
        sp_app = sp["appId"]
        sp_oid = sp["objectId"]
        gallery = rg_id(sub, "rg1") + "/providers/Microsoft.Compute/galleries/gal1"
        az.json("resource", "create", "--id",
                f"{gallery}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}",
                "--api-version", "2022-04-01", "--properties", json.dumps({
                    "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}",
                    "principalId": sp_oid, "principalType": "ServicePrincipal"}))
        pipeline = Az(server, root, "pipeline")
        pipeline.register_cloud()
        pipeline.login_sp(sp_app, sp["password"], b["tenantId"])
        made = pipeline.json("sig", "image-definition", "create", "-g", "rg1", "-r", "gal1",
                             "-i", "def2", "--publisher", "p", "--offer", "o", "--sku", "s2",
                             "--os-type", "Linux", "-l", "southcentralus")  # -l: no group read
        check(made["provisioningState"] == "Succeeded", "a Contributor on the gallery creates a definition")
        pipeline.error("sig", "create", "-g", "rg1", "-r", "other", "-l", "southcentralus",
                       code="AuthorizationFailed")

        step("alice logs in and sees exactly her version")
        reader = Az(server, root, "alice")
        reader.register_cloud()
        accounts = reader.json("login", "-u", "alice@example.test", "--password=Alice-Passw0rd!")
        check([a["id"] for a in accounts] == [sub], "alice sees the one subscription", str(accounts))
        mine = reader.json("sig", "image-version", "show", "-g", "rg1", "-r", "gal1", "-i", "def1",
                           "-e", "1.0.0")
        check(mine["id"].lower() == version.lower(), "alice reads the version")
        err = reader.error("sig", "image-version", "show", "-g", "rg1", "-r", "gal1", "-i", "def1",
                           "-e", "2.0.0", code="AuthorizationFailed")
        check(alice in err, "the refusal names the principal", err)
        reader.error("sig", "image-definition", "show", "-g", "rg1", "-r", "gal1", "-i", "def1",
                     code="AuthorizationFailed")
        reader.error("sig", "image-version", "update", "-g", "rg1", "-r", "gal1", "-i", "def1",
                     "-e", "1.0.0", "--replica-count", "2", code="AuthorizationFailed")
        reader.error("sig", "image-version", "delete", "-g", "rg1", "-r", "gal1", "-i", "def1",
                     "-e", "1.0.0", code="AuthorizationFailed")
        versions = reader.json("sig", "image-version", "list", "-g", "rg1", "-r", "gal1", "-i", "def1")
        check([x["name"] for x in versions] == ["1.0.0"], "alice's list shows only her version",
              str(versions))
    finally:
        server.stop()


def scenario_features(args, root):
    """The spec's feature and provider commands, and requireFeatureRegistration."""
    server = Galleryd(args.galleryd, root, config={"requireFeatureRegistration": True})
    try:
        az = Az(server, root, "admin")
        az.register_cloud()
        az.login_admin()
        az.json("group", "create", "-n", "rg1", "-l", "southcentralus")
        step("gallery creation waits for the feature registration")
        err = az.error("sig", "create", "-g", "rg1", "-r", "g1", "-l", "southcentralus")
        check("az feature register --namespace Microsoft.Compute --name GalleryPreview" in err,
              "the refusal says which command to run", err)
        step("feature register/show")
        f = az.json("feature", "register", "--namespace", "Microsoft.Compute", "--name",
                    "GalleryPreview")
        check(f["name"].lower() == "microsoft.compute/gallerypreview" and
              f["properties"]["state"] in ("Registering", "Registered"), "feature register", str(f))
        deadline = time.time() + 60
        while True:
            f = az.json("feature", "show", "--namespace", "Microsoft.Compute", "--name",
                        "GalleryPreview")
            if f["properties"]["state"] == "Registered" or time.time() > deadline:
                break
            time.sleep(1)
        check(f["properties"]["state"] == "Registered", "feature show: Registered", str(f))
        step("provider register/show")
        az.run("provider", "register", "-n", "Microsoft.Compute", "--wait")
        p = az.json("provider", "show", "-n", "Microsoft.Compute")
        check(p["namespace"] == "Microsoft.Compute" and p["registrationState"] == "Registered",
              "provider show", str(p))
        types = {t["resourceType"].lower() for t in p["resourceTypes"]}
        check({"galleries", "galleries/images", "galleries/images/versions", "images"} <= types,
              "the provider lists the gallery resource types", str(sorted(types)))
        step("now the gallery can be created")
        g = az.json("sig", "create", "-g", "rg1", "-r", "g1", "-l", "southcentralus")
        check(g["provisioningState"] == "Succeeded", "gallery after registration", str(g))
    finally:
        server.stop()


def scenario_disks(args, root):
    """az disk: create for upload, grant Write, upload pages, seal, grant Read, download."""
    import http.client
    import ssl
    import urllib.parse
    server = Galleryd(args.galleryd, root)
    try:
        az = Az(server, root, "admin")
        az.register_cloud()
        az.login_admin()
        az.json("group", "create", "-n", "rg1", "-l", "westus")
        raw = os.path.join(root, "raw.img")
        vhd = os.path.join(root, "disk.vhd")
        size = 24 << 20
        with open(raw, "wb") as f:
            f.truncate(size)
            f.seek(0)
            f.write(os.urandom(3 << 20))
            f.seek(size - (1 << 20))
            f.write(os.urandom(1 << 20))
        subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                        "subformat=fixed,force_size=on", raw, vhd], check=True)
        with open(vhd, "rb") as f:
            image = f.read()
        step("disk create --for-upload")
        d = az.json("disk", "create", "-g", "rg1", "-n", "d1", "-l", "westus", "--for-upload",
                    "--upload-size-bytes", str(len(image)), "--sku", "Standard_LRS")
        check(d["diskState"] == "ReadyToUpload", "a new upload disk is ReadyToUpload", str(d))
        d = az.json("disk", "show", "-g", "rg1", "-n", "d1")
        check(d["diskState"] == "ReadyToUpload", "disk show: ReadyToUpload", str(d))
        step("grant-access Write and upload pages")
        sas = az.json("disk", "grant-access", "-g", "rg1", "-n", "d1", "--access-level", "Write",
                      "--duration-in-seconds", "3600")["accessSas"]
        url = urllib.parse.urlsplit(sas)
        context = ssl.create_default_context(cafile=server.ca)

        def call(method, headers=None, body=None):
            conn = http.client.HTTPSConnection(url.hostname, url.port, context=context)
            conn.request(method, url.path + "?" + url.query + ("&comp=page" if method == "PUT"
                                                               else ""), body=body,
                         headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            conn.close()
            return r.status, data, r

        piece = 4 << 20
        for off in range(0, len(image), piece):
            chunk = image[off:off + piece]
            if chunk.count(0) == len(chunk):
                continue
            status, body, _ = call("PUT", {"x-ms-page-write": "update",
                                           "x-ms-range": f"bytes={off}-{off + len(chunk) - 1}"},
                                   chunk)
            check(status == 201, f"page write at {off}", f"{status} {body[:200]!r}")
        step("revoke-access seals the disk")
        az.run("disk", "revoke-access", "-g", "rg1", "-n", "d1")
        d = az.json("disk", "show", "-g", "rg1", "-n", "d1")
        check(d["diskState"] == "Unattached" and d["diskSizeBytes"] == size,
              "a sealed disk is Unattached with its size", str(d))
        step("grant-access Read and download with Range")
        sas = az.json("disk", "grant-access", "-g", "rg1", "-n", "d1", "--access-level", "Read",
                      "--duration-in-seconds", "600")["accessSas"]
        url = urllib.parse.urlsplit(sas)
        for first, last in [(0, (1 << 20) - 1), (len(image) - 4096, len(image) - 1)]:
            status, body, _ = call("GET", {"Range": f"bytes={first}-{last}"})
            check(status == 206 and body == image[first:last + 1], f"range {first}-{last}",
                  str(status))
        status, body, _ = call("GET")
        check(status == 200 and body == image, "the whole download equals the upload",
              f"{status} {len(body)}")
        az.run("disk", "revoke-access", "-g", "rg1", "-n", "d1")
        step("image create from the sealed disk; its bytes read back equal the upload")
        # az 2.45's image create needs the hybrid profile (under the latest one the CLI itself
        # fails before sending anything).
        hybrid = Az(server, root, "hybrid")
        hybrid.register_cloud("gallery-hybrid", profile="2020-09-01-hybrid")
        hybrid.login_admin()
        img = hybrid.json("image", "create", "-g", "rg1", "-n", "img1", "--os-type", "Linux",
                          "--source", d["id"])
        check(img["provisioningState"] == "Succeeded" and
              img["storageProfile"]["osDisk"]["managedDisk"]["id"].lower() == d["id"].lower(),
              "image from the disk", str(img))
        out = os.path.join(root, "image.raw")
        GalleryCli(args.gallery, server, root).run("image", "download", "-g", "rg1", "-n", "img1",
                                                   "-o", out, "--format", "raw")
        compare_raw(raw, out, "image download")
        hybrid.run("image", "delete", "-g", "rg1", "-n", "img1")
        step("disk delete")
        az.run("disk", "delete", "-g", "rg1", "-n", "d1", "--yes")
        az.run("disk", "show", "-g", "rg1", "-n", "d1", rc=3)
    finally:
        server.stop()


# The replication scenario's links: 1 MB/s between any two regions, so copying its image's
# 16 MiB of data to a region takes about 17 s and the status can be watched while it runs.
REPLICATION_LINKS = {"default": {"bandwidthMBps": 1, "latencyMs": 20}}
REPLICATION_DATA_MIB = 8  # random MiB at the head and at the tail of the image: 16 MiB of data
REPLICATION_TIMEOUT = 240


def region_key(name):
    """"West US 2" -> "westus2", as ARM compares region names."""
    return name.replace(" ", "").lower()


def replication_summary(version):
    """{region key: summary entry} of a version shown with --expand ReplicationStatus (az
    prints replicationStatus at the top level, the ARM JSON has it under properties)."""
    rs = version.get("replicationStatus") or version.get("properties", {}).get(
        "replicationStatus") or {}
    return rs.get("aggregatedState"), {region_key(s["region"]): s for s in rs.get("summary", [])}


def scenario_replication(args, root):
    """Replication with the real az: a version to three regions with replica counts, its status
    while it replicates and after, a region added with update --add, and `gallery sig
    image-version wait --region` in between."""
    server = Galleryd(args.galleryd, root, {"links": REPLICATION_LINKS})
    try:
        az = Az(server, root, "admin")
        sub = server.bootstrap["subscriptionId"]
        az.register_cloud()
        az.login_admin()
        gallery = GalleryCli(args.gallery, server, root)
        az.json("group", "create", "-n", "rg1", "-l", "southcentralus")
        az.json("sig", "create", "-g", "rg1", "-r", "gallery1")
        az.json("sig", "image-definition", "create", "-g", "rg1", "-r", "gallery1", "-i", "def1",
                "--publisher", "p", "--offer", "o", "--sku", "s", "--os-type", "Linux")
        blob_url, _ = upload_test_vhd(root, gallery, random_mib=REPLICATION_DATA_MIB)
        img_id = rg_id(sub, "rg1") + "/providers/Microsoft.Compute/images/img1"
        az.json("resource", "create", "--id", img_id, "--api-version", "2022-11-01",
                "--location", "southcentralus", "--properties",
                json.dumps({"storageProfile": {"osDisk": {"osType": "Linux",
                                                          "osState": "Generalized",
                                                          "blobUri": blob_url}},
                            "hyperVGeneration": "V1"}))
        version_args = ["-g", "rg1", "-r", "gallery1", "-i", "def1", "-e", "1.0.0"]

        def show():
            return az.json("sig", "image-version", "show", *version_args,
                           "--expand", "ReplicationStatus")

        step("image-version create --target-regions southcentralus=2 eastus westus2=1 --no-wait")
        p = az.run("sig", "image-version", "create", *version_args, "--target-regions",
                   "southcentralus=2", "eastus", "westus2=1", "--replica-count", "1",
                   "--managed-image", img_id, "--no-wait")
        check(p.stdout.strip() == "", "create --no-wait prints nothing", p.stdout)

        step("show --expand ReplicationStatus while it replicates")
        v = show()
        check(v["provisioningState"] == "Creating", "Creating while replicas are copied", str(v))
        counts = {region_key(t["name"]): t["regionalReplicaCount"]
                  for t in v["publishingProfile"]["targetRegions"]}
        check(counts == {"southcentralus": 2, "eastus": 1, "westus2": 1},
              "target regions and replica counts", str(counts))
        aggregated, summary = replication_summary(v)
        check(aggregated == "InProgress", "aggregatedState InProgress while replicating",
              str(v.get("replicationStatus")))
        check(set(summary) == set(counts), "one status entry per target region", str(summary))
        for key in ("eastus", "westus2"):
            s = summary[key]
            check(s["state"] in ("Queued", "Replicating") and 0 <= s["progress"] < 100,
                  f"{key} is under way over its 1 MB/s link", str(s))
        for s in summary.values():
            check(set(s) >= {"region", "state", "details", "progress"},
                  "Azure's fields of a region's status", str(s))

        step("gallery sig image-version wait: a region that is no target")
        p = subprocess.run([args.gallery, "sig", "image-version", "wait", *version_args,
                            "--region", "westeurope"], env=gallery.env, capture_output=True,
                           text=True, timeout=60)
        check(p.returncode == 1 and "(InvalidParameter)" in p.stderr and
              "West US 2" in p.stderr, "wait --region westeurope: not a target", p.stderr)

        step("gallery sig image-version wait --region westus2")
        started = time.time()
        p = subprocess.run([args.gallery, "sig", "image-version", "wait", *version_args,
                            "--region", "westus2", "--interval", "1",
                            "--timeout", str(REPLICATION_TIMEOUT)],
                           env=gallery.env, capture_output=True, text=True,
                           timeout=REPLICATION_TIMEOUT + 60)
        check(p.returncode == 0, "wait --region westus2 succeeds", p.stdout + p.stderr)
        waited = json.loads(p.stdout)
        _, summary = replication_summary(waited)
        check(summary["westus2"]["state"] == "Completed" and
              summary["westus2"]["replicasCompleted"] == summary["westus2"]["replicasTotal"] == 1,
              "westus2 is Completed when wait returns", str(summary["westus2"]))
        # stderr is not a terminal: one line per change of a region, no cursor movement.
        lines = [line for line in p.stderr.splitlines() if line.startswith("West US 2 ")]
        check(lines and "Completed" in lines[-1] and "100%" in lines[-1],
              "wait's last West US 2 line says Completed", p.stderr)
        check(any("Completed" not in line for line in lines),
              "wait showed West US 2 under way before it completed", p.stderr)
        check("\033" not in p.stderr, "no terminal codes in a log", repr(p.stderr))
        print(f"    waited {time.time() - started:.1f} s; progress lines:\n      " +
              "\n      ".join(lines), flush=True)

        step("show --expand ReplicationStatus after: every region Completed")
        deadline = time.time() + REPLICATION_TIMEOUT
        while True:
            v = show()
            aggregated, summary = replication_summary(v)
            if aggregated != "InProgress" or time.time() > deadline:
                break
            time.sleep(1)
        check(aggregated == "Completed" and v["provisioningState"] == "Succeeded",
              "replication Completed, version Succeeded", str(v))
        check(set(summary) == {"southcentralus", "eastus", "westus2"} and
              all(s["state"] == "Completed" and s["progress"] == 100 for s in summary.values()),
              "every region Completed at 100%", str(summary))
        check(all(s["replicasCompleted"] == s["replicasTotal"]
                  for s in summary.values() if "replicasTotal" in s),
              "every replica done, where az shows the counts", str(summary))
        # az 2.45 keeps only Azure's four fields of a region; our CLI shows the replica counts.
        shown = gallery.run("sig", "image-version", "show", *version_args,
                            "--expand", "ReplicationStatus")
        _, summary = replication_summary(shown)
        check({k: (s["replicasCompleted"], s["replicasTotal"]) for k, s in summary.items()} ==
              {"southcentralus": (2, 2), "eastus": (1, 1), "westus2": (1, 1)},
              "replicasCompleted == replicasTotal in every region", str(summary))

        step("image-version update --add publishingProfile.targetRegions name=westus")
        u = az.json("sig", "image-version", "update", *version_args,
                    "--add", "publishingProfile.targetRegions", "name=westus")
        counts = {region_key(t["name"]): t["regionalReplicaCount"]
                  for t in u["publishingProfile"]["targetRegions"]}
        check(counts == {"southcentralus": 2, "eastus": 1, "westus2": 1, "westus": 1},
              "westus added with the common replica count, the others kept", str(counts))
        check(u["provisioningState"] == "Succeeded",
              "update returns once the new region is replicated", str(u))
        check(u["storageProfile"]["source"]["id"].lower() == img_id.lower(),
              "update keeps the source", str(u))
        v = show()
        aggregated, summary = replication_summary(v)
        check(aggregated == "Completed" and set(summary) == set(counts) and
              all(s["state"] == "Completed" and s["progress"] == 100 for s in summary.values()),
              "show after the update: West US appears and is Completed", str(summary))
    finally:
        server.stop()


SCENARIOS = {"lifecycle": scenario_lifecycle, "hybrid": scenario_hybrid,
             "sharing": scenario_sharing, "features": scenario_features,
             "disks": scenario_disks, "replication": scenario_replication}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--galleryd", required=True)
    ap.add_argument("--gallery", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    args = ap.parse_args()
    if shutil.which("az") is None:
        print("azcli_e2e: the Azure CLI (az) is not installed: scripts/install-deps.sh test "
              "installs Debian's azure-cli", file=sys.stderr)
        return 1
    root = tempfile.mkdtemp(prefix=f"gallery-azcli-{args.scenario}-")
    started = time.time()
    try:
        SCENARIOS[args.scenario](args, root)
    except (Failure, KeyError, TypeError, ValueError, subprocess.TimeoutExpired) as e:
        print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        print(f"(files kept in {root})", file=sys.stderr)
        return 1
    print(f"azcli {args.scenario}: passed in {time.time() - started:.0f} s")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
