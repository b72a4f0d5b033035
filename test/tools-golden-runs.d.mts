export declare const FIXTURES: string;
export declare const CLI: string;
export declare const GOLDEN_RUNS: { name: string; args: string[] }[];
export declare function goldenCases(backend?: string): { file: string; argv: string[] }[];
export declare function goldenBytes(r: { status: number | null; stderr: Uint8Array; stdout: Uint8Array }): Buffer;
export declare function goldenLine(file: string, bytes: Uint8Array): string;
