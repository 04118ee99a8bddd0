# SPDX-License-Identifier: GPL-2.0-or-later
"""Resets, groups, peer-to-peer, hot-plug and IOAS copy: gaps_driver.py
plays them, gaps_checks.py judges them, on either kernel."""
