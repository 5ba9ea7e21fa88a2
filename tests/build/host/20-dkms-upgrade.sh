#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS after a kernel upgrade, as a user meets it. Inside a private Debian 12
# root (tests/bed/release-root bookworm, cached; never the host's own
# /lib/modules), pvtools is installed through DKMS for the first bookworm
# line of kernels.conf; then `apt-get install linux-headers-<next line>`
# alone must build and install pvtools for the new kernel (dkms's
# /etc/kernel/header_postinst.d hook, AUTOINSTALL in our dkms.conf).
# KTAP on stdout; exit 2 only when the harness cannot run.

set -uo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
. "$root/tests/build/build.lib"
. "$root/tests/lib/ktap.sh"
cache=${PVTOOLS_CACHE:-/var/cache/pvtools}
log=$cache/buildtest/dkms-upgrade.log
mkdir -p "$cache/buildtest"
rel=(bash "$root/tests/bed/release-root" bookworm)
harness_error() { echo "# harness error: $*" >&2; exit 2; }

echo "KTAP version 1"
rr=$("${rel[@]}" path) || harness_error "no bookworm root"
# The root's DKMS and kernel state: one run at a time.
exec 7>"$cache/locks/dkms-upgrade.lock" || harness_error "cannot open the lock file"
flock -w 1800 7 || harness_error "another run held the DKMS upgrade root for 30 min"
version=$(pvtools_version "$root")
mapfile -t abis < <(awk '$1 !~ /^#/ && NF >= 3 && ($4 == "" || $4 == "bookworm") { print $2 }' \
	"$root/tests/bed/kernels.conf")
[ "${#abis[@]}" -ge 2 ] || harness_error "kernels.conf has fewer than two bookworm lines"
old=${abis[0]} new=${abis[1]}
mapfile -t mods < <(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$root/dkms.conf")
echo "# installed for $old, then linux-headers-$new arrives through apt"

in_root() { "${rel[@]}" run "$@"; }
apt_root() { "${rel[@]}" apt "$@"; }

# The state before the upgrade: no trace of the new kernel, pvtools in DKMS.
in_root dkms remove "pvtools/$version" --all >"$log" 2>&1
if in_root dpkg-query -W "linux-headers-$new" >/dev/null 2>&1; then
	apt_root purge -y -q "linux-headers-$new" >>"$log" 2>&1 || harness_error "cannot purge linux-headers-$new"
fi
# (The new kernel's image may stay: Debian's 6.12 headers pull it in.)
rm -rf "$rr/lib/modules/$new/updates" "$rr/usr/src/pvtools-$version"
if ! [ -e "$rr/usr/src/linux-headers-$old/Makefile" ]; then
	{ apt_root install -y -q --no-install-recommends "linux-headers-$old" ||
		{ apt_root update -q && apt_root install -y -q --no-install-recommends "linux-headers-$old"; }
	} >>"$log" 2>&1 || harness_error "cannot install linux-headers-$old: $(tail -n 5 "$log")"
fi
sync_tree "$root" "$rr/usr/src/pvtools-$version" >/dev/null || harness_error "cannot copy the tree"
in_root dkms add "pvtools/$version" >>"$log" 2>&1 || harness_error "dkms add failed: $(tail -n 5 "$log")"

if in_root dkms install "pvtools/$version" -k "$old" >>"$log" 2>&1; then
	ktap_ok "dkms-install-$old"
else
	ktap_fail "dkms-install-$old" "$(tail -n 5 "$log" | tr '\n' ' ')"
fi

# The upgrade: one apt-get install, nothing else.
t0=$(date +%s)
if apt_root install -y -q --no-install-recommends "linux-headers-$new" >>"$log" 2>&1 ||
	{ apt_root update -q && apt_root install -y -q --no-install-recommends "linux-headers-$new"; } >>"$log" 2>&1; then
	ktap_ok "apt-install-headers-$new"
else
	ktap_fail "apt-install-headers-$new" "$(tail -n 5 "$log" | tr '\n' ' ')"
fi
echo "# apt-get install linux-headers-$new with the DKMS hook: $(($(date +%s) - t0)) s"

missing=
for m in "${mods[@]}"; do
	ls "$rr/lib/modules/$new/updates/dkms/$m".ko* >/dev/null 2>&1 || missing+="$m "
done
if [ -z "$missing" ]; then
	ktap_ok "modules-installed-for-$new"
else
	ktap_fail "modules-installed-for-$new" "not in /lib/modules/$new/updates/dkms: $missing"
fi
status=$(in_root dkms status "pvtools/$version" -k "$new" 2>>"$log")
echo "# dkms status: $status"
if grep -qxF "pvtools/$version, $new, x86_64: installed" <<<"$status"; then
	ktap_ok "dkms-status-installed-$new"
else
	ktap_fail "dkms-status-installed-$new" "$status"
fi
# The new modules are the ones built for the new kernel.
vm=$(in_root modinfo -F vermagic -k "$new" pvcore 2>&1)
if [[ $vm == "$new "* ]]; then
	ktap_ok "vermagic-$new"
else
	ktap_fail "vermagic-$new" "$vm"
fi

in_root dkms remove "pvtools/$version" --all >>"$log" 2>&1
rm -rf "$rr/usr/src/pvtools-$version"
echo "1..$KTAP_N"
exit 0
