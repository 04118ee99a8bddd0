# SPDX-License-Identifier: GPL-2.0-or-later
"""An edu device assigned end to end: test_edu_sim.py on the simulated
kernel, guest_e2e.py in the bench guest (launched as launch.py says)."""
