# SPDX-License-Identifier: GPL-2.0
# The vmxnet test topology (sourced by tests/vmxnet/guest and bench, busybox
# sh): two NICs on one QEMU hub, found by PCI address, renamed and moved into
# network namespaces "a" and "b" with 10.0.0.1/24 and 10.0.0.2/24.
# vm.conf names the device under test: NIC_DRIVER (the guest driver that must
# be bound), NIC0_PCI/NIC1_PCI (their -device addr=), JUMBO_MTU (largest MTU
# the tests use), NIC_MAX_MTU (the driver's limit, if one should be checked).
# The QOM ids of the two NICs are nic0 (ns a) and nic1 (ns b).
. "$PVBED_DIR/ktap.sh"
echo "# start at $(cut -d' ' -f1 /proc/uptime) s uptime"

NIC_DRIVER=${NIC_DRIVER:-vmxnet}
NIC0_PCI=${NIC0_PCI:-0000:00:10.0}
NIC1_PCI=${NIC1_PCI:-0000:00:11.0}
JUMBO_MTU=${JUMBO_MTU:-9000}
ktap_need_scratch "takes these NICs over (renamed, moved into network namespaces, unbound)" \
	"$NIC0_PCI" "$NIC1_PCI"
IF_A=vxa
IF_B=vxb
IP_A=10.0.0.1
IP_B=10.0.0.2
IP=/bin/ip
ETHTOOL=/sbin/ethtool
PING=/bin/ping

ina() { $IP netns exec a "$@"; }
inb() { $IP netns exec b "$@"; }
# in_ns NS CMD...: run CMD in namespace NS.
in_ns() { n=$1; shift; $IP netns exec "$n" "$@"; }

# pci_ifname PCI DRIVER: the interface of the init namespace on that PCI
# function (or on a virtio device under it), if DRIVER is bound to it.
pci_ifname() {
	for d in /sys/class/net/*; do
		[ -e "$d/device" ] || continue
		dev=$(readlink -f "$d/device")
		[ "${dev##*/}" = "$1" ] || [ "$(basename "${dev%/*}")" = "$1" ] || continue
		drv=$(basename "$(readlink -f "$d/device/driver")")
		if [ "$drv" != "$2" ]; then
			echo "# $1 is bound to $drv, not $2" >&2
			return 1
		fi
		basename "$d"
		return 0
	done
	return 1
}

# ns_prepare NS: the namespace exists, lo is up, IPv6 off (no stray traffic
# in the counters the tests compare).
ns_prepare() {
	[ -e "/run/netns/$1" ] || $IP netns add "$1" || return 1
	in_ns "$1" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6;
		echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6' 2>/dev/null
	$IP -n "$1" link set lo up
}

# place PCI DRIVER NS NAME ADDR [MTU]: the NIC at PCI is NAME in NS with ADDR/24, up.
place() {
	pci=$1 drv=$2 ns=$3 name=$4 addr=$5 mtu=${6:-1500}
	if ! $IP -n "$ns" link show "$name" >/dev/null 2>&1; then
		t=50
		while ! ifn=$(pci_ifname "$pci" "$drv"); do
			t=$((t - 1))
			if [ $t -le 0 ]; then
				echo "# no $drv interface at $pci" >&2
				return 1
			fi
			sleep 0.2
		done
		$IP link set "$ifn" down &&
			$IP link set "$ifn" name "$name" &&
			$IP link set "$name" netns "$ns" || return 1
	fi
	# MTU first: below 68 IPv4 drops the device's addresses.
	$IP -n "$ns" link set "$name" mtu "$mtu" &&
		$IP -n "$ns" addr flush dev "$name" &&
		$IP -n "$ns" addr add "$addr/24" dev "$name" &&
		$IP -n "$ns" link set "$name" up
}

# carrier NS IF: 1 or 0 as the kernel reports it (empty while down).
carrier() { in_ns "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null; }

# wait_carrier NS IF 0|1 [SECONDS]
wait_carrier() {
	t=$((${4:-10} * 5))
	while [ "$(carrier "$1" "$2")" != "$3" ]; do
		t=$((t - 1))
		[ $t -le 0 ] && return 1
		sleep 0.2
	done
}

# ping_ok [SECONDS]: a→b answers within SECONDS (ARP included).
ping_ok() {
	t=${1:-10}
	while [ "$t" -gt 0 ]; do
		ina $PING -c 1 -W 1 -q $IP_B >/dev/null 2>&1 && return 0
		t=$((t - 1))
	done
	echo "# $IP_A cannot ping $IP_B" >&2
	return 1
}

# vx_setup: driver loaded, both NICs in place at MTU 1500 with the default
# offloads, carrier up, host links up, no fault; a→b answers. Every script
# starts here, so one script's failure does not spill into the next.
vx_setup() {
	grep -q "^$NIC_DRIVER " /proc/modules || modprobe "$NIC_DRIVER" || return 1
	ns_prepare a && ns_prepare b || return 1
	# The emulated host's switches back to normal after an earlier test (a
	# real host, without hostctl's channel, has none of them).
	if ktap_have_hostctl; then
		host_fault none 2>/dev/null
		host_link nic0 on && host_link nic1 on || return 1
	fi
	place "$NIC0_PCI" "$NIC_DRIVER" a $IF_A $IP_A &&
		place "$NIC1_PCI" "$NIC_DRIVER" b $IF_B $IP_B || return 1
	ina $ETHTOOL -K $IF_A tso on sg on tx on rx on >/dev/null 2>&1
	inb $ETHTOOL -K $IF_B tso on sg on tx on rx on >/dev/null 2>&1
	# LRO is on by default, but an upper device without it (a test's VLAN,
	# forwarding) clears it for good: back to the default.
	ina $ETHTOOL -K $IF_A lro on >/dev/null 2>&1
	inb $ETHTOOL -K $IF_B lro on >/dev/null 2>&1
	wait_carrier a $IF_A 1 && wait_carrier b $IF_B 1 || {
		echo "# no carrier: a=$(carrier a $IF_A) b=$(carrier b $IF_B)" >&2
		return 1
	}
	ping_ok 15
}

# set_mtu MTU: both ends.
set_mtu() { $IP -n a link set $IF_A mtu "$1" && $IP -n b link set $IF_B mtu "$1"; }

# ---- the emulated host (QMP through hostctl) ----

# host_link ID on|off: the NIC's link as the host's switch sees it.
host_link() {
	up=false
	[ "$2" = on ] && up=true
	hostctl qmp "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"$1\",\"up\":$up}}" >/dev/null
}

# host_fault FAULT [ID]: the device model's hostile-device switch (nic0 by default).
host_fault() { hostctl set "${2:-nic0}" fault "$1"; }

# dev_stat ID NAME: a device model counter; failure (QMP's error on stderr)
# if it cannot be read.
dev_stat() { hostctl get "$1" "$2"; }

# has_dev_stats: the device under test is our model, with its counters and
# fault switches. vm.conf says so (NIC_MODEL, default vmxnet2; "none" for a
# device without them): on the model, a property that cannot be read is a
# failure, never a reason to skip.
has_dev_stats() { [ "${NIC_MODEL:-vmxnet2}" = vmxnet2 ]; }

# model_check NAME CMD...: ktap_check on our model, a skip on another device.
model_check() {
	if has_dev_stats; then
		ktap_check "$@"
	else
		ktap_skip "$1" "NIC_MODEL=$NIC_MODEL: no model counters or fault switches"
	fi
}

# ---- guest-side observations ----

# nic_stats NS IF: "name value" lines of ethtool -S; blanks in names become
# "_", and a name seen again (per-queue sections) gets "#N" appended.
nic_stats() {
	in_ns "$1" $ETHTOOL -S "$2" 2>/dev/null | awk -F: 'NF == 2 && $2 ~ /^ *[0-9]+ *$/ {
		name = $1; gsub(/^ +| +$/, "", name); gsub(/ +/, "_", name)
		if (seen[name]++) name = name "#" seen[name]
		v = $2; gsub(/ /, "", v); print name, v }'
}

# stats_grew BEFORE AFTER REGEX: names matching REGEX whose value grew, as "name +delta".
stats_grew() {
	awk -v re="$3" 'FNR == NR { v[$1] = $2; next }
		$1 ~ re && $2 > v[$1] + 0 { printf "%s +%d\n", $1, $2 - v[$1] }' "$1" "$2"
}

if_stat() { in_ns "$1" cat "/sys/class/net/$2/statistics/$3"; }

meminfo_kib() { sed -n "s/^$1: *\([0-9]*\) kB$/\1/p" /proc/meminfo; }

dmesg_mark() { dmesg | wc -l; }
dmesg_since() { dmesg | tail -n +$(($1 + 1)); }

# ---- traffic ----

# stream_start NAME FROM_NS TO_NS TO_IP BYTES [sender options]: one verified
# TCP stream in the background (BYTES 0: until broken). Exit codes land in
# files, so stream_wait NAME works from any subshell (ktap_check runs one).
STREAM_PORT=5201
stream_start() {
	name=$1 from=$2 to=$3 ip=$4 bytes=$5
	shift 5
	STREAM_PORT=$((STREAM_PORT + 1))
	rm -f "/tmp/$name.rrc" "/tmp/$name.src"
	(
		in_ns "$to" netverify -t "${STREAM_TIMEOUT:-60}" tcp-recv $STREAM_PORT 42 "$bytes" \
			>"/tmp/$name.recv" 2>&1
		echo $? >"/tmp/$name.rrc"
	) &
	echo $! >"/tmp/$name.rpid"
	(
		in_ns "$from" netverify -t "${STREAM_TIMEOUT:-60}" "$@" tcp-send "$ip" $STREAM_PORT 42 \
			"$bytes" >"/tmp/$name.send" 2>&1
		echo $? >"/tmp/$name.src"
	) &
	echo $! >"/tmp/$name.spid"
}


stream_wait() {
	# netverify's own -t bounds this; the margin covers a slow start.
	t=$(((${STREAM_TIMEOUT:-60} + 10) * 5))
	while [ ! -s "/tmp/$1.src" ] || [ ! -s "/tmp/$1.rrc" ]; do
		t=$((t - 1))
		[ $t -le 0 ] && { echo "# $1: no exit status" >&2; return 1; }
		sleep 0.2
	done
	src=$(cat "/tmp/$1.src") rrc=$(cat "/tmp/$1.rrc")
	if [ "$src" != 0 ] || [ "$rrc" != 0 ]; then
		echo "# $1: sender rc $src: $(tr '\n' ' ' <"/tmp/$1.send")"
		echo "# $1: receiver rc $rrc: $(tr '\n' ' ' <"/tmp/$1.recv")"
		return 1
	fi
}

# stream NAME FROM TO IP BYTES [opts]: start and wait.
stream() { stream_start "$@" && stream_wait "$1"; }

# a_to_b BYTES [opts] / b_to_a: the common directions.
a_to_b() { n=$1; shift; stream "a2b" a b $IP_B "$n" "$@"; }
b_to_a() { n=$1; shift; stream "b2a" b a $IP_A "$n" "$@"; }
