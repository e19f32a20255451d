// A draw: every process of every drawing VM calls its library `draws` times; the outputs land in
// one work vector per library in the frame pool (wasm), the core finds collisions across clones
// over the raw bytes, and each library's outputs leave the wasm ONCE, as one Uint8Array with its
// duplicate marks as typed arrays. Text (UUIDs, hex) is made only where a row is shown or printed.

import { engineError, ERROR_CODE } from '../errors';
import type { Engine } from '../engine';
import type { DrawTarget } from '../guest';
import { formatAt } from '../crypto/uuid';
import { err, ok, type Result, type VmId } from '../types';
import type { LabError } from './api';
import * as L from '../wasm/layout';
import { CAUSE_WORDS } from './reason';
import { analyseClasses, firstSafeDraw, safeFromDraw, verdictOf, type LedgerFacts } from './verdict';
import {
  CONSUMER_BYTES,
  EVENT_KINDS,
  type CauseName,
  type Consumer,
  type DrawResult,
  type LibraryDraw,
  type LibraryId,
} from './types';

/** A drawing process as the lab knows it (the same in every VM of the draw). */
export interface DrawProcess {
  library: LibraryId;
  consumer: Consumer;
}

/** Stride of one output in an output vector: a power of two so no output crosses a page. */
export function strideFor(bytes: number): number {
  let s = 1;
  while (s < bytes) s <<= 1;
  return s;
}

/** The dense group numbers (first occurrence first) of the core's per-output group heads. */
function denseGroups(heads: Uint32Array, flags: Uint8Array): { groups: Int32Array; count: number } {
  const groups = new Int32Array(heads.length).fill(-1);
  const dense = new Map<number, number>();
  for (let i = 0; i < heads.length; i++) {
    if (!(flags[i]! & 1)) continue;
    const h = heads[i]!;
    let g = dense.get(h);
    if (g === undefined) dense.set(h, (g = dense.size));
    groups[i] = g;
  }
  return { groups, count: dense.size };
}

/**
 * Draws `draws` outputs from every process of `vms` (their processes must match `procs`), each
 * draw round `intervalNs` of virtual time apart; the collision facts per library.
 */
export function drawVms(
  engine: Engine,
  vms: readonly VmId[],
  procs: readonly DrawProcess[],
  draws: number,
  intervalNs: number,
): Result<DrawResult, LabError> {
  const g = engine.guest;
  const clones = vms.length;
  const n = clones * draws;
  const sizes = procs.map((p) => CONSUMER_BYTES[p.consumer]);
  const strides = sizes.map(strideFor);
  const vectors: number[] = [];
  const cleanup = () => strides.forEach((s, i) => vectors[i] && g.freeVector(vectors[i]!, n * s));
  for (const s of strides) {
    const v = g.newVector(n * s);
    if (v === 0) {
      cleanup();
      return err(engineError(ERROR_CODE.OutOfGuestMemory, g.vectorFrames(n * s)));
    }
    vectors.push(v);
  }
  const targets: DrawTarget[] = procs.map((p, i) => ({
    vector: vectors[i]!,
    stride: strides[i]!,
    size: sizes[i]!,
    uuid: p.consumer === 'uuid',
  }));
  const field = (f: 'calls' | 'ns' | 'reseeds' | 'aborts') =>
    vms.map((vm) => procs.map((_, i) => g.processField(vm, i, f)));
  const before = {
    calls: field('calls'),
    ns: field('ns'),
    reseeds: field('reseeds'),
    aborts: field('aborts'),
  };
  const ledgers = procs.map(() => ({
    bits: [] as number[],
    safeFrom: [] as number[],
    callBits: [] as number[],
    causes: [] as number[],
  }));
  for (let v = 0; v < clones; v++) {
    const r = g.drawVm(vms[v]!, draws, intervalNs, targets, v);
    if (!r.ok) {
      cleanup();
      return r;
    }
    const l = g.ledger(vms[v]!, procs.length);
    ledgers.forEach((x, i) => {
      x.bits.push(l.procs[i]!);
      x.safeFrom.push(l.safeFrom[i]!);
      x.callBits.push(l.callBits[i]!);
      x.causes.push(l.safeFrom[i]! > 0 ? l.safeCauses[i]! : l.causes[i]!);
    });
  }
  const after = {
    calls: field('calls'),
    ns: field('ns'),
    reseeds: field('reseeds'),
    aborts: field('aborts'),
  };
  const sum = (k: keyof typeof before, i: number) =>
    vms.reduce((s, _, v) => s + after[k][v]![i]! - before[k][v]![i]!, 0);
  const libraries: LibraryDraw[] = [];
  for (let i = 0; i < procs.length; i++) {
    const led = ledgers[i]!;
    const c = collideOne(engine, vectors[i]!, clones, draws, sizes[i]!, strides[i]!, {
      safeFrom: led.safeFrom,
    });
    if (!c.ok) {
      cleanup();
      return c;
    }
    const calls = sum('calls', i);
    libraries.push({
      library: procs[i]!.library,
      consumer: procs[i]!.consumer,
      width: sizes[i]!,
      clones,
      draws,
      ...c.value,
      nsPerCall: calls > 0 ? sum('ns', i) / calls : 0,
      reseeds: sum('reseeds', i),
      aborts: sum('aborts', i),
      freshEntropyBits: led.bits,
      perCallBits: Math.max(0, ...led.callBits),
      safeFromDraw: safeFromDraw({ safeFrom: led.safeFrom }),
      endedBy:
        c.value.verdict === 'dup-until' || c.value.verdict === 'unique'
          ? causeName(led.causes[0] ?? 0)
          : null,
    });
  }
  cleanup();
  return ok({ vms: vms.map(Number), draws, libraries });
}

type Collided = Pick<
  LibraryDraw,
  | 'bytes'
  | 'groups'
  | 'groupCount'
  | 'pairs'
  | 'duplicates'
  | 'collidingPairs'
  | 'firstUniqueDraw'
  | 'verdict'
  | 'firstSafeDraw'
>;

/** Collision detection over one library's vector; its outputs and marks copied out once. */
function collideOne(
  engine: Engine,
  out: number,
  clones: number,
  draws: number,
  size: number,
  stride: number,
  ledger: LedgerFacts,
): Result<Collided, LabError> {
  const g = engine.guest;
  const n = clones * draws;
  const withMatrix = clones <= g.matrixMaxClones;
  const groupTop = g.newVector(n * 4);
  const flagTop = g.newVector(n);
  const matrixTop = withMatrix ? g.newVector(clones * clones * 4) : 0;
  const free = () => {
    if (groupTop) g.freeVector(groupTop, n * 4);
    if (flagTop) g.freeVector(flagTop, n);
    if (matrixTop) g.freeVector(matrixTop, clones * clones * 4);
  };
  if (!groupTop || !flagTop || (withMatrix && !matrixTop)) {
    free();
    return err(engineError(ERROR_CODE.OutOfGuestMemory, g.vectorFrames(n * 4)));
  }
  const stats = g.collide(out, clones, draws, size, stride, groupTop, flagTop, matrixTop);
  if (!stats.ok) {
    free();
    return stats;
  }
  // outputs packed to their width (the vector holds them at a power-of-two stride)
  const bytes = new Uint8Array(n * size);
  if (size === stride) g.vectorBytes(out, n * size, bytes);
  else {
    const raw = g.vectorBytes(out, n * stride);
    for (let i = 0; i < n; i++) bytes.set(raw.subarray(i * stride, i * stride + size), i * size);
  }
  const headBytes = g.vectorBytes(groupTop, n * 4);
  const heads = new Uint32Array(headBytes.buffer, headBytes.byteOffset, n);
  const flags = g.vectorBytes(flagTop, n);
  const { groups, count } = denseGroups(heads, flags);
  let pairs = new Uint32Array(0);
  if (matrixTop) {
    const mb = g.vectorBytes(matrixTop, clones * clones * 4);
    pairs = new Uint32Array(mb.buffer, mb.byteOffset, clones * clones).slice();
  }
  free();
  const first = stats.value.firstUniqueIndex;
  const analysis = analyseClasses(groups, clones, draws);
  return ok({
    bytes,
    groups,
    groupCount: count,
    pairs,
    duplicates: stats.value.duplicates,
    collidingPairs: stats.value.collidingPairs,
    firstUniqueDraw: first < draws ? first + 1 : null,
    verdict: verdictOf(analysis, ledger),
    firstSafeDraw: firstSafeDraw(analysis, ledger),
  });
}

/** What raised a generator's bits, in words (the event that ended duplication). */
export function causeName(code: number): CauseName | null {
  if (code === L.CAUSE_RDRAND) return 'rdrand';
  if (code === L.CAUSE_BOOT) return 'boot';
  const kind = EVENT_KINDS[code];
  return kind !== undefined && kind in CAUSE_WORDS ? (kind as CauseName) : null;
}

/** Output (clone c, draw d) as text: a UUID for uuid, lowercase hex otherwise. */
export function outputText(lib: LibraryDraw, c: number, d: number): string {
  return formatAt(lib.bytes, (c * lib.draws + d) * lib.width, lib.width, lib.consumer === 'uuid');
}

/** Every output as text, rows[clone][draw] (small draws: tests, scenario checks, small exports). */
export function outputRows(lib: LibraryDraw): string[][] {
  return Array.from({ length: lib.clones }, (_, c) =>
    Array.from({ length: lib.draws }, (_, d) => outputText(lib, c, d)),
  );
}
