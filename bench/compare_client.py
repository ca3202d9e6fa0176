"""The client side of `npm run bench -- compare`: times the calls users feel
against one cloud (pocketstack, or the real Keystone / Neutron / Glance), the
way the openstack CLI's requests does without keep-alive: Python's urllib,
one new connection per request, JSON bodies.

Input (argv[1], JSON): {"auth_url", "network_url"?, "image_url"?, "user",
"password", "project", "cases": [...], "rounds", "upload_mib", "list_ports"}.
Output (stdout, JSON): {case: {"p50": ms, "p90": ms, "n": rounds} or
{"mb_s": MB/s, "n": rounds}}. Every loop is bounded by its round count and
by a deadline."""

import json
import os
import sys
import tempfile
import time
import urllib.request

cfg = json.loads(sys.argv[1])
ROUNDS = int(cfg.get("rounds", 20))
# each case gets this long (making its ports included); at least one round is always timed
BUDGET = float(cfg.get("budget_s", 120))
DEADLINE = time.monotonic() + BUDGET


def call(method, url, token=None, body=None, headers=None, data=None):
    h = {"Accept": "application/json", "Connection": "close"}
    if token:
        h["X-Auth-Token"] = token
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    with urllib.request.urlopen(req, timeout=600) as res:
        raw = res.read()
        return res.status, res.headers, (json.loads(raw) if raw else None)


def auth_body():
    dom = {"id": "default"}
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": cfg["user"], "domain": dom, "password": cfg["password"]}}},
        "scope": {"project": {"name": cfg["project"], "domain": dom}}}}


def issue():
    _, headers, body = call("POST", cfg["auth_url"] + "/auth/tokens?nocatalog", body=auth_body())
    return headers["X-Subject-Token"], body["token"]["project"]["id"]


def timed(fn, rounds=ROUNDS, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(rounds):
        if times and time.monotonic() > DEADLINE:
            break
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50": times[len(times) // 2], "p90": times[min(len(times) - 1, int(len(times) * 0.9))], "n": len(times)}


token, project_id = issue()
out = {}
net = cfg.get("network_url")
img = cfg.get("image_url")


def make_network():
    _, _, b = call("POST", net + "/v2.0/networks", token, {"network": {"name": "bench-compare"}})
    nid = b["network"]["id"]
    call("POST", net + "/v2.0/subnets", token, {"subnet": {
        "network_id": nid, "cidr": "10.99.0.0/16", "ip_version": 4, "name": "bench-compare"}})
    return nid


def ports_of(nid):
    _, _, b = call("GET", net + "/v2.0/ports?network_id=" + nid, token)
    return b["ports"]


for case in cfg["cases"]:
    DEADLINE = time.monotonic() + BUDGET
    if case == "token issue":
        out[case] = timed(issue)
    elif case == "GET /v3/projects":
        out[case] = timed(lambda: call("GET", cfg["auth_url"] + "/projects", token))
    elif case == "port create":
        nid = make_network()
        made = []
        out[case] = timed(lambda: made.append(
            call("POST", net + "/v2.0/ports", token, {"port": {"network_id": nid}})[2]["port"]["id"]))
        for pid in made:
            call("DELETE", net + "/v2.0/ports/" + pid, token)
        call("DELETE", net + "/v2.0/networks/" + nid, token)
    elif case.startswith("port list"):
        count = int(case.split()[2])
        # Neutron's default quota is 500 ports a project
        call("PUT", net + "/v2.0/quotas/" + project_id, token, {"quota": {"port": -1}})
        nid = make_network()
        # made in bulk (one request per 100), as a list to read, not a create to time
        while len(ports_of(nid)) < count and time.monotonic() < DEADLINE:
            need = min(100, count - len(ports_of(nid)))
            call("POST", net + "/v2.0/ports", token, {"ports": [{"network_id": nid} for _ in range(need)]})
        url = net + "/v2.0/ports?network_id=" + nid
        out[case] = timed(lambda: call("GET", url, token), rounds=ROUNDS if count <= 100 else max(5, ROUNDS // 4))
        out[case]["rows"] = len(ports_of(nid))  # fewer than asked when the budget ran out while making them
        for p in ports_of(nid):
            call("DELETE", net + "/v2.0/ports/" + p["id"], token)
        call("DELETE", net + "/v2.0/networks/" + nid, token)
    elif case == "image list":
        out[case] = timed(lambda: call("GET", img + "/v2/images", token))
    elif case.startswith("image upload"):
        chunked = "chunked" in case
        mib = int(cfg.get("upload_mib", 256))
        fd, path = tempfile.mkstemp(prefix="bench-compare-")
        block = os.urandom(1 << 20)
        with os.fdopen(fd, "wb") as f:
            for _ in range(mib):
                f.write(block)
        best = None
        rounds = int(cfg.get("upload_rounds", 3))
        for _ in range(rounds):
            if best is not None and time.monotonic() > DEADLINE:
                break
            _, _, image = call("POST", img + "/v2/images", token, {
                "name": "bench-compare", "disk_format": "raw", "container_format": "bare"})
            os.sync()  # the previous round's dirty pages are not this one's to write
            url = img + "/v2/images/" + image["id"] + "/file"
            with open(path, "rb") as f:
                t = time.perf_counter()
                if chunked:
                    # no Content-Length: urllib sends an iterable chunked (64 KiB, glanceclient's chunk)
                    chunks = iter(lambda: f.read(65536), b"")
                    call("PUT", url, token, headers={"Content-Type": "application/octet-stream"}, data=chunks)
                else:
                    call("PUT", url, token, data=f, headers={
                        "Content-Type": "application/octet-stream", "Content-Length": str(mib << 20)})
                s = time.perf_counter() - t
            _, _, got = call("GET", img + "/v2/images/" + image["id"], token)
            assert got["status"] == "active" and got["size"] == mib << 20, got
            call("DELETE", img + "/v2/images/" + image["id"], token)
            best = s if best is None else min(best, s)
        os.unlink(path)
        out[case] = {"mb_s": (mib << 20) / 1e6 / best, "n": rounds}
json.dump(out, sys.stdout)
