#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make kselftest-install` as a user runs it, into a scratch directory: the
# framework's run_kselftest.sh and kselftest-list.txt are there, `-l` lists
# every guest script of the driver groups under its folder's collection,
# no collection reaches into the bed's initramfs for its files, every
# collection with a script that runs without the host's controls has its
# real-guest-mode folder here (tests/kselftest/guest-*: LIKE=<its folder>,
# HOSTCTL=off), the others none, and no such folder points elsewhere. The counts of scripts that run on a real guest and of those
# that need the emulated host's controls are printed as diagnostics.
set -uo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
. "$root/tests/lib/ktap.sh"
cache=${PVTOOLS_CACHE:-/var/cache/pvtools}
mkdir -p "$cache/kselftest"
dest=$(mktemp -d "$cache/kselftest/check-XXXXXX")
trap 'rm -rf "$dest"' EXIT
# Groups whose guest folders are no collection (tests/lib/kselftest/install.sh).
not_collections="bed smoke kselftest"

ktap_plan 7

if out=$(cd "$root" && make -s kselftest-install INSTALL_PATH="$dest" 2>&1); then
	ktap_ok "make-kselftest-install"
else
	ktap_fail "make-kselftest-install" "$(echo "$out" | tail -n 5 | tr '\n' ' ')"
fi

if [ -x "$dest/run_kselftest.sh" ] && [ -f "$dest/kselftest/runner.sh" ] &&
	[ -f "$dest/kselftest/ktap_helpers.sh" ] && [ -s "$dest/kselftest-list.txt" ]; then
	ktap_ok "framework-installed"
else
	ktap_fail "framework-installed" "no run_kselftest.sh, kselftest/ or kselftest-list.txt in $dest"
fi

# Every tests/<group>/guest*/NN-*.sh of a driver group, listed by -l.
listed=$("$dest/run_kselftest.sh" -l 2>&1)
want=0 miss=
for s in "$root"/tests/*/guest*/[0-9][0-9]-*.sh; do
	rel=${s#"$root"/tests/}
	group=${rel%%/*}
	case " $not_collections " in *" $group "*) continue ;; esac
	folder=${rel%/*}
	want=$((want + 1))
	coll=$(awk -v f="$folder" '$1 == f { print $2 }' "$dest/pvtools-collections.txt" 2>/dev/null)
	grep -qxF "$coll:${s##*/}" <<<"$listed" || miss="$miss $rel"
done
if [ -z "$miss" ] && [ "$want" -gt 0 ]; then
	ktap_ok "lists-every-guest-script"
else
	ktap_fail "lists-every-guest-script" "of $want, not listed:$miss"
fi
echo "# run_kselftest.sh -l: $(wc -l <<<"$listed") tests in $(cut -d: -f1 <<<"$listed" | sort -u | wc -l) collections"

# Each test runs through the collection's ksft_runner.sh (with its settings).
bad=
for c in $(cut -d: -f1 <<<"$listed" | sort -u); do
	[ -x "$dest/$c/ksft_runner.sh" ] && [ -f "$dest/$c/ktap.sh" ] &&
		grep -q '^timeout=[0-9]' "$dest/$c/settings" 2>/dev/null || bad="$bad $c"
done
[ -z "$bad" ] && ktap_ok "collections-complete" ||
	ktap_fail "collections-complete" "no ksft_runner.sh, ktap.sh or settings in:$bad"

# Self-contained: nothing a collection runs reaches into the bed's initramfs
# (its ktap.sh, test programs, test folders) instead of the collection.
bad=$(cd "$dest" && grep -lE '/usr/share/pvbed/ktap|/usr/local/(bin|lib)|[ "]/tests/' \
	pvtools-*/* 2>/dev/null | tr '\n' ' ')
[ -z "$bad" ] && ktap_ok "collections-self-contained" ||
	ktap_fail "collections-self-contained" "bed paths in: $bad"

# The split: scripts that need the emulated host skip in real-guest mode.
host=0 free=0 hsub=0 fsub=0 runs_here=
for c in $(cut -d: -f1 <<<"$listed" | sort -u); do
	for t in $(grep "^$c:" <<<"$listed" | cut -d: -f2); do
		n=$(sed -n 's/^[[:space:]]*ktap_plan[[:space:]]\+\([0-9]\+\).*/\1/p' "$dest/$c/$t")
		if grep -q '^[[:space:]]*ktap_need_hostctl' "$dest/$c/$t"; then
			host=$((host + 1)) hsub=$((hsub + n))
		else
			free=$((free + 1)) fsub=$((fsub + n))
			runs_here="$runs_here $c"
		fi
	done
done

# One real-guest-mode folder per collection with a script that runs
# without the host's controls, none for a collection whose every script
# needs them (its VM would only boot and skip: the mixed collections'
# VMs show that skip), and none pointing elsewhere.
bad=
while read -r folder coll; do
	n=$(grep -lx "LIKE=$folder" "$root"/tests/kselftest/guest-*/vm.conf 2>/dev/null | wc -l)
	want=0
	case " $runs_here " in *" $coll "*) want=1 ;; esac
	[ "$n" = "$want" ] || bad="$bad $folder($n folders, want $want)"
done <"$dest/pvtools-collections.txt"
for conf in "$root"/tests/kselftest/guest-*/vm.conf; do
	like=$(sed -n 's/^LIKE=//p' "$conf")
	grep -q "^$like " "$dest/pvtools-collections.txt" || bad="$bad ${conf#"$root"/}(LIKE=$like)"
	grep -qx "HOSTCTL=off" "$conf" || bad="$bad ${conf#"$root"/}(no HOSTCTL=off)"
done
[ -z "$bad" ] && ktap_ok "real-guest-folders" ||
	ktap_fail "real-guest-folders" "tests/kselftest/guest-*/vm.conf:$bad"

echo "# real-guest mode: $free scripts ($fsub subtests) run anywhere; $host scripts ($hsub subtests) need the emulated host's controls"
[ $((host + free)) -eq "$(wc -l <<<"$listed")" ] && [ "$free" -gt 0 ] &&
	ktap_ok "real-guest-split" || ktap_fail "real-guest-split" "free $free + host $host"
ktap_exit
