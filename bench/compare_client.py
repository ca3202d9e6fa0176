"""The client side of `npm run bench -- compare`: times the calls users feel
against several clouds at once (pocketstack, the real Keystone / Neutron /
Glance, an older pocketstack build), the way the openstack CLI's requests does
without keep-alive: Python's urllib, one new connection per request, JSON
bodies.

Rounds alternate between the clouds (A B B A A B ...: each round's order is
the previous one's reversed), so a change of load on this shared machine hits
all of them alike instead of the ones measured last.

Input (argv[1], JSON): {"targets": [{"name", "auth_url", "network_url"?,
"image_url"?, "user", "password", "project", "cases": [...]}], "cases": [...]
(the order to run them in), "rounds", "upload_mib", "upload_rounds",
"budget_s"}. Output (stdout, JSON): {target name: {case: {"p50": ms, "p90":
ms, "n": rounds} or {"mb_s": best MB/s, "mb_s_median": MB/s, "n": rounds}}}.
Every loop is bounded by its round count and by a deadline."""

import json
import os
import sys
import tempfile
import time
import urllib.request

cfg = json.loads(sys.argv[1])
ROUNDS = int(cfg.get("rounds", 20))
# each case gets this long (making its ports included); at least one round of each target is always timed
BUDGET = float(cfg.get("budget_s", 120))


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


class Cloud:
    def __init__(self, t):
        self.t = t
        self.name = t["name"]
        self.auth = t["auth_url"]
        self.net = t.get("network_url")
        self.img = t.get("image_url")
        self.token, self.project_id = self.issue()

    def issue(self):
        dom = {"id": "default"}
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": self.t["user"], "domain": dom, "password": self.t["password"]}}},
            "scope": {"project": {"name": self.t["project"], "domain": dom}}}}
        _, headers, b = call("POST", self.auth + "/auth/tokens?nocatalog", body=body)
        return headers["X-Subject-Token"], b["token"]["project"]["id"]

    def make_network(self):
        _, _, b = call("POST", self.net + "/v2.0/networks", self.token, {"network": {"name": "bench-compare"}})
        nid = b["network"]["id"]
        call("POST", self.net + "/v2.0/subnets", self.token, {"subnet": {
            "network_id": nid, "cidr": "10.99.0.0/16", "ip_version": 4, "name": "bench-compare"}})
        return nid

    def ports_of(self, nid):
        return call("GET", self.net + "/v2.0/ports?network_id=" + nid, self.token)[2]["ports"]

    def drop_network(self, nid):
        for p in self.ports_of(nid):
            call("DELETE", self.net + "/v2.0/ports/" + p["id"], self.token)
        call("DELETE", self.net + "/v2.0/networks/" + nid, self.token)


def alternate(clouds, fns, rounds, deadline, warmup=2):
    """Times fns[i]() for clouds[i] (ms), round by round, each round in the reverse order of the last."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times = [[] for _ in clouds]
    order = list(range(len(clouds)))
    for r in range(rounds):
        if r > 0 and time.monotonic() > deadline:
            break
        for i in order:
            t = time.perf_counter()
            own = fns[i]()
            # a call that times itself (an upload: not its image create and sync) returns its seconds
            times[i].append((own if isinstance(own, float) else time.perf_counter() - t) * 1000)
        order.reverse()
    out = []
    for ts in times:
        ts.sort()
        out.append({"p50": ts[len(ts) // 2], "p90": ts[min(len(ts) - 1, int(len(ts) * 0.9))], "min": ts[0],
                    "n": len(ts)})
    return out


def upload_file(mib):
    fd, path = tempfile.mkstemp(prefix="bench-compare-")
    block = os.urandom(1 << 20)
    with os.fdopen(fd, "wb") as f:
        for _ in range(mib):
            f.write(block)
    return path


def upload_once(c, path, mib, chunked):
    _, _, image = call("POST", c.img + "/v2/images", c.token, {
        "name": "bench-compare", "disk_format": "raw", "container_format": "bare"})
    os.sync()  # the previous round's dirty pages are not this one's to write
    url = c.img + "/v2/images/" + image["id"] + "/file"
    with open(path, "rb") as f:
        t = time.perf_counter()
        if chunked:
            # no Content-Length: urllib sends an iterable chunked (64 KiB, glanceclient's chunk)
            chunks = iter(lambda: f.read(65536), b"")
            call("PUT", url, c.token, headers={"Content-Type": "application/octet-stream"}, data=chunks)
        else:
            # a file object: http.client sends it in 8 KiB reads
            call("PUT", url, c.token, data=f, headers={
                "Content-Type": "application/octet-stream", "Content-Length": str(mib << 20)})
        s = time.perf_counter() - t
    _, _, got = call("GET", c.img + "/v2/images/" + image["id"], c.token)
    assert got["status"] == "active" and got["size"] == mib << 20, got
    call("DELETE", c.img + "/v2/images/" + image["id"], c.token)
    return s


def run_case(case, clouds, deadline):
    if case == "token issue":
        return alternate(clouds, [c.issue for c in clouds], ROUNDS, deadline)
    if case == "GET /v3/projects":
        return alternate(clouds, [lambda c=c: call("GET", c.auth + "/projects", c.token) for c in clouds],
                         ROUNDS, deadline)
    if case == "port create":
        nets = [c.make_network() for c in clouds]
        try:
            fns = [lambda c=c, n=n: call("POST", c.net + "/v2.0/ports", c.token, {"port": {"network_id": n}})
                   for c, n in zip(clouds, nets)]
            return alternate(clouds, fns, ROUNDS, deadline)
        finally:
            for c, n in zip(clouds, nets):
                c.drop_network(n)
    if case.startswith("port list"):
        count = int(case.split()[2])
        nets = []
        try:
            for c in clouds:
                # Neutron's default quota is 500 ports a project
                call("PUT", c.net + "/v2.0/quotas/" + c.project_id, c.token, {"quota": {"port": -1}})
                nid = c.make_network()
                nets.append(nid)
                # made in bulk (one request per 100), as a list to read, not a create to time; each cloud
                # gets the case's budget for its own (the real Neutron takes minutes for 1,000)
                have = 0
                making = time.monotonic() + BUDGET
                while have < count and time.monotonic() < making:
                    need = min(100, count - have)
                    call("POST", c.net + "/v2.0/ports", c.token, {"ports": [{"network_id": nid} for _ in range(need)]})
                    have = len(c.ports_of(nid))
            fns = [lambda c=c, n=n: call("GET", c.net + "/v2.0/ports?network_id=" + n, c.token)
                   for c, n in zip(clouds, nets)]
            rounds = ROUNDS if count <= 100 else max(5, ROUNDS // 4)
            res = alternate(clouds, fns, rounds, time.monotonic() + BUDGET)
            for r, c, n in zip(res, clouds, nets):
                r["rows"] = len(c.ports_of(n))  # fewer than asked when the budget ran out while making them
            return res
        finally:
            for c, n in zip(clouds, nets):
                c.drop_network(n)
    if case == "image list":
        return alternate(clouds, [lambda c=c: call("GET", c.img + "/v2/images", c.token) for c in clouds],
                         ROUNDS, deadline)
    if case.startswith("image upload"):
        chunked = "chunked" in case
        mib = int(cfg.get("upload_mib", 256))
        path = upload_file(mib)
        try:
            fns = [lambda c=c: upload_once(c, path, mib, chunked) for c in clouds]
            res = alternate(clouds, fns, int(cfg.get("upload_rounds", 5)), deadline, warmup=1)
            return [{"mb_s": (mib << 20) / 1e3 / r["min"], "mb_s_median": (mib << 20) / 1e3 / r["p50"], "n": r["n"]}
                    for r in res]
        finally:
            os.unlink(path)
    raise ValueError(case)


clouds = {}
for t in cfg["targets"]:
    try:
        clouds[t["name"]] = Cloud(t)
    except Exception as err:  # a cloud that cannot log in loses only its own numbers
        print(f"{t['name']}: {err}", file=sys.stderr)
out = {name: {} for name in clouds}
for case in cfg["cases"]:
    these = [clouds[t["name"]] for t in cfg["targets"] if t["name"] in clouds and case in t["cases"]]
    if not these:
        continue
    try:
        res = run_case(case, these, time.monotonic() + BUDGET)
    except Exception as err:
        print(f"{case}: {err}", file=sys.stderr)
        continue
    for c, r in zip(these, res):
        r.pop("min", None)
        out[c.name][case] = r
json.dump(out, sys.stdout)
