#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The vmmemctl group's 4K inflation + compaction script, unchanged: it prints
# its own plan (`1..6`), its 6 results and exits through ktap_exit.
PVBED_DIR=/tests/vmmemctl/guest exec sh /tests/vmmemctl/guest/80-compaction.sh
# Never run (exec above; a failed exec ends the shell): the runner reads each
# script's plan from its own source, so this declares 80-compaction.sh's,
# which must stay equal to it.
ktap_plan 6
