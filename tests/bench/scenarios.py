# SPDX-License-Identifier: GPL-2.0-or-later
"""The simulated-kernel bench scenarios (a)-(e); see docs/devel/benchmarks.rst.

Each scenario function takes a Ctx and a Binary and returns rows (dicts):
    scenario, backend, binary, variant, status ("ok", "cannot-run", "crash"),
    why, ioctls {name: calls}, wall_s, cpu_s, cpu_total_s, model_s, extra {...}

A phase (the moves of (b) and (e), a hot-plug in (c) and (d)) is measured
in one run: the sim's counters and modelled kernel time are read over its
control socket (VFIO_SIM_CONTROL) just before and just after it, for both
binaries alike.  Only when the sim has no control socket are they taken as
the difference of two runs of the same command line, one stopping before
the phase (extra["method"] says which).  A phase's wall and CPU time come
from the run that does it (CPU from /proc/PID/task/*/schedstat).  model_s
is the sim's modelled kernel time (kmodel.py) of the phase or run.
"""

import os
import time

from benchvm import Vm, VmError, delta, snapshot_delta
from kmodel import conf_lines

EDU_ID = 0x11e81234
VFIO_SLOT = 4                   # the first assigned device's guest slot
RAMBAR_SLOT = 5                 # (b): the device with a RAM BAR
PORT_SLOT0 = 8                  # root ports for hot-plug: slots 8..15

MAP_NAMES = ("VFIO_IOMMU_MAP_DMA", "IOMMU_IOAS_MAP", "IOMMU_IOAS_COPY")


def clean_ioctls(counts):
    return dict(counts)


def maps(counts):
    return sum(counts.get(k, 0) for k in MAP_NAMES)


class Binary:
    def __init__(self, name, path):
        self.name = name
        self.path = path

    @property
    def ours(self):
        return self.name == "ours"

    def backend_args(self, backend):
        """(-object args, vfio-pci property suffix) for a backend."""
        if backend == "iommufd":
            return ["-object", "iommufd,id=fd0"], ",iommufd=fd0"
        # the peer's default is legacy; ours defaults to auto
        return [], (",iommufd=off" if self.ours else "")

    def backend_props(self, backend):
        if backend == "iommufd":
            return {"iommufd": "fd0"}
        return {"iommufd": "off"} if self.ours else {}


def tib_args(binary):
    """The peer's CPU needs more than 40 physical address bits for 1 TiB;
    ours models the CPU as it is (no phys-bits=; the bench runs it under
    qtest, with no vCPU) and refuses CPU features."""
    return [] if binary.ours else ["-cpu", "qemu64,phys-bits=42"]


class Ctx:
    def __init__(self, simlib, workdir, repeat, model=None):
        self.simlib = simlib
        self.workdir = workdir
        self.repeat = repeat
        self.model = model      # kmodel's; None: the sim charges nothing
        self.n = 0

    def conf(self, name, backend, ndev=1, incompatible=False,
             resident=False):
        """A sim configuration; resident: the kernel model's pin cost of
        pages already faulted in (True) or pinned by another IOAS
        ("pinned") (kmodel.py)."""
        path = os.path.join(self.workdir,
                            f"{name}-{backend}-{resident}.conf")
        lines = ["[iommu]",
                 "iova-ranges=0x0-0xfedfffff;0xfef00000-0xffffffffffff",
                 "pgsizes=0x40201000", "dma-avail=65535"]
        lines += conf_lines(self.model, backend, resident)
        if incompatible:
            lines.append("incompatible-domain=true")
        for i in range(ndev):
            lines += ["", f"[device {bdf(i)}]", f"group={3 + i}", f"cdev={i}"]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def vm(self, binary, args, conf, machine="q35", env=None):
        """A Vm of binary, paused (-S).  The peer's -qtest does not select
        the qtest accelerator (Debian's build has none): without -S its
        vCPU runs SeaBIOS under TCG, which sizes and reprograms the BARs
        the bench moves, through the same CF8/CFC latch, and spends CPU
        the bench would charge to it.  Ours has no vCPU; -S is accepted
        and changes nothing."""
        self.n += 1
        return Vm(binary.path, ["-S"] + args, simlib=self.simlib,
                  simconf=conf,
                  workdir=self.workdir, tag=f"{binary.name}-{self.n}",
                  machine=machine, env=env)


def bdf(i):
    return f"0000:00:{0x10 + i:02x}.0"


def ram_args(size):
    return (["-object", f"memory-backend-memfd,id=ram,size={size}",
             "-m", size], "q35,memory-backend=ram")


def row(scenario, backend, binary, variant=""):
    return {"scenario": scenario, "backend": backend, "binary": binary.name,
            "variant": variant, "status": "ok", "why": "", "ioctls": {},
            "wall_s": None, "cpu_s": None, "cpu_total_s": None,
            "model_s": None, "extra": {}}


def failed(r, e):
    r["status"] = "crash" if getattr(e, "crashed", True) else "cannot-run"
    r["why"] = str(e)
    return r


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    return xs[len(xs) // 2] if xs else None


def repeated(ctx, once):
    """Runs once() ctx.repeat times; keeps the first run's ioctls and extra,
    the median wall and CPU.  Any failure ends the repetition."""
    runs = []
    for _ in range(ctx.repeat):
        r = once()
        runs.append(r)
        if r["status"] != "ok":
            return r
    r = runs[0]
    for k in ("wall_s", "cpu_s", "cpu_total_s", "model_s"):
        r[k] = median([x[k] for x in runs])
    r["extra"]["runs"] = [{k: x[k] for k in ("wall_s", "cpu_s", "model_s")}
                          for x in runs]
    return r


def check_edu(vm, slot=VFIO_SLOT, bus=0, patience=10.0):
    """Polls config dword 0 until it is edu's: the peer may answer qtest
    before its machine is complete (it has answered 0x333333 first).
    Returns the number of early wrong answers."""
    deadline = time.monotonic() + patience
    wrong = 0
    while True:
        v = vm.cfg_read(slot, 0, bus)
        if v == EDU_ID:
            return wrong
        wrong += 1
        if time.monotonic() > deadline:
            raise VmError(f"config dword 0 of the assigned device is "
                          f"{v:#x}, expected {EDU_ID:#x}")
        time.sleep(0.001)


# ---- (a) start-up of a 1 TiB guest ----

def scenario_a(ctx, binary, backend):
    def once():
        r = row("a", backend, binary)
        objs, props = binary.backend_args(backend)
        mem, machine = ram_args("1T")
        args = mem + tib_args(binary) + objs + [
            "-device", f"vfio-pci,host={bdf(0)},addr={VFIO_SLOT:#x}{props}"]
        vm = ctx.vm(binary, args, ctx.conf("one", backend), machine)
        try:
            vm.start()
            r["extra"]["early_wrong_answers"] = check_edu(vm)
            r["extra"]["ready_s"] = time.monotonic() - vm.t0
            rss, shmem = vm.rss()
            vm.connect_qmp()
            r["wall_s"] = vm.quit()
        except VmError as e:
            vm.kill()
            return failed(r, e)
        r["cpu_total_s"] = r["cpu_s"] = vm.cpu_total()
        r["ioctls"] = clean_ioctls(vm.final_ioctls())
        r["extra"]["ioctl_errors"] = vm.errors
        model = vm.final_model()
        if model:
            r["model_s"] = model["kernel_ns"] / 1e9
            r["extra"]["pinned_pages"] = model["pinned_pages"]
        r["extra"].update(rss=rss, rss_shmem=shmem, maxrss=vm.maxrss(),
                          sim_report=vm.sim_report())
        # 1 TiB of guest RAM: anything near a GiB resident means touched
        r["extra"]["ram_untouched"] = vm.maxrss() < (256 << 20)
        return r
    return [repeated(ctx, once)]


# ---- phases: snapshots over the sim's control socket, else two runs ----

SNAPSHOT = "snapshot"
TWICE = "run-twice (the sim has no control socket)"


def put_delta(r, d):
    """Fills r from a snapshot_delta()."""
    r["ioctls"] = clean_ioctls(d["ioctls"])
    r["extra"]["ioctl_errors"] = d["errors"]
    if d["has_model"]:
        r["model_s"] = d["kernel_ns"] / 1e9
        r["extra"]["pinned_pages"] = d["pinned_pages"]
        r["extra"]["model_ns"] = d["model_ns"]


def phased(ctx, binary, r, args, conf, machine, setup, phase, env=None,
           after=None):
    """One run: setup(), a sim snapshot, phase() timed, a sim snapshot,
    then after(vm, snapshot or None) untimed, for checks (its dict goes
    into r["extra"]).  Without the sim's control socket, a second run
    doing setup() only gives the baseline to subtract.  Fills r; returns
    it."""
    vm = ctx.vm(binary, args, conf, machine, env)
    try:
        vm.start()
        vm.connect_qmp()
        vm.qmp_cmd("query-status")  # the machine is complete
        state = setup(vm)
        control = vm.has_control()
        s0 = vm.sim_snapshot() if control else None
        c0, t0 = vm.cpu_now(), time.monotonic()
        info = phase(vm, state)
        r["wall_s"] = time.monotonic() - t0
        r["cpu_s"] = vm.cpu_now() - c0
        s1 = vm.sim_snapshot() if control else None
        if info:
            r["extra"].update(info)
        if after:
            r["extra"].update(after(vm, s1))
        vm.quit()
    except VmError as e:
        vm.kill()
        return failed(r, e)
    r["cpu_total_s"] = vm.cpu_total()
    r["extra"]["maxrss"] = vm.maxrss()
    r["extra"]["sim_report"] = vm.sim_report()
    if control:
        r["extra"]["method"] = SNAPSHOT
        put_delta(r, snapshot_delta(s1, s0))
        return r
    r["extra"]["method"] = TWICE
    after, errors_after = vm.final_ioctls(), vm.errors
    model_after = vm.final_model()
    vm = ctx.vm(binary, args, conf, machine, env)
    try:
        vm.start()
        vm.connect_qmp()
        vm.qmp_cmd("query-status")
        setup(vm)
        vm.quit()
    except VmError as e:
        vm.kill()
        return failed(r, e)
    r["ioctls"] = clean_ioctls(delta(after, vm.final_ioctls()))
    r["extra"]["ioctl_errors"] = delta(errors_after, vm.errors)
    model_before = vm.final_model()
    if model_after and model_before:
        r["model_s"] = (model_after["kernel_ns"]
                        - model_before["kernel_ns"]) / 1e9
    return r


def base_args(binary, backend, mem="512M"):
    objs, props = binary.backend_args(backend)
    m, machine = ram_args(mem)
    return m + objs + ["-device", f"vfio-pci,host={bdf(0)},"
                       f"addr={VFIO_SLOT:#x}{props}"], machine


# ---- (b) RAM regions added and removed: a RAM BAR moved 4096 times ----

def rambar_device(binary):
    """(args, BAR config offset, what) of a device with a 1 MiB RAM BAR."""
    if binary.ours:
        # pci-testdev-dma's BAR4: 1 MiB of RAM, 64-bit prefetchable
        return (["-device", f"pci-testdev-dma,addr={RAMBAR_SLOT:#x}"], 0x20,
                "pci-testdev-dma BAR4")
    # ivshmem-plain's BAR2 is its memory backend: 1 MiB, 64-bit
    return (["-object", "memory-backend-memfd,id=shm,size=1M",
             "-device", f"ivshmem-plain,memdev=shm,addr={RAMBAR_SLOT:#x}"],
            0x18, "ivshmem-plain BAR2")


def scenario_b(ctx, binary, backend, moves=4096):
    def once():
        r = row("b", backend, binary)
        args, machine = base_args(binary, backend)
        dev, bar, what = rambar_device(binary)
        r["variant"] = what

        def setup(vm):
            check_edu(vm)
            vm.cfg_write(RAMBAR_SLOT, bar + 4, 0x1)     # above 4 GiB
            vm.cfg_write(RAMBAR_SLOT, bar, 0)
            cmd = vm.cfg_read(RAMBAR_SLOT, 4) & 0xffff
            vm.cfg_write(RAMBAR_SLOT, 4, cmd | 0x2)     # memory decode
            return None

        def phase(vm, state):
            # one config cycle (CF8, CFC) per move
            for i in range(1, moves + 1):
                vm.cfg_write(RAMBAR_SLOT, bar, (i % 4096) << 20)
            return {"moves": moves}

        def after(vm, snap):
            """Whether the BAR is where it was put last, with decoding on,
            and (with the sim's state) DMA-mapped there."""
            where = (1 << 32) | ((moves % 4096) << 20)
            got = ((vm.cfg_read(RAMBAR_SLOT, bar + 4) << 32)
                   | (vm.cfg_read(RAMBAR_SLOT, bar) & ~0xf))
            cmd = vm.cfg_read(RAMBAR_SLOT, 4) & 0xffff
            ok = got == where and cmd & 0x2
            info = {"bar_final": f"{got:#x}", "command": f"{cmd:#x}"}
            if snap is not None:
                ok = ok and any(m["iova"] == where and m["size"] == 1 << 20
                                for sp in snap["spaces"]
                                for m in sp["mappings"])
            info["bar_answers"] = bool(ok)
            return info
        return phased(ctx, binary, r, args + dev,
                      ctx.conf("one", backend, resident=True),
                      machine, setup, phase, after=after)
    return [repeated(ctx, once)]


# ---- (c) 8 devices in one address space, hot-plugged one by one ----

def scenario_c(ctx, binary, backend, ndev=8):
    """Rows: the first device, and the mean of the 2nd..8th.  One run with
    a sim snapshot around each device_add; without the sim's control
    socket, three runs (0, 1 and ndev devices) and their differences."""
    first = row("c", backend, binary, "1st device")
    rest = row("c", backend, binary, f"2nd-{ndev}th, per device")
    objs, _ = binary.backend_args(backend)
    mem, machine = ram_args("4G")
    ports = []
    for i in range(ndev):
        ports += ["-device", f"pcie-root-port,id=rp{i},chassis={i + 1},"
                  f"slot={i + 1},addr={PORT_SLOT0 + i:#x}"]
    args = mem + objs + ports
    conf = ctx.conf("eight", backend, ndev)
    props = binary.backend_props(backend)

    def run(upto):
        """(final counts, [(wall, cpu, snapshot delta or None)], answers,
        vm)"""
        vm = ctx.vm(binary, args, conf, machine)
        try:
            vm.start()
            vm.connect_qmp()
            vm.qmp_cmd("query-status")
            for i in range(ndev):       # firmware's job: bus numbers
                vm.cfg_write(PORT_SLOT0 + i, 0x18,
                             ((i + 1) << 16) | ((i + 1) << 8))
            control = vm.has_control()
            per = []
            for i in range(upto):
                s0 = vm.sim_snapshot() if control else None
                c0, t0 = vm.cpu_now(), time.monotonic()
                vm.qmp_cmd("device_add", driver="vfio-pci", host=bdf(i),
                           bus=f"rp{i}", id=f"hp{i}", **props)
                wall, cpu = time.monotonic() - t0, vm.cpu_now() - c0
                d = (snapshot_delta(vm.sim_snapshot(), s0) if control
                     else None)
                per.append((wall, cpu, d))
            # a port's bus number = port + 1; recorded, not fatal
            answers = [vm.cfg_read(0, 0, bus=i + 1) == EDU_ID
                       for i in range(upto)]
            vm.quit()
        except VmError:
            vm.kill()
            raise
        return vm.final_ioctls(), per, answers

    try:
        final, per, answers = run(ndev)
        if per[0][2] is not None:
            method = SNAPSHOT
            put_delta(first, per[0][2])
            rest_counts, rest_model = {}, 0
            for _, _, d in per[1:]:
                for k, v in d["ioctls"].items():
                    rest_counts[k] = rest_counts.get(k, 0) + v
                rest_model += d["kernel_ns"]
            if per[0][2]["has_model"]:
                rest["model_s"] = rest_model / 1e9 / (ndev - 1)
        else:
            method = TWICE
            counts = [run(upto)[0] for upto in (0, 1)] + [final]
            first["ioctls"] = clean_ioctls(delta(counts[1], counts[0]))
            rest_counts = clean_ioctls(delta(counts[2], counts[1]))
    except VmError as e:
        return [failed(first, e), failed(rest, e)]
    first["wall_s"], first["cpu_s"] = per[0][0], per[0][1]
    rest["ioctls"] = {k: v / (ndev - 1) for k, v in rest_counts.items()}
    rest["wall_s"] = sum(p[0] for p in per[1:]) / (ndev - 1)
    rest["cpu_s"] = sum(p[1] for p in per[1:]) / (ndev - 1)
    rest["extra"]["per_device"] = [
        {"wall_s": p[0], "cpu_s": p[1],
         "ioctls": p[2]["ioctls"] if p[2] else None,
         "model_s": p[2]["kernel_ns"] / 1e9 if p[2] else None}
        for p in per]
    rest["extra"]["maps_after_first"] = maps(rest_counts)
    rest["extra"]["config_answers"] = answers
    first["extra"]["method"] = rest["extra"]["method"] = method
    if binary.ours:
        rest["assert"] = ("no MAP for devices 2..8", maps(rest_counts) == 0)
    return [first, rest]


# ---- (d) a second IOAS at 1 TiB: IOAS_COPY versus re-mapping ----

COPY_REFUSED = "IOMMU_IOAS_COPY"


def scenario_d(ctx, binary, backend, variant):
    """variant: "copy" (ours, x-force-separate-ioas), "remap" (the same
    with x-ioas-copy=off: each section is mapped again; if the binary lacks
    that property, the sim refuses every IOAS_COPY instead), "peer" (the
    peer, whose attach to the first IOAS the sim refuses)."""
    def once(refuse_copies=False):
        r = row("d", backend, binary, variant)
        objs, props = binary.backend_args(backend)
        mem, machine = ram_args("1T")
        args = mem + tib_args(binary) + objs + [
            "-device", f"vfio-pci,host={bdf(0)},addr={VFIO_SLOT:#x}{props}",
            "-device", f"pcie-root-port,id=rp0,chassis=1,slot=1,"
            f"addr={PORT_SLOT0:#x}"]
        env = None
        dprops = binary.backend_props(backend)
        if binary.ours:
            dprops["x-force-separate-ioas"] = True
        if variant == "remap" and refuse_copies:
            env = {"VFIO_SIM_FAIL": ",".join(
                f"{COPY_REFUSED}:{n}:95" for n in range(1, 257))}
            r["variant"] = "remap (sim refuses COPY)"
        elif variant == "remap":
            dprops["x-ioas-copy"] = False

        def setup(vm):
            check_edu(vm)
            vm.cfg_write(PORT_SLOT0, 0x18, (1 << 16) | (1 << 8))

        def phase(vm, state):
            vm.qmp_cmd("device_add", driver="vfio-pci", host=bdf(1),
                       bus="rp0", id="second", **dprops)
            return {"config_answers": vm.cfg_read(0, 0, bus=1) == EDU_ID}
        r = phased(ctx, binary, r, args,
                   ctx.conf("two-incompat", backend, 2, True,
                            resident="pinned"),
                   machine, setup, phase, env)
        if refuse_copies and r["status"] == "ok":
            # the refused copies are the sim's doing, not a cost of ours
            r["extra"]["refused_copies"] = r["ioctls"].pop(COPY_REFUSED, 0)
            r["extra"].get("ioctl_errors", {}).pop(COPY_REFUSED, None)
        return r
    r = repeated(ctx, once)
    if (variant == "remap" and r["status"] != "ok"
            and "x-ioas-copy" in r["why"]):
        r = repeated(ctx, lambda: once(refuse_copies=True))
    return [r]


# ---- (e) the assigned device's BAR0 moved 1,000 times ----

def scenario_e(ctx, binary, backend, moves=1000):
    def once():
        r = row("e", backend, binary)
        args, machine = base_args(binary, backend)

        def setup(vm):
            check_edu(vm)
            vm.cfg_write(VFIO_SLOT, 0x10, 0xc0000000)
            cmd = vm.cfg_read(VFIO_SLOT, 4) & 0xffff
            vm.cfg_write(VFIO_SLOT, 4, cmd | 0x2)

        def phase(vm, state):
            for i in range(1, moves + 1):
                vm.cfg_write(VFIO_SLOT, 0x10, 0xc0000000 + ((i % 8) << 20))
            # the BAR answers where it was put last
            ident = int(vm.qt(f"readl "
                              f"{0xc0000000 + ((moves % 8) << 20):#x}"), 16)
            # recorded, not fatal: the peer on the sim sometimes reads 0
            return {"moves": moves, "bar_answers": ident == 0x010000ed}
        return phased(ctx, binary, r, args, ctx.conf("one", backend),
                      machine, setup, phase)
    return [repeated(ctx, once)]


# ---- the per-move floor of (b) and (e) ----

MAP_ONLY = ("VFIO_IOMMU_MAP_DMA", "IOMMU_IOAS_MAP")


def move_floor(rows):
    """Sets extra["floor_ioctls"] on the (b)/(e) rows of one scenario and
    backend: the fewest ioctls any VMM can issue for the phase when each
    move is its own memory transaction.  A move removes one section and
    adds one: one unmap plus one map, unless the kernel refuses to map the
    section at all (iommufd and a BAR mmap: EFAULT).  Then a VMM that
    remembers the refusal, learnt when the BAR was first mapped before the
    phase, needs none.  Unmappable when some binary had a map refused at
    least once per move."""
    ok = [r for r in rows if r["status"] == "ok"]
    unmappable = any(
        sum(r["extra"].get("ioctl_errors", {}).get(k, 0) for k in MAP_ONLY)
        >= r["extra"].get("moves", 1) for r in ok)
    for r in ok:
        moves = r["extra"].get("moves", 0)
        r["extra"]["floor_per_move"] = 0 if unmappable else 2
        r["extra"]["floor_ioctls"] = (0 if unmappable else 2) * moves
        r["extra"]["floor_why"] = (
            "the section is unmappable (every map refused): 0 once known"
            if unmappable else "one unmap + one map per move")
