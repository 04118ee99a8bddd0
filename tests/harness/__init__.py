# SPDX-License-Identifier: GPL-2.0-or-later
"""What the Python tests share to drive a VMM or the bench guest.

tests/ is on PYTHONPATH (meson's test environment, the Makefile, the
programs in scripts/, and the bench guest's init), so a test says
`from harness.qemu_client import Qemu` and nothing else:

    qemu_client    the qtest + QMP client (ours, Debian's QEMU, a fake)
    tap            the TAP writer
    backend_tap    one test run once per IOMMU backend, as TAP
    build_paths    where this build's binaries and the simulator are
    edu            the edu device's DMA, played over qtest
    sim_control    the simulated kernel's control socket
    peer_driver    Debian's QEMU with an assigned edu, in the bench guest
    guest/         the bench guest: launcher, topologies, kernel builder
"""
