#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kselftest runs each test of a pvtools collection through this file
# (run_kselftest.sh does so for a test that is not executable itself):
# ./ksft_runner.sh ./NN-name.sh, in the collection's directory.
#
# The collection's directory is $PVBED_DIR (the tests source their helpers
# from it) and comes first in PATH (its test programs). vm.conf holds the
# folder's settings in the test bed (device addresses, driver names); on
# another machine, a file named by $PVTOOLS_KSFT_CONF may override them.
PVBED_DIR=$(pwd)
PATH=$PVBED_DIR:$PATH
export PVBED_DIR PATH
if [ -f ./vm.conf ]; then
	. ./vm.conf
fi
if [ -n "$PVTOOLS_KSFT_CONF" ]; then
	. "$PVTOOLS_KSFT_CONF" || exit 1
fi
exec sh "$1"
