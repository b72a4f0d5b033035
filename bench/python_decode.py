"""python-subunit's decoder timing itself, for bench/run.mjs.

Usage: /usr/bin/python3 bench/python_decode.py FILE [REPEATS]

Decodes FILE with subunit.ByteStreamToStreamResult into a result that reads
each event's test id and status (what our decode benchmark reads), REPEATS
times (python-subunit makes every field of every event before it calls
status(): test id, tags set, MIME type, file name and bytes, route code,
timestamp, so the same time stands for its full-field decode too), and prints one JSON line: the best and mean seconds per pass (file
read included, interpreter start excluded), the events per pass and the
events that had both a test id and a status.
"""

import json
import sys
import time

import subunit
import testtools


class TouchIdAndStatus(testtools.StreamResult):
    def __init__(self):
        super().__init__()
        self.events = 0
        self.with_status = 0

    def status(self, test_id=None, test_status=None, **kwargs):
        self.events += 1
        if test_id is not None and test_status is not None:
            self.with_status += 1


def one_pass(path):
    result = TouchIdAndStatus()
    with open(path, 'rb') as f:
        subunit.ByteStreamToStreamResult(f, non_subunit_name='stdout').run(result)
    return result


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = one_pass(path)
        times.append(time.perf_counter() - start)
    print(json.dumps({
        'best': min(times), 'mean': sum(times) / len(times), 'passes': repeats,
        'events': result.events, 'withStatus': result.with_status,
    }))


if __name__ == '__main__':
    main()
