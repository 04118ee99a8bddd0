# SPDX-License-Identifier: GPL-2.0-or-later
"""An edu device assigned end to end: one scenario (e2e_driver.py), run on
the simulated kernel by test_e2e_sim.py and in the bench guest by
tests/functional/test_e2e.py (both through launch.py)."""
