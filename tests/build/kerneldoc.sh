#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kerneldoc checks of the guest modules, for tests/build/run.sh:
#   kerneldoc.sh <root> <scripts/kernel-doc> format|coverage
# format:   every /** comment of every module .c/.h and of include/pvtools/
#           parses and describes every parameter, member and return value
#           (kernel-doc -none -Wall prints nothing).
# coverage: every exported function (PVTOOLS_EXPORT_SYMBOL*) and every
#           struct defined in a header shared between a module's files
#           (<module>/*.h, include/pvtools/pvcore.h) has a kerneldoc comment.
# Prints what is wrong; exits 1 when something is.

set -uo pipefail
root=$1 kdoc=$2 what=$3
cd "$root" || exit 2

# The module directories, as dkms.conf builds them.
mapfile -t dirs < <(sed -n 's/^BUILT_MODULE_LOCATION\[[0-9]*\]="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' dkms.conf)
. "$root/tests/build/build.lib"
sources=()
for d in "${dirs[@]}" compat/ include/pvtools/; do
	for f in "${d%/}"/*.c "${d%/}"/*.h; do
		[ -e "$f" ] && [ -n "$(own_files "$root" "$f")" ] && sources+=("$f")
	done
done

kd() { perl "$kdoc" -sphinx-version 3 "$@" 2>&1; }

case $what in
format)
	out=$(kd -none -Wall "${sources[@]}")
	[ -z "$out" ] && exit 0
	printf '%s\n' "$out"
	exit 1
	;;
coverage)
	bad=0
	# Exported functions: documented where they are defined or declared.
	while IFS=: read -r file sym; do
		if ! kd -rst -function "$sym" "$file" include/pvtools/*.h | grep -q '^\.\. c:function::'; then
			echo "$file: exported $sym has no kerneldoc"
			bad=1
		fi
	done < <(grep -Ho '^PVTOOLS_EXPORT_SYMBOL[A-Z_]*([a-z0-9_]*' "${sources[@]}" |
		 sed 's/:PVTOOLS_EXPORT_SYMBOL[A-Z_]*(/:/')
	# Structs of the headers a module's files share.
	for h in "${dirs[@]/%//*.h}" include/pvtools/pvcore.h; do
		for f in $h; do
			[ -e "$f" ] || continue
			for s in $(sed -n 's/^struct \([a-z0-9_]*\) {.*/\1/p' "$f"); do
				if ! kd -rst -function "$s" "$f" | grep -q '^\.\. c:struct::'; then
					echo "$f: struct $s has no kerneldoc"
					bad=1
				fi
			done
		done
	done
	exit $bad
	;;
*)
	echo "usage: $0 <root> <kernel-doc> format|coverage" >&2
	exit 2
	;;
esac
