// Backend selection: which core a decoder, encoder or router runs on. Its own
// module so that encoding and routing get a core without loading the decoder.
import type { BackendName, Core } from './core.js';
import { jsCore } from '../js/core.js';
import { wasmCore, initWasm, privateWasmCore } from '../wasm/core.js';
import { SubunitError } from './errors.js';

export interface BackendOptions {
  /**
   * 'wasm' (default) or 'js', the pure-TypeScript twin; both give identical
   * events. A Core object (e.g. a specific wasm build) is used as given.
   */
  backend?: BackendName | Core;
}

/** The core for a backend name. The wasm one may need `await init()` first in browsers. */
export function coreFor(backend: BackendName | Core = 'wasm'): Core {
  if (typeof backend === 'object') return backend;
  if (backend === 'js') return jsCore;
  if (backend === 'wasm') return wasmCore();
  throw new SubunitError(`unknown backend ${JSON.stringify(backend)} (use 'wasm' or 'js')`);
}

/**
 * A core whose input area no other pass reads into: for a pass that reads
 * into the core's own memory (ChunkedPass.fillArea). A caller-given core may
 * be shared (the caller may give one to many passes), so it is used without
 * its input area: the pass reads into memory of its own, which the core copies.
 */
export function privateCoreFor(backend: BackendName | Core = 'wasm'): Core {
  if (backend === 'wasm') return privateWasmCore();
  const core = coreFor(backend);
  return core.inputArea === null ? core : new WithoutInputArea(core);
}

/** A core, lending no input area: every call goes to it. */
class WithoutInputArea implements Core {
  readonly inputArea = null;
  constructor(private readonly core: Core) {}
  get name() { return this.core.name; }
  get records() { return this.core.records; }
  get state() { return this.core.state; }
  get text() { return this.core.text; }
  get base() { return this.core.base; }
  get segments() { return this.core.segments; }
  get rewriteOut() { return this.core.rewriteOut; }
  get encoded() { return this.core.encoded; }
  scan(...a: Parameters<Core['scan']>) { return this.core.scan(...a); }
  rewrite(...a: Parameters<Core['rewrite']>) { return this.core.rewrite(...a); }
  encode(...a: Parameters<Core['encode']>) { return this.core.encode(...a); }
  crc32(...a: Parameters<Core['crc32']>) { return this.core.crc32(...a); }
  reset() { this.core.reset(); }
}

/** Make the backend usable everywhere (compiles the wasm module asynchronously). */
export async function init(backend: BackendName | Core = 'wasm'): Promise<void> {
  if (backend === 'wasm') await initWasm();
}
