#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# pvtools stand-in for the kernel script of this name.
# Installed by tests/build/build.lib as scripts/checker-valid.sh of a Debian
# kernel headers package whose Makefile runs that script for C=1/C=2 but
# which does not ship it (Debian's 7.x linux-kbuild). Prints 1 when the
# checker given as arguments (e.g. `sparse --arch=x86 -m64`) can parse what
# these kernels' headers use, __typeof_unqual__ among it; otherwise kbuild
# says the checker is "not available or not up to date" and skips it.
[ $# -gt 0 ] || exit 0
tmp=$(mktemp --suffix=.c) || exit 0
trap 'rm -f "$tmp"' EXIT
printf 'static const int a;\nint f(void);\nint f(void) { __typeof_unqual__(a) b = a; return b; }\n' >"$tmp"
"$@" "$tmp" >/dev/null 2>&1 || exit 0
# sparse reports parse errors on stderr with status 0 unless told otherwise.
[ -z "$("$@" "$tmp" 2>&1)" ] && echo 1
exit 0
