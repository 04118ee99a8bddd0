# SPDX-License-Identifier: GPL-2.0-or-later
"""Run one host-built command inside a real Linux guest with VFIO devices.

    from harness.guest.guest import run_in_guest, Topology
    r = run_in_guest(topology="root-bus", command=["/abs/path/prog", "arg"],
                     timeout=300, mem="2G", env={"K": "V"}, extra_qemu_args=[])
    r.status       exit status of the command in the guest
    r.output       its stdout+stderr
    r.results_dir  host path of the writable share ($RESULTS_DIR in the guest),
                   kept until r.cleanup()
    r.console      the serial console log
    r.devices      BDFs bound to vfio-pci in the guest, in topology order
    r.groups       their IOMMU group numbers (strings), same order

The guest is Debian's qemu-system-x86_64 (q35, split irqchip, intel-iommu with
interrupt remapping and caching mode) running the kernel that
harness/guest/kernel.py builds and caches.  Its root file system is
the host's / shared read-only over 9p, so binaries built on the host run as
they are.  The command sees:

    BENCH_DEVICES  space-separated BDFs bound to vfio-pci, in topology order
    BENCH_GROUPS   their IOMMU group numbers, same order
    RESULTS_DIR    the writable share
    TMPDIR, HOME   /run (a tmpfs; the host's /tmp stays visible read-only)
    PATH           /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    the host's current directory as its cwd (or / if the guest lacks it)

Topologies are listed in harness.guest.topology (Topology.get('root-port') etc.).
Edu devices added through extra_qemu_args are bound to vfio-pci and listed
too; every list is in BDF order, which is topology order for the topology's
own devices.

Failures of the bench itself (no kernel, QEMU missing, boot failure, host-side
timeout) raise BenchError whose message says why and quotes the console tail.
A command that runs past `timeout` is killed in the guest: r.timed_out is then
True and r.status is 137.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.guest import initscript, stamp
from harness.guest import kernel as kernel_builder
from harness.guest.topology import (  # noqa: F401 (TOPOLOGIES re-exported)
    TOPOLOGIES, Topology, mem_mib)

# The guest sees the host's tree through its 9p root: a Python program it
# runs imports harness and scenarios from here, as the host's tests do.
TESTS_DIR = str(Path(__file__).resolve().parents[2])
QEMU = os.environ.get("QEMU_VFIO_BENCH_QEMU", "qemu-system-x86_64")
TCG_CPU = "qemu64,+svm,+npt"

# Beyond the command's own timeout: boot and power-off under TCG on a slow,
# busy machine.  A boot takes ~5 s on an idle 2-core machine.
BOOT_ALLOWANCE = 180
# A guest whose heartbeat (initscript's .bench-alive, every 10 s) is older
# than this has wedged: seen once, a 7.3 bench guest whose host QEMU sat
# nearly idle and whose own in-guest timeout never fired.  Polled every
# WEDGE_POLL seconds.
WEDGE_AFTER = 180
WEDGE_POLL = 5


class BenchError(RuntimeError):
    """The bench could not run the command; the message says why."""


@dataclass
class GuestResult:
    status: int
    output: str
    results_dir: str
    console: str
    devices: list
    groups: list
    timed_out: bool = False
    accel: str = "tcg"
    timings: dict = field(default_factory=dict)
    workdir: str = field(default="", repr=False)

    def read(self, name):
        """The text of file @name in the results share; '' if the command
        did not write it."""
        try:
            return (Path(self.results_dir) / name).read_text(errors="replace")
        except OSError:
            return ""

    def cleanup(self):
        """Remove the results share and the run's other files."""
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def ensure_kernel(series="6.12"):
    """Return the bzImage path of a kernel series (harness.guest.kernel:
    6.12 or 7.3), building it (once, under a lock) if needed."""
    try:
        return str(kernel_builder.build(series))
    except kernel_builder.KernelBuildError as e:
        raise BenchError(f"cannot build the {series} guest kernel: {e}") \
            from None


def _busybox():
    path = shutil.which("busybox") or "/bin/busybox"
    if not os.access(path, os.X_OK):
        raise BenchError("busybox not found: install busybox-static "
                         "(scripts/install-deps.sh)")
    return os.path.realpath(path)


def _qemu():
    path = shutil.which(QEMU)
    if not path:
        raise BenchError(f"'{QEMU}' not found: install qemu-system-x86 "
                         f"(scripts/install-deps.sh)")
    return path


def qemu_command(topo, *, kernel, init, results, console, mem, smp, accel,
                 extra_qemu_args=()):
    """The argv that boots the bench guest (exposed for documentation)."""
    # cache=loose: the guest keeps what it reads of the host's tree in its
    # page cache.  Without it every exec and every Python import reads its
    # file over 9p again; the init script alone took 12-38 s of a boot on
    # a loaded machine (1-1.5 s with it).  It is safe here because the tree is read-only to
    # the guest and nothing it reads changes during a run: the launcher
    # writes the run's files before QEMU starts, and results come back
    # through the results share, which stays uncached.
    append = ("console=ttyS0 root=hostroot rootfstype=9p "
              "rootflags=trans=virtio,version=9p2000.L,msize=262144,"
              "cache=loose ro "
              f"init={init} intel_iommu=on panic=-1 quiet "
              # On a loaded host, TCG can miss the ticks the kernel's
              # IO-APIC timer check counts and the boot panics (seen on 7.3)
              "no_timer_check")
    # Under TCG, an AMD-vendor model with SVM and nested paging: the bench
    # kernel's KVM_AMD then gives the guest /dev/kvm for second-level guests.
    cpu = ["-cpu", "host"] if accel == "kvm" else ["-cpu", TCG_CPU]
    return [
        _qemu(), "-M", "q35,kernel-irqchip=split", "-accel", accel, *cpu,
        "-m", mem, "-smp", str(smp),
        "-nodefaults", "-display", "none", "-no-reboot", "-monitor", "none",
        "-serial", f"file:{console}",
        "-device", "intel-iommu,intremap=on,caching-mode=on",
        "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on",
        "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
        "-fsdev", f"local,id=results,path={results},security_model=none",
        "-device", "virtio-9p-pci,fsdev=results,mount_tag=results",
        *topo.args(workdir=os.path.dirname(results)), *extra_qemu_args,
        "-kernel", kernel, "-append", append,
    ]


def _read(path, default=""):
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return default


def _uptime(path):
    text = _read(path).split()
    return float(text[0]) if text else None


def _children_cpu():
    """CPU seconds of this process's reaped children (QEMU, once waited)."""
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _cpu_jiffies(path):
    """(busy, total, ncpus) from a saved /proc/stat, or None.

    Busy is everything but idle and iowait.  Under TCG a halted vCPU
    costs the host nothing, so busy/total * ncpus is how many host cores
    the guest could use on average.
    """
    lines = _read(path).splitlines()
    agg = [ln.split() for ln in lines if ln.startswith("cpu ")]
    if not agg:
        return None
    ticks = [int(x) for x in agg[0][1:9]]
    idle = ticks[3] + ticks[4]
    ncpus = sum(1 for ln in lines if ln.startswith("cpu") and
                ln[3:4].isdigit())
    return sum(ticks) - idle, sum(ticks), ncpus


def _vcpus_busy(start, end=None):
    """Average number of busy vCPUs from boot to @start (end None), or
    between the two /proc/stat snapshots."""
    a = _cpu_jiffies(start)
    if a is None:
        return None
    if end is not None:
        b = _cpu_jiffies(end)
        if b is None:
            return None
        a = (b[0] - a[0], b[1] - a[1], b[2])
    busy, total, ncpus = a
    return round(busy / total * ncpus, 2) if total > 0 else None


def _report_boot(topo, kernel, accel, timings):
    """One stderr line per bench-guest boot: where its time went, in guest
    time (uptime stamps) and host time.  "vCPUs busy" is the average
    number of the guest's vCPUs that were not idle: what the run asks of
    the host's cores (docs/devel/testing.rst, "What the functional tests
    cost")."""
    series = Path(kernel).parent.name.split("_")[0]
    parts = []
    if "boot_to_command" in timings:
        boot = f"boot {timings['boot_to_command']:.1f} s"
        if "kernel_boot" in timings:
            boot += (f" (kernel {timings['kernel_boot']:.1f} s, init "
                     f"{timings['boot_to_command'] - timings['kernel_boot']:.1f}"
                     f" s)")
        if "boot_vcpus_busy" in timings:
            boot += f" {timings['boot_vcpus_busy']} vCPUs busy"
        parts.append(boot)
    if "command" in timings:
        cmd = f"command {timings['command']:.1f} s"
        if "command_vcpus_busy" in timings:
            cmd += f" {timings['command_vcpus_busy']} vCPUs busy"
        parts.append(cmd)
    parts.append(f"wall {timings['wall']:.1f} s")
    parts.append(f"host QEMU CPU {timings['host_cpu']:.1f} s")
    print(f"bench guest: {topo.name} {series} {accel}: " + ", ".join(parts),
          file=sys.stderr, flush=True)


def _die_with_parent():
    """In the child before exec: SIGKILL QEMU if the launching thread dies,
    even by SIGKILL (meson's timeout kills the test, not QEMU's session)."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class _Terminated(Exception):
    pass


def _raise_terminated(signum, frame):
    raise _Terminated(f"signal {signum}")


def _wedged(alive_path):
    """True if the guest's heartbeat (initscript: .bench-alive, rewritten
    every 10 s while the command runs) is older than WEDGE_AFTER seconds.
    Before the command starts there is no heartbeat and no verdict."""
    try:
        return time.time() - os.stat(alive_path).st_mtime > WEDGE_AFTER
    except OSError:
        return False


def _run_qemu(argv, host_timeout, log_path, alive_path=None):
    """Run QEMU in its own session; kill the whole group on any way out.

    Returns (status, wedged): QEMU's exit status, or None after the
    host-side timeout or when the guest stopped answering (wedged True:
    its heartbeat at alive_path went stale).  A SIGTERM or SIGHUP to this
    process kills QEMU, removes the run's files (through the callers'
    finally) and then exits with status 143/129.
    """
    restore = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) == signal.SIG_DFL:
                restore[sig] = signal.signal(sig, _raise_terminated)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT,
                                start_new_session=True,
                                preexec_fn=_die_with_parent)
        deadline = time.monotonic() + host_timeout
        try:
            while True:
                try:
                    return proc.wait(timeout=min(
                        WEDGE_POLL, max(deadline - time.monotonic(), 0))), \
                        False
                except subprocess.TimeoutExpired:
                    if time.monotonic() >= deadline:
                        return None, False
                    if alive_path and _wedged(alive_path):
                        return None, True
        except _Terminated as e:
            sig = int(str(e).split()[-1])
            raise SystemExit(128 + sig) from None
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
            for sig, handler in restore.items():
                signal.signal(sig, handler)


def run_in_guest(topology="root-bus", command=(), timeout=300, mem="2G",
                 env=None, extra_qemu_args=(), *, smp=2, accel=None,
                 kernel=None, kernel_series="6.12",
                 boot_allowance=BOOT_ALLOWANCE):
    """Boot the bench guest with `topology`, run `command` (an argv list of
    absolute host paths or PATH names) and return a GuestResult.

    accel: "tcg" or "kvm"; default from QEMU_VFIO_ACCEL, else the cached
    verdict of a KVM probe (see harness.guest.accel).  kernel: a bzImage path;
    default the cached build of kernel_series ("6.12" or "7.3").  A
    topology with an NVMe controller gets a fresh stamped image
    (harness.guest.stamp, topo.nvme_image_mib MiB) in the run's directory;
    the controller opens it with snapshot=on, so no run changes it.
    boot_allowance: seconds the host waits
    beyond `timeout` before it kills QEMU.  The caller owns the returned results_dir and
    should call r.cleanup() (or use the result as a context manager).
    """
    topo = Topology.get(topology)
    if topo.max_mem and mem_mib(mem) > mem_mib(topo.max_mem):
        raise BenchError(
            f"bench guest ({topo.name}): -m {mem} is more than the "
            f"{topo.max_mem} this topology works with (RAM above 4 GiB "
            f"moves its igb's VF BARs there, where the bench's QEMU does "
            f"not map them; harness/guest/topology.py)")
    command = [str(a) for a in command]
    kernel = kernel or ensure_kernel(kernel_series)
    if accel is None:
        from harness.guest.accel import choose_accel
        accel = choose_accel(kernel)
    busybox = _busybox()
    cwd = os.getcwd() if os.path.isdir(os.getcwd()) else "/"

    workdir = tempfile.mkdtemp(prefix="qemu-vfio-bench-")
    ok = False
    try:
        results = os.path.join(workdir, "results")
        os.mkdir(results)
        init = os.path.join(workdir, "init.sh")
        with open(init, "w") as f:
            f.write(initscript.render(busybox=busybox, command=command,
                                      timeout=timeout, ndevices=topo.devices,
                                      env={"PYTHONPATH": TESTS_DIR,
                                           **(env or {})},
                                      cwd=cwd))
        os.chmod(init, 0o755)
        os.chmod(workdir, 0o755)
        console_path = os.path.join(workdir, "console.log")
        qemu_log = os.path.join(workdir, "qemu.log")
        if topo.nvme_image_mib:
            stamp.write_image(os.path.join(workdir, "nvme.img"),
                              topo.nvme_image_mib)
        argv = qemu_command(topo, kernel=kernel, init=init, results=results,
                            console=console_path, mem=mem, smp=smp,
                            accel=accel, extra_qemu_args=extra_qemu_args)
        with open(os.path.join(workdir, "qemu-command"), "w") as f:
            f.write(" ".join(argv) + "\n")

        res = Path(results)
        for attempt in (1, 2):
            start = time.monotonic()
            cpu_before = _children_cpu()
            rc, wedged = _run_qemu(argv, timeout + boot_allowance, qemu_log,
                                   res / ".bench-alive")
            wall = time.monotonic() - start
            host_cpu = _children_cpu() - cpu_before
            if attempt == 1 and (wedged or _died_before_command(rc, res) or
                                 _host_qemu_crashed(rc, res)):
                _keep_failed_boot(workdir, rc, qemu_log, console_path, res,
                                  wedged)
                continue
            break

        console = _read(console_path)
        status_text = _read(res / ".bench-status").strip()
        if not status_text:
            why = _read(res / ".bench-error").strip()
            if wedged:
                why = (f"the guest stopped answering twice (no heartbeat "
                       f"for {WEDGE_AFTER} s; QEMU killed)")
            elif rc is None:
                why = (f"the guest did not finish within "
                       f"{timeout + boot_allowance} s (host-side timeout; "
                       f"QEMU killed)")
            elif not why:
                why = f"QEMU exited with status {rc} before the command ended"
            raise BenchError(
                f"bench guest ({topo.name}, {accel}) failed: {why}\n"
                f"--- QEMU output ---\n{_tail(_read(qemu_log), 20)}\n"
                f"--- console tail ---\n{_tail(console, 30)}")

        t_init = _uptime(res / ".bench-init")
        t_start = _uptime(res / ".bench-start")
        t_end = _uptime(res / ".bench-end")
        timings = {"wall": wall, "host_cpu": host_cpu}
        if t_start is not None:
            timings["boot_to_command"] = t_start
        if t_init is not None:
            timings["kernel_boot"] = t_init
        if t_start is not None and t_end is not None:
            timings["command"] = t_end - t_start
        busy = _vcpus_busy(res / ".bench-stat-start")
        if busy is not None:
            timings["boot_vcpus_busy"] = busy
        busy = _vcpus_busy(res / ".bench-stat-start", res / ".bench-stat-end")
        if busy is not None:
            timings["command_vcpus_busy"] = busy
        _report_boot(topo, kernel, accel, timings)
        result = GuestResult(
            status=int(status_text),
            output=_read(res / ".bench-output"),
            results_dir=results,
            console=console,
            devices=_read(res / ".bench-devices").split(),
            groups=_read(res / ".bench-groups").split(),
            timed_out=(res / ".bench-timeout").exists(),
            accel=accel, timings=timings, workdir=workdir)
        for name in ("devices", "groups", "start", "end", "output", "status",
                     "timeout", "error", "stat-start", "stat-end", "init",
                     "alive"):
            (res / f".bench-{name}").unlink(missing_ok=True)
        ok = True
        return result
    finally:
        if not ok:
            shutil.rmtree(workdir, ignore_errors=True)


def _died_before_command(rc, res):
    """True if the bench guest ended before its init started the command
    and without a reason of its own.

    Two failures of the bench's own stack end a boot there, rarely and not
    reproducibly: Debian's QEMU 10.0 has aborted in iotlb_to_section while
    the guest probed the emulated VT-d, and the guest kernel, slowed by a
    loaded host, has panicked on its IO-APIC timer check.  Neither says
    anything about the code under test, so such a boot is tried once more
    (and reported on stderr, so a run's log still shows it).  A host-side
    timeout or an error the guest's init wrote itself is final.
    """
    if rc is None:
        return False
    return not any((res / f".bench-{name}").exists()
                   for name in ("start", "status", "error"))


def _host_qemu_crashed(rc, res):
    """True if the bench guest's own QEMU was killed by a signal before the
    guest's command wrote its status.

    The host QEMU is the bench's emulator, not the code under test; its
    known crash (the iotlb_to_section assertion of Debian's QEMU 10.0 under
    TCG with the emulated VT-d, seen once in a nested run after about a
    minute) can come at any point of a run.  A guest cannot legitimately
    make its emulator abort, so the whole run is made once more rather than
    reported as the test's failure.  The harness's own kill on a host-side
    timeout leaves rc None and is final.
    """
    return (rc is not None and rc < 0 and
            not (res / ".bench-status").exists())


def _keep_failed_boot(workdir, rc, qemu_log, console_path, res,
                      wedged=False):
    """Report a run whose host QEMU died or whose guest wedged, set its
    logs aside and empty the results directory so that the second run
    starts as the first did."""
    if wedged:
        how = (f"was killed: its guest stopped answering (no heartbeat for "
               f"{WEDGE_AFTER} s, not even its own timeout ran)")
    elif rc < 0:
        how = f"was killed by signal {-rc}"
    else:
        how = f"exited with status {rc}"
    when = ("after the guest's command started"
            if (res / ".bench-start").exists()
            else "before the guest's command started")
    print(f"bench guest: the host QEMU {how} {when}; running once more.\n"
          f"--- QEMU output ---\n{_tail(_read(qemu_log), 10)}\n"
          f"--- console tail ---\n{_tail(_read(console_path), 10)}",
          file=sys.stderr)
    for path in (qemu_log, console_path):
        if os.path.exists(path):
            os.replace(path, path + ".first-boot")
    shutil.rmtree(res)
    res.mkdir()


def _tail(text, n):
    return "\n".join(text.splitlines()[-n:]) or "(empty)"


if __name__ == "__main__":
    sys.exit("use scripts/bench-run.py to run a command by hand")
