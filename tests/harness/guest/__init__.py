# SPDX-License-Identifier: GPL-2.0-or-later
"""Real-kernel test bench: boot a tiny Linux guest under QEMU with emulated
VT-d and edu devices, run one host-built command in it, get the results back.

Entry point: harness.guest.guest.run_in_guest (see its docstring).
"""
