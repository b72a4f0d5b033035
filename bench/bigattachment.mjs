// A test with one huge attachment, streamed: the producer encodes it piece by
// piece (Encoder.maxFileBytes per packet, never the whole file), the consumer
// pushes the bytes through the push Decoder in 64 KiB chunks. Checks the bytes
// that come out (count and a running checksum), the packet count, the decoder's
// `buffered` bound, and the process's peak RSS: it may grow by less than 64 MiB
// over the run after the first packet (which touches the cores' static 4 MiB
// buffers). Exit status 1 when a check fails. The RSS seesaws with the garbage
// collector (each packet leaves ~8 MiB: the encoder's copy, the decoder's carry
// buffer) but does not grow with the size: try 1024.
//
//   node bench/bigattachment.mjs [MiB=100] [wasm|js]
//
// `streamAttachment` is also run by test/bigattachment.test.ts (12 MiB, the
// `buffered` bound only; RSS is measured here, in a process of its own).

export const MAX_PACKET = 4194303;

/** A byte of the attachment at offset i: cheap, position-dependent, never constant over a packet. */
const byteAt = (i) => (i * 2654435761 + (i >>> 13)) & 0xff;

/**
 * @param {{ Encoder: any, Decoder: any }} lib the package's exports (dist/ or the TypeScript sources)
 * @param {{ size: number, backend?: string, chunk?: number, onChunk?: (packet: number) => void }} opts  onChunk: after each push, with the index of the packet being sent
 */
export function streamAttachment(lib, { size, backend = 'wasm', chunk = 64 * 1024, onChunk }) {
  const encoder = new lib.Encoder({ backend });
  const decoder = new lib.Decoder({ backend });
  const init = {
    testId: 'pkg.test_big', fileName: 'core.dump', mimeType: 'application/octet-stream', routeCode: '0',
    tags: ['big'], timestamp: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  };
  const piece = encoder.maxFileBytes(init);
  const buf = new Uint8Array(piece);
  let sentSum = 0;
  let gotSum = 0;
  let gotBytes = 0;
  let packets = 0;
  let eofs = 0;
  let statuses = 0;
  let others = 0;
  let maxBuffered = 0;
  let streamBytes = 0;
  const take = (events) => {
    for (const e of events) {
      if (e.source !== 'packet' || e.testId !== init.testId || e.fileName !== init.fileName) {
        others++;
        continue;
      }
      packets++;
      if (e.eof) eofs++;
      if (e.status !== undefined) statuses++;
      const b = e.fileBytes;
      for (let i = 0; i < b.length; i++) gotSum = (gotSum * 31 + b[i]) | 0;
      gotBytes += b.length;
    }
  };
  for (let sent = 0, index = 0; sent < size || sent === 0; index++) {
    const n = Math.min(piece, size - sent);
    for (let i = 0; i < n; i++) {
      const v = byteAt(sent + i);
      buf[i] = v;
      sentSum = (sentSum * 31 + v) | 0;
    }
    sent += n;
    const last = sent >= size;
    const packet = encoder.encode({ ...init, fileBytes: buf.subarray(0, n), eof: last, status: last ? 'success' : undefined });
    streamBytes += packet.length;
    for (let at = 0; at < packet.length; at += chunk) {
      take(decoder.push(packet.subarray(at, at + chunk)));
      maxBuffered = Math.max(maxBuffered, decoder.buffered);
      onChunk?.(index);
    }
    if (last) break;
  }
  take(decoder.end());
  return {
    size, piece, streamBytes, packets, expectedPackets: Math.max(1, Math.ceil(size / piece)), gotBytes,
    checksumOk: gotSum === sentSum, eofs, statuses, others, maxBuffered,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mib = Number(process.argv[2] ?? 100);
  const backend = process.argv[3] ?? 'wasm';
  const lib = await import('../dist/bindings/index.js');
  const MiB = 2 ** 20;
  const rss = () => process.memoryUsage().rss;
  const start = rss();
  // after the first packet: the cores' static buffers are touched, the code is compiled
  let warm = 0;
  let peak = start;
  let n = 0;
  const t0 = performance.now();
  const r = streamAttachment(lib, {
    size: mib * MiB, backend,
    onChunk(packet) {
      if (packet === 1 && !warm) warm = rss();
      if ((++n & 7) === 0) peak = Math.max(peak, rss());
    },
  });
  peak = Math.max(peak, rss());
  warm ||= start;
  const ms = performance.now() - t0;
  const growth = (peak - warm) / MiB;
  const ok = r.checksumOk && r.gotBytes === r.size && r.packets === r.expectedPackets && r.eofs === 1 && r.statuses === 1 &&
    r.others === 0 && r.maxBuffered <= MAX_PACKET && growth < 64;
  console.log(JSON.stringify({
    ...r, backend, ms: Math.round(ms), MBps: Math.round(r.streamBytes / 1e3 / ms),
    rssStartMiB: +(start / MiB).toFixed(1), rssAfterFirstPacketMiB: +(warm / MiB).toFixed(1), rssPeakMiB: +(peak / MiB).toFixed(1),
    rssGrowthMiB: +growth.toFixed(1), ok,
  }));
  process.exitCode = ok ? 0 : 1;
}
