type Encode = (event: Record<string, unknown>) => Uint8Array;
export declare function fakeHeaders(size: number): Uint8Array;
export declare function denseSignatures(size: number): Uint8Array;
export declare function crcFailsAtEnd(size: number, encode: Encode): Uint8Array;
export declare function tinyBetweenDamaged(size: number, encode: Encode): Uint8Array;
export declare const HOSTILE: Record<'fakeHeaders' | 'denseSignatures' | 'crcFailsAtEnd' | 'tinyBetweenDamaged', (size: number, encode: Encode) => Uint8Array>;
