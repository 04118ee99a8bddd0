# SPDX-License-Identifier: GPL-2.0-or-later
"""Test images whose every 4 KiB block names itself.

Block N starts with "BLK%08d" % N (the rest is zero), the stamp the payload's
nvme-verify step checks (PAYLOAD_STAMP_FMT in payload.h).  A read that
returns block N's stamp came from block N of this image and nowhere else.

    PYTHONPATH=tests python3 -m harness.guest.stamp IMAGE [MIB]
"""

import os
import sys

BLOCK_SIZE = 4096


def stamp(block):
    return b"BLK%08d" % block


def write_image(path, mib=64):
    """Write a stamped image of mib MiB to path (atomically); return path."""
    blocks = mib * 1024 * 1024 // BLOCK_SIZE
    tmp = f"{path}.tmp"
    pad = bytes(BLOCK_SIZE - len(stamp(0)))
    with open(tmp, "wb") as f:
        for n in range(blocks):
            f.write(stamp(n) + pad)
    os.replace(tmp, path)
    return path


def check_image(path):
    """The first block whose stamp is wrong, or None."""
    with open(path, "rb") as f:
        n = 0
        while True:
            block = f.read(BLOCK_SIZE)
            if not block:
                return None
            if not block.startswith(stamp(n)):
                return n
            n += 1


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: stamp.py IMAGE [MIB]")
    write_image(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 64)
