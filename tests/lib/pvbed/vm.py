# SPDX-License-Identifier: GPL-2.0
"""Boots one guest under our QEMU (TCG) and collects its verdict: COM1 is
the console log, COM2 the verdict channel, COM3 the guest's hostctl link,
which this module answers with QMP on the VM's monitor socket."""

import json
import os
import shlex
import socket
import subprocess
import tempfile
import threading
import time

from .common import CACHE, log

CMDLINE = ('console=ttyS0,115200 quiet loglevel=4 panic_on_warn=1 oops=panic '
           'softlockup_panic=1 hung_task_panic=1 panic=-1 rdinit=/init '
           'tsc=reliable no_timer_check rootfstype=ramfs')
VMWARE_SERIAL = 'VMware-56 4d 8a 11 22 33 44 55-66 77 88 99 aa bb cc dd'


class QMP:
    """Minimal QMP client over a unix socket."""

    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.file = self.sock.makefile('rwb')
        self.lock = threading.Lock()
        self._read()  # greeting
        self.execute('qmp_capabilities')

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError('QMP closed')
            msg = json.loads(line)
            if 'event' not in msg:
                return msg

    def command(self, obj):
        """Sends one command object; returns the raw reply (return or error)."""
        with self.lock:
            self.file.write(json.dumps(obj).encode() + b'\n')
            self.file.flush()
            return self._read()

    def execute(self, cmd, **args):
        obj = {'execute': cmd}
        if args:
            obj['arguments'] = args
        reply = self.command(obj)
        if 'error' in reply:
            raise RuntimeError(reply['error'].get('desc', str(reply['error'])))
        return reply['return']

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _qom_path(name):
    return name if name.startswith('/') else '/machine/peripheral/' + name


def _json_scalar(text):
    """A value that parses as a JSON number or bool is sent as such, else as string."""
    try:
        v = json.loads(text)
    except ValueError:
        return text
    return v if isinstance(v, (bool, int, float)) else text


def hostctl_answer(qmp, args):
    """Runs one hostctl request; returns (status, output text)."""
    if not args:
        return 2, 'hostctl: no command\n'
    cmd, rest = args[0], args[1:]
    if cmd == 'probe' and not rest:
        return 0, 'hostctl: the runner answers\n'
    try:
        if cmd == 'qmp' and len(rest) == 1:
            try:
                obj = json.loads(rest[0])
            except ValueError as e:
                return 2, 'hostctl: bad JSON: %s\n' % e
            reply = qmp.command(obj)
            if 'error' in reply:
                return 1, json.dumps(reply['error']) + '\n'
            return 0, json.dumps(reply.get('return')) + '\n'
        if cmd == 'set' and len(rest) == 3:
            qmp.execute('qom-set', path=_qom_path(rest[0]), property=rest[1],
                        value=_json_scalar(rest[2]))
            return 0, ''
        if cmd == 'get' and len(rest) == 2:
            v = qmp.execute('qom-get', path=_qom_path(rest[0]), property=rest[1])
            return 0, (v if isinstance(v, str) else json.dumps(v)) + '\n'
        if cmd in ('stop', 'cont') and not rest:
            qmp.execute(cmd)
            return 0, ''
        if cmd == 'pause' and len(rest) == 1:
            # A stopped guest cannot ask for its own cont: the host does both.
            try:
                secs = float(rest[0])
            except ValueError:
                secs = -1
            if not 0 < secs <= 60:
                return 2, 'hostctl: pause takes 0 < SECONDS <= 60\n'
            qmp.execute('stop')
            time.sleep(secs)
            qmp.execute('cont')
            return 0, ''
    except RuntimeError as e:
        return 1, 'hostctl: %s\n' % e
    except (OSError, ConnectionError) as e:
        return 1, 'hostctl: QMP unavailable: %s\n' % e
    return 2, ('hostctl: usage: qmp JSON | set ID PROP VALUE | get ID PROP | stop | cont'
               ' | pause SECONDS | probe\n')


def _serve_hostctl(sock_path, qmp, stop):
    """Answers HOSTCTL lines arriving on the COM3 socket until the VM ends."""
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock_path)
    except OSError as e:
        log('hostctl link unavailable: %s' % e)
        return
    f = s.makefile('rwb')
    while not stop.is_set():
        try:
            line = f.readline()
        except OSError:
            break
        if not line:
            break
        text = line.decode('utf-8', 'surrogateescape').strip()
        if not text.startswith('HOSTCTL '):
            continue
        _, rid, payload = text.split(' ', 2)
        try:
            args = json.loads(payload)
        except ValueError:
            status, out = 2, 'hostctl: garbled request\n'
        else:
            try:
                status, out = hostctl_answer(qmp, args)
            except Exception as e:  # the guest must always get an answer
                status, out = 1, 'hostctl: runner error: %r\n' % e
        data = out.encode('utf-8', 'surrogateescape')
        try:
            f.write(b'HOSTCTL %s %d %d\n' % (rid.encode(), status, len(data)) + data)
            f.flush()
        except OSError:
            break
    s.close()


class VMConfig:
    """Settings of one VM; vm.conf (shell assignments) may override them."""

    def __init__(self):
        self.memory = '512'
        self.smp = '1'
        self.platform = 'vmware'
        self.qemu_args = []
        self.timeout = 300
        self.modules = []
        self.disks = []
        # Every guest's CPU hides ERMS and FSRM: with them the kernel copies
        # and clears memory with `rep movsb`/`rep stosb`, which TCG runs one
        # byte per iteration. PVBED_CPU_FLAGS= (empty) shows them again.
        self.cpu_flags = os.environ.get('PVBED_CPU_FLAGS', '-erms,-fsrm').strip(',')
        self.hgfs_shares = []
        self.kernel_lines = []
        # Results reported under this prefix (ref: not our code under test).
        self.prefix = ''
        # HOSTCTL=off: no host-control channel (COM3), as on a real VMware guest.
        self.hostctl = True
        # LIKE=<group>/<folder>: that folder's machine and scripts (its vm.conf
        # first, then this one's settings over it).
        self.like = ''

    def load(self, path):
        if not os.path.exists(path):
            return self
        like = self._read(path).get('LIKE', '').strip()
        if like:
            base = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(path))), like)
            if not os.path.isdir(base) or '..' in like.split('/'):
                raise ValueError('%s: LIKE=%s is no guest folder' % (path, like))
            self._load(os.path.join(base, 'vm.conf'))
            self.like = like
        return self._load(path)

    @staticmethod
    def _read(path):
        # Let the shell evaluate the file the way the guest's init will.
        script = ('unset KERNEL_LINES; set -a; . "$1" >/dev/null; '
                  'for v in MEMORY SMP PLATFORM QEMU_ARGS VM_TIMEOUT MODULES DISKS CPU_FLAGS '
                  'HGFS_SHARES KERNEL_LINES PREFIX HOSTCTL LIKE; do '
                  'eval "printf \'%s=%s\\0\' $v \\"\\$$v\\""; done')
        r = subprocess.run(['sh', '-c', script, 'sh', path],
                           capture_output=True, text=True, check=True)
        return dict(kv.split('=', 1) for kv in r.stdout.split('\0') if '=' in kv)

    def _load(self, path):
        if not os.path.exists(path):
            return self
        vals = self._read(path)
        self.memory = vals.get('MEMORY') or self.memory
        self.smp = vals.get('SMP') or self.smp
        self.platform = vals.get('PLATFORM') or self.platform
        self.qemu_args = shlex.split(vals.get('QEMU_ARGS', '')) or self.qemu_args
        self.timeout = int(vals.get('VM_TIMEOUT') or self.timeout)
        self.modules = vals.get('MODULES', '').split() or self.modules
        self.disks = [int(mib) for mib in vals.get('DISKS', '').split()] or self.disks
        # Extra -cpu flags instead of the default, e.g. "-erms,-fsrm".
        if vals.get('CPU_FLAGS', '').strip():
            self.cpu_flags = vals['CPU_FLAGS'].strip(',')
        # HGFS_SHARES="data ro:ro data2:9p": shared folders in the work dir.
        self.hgfs_shares = vals.get('HGFS_SHARES', '').split() or self.hgfs_shares
        for spec in self.hgfs_shares:
            bad = set(spec.split(':')[1:]) - {'ro', '9p'}
            if bad:
                raise ValueError('%s: HGFS_SHARES: %s: unknown flag %s'
                                 % (path, spec, ', '.join(sorted(bad))))
        # Kernel lines this folder runs on; empty: every line kernels.conf
        # marks `all` (the lines marked `listed` run only folders naming them).
        self.kernel_lines = (vals.get('KERNEL_LINES', '').replace(',', ' ').split()
                             or self.kernel_lines)
        self.prefix = vals.get('PREFIX', '').strip() or self.prefix
        if vals.get('HOSTCTL', '').strip():
            self.hostctl = vals['HOSTCTL'].strip() != 'off'
        return self

    def runs_on(self, kernel):
        if self.kernel_lines:
            return kernel.line in self.kernel_lines
        return kernel.guests in ('all', 'explicit')


class VMResult:
    def __init__(self):
        self.events = []       # parsed verdict lines: (kind, rest)
        self.done = False
        self.timed_out = False
        self.exit_code = None
        self.console = ''
        self.seconds = 0.0
        self.boot_seconds = None
        self.timeout = None      # seconds the host gave the VM
        self.cpu_seconds = None  # QEMU's user + system CPU time


def qemu_command(qemu, prep, cfg, append, workdir, console):
    k = prep.kernel
    # The machine comes first: the backdoor device needs vmport to exist.
    if cfg.platform == 'plain':
        cpu = 'max'
        cmd = [qemu, '-machine', 'pc,vmport=off']
    else:
        cpu = 'max,-hypervisor'
        cmd = [qemu, '-machine', 'pc,vmport=on',
               '-smbios', 'type=1,serial=' + VMWARE_SERIAL]
    cmd += ['-cpu', cpu + (',' + cfg.cpu_flags if cfg.cpu_flags else '')]
    cmd += ['-accel', 'tcg', '-nodefaults', '-display', 'none', '-vga', 'none',
            '-no-reboot', '-m', cfg.memory, '-smp', cfg.smp,
            '-kernel', k.boot_image, '-initrd', prep.initrd, '-append', append,
            '-L', '/usr/share/seabios', '-L', '/usr/share/qemu',
            '-serial', console,
            '-serial', 'file:' + os.path.join(workdir, 'verdict')]
    # COM3 is the host-control channel; without it (HOSTCTL=off) the guest
    # has no UART there, as a real VMware guest has no such channel.
    if cfg.hostctl:
        cmd += ['-chardev', 'socket,id=hostctl,path=%s,server=on,wait=off'
                % os.path.join(workdir, 'hostctl.sock'),
                '-serial', 'chardev:hostctl']
    cmd += ['-qmp', 'unix:%s,server=on,wait=off' % os.path.join(workdir, 'qmp.sock'),
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']
    # 'vmport' is the VMware platform as QEMU alone offers it: no host models.
    if cfg.platform == 'vmware':
        cmd += platform_devices(qemu)
    return cmd + disk_args(cfg, workdir) + hgfs_args(cfg, workdir) + cfg.qemu_args


def hgfs_args(cfg, workdir):
    """HGFS_SHARES="data ro:ro": a vmware-hgfs device serving <workdir>/hgfs/<name>
    (":ro" = read-only), each seeded with hello.txt. ":9p" also exports the
    same directory over virtio-9p, mount tag <name> (the bench's baseline)."""
    shares, ninep = [], []
    for spec in cfg.hgfs_shares:
        name, *flags = spec.split(':')
        path = os.path.join(workdir, 'hgfs', name)
        os.makedirs(path)
        with open(os.path.join(path, 'hello.txt'), 'w') as f:
            f.write('hello from the host\n')
        shares.append('%s:%s%s' % (name, path, ':ro' if 'ro' in flags else ''))
        if '9p' in flags:
            ninep += ['-fsdev', 'local,id=fs9p-%s,path=%s,security_model=none%s'
                      % (name, path, ',readonly=on' if 'ro' in flags else ''),
                      '-device', 'virtio-9p-pci,fsdev=fs9p-%s,mount_tag=%s' % (name, name)]
    if not shares:
        return []
    return ['-device', 'vmware-hgfs,id=hgfs,shares=' + ';'.join(shares)] + ninep


def disk_args(cfg, workdir):
    """DISKS="64 320": sparse raw files in the work dir, /dev/vda, vdb... in the guest."""
    args = []
    for i, mib in enumerate(cfg.disks):
        path = os.path.join(workdir, 'disk%d.raw' % i)
        with open(path, 'wb') as f:
            f.truncate(mib << 20)
        # The files die with the work dir: host-side flushes buy nothing.
        args += ['-drive', 'file=%s,format=raw,if=virtio,cache=unsafe' % path]
    return args


_device_help = {}


def qemu_has_device(qemu, name):
    if qemu not in _device_help:
        r = subprocess.run([qemu, '-device', 'help'], capture_output=True, text=True)
        _device_help[qemu] = r.stdout + r.stderr
    return '"%s"' % name in _device_help[qemu]


def platform_devices(qemu):
    """Our host's devices (host/README.md) that this QEMU build has."""
    devices = []
    for name, dev_id in (('vmware-backdoor', 'bdoor'), ('vmware-balloon', 'balloon'),
                         ('vmware-vmbackup', 'vmbackup')):
        if qemu_has_device(qemu, name):
            devices += ['-device', '%s,id=%s' % (name, dev_id)]
    return devices


def parse_verdict(path, res):
    try:
        with open(path, 'rb') as f:
            data = f.read().decode('utf-8', 'replace')
    except FileNotFoundError:
        return
    for ln in data.splitlines():
        ln = ln.rstrip('\r')
        if not ln.startswith('@@'):
            continue
        kind, _, rest = ln[2:].partition(' ')
        res.events.append((kind, rest))
        if kind == 'DONE':
            res.done = True


def _start(cmd, interactive, stderr, patience=60):
    """Starts QEMU; waits out a relink of the binary by host/build-qemu.sh."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return subprocess.Popen(cmd, stdin=None if interactive else subprocess.DEVNULL,
                                    stderr=None if interactive else stderr)
        except OSError as e:
            if time.monotonic() > deadline:
                raise
            log('cannot start %s (%s); retrying' % (cmd[0], e.strerror))
            time.sleep(2)


def _wait_cpu(proc, timeout):
    """Waits for proc like proc.wait(timeout), reaping it with wait4 to learn
    its CPU time (user + system seconds); None if it is still running when
    the timeout expires."""
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = 0.05
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return ru.ru_utime + ru.ru_stime
        if deadline is not None and time.monotonic() > deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def boot(qemu, prep, cfg, params, label, interactive=False):
    """Runs one VM to its end (or timeout); returns a VMResult."""
    workdir = tempfile.mkdtemp(prefix='vm-', dir=os.path.join(CACHE, 'runs'))
    console_log = os.path.join(workdir, 'console.log')
    # A slow kernel line (kernels.conf <slow>, the debug kernel) stretches
    # the VM's timeout here and every script's in the guest (pvbed.slow).
    slow = getattr(prep.kernel, 'slow', 1)
    if slow != 1:
        params = dict(params, slow=slow)
    append = CMDLINE + ''.join(' pvbed.%s=%s' % kv for kv in params.items())
    console = 'mon:stdio' if interactive else 'file:' + console_log
    cmd = qemu_command(qemu, prep, cfg, append, workdir, console)
    with open(os.path.join(workdir, 'cmd'), 'w') as f:
        f.write(shlex.join(cmd) + '\n')
    res = VMResult()
    t0 = time.monotonic()
    log('%s: booting (%s, %s MiB)' % (label, os.path.basename(prep.kernel.boot_image),
                                      cfg.memory))
    # A file, not a pipe: a chatty QEMU must never block on a full pipe.
    with open(os.path.join(workdir, 'qemu.stderr'), 'wb') as errf:
        proc = _start(cmd, interactive, errf)
    stop = threading.Event()
    qmp = None
    try:
        qmp = QMP(os.path.join(workdir, 'qmp.sock'))
        if cfg.hostctl:
            threading.Thread(target=_serve_hostctl, daemon=True,
                             args=(os.path.join(workdir, 'hostctl.sock'), qmp, stop)).start()
    except OSError as e:
        log('%s: no QMP: %s' % (label, e))
    timeout = None if interactive else cfg.timeout * slow
    res.timeout = timeout
    res.cpu_seconds = _wait_cpu(proc, timeout)
    if res.cpu_seconds is None:
        res.timed_out = True
        proc.kill()
        proc.wait()
    stop.set()
    if qmp:
        qmp.close()
    res.exit_code = proc.returncode
    res.seconds = time.monotonic() - t0
    with open(os.path.join(workdir, 'qemu.stderr'), errors='replace') as f:
        stderr = f.read()
    parse_verdict(os.path.join(workdir, 'verdict'), res)
    try:
        with open(console_log, errors='replace') as f:
            res.console = f.read()
    except FileNotFoundError:
        pass
    if stderr.strip():
        res.console += '\n[qemu stderr]\n' + stderr
    res.workdir = workdir
    boot_at = [r for kind, r in res.events if kind == 'BOOT']
    if boot_at:
        res.boot_seconds = float(boot_at[0])
    log('%s: %s after %.1f s (exit %s, /init at %s s guest uptime, QEMU CPU %s s)' % (
        label, 'timed out' if res.timed_out else 'done' if res.done else 'ended without verdict',
        res.seconds, res.exit_code, res.boot_seconds,
        '?' if res.cpu_seconds is None else '%.1f' % res.cpu_seconds))
    return res
