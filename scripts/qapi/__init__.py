# SPDX-License-Identifier: GPL-2.0-or-later
"""The QMP schema compiler: parser, checked model and C/introspection back ends."""
