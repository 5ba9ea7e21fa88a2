# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of the test bed: paths, logging to stderr, subprocess runs."""

import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
CACHE = os.environ.get('PVTOOLS_CACHE', '/var/cache/pvtools')
_t0 = time.monotonic()


class BedError(Exception):
    pass


def log(msg):
    sys.stderr.write('[%6.1fs] %s\n' % (time.monotonic() - _t0, msg))
    sys.stderr.flush()


def run(cmd, quiet=False, **kw):
    """Runs cmd; with quiet, its output is shown only if it fails."""
    if not quiet:
        r = subprocess.run(cmd, **kw)
        if r.returncode != 0:
            raise BedError('%s failed (exit %d)' % (' '.join(cmd), r.returncode))
        return r
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        tail = '\n'.join(r.stdout.splitlines()[-30:])
        raise BedError('%s failed (exit %d):\n%s' % (' '.join(cmd), r.returncode, tail))
    return r


def sha256_file(path):
    if os.path.islink(path):
        return hashlib.sha256(os.readlink(path).encode()).hexdigest()
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def locked(name):
    """Serialises work on one cache entry across threads and runner processes."""
    d = os.path.join(CACHE, 'locks')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + '.lock'), 'w') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
