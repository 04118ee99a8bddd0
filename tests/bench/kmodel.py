"""The kernel-cost model the bench gives the simulator, and where it comes from.

The sim charges (counts, never sleeps) `ioctl-ns` per ioctl and
`pin-ns-per-page` per page it newly pins (type1 MAP_DMA, IOMMU_IOAS_MAP;
IOMMU_IOAS_COPY shares pinned pages and pins none).  The two numbers are
per backend and come, in order of preference, from:

  1. the real-kernel guest of this run (scenario (f), which run.py runs
     first): `uapi-conformance --map-floor` of 4 KiB, prefaulted (one call's
     fixed cost: ioctl-ns) and of 1 GiB of shared 4 KiB pages, the memory
     the simulated scenarios give both binaries (memfd):
     pin-ns-per-page = (map time - ioctl-ns) / pages, twice: for fresh
     pages, which the map faults in ("fresh": (a) and (c), whose RAM is
     mapped for the first time), and for pages already faulted in
     ("resident": (b), whose BAR's pages are mapped again on every move,
     and (d), whose second IOAS maps pages the first one has pinned);
  2. the model of the previous run's JSON in the build tree, if it was
     measured (its source and date are kept);
  3. the notes' 256 MiB maps in the bench guest (docs/devel/benchmarks.rst):
     MAP_DMA 1.21 s, IOAS_MAP 0.034 s; no per-call figure (ioctl-ns 0).

model = {"legacy": {"pin_ns_per_page": n, "pin_ns_per_page_resident": n,
                    "ioctl_ns": n},
         "iommufd": {...}, "source": "text", "measured": bool}
"""

import json
import statistics

PAGE = 4096

_L = round(1.21e9 / (256 << 20 >> 12))
_I = round(0.034e9 / (256 << 20 >> 12))
DEFAULT = {
    "legacy": {"pin_ns_per_page": _L, "pin_ns_per_page_resident": _L,
               "ioctl_ns": 0},
    "iommufd": {"pin_ns_per_page": _I, "pin_ns_per_page_resident": _I,
                "ioctl_ns": 0},
    "source": "default: the notes' bench-guest maps of 256 MiB of fresh "
              "shared memory (VFIO_IOMMU_MAP_DMA 1.21 s, IOMMU_IOAS_MAP "
              "0.034 s), for resident pages too; per-call cost not "
              "measured (0)",
    "measured": False,
}


def _size(text):
    units = {"K": 10, "M": 20, "G": 30}
    return int(text[:-1]) << units[text[-1]] if text[-1] in units \
        else int(text)


def from_guest(res, when, accel):
    """The model from guest_ttr.py's results, None without the floors."""
    model = {"measured": True}
    parts = []
    for backend in ("legacy", "iommufd"):
        calls = [f["map_s"] for f in res.get("calls", [])
                 if f["backend"] == backend and "map_s" in f]
        big = {f["memory"]: f for f in res.get("floors", [])
               if f["backend"] == backend and "map_s" in f}
        if not calls or "shared-fresh" not in big:
            return None
        call_s = statistics.median(calls)
        fresh = big["shared-fresh"]
        resident = big.get("shared-prefaulted", fresh)
        pages = _size(fresh["size"]) // PAGE
        model[backend] = {
            "pin_ns_per_page": round(max(fresh["map_s"] - call_s, 0.0)
                                     / pages * 1e9),
            "pin_ns_per_page_resident": round(
                max(resident["map_s"] - call_s, 0.0) / pages * 1e9),
            "ioctl_ns": round(call_s * 1e9),
            "map_s": fresh["map_s"], "resident_map_s": resident["map_s"],
            "call_s": call_s, "pages": pages}
        parts.append(f"{backend}: map of {fresh['size']} shared, fresh "
                     f"{fresh['map_s']:.3f} s, resident "
                     f"{resident['map_s']:.3f} s; of 4 KiB prefaulted "
                     f"{call_s * 1e6:.0f} us (median of {len(calls)})")
    model["source"] = (f"real kernel, (f) guest run of {when} ({accel}): "
                       + "; ".join(parts))
    return model


def previous(path):
    """The measured model of an earlier run's JSON, or None."""
    try:
        with open(path) as f:
            m = json.load(f).get("kernel_model")
    except (OSError, ValueError):
        return None
    if not m or not m.get("measured"):
        return None
    m = dict(m)
    if not m["source"].startswith("previous run"):
        m["source"] = f"previous run ({path}): {m['source']}"
    return m


def conf_lines(model, backend, resident=False):
    """The sim configuration's [iommu] lines for a backend; resident: the
    pages a scenario maps are already faulted in."""
    if not model:
        return []
    b = model[backend]
    pin = b.get("pin_ns_per_page_resident", b["pin_ns_per_page"]) \
        if resident else b["pin_ns_per_page"]
    return [f"pin-ns-per-page={pin}", f"ioctl-ns={b['ioctl_ns']}"]


def describe(model):
    lines = [f"kernel model: {model['source']}"]
    for backend in ("legacy", "iommufd"):
        b = model[backend]
        lines.append(f"  {backend:8} pin-ns-per-page={b['pin_ns_per_page']} "
                     f"(fresh: a, c) "
                     f"{b.get('pin_ns_per_page_resident', '?')} "
                     f"(resident: b, d) ioctl-ns={b['ioctl_ns']}")
    return lines
