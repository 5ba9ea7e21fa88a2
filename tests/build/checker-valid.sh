#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Installed by tests/build/lib.sh as scripts/checker-valid.sh of a Debian
# kernel headers package that runs that script from its Makefile (C=1/C=2)
# but does not ship it (Debian's 7.x linux-kbuild): prints 1 when the
# checker given as arguments (e.g. `sparse --arch=x86 -m64`) checks a
# trivial file without error, so C=2 runs sparse instead of skipping it.
[ $# -gt 0 ] || exit 0
tmp=$(mktemp --suffix=.c) || exit 0
trap 'rm -f "$tmp"' EXIT
echo 'int pvtools_checker_probe;' >"$tmp"
"$@" "$tmp" >/dev/null 2>&1 && echo 1
exit 0
