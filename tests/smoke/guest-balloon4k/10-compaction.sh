#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The balloon group's 4K inflation + compaction script, unchanged.
PVBED_DIR=/tests/balloon/guest exec sh /tests/balloon/guest/80-compaction.sh
