# SPDX-License-Identifier: GPL-2.0-or-later
"""The bench targets, judged on run.py's rows; never enforced.

evaluate(rows, model) returns one verdict per target and backend:
    {"scenario", "backend", "what", "verdict": PASS|MISS|N/A, "detail"}
model: kmodel's, for the (d) verdicts' account of what the sim charged.
"""

from kmodel import pin_price


def _find(rows, sc, backend, binary, variant=None):
    for r in rows:
        if (r["scenario"] == sc and r["backend"] == backend
                and r["binary"] == binary and r["status"] == "ok"
                and (variant is None or r["variant"].startswith(variant))):
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


def _g(x, fmt="{:.4g}"):
    return "-" if x is None else fmt.format(x)


def modelled(r):
    """Userspace CPU of the phase (or process) plus the modelled kernel
    time; None without a model."""
    if r is None or r.get("model_s") is None:
        return None
    cpu = r["cpu_s"] if r["cpu_s"] is not None else r["cpu_total_s"]
    return None if cpu is None else cpu + r["model_s"]


def _floor_note(o, p):
    """(b)/(e): where both binaries stand against the mechanism's floor."""
    ref = o or p
    if ref is None or "floor_ioctls" not in ref["extra"]:
        return ""
    fl = ref["extra"]["floor_ioctls"]
    parts = [f"floor {fl:g} ({ref['extra']['floor_why']})"]
    for name, r in (("ours", o), ("peer", p)):
        if r is not None:
            t = _total(r)
            parts.append(f"{name} {'at' if t <= fl else 'above'} floor")
            if t < fl:
                parts[-1] = f"{name} BELOW floor"
            if r["extra"].get("bar_answers") is False:
                parts.append(
                    f"{name} SUSPECT: its BAR did not end where it was put "
                    f"(at {r['extra'].get('bar_final', '?')}, command "
                    f"{r['extra'].get('command', '?')})")
    return "; ".join(parts)


def evaluate(rows, model=None):
    """Verdicts for the scenarios present in rows."""
    present = {r["scenario"] for r in rows}
    return [v for v in _evaluate(rows, model) if v["scenario"] in present]


def _evaluate(rows, model):
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
                detail = f"({_g(oi)} vs {_g(pi)})"
                if sc in ("b", "e"):
                    detail += f"; {_floor_note(o, p)}"
                out.append(_verdict(sc, backend, f"ioctls ours/peer{tag}",
                                    _ratio(oi, pi), limit, detail))
                if sc in ("a", "b", "c"):
                    oc = o["cpu_s"] if o else None
                    pc = p["cpu_s"] if p else None
                    detail = f"({_g(oc)} vs {_g(pc)} s)"
                    if pc == 0:
                        out.append(_verdict(sc, backend,
                                            f"CPU ours/peer{tag}", None, 0.5,
                                            "below the clock tick on both"))
                    else:
                        out.append(_verdict(sc, backend,
                                            f"CPU ours/peer{tag}",
                                            _ratio(oc, pc), 0.5, detail))
        out += _d(rows, backend, model)
        out += _f(rows, backend)
    # never more ioctls than the peer: also (d), where the peer has a
    # second IOAS (iommufd); on legacy it shares its container, ours not
    o = _find(rows, "d", "iommufd", "ours", "copy")
    p = _find(rows, "d", "iommufd", "peer")
    out.append(_verdict("d", "iommufd", "ioctls ours/peer",
                        _ratio(_total(o) if o else None,
                               _total(p) if p else None), 1.0))
    return out


def _model_split(r):
    """What the sim charged the fill calls of a (d) row, in seconds."""
    ns = r["extra"].get("model_ns", {}) if r else {}
    parts = [f"{k} {ns[k] / 1e9:.4g}" for k in
             ("IOMMU_IOAS_COPY", "IOMMU_IOAS_MAP",
              "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "IOMMU_HWPT_ALLOC")
             if ns.get(k)]
    return ", ".join(parts) or "-"


def _d_model_note(model, backend, real_ratio):
    """The (d) model's prices, and the real kernel's ratio beside it."""
    if not model or backend not in model:
        return ""
    b = model[backend]
    note = (f"; model: a copy pays map-ns-per-page="
            f"{b.get('map_ns_per_page', 0)} per page, a re-map also "
            f"pin-ns-per-page={pin_price(b, 'pinned')} (pages pinned by "
            f"the first IOAS)")
    if real_ratio is not None:
        note += f"; real kernel 1 GiB memfd ratio {real_ratio:.3f}"
    return note


def _d(rows, backend, model=None):
    """(d) at 1 TiB on the sim: the second IOAS's userspace CPU plus the
    modelled kernel time, copy against re-map (ours with x-ioas-copy=off,
    and the peer); on the real kernel at 1 GiB: the device_add's time.
    The model charges a copy every page it puts into the new domain
    (map-ns-per-page) and a re-map that and the pin (kmodel.py)."""
    if backend == "legacy":
        return []                   # type1 has no copy
    out = []
    real = [_find(rows, "d", backend, "ours", f"real 1G memfd, {v}")
            for v in ("copy", "x-ioas-copy=off")]
    real_ratio = _ratio(*[x["wall_s"] if x else None for x in real])
    copy = _find(rows, "d", backend, "ours", "copy")
    for name, other in (("ours re-map", _find(rows, "d", backend, "ours",
                                               "remap")),
                        ("peer re-map", _find(rows, "d", backend, "peer",
                                              "peer"))):
        if modelled(copy) is not None and modelled(other) is not None:
            r = _ratio(modelled(copy), modelled(other))
            detail = (f"(cpu+model {modelled(copy):.4g} vs "
                      f"{modelled(other):.4g} s; wall {_g(copy['wall_s'])} "
                      f"vs {_g(other['wall_s'])} s; modelled "
                      f"{_model_split(copy)} vs {_model_split(other)} s) "
                      f"(5x faster)"
                      f"{_d_model_note(model, backend, real_ratio)}")
            what = f"1 TiB: IOAS_COPY / {name}, cpu+model"
        else:
            r = _ratio(copy["wall_s"] if copy else None,
                       other["wall_s"] if other else None)
            detail = "(5x faster; no kernel model: wall time only)"
            what = f"1 TiB: IOAS_COPY / {name}, wall"
        out.append(_verdict("d", backend, what, r, 0.2, detail))
    for ram in ("THP", "memfd"):
        copy = _find(rows, "d", backend, "ours", f"real 1G {ram}, copy")
        remap = _find(rows, "d", backend, "ours",
                      f"real 1G {ram}, x-ioas-copy=off")
        out.append(_verdict(
            "d", backend, f"real kernel 1 GiB {ram}: IOAS_COPY / re-map, "
            f"device_add", _ratio(copy["wall_s"] if copy else None,
                                  remap["wall_s"] if remap else None), 0.2,
            f"({_g(copy['wall_s'] if copy else None)} vs "
            f"{_g(remap['wall_s'] if remap else None)} s) (5x faster)"))
    return out


def _f(rows, backend):
    o = _find(rows, "f", backend, "ours")
    p = _find(rows, "f", backend, "peer")
    wall = (lambda r: r["wall_s"] if r else None)
    def split(r):
        if not r or "connect_s" not in r["extra"]:
            return ""
        return (f"; {r['binary']}: until its qtest connection "
                f"{_g(r['extra']['connect_s'])} s, after it "
                f"{_g(r['extra'].get('after_connect_s'))} s (medians)")
    out = [_verdict("f", backend, "time-to-ready ours/peer",
                    _ratio(wall(o), wall(p)), 1.0,
                    f"({_g(wall(o))} vs {_g(wall(p))} s){split(o)}"
                    f"{split(p)}")]
    for variant, what in (
            ("map, private THP", "ours/raw floor (map, memory like ours)"),
            ("process, private THP",
             "ours/raw floor (launch+setup+map program)")):
        fl = _find(rows, "f", backend, "floor", variant)
        out.append(_verdict("f", backend, f"time-to-ready {what}",
                            _ratio(wall(o), wall(fl)), 1.1,
                            f"({_g(wall(o))} vs {_g(wall(fl))} s)"
                            f"{split(o)}"))
    return out
