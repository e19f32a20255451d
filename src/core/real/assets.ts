// Loading the assets a clone needs (manifest, BIOS images, the saved state) from an AssetSource:
// the file system in Node (node.ts), fetch relative to the page in the browser (fetch.ts).
//
// Invariants:
// - Every file is checked against the manifest (size and sha256) before it is used: a damaged or
//   stale download is an AssetsInvalid error naming the file, never an emulator crash.
// - The state is stored gzip-compressed under a name without ".gz" (servers such as Apache or
//   vite preview would send a .gz file with Content-Encoding: gzip and the browser would unpack it
//   on the way); it is decompressed with DecompressionStream, which Node 20 and browsers both have,
//   so both load it the same way. A state that arrives unpacked anyway is checked against its raw
//   size and sha256. (v86 reads zstd states itself, but
//   Node 20 cannot write zstd without an extra tool.)

import { err, ok, type Result } from '../types';
import { realError, type RealError } from './errors';
import {
  checkAssetFile,
  MANIFEST_FILE,
  parseManifest,
  RESTORE_ROLES,
  sha256Hex,
  type AssetFile,
  type AssetRole,
  type RealManifest,
} from './manifest';

/** Where asset files come from. `read` resolves null when the file does not exist. */
export interface AssetSource {
  /** Where the files are, for messages (a folder or a URL). */
  readonly where: string;
  read(
    name: string,
    opts: { signal?: AbortSignal; onBytes?: (loaded: number) => void },
  ): Promise<Uint8Array | null>;
}

/** What a clone is started from. The ArrayBuffers are shared by every clone, read-only. */
export interface RealAssets {
  manifest: RealManifest;
  bios: ArrayBuffer;
  vgaBios: ArrayBuffer;
  /** The saved state, decompressed (v86 save_state format). */
  state: ArrayBuffer;
}

/** Progress of loadRealAssets: bytes fetched of the total the manifest declares. */
export type LoadProgress = (loaded: number, total: number, file: string) => void;

const toBuffer = (b: Uint8Array): ArrayBuffer =>
  b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
    ? (b.buffer as ArrayBuffer)
    : (b.slice().buffer as ArrayBuffer);

/** Decompresses gzip bytes (DecompressionStream: Node >= 18 and every current browser). */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reads and parses manifest.json. */
export async function loadManifest(
  source: AssetSource,
  signal?: AbortSignal,
): Promise<Result<RealManifest, RealError>> {
  let bytes: Uint8Array | null;
  try {
    bytes = await source.read(MANIFEST_FILE, { signal });
  } catch (e) {
    if (signal?.aborted) return err(realError('Cancelled', {}));
    return err(
      realError('AssetsMissing', { where: source.where, file: `${MANIFEST_FILE} (${(e as Error).message})` }),
    );
  }
  if (!bytes) return err(realError('AssetsMissing', { where: source.where, file: MANIFEST_FILE }));
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return err(realError('AssetsInvalid', { file: MANIFEST_FILE, reason: 'not valid JSON' }));
  }
  return parseManifest(json);
}

/** Loads and checks everything a clone needs; `onProgress` reports bytes as they arrive. */
export async function loadRealAssets(
  source: AssetSource,
  opts: { signal?: AbortSignal; onProgress?: LoadProgress } = {},
): Promise<Result<RealAssets, RealError>> {
  const m = await loadManifest(source, opts.signal);
  if (!m.ok) return m;
  const manifest = m.value;
  const total = RESTORE_ROLES.reduce((s, r) => s + manifest.files[r].bytes, 0);
  let before = 0;
  const got = {} as Record<AssetRole, Uint8Array>;
  for (const role of RESTORE_ROLES) {
    const entry = manifest.files[role];
    let bytes: Uint8Array | null;
    try {
      bytes = await source.read(entry.name, {
        signal: opts.signal,
        onBytes: (n) => opts.onProgress?.(before + n, total, entry.name),
      });
    } catch (e) {
      if (opts.signal?.aborted) return err(realError('Cancelled', {}));
      return err(
        realError('AssetsMissing', { where: source.where, file: `${entry.name} (${(e as Error).message})` }),
      );
    }
    if (!bytes) return err(realError('AssetsMissing', { where: source.where, file: entry.name }));
    if (role === 'state') {
      const state = await unpackState(entry, bytes);
      if (!state.ok) return state;
      got.state = state.value;
    } else {
      const checked = await checkAssetFile(entry, bytes);
      if (!checked.ok) return checked;
      got[role] = bytes;
    }
    before += entry.bytes;
    opts.onProgress?.(before, total, entry.name);
  }
  return ok({
    manifest,
    bios: toBuffer(got.bios!),
    vgaBios: toBuffer(got.vgaBios!),
    state: toBuffer(got.state!),
  });
}

const isGzip = (b: Uint8Array) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * The raw state from the stored bytes: checked as stored, then gunzipped and checked as raw. A
 * server that decoded the gzip on the way (Content-Encoding) hands over the raw bytes: those
 * are checked against the raw size and sha256 instead.
 */
async function unpackState(entry: AssetFile, bytes: Uint8Array): Promise<Result<Uint8Array, RealError>> {
  const bad = (reason: string) => err(realError('AssetsInvalid', { file: entry.name, reason }));
  let raw = bytes;
  if (isGzip(bytes)) {
    const stored = await checkAssetFile(entry, bytes);
    if (!stored.ok) return stored;
    try {
      raw = await gunzip(bytes);
    } catch (e) {
      return bad(`gunzip failed: ${(e as Error).message}`);
    }
  }
  if (entry.rawBytes !== undefined && raw.length !== entry.rawBytes)
    return bad(`${raw.length} bytes of state, the manifest says ${entry.rawBytes}`);
  if (entry.rawSha256 !== undefined && (await sha256Hex(raw)) !== entry.rawSha256)
    return bad('the state does not match its sha256 in the manifest');
  if (!isGzip(bytes) && entry.rawSha256 === undefined)
    return bad('not gzip, and the manifest has no raw sha256');
  return ok(raw);
}
