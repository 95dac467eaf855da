#!/usr/bin/env python3
"""The HTTP contract, checked against the live server (issue 15).

1. GET /openapi.json is a self-consistent OpenAPI 3.1 document: every $ref resolves, every
   schema is a valid JSON Schema 2020-12, every operation documents its answers.
2. Every route the server's source matches (engine/server/*.cpp: `target == "/..."` and
   `target.rfind("/...", 0) == 0`) is a documented path, and every documented operation is
   exercised below.
3. Each request below gets the status it should, and its answer matches the document: the
   status is documented for the operation, the Content-Type is one documented for it, the body
   validates against its schema, and headers marked required are present.
4. The CLI's JSON report (`claimgate validate --format json`) validates against
   docs/report.schema.json for the bundled examples and every conformance case input.

Usage: openapi_check.py CLAIMGATE_EXE SOURCE_DIR WORK_DIR
Exit 77 (skipped) without the jsonschema module (Debian: python3-jsonschema). 127.0.0.1 only;
every wait is bounded.
"""
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings

try:
    import jsonschema
except ImportError:
    print("python3 jsonschema is not installed: skipped")
    sys.exit(77)

warnings.simplefilter("ignore", DeprecationWarning)  # RefResolver: the API Debian 12's jsonschema has

exe, src, work = (os.path.abspath(a) for a in sys.argv[1:4])
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


# ---- the server ---------------------------------------------------------------------------

def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


ADMIN_KEY = "contract-admin-key-0123456789"
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
config = {
    "threads": 2,
    "admins": [{"id": "ops", "api_key": ADMIN_KEY}],
    "limits": {"max_claims_per_request": 5, "max_body_bytes": 200000},
    # A payer nobody listens on, one attempt: accepted claims become dead letters at once.
    "forward": {"workers": 1, "max_attempts": 1, "connect_timeout_ms": 300, "timeout_ms": 1000,
                "targets": {"payer": {"type": "http", "x12_url": "http://127.0.0.1:%d/x12" % closed_port(),
                                      "fhir_url": "http://127.0.0.1:%d/fhir" % closed_port()}},
                "default_target": "payer"},
}
with open(os.path.join(work, "config.json"), "w") as f:
    json.dump(config, f)
log = open(os.path.join(work, "server.log"), "w")
proc = subprocess.Popen([exe, "serve", "--config", os.path.join(work, "config.json"), "--listen", "127.0.0.1:0",
                         "--data-dir", os.path.join(work, "var"), "--port-file", os.path.join(work, "port")],
                        stdout=log, stderr=log)
port = None
deadline = time.time() + 60
while time.time() < deadline and port is None:
    try:
        text = open(os.path.join(work, "port")).read()
        if text.endswith("\n"):
            port = int(text)
    except OSError:
        pass
    if proc.poll() is not None:
        break
    time.sleep(0.05)
if port is None:
    print("the server did not start:\n" + open(os.path.join(work, "server.log")).read())
    proc.kill()
    sys.exit(1)


def call(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    h = {"Host": "127.0.0.1"}
    h.update(headers or {})
    data = body.encode() if isinstance(body, str) else body
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    conn.close()
    return out


# ---- 1. the document ----------------------------------------------------------------------

status, headers, body = call("GET", "/openapi.json")
if status != 200:
    print("GET /openapi.json answered %d" % status)
    proc.kill()
    sys.exit(1)
doc = json.loads(body)
if doc.get("openapi") != "3.1.0":
    fail("openapi is %r, not 3.1.0" % doc.get("openapi"))
with open(os.path.join(src, "docs/openapi.json")) as f:
    source_doc = json.load(f)
if set(source_doc["paths"]) != set(doc["paths"]):
    fail("the served document's paths differ from docs/openapi.json")

resolver = jsonschema.RefResolver.from_schema(doc)


def resolve(node):
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
        node = resolver.resolve(node["$ref"])[1]
    return node


def walk(node, where):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                resolver.resolve(ref)
            except Exception as e:  # noqa: BLE001 - any failure to resolve is the finding
                fail("%s: $ref %s does not resolve: %s" % (where, ref, e))
        for k, v in node.items():
            walk(v, where + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, "%s/%d" % (where, i))


walk(doc, "#")
for name, schema in doc["components"]["schemas"].items():
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        fail("components.schemas.%s is no valid JSON Schema: %s" % (name, e.message))

operations = {}
for path, item in doc["paths"].items():
    for method, op in item.items():
        if method not in ("get", "post", "put", "delete", "patch"):
            continue
        if not op.get("responses"):
            fail("%s %s documents no answers" % (method.upper(), path))
        operations[(method.upper(), path)] = op


def path_regex(template):
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


templates = [(t, path_regex(t)) for t in doc["paths"]]


def documented_path(path):
    path = path.split("?")[0].replace("%24", "$")
    for t, rx in templates:
        if rx.match(path):
            return t
    return None


# ---- 2. the server's routes are documented -------------------------------------------------

routes = set()
for cpp in glob.glob(os.path.join(src, "engine/server/*.cpp")):
    text = open(cpp).read()
    routes.update(("exact", m) for m in re.findall(r'target == "(/[^"]*)"', text))
    routes.update(("prefix", m) for m in re.findall(r'target\.rfind\("(/[^"]*)", 0\) == 0', text))
for kind, route in sorted(routes):
    if kind == "exact":
        ok = documented_path(route) is not None or (route.endswith("/") and documented_path(route[:-1]) is not None)
    else:
        ok = any(t.startswith(route) for t in doc["paths"])
    if not ok:
        fail("the server routes %s (%s) but the document has no such path" % (route, kind))
if not routes:
    fail("no routes found in engine/server/*.cpp: the pattern this check reads has changed")

# ---- 3. the answers -----------------------------------------------------------------------

exercised = set()


def media(ct):
    return ct.split(";")[0].strip().lower()


def check(method, path, expected, body=None, headers=None, label=""):
    status, hdrs, raw = call(method, path, body, headers)
    what = "%s %s%s" % (method, path, (" (" + label + ")") if label else "")
    if status != expected:
        fail("%s: answered %d, expected %d: %s" % (what, status, expected, raw[:300]))
    template = documented_path(path)
    if template is None:
        if status != 404:
            fail("%s: an undocumented path answered %d" % (what, status))
        return status, hdrs, raw
    op = operations.get((method, template))
    if op is None:
        if status != 405:
            fail("%s: an undocumented method answered %d" % (what, status))
        return status, hdrs, raw
    exercised.add((method, template))
    responses = op["responses"]
    resp = responses.get(str(status)) or responses.get("default")
    if resp is None:
        fail("%s: status %d is not documented (documented: %s)" % (what, status, ", ".join(responses)))
        return status, hdrs, raw
    resp = resolve(resp)
    for name, header in (resp.get("headers") or {}).items():
        header = resolve(header)
        if header.get("required") and name.lower() not in hdrs:
            fail("%s: the required header %s is missing" % (what, name))
        elif name.lower() in hdrs and "schema" in header:
            try:
                jsonschema.Draft202012Validator(header["schema"], resolver=resolver).validate(hdrs[name.lower()])
            except jsonschema.ValidationError as e:
                fail("%s: header %s: %s" % (what, name, e.message))
    content = resp.get("content")
    if not content:
        return status, hdrs, raw
    ct = media(hdrs.get("content-type", ""))
    if ct not in content:
        fail("%s: Content-Type %s is not documented for %d (%s)" % (what, ct, status, ", ".join(content)))
        return status, hdrs, raw
    schema = content[ct].get("schema")
    if schema is None:
        return status, hdrs, raw
    if ct.endswith("json"):
        try:
            instance = json.loads(raw)
        except ValueError:
            fail("%s: the body is not JSON" % what)
            return status, hdrs, raw
    else:
        instance = raw.decode("utf-8", "replace")
        if ct == "application/edi-x12" and instance and not instance.startswith("ISA"):
            fail("%s: the X12 answer does not start with an ISA" % what)
    try:
        jsonschema.Draft202012Validator(schema, resolver=resolver).validate(instance)
    except jsonschema.ValidationError as e:
        fail("%s: the body does not match the document: %s at %s" % (what, e.message, "/".join(str(p) for p in e.absolute_path)))
    return status, hdrs, raw


def read(rel):
    with open(os.path.join(src, rel), "rb") as f:
        return f.read()


admin = {"X-API-Key": ADMIN_KEY}
fhir = {"Content-Type": "application/fhir+json"}
x12 = read("deploy/examples/professional.x12")
accepted = read("tests/integration/data/claim-accepted.json")
rejected = read("tests/integration/data/claim-rejected.json")
batch = read("tests/integration/data/batch.json")

check("GET", "/healthz", 200)
check("GET", "/readyz", 200)
check("GET", "/openapi.json", 200)
check("GET", "/fhir/metadata", 200)
check("DELETE", "/fhir/metadata", 405)
check("GET", "/metrics", 401, label="no credential")
check("GET", "/metrics", 200, headers=admin)

_, h, raw = check("POST", "/x12", 200, x12, label="JSON report")
report_keys = json.loads(raw)
check("POST", "/x12", 200, x12, {"Accept": "application/edi-x12"}, label="X12 answer")
check("POST", "/x12?answer=999", 200, x12, label="999 only")
_, _, raw = check("POST", "/x12", 200, x12, {"Accept": "application/edi-x12; answer=277ca"}, label="277CA only")
if b"ST*999" in raw or b"ST*277" not in raw:
    fail("answer=277ca: the answer is not the 277CA alone")
check("POST", "/x12?answer=835", 400, x12)
check("POST", "/x12", 400, b"this is not X12")
check("POST", "/x12", 415, x12, {"Content-Type": "application/json"})
_, h, raw = check("POST", "/x12", 413, x12 * 2, {"Accept": "application/edi-x12"}, label="over max_claims_per_request: TA1")
if b"*R*024~" not in raw or "more than 5 claims" not in h.get("x-claimgate-error", ""):
    fail("over max_claims_per_request: no TA1 R 024 naming the limit: %r %r" % (h.get("x-claimgate-error"), raw[:200]))
check("POST", "/x12", 413, b"ISA" + b"*" * 250000, label="over max_body_bytes")

_, h, raw = check("POST", "/fhir/Claim", 201, accepted, fhir)
key = json.loads(raw)["id"]
check("POST", "/fhir/Claim", 422, rejected, fhir)
check("POST", "/fhir/Claim", 400, b"{not json", fhir)
check("POST", "/fhir/Claim", 415, accepted, {"Content-Type": "application/fhir+xml"})
check("POST", "/fhir/Claim", 415, accepted, {"Content-Type": "application/fhir+json", "Content-Encoding": "gzip"})
check("POST", "/fhir/Claim", 413, b" " * 250000, fhir)
check("GET", "/fhir/Claim", 405)
check("POST", "/fhir/Claim/$submit", 200, accepted, fhir)
check("POST", "/fhir/Claim/$submit", 200, batch, fhir, label="a Bundle")
check("POST", "/fhir/Claim/$validate", 200, rejected, fhir)
check("POST", "/fhir/Claim/%24validate", 200, rejected, fhir, label="percent-encoded")
check("POST", "/fhir", 200, batch, fhir)
check("GET", "/fhir/Patient/1", 404)

# The accepted claims become dead letters (the payer's port is closed, one attempt).
deadline = time.time() + 20
while time.time() < deadline:
    if json.loads(call("GET", "/claims/" + key)[2]).get("state") == "dead_lettered":
        break
    time.sleep(0.05)
check("GET", "/claims/" + key, 200)
check("GET", "/fhir/ClaimResponse/" + key, 200)
check("GET", "/claims/no-such-key", 404)
check("GET", "/fhir/ClaimResponse/no-such-key", 404)
check("POST", "/claims/" + key, 405)
check("GET", "/admin/dead-letters", 401)
check("GET", "/admin/dead-letters", 200, headers=admin)
check("POST", "/admin/dead-letters/replay?key=" + key, 200, headers=admin)
check("POST", "/admin/dead-letters/replay?key=no-such-key", 404, headers=admin)
check("GET", "/admin/dead-letters/replay", 405, headers=admin)
check("POST", "/admin/reload", 200, headers=admin)
check("GET", "/admin/reload", 405, headers=admin)
check("GET", "/admin/status", 200, headers=admin)
check("POST", "/admin/status", 405, headers=admin)
check("GET", "/admin/console", 200, headers=admin)
check("GET", "/admin/console/console.js", 200, headers=admin)
check("GET", "/admin/console/nope.js", 404, headers=admin)
check("GET", "/no/such/endpoint", 404)

for op in sorted(set(operations) - exercised):
    fail("%s %s is documented but not exercised by this check" % op)

proc.send_signal(signal.SIGTERM)
try:
    proc.wait(timeout=20)
except subprocess.TimeoutExpired:
    proc.kill()
    fail("the server did not stop within 20 s of SIGTERM")

# ---- 4. the CLI's report against its schema -----------------------------------------------

with open(os.path.join(src, "docs/report.schema.json")) as f:
    report_schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(report_schema)
validator = jsonschema.Draft202012Validator(report_schema)
inputs = sorted(glob.glob(os.path.join(src, "deploy/examples/*")) + glob.glob(os.path.join(src, "conformance/cases/*/*/input.*")))
checked = 0
for path in inputs:
    r = subprocess.run([exe, "validate", "--format", "json", "--today", "2026-11-01", path], capture_output=True, timeout=60)
    if r.returncode not in (0, 1, 2):
        fail("validate %s: exit %d" % (path, r.returncode))
        continue
    try:
        report = json.loads(r.stdout)
    except ValueError:
        fail("validate %s: the output is not JSON" % path)
        continue
    for e in validator.iter_errors(report):
        fail("validate %s: %s at %s" % (os.path.relpath(path, src), e.message, "/".join(str(p) for p in e.absolute_path)))
        break
    checked += 1
try:
    validator.validate(report_keys)  # the server's X12 report (with entry_key)
except jsonschema.ValidationError as e:
    fail("POST /x12 report: %s" % e.message)

print("%d operations, %d routes, %d CLI reports checked; %d failures" % (len(exercised), len(routes), checked, len(failures)))
sys.exit(1 if failures else 0)
