# SPDX-License-Identifier: GPL-2.0-or-later
"""A busybox initramfs for a second-level guest, made on the host.

    busybox_initramfs(path, init_text, files={"bin/tool": "/abs/tool"})

writes a gzip'd newc cpio with /init (init_text, executable),
/bin/busybox (the host's, which must be static), the given extra files and
empty /proc, /sys and /dev.  The kernel runs /init as PID 1.
"""

import gzip
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def busybox_initramfs(path, init_text, files=None):
    busybox = os.path.realpath(shutil.which("busybox") or "/bin/busybox")
    with tempfile.TemporaryDirectory() as root:
        for d in ("bin", "proc", "sys", "dev"):
            os.makedirs(f"{root}/{d}")
        shutil.copy(busybox, f"{root}/bin/busybox")
        for dest, src in (files or {}).items():
            os.makedirs(os.path.dirname(f"{root}/{dest}"), exist_ok=True)
            shutil.copy(src, f"{root}/{dest}")
        Path(f"{root}/init").write_text(init_text)
        os.chmod(f"{root}/init", 0o755)
        names = subprocess.run(["find", "."], cwd=root, check=True,
                               capture_output=True, text=True).stdout
        cpio = subprocess.run(["cpio", "-o", "-H", "newc"], cwd=root,
                              input=names.encode(), check=True,
                              capture_output=True).stdout
    with gzip.open(path, "wb") as f:
        f.write(cpio)
