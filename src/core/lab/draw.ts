// A draw: every process of every drawing VM calls its library `draws` times. The core writes a
// piece of each VM's outputs into its draw buffer (contiguous), and the facade copies each
// library's part straight to its place in that library's ONE Uint8Array (clone by clone, packed
// at the output's width); collisions across clones are then found over those bytes
// (lab/collide.ts), and the outputs leave the draw as that array with their marks as typed
// arrays. Text (UUIDs, hex) is made only where a row is shown or printed.
//
// Invariants: a VM's draws are made in pieces that fit the buffer, and a run drawn in pieces
// makes exactly the core calls and events of one drawn at once (guest/processes.ts drawVm); the
// counters and the ledger are read before and after each VM's draw in one core call each.

import type { Engine } from '../engine';
import type { DrawTarget, ProcessFacts } from '../guest';
import { formatAt } from '../crypto/uuid';
import { ok, type Result, type VmId } from '../types';
import type { LabError } from './api';
import * as L from '../wasm/layout';
import { collide } from './collide';
import { CAUSE_WORDS } from './reason';
import { analyseClasses, firstSafeDraw, safeFromDraw, verdictOf } from './verdict';
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

/** Draws of one VM that fit the core's draw buffer at once, for outputs of these sizes. */
export function drawsPerPiece(bufferBytes: number, sizes: readonly number[], draws: number): number {
  const round = sizes.reduce((a, b) => a + b, 0);
  return Math.max(1, Math.min(draws, Math.floor(bufferBytes / Math.max(1, round))));
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
  const outputs = sizes.map((s) => new Uint8Array(n * s));
  const piece = drawsPerPiece(g.drawBufferBytes, sizes, draws);
  // library i's part of the buffer: `piece` outputs at its width, after the parts before it
  const parts: number[] = [];
  sizes.reduce((at, s) => (parts.push(at), at + piece * s), g.drawBuffer);
  const targets: DrawTarget[] = procs.map((p, i) => ({
    address: parts[i]!,
    stride: sizes[i]!,
    size: sizes[i]!,
    uuid: p.consumer === 'uuid',
  }));
  const delta = procs.map(() => ({ calls: 0, ns: 0, reseeds: 0, aborts: 0 }));
  const ledgers = procs.map(() => ({
    bits: [] as number[],
    safeFrom: [] as number[],
    callBits: [] as number[],
    causes: [] as number[],
  }));
  for (let v = 0; v < clones; v++) {
    const vm = vms[v]!;
    const before = g.processFacts(vm, procs.length);
    if (!before.ok) return before;
    for (let first = 0; first < draws; first += piece) {
      const count = Math.min(piece, draws - first);
      const r = g.drawVm(vm, first, count, intervalNs, targets);
      if (!r.ok) return r;
      for (let i = 0; i < procs.length; i++) {
        const s = sizes[i]!;
        outputs[i]!.set(g.drawBufferView(parts[i]!, count * s), (v * draws + first) * s);
      }
    }
    const after = g.processFacts(vm, procs.length);
    if (!after.ok) return after;
    procs.forEach((_, i) => addFacts(delta[i]!, before.value[i]!, after.value[i]!, ledgers[i]!));
  }
  const libraries: LibraryDraw[] = procs.map((p, i) => {
    const led = ledgers[i]!;
    const size = sizes[i]!;
    const c = collide(outputs[i]!, clones, draws, size);
    const analysis = analyseClasses(c.groups, clones, draws);
    const ledger = { safeFrom: led.safeFrom };
    const verdict = verdictOf(analysis, ledger);
    const d = delta[i]!;
    return {
      library: p.library,
      consumer: p.consumer,
      width: size,
      clones,
      draws,
      bytes: outputs[i]!,
      groups: c.groups,
      groupCount: c.groupCount,
      pairs: c.pairs,
      duplicates: c.duplicates,
      collidingPairs: c.collidingPairs,
      firstUniqueDraw: c.firstUniqueIndex < draws ? c.firstUniqueIndex + 1 : null,
      verdict,
      firstSafeDraw: firstSafeDraw(analysis, ledger),
      nsPerCall: d.calls > 0 ? d.ns / d.calls : 0,
      reseeds: d.reseeds,
      aborts: d.aborts,
      freshEntropyBits: led.bits,
      perCallBits: Math.max(0, ...led.callBits),
      safeFromDraw: safeFromDraw(ledger),
      endedBy: verdict === 'dup-until' || verdict === 'unique' ? causeName(led.causes[0] ?? 0) : null,
    };
  });
  return ok({ vms: vms.map(Number), draws, libraries });
}

/** Adds one VM's counters (after minus before) and its ledger after the draw. */
function addFacts(
  sum: { calls: number; ns: number; reseeds: number; aborts: number },
  before: ProcessFacts,
  after: ProcessFacts,
  ledger: { bits: number[]; safeFrom: number[]; callBits: number[]; causes: number[] },
): void {
  // (sum + after) - before, in VM order: the same float sums the report always gave
  sum.calls = sum.calls + after.calls - before.calls;
  sum.ns = sum.ns + after.ns - before.ns;
  sum.reseeds = sum.reseeds + after.reseeds - before.reseeds;
  sum.aborts = sum.aborts + after.aborts - before.aborts;
  ledger.bits.push(Math.max(0, after.bits));
  ledger.safeFrom.push(Math.max(0, after.safeFrom));
  ledger.callBits.push(Math.max(0, after.callBits));
  ledger.causes.push(Math.max(0, after.safeFrom > 0 ? after.safeCause : after.cause));
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
