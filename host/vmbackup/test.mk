# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the vmbackup host model (included from host/Makefile): append
# phony targets to MODEL_TESTS.
