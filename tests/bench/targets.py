"""The bench targets (issue 7), judged on run.py's rows; never enforced.

evaluate(rows) returns one verdict per target and backend:
    {"scenario", "backend", "what", "verdict": PASS|MISS|N/A, "detail"}
"""


def _find(rows, sc, backend, binary, variant=None):
    for r in rows:
        if (r["scenario"] == sc and r["backend"] == backend
                and r["binary"] == binary and r["status"] == "ok"
                and (variant is None or r["variant"] == variant)):
            return r
    return None


def _total(r):
    return sum(r["ioctls"].values())


def _ratio(a, b):
    if a is None or b is None:
        return None
    return a / b if b else (0.0 if a == 0 else float("inf"))


def _verdict(sc, backend, what, ratio, limit, detail=""):
    if ratio is None:
        return {"scenario": sc, "backend": backend, "what": what,
                "verdict": "N/A", "detail": detail or "a side did not run"}
    ok = ratio <= limit
    return {"scenario": sc, "backend": backend, "what": what,
            "verdict": "PASS" if ok else "MISS",
            "detail": f"ratio {ratio:.3f} (target <= {limit:g}) {detail}"
                      .rstrip()}


def evaluate(rows):
    """Verdicts for the scenarios present in rows."""
    present = {r["scenario"] for r in rows}
    return [v for v in _evaluate(rows) if v["scenario"] in present]


def _evaluate(rows):
    out = []
    for backend in ("legacy", "iommufd"):
        for sc in ("a", "b", "c", "e"):
            variants = ["1st device", "2nd-8th, per device"] \
                if sc == "c" else [None]
            for v in variants:
                o = _find(rows, sc, backend, "ours", v)
                p = _find(rows, sc, backend, "peer", v)
                tag = f" [{v}]" if v else ""
                oi = _total(o) if o else None
                pi = _total(p) if p else None
                limit = 0.5 if sc in ("b", "e") else 1.0
                out.append(_verdict(sc, backend, f"ioctls ours/peer{tag}",
                                    _ratio(oi, pi), limit,
                                    f"({oi} vs {pi})"))
                if sc in ("a", "b", "c"):
                    oc = o["cpu_s"] if o else None
                    pc = p["cpu_s"] if p else None
                    detail = f"({oc} vs {pc} s)"
                    if pc == 0:
                        out.append(_verdict(sc, backend,
                                            f"CPU ours/peer{tag}", None, 0.5,
                                            "below the clock tick on both"))
                    else:
                        out.append(_verdict(sc, backend,
                                            f"CPU ours/peer{tag}",
                                            _ratio(oc, pc), 0.5, detail))
        # (d) copy vs re-map, wall time of the second device's realize
        copy = _find(rows, "d", backend, "ours", "copy")
        for name, other in (("ours re-map", _find(rows, "d", backend, "ours",
                                                   "remap")),
                            ("peer re-map", _find(rows, "d", backend, "peer",
                                                  "peer"))):
            if backend == "legacy":
                continue            # type1 has no copy
            r = _ratio(copy["wall_s"] if copy else None,
                       other["wall_s"] if other else None)
            out.append(_verdict("d", backend, f"IOAS_COPY time / {name} time",
                                r, 0.2, "(5x faster)"))
        # (f) real kernel
        o = _find(rows, "f", backend, "ours")
        p = _find(rows, "f", backend, "peer")
        fl = _find(rows, "f", backend, "floor")
        out.append(_verdict("f", backend, "time-to-ready ours/peer",
                            _ratio(o["wall_s"] if o else None,
                                   p["wall_s"] if p else None), 1.0))
        out.append(_verdict("f", backend, "time-to-ready ours/raw floor",
                            _ratio(o["wall_s"] if o else None,
                                   fl["wall_s"] if fl else None), 1.1))
    # never more ioctls than the peer: also (d), where the peer has a
    # second IOAS (iommufd); on legacy it shares its container, ours not
    for backend in ("iommufd",):
        o = _find(rows, "d", backend, "ours", "copy")
        p = _find(rows, "d", backend, "peer")
        out.append(_verdict("d", backend, "ioctls ours/peer",
                            _ratio(_total(o) if o else None,
                                   _total(p) if p else None), 1.0))
    return out
