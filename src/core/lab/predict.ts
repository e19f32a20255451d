// "Predictable" shown, not named: OpenSSL 1.1.1's clones emit different values, but an attacker
// holding the snapshot recovers them. The attacker reads the public DRBG (Key|V), the pid and the
// thread id from the snapshot's pages, knows when each call ran (a replay of the same run from
// the snapshot gives the same virtual time in every clone) and searches only what the clone added
// by itself: the low 32 bits of its cycle counter (TSC_OFFSET_BITS of restore moment and
// READ_JITTER_BITS of read noise, assembly/kernel/timing.ts). The search recomputes the outputs
// with the core's CTR_DRBG (assembly/libs/attack.ts); nothing here reads a clone's secret state.
//
//   call 1: every counter in [base1, base1 + 2^16 + 2^4 - 1): the one whose output is the clone's
//   call 2: knowing call 1's counter, the restore offset is pinned to 16 values and the read
//           noise is 16 more: the next output is one of 31 candidates computed BEFORE looking at it

import { engineError, ERROR_CODE } from '../errors';
import type { Engine } from '../engine';
import * as L from '../wasm/layout';
import { err, ok, type Result, type SnapshotId, type VmId } from '../types';
import type { LabError } from './api';
import type { LibraryDraw } from './types';

/** What the attack found for one clone. */
export interface Prediction {
  vm: number;
  /** Counters tried for the clone's first output (the unknown part of its timer). */
  searched: number;
  /** log2 of `searched`: the unknown bits of one call. */
  unknownBits: number;
  /** Counter offsets whose output equals the clone's first output (one, unless outputs collide). */
  matches: number;
  /** The recovered low 32 bits of the clone's cycle counter at its first call (null: not found). */
  recoveredCounter: number | null;
  /** Candidates for the second output, computed before looking at it. */
  nextCandidates: number;
  /** The clone's actual second output is among them. */
  nextRecovered: boolean;
  /** The second output as the attack computed it (hex), when recovered. */
  nextOutput: string | null;
}

const READ_NOISE = 1 << L.READ_JITTER_BITS;
/** Counters a first call can have: restore offset (2^16) plus read noise (2^4), minus one. */
export const FIRST_CALL_WINDOW = (1 << L.TSC_OFFSET_BITS) + READ_NOISE - 1;
const NEXT_WINDOW = 2 * READ_NOISE - 1;

/** Page `page` of a snapshot as its chain holds it (null: the zero page). */
function snapshotPage(engine: Engine, snap: SnapshotId, page: number): Uint8Array | null {
  for (let s: SnapshotId | null = snap; s !== null; s = engine.snapshotInfo(s)?.parent ?? null) {
    let found: Uint8Array | null = null;
    const r = engine.forEachSnapshotPage(s, (p, bytes) => {
      if (p === page) found = bytes.slice();
    });
    if (!r.ok) return null;
    if (found) return found;
  }
  return null;
}

const u32At = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Runs the attack on each clone of a draw for process `proc` (an openssl-1.1.1 process among the
 * first 16), from snapshot `snap` the clones were restored from. `lib` is that process's draw:
 * its first two outputs per clone are the targets.
 */
export function predictOpenssl(
  engine: Engine,
  snap: SnapshotId,
  vms: readonly VmId[],
  proc: number,
  lib: LibraryDraw,
): Result<Prediction[], LabError> {
  const invalid = (message: string) => err<LabError>({ kind: 'InvalidValue', field: 'predict', message });
  if (lib.library !== 'openssl-1.1.1')
    return invalid(`predict: the attack targets openssl-1.1.1, not ${lib.library}`);
  if (lib.draws < 2) return invalid('predict: the attack needs two draws per clone (it recovers the second)');
  if (proc >= L.CALL_CLOCK_PROCS)
    return invalid(`predict: only the first ${L.CALL_CLOCK_PROCS} processes keep their call times`);
  const vmstate = engine.snapshotVmstate(snap);
  if (!vmstate) return err(engineError(ERROR_CODE.UnknownSnapshot, snap));
  const core = engine.core;
  // what the snapshot tells the attacker: the process's pid and its state page
  const table = snapshotPage(engine, snap, u32At(vmstate, L.VS_PROC_PAGE));
  const statePage = snapshotPage(engine, snap, u32At(vmstate, L.VS_PROC_AREA_PAGE) + proc);
  if (!table || !statePage) return invalid('predict: the snapshot holds no such process');
  const pid = u32At(table, proc * 64 + L.P_PID);
  const drbg = statePage.slice(L.O_PUBLIC, L.O_PUBLIC + 48);
  const io = core.ioBuffer();
  const mem = () => new Uint8Array(core.memory.buffer);
  const STATE = io;
  const TARGET = io + 64;
  const FOUND = io + 128;
  const uuid = lib.consumer === 'uuid';
  const out: Prediction[] = [];
  for (const [c, vm] of vms.entries()) {
    const t1 = core.ledgerCallClockNs(vm, proc, 0);
    const t2 = core.ledgerCallClockNs(vm, proc, 1);
    const o1 = lib.bytes.subarray(c * lib.draws * lib.width, (c * lib.draws + 1) * lib.width);
    const o2 = lib.bytes.subarray((c * lib.draws + 1) * lib.width, (c * lib.draws + 2) * lib.width);
    const base1 = Math.floor(t1 * L.CYCLES_PER_NS);
    const base2 = Math.floor(t2 * L.CYCLES_PER_NS);
    mem().set(drbg, STATE);
    mem().set(o1, TARGET);
    const n =
      t1 > 0 ? core.osslSearch(STATE, pid, base1, FIRST_CALL_WINDOW, TARGET, lib.width, uuid, FOUND, 4) : 0;
    const k1 = n > 0 ? u32At(mem(), FOUND) : null;
    let nextRecovered = false;
    let nextOutput: string | null = null;
    if (k1 !== null && t2 > 0) {
      // step the attacker's copy past call 1, then every counter call 2 can have
      mem().set(drbg, STATE);
      core.osslStep(STATE, pid, base1 + k1, lib.width);
      mem().set(o2, TARGET);
      const from = base2 + Math.max(0, k1 - (READ_NOISE - 1));
      const m = core.osslSearch(STATE, pid, from, NEXT_WINDOW, TARGET, lib.width, uuid, FOUND, 4);
      nextRecovered = m > 0;
      if (nextRecovered) nextOutput = hex(o2);
    }
    out.push({
      vm,
      searched: FIRST_CALL_WINDOW,
      unknownBits: Math.log2(FIRST_CALL_WINDOW),
      matches: n,
      recoveredCounter: k1 === null ? null : (base1 + k1) % 2 ** 32,
      nextCandidates: NEXT_WINDOW,
      nextRecovered,
      nextOutput,
    });
  }
  return ok(out);
}
