"""The simulated-kernel bench scenarios (a)-(e); see docs/devel/benchmarks.rst.

Each scenario function takes a Ctx and a Binary and returns rows (dicts):
    scenario, backend, binary, variant, status ("ok", "cannot-run", "crash"),
    why, ioctls {name: calls}, wall_s, cpu_s, cpu_total_s, extra {...}

Per-phase ioctl counts come from two runs of the same command line, one
stopping before the phase (baseline) and one doing it: the sim's counters
at exit differ by exactly the phase's ioctls.  (The sim also dumps on
SIGUSR1, but the peer blocks SIGUSR1 in every thread.)  A phase's wall and
CPU time come from the run that does it (CPU from /proc/PID/stat).
"""

import os
import time

from benchvm import Vm, VmError, delta

EDU_ID = 0x11e81234
VFIO_SLOT = 4                   # the first assigned device's guest slot
RAMBAR_SLOT = 5                 # (b): the device with a RAM BAR
PORT_SLOT0 = 8                  # root ports for hot-plug: slots 8..15
TIB_ARGS = ["-cpu", "qemu64,phys-bits=42"]  # 1 TiB needs more than 40 bits

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


class Ctx:
    def __init__(self, simlib, workdir, repeat):
        self.simlib = simlib
        self.workdir = workdir
        self.repeat = repeat
        self.n = 0

    def conf(self, name, ndev=1, incompatible=False):
        path = os.path.join(self.workdir, f"{name}.conf")
        lines = ["[iommu]",
                 "iova-ranges=0x0-0xfedfffff;0xfef00000-0xffffffffffff",
                 "pgsizes=0x40201000", "dma-avail=65535"]
        if incompatible:
            lines.append("incompatible-domain=true")
        for i in range(ndev):
            lines += ["", f"[device {bdf(i)}]", f"group={3 + i}", f"cdev={i}"]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def vm(self, binary, args, conf, machine="q35", env=None):
        self.n += 1
        return Vm(binary.path, args, simlib=self.simlib, simconf=conf,
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
            "wall_s": None, "cpu_s": None, "cpu_total_s": None, "extra": {}}


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
    for k in ("wall_s", "cpu_s", "cpu_total_s"):
        r[k] = median([x[k] for x in runs])
    r["extra"]["runs"] = [{k: x[k] for k in ("wall_s", "cpu_s")}
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
        args = mem + TIB_ARGS + objs + [
            "-device", f"vfio-pci,host={bdf(0)},addr={VFIO_SLOT:#x}{props}"]
        vm = ctx.vm(binary, args, ctx.conf("one"), machine)
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
        r["extra"].update(rss=rss, rss_shmem=shmem, maxrss=vm.maxrss(),
                          sim_report=vm.sim_report())
        # 1 TiB of guest RAM: anything near a GiB resident means touched
        r["extra"]["ram_untouched"] = vm.maxrss() < (256 << 20)
        return r
    return [repeated(ctx, once)]


# ---- phases measured by difference ----

def phased(ctx, binary, r, args, conf, machine, setup, phase, env=None):
    """Runs the command line twice: setup() only (baseline), then setup()
    and phase() timed.  Fills r; returns it."""
    counts, errors = [], []
    for do_phase in (False, True):
        vm = ctx.vm(binary, args, conf, machine, env)
        try:
            vm.start()
            vm.connect_qmp()
            vm.qmp_cmd("query-status")  # the machine is complete
            state = setup(vm)
            if do_phase:
                c0, t0 = vm.cpu_now(), time.monotonic()
                info = phase(vm, state)
                r["wall_s"] = time.monotonic() - t0
                r["cpu_s"] = vm.cpu_now() - c0
                if info:
                    r["extra"].update(info)
            vm.quit()
        except VmError as e:
            vm.kill()
            return failed(r, e)
        counts.append(vm.final_ioctls())
        errors.append(vm.errors)
        if do_phase:
            r["cpu_total_s"] = vm.cpu_total()
            r["extra"]["maxrss"] = vm.maxrss()
            r["extra"]["sim_report"] = vm.sim_report()
    r["ioctls"] = clean_ioctls(delta(counts[1], counts[0]))
    r["extra"]["ioctl_errors"] = delta(errors[1], errors[0])
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
        return phased(ctx, binary, r, args + dev, ctx.conf("one"), machine,
                      setup, phase)
    return [repeated(ctx, once)]


# ---- (c) 8 devices in one address space, hot-plugged one by one ----

def scenario_c(ctx, binary, backend, ndev=8):
    """Rows: the first device, and the mean of the 2nd..8th."""
    first = row("c", backend, binary, "1st device")
    rest = row("c", backend, binary, f"2nd-{ndev}th, per device")
    objs, _ = binary.backend_args(backend)
    mem, machine = ram_args("4G")
    ports = []
    for i in range(ndev):
        ports += ["-device", f"pcie-root-port,id=rp{i},chassis={i + 1},"
                  f"slot={i + 1},addr={PORT_SLOT0 + i:#x}"]
    args = mem + objs + ports
    conf = ctx.conf("eight", ndev)
    props = binary.backend_props(backend)
    counts, times = [], []
    for upto in (0, 1, ndev):
        vm = ctx.vm(binary, args, conf, machine)
        try:
            vm.start()
            vm.connect_qmp()
            vm.qmp_cmd("query-status")
            for i in range(ndev):       # firmware's job: bus numbers
                vm.cfg_write(PORT_SLOT0 + i, 0x18,
                             ((i + 1) << 16) | ((i + 1) << 8))
            per = []
            for i in range(upto):
                c0, t0 = vm.cpu_now(), time.monotonic()
                vm.qmp_cmd("device_add", driver="vfio-pci", host=bdf(i),
                           bus=f"rp{i}", id=f"hp{i}", **props)
                per.append((time.monotonic() - t0, vm.cpu_now() - c0))
            # a port's bus number = port + 1; recorded, not fatal
            answers = [vm.cfg_read(0, 0, bus=i + 1) == EDU_ID
                       for i in range(upto)]
            vm.quit()
        except VmError as e:
            vm.kill()
            return [failed(first, e), failed(rest, e)]
        counts.append(vm.final_ioctls())
        times.append(per)
    per = times[-1]
    first["ioctls"] = clean_ioctls(delta(counts[1], counts[0]))
    first["wall_s"], first["cpu_s"] = per[0]
    rest_counts = clean_ioctls(delta(counts[2], counts[1]))
    rest["ioctls"] = {k: v / (ndev - 1) for k, v in rest_counts.items()}
    rest["wall_s"] = sum(t for t, _ in per[1:]) / (ndev - 1)
    rest["cpu_s"] = sum(c for _, c in per[1:]) / (ndev - 1)
    rest["extra"]["per_device"] = [{"wall_s": t, "cpu_s": c} for t, c in per]
    rest["extra"]["maps_after_first"] = maps(rest_counts)
    rest["extra"]["config_answers"] = answers
    if binary.ours:
        rest["assert"] = ("no MAP for devices 2..8", maps(rest_counts) == 0)
    return [first, rest]


# ---- (d) a second IOAS at 1 TiB: IOAS_COPY versus re-mapping ----

def scenario_d(ctx, binary, backend, variant):
    """variant: "copy" (ours, x-force-separate-ioas), "remap" (ours, the
    sim fails every IOAS_COPY so each section is mapped again), "peer" (the
    peer, whose attach to the first IOAS the sim refuses)."""
    def once():
        r = row("d", backend, binary, variant)
        objs, props = binary.backend_args(backend)
        mem, machine = ram_args("1T")
        args = mem + TIB_ARGS + objs + [
            "-device", f"vfio-pci,host={bdf(0)},addr={VFIO_SLOT:#x}{props}",
            "-device", f"pcie-root-port,id=rp0,chassis=1,slot=1,"
            f"addr={PORT_SLOT0:#x}"]
        env = None
        if variant == "remap":
            env = {"VFIO_SIM_FAIL": ",".join(
                f"IOMMU_IOAS_COPY:{n}:95" for n in range(1, 257))}
        dprops = binary.backend_props(backend)
        if binary.ours:
            dprops["x-force-separate-ioas"] = True

        def setup(vm):
            check_edu(vm)
            vm.cfg_write(PORT_SLOT0, 0x18, (1 << 16) | (1 << 8))

        def phase(vm, state):
            vm.qmp_cmd("device_add", driver="vfio-pci", host=bdf(1),
                       bus="rp0", id="second", **dprops)
            return {"config_answers": vm.cfg_read(0, 0, bus=1) == EDU_ID}
        r = phased(ctx, binary, r, args, ctx.conf("two-incompat", 2, True),
                   machine, setup, phase, env)
        if variant == "remap" and r["status"] == "ok":
            # the refused copies are the sim's doing, not a cost of ours
            r["extra"]["refused_copies"] = r["ioctls"].pop(
                "IOMMU_IOAS_COPY", 0)
        return r
    return [repeated(ctx, once)]


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
        return phased(ctx, binary, r, args, ctx.conf("one"), machine, setup,
                      phase)
    return [repeated(ctx, once)]
