export declare const MAX_PACKET: number;
export interface StreamResult {
  size: number; piece: number; streamBytes: number; packets: number; expectedPackets: number; gotBytes: number;
  checksumOk: boolean; eofs: number; statuses: number; others: number; maxBuffered: number;
}
export declare function streamAttachment(
  lib: { Encoder: unknown; Decoder: unknown },
  opts: { size: number; backend?: string; chunk?: number; onChunk?: (packet: number) => void },
): StreamResult;
