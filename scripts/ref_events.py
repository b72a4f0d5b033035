"""Decode subunit v2 files with the reference decoder and print JSON Lines.

Usage: /usr/bin/python3 scripts/ref_events.py FILE...

Each FILE is decoded with python-subunit's reference decoder,
``subunit.ByteStreamToStreamResult(open(path, 'rb'), non_subunit_name='stdout')``,
and every event it reports is printed as one JSON object per line, in the
canonical form of shared/docs/EVENTS-JSONL.md:

* keys in the order testId, status, tags, runnable, mimeType, fileName,
  fileBytes, eof, routeCode, timestamp (optional keys omitted when absent;
  runnable and eof always present);
* tags SORTED (the reference decodes them into a set, so wire order is lost;
  consumers compare tags as a set);
* fileBytes as padded base64;
* timestamp as UTC ``YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`` (the reference has
  microsecond resolution, so the last three digits are always 000);
* adjacent "chatter" events (fileName "stdout", runnable true, eof false and
  no other field) are joined into one event, because how the reference cuts
  non-subunit bytes into events depends on I/O timing.

Events from different FILEs are never joined with each other.

If the reference decoder raises (it does on some damaged input, see
SUBUNIT-V2.md section 10.4), the events obtained so far are printed, a
one-line message goes to stderr and the exit status is 3 (after all FILEs
have been processed).

Requires python-subunit and testtools: run it with Debian's /usr/bin/python3.
"""

import base64
import datetime
import json
import sys

import subunit
import testtools


_UTC = datetime.timezone.utc


def _format_timestamp(ts):
    if ts.tzinfo is None:
        # The reference always returns aware datetimes; treat naive as UTC.
        ts = ts.replace(tzinfo=_UTC)
    ts = ts.astimezone(_UTC)
    return '%04d-%02d-%02dT%02d:%02d:%02d.%09dZ' % (
        ts.year, ts.month, ts.day, ts.hour, ts.minute, ts.second,
        ts.microsecond * 1000)


def event_to_dict(test_id=None, test_status=None, test_tags=None,
                  runnable=True, file_name=None, file_bytes=None, eof=False,
                  mime_type=None, route_code=None, timestamp=None):
    """Build the canonical JSON object for one reference event.

    Key insertion order is the canonical key order.
    """
    obj = {}
    if test_id is not None:
        obj['testId'] = test_id
    if test_status is not None:
        obj['status'] = test_status
    if test_tags is not None:
        obj['tags'] = sorted(test_tags)
    obj['runnable'] = bool(runnable)
    if mime_type is not None:
        obj['mimeType'] = mime_type
    if file_name is not None:
        obj['fileName'] = file_name
        data = b'' if file_bytes is None else bytes(file_bytes)
        obj['fileBytes'] = data  # base64-encoded when written out
    obj['eof'] = bool(eof)
    if route_code is not None:
        obj['routeCode'] = route_code
    if timestamp is not None:
        obj['timestamp'] = _format_timestamp(timestamp)
    return obj


_CHATTER_KEYS = ['runnable', 'fileName', 'fileBytes', 'eof']


def is_chatter(obj):
    """True for an event shaped like wrapped non-subunit bytes."""
    return (list(obj.keys()) == _CHATTER_KEYS
            and obj['fileName'] == 'stdout'
            and obj['runnable'] is True
            and obj['eof'] is False)


class _Collector(testtools.StreamResult):
    """Collects events as canonical dicts, joining adjacent chatter."""

    def __init__(self):
        super().__init__()
        self.events = []

    def status(self, test_id=None, test_status=None, test_tags=None,
               runnable=True, file_name=None, file_bytes=None, eof=False,
               mime_type=None, route_code=None, timestamp=None):
        obj = event_to_dict(
            test_id=test_id, test_status=test_status, test_tags=test_tags,
            runnable=runnable, file_name=file_name, file_bytes=file_bytes,
            eof=eof, mime_type=mime_type, route_code=route_code,
            timestamp=timestamp)
        if (self.events and is_chatter(obj) and is_chatter(self.events[-1])):
            prev = self.events[-1]
            prev['fileBytes'] = prev['fileBytes'] + obj['fileBytes']
        else:
            self.events.append(obj)


def dumps(obj):
    """Serialise one event dict as a canonical JSON line (no newline)."""
    out = dict(obj)
    if 'fileBytes' in out:
        out['fileBytes'] = base64.b64encode(out['fileBytes']).decode('ascii')
    return json.dumps(out, ensure_ascii=False, separators=(',', ':'))


def decode_file(path):
    """Decode one file with the reference decoder.

    Returns (events, error) where error is None or a one-line string.
    """
    collector = _Collector()
    error = None
    with open(path, 'rb') as source:
        decoder = subunit.ByteStreamToStreamResult(
            source, non_subunit_name='stdout')
        try:
            decoder.run(collector)
        except Exception as exc:  # the reference crashed; record it
            message = ' '.join(str(exc).split())
            kind = type(exc)
            name = kind.__qualname__
            if kind.__module__ not in ('builtins', '__main__'):
                name = '%s.%s' % (kind.__module__, name)
            error = '%s: %s' % (name, message)
    return collector.events, error


def main(argv):
    if len(argv) < 2:
        sys.stderr.write('usage: ref_events.py FILE...\n')
        return 2
    out = sys.stdout.buffer
    status = 0
    for path in argv[1:]:
        events, error = decode_file(path)
        for obj in events:
            out.write(dumps(obj).encode('utf-8'))
            out.write(b'\n')
        out.flush()
        if error is not None:
            sys.stderr.write(
                'ref_events: %s: reference decoder raised %s\n' % (path, error))
            sys.stderr.flush()
            status = 3
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))
