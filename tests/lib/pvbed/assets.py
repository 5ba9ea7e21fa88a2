# SPDX-License-Identifier: GPL-2.0
"""Builds and caches what a guest needs: the pinned Debian kernels (with an
uncompressed vmlinux for fast PVH boot), our QEMU, our modules and a
busybox initramfs per kernel (a cached base plus a small overlay)."""

import fcntl
import hashlib
import lzma
import os
import shutil
import struct
import time
import subprocess
import tempfile
import zlib

from .common import CACHE, ROOT, BedError, locked, log, run, sha256_file

# apt-get serialised with every other pvtools run on this machine.
APT = os.path.join(ROOT, 'tests/bed/apt-locked')
KERNELS_CONF = os.path.join(ROOT, 'tests/bed/kernels.conf')
# Roots of other Debian releases, for kernel lines the host cannot fetch or build.
RELEASE_ROOT = os.path.join(ROOT, 'tests/bed/release-root')
INITRAMFS_SRC = os.path.join(ROOT, 'tests/bed/initramfs')

# In-tree modules every guest gets (plus their modules.dep dependencies).
GUEST_KMODS = [
    'vmw_balloon', 'vmxnet3', 'virtio_net', 'virtio_pci', 'virtio_blk',
    'vmw_vmci', 'vmw_vsock_vmci_transport', 'vmw_pvscsi', 'sd_mod',
    'ext4', 'xfs', 'loop', 'fuse', 'tun', 'veth', 'bridge', 'dummy',
    '8021q',
    'ptp_vmw',
    # vmxnet: the Flexible adapter's vlance driver, before and after vmxnet.
    'pcnet32',
]
# Reached only through the crypto API (request_module), not modules.dep;
# whichever of them a kernel has as a module is included. Plus the PTP core
# our vmw_hostclock needs: only ptp_vmw pulls it in above, and 5.10 has no
# ptp_vmw.
# 9p and 9pnet_virtio: the HGFS bench's virtio-9p baseline (the debug line
# has no 9p).
GUEST_KMODS_OPTIONAL = ['crc32c_generic', 'crc32c_intel', 'ptp', '9p', '9pnet_virtio']

# Debian packages whose programs go into the guest; their shared libraries
# come from the lib* packages of their dependency closure.
GUEST_PKGS = ['iproute2', 'ethtool', 'open-vm-tools', 'kmod', 'iputils-ping',
              'iperf3', 'chrony', 'linuxptp', 'e2fsprogs', 'xfsprogs',
              'util-linux', 'rt-tests', 'coreutils', 'stress-ng']
GUEST_PROGS = [
    '/bin/ip', '/sbin/bridge', '/sbin/ethtool', '/sbin/tc',
    '/usr/bin/vmtoolsd', '/usr/bin/vmware-rpctool',
    '/usr/bin/vmware-toolbox-cmd', '/usr/bin/vmhgfs-fuse',
    '/usr/bin/vmware-checkvm', '/usr/bin/vmware-hgfsclient',
    '/bin/kmod',
    # vmxnet: ping with -M do and exact sizes, TCP/UDP throughput.
    '/bin/ping', '/usr/bin/iperf3',
    # timekeeping: chrony and PHC tools.
    '/usr/sbin/chronyd', '/usr/bin/chronyc', '/usr/sbin/phc_ctl',
    '/usr/sbin/phc2sys',
    # vmsync: real filesystems and the FIFREEZE path.
    '/sbin/mke2fs', '/sbin/mkfs.xfs', '/usr/sbin/xfs_io', '/sbin/fsfreeze',
    '/sbin/blockdev',
    # vmi: timer latency.
    '/usr/bin/cyclictest',
    # kselftest's runner wants `timeout --foreground`, which busybox lacks.
    '/usr/bin/timeout',
    # vmhgfs: file system stressors with --verify.
    '/usr/bin/stress-ng',
]
# kmod's module tools, as a distribution has them: busybox's modprobe loads a
# module a second time after its first attempt fails, which no user sees.
KMOD_TOOLS = ['modprobe', 'insmod', 'rmmod', 'lsmod', 'modinfo', 'depmod']
VMTOOLS_PLUGINS = '/usr/lib/x86_64-linux-gnu/open-vm-tools/plugins'
# Bumped whenever the base layout changes in a way the hash cannot see.
BASE_FORMAT = '4'


# ---------------------------------------------------------------- apt --

_apt_updated = False


def apt_update_once():
    global _apt_updated
    if _apt_updated:
        return
    log('apt-get update')
    run([APT, 'update', '-q'], quiet=True)
    _apt_updated = True


def pkg_installed(pkg):
    r = subprocess.run(['dpkg-query', '-W', '-f=${Status}', pkg],
                       capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() == 'install ok installed'


def apt_install(pkgs):
    missing = [p for p in pkgs if not pkg_installed(p)]
    if not missing:
        return
    apt_update_once()
    log('apt-get install ' + ' '.join(missing))
    run([APT, 'install', '-y', '-q', '--no-install-recommends'] + missing, quiet=True)


def apt_download(spec, dest):
    """Downloads one package (name or name=version) into dest; returns the path."""
    os.makedirs(dest, exist_ok=True)
    for attempt in (1, 2):
        before = set(os.listdir(dest))
        r = subprocess.run(['apt-get', 'download', '-q', spec], cwd=dest,
                           capture_output=True, text=True)
        if r.returncode == 0:
            new = [f for f in set(os.listdir(dest)) - before if f.endswith('.deb')]
            name = spec.split('=')[0]
            if not new:
                new = [f for f in os.listdir(dest)
                       if f.startswith(name + '_') and f.endswith('.deb')]
            return os.path.join(dest, sorted(new)[-1])
        if attempt == 1:
            apt_update_once()
    raise BedError('apt-get download %s failed: %s' % (spec, r.stderr.strip()))


def apt_download_many(specs, dest):
    """Downloads packages in one apt run (much faster than one by one)."""
    os.makedirs(dest, exist_ok=True)
    for attempt in (1, 2):
        r = subprocess.run(['apt-get', 'download', '-q'] + specs, cwd=dest,
                           capture_output=True, text=True)
        if r.returncode == 0:
            return sorted(os.path.join(dest, f) for f in os.listdir(dest) if f.endswith('.deb'))
        if attempt == 1:
            apt_update_once()
    raise BedError('apt-get download failed: %s' % r.stderr.strip())


def dpkg_extract(deb, dest):
    os.makedirs(dest, exist_ok=True)
    run(['dpkg-deb', '-x', deb, dest])


# ------------------------------------------------------------ kernels --

def host_release():
    try:
        with open('/etc/os-release') as f:
            for ln in f:
                if ln.startswith('VERSION_CODENAME='):
                    return ln.split('=', 1)[1].strip().strip('"')
    except FileNotFoundError:
        pass
    return ''


class Kernel:
    """One line of kernels.conf: <line> <abi> <version> [<release> [<guests> [<slow>]]].
    release: the Debian release the packages come from (default bookworm);
    one other than the host's is fetched and built in that release's root;
    `source`: built here from Debian's linux-source package, version
    <version> (tests/bed/debug-kernel).
    guests: 'all' (every guest folder runs on it, the default), 'listed'
    (only folders whose vm.conf KERNELS names the line) or 'explicit' (every
    folder, but only when the run names the line: never by default).
    slow: how many times slower its guests run (timeouts scale by it)."""

    def __init__(self, line, abi, version, release='bookworm', guests='all', slow='1'):
        self.line, self.abi, self.version = line, abi, version
        self.release, self.guests = release, guests
        self.slow = int(slow)
        self.built = release == 'source'
        self.foreign = not self.built and release != host_release()
        self.dir = os.path.join(CACHE, 'kernels', abi)
        self.root = os.path.join(self.dir, 'root')
        self.vmlinuz = os.path.join(self.dir, 'vmlinuz')
        self.vmlinux = os.path.join(self.dir, 'vmlinux')
        self.moddir = os.path.join(self.root, 'lib/modules', abi)

    @property
    def boot_image(self):
        """The uncompressed ELF if it carries a PVH entry note, else bzImage."""
        if os.environ.get('PVBED_BZIMAGE') != '1' and os.path.exists(self.vmlinux):
            return self.vmlinux
        return self.vmlinuz


def read_kernels_conf():
    kernels = []
    with open(KERNELS_CONF) as f:
        for raw in f:
            words = raw.split('#', 1)[0].split()
            if not words:
                continue
            if (len(words) not in (3, 4, 5, 6)
                    or (len(words) >= 5 and words[4] not in ('all', 'listed', 'explicit'))
                    or (len(words) == 6 and not words[5].isdigit())):
                raise BedError('tests/bed/kernels.conf: bad line %r' % raw.strip())
            kernels.append(Kernel(*words))
    return kernels


def select_kernels(spec):
    """The lines a run names (a comma list), or every line not marked
    `explicit` when it names none."""
    kernels = read_kernels_conf()
    if not spec:
        return [k for k in kernels if k.guests != 'explicit']
    wanted = [w.strip() for w in spec.split(',') if w.strip()]
    by_line = {k.line: k for k in kernels}
    unknown = [w for w in wanted if w not in by_line]
    if unknown:
        raise BedError('unknown kernel line(s) %s; kernels.conf has %s' %
                       (','.join(unknown), ','.join(by_line)))
    return [by_line[w] for w in wanted]


def newest_abi(k):
    """Names the newest ABI of k's kernel line that the archive still has."""
    line = k.line
    # Generic flavour only (6.1.0-N-amd64, 6.12.N+debM-amd64), not -rt/-cloud.
    pattern = (r'^linux-image-%s\.[0-9]+(-[0-9]+|\+deb[0-9]+)-amd64(-unsigned)?$'
               % line.replace('.', r'\.'))
    cmd = ['apt-cache', 'search', '--names-only', pattern]
    if k.foreign:
        cmd = [RELEASE_ROOT, k.release, 'run', '--'] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True)
    names = [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()]
    if not names:
        return 'none found'
    names.sort(key=lambda n: [int(x) if x.isdigit() else x
                              for x in n.replace('+', '.').replace('-', '.').split('.')])
    return names[-1][len('linux-image-'):].replace('-unsigned', '')


def fetch_kernel(k):
    with locked('kernel-' + k.abi):
        _fetch_kernel(k)


def _fetch_kernel(k):
    if k.built:
        return _install_built_kernel(k)
    stamp = os.path.join(k.dir, '.ready-' + k.version)
    if os.path.exists(stamp):
        return
    log('fetching kernel %s (%s, %s)' % (k.abi, k.version, k.release))
    try:
        # Backports have only the signed image package (the same kernel).
        specs = ['linux-image-%s%s=%s' % (k.abi, suffix, k.version)
                 for suffix in ('-unsigned', '')]
        if k.foreign:
            deb = release_download(k.release, specs, k.dir)
        else:
            deb = apt_download(specs[0], k.dir)
    except BedError as e:
        raise BedError('PINNED KERNEL %s %s IS NOT IN THE ARCHIVE (%s). Newest '
                       'available ABI for line %s: %s. Update tests/bed/kernels.conf '
                       'deliberately; the bed does not switch silently.' %
                       (k.abi, k.version, e, k.line, newest_abi(k)))
    # 7.x splits the image into linux-binary-<abi> (vmlinuz),
    # linux-modules-<abi> and linux-base-<abi> (modules.builtin, .order),
    # which the image package depends on exactly.
    debs = [deb]
    r = run(['dpkg-deb', '-f', deb, 'Depends'], quiet=True)
    parts = ['%s=%s' % (d.split()[0], k.version) for d in r.stdout.replace('|', ',').split(',')
             if d.split() and d.split()[0] in ('linux-binary-' + k.abi, 'linux-modules-' + k.abi,
                                          'linux-base-' + k.abi)]
    for spec in parts:
        debs.append(release_download(k.release, [spec], k.dir) if k.foreign
                    else apt_download(spec, k.dir))
    shutil.rmtree(k.root, ignore_errors=True)
    for d in debs:
        dpkg_extract(d, k.root)
    # Releases with a merged /usr (trixie) ship the modules in /usr/lib/modules.
    usr_mods = os.path.join(k.root, 'usr/lib/modules')
    if os.path.isdir(usr_mods) and not os.path.exists(os.path.join(k.root, 'lib/modules')):
        os.makedirs(os.path.join(k.root, 'lib'), exist_ok=True)
        os.rename(usr_mods, os.path.join(k.root, 'lib/modules'))
    shutil.rmtree(os.path.join(k.root, 'usr/share'), ignore_errors=True)
    # The package leaves modules.dep to its postinst; generate it here.
    run(['depmod', '-b', k.root, k.abi])
    vmlinuz = os.path.join(k.root, 'boot', 'vmlinuz-' + k.abi)
    if not os.path.exists(vmlinuz):
        vmlinuz = os.path.join(k.moddir, 'vmlinuz')  # 7.x: next to the modules
    shutil.copyfile(vmlinuz, k.vmlinuz)
    for d in debs:
        os.unlink(d)
    extract_vmlinux(k)
    open(stamp, 'w').close()


DEBUG_KERNEL = os.path.join(ROOT, 'tests/bed/debug-kernel')


def _install_built_kernel(k):
    """A line built here (release `source`): tests/bed/debug-kernel builds
    it once per source version and config fragment; its bzImage, vmlinux and
    modules go where a fetched kernel's would."""
    r = run([DEBUG_KERNEL, 'key'], quiet=True)
    key = r.stdout.strip()
    if not key.startswith(k.version + '-'):
        raise BedError('kernels.conf pins %s %s to linux-source %s, but %s is installed '
                       '(tests/bed/install-deps; update kernels.conf deliberately)'
                       % (k.line, k.abi, k.version, key.rsplit('-', 1)[0]))
    stamp = os.path.join(k.dir, '.ready-' + key)
    if os.path.exists(stamp):
        return
    log('%s: building kernel %s (tests/bed/debug-kernel; an hour or more from nothing)'
        % (k.line, key))
    t0 = time.monotonic()
    r = run([DEBUG_KERNEL, 'dir'], quiet=True)
    src = r.stdout.strip().splitlines()[-1]
    with open(os.path.join(src, 'include/config/kernel.release')) as f:
        release = f.read().strip()
    if release != k.abi:
        raise BedError('%s builds %s, kernels.conf says %s' % (DEBUG_KERNEL, release, k.abi))
    log('%s: kernel ready after %.0f s' % (k.line, time.monotonic() - t0))
    shutil.rmtree(k.dir, ignore_errors=True)
    os.makedirs(k.dir)
    run(['make', '-s', '-C', src, 'INSTALL_MOD_PATH=' + k.root, 'INSTALL_MOD_STRIP=1',
         'modules_install'], quiet=True)
    # Links back into the build tree; the bed needs neither.
    for link in ('build', 'source'):
        p = os.path.join(k.moddir, link)
        if os.path.islink(p):
            os.unlink(p)
    shutil.copyfile(os.path.join(src, 'arch/x86/boot/bzImage'), k.vmlinuz)
    extract_vmlinux(k)
    open(stamp, 'w').close()


def release_download(release, specs, dest):
    """apt-get download of the first of specs that the archive has, inside
    the root of another release; returns the path."""
    os.makedirs(dest, exist_ok=True)
    cmd = [RELEASE_ROOT, release, 'run', '--bind', dest, '--', 'sh', '-c',
           'd=$1; shift; cd "$d" && for s; do apt-get download -q "$s" && exit 0; done; exit 1',
           'sh', dest] + specs
    before = set(os.listdir(dest))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        run([RELEASE_ROOT, release, 'apt', 'update', '-q'], quiet=True)
        r = subprocess.run(cmd, capture_output=True, text=True)
    new = [f for f in set(os.listdir(dest)) - before if f.endswith('.deb')]
    if r.returncode != 0 or not new:
        raise BedError('apt-get download %s in the %s root failed: %s'
                       % (' or '.join(specs), release, r.stderr.strip()))
    return os.path.join(dest, sorted(new)[-1])


def fetch_headers(k):
    if k.built:
        return  # its build tree is its headers (tests/build/build.lib headers_dir)
    if not k.foreign:
        apt_install(['linux-headers-' + k.abi])
    # Another release's headers: tests/build/modules.sh installs them in its root.


def _decompress_payload(data):
    """Inflates a bzImage payload by its magic; returns (method, bytes)."""
    if data.startswith(b'\xfd7zXZ\x00'):
        d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        return 'xz', d.decompress(data)
    if data.startswith(b'\x1f\x8b'):
        return 'gzip', zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    if data.startswith(b'\x28\xb5\x2f\xfd'):
        r = subprocess.run(['zstd', '-dc', '-q'], input=data, capture_output=True)
        return 'zstd', r.stdout
    if data.startswith(b'\x02\x21\x4c\x18'):
        r = subprocess.run(['lz4', '-dc', '-q'], input=data, capture_output=True)
        return 'lz4', r.stdout
    raise BedError('unknown bzImage payload magic %s' % data[:6].hex())


def _has_pvh_note(elf):
    """True if the ELF has a Xen note of type XEN_ELFNOTE_PHYS32_ENTRY (18)."""
    if elf[:4] != b'\x7fELF' or elf[4] != 2:
        return False
    phoff, = struct.unpack_from('<Q', elf, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', elf, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            '<IIQQQQ', elf, phoff + i * phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        pos, end = p_offset, p_offset + p_filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from('<III', elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b'\0')
            if name == b'Xen' and ntype == 18:
                return True
            pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    return False


def extract_vmlinux(k):
    """Writes k.vmlinux from the bzImage payload if it can boot via PVH."""
    with open(k.vmlinuz, 'rb') as f:
        img = f.read()
    if img[0x202:0x206] != b'HdrS':
        log('%s: not a bzImage, booting vmlinuz' % k.abi)
        return
    setup_sects = img[0x1f1] or 4
    pm_start = (setup_sects + 1) * 512
    payload_offset, payload_length = struct.unpack_from('<II', img, 0x248)
    payload = img[pm_start + payload_offset:pm_start + payload_offset + payload_length]
    method, elf = _decompress_payload(payload)
    if not _has_pvh_note(elf):
        log('%s: vmlinux (%s) has no PVH note, booting vmlinuz' % (k.abi, method))
        return
    tmp = k.vmlinux + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(elf)
    os.replace(tmp, k.vmlinux)
    log('%s: extracted vmlinux (%s, %d MiB) with PVH entry' %
        (k.abi, method, len(elf) >> 20))


# --------------------------------------------------------------- QEMU --

OUR_QEMU = os.path.join(CACHE, 'qemu/build/qemu-system-x86_64')


def qemu_binary():
    """Our QEMU; built on demand. PVBED_QEMU overrides for bed development only."""
    override = os.environ.get('PVBED_QEMU')
    if override:
        return override
    # Always through the build script: it takes seconds when nothing changed,
    # and a model changed in this tree must never be tested with a stale QEMU.
    script = os.path.join(ROOT, 'host/build-qemu.sh')
    if not os.path.exists(script):
        raise BedError('host/build-qemu.sh does not exist')
    with locked('qemu'):
        t0 = time.monotonic()
        log('building our QEMU (host/build-qemu.sh)')
        run([script], quiet=True)
        log('our QEMU is up to date (%.1f s)' % (time.monotonic() - t0))
    return OUR_QEMU


# ------------------------------------------------------------ modules --

def build_our_modules(k):
    """Runs tests/build/modules.sh for k; returns (list of .ko paths, error or None)."""
    script = os.path.join(ROOT, 'tests/build/modules.sh')
    out = os.path.join(CACHE, 'modules', k.abi)
    if not os.path.exists(script):
        log('tests/build/modules.sh missing: guest gets no pvtools modules')
        return [], None
    fetch_headers(k)
    os.makedirs(out, exist_ok=True)
    r = subprocess.run([script, k.abi, out], capture_output=True, text=True)
    if r.returncode != 0:
        tail = '\n'.join((r.stdout + r.stderr).splitlines()[-20:])
        log('modules.sh %s failed:\n%s' % (k.abi, tail))
        return [], 'tests/build/modules.sh %s failed (exit %d)' % (k.abi, r.returncode)
    # Snapshot under modules.sh's own lock: a concurrent runner may be copying.
    # The copy is private to this runner; prepare() removes it.
    os.makedirs(os.path.join(CACHE, 'guest', k.abi), exist_ok=True)
    snap = tempfile.mkdtemp(prefix='ours-', dir=os.path.join(CACHE, 'guest', k.abi))
    lock = os.path.join(CACHE, 'modsrc', k.abi + '.lock')
    with open(lock if os.path.exists(lock) else os.devnull, 'a') as lf:
        fcntl.flock(lf, fcntl.LOCK_EX)
        kos = []
        for d, _, files in os.walk(out):
            for f in sorted(files):
                if f.endswith('.ko'):
                    shutil.copy2(os.path.join(d, f), os.path.join(snap, f))
                    kos.append(os.path.join(snap, f))
    if not kos:
        os.rmdir(snap)
    return sorted(kos), None


def install_tools(outdir, dest):
    """Builds the tools and copies them to dest under one lock, so a
    concurrent runner's rebuild never hands us a half-written binary."""
    with locked('tools'):
        _build_tools(outdir)
        for f in os.listdir(outdir):
            if os.access(os.path.join(outdir, f), os.X_OK) and not f.endswith(('.o', '.tmp')):
                _copy(os.path.join(outdir, f), os.path.join(dest, f))


def install_preload_libs(sysroot, outdir, dest):
    """Shared libraries tests preload into real programs (tests/tools/preload),
    built against the same Debian glibc as the sysroot's and checked to
    resolve against it."""
    src = os.path.join(ROOT, 'tests/tools/preload')
    if not os.path.isdir(src):
        return
    with locked('preload'):
        run(['make', '-s', '-C', src, 'O=' + outdir], quiet=True)
        libs = [os.path.join(outdir, f) for f in sorted(os.listdir(outdir)) if f.endswith('.so')]
        sysroot.needed_libs(libs)
        for lib in libs:
            _copy(lib, os.path.join(dest, os.path.basename(lib)))


def _build_tools(outdir):
    """Static test programs (tests/tools/Makefile) plus the guest's hostctl."""
    os.makedirs(outdir, exist_ok=True)
    run(['make', '-s', '-C', os.path.join(ROOT, 'tests/tools'), 'O=' + outdir],
        quiet=True)
    hostctl = os.path.join(outdir, 'hostctl')
    src = os.path.join(INITRAMFS_SRC, 'hostctl.c')
    if not os.path.exists(hostctl) or os.path.getmtime(hostctl) < os.path.getmtime(src):
        run(['gcc', '-static', '-O2', '-Wall', '-o', hostctl + '.tmp', src])
        os.replace(hostctl + '.tmp', hostctl)
    return outdir


# ---------------------------------------------------------- initramfs --

def write_cpio(root, out, compress):
    """Packs root as a newc archive (owner root, mtime 0) and compresses it."""
    entries = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            entries.append(os.path.join(d, name))
    chunks = []
    ino = 1

    def add(name, mode, data, nlink=1):
        nonlocal ino
        nb = name.encode() + b'\0'
        hdr = b'070701' + b''.join(b'%08X' % v for v in (
            ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        chunks.append(hdr + nb + b'\0' * (-(110 + len(nb)) % 4))
        chunks.append(data + b'\0' * (-len(data) % 4))
        ino += 1

    for path in entries:
        rel = os.path.relpath(path, root)
        st = os.lstat(path)
        if os.path.islink(path):
            add(rel, st.st_mode, os.readlink(path).encode())
        elif os.path.isdir(path):
            add(rel, st.st_mode, b'', 2)
        else:
            with open(path, 'rb') as f:
                add(rel, st.st_mode, f.read())
    add('TRAILER!!!', 0, b'')
    raw = b''.join(chunks)
    if compress == 'zstd':
        data = subprocess.run(['zstd', '-q', '-c', '-9', '-T0'], input=raw,
                              capture_output=True, check=True).stdout
    else:
        data = subprocess.run(['gzip', '-c', '-6'], input=raw,
                              capture_output=True, check=True).stdout
    # Archives are concatenated; keep each 4-byte aligned for the kernel.
    data += b'\0' * (-len(data) % 4)
    tmp = out + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, out)
    return len(raw), len(data)


def _copy(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(src, dst, follow_symlinks=True)


class Sysroot:
    """Debian packages (programs plus the lib* part of their closure) unpacked once."""

    def __init__(self):
        self.dir = os.path.join(CACHE, 'guest', 'sysroot')
        self.root = os.path.join(self.dir, 'root')

    def closure(self):
        r = subprocess.run(
            ['apt-cache', 'depends', '--recurse', '--no-recommends', '--no-suggests',
             '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances']
            + GUEST_PKGS, capture_output=True, text=True, check=True)
        names = {ln.strip() for ln in r.stdout.splitlines()
                 if ln and not ln.startswith(' ') and not ln.startswith('<')}
        return sorted(n for n in names if n in GUEST_PKGS or n.startswith('lib'))

    def ensure(self):
        with locked('sysroot'):
            return self._ensure()

    def _ensure(self):
        stamp = os.path.join(self.dir, '.ready')
        # The stamp names the wanted packages: adding one refreshes the sysroot.
        wanted = 'packages: %s\n' % ' '.join(GUEST_PKGS)
        if os.path.exists(stamp):
            with open(stamp) as f:
                desc = f.read()
            if desc.startswith(wanted):
                return desc
        pkgs = self.closure()
        log('unpacking %d guest userspace packages' % len(pkgs))
        debs = os.path.join(self.dir, 'debs')
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(debs, ignore_errors=True)
        for deb in apt_download_many(pkgs, debs):
            dpkg_extract(deb, self.root)
        versions = sorted(os.listdir(debs))
        shutil.rmtree(debs)
        desc = wanted + '\n'.join(versions)
        with open(stamp, 'w') as f:
            f.write(desc)
        return desc

    def libdirs(self):
        return [os.path.join(self.root, d) for d in
                ('lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu')]

    def needed_libs(self, elfs):
        """Resolves the shared libraries of elfs (ldd against the sysroot)."""
        env = dict(os.environ, LD_LIBRARY_PATH=':'.join(self.libdirs()))
        libs = {}
        for elf in elfs:
            r = subprocess.run(['ldd', elf], capture_output=True, text=True, env=env)
            for ln in r.stdout.splitlines():
                ln = ln.strip()
                if 'not found' in ln:
                    raise BedError('%s: %s' % (elf, ln))
                if '=>' in ln:
                    soname, rest = ln.split('=>', 1)
                    path = rest.split('(')[0].strip()
                    if path:
                        libs[soname.strip()] = path
                elif ln.startswith('/'):
                    libs[os.path.basename(ln.split()[0])] = ln.split()[0]
        return libs


def _modules_index(moddir):
    """Maps module name (underscored) to its path relative to moddir, and deps."""
    paths, deps = {}, {}
    with open(os.path.join(moddir, 'modules.dep')) as f:
        for ln in f:
            target, _, rest = ln.partition(':')
            name = os.path.basename(target).split('.ko')[0].replace('-', '_')
            paths[name] = target
            deps[target] = rest.split()
    return paths, deps


def _builtin(moddir):
    try:
        with open(os.path.join(moddir, 'modules.builtin')) as f:
            return {os.path.basename(l.strip()).split('.ko')[0].replace('-', '_')
                    for l in f}
    except FileNotFoundError:
        return set()


def _install_kmods(k, stage):
    paths, deps = _modules_index(k.moddir)
    builtin = _builtin(k.moddir)
    todo, chosen = [], set()
    for m in GUEST_KMODS:
        if m in paths:
            todo.append(paths[m])
        elif m in builtin:
            continue
        elif k.guests in ('all', 'explicit'):
            raise BedError('%s: module %s neither in modules.dep nor built in' % (k.abi, m))
        else:
            # A line only some folders run on (e.g. 5.10 has no ptp_vmw):
            # those folders must not need it.
            log('%s: no module %s in this kernel' % (k.abi, m))
    todo += [paths[m] for m in GUEST_KMODS_OPTIONAL if m in paths]
    while todo:
        t = todo.pop()
        if t in chosen:
            continue
        chosen.add(t)
        todo += deps.get(t, [])
    dst_root = os.path.join(stage, 'lib/modules', k.abi)
    for t in sorted(chosen):
        src = os.path.join(k.moddir, t)
        if t.endswith('.xz'):
            dst = os.path.join(dst_root, t[:-3])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with lzma.open(src) as fi, open(dst, 'wb') as fo:
                shutil.copyfileobj(fi, fo)
        elif t.endswith('.zst'):
            dst = os.path.join(dst_root, t[:-4])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            run(['zstd', '-q', '-d', '-f', '-o', dst, src])
        else:
            _copy(src, os.path.join(dst_root, t))
    for f in ('modules.builtin', 'modules.builtin.modinfo', 'modules.order'):
        if os.path.exists(os.path.join(k.moddir, f)):
            _copy(os.path.join(k.moddir, f), os.path.join(dst_root, f))


def _build_base(k, sysroot, stage):
    """Busybox, Debian programs with their libraries, in-tree modules."""
    shutil.rmtree(stage, ignore_errors=True)
    for d in ('bin', 'sbin', 'usr/bin', 'usr/sbin', 'usr/local/bin', 'lib64',
              'lib/x86_64-linux-gnu', 'proc', 'sys', 'dev', 'tmp', 'run', 'mnt',
              'etc', 'root', 'var/log', 'var/run'):
        os.makedirs(os.path.join(stage, d), exist_ok=True)
    _copy('/bin/busybox', os.path.join(stage, 'bin/busybox'))
    os.symlink('busybox', os.path.join(stage, 'bin/sh'))

    elfs = []
    for prog in GUEST_PROGS:
        src = os.path.join(sysroot.root, prog.lstrip('/'))
        _copy(src, os.path.join(stage, prog.lstrip('/')))
        elfs.append(src)
    usrlib = 'usr/lib/x86_64-linux-gnu'
    plugdir = os.path.join(sysroot.root, VMTOOLS_PLUGINS.lstrip('/'))
    for d, _, files in os.walk(plugdir):
        for f in files:
            src = os.path.join(d, f)
            _copy(src, os.path.join(stage, os.path.relpath(src, sysroot.root)))
            elfs.append(src)
    for soname, path in sysroot.needed_libs(elfs).items():
        if soname.startswith('ld-linux'):
            _copy(path, os.path.join(stage, 'lib64', soname))
        else:
            _copy(path, os.path.join(stage, usrlib if usrlib in path else
                                     'lib/x86_64-linux-gnu', soname))
    for tool in KMOD_TOOLS:
        os.symlink('/bin/kmod', os.path.join(stage, 'sbin', tool))
    shutil.copytree(os.path.join(sysroot.root, 'etc/vmware-tools'),
                    os.path.join(stage, 'etc/vmware-tools'), symlinks=True)
    _install_kmods(k, stage)


def _hash_tree(h, path):
    for d, dirs, files in os.walk(path):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            h.update(os.path.relpath(p, path).encode() + b'\0')
            h.update(sha256_file(p).encode())


def _guest_test_dirs():
    """(group, dirname, path) of every tests/<group>/guest*/ and bench*/ folder."""
    tests = os.path.join(ROOT, 'tests')
    out = []
    for g in sorted(os.listdir(tests)):
        gp = os.path.join(tests, g)
        if not os.path.isdir(gp):
            continue
        for d in sorted(os.listdir(gp)):
            p = os.path.join(gp, d)
            if os.path.isdir(p) and (d in ('guest', 'bench') or d.startswith(('guest-', 'bench-'))):
                out.append((g, d, p))
    return out


KSFT_GUEST_DIR = '/opt/pvtools-kselftest'


def kselftest_install():
    """`make kselftest-install` into the cache, once per content of its
    inputs (the guest folders, the helpers, the test programs)."""
    h = hashlib.sha256()
    for d in ('tests/lib/kselftest', 'tests/tools', 'include/pvtools'):
        _hash_tree(h, os.path.join(ROOT, d))
    h.update(sha256_file(os.path.join(ROOT, 'tests/lib/ktap.sh')).encode())
    for g, d, p in _guest_test_dirs():
        h.update(('%s/%s\0' % (g, d)).encode())
        _hash_tree(h, p)
    base = os.path.join(CACHE, 'kselftest')
    dest = os.path.join(base, 'install-' + h.hexdigest()[:16])
    with locked('kselftest-install'):
        if not os.path.exists(os.path.join(dest, '.ready')):
            log('kselftest-install into %s' % dest)
            shutil.rmtree(dest, ignore_errors=True)
            r = subprocess.run([os.path.join(ROOT, 'tests/lib/kselftest/install.sh'), dest],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise BedError('tests/lib/kselftest/install.sh failed:\n' +
                               '\n'.join((r.stdout + r.stderr).splitlines()[-20:]))
            open(os.path.join(dest, '.ready'), 'w').close()
            for old in os.listdir(base):
                p = os.path.join(base, old)
                if (old.startswith('install-') and p != dest
                        and time.time() - os.path.getmtime(p) > 3600):
                    shutil.rmtree(p, ignore_errors=True)
    return dest


def build_initramfs(k, kos):
    with locked('initramfs-' + k.abi):
        return _build_initramfs(k, kos)


def _build_initramfs(k, kos):
    """Returns the initrd path for k: cached base + overlay (tests, tools, our modules)."""
    gdir = os.path.join(CACHE, 'guest', k.abi)
    os.makedirs(gdir, exist_ok=True)
    comp = os.environ.get('PVBED_INITRD_COMP', 'gzip')
    sysroot = Sysroot()
    pkgdesc = sysroot.ensure()

    h = hashlib.sha256()
    h.update(('%s\n%s\n%s\n%s\n%s\n' % (BASE_FORMAT, k.abi, k.version, comp, pkgdesc)).encode())
    h.update(' '.join(GUEST_KMODS + GUEST_KMODS_OPTIONAL + GUEST_PROGS).encode())
    h.update(sha256_file('/bin/busybox').encode())
    base_key = h.hexdigest()[:16]
    base = os.path.join(gdir, 'base-%s.cpio' % base_key)
    base_stage = os.path.join(gdir, 'base-root')
    if not os.path.exists(base) or not os.path.isdir(base_stage):
        log('%s: building initramfs base' % k.abi)
        _build_base(k, sysroot, base_stage)
        raw, packed = write_cpio(base_stage, base, comp)
        log('%s: base %d MiB raw, %.1f MiB %s' % (k.abi, raw >> 20, packed / 1048576, comp))
        for old in os.listdir(gdir):
            if old.startswith('base-') and old.endswith('.cpio') and old != os.path.basename(base):
                os.unlink(os.path.join(gdir, old))

    ov = os.path.join(gdir, 'overlay-root')
    shutil.rmtree(ov, ignore_errors=True)
    os.makedirs(ov)
    _copy(os.path.join(INITRAMFS_SRC, 'init'), os.path.join(ov, 'init'))
    os.chmod(os.path.join(ov, 'init'), 0o755)
    for f in ('passwd', 'group'):
        _copy(os.path.join(INITRAMFS_SRC, f), os.path.join(ov, 'etc', f))
    _copy(os.path.join(ROOT, 'tests/lib/ktap.sh'), os.path.join(ov, 'usr/share/pvbed/ktap.sh'))
    _copy(os.path.join(INITRAMFS_SRC, 'kmod.sh'), os.path.join(ov, 'usr/share/pvbed/kmod.sh'))
    _copy(os.path.join(INITRAMFS_SRC, 'demo.sh'), os.path.join(ov, 'usr/share/pvbed/demo.sh'))
    install_tools(os.path.join(CACHE, 'tools'), os.path.join(ov, 'usr/local/bin'))
    install_preload_libs(sysroot, os.path.join(CACHE, 'preload'), os.path.join(ov, 'usr/local/lib'))
    for g, d, p in _guest_test_dirs():
        shutil.copytree(p, os.path.join(ov, 'tests', g, d))
        # Scripts source $PVBED_DIR/ktap.sh, as in an installed collection.
        _copy(os.path.join(ROOT, 'tests/lib/ktap.sh'), os.path.join(ov, 'tests', g, d, 'ktap.sh'))
    # The guest tests as the kselftest collections a user installs; the
    # guest's init runs a folder's collection through run_kselftest.sh.
    shutil.copytree(kselftest_install(), os.path.join(ov, KSFT_GUEST_DIR.lstrip('/')),
                    symlinks=True)
    # depmod over the base's in-tree modules plus ours, so modprobe resolves both.
    modtree = os.path.join(gdir, 'depmod-root')
    shutil.rmtree(modtree, ignore_errors=True)
    shutil.copytree(os.path.join(base_stage, 'lib/modules'), os.path.join(modtree, 'lib/modules'))
    extra = os.path.join('lib/modules', k.abi, 'extra')
    for ko in kos:
        _copy(ko, os.path.join(modtree, extra, os.path.basename(ko)))
        _copy(ko, os.path.join(ov, extra, os.path.basename(ko)))
    run(['depmod', '-b', modtree, k.abi])
    mdir = os.path.join(modtree, 'lib/modules', k.abi)
    for f in os.listdir(mdir):
        if f.startswith('modules.') and f.endswith(('.dep', '.alias', '.symbols', '.softdep',
                                                    '.devname', '.builtin.bin', '.dep.bin',
                                                    '.alias.bin', '.symbols.bin')):
            _copy(os.path.join(mdir, f), os.path.join(ov, 'lib/modules', k.abi, f))

    h = hashlib.sha256(base_key.encode())
    _hash_tree(h, ov)
    key = h.hexdigest()[:16]
    initrd = os.path.join(gdir, 'initrd-%s' % key)
    if not os.path.exists(initrd):
        overlay = os.path.join(gdir, 'overlay.cpio')
        write_cpio(ov, overlay, comp)
        with open(initrd + '.tmp', 'wb') as fo:
            for part in (base, overlay):
                with open(part, 'rb') as fi:
                    shutil.copyfileobj(fi, fo)
        os.replace(initrd + '.tmp', initrd)
        # Another runner may still be about to boot an older one.
        for old in os.listdir(gdir):
            p = os.path.join(gdir, old)
            if (old.startswith('initrd-') and old != os.path.basename(initrd)
                    and time.time() - os.path.getmtime(p) > 3600):
                os.unlink(p)
        log('%s: initrd %s (%.1f MiB)' % (k.abi, os.path.basename(initrd),
                                         os.path.getsize(initrd) / 1048576))
    return initrd


class Prepared:
    def __init__(self, kernel, initrd, modules, modules_error):
        self.kernel, self.initrd = kernel, initrd
        self.modules = modules
        self.modules_error = modules_error


def prepare(k):
    """Everything one kernel line needs to boot; raises BedError."""
    fetch_kernel(k)
    kos, err = build_our_modules(k)
    try:
        initrd = build_initramfs(k, kos)
    finally:
        if kos:
            shutil.rmtree(os.path.dirname(kos[0]), ignore_errors=True)
    names = [os.path.basename(x)[:-3] for x in kos]
    return Prepared(k, initrd, names, err)
