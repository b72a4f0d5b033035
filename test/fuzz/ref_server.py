"""Long-lived python-subunit oracle for the fuzzer (test/fuzz/engine.ts).

Usage: /usr/bin/python3 test/fuzz/ref_server.py

Reads requests from stdin, each a 4-byte big-endian length followed by that
many bytes of input, and answers each with one JSON line:

    {"packets": [[offset, length, event], ...], "error": null | "Type: message"}

where every entry is a packet the reference decoder
(``subunit.ByteStreamToStreamResult(..., non_subunit_name='stdout')``) decoded
successfully: its byte span in the input and its event in the canonical form
of scripts/ref_events.py (tags sorted, fileBytes base64).  Chatter and the
reference's own parser errors are not reported.  When the reference raises
(it does on some damaged input, SUBUNIT-V2.md 10.4), the packets decoded
before the crash are still reported and "error" says what it raised.
"""

import base64
import io
import json
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts'))

import subunit  # noqa: E402
from ref_events import event_to_dict  # noqa: E402


class _Null(object):
    def status(self, **kwargs):
        pass


class _Recording(subunit.ByteStreamToStreamResult):
    """Records the span and event of every packet the reference parses."""

    def __init__(self, source):
        super().__init__(source, non_subunit_name='stdout')
        self.packets = []

    def _parse(self, packet, result):
        got = []

        class _One(object):
            def status(self, **kwargs):
                got.append(kwargs)

        super()._parse(packet, _One())
        raw = b''.join(packet)
        end = self.source.tell()
        for kwargs in got:
            obj = event_to_dict(**kwargs)
            if 'fileBytes' in obj:
                obj['fileBytes'] = base64.b64encode(obj['fileBytes']).decode('ascii')
            self.packets.append([end - len(raw), len(raw), obj])


def decode(data):
    decoder = _Recording(io.BytesIO(data))
    error = None
    try:
        decoder.run(_Null())
    except Exception as exc:  # the reference crashed: not our failure
        error = '%s: %s' % (type(exc).__name__, ' '.join(str(exc).split()))
    return {'packets': decoder.packets, 'error': error}


def main():
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return 0
        (size,) = struct.unpack('>I', head)
        data = stdin.read(size)
        stdout.write(json.dumps(decode(data), ensure_ascii=False).encode('utf-8'))
        stdout.write(b'\n')
        stdout.flush()


if __name__ == '__main__':
    sys.exit(main())
