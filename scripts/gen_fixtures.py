"""Regenerate the subunit v2 test fixtures in fixtures/.

Usage:
    /usr/bin/python3 scripts/gen_fixtures.py [--rerecord-real-run]

Needs Debian's python3-subunit (1.4.0) and python3-testtools, which are
installed for /usr/bin/python3 only.  Re-recording the real run
(--rerecord-real-run) additionally needs python3-testscenarios and
python3-testresources (the test suites of testtools and subunit import them).

Every stream except the real runs is built deterministically with the
reference encoder (subunit.v2.StreamResultToBytes; tags always passed as
lists, timestamps fixed), with deliberate damage and non-subunit bytes
spliced in as raw bytes.  Re-running this script gives byte-identical files.

The real runs (sample-run, sample-run-parallel) are recorded once and kept;
they are only re-recorded with --rerecord-real-run.  Their .ref.jsonl files
are always re-derived.

For every fixtures/NAME.subunit this writes fixtures/NAME.ref.jsonl (output
of scripts/ref_events.py, i.e. the reference decoder's events) and, when the
reference decoder crashed on the stream, fixtures/NAME.ref-error.txt with its
one-line message.  It also writes fixtures/MANIFEST.json and
fixtures/README.md.
"""

import argparse
import collections
import datetime
import heapq
import io
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import zlib

import subunit
import testtools
from subunit.v2 import StreamResultToBytes

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
FIXTURES = os.path.join(ROOT, 'fixtures')
REF_EVENTS = os.path.join(SCRIPTS, 'ref_events.py')

UTC = datetime.timezone.utc
MAX_PACKET = 4194303          # largest legal total packet length
MAX_REAL_RUN_BYTES = 5 * 1024 * 1024

# The real run: two complete, real test suites run by the reference runner.
REAL_RUN_SUITES = ['testtools.tests.test_suite', 'subunit.tests.test_suite']
PARALLEL_WORKERS = 3


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------

def pkt(**kwargs):
    """Encode one event with the reference encoder and return its bytes."""
    out = io.BytesIO()
    StreamResultToBytes(out).status(**kwargs)
    return out.getvalue()


def pkts(events):
    """Encode a list of status() keyword dicts; return the list of packets."""
    return [pkt(**ev) for ev in events]


def varint(value, width=None):
    """Encode value as a subunit varint (minimal width unless width given)."""
    if width is None:
        if value < 0x40:
            width = 1
        elif value < 0x4000:
            width = 2
        elif value < 0x400000:
            width = 3
        else:
            width = 4
    limit = 1 << (8 * width - 2)
    if not 0 <= value < limit:
        raise ValueError('%d does not fit a %d-byte varint' % (value, width))
    prefix = (width - 1) << (8 * width - 2)
    return (prefix | value).to_bytes(width, 'big')


def ustr(text, width=None):
    """A length-prefixed UTF-8 string field."""
    data = text.encode('utf-8') if isinstance(text, str) else bytes(text)
    return varint(len(data), width) + data


def raw_packet(flags, body, length_width=None, length_value=None,
               crc_fix=True):
    """Build a packet by hand (for encodings the reference never writes).

    body is everything between the length field and the CRC.  The length
    field uses the minimal width unless length_width is given; its value is
    the real total length unless length_value is given.  The CRC is always
    computed over the bytes actually written.
    """
    if length_width is None:
        base = 1 + 2 + len(body) + 4
        if base <= 62:
            length_width = 1
        elif base <= 16381:
            length_width = 2
        else:
            length_width = 3
    total = 1 + 2 + length_width + len(body) + 4
    if length_value is None:
        length_value = total
    head = b'\xb3' + struct.pack('>H', flags) + varint(length_value,
                                                        length_width)
    crc = zlib.crc32(head + body) & 0xffffffff
    return head + body + struct.pack('>I', crc)


def length_field(packet):
    """Return (value, width) of a packet's length varint."""
    b0 = packet[3]
    width = (b0 >> 6) + 1
    value = int.from_bytes(packet[3:3 + width], 'big') & ((1 << (8 * width - 2)) - 1)
    return value, width


def with_length(packet, new_value):
    """The packet with its length field changed (same width, CRC untouched)."""
    _, width = length_field(packet)
    return packet[:3] + varint(new_value, width) + packet[3 + width:]


def flip_crc_byte(packet, index=-2):
    data = bytearray(packet)
    data[index] ^= 0xFF
    return bytes(data)


def pattern(n, seed=0):
    """n deterministic bytes covering all byte values (includes many B3)."""
    block = bytes((i * 7 + seed) % 256 for i in range(256))
    reps = n // 256 + 1
    return (block * reps)[:n]


def expect_hex(data, hex_text, what):
    want = bytes.fromhex(hex_text)
    if data != want:
        raise AssertionError('%s: got %s, expected %s' % (
            what, data.hex(' '), want.hex(' ')))


# ---------------------------------------------------------------------------
# Clean streams
# ---------------------------------------------------------------------------

def worked_examples():
    """SUBUNIT-V2.md section 9 examples A-G, checked byte for byte."""
    a = pkt(test_id='foo', test_status='exists')
    expect_hex(a, 'B3 29 01 0C 03 66 6F 6F 08 55 5F 1B', 'example A')
    b = pkt(test_id='foo', test_status='success', runnable=False)
    expect_hex(b, 'B3 28 03 0C 03 66 6F 6F E3 EA F5 A4', 'example B')
    c = pkt(eof=True)
    expect_hex(c, 'B3 21 10 08 53 15 88 DC', 'example C')
    d = pkt(test_id='bar', test_status='success',
            timestamp=utc(2001, 12, 12, 12, 59, 59, 45))
    expect_hex(d, 'B3 2B 03 13 3C 17 54 CF 80 AF C8 03 62 61 72 49 96 3E 2D',
               'example D')
    e = pkt(test_id='bar', test_tags=['foo'])
    expect_hex(e, 'B3 29 80 11 03 62 61 72 01 03 66 6F 6F B3 37 96 A1',
               'example E')
    f = pkt(test_id='t', test_status='fail', test_tags=['slow'],
            file_name='traceback', file_bytes=b'boom\n',
            mime_type='text/plain; charset=utf8', eof=True, route_code='0/1',
            timestamp=utc(2024, 1, 2, 3, 4, 5, 678901))
    expect_hex(f, 'B3 2F F6 40 46 65 93 7D 25 E8 77 35 08 01 74'
                  ' 01 04 73 6C 6F 77'
                  ' 18 74 65 78 74 2F 70 6C 61 69 6E 3B 20 63 68 61 72 73 65'
                  ' 74 3D 75 74 66 38'
                  ' 09 74 72 61 63 65 62 61 63 6B 05 62 6F 6F 6D 0A'
                  ' 03 30 2F 31 53 84 47 83', 'example F')
    g = pkt(file_name='stdout', file_bytes=b'x' * 16372)
    expect_hex(g[:16], 'B3 21 40 80 40 07 06 73 74 64 6F 75 74 7F F4 78',
               'example G head')
    expect_hex(g[-4:], '68 11 AD D7', 'example G crc')
    if len(g) != 16391:
        raise AssertionError('example G length %d' % len(g))
    # The minimal packet of section 5.
    expect_hex(pkt(runnable=False), 'B3 20 00 08 18 15 F0 BA', 'minimal')
    # The hand-built packet writer must agree with the reference encoder.
    if raw_packet(0x2901, ustr('foo')) != a:
        raise AssertionError('raw_packet disagrees with the encoder')
    return [a, b, c, d, e, f, g]


def build_every_field():
    out = worked_examples()
    t0 = utc(2024, 1, 2, 3, 4, 5)
    ev = []
    # Bare packets.
    ev.append(dict())                              # flags 0x2100
    ev.append(dict(runnable=False))                # minimal 8-byte packet
    # Every status value, runnable and not.
    for status in [None, 'exists', 'inprogress', 'success', 'uxsuccess',
                   'skip', 'fail', 'xfail']:
        name = status or 'none'
        ev.append(dict(test_id='every.status.%s' % name, test_status=status))
        ev.append(dict(test_id='every.status.%s.notrunnable' % name,
                       test_status=status, runnable=False))
    # Status without a test id (stream-level).
    ev.append(dict(test_status='inprogress'))
    # eof without a file (as tap2subunit writes on every result).
    ev.append(dict(test_id='every.eof.nofile', test_status='success',
                   eof=True))
    ev.append(dict(eof=True, runnable=False))
    # eof with a file; a three-chunk file with mime only on the first chunk.
    ev.append(dict(test_id='every.eof.file', file_name='stderr',
                   file_bytes=b'last and only chunk\n', eof=True,
                   mime_type='text/plain; charset=utf8'))
    ev.append(dict(test_id='every.chunks', file_name='log',
                   file_bytes=b'chunk 1\n', mime_type='text/plain; charset=utf8'))
    ev.append(dict(test_id='every.chunks', file_name='log',
                   file_bytes=b'chunk 2\n'))
    ev.append(dict(test_id='every.chunks', file_name='log',
                   file_bytes=b'chunk 3\n', eof=True))
    ev.append(dict(test_id='every.chunks', test_status='success'))
    # Tags: one, many (fixed order), duplicates (reference decodes to a set).
    ev.append(dict(test_id='every.tags.one', test_status='success',
                   test_tags=['solo']))
    ev.append(dict(test_id='every.tags.many', test_status='success',
                   test_tags=['zeta', 'alpha', 'mid', 'beta', 'worker-0',
                              'a:b', 'with space']))
    ev.append(dict(test_id='every.tags.dup', test_status='success',
                   test_tags=['dup', 'other', 'dup']))
    ev.append(dict(test_tags=['global-tag']))      # tags without test id
    # MIME types, with and without file content.
    for i, mime in enumerate([
            'text/plain; charset=utf8',
            'text/x-traceback; charset="utf8"; language="python"',
            'text/plain;charset=utf8',
            'text/plain; charset=UTF8',
            'application/octet-stream',
            'application/json']):
        ev.append(dict(test_id='every.mime.%d' % i, file_name='attachment',
                       file_bytes=b'{"k": 1}\n' if 'json' in mime else b'data\n',
                       mime_type=mime, eof=True))
    ev.append(dict(test_id='every.mime.nofile', mime_type='text/plain'))
    # File names, including the empty name; empty file bytes.
    for i, name in enumerate(['traceback', 'reason', 'stdout', 'stderr', '',
                              'log file with spaces.txt', 'dir/sub/name',
                              'Packet data']):
        ev.append(dict(test_id='every.filename.%d' % i, file_name=name,
                       file_bytes=b'content of %r\n' % name.encode()))
    ev.append(dict(test_id='every.emptyfile', file_name='empty',
                   file_bytes=b''))
    ev.append(dict(test_id='every.emptyfile.eof', file_name='empty',
                   file_bytes=b'', eof=True))
    ev.append(dict(file_name='', file_bytes=b''))   # empty name and content
    ev.append(dict(file_name='stdout', file_bytes=b'x', runnable=False))
    # Binary file content with every byte value (B3 inside a packet is fine).
    ev.append(dict(test_id='every.binary', file_name='blob',
                   file_bytes=bytes(range(256)),
                   mime_type='application/octet-stream', eof=True))
    # Empty test id.
    ev.append(dict(test_id='', test_status='inprogress'))
    ev.append(dict(test_id='', test_status='success'))
    ev.append(dict(test_id='', file_name='reason', file_bytes=b'why\n'))
    # Route codes.
    for rc in ['', '0', '0/1', 'a/b/c']:
        ev.append(dict(test_id='every.route', test_status='inprogress',
                       route_code=rc))
        ev.append(dict(test_id='every.route', test_status='success',
                       route_code=rc))
    ev.append(dict(route_code='0', file_name='stdout',
                   file_bytes=b'routed chatter\n'))
    # Timestamps: nanos in every varint width, epoch, the 2**31 and
    # 2**32-1 seconds marks, a non-UTC offset (normalised by the encoder).
    stamps = [
        utc(1970, 1, 1, 0, 0, 0, 0),               # seconds 0, nanos 0
        t0,                                        # 0 micros
        t0.replace(microsecond=1),                 # 1000 ns, 2-byte varint
        t0.replace(microsecond=16),                # 16000, 2-byte
        t0.replace(microsecond=17),                # 17000, 3-byte
        t0.replace(microsecond=4194),              # 4194000, 3-byte (max)
        t0.replace(microsecond=4195),              # 4195000, 4-byte
        t0.replace(microsecond=500000),
        t0.replace(microsecond=999999),            # 999999000, 4-byte
        utc(2038, 1, 19, 3, 14, 7, 999999),        # 2**31 - 1 seconds
        utc(2038, 1, 19, 3, 14, 8, 0),             # 2**31 seconds
        utc(2106, 2, 7, 6, 28, 15, 999999),        # 2**32 - 1 seconds
        datetime.datetime(2024, 1, 2, 5, 4, 5, 250000,
                          tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    ]
    for i, ts in enumerate(stamps):
        ev.append(dict(test_id='every.timestamp.%02d' % i,
                       test_status='success', timestamp=ts))
    ev.append(dict(timestamp=t0.replace(microsecond=123456)))  # time only
    # File content and a final status in one packet.
    ev.append(dict(test_id='every.combined', test_status='skip',
                   file_name='reason', file_bytes=b'not today\n',
                   mime_type='text/plain; charset=utf8', eof=True,
                   test_tags=['x', 'y'], route_code='2',
                   timestamp=t0.replace(microsecond=42)))
    # Everything set, not runnable.
    ev.append(dict(test_id='every.all', test_status='xfail', runnable=False,
                   file_name='traceback', file_bytes=b'expected\n',
                   mime_type='text/x-traceback; charset="utf8"; language="python"',
                   eof=True, test_tags=['t1', 't2', 't3'], route_code='1/0',
                   timestamp=t0.replace(microsecond=654321)))
    out.extend(pkts(ev))
    # End with the worked examples once more in reverse order so that the
    # stream does not end on a chatter-shaped packet.
    out.extend(reversed(worked_examples()[:6]))
    return b''.join(out)


def build_unicode():
    t0 = utc(2025, 6, 7, 8, 9, 10)
    ids = [
        'tests.unicode.test_café',
        'tests.unicode.Ωμέγα.тест.测试',
        'tests.unicode.テスト_日本語',
        'tests.unicode.test_🎉_party',
        '\ufeffbom.leading.test',
        'tests.unicode.nonchar_\uffff',
        'tests.unicode.combining_e\u0301',
        'tests.unicode.עברית_rtl',
        'tests.unicode.supplementary_𠮷_\U0010ffff',
        'tests.unicode.latin1_sup_³_ó',
    ]
    tags = ['größe', '标签', '🏷️', '\ufefftag', 'x\uffff', 'ó³']
    files = ['trace_ó.txt', 'ログ', '📎', '\ufeff', 'ﬁle\uffff']
    routes = ['wörker/0', '工人/1', '🚀', '\ufeff0', '\uffff/ó']
    text = ('Temperatur 20 m³ — ó ü ß 日本 㳊 🎉\n'
            'U+3CCA is E3 B3 8A: 㳊, ó is C3 B3, ³ is C2 B3\n').encode('utf-8')
    ev = []
    for i, test_id in enumerate(ids):
        ts = t0 + datetime.timedelta(seconds=i)
        rc = routes[i % len(routes)]
        tag = [tags[i % len(tags)], tags[(i + 3) % len(tags)]]
        ev.append(dict(test_id=test_id, test_status='inprogress',
                       timestamp=ts, route_code=rc))
        ev.append(dict(test_id=test_id, file_name=files[i % len(files)],
                       file_bytes=text, eof=True, route_code=rc,
                       mime_type='text/plain; charset=utf8; note="ñ"'))
        ev.append(dict(test_id=test_id, test_status=['success', 'fail',
                                                     'skip', 'xfail'][i % 4],
                       timestamp=ts + datetime.timedelta(microseconds=777),
                       test_tags=tag, route_code=rc))
    # All tags on one packet.
    ev.append(dict(test_id='tests.unicode.all_tags', test_status='success',
                   test_tags=list(tags)))
    # Non-UTF-8 bytes are fine inside a packet's file content.
    ev.append(dict(test_id='tests.unicode.latin1_bytes', file_name='latin1',
                   file_bytes='Fläche 12 m³, Größe ó\n'.encode('latin-1'),
                   mime_type='text/plain; charset=latin1', eof=True))
    ev.append(dict(test_id='tests.unicode.latin1_bytes',
                   test_status='success'))
    # A stdout packet (chatter-shaped) whose bytes contain B3 continuation
    # bytes and a Latin-1 B3: inside a packet they are just data.
    ev.append(dict(file_name='stdout', file_bytes=text + b'raw \xb3\n'))
    ev.append(dict(test_id='tests.unicode.end', test_status='success'))
    return b''.join(pkts(ev))


def build_varint_boundaries():
    out = []

    def add(expected_len, **kw):
        data = pkt(**kw)
        if expected_len is not None and len(data) != expected_len:
            raise AssertionError('packet %r: length %d, expected %d' % (
                kw.get('test_id'), len(data), expected_len))
        out.append(data)

    # Total packet length at each side of each width boundary, with an
    # empty-named file (section 5): 63 / 65, 16383 / 16385, 4194303.
    add(63, file_name='', file_bytes=pattern(53, 1))
    add(65, file_name='', file_bytes=pattern(54, 2))
    add(16383, file_name='', file_bytes=pattern(16371, 3))
    add(16385, file_name='', file_bytes=pattern(16372, 4))
    # Same boundaries reached with only a test id (63 / 65).
    add(63, test_id='t' * 54)
    add(65, test_id='t' * 55)
    # Largest legal packet: 4194289 content bytes, total 4194303 (BF FF FF).
    add(MAX_PACKET, file_name='', file_bytes=pattern(4194289, 5))
    # One more byte is refused by the encoder (nothing written).
    try:
        pkt(file_name='', file_bytes=b'\0' * 4194290)
    except ValueError:
        pass
    else:
        raise AssertionError('encoder accepted a 4194304-byte packet')
    # File contents of boundary lengths (content-length varint widths).
    for n in [0, 63, 64, 16383, 16384]:
        add(None, test_id='varint.file.%d' % n, file_name='f',
            file_bytes=pattern(n, n % 251), eof=True)
    # Strings of length 63 and 64 in every string field.
    for n in [63, 64]:
        s = ('s%d-' % n) * 30
        s = s[:n]
        add(None, test_id=s, test_status='success')
        add(None, test_id='varint.tag.%d' % n, test_status='success',
            test_tags=[s])
        add(None, test_id='varint.mime.%d' % n, mime_type=s)
        add(None, test_id='varint.filename.%d' % n, file_name=s,
            file_bytes=b'x')
        add(None, test_id='varint.route.%d' % n, test_status='success',
            route_code=s)
    # Test ids of 16383 and 16384 bytes (3-byte length varint for them,
    # packet length crosses into 3 bytes).
    for n in [16383, 16384]:
        add(None, test_id=('L%d.' % n * 5000)[:n], test_status='success')
    # Tag counts 63 and 64 (tag-count varint 1 vs 2 bytes).
    for n in [63, 64]:
        add(None, test_id='varint.tagcount.%d' % n, test_status='success',
            test_tags=['tag%02d' % i for i in range(n)])
    # Nanosecond varint widths (micros * 1000): 0, 1000..16000 (2 bytes),
    # 17000..4194000 (3 bytes), >= 4195000 (4 bytes).
    t0 = utc(2020, 2, 29, 23, 59, 59)
    for us in [0, 1, 16, 17, 4194, 4195, 999999]:
        add(None, test_id='varint.nanos.%d' % us, test_status='success',
            timestamp=t0.replace(microsecond=us))
    return b''.join(out)


def build_nested_routes():
    t0 = utc(2023, 3, 4, 5, 6, 7)
    ev = []
    routes = ['0', '1', '0/0', '0/1', '1/0/2']
    step = 0
    for rc in routes:
        for j in range(2):
            test_id = 'pkg.test_mod.TestCase.test_%d' % j
            ts = t0 + datetime.timedelta(milliseconds=250 * step)
            step += 1
            ev.append(dict(test_id=test_id, test_status='inprogress',
                           timestamp=ts, route_code=rc,
                           test_tags=['worker-%s' % rc.split('/')[0]]))
            ev.append(dict(file_name='stdout', route_code=rc,
                           file_bytes=('output from worker %s test %d\n' % (
                               rc, j)).encode()))
            if j == 1:
                ev.append(dict(test_id=test_id, file_name='traceback',
                               file_bytes=b'AssertionError: route %s\n' % (
                                   rc.encode()),
                               mime_type='text/x-traceback; charset="utf8";'
                                         ' language="python"',
                               eof=True, route_code=rc, timestamp=ts))
            ev.append(dict(test_id=test_id,
                           test_status='success' if j == 0 else 'fail',
                           timestamp=ts + datetime.timedelta(milliseconds=100),
                           route_code=rc,
                           test_tags=['worker-%s' % rc.split('/')[0]]))
    # The same test id on two routes is two different tests.
    ev.append(dict(test_id='pkg.shared', test_status='success',
                   route_code='0/0'))
    ev.append(dict(test_id='pkg.shared', test_status='fail',
                   route_code='0/1'))
    # Route-coded stream-level stdout with eof, and a route-coded stderr.
    ev.append(dict(file_name='stdout', route_code='1/0/2',
                   file_bytes=b'last words\n', eof=True))
    ev.append(dict(file_name='stderr', route_code='1',
                   file_bytes=b'warning: something\n',
                   mime_type='text/plain; charset=utf8'))
    return b''.join(pkts(ev))


# ---------------------------------------------------------------------------
# Chatter
# ---------------------------------------------------------------------------

def safe_junk(rng, n):
    """Binary junk with no B3 and no UTF-8 lead byte (C2..F4).

    Lead bytes are excluded on purpose: a lead byte followed by a
    non-continuation byte leaves the reference decoder's incremental UTF-8
    decoder with a stale buffer, which changes how later text is scanned
    (see damaged-stuck-utf8).  Bytes that can never start a sequence
    (80..BF except B3, C0, C1, F5..FF) only raise and reset.
    """
    allowed = [b for b in range(256)
               if b != 0xB3 and not (0xC2 <= b <= 0xF4)]
    return bytes(rng.choice(allowed) for _ in range(n))


def build_chatter():
    rng = random.Random(20240101)
    t0 = utc(2024, 4, 5, 6, 7, 8)
    p = pkt
    parts = [
        b"make[1]: Entering directory '/build/src'\n",
        p(test_id='pkg.test_one', test_status='inprogress', timestamp=t0),
        b'compiling foo.c\nlinking libfoo.so\n',
        p(test_id='pkg.test_one', test_status='success',
          timestamp=t0 + datetime.timedelta(seconds=1)),
        b'a line of output without a trailing newline: ',
        p(test_id='pkg.test_two', test_status='inprogress',
          timestamp=t0 + datetime.timedelta(seconds=2)),
        'caf\u00e9 / se\u00f1or / ló / dó / 㳊 (E3 B3 8A) / m\u00b3 (C2 B3)\n'
        .encode('utf-8'),
        p(test_id='pkg.test_two', file_name='traceback',
          file_bytes=b'Traceback (most recent call last):\nAssertionError\n',
          mime_type='text/x-traceback; charset="utf8"; language="python"',
          eof=True),
        'óóó'.encode('utf-8'),                 # B3 continuations, no newline
        p(test_id='pkg.test_two', test_status='fail',
          timestamp=t0 + datetime.timedelta(seconds=3)),
        b'\x00\x01\x02binary:' + safe_junk(rng, 200) + b'\n',
        p(test_id='pkg.test_three', test_status='skip',
          file_name='reason', file_bytes=b'not on this platform',
          mime_type='text/plain; charset=utf8', eof=True,
          timestamp=t0 + datetime.timedelta(seconds=4)),
        b'\r\n\t  \r\n',
        p(file_name='stderr', file_bytes=b'a real stderr packet\n'),
        safe_junk(rng, 64) + b'!',
        p(test_id='pkg.test_four', test_status='success',
          timestamp=t0 + datetime.timedelta(seconds=5)),
        'emoji 🎉 and CJK 日本語 and ³\n'.encode('utf-8'),
        p(test_id='pkg.test_five', test_status='xfail'),
        b'\n' * 3,
        p(test_id='pkg.test_six', test_status='success'),
        b'trailing text at end of stream, no newline',
    ]
    # Sanity: every non-packet part either is valid UTF-8 (so it cannot end
    # in a dangling lead byte) or contains neither B3 nor a UTF-8 lead byte.
    for part in parts:
        if part[:1] == b'\xb3':
            continue
        try:
            part.decode('utf-8')
        except UnicodeDecodeError:
            if any(b == 0xB3 or 0xC2 <= b <= 0xF4 for b in part):
                raise AssertionError('unsafe chatter %r' % part[:40])
    return b''.join(parts)


# ---------------------------------------------------------------------------
# Damaged streams (all start from small clean streams)
# ---------------------------------------------------------------------------

def mini_run(t0, prefix='pkg.tests', route_code=None):
    """A small, realistic clean run: list of packets."""
    outcomes = [('test_alpha', 'success'), ('test_beta', 'fail'),
                ('test_gamma', 'skip'), ('test_delta', 'success'),
                ('test_eps', 'xfail')]
    ev = []
    for i, (name, outcome) in enumerate(outcomes):
        test_id = '%s.%s' % (prefix, name)
        start = t0 + datetime.timedelta(seconds=2 * i)
        end = start + datetime.timedelta(microseconds=1500000 + i)
        ev.append(dict(test_id=test_id, test_status='inprogress',
                       timestamp=start, route_code=route_code))
        if outcome == 'fail':
            ev.append(dict(test_id=test_id, file_name='traceback',
                           file_bytes=b'Traceback (most recent call last):\n'
                                      b'  File "t.py", line 3\n'
                                      b'AssertionError: 1 != 2\n',
                           mime_type='text/x-traceback; charset="utf8";'
                                     ' language="python"',
                           eof=True, route_code=route_code, timestamp=end))
        elif outcome == 'skip':
            ev.append(dict(test_id=test_id, file_name='reason',
                           file_bytes=b'needs network',
                           mime_type='text/plain; charset=utf8', eof=True,
                           route_code=route_code, timestamp=end))
        elif name == 'test_delta':
            ev.append(dict(test_id=test_id, file_name='stdout',
                           file_bytes=b'hello from delta\n',
                           mime_type='text/plain; charset=utf8',
                           route_code=route_code, timestamp=end))
        ev.append(dict(test_id=test_id, test_status=outcome,
                       test_tags=['unit', 'fast'], timestamp=end,
                       route_code=route_code))
    return pkts(ev)


T_DAMAGE = utc(2024, 7, 8, 9, 10, 11)


def build_damaged_bad_crc():
    packets = mini_run(T_DAMAGE)
    mid = len(packets) // 2
    packets[mid] = flip_crc_byte(packets[mid], -2)
    return b''.join(packets)


def build_damaged_bad_length():
    packets = mini_run(T_DAMAGE)
    # Packet 1: length made SMALLER by 4 (still >= 6): the decoder reads too
    # little, the CRC fails, and the packet's last 4 bytes are rescanned.
    small = 1
    value, width = length_field(packets[small])
    packets[small] = with_length(packets[small], value - 4)
    # Packet 7: length made LARGER by 9 (same width): the decoder reads 9
    # bytes of the next packet, the CRC fails, and the rest of the next
    # packet is rescanned as non-packet bytes.
    large = 7
    value, width = length_field(packets[large])
    packets[large] = with_length(packets[large], value + 9)
    return b''.join(packets)


def build_damaged_length_below_6():
    packets = mini_run(T_DAMAGE)
    packets[3] = with_length(packets[3], 3)
    return b''.join(packets)


def build_damaged_length_5():
    packets = mini_run(T_DAMAGE)
    packets[3] = with_length(packets[3], 5)
    return b''.join(packets)


def build_damaged_truncated():
    packets = mini_run(T_DAMAGE)
    last = packets[-1]
    packets[-1] = last[:len(last) // 2]
    return b''.join(packets)


def build_damaged_truncated_header():
    packets = mini_run(T_DAMAGE)
    # Keep the last packet's signature and the 2 bytes after it only.
    packets[-1] = packets[-1][:3]
    return b''.join(packets)


GARBAGE_SEED = 7


def build_damaged_garbage():
    rng = random.Random(GARBAGE_SEED)
    packets = (mini_run(T_DAMAGE, 'pkg.one')
               + mini_run(T_DAMAGE + datetime.timedelta(minutes=1), 'pkg.two')
               + mini_run(T_DAMAGE + datetime.timedelta(minutes=2), 'pkg.three'))

    def garbage():
        n = rng.randint(1, 12)
        data = bytearray(rng.randrange(256) for _ in range(n))
        data[rng.randrange(n)] = 0xB3
        return bytes(data)

    out = []
    for i, packet in enumerate(packets):
        if i % 4 == 1:
            out.append(garbage())            # between packets
        if i % 5 == 3:
            cut = rng.randint(1, len(packet) - 1)
            packet = packet[:cut] + garbage() + packet[cut:]   # inside
        out.append(packet)
    return b''.join(out)


def build_damaged_latin1():
    packets = mini_run(T_DAMAGE)
    text = 'Volumen: 12 m\u00b3 gemessen, Fl\u00e4che ok\n'.encode('latin-1')
    return text + b''.join(packets)


def build_damaged_dangling_lead():
    packets = mini_run(T_DAMAGE)
    return (b'progress 50%\xc3' + packets[0] + b'\n' + b''.join(packets[1:]))


def build_damaged_stuck_utf8():
    packets = mini_run(T_DAMAGE)
    # An invalid sequence with a pending lead byte (E3 80 then '\n') leaves
    # the reference's incremental UTF-8 decoder with a stale buffer; a later
    # *valid* 'ó' (C3 B3) in ordinary chatter then has its B3 taken as a
    # packet signature.  (A continuation byte other than B3 arriving first,
    # e.g. the A9 of 'é', would complete the stale sequence and heal it.)
    return (b'bad sequence: \xe3\x80\n' + b''.join(packets[:4])
            + 'caló ok\n'.encode('utf-8') + b''.join(packets[4:]))


def build_damaged_field_errors():
    """CRC-valid packets whose fields are invalid, between good packets."""
    good = mini_run(T_DAMAGE)
    bad = [
        # test id string claims more bytes than the body holds
        raw_packet(0x2901, varint(20) + b'short'),
        # NUL in the test id (the reference encoder writes it happily)
        pkt(test_id='a\x00b', test_status='success'),
        # overlong encoding C0 80
        raw_packet(0x2903, ustr(b'x\xc0\x80y')),
        # UTF-16 surrogate ED A0 80
        raw_packet(0x2903, ustr(b'\xed\xa0\x80')),
        # code point above U+10FFFF
        raw_packet(0x2903, ustr(b'\xf4\x90\x80\x80')),
        # stray continuation byte
        raw_packet(0x2903, ustr(b'ab\x80')),
        # string ending in an incomplete sequence
        raw_packet(0x2903, ustr(b'abc\xe3\x81')),
        # file content longer than the body
        raw_packet(0x2140, ustr('stdout') + varint(50) + b'only ten b'),
        # 4-byte length varint: 6 bytes consumed, the rest rescanned as text
        b'\xb3\x21\x00\xc0\x00\x00' + b'rest of a bad packet\n',
        # length 6 and 7: the "CRC" overlaps the header
        b'\xb3\x20\x00\x06\x00\x00',
        b'\xb3\x20\x00\x07\x00\x00\x00',
        # bad tag string inside a tags field
        raw_packet(0x2983, ustr('t') + varint(2) + ustr('ok') + ustr(b'\xff')),
        # bad route code
        raw_packet(0x2D03, ustr('t') + ustr(b'\xc3')),
    ]
    out = []
    for i, b in enumerate(bad):
        out.append(good[i % len(good)])
        out.append(b)
    out.extend(good)
    return b''.join(out)


def build_damaged_field_overrun_crash():
    good = mini_run(T_DAMAGE)
    # CRC-valid packet with the test-id flag set and an empty body: the
    # reference decoder raises struct.error (uncaught) and stops.
    crash = raw_packet(0x2903, b'')
    return b''.join(good[:5]) + crash + b''.join(good[5:])


def build_damaged_version_bits():
    """CRC-valid packets with version nibbles 0/1/3/15 and reserved bit 3."""
    body = ustr('pkg.version')
    out = [pkt(test_id='pkg.version', test_status='inprogress')]
    for version in [0x0, 0x1, 0x3, 0xF]:
        out.append(raw_packet((version << 12) | 0x0903,
                              ustr('pkg.version.v%d' % version)))
    out.append(raw_packet(0x2900 | 0x0008 | 0x3, body))       # bit 3 set
    out.append(raw_packet(0xF908 | 0x6, body))                 # both
    out.append(pkt(test_id='pkg.version', test_status='success'))
    return b''.join(out)


def build_nonminimal_encodings():
    """CRC-valid packets in encodings the reference encoder never writes.

    The reference decoder accepts all of them without error.
    """
    out = [
        # length 13 written as 2 bytes (40 0D), 14 as 3 bytes (80 00 0E)
        raw_packet(0x2901, ustr('foo'), length_width=2),
        raw_packet(0x2901, ustr('foo'), length_width=3),
        # string length in 2- and 4-byte form
        raw_packet(0x2903, ustr('bar', width=2)),
        raw_packet(0x2903, ustr('bar', width=4)),
        # total length exactly 64 (2-byte length field, 54-byte test id)
        raw_packet(0x2903, ustr('n' * 54), length_width=2),
        # total length exactly 16384 (3-byte length field)
        raw_packet(0x2140, ustr('') + varint(16373) + pattern(16373, 9),
                   length_width=3),
        # tags field with zero tags (decodes to an empty set)
        raw_packet(0x2983, ustr('pkg.zero_tags') + varint(0)),
        # bytes after the last field are ignored
        raw_packet(0x2903, ustr('pkg.trailing') + b'\x00\xb3ignored'),
        # file content length in 4-byte form
        raw_packet(0x2140, ustr('stdout') + varint(5, 4) + b'hello'),
        # tag count in 3-byte form
        raw_packet(0x2983, ustr('pkg.tagcount') + varint(1, 3) + ustr('t')),
    ]
    # Timestamps the encoder cannot write: nanos that are not a multiple of
    # 1000 (the reference rounds half-to-even to microseconds) and nanos
    # >= 10**9 (carried into the seconds).
    secs = struct.pack('>I', 1700000000)
    for nanos in [1, 499, 500, 501, 1499, 1500, 2500, 999999499, 999999500,
                  999999999, 1000000000, 1073741823]:
        out.append(raw_packet(0x2B03, secs + varint(nanos)
                              + ustr('pkg.nanos.%d' % nanos)))
    # nanos in a non-minimal 4-byte form
    out.append(raw_packet(0x2B03, secs + varint(0, 4) + ustr('pkg.nanos.wide')))
    return b''.join(out)


# ---------------------------------------------------------------------------
# Real runs
# ---------------------------------------------------------------------------

def _real_run_env():
    env = dict(os.environ)
    env['PYTHONHASHSEED'] = '0'
    env['LC_ALL'] = 'C.UTF-8'
    env['TZ'] = 'UTC'
    env.pop('PYTHONPATH', None)
    return env


def _decode_events(data):
    """Decode bytes with the reference decoder into status() kwargs."""
    events = []

    class Collect(testtools.StreamResult):
        def status(self, **kwargs):
            if kwargs.get('file_bytes') is not None:
                kwargs['file_bytes'] = bytes(kwargs['file_bytes'])
            events.append(kwargs)

    with tempfile.TemporaryFile() as tmp:
        tmp.write(data)
        tmp.seek(0)
        subunit.ByteStreamToStreamResult(
            tmp, non_subunit_name='stdout').run(Collect())
    return events


def record_real_run():
    python = sys.executable
    env = _real_run_env()
    with tempfile.TemporaryDirectory(prefix='subunit-real-run-') as tmp:
        # 1. The whole suite in one process.
        cmd = [python, '-m', 'subunit.run'] + REAL_RUN_SUITES
        print('recording: %s' % ' '.join(cmd[1:]))
        proc = subprocess.run(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        serial = proc.stdout
        if len(serial) > MAX_REAL_RUN_BYTES:
            raise SystemExit('real run too large: %d bytes' % len(serial))

        # 2. The same suites split across worker processes running
        #    concurrently, like stestr/testrepository.
        listing = subprocess.run(
            [python, '-m', 'subunit.run', '--list'] + REAL_RUN_SUITES,
            cwd=tmp, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, check=True).stdout
        ids = [ev['test_id'] for ev in _decode_events(listing)
               if ev.get('test_status') == 'exists']
        procs = []
        for w in range(PARALLEL_WORKERS):
            list_path = os.path.join(tmp, 'worker-%d.list' % w)
            with open(list_path, 'w', encoding='utf-8') as fh:
                fh.write(''.join(i + '\n' for i in ids[w::PARALLEL_WORKERS]))
            out_path = os.path.join(tmp, 'worker-%d.subunit' % w)
            out_fh = open(out_path, 'wb')
            procs.append((subprocess.Popen(
                [python, '-m', 'subunit.run', '--load-list', list_path]
                + REAL_RUN_SUITES, cwd=tmp, env=env, stdout=out_fh,
                stderr=subprocess.DEVNULL), out_fh, out_path))
        worker_streams = []
        for p, fh, path in procs:
            p.wait()
            fh.close()
            with open(path, 'rb') as fh2:
                worker_streams.append(fh2.read())
    parallel = merge_workers(worker_streams)
    if len(parallel) > MAX_REAL_RUN_BYTES:
        raise SystemExit('parallel run too large: %d bytes' % len(parallel))
    return serial, parallel


def merge_workers(worker_streams):
    """Mux worker streams as stestr does: route code "i", tag "worker-i".

    Events are interleaved in time order (each event sorts at the latest
    timestamp its worker has reported so far), keeping each worker's own
    order.
    """
    sequences = []
    for w, data in enumerate(worker_streams):
        seq = []
        last = -1.0
        for n, ev in enumerate(_decode_events(data)):
            if ev.get('timestamp') is not None:
                last = max(last, ev['timestamp'].timestamp())
            seq.append((last, w, n, ev))
        sequences.append(seq)
    out = io.BytesIO()
    enc = StreamResultToBytes(out)
    for _, w, _, ev in heapq.merge(*sequences, key=lambda item: item[0]):
        ev = dict(ev)
        rc = ev.get('route_code')
        ev['route_code'] = str(w) if rc is None else '%d/%s' % (w, rc)
        tags = set(ev.get('test_tags') or ())
        tags.add('worker-%d' % w)
        ev['test_tags'] = sorted(tags)
        enc.status(**ev)
    return out.getvalue()


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def summarize(events):
    """Count final outcomes per (testId, routeCode) from ref events."""
    final = {}
    for ev in events:
        st = ev.get('status')
        if 'testId' in ev and st not in (None, 'exists', 'inprogress'):
            final[(ev['testId'], ev.get('routeCode'))] = st
    return collections.Counter(final.values()), len(final)


FIXTURE_SPECS = [
    # name, kind, builder (None = recorded real run), description
    ('sample-run', 'real-run', None,
     'A real recorded run: `python3 -m subunit.run testtools.tests.test_suite '
     'subunit.tests.test_suite` (Debian python3-testtools 2.5.0 and '
     'python3-subunit 1.4.0 test suites, run by the reference runner in one '
     'process); enumeration (exists) events for every test, then the run. '
     'The failures are genuine failures of the Debian-installed suites in '
     'this environment (scripts the tests expect at source-tree paths are '
     'missing or not executable, and some expected v1 protocol/traceback '
     'text differs under Python 3.11); nothing was injected.'),
    ('sample-run-parallel', 'real-run', None,
     'The same suites run genuinely in parallel by %d worker processes '
     '(`subunit.run --load-list`, tests dealt round-robin from `--list`), '
     'muxed like stestr: each worker\'s events re-encoded with route code '
     '"i" and tag "worker-i", interleaved in timestamp order.'
     % PARALLEL_WORKERS),
    ('every-field', 'clean', build_every_field,
     'Worked examples A-G of SUBUNIT-V2.md section 9 (asserted byte for '
     'byte), then every status 0-7 runnable and not, eof with and without '
     'file, one/many/duplicate tags, MIME types, file names incl. empty, '
     'empty file bytes, empty test id, route codes ""/"0"/"0/1"/"a/b/c", '
     'timestamps in every nanosecond varint width incl. epoch, 2^31 and '
     '2^32-1 seconds and a +02:00 offset.'),
    ('unicode', 'clean', build_unicode,
     'Non-ASCII test ids, tags, file names, route codes and MIME types '
     '(accents, Greek/Cyrillic/CJK, emoji, RTL, combining marks, U+FEFF, '
     'U+FFFF, U+10FFFF) and attachments with UTF-8 text containing B3 bytes '
     '(ó, ³, U+3CCA) and Latin-1 bytes inside packets.'),
    ('varint-boundaries', 'clean', build_varint_boundaries,
     'Packets of total length 63/65, 16383/16385 and the maximum 4194303; '
     'file contents of 0/63/64/16383/16384 bytes; every string field at '
     '63/64 bytes; 16383/16384-byte test ids; 63/64 tags; nanosecond '
     'values in every varint width.'),
    ('chatter', 'chatter', build_chatter,
     'Good packets mixed with non-subunit bytes: text lines, text without '
     'a newline right before a packet, UTF-8 text with B3 continuation '
     'bytes (ó C3 B3, U+3CCA E3 B3 8A, ³ C2 B3), binary junk without B3 and '
     'without UTF-8 lead bytes, text at start and end of stream.'),
    ('nested-routes', 'clean', build_nested_routes,
     'Events with route codes "0", "1", "0/0", "0/1", "1/0/2", route-coded '
     'stdout/stderr file events as a mux produces them, and one test id on '
     'two routes.'),
    ('damaged-bad-crc', 'damaged', build_damaged_bad_crc,
     'A small clean run with one CRC byte flipped in a packet in the middle.'),
    ('damaged-bad-length', 'damaged', build_damaged_bad_length,
     'A small clean run with one packet\'s length made 4 smaller (packet 1) '
     'and a later one\'s made 9 larger (packet 7), same varint width.'),
    ('damaged-length-below-6', 'damaged', build_damaged_length_below_6,
     'A small clean run with one packet\'s length set to 3: the reference '
     'asks its file for read(-3), which raises an uncaught ValueError on a '
     'real file (BytesIO would read to EOF instead).'),
    ('damaged-length-5', 'damaged', build_damaged_length_5,
     'A small clean run with one packet\'s length set to 5: the reference '
     'does read(-1), swallowing the rest of the file, then read() with a '
     'negative size below -1, which raises an uncaught ValueError.'),
    ('damaged-truncated', 'damaged', build_damaged_truncated,
     'A small clean run cut in the middle of its last packet.'),
    ('damaged-truncated-header', 'damaged', build_damaged_truncated_header,
     'A small clean run whose last packet is cut 2 bytes after its B3 '
     'signature.'),
    ('damaged-garbage', 'damaged', build_damaged_garbage,
     'Three small clean runs with random garbage (each chunk holds a B3) '
     'inserted between and inside packets (random.Random(%d)).'
     % GARBAGE_SEED),
    ('damaged-latin1', 'damaged', build_damaged_latin1,
     'Latin-1 text with a stray B3 (m\u00b3) followed by a clean run: the '
     'reference takes B3 as a packet start and swallows the good packets.'),
    ('damaged-dangling-lead', 'damaged', build_damaged_dangling_lead,
     'Text ending in a dangling UTF-8 lead byte C3 immediately before a good '
     'packet, then more good packets.'),
    ('damaged-stuck-utf8', 'damaged', build_damaged_stuck_utf8,
     'An invalid UTF-8 sequence with a pending lead byte (E3 80 0A) in '
     'chatter, good packets, then valid UTF-8 chatter "caló ok": the '
     'reference\'s incremental decoder keeps a stale buffer after the error, '
     'so the B3 of "ó" is taken as a packet signature.'),
    ('damaged-field-errors', 'damaged', build_damaged_field_errors,
     'CRC-valid packets with bad fields between good packets: string past '
     'end, NUL, overlong/surrogate/>U+10FFFF/stray-continuation/truncated '
     'UTF-8, file content past end, 4-byte length varint, length 6 and 7, '
     'bad tag, bad route code.'),
    ('damaged-field-overrun-crash', 'damaged', build_damaged_field_overrun_crash,
     'Good packets, then a CRC-valid packet with the test-id flag and an '
     'empty body: the reference raises an uncaught struct.error and never '
     'reaches the good packets after it.'),
    ('damaged-version-bits', 'damaged', build_damaged_version_bits,
     'CRC-valid packets with version nibbles 0, 1, 3, 15 and reserved bit 3 '
     'set: the reference decodes them as ordinary v2 packets (a stricter '
     'decoder may reject them).'),
    ('nonminimal-encodings', 'damaged', build_nonminimal_encodings,
     'Hand-built CRC-valid packets in encodings the reference encoder never '
     'writes but its decoder accepts without error: non-minimal varints '
     '(length, strings, counts, nanos), total lengths 64 and 16384, a '
     'zero-tag tags field, trailing bytes after the last field, nanos not a '
     'multiple of 1000 (rounded half-even) and >= 10^9 (carried).'),
]


def write_bytes(path, data):
    with open(path, 'wb') as fh:
        fh.write(data)


def derive_ref(name):
    """Run ref_events.py on fixtures/NAME.subunit; write .ref.jsonl etc."""
    stream = os.path.join(FIXTURES, name + '.subunit')
    proc = subprocess.run([sys.executable, REF_EVENTS, stream],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err_path = os.path.join(FIXTURES, name + '.ref-error.txt')
    if proc.returncode not in (0, 3):
        sys.stderr.write(proc.stderr.decode('utf-8', 'replace'))
        raise SystemExit('ref_events.py failed on %s (exit %d)' % (
            name, proc.returncode))
    write_bytes(os.path.join(FIXTURES, name + '.ref.jsonl'), proc.stdout)
    if proc.returncode == 3:
        # ref_events.py prints "ref_events: PATH: reference decoder raised
        # TYPE: MESSAGE"; keep "TYPE: MESSAGE" (independent of the path).
        message = proc.stderr.decode('utf-8').strip().splitlines()[-1]
        marker = 'reference decoder raised '
        message = message[message.index(marker) + len(marker):]
        write_bytes(err_path, (message + '\n').encode('utf-8'))
    elif os.path.exists(err_path):
        os.remove(err_path)
    return [json.loads(line) for line in proc.stdout.decode('utf-8')
            .split('\n') if line]


def write_readme(manifest):
    lines = [
        '# Subunit v2 fixtures',
        '',
        'Streams for testing the codec against the reference implementation',
        '(Debian python3-subunit 1.4.0 with testtools 2.5.0).  For each',
        '`NAME.subunit`:',
        '',
        '* `NAME.ref.jsonl` — the events the reference decoder',
        '  (`subunit.ByteStreamToStreamResult(f, non_subunit_name="stdout")`)',
        '  reports, in the JSON Lines form of `shared/docs/EVENTS-JSONL.md`,',
        '  with tags sorted (the reference returns them as a set) and',
        '  adjacent chatter events joined (compare after joining);',
        '* `NAME.ref-error.txt` — only where the reference decoder crashed:',
        '  its one-line message (the `.ref.jsonl` then holds the events',
        '  reported before the crash).',
        '',
        '`MANIFEST.json` lists every stream: `name` (file stem), `kind`',
        '(`clean`: written by the reference encoder only; `chatter`: packets',
        'mixed with non-subunit bytes; `damaged`: deliberately broken or',
        'hand-built, non-canonical bytes; `real-run`: a recorded test run),',
        '`description` and `bytes`.',
        '',
        'Regenerate with:',
        '',
        '    /usr/bin/python3 scripts/gen_fixtures.py',
        '',
        '(Debian\'s /usr/bin/python3 specifically: python-subunit and',
        'testtools are installed for it only, not for other `python3`s.)',
        '',
        'Everything is rebuilt byte-identically except the real runs, which',
        'are kept as recorded (their `.ref.jsonl` is re-derived).  To',
        're-record them (needs python3-testscenarios and',
        'python3-testresources from Debian):',
        '',
        '    /usr/bin/python3 scripts/gen_fixtures.py --rerecord-real-run',
        '',
        'To print the reference events of any stream:',
        '',
        '    /usr/bin/python3 scripts/ref_events.py FILE...',
        '',
        '(exit status 3 when the reference decoder raises).',
        '',
        '## Fixtures',
        '',
    ]
    for entry in manifest:
        lines.append('* `%s.subunit` (%s, %d bytes): %s' % (
            entry['name'], entry['kind'], entry['bytes'],
            entry['description']))
    lines.append('')
    write_bytes(os.path.join(FIXTURES, 'README.md'),
                '\n'.join(lines).encode('utf-8'))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rerecord-real-run', action='store_true',
                        help='run the real test suites again and replace '
                             'sample-run*.subunit')
    args = parser.parse_args(argv[1:])
    os.makedirs(FIXTURES, exist_ok=True)

    if args.rerecord_real_run:
        serial, parallel = record_real_run()
        write_bytes(os.path.join(FIXTURES, 'sample-run.subunit'), serial)
        write_bytes(os.path.join(FIXTURES, 'sample-run-parallel.subunit'),
                    parallel)

    manifest = []
    for name, kind, builder, description in FIXTURE_SPECS:
        path = os.path.join(FIXTURES, name + '.subunit')
        if builder is not None:
            write_bytes(path, builder())
        elif not os.path.exists(path):
            raise SystemExit('%s is missing: run with --rerecord-real-run'
                             % path)
        events = derive_ref(name)
        if kind == 'real-run':
            counts, total = summarize(events)
            description += ' Final outcomes: %d tests (%s).' % (
                total, ', '.join('%s %d' % (k, counts[k])
                                 for k in sorted(counts)))
        size = os.path.getsize(path)
        manifest.append(dict(name=name, description=description, kind=kind,
                             bytes=size))
        print('%-32s %-9s %9d bytes %6d events' % (
            name + '.subunit', kind, size, len(events)))

    with open(os.path.join(FIXTURES, 'MANIFEST.json'), 'w',
              encoding='utf-8', newline='\n') as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2)
        fh.write('\n')
    write_readme(manifest)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
