# SPDX-License-Identifier: GPL-2.0-or-later
"""VFIO scenarios by subject, each written once for the simulated kernel
(suite sim) and, where the bench guest can host it, the real one (suite
functional, through a launcher in tests/functional/)."""
