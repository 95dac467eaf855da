"""claims/s through the claimgate Python package: Engine.validate on one batch, repeated for at
least SECONDS. usage: embed_bench.py FILE CLAIMS SECONDS [report]"""
import sys
import time

import claimgate

data = open(sys.argv[1], "rb").read()
claims, seconds = int(sys.argv[2]), float(sys.argv[3])
answers = not (len(sys.argv) > 4 and sys.argv[4] == "report")
with claimgate.Engine() as engine:
    batches = 0
    t0 = t = time.perf_counter()
    while t - t0 < seconds:
        r = engine.validate(data, "2026-06-01", answers=answers)
        if r.counts.claims != claims:
            raise SystemExit("claims: %d" % r.counts.claims)
        batches += 1
        t = time.perf_counter()
    print("python %.0f" % (claims * batches / (t - t0)))
