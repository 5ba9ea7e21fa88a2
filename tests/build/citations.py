#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Protocol citations must resolve inside the repository.

Code, scripts and docs cite the protocol as `docs/protocol/<file>.md <label>`
(e.g. `docs/protocol/vmxnet.md A8.8`, `docs/protocol/balloon.md §6.4`, ranges
and lists like `A1-A6` or `E2/E3/E19`); inside docs/protocol a file cites
another as `[<file>.md](<file>.md) <label>`. Every cited file must exist and
every cited label must start a heading of that file (`## A8.8 ...`; the `§`
of a citation is not part of the heading). Nothing may point outside the tree
for protocol facts (the old shared spec directory).

Usage: citations.py <repository root>. Prints one line per problem and exits
1 when there is any, 0 otherwise.
"""

import os
import re
import subprocess
import sys

# One label: optional §, up to two capitals with an optional dot, numbers.
LABEL = r'§?(?:[A-Z]{1,2}\.?)?[0-9]+(?:\.[0-9]+)*'
SEP = r'(?:\s*[-/]\s*|,\s+|,?\s+and\s+)'
LABELS = r'(?P<labels>' + LABEL + r'(?:' + SEP + LABEL + r')*)'
CITE = re.compile(r'docs/protocol/(?P<file>[A-Za-z0-9_-]+\.md)(?:[ \t]+' + LABELS + r')?')
LOCAL = re.compile(r'\[[A-Za-z0-9_-]+\.md\]\((?P<file>[A-Za-z0-9_-]+\.md)\)(?:[ \t]+' +
                   LABELS + r')?')
ONE = re.compile(LABEL)
HEADING = re.compile(r'^#+\s+(\S+)')
# Built from pieces so this file does not match itself.
OUTSIDE = re.compile('shared' + '/spec' + r'|\.\./' + 'shared')

SKIP_DIRS = {'.git', 'out', 'build', '.ci', '.pvtools-built'}
SKIP_EXT = ('.o', '.ko', '.ko.xz', '.a', '.mod', '.cmd', '.png', '.gz', '.xz')


def tree_files(root):
    """Tracked and untracked, not ignored, files; a plain walk without git."""
    try:
        out = subprocess.run(['git', '-C', root, 'ls-files', '-co', '--exclude-standard', '-z'],
                             capture_output=True, check=True).stdout
        return [f for f in out.decode().split('\0') if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if x not in SKIP_DIRS]
            files += [os.path.relpath(os.path.join(d, n), root) for n in names]
        return files


def headings(path, cache={}):
    if path not in cache:
        labels = set()
        try:
            with open(path, encoding='utf-8') as f:
                fence = False
                for line in f:
                    if line.startswith('```'):
                        fence = not fence
                    m = None if fence else HEADING.match(line)
                    if m:
                        labels.add(m.group(1).rstrip(':'))
        except OSError:
            labels = None
        cache[path] = labels
    return cache[path]


def check(root):
    problems = []
    for rel in sorted(tree_files(root)):
        if rel.endswith(SKIP_EXT) or not os.path.isfile(os.path.join(root, rel)):
            continue
        try:
            with open(os.path.join(root, rel), encoding='utf-8') as f:
                lines = f.readlines()
        except (UnicodeDecodeError, OSError):
            continue
        in_protocol = rel.startswith('docs/protocol/')
        for no, line in enumerate(lines, 1):
            if OUTSIDE.search(line):
                problems.append('%s:%d: points outside the repository: %s' %
                                (rel, no, line.strip()))
            found = [(m, 'docs/protocol/' + m.group('file')) for m in CITE.finditer(line)]
            if in_protocol:
                found += [(m, 'docs/protocol/' + m.group('file'))
                          for m in LOCAL.finditer(line)]
            for m, target in found:
                have = headings(os.path.join(root, target))
                if have is None:
                    problems.append('%s:%d: cites missing file %s' % (rel, no, target))
                    continue
                for label in ONE.findall(m.group('labels') or ''):
                    if label.lstrip('§') not in have:
                        problems.append('%s:%d: %s has no section %s' %
                                        (rel, no, target, label))
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    problems = check(root)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
