#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Unit tests of the host device models: `make -C host test` prints KTAP.
cd "$(dirname "$0")/../../.." || exit 1
exec make -s --no-print-directory -C host test
