"""One TAP result per host IOMMU backend, for tests that run a VMM once per
backend on the simulated kernel.

    sys.exit(backend_tap.run_all(run, missing=None, prefix="vfio-sim-x-"))

run(backend, tmp) returns (ok, why) and may raise: an exception is that
backend's failure, named.  With `missing` (a reason) every backend is a
SKIP.  on_failure(backend, tmp), if given, prints diagnostics (as TAP
comments) after a failure.  Returns the exit status: 1 if any failed.
"""

import shutil
import tempfile

BACKENDS = ("legacy", "iommufd")


def run_all(run, *, prefix, missing=None, on_failure=None,
            backends=BACKENDS):
    print(f"1..{len(backends)}")
    if missing:
        for i, b in enumerate(backends, 1):
            print(f"ok {i} {b} # SKIP {missing}")
        return 0
    tmp = tempfile.mkdtemp(prefix=prefix)
    failed = 0
    try:
        for i, backend in enumerate(backends, 1):
            try:
                ok, why = run(backend, tmp)
            except Exception as e:      # noqa: BLE001 (reported as TAP)
                ok, why = False, f"{type(e).__name__}: {e}"
            if not ok and on_failure:
                on_failure(backend, tmp)
            print(f"{'ok' if ok else 'not ok'} {i} {backend}: {why}")
            failed += not ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0
