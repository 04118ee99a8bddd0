# SPDX-License-Identifier: GPL-2.0-or-later
"""The kernel-cost model the bench gives the simulator, and where it comes from.

The sim charges (counts, never sleeps) `ioctl-ns` per ioctl,
`pin-ns-per-page` per page it newly pins (type1 MAP_DMA, IOMMU_IOAS_MAP;
IOMMU_IOAS_COPY shares pinned pages and pins none) and `map-ns-per-page`
per page that enters an IOMMU domain, once per domain (MAP_DMA, IOAS_MAP
and IOAS_COPY into a space with a domain, a new domain's fill;
docs/devel/vfio-sim.rst).  A page that is pinned and mapped pays both,
so the pin price is what a map of resident or fresh memory costs per page
beyond its domain fill.

map-ns-per-page comes, in order of preference, from:

  1. the copy floors of this run's guest (`uapi-conformance --map-floor
     1G --copy --prefault`, shared 4 KiB pages, median): the IOMMU_IOAS_COPY
     of an attached IOAS's 1 GiB into a second IOAS with its own domain,
     less one call's fixed cost, per page;
  2. this run's real-kernel (d) rows with memfd RAM (medians): the
     device_add with IOAS_COPY less its fixed part, per page; the fixed
     part is estimated as the x-ioas-copy=off device_add less what the
     re-map's fill costs by itself (the resident shared map floor, less
     one call): a re-map and a copy of the same RAM share everything
     else;
  3. the previous run's JSON (below);
  4. FALLBACK_MAP: method 2 on the run of 2026-11-24 05:59 UTC.

It is the same for both backends (the price of writing the guest VT-d's
page table, common to type1 and iommufd), and it is taken out of the pin
prices below, which were measured as whole maps.

The other numbers are per backend and come, in order of preference, from:

  1. the real-kernel guest of this run (scenario (f), which run.py runs
     first): `uapi-conformance --map-floor` of 4 KiB, prefaulted (one call's
     fixed cost: ioctl-ns) and of 1 GiB of shared 4 KiB pages, the memory
     the simulated scenarios give both binaries (memfd):
     pin-ns-per-page = (map time - ioctl-ns) / pages - map-ns-per-page,
     twice: for fresh
     pages, which the map faults in ("fresh": (a) and (c), whose RAM is
     mapped for the first time), and for pages already faulted in
     ("resident": (b), whose BAR's pages are mapped again on every move,
     and (d) without a copy floor); with the copy floor, (d)'s re-map,
     which maps pages the first IOAS has pinned, is priced from the floor's
     own re-map of the same memory into the second IOAS ("pinned");
  2. the model of the previous run's JSON in the build tree, if it was
     measured (its source and date are kept);
  3. the notes' 256 MiB maps in the bench guest (docs/devel/benchmarks.rst):
     MAP_DMA 1.21 s, IOAS_MAP 0.034 s; no per-call figure (ioctl-ns 0).

model = {"legacy": {"pin_ns_per_page": n, "pin_ns_per_page_resident": n,
                    "map_ns_per_page": n, "ioctl_ns": n},
         (iommufd also "pin_ns_per_page_pinned" with a copy floor)
         "iommufd": {...}, "source": "text", "map_source": "text",
         "measured": bool}
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


# Method 2 on the run of 2026-11-24 05:59 UTC (/work/team/s2/bench-output.txt)
_COPY_S, _REMAP_S, _FLOOR_S, _CALL_S = 0.128, 0.2674, 0.2073, 0.00026
FALLBACK_MAP = {
    "map_ns_per_page": round((_COPY_S - (_REMAP_S - (_FLOOR_S - _CALL_S)))
                             / (1 << 30 >> 12) * 1e9),
    "source": f"fallback: bench-guest run of 2026-11-24 05:59 UTC, (d) "
              f"memfd 1 GiB device_add by IOAS_COPY {_COPY_S} s less its "
              f"fixed part (x-ioas-copy=off {_REMAP_S} s less the resident "
              f"map floor {_FLOOR_S} s plus one call {_CALL_S * 1e6:.0f} "
              f"us), per 4 KiB page",
}


def _size(text):
    units = {"K": 10, "M": 20, "G": 30}
    return int(text[:-1]) << units[text[-1]] if text[-1] in units \
        else int(text)


def _median_of(runs, key):
    got = [x[key] for x in runs if key in x and "error" not in x]
    return statistics.median(got) if got else None


def map_from_guest(res, call_s, resident_s, pages):
    """(map-ns-per-page, its source, the whole per-page price of a map of
    pages another IOAS has pinned or None) from guest_ttr.py's results
    (methods 1 and 2 above), or None."""
    copies = [f for f in res.get("copy_floors", [])
              if f.get("memory") == "shared-prefaulted"]
    copy_s = _median_of(copies, "copy_s")
    if copy_s is not None:
        n = _size(copies[0]["size"]) // PAGE
        thp = _median_of([f for f in res.get("copy_floors", [])
                          if f.get("memory") == "private-thp-prefaulted"],
                         "copy_s")
        ns = round(max(copy_s - call_s, 0.0) / n * 1e9)
        remap_s = _median_of(copies, "remap_s")
        pinned = round(max(remap_s - call_s, 0.0) / n * 1e9)
        return ns, (
            f"real kernel copy floor: IOMMU_IOAS_COPY of {copies[0]['size']} "
            f"shared resident 4 KiB pages into a second IOAS with a domain "
            f"{copy_s:.3f} s (median of {len(copies)}), less one call "
            f"{call_s * 1e6:.0f} us, per page; re-map of the same there "
            f"{remap_s:.3f} s (the pin price of (d): pages another IOAS "
            f"has pinned)"
            + (f"; private THP copy {thp:.3f} s (not used: the sim "
               f"scenarios map memfd RAM)" if thp is not None else "")), \
            pinned
    d = res.get("d_runs", [])
    copy_s = _median_of([x for x in d if x.get("ram") == "memfd"
                         and x["copy"]], "add_s")
    remap_s = _median_of([x for x in d if x.get("ram") == "memfd"
                          and not x["copy"]], "add_s")
    if copy_s is None or remap_s is None or resident_s is None:
        return None
    fixed = max(remap_s - (resident_s - call_s), 0.0)
    ns = round(max(copy_s - fixed, 0.0) / pages * 1e9)
    return ns, (
        f"real kernel (d), memfd 1 GiB: device_add by IOAS_COPY "
        f"{copy_s:.3f} s less its fixed part {fixed:.3f} s (x-ioas-copy=off "
        f"{remap_s:.3f} s less the resident map floor {resident_s:.3f} s "
        f"plus one call), per page; an estimate: no copy floor measured"), \
        None


def with_map_cost(model, map_ns, source):
    """The model with map-ns-per-page set and taken out of its pin prices
    (measured as whole maps: pin and domain fill)."""
    model = dict(model)
    for backend in ("legacy", "iommufd"):
        b = dict(model[backend])
        for key in ("pin_ns_per_page", "pin_ns_per_page_resident",
                    "pin_ns_per_page_pinned"):
            if key in b:
                b[key] = max(b[key] - map_ns, 0)
        b["map_ns_per_page"] = map_ns
        model[backend] = b
    model["map_source"] = source
    return model


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
    i = model["iommufd"]
    got = map_from_guest(res, i["call_s"], i["resident_map_s"], i["pages"])
    if got is None:
        return with_map_cost(model, FALLBACK_MAP["map_ns_per_page"],
                             FALLBACK_MAP["source"])
    if got[2] is not None:
        i["pin_ns_per_page_pinned"] = got[2]    # a whole map, for now
    return with_map_cost(model, got[0], f"{got[1]}; guest run of {when}")


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
    if m.get("map_source") and not m["map_source"].startswith("previous"):
        m["map_source"] = f"previous run: {m['map_source']}"
    if "map_ns_per_page" not in m["iommufd"]:
        # measured before the model had map-ns: its pins are whole maps
        return with_map_cost(m, FALLBACK_MAP["map_ns_per_page"],
                             FALLBACK_MAP["source"])
    return m


def default():
    """The built-in model: the notes' numbers and FALLBACK_MAP."""
    return with_map_cost(DEFAULT, FALLBACK_MAP["map_ns_per_page"],
                         FALLBACK_MAP["source"])


def pin_price(b, resident=False):
    """The pin price of a backend's model for memory that is fresh
    (resident False), faulted in (True), or pinned by another IOAS
    ("pinned": (d)'s re-map; the resident price where not measured)."""
    if not resident:
        return b["pin_ns_per_page"]
    res = b.get("pin_ns_per_page_resident", b["pin_ns_per_page"])
    return b.get("pin_ns_per_page_pinned", res) if resident == "pinned" \
        else res


def conf_lines(model, backend, resident=False):
    """The sim configuration's [iommu] lines for a backend; resident: the
    pages a scenario maps are already faulted in (True) or pinned by
    another IOAS ("pinned")."""
    if not model:
        return []
    b = model[backend]
    pin = pin_price(b, resident)
    return [f"pin-ns-per-page={pin}", f"ioctl-ns={b['ioctl_ns']}",
            f"map-ns-per-page={b.get('map_ns_per_page', 0)}"]


def describe(model):
    lines = [f"kernel model: {model['source']}"]
    for backend in ("legacy", "iommufd"):
        b = model[backend]
        lines.append(f"  {backend:8} pin-ns-per-page={b['pin_ns_per_page']} "
                     f"(fresh: a, c) "
                     f"{b.get('pin_ns_per_page_resident', '?')} "
                     f"(resident: b) {pin_price(b, 'pinned')} "
                     f"(pinned by the first IOAS: d) "
                     f"map-ns-per-page={b.get('map_ns_per_page', 0)} "
                     f"ioctl-ns={b['ioctl_ns']}")
    lines.append(f"  map-ns-per-page: {model.get('map_source', 'not set')}")
    return lines
