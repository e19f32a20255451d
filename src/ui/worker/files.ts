// The worker's side of snapshot files (filesProtocol.ts): a lab snapshot out as a checked file,
// a file in as snapshots, the secret scan of a snapshot's file, and the core's id counters.
// Functions over a Lab and its Engine, with no Worker globals, so tests run them in Node.
//
// Invariants:
// - A rejected file changes nothing: decodeSnapshotFile checks every byte before the lab sees it,
//   and Lab.loadSnapshot is all or nothing.
// - Errors come back as data (WireError) with the decoder's or the lab's own message.
// - advanceIds works behind the Lab, on the Engine: it boots a bare 16 MiB VM (no kernel, so no
//   host entropy and no change to the lab's seed), takes and restores what it needs to use up
//   ids, and destroys it all again. Host entropy is keyed by VM id, so a replay that hands out
//   the same ids repeats the same bytes.

import type { Engine } from '../../core/engine';
import type { LabError } from '../../core/lab/api';
import type { Lab } from '../../core/lab/lab';
import type { SecretSpec } from '../../core/lab/types';
import {
  decodeSnapshotFile,
  encodeSnapshotFileContent,
  scanSecrets,
  type SnapFileError,
} from '../../core/snapfile';
import { err, ok, snapshotId, type Result, type SnapshotId, type VmId } from '../../core/types';
import type {
  IdCounters,
  LoadFileArgs,
  LoadedFileView,
  SecretScanView,
  SnapshotFileView,
} from './filesProtocol';
import type { WireError } from './protocol';

/** What these functions need of the Lab (the class has it; the LabApi interface does not). */
export type FileLab = Pick<Lab, 'snapshotFileContent' | 'loadSnapshot' | 'secrets'>;

/**
 * Per lab, the secrets a loaded file placed whose values were not known, by snapshot id: the lab
 * keeps no placement without a value, so a later scan could not name them otherwise.
 */
const unsearchable = new WeakMap<FileLab, Map<number, string[]>>();

/** Hits listed per secret in a scan (a secret in many pages would flood the view). */
export const SCAN_HITS_SHOWN = 8;

function wire(e: LabError | SnapFileError): WireError {
  return 'field' in e && typeof e.field === 'string'
    ? { kind: e.kind, message: e.message, field: e.field }
    : { kind: e.kind, message: e.message };
}

/** The file of a snapshot (with its diff chain). */
export function exportSnapshotFile(lab: FileLab, snap: number): Result<SnapshotFileView, WireError> {
  const content = lab.snapshotFileContent(snapshotId(snap));
  if (!content.ok) return err(wire(content.error));
  const bytes = encodeSnapshotFileContent(content.value);
  return ok({
    snapshot: snap,
    bytes,
    guest: content.value.meta.guest,
    layers: content.value.layers.length,
    checksum: trailerChecksum(bytes),
  });
}

/** The CRC-64 a file ends with, as the decoder names it (16 hex digits, high half first). */
export function trailerChecksum(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  const half = (at: number) => view.getUint32(at, true).toString(16).padStart(8, '0');
  return half(4) + half(0);
}

/** Checks a file and loads it as snapshots; the top snapshot's id, or why the file was refused. */
export function loadSnapshotFileBytes(lab: FileLab, a: LoadFileArgs): Result<LoadedFileView, WireError> {
  const decoded = decodeSnapshotFile(a.bytes);
  if (!decoded.ok) return err(wire(decoded.error));
  const { meta } = decoded.value;
  const known: SecretSpec[] = a.knownSecrets.find((g) => g.guest === meta.guest)?.secrets ?? [];
  const snap = lab.loadSnapshot(decoded.value, { secrets: known });
  if (!snap.ok) return err(wire(snap.error));
  const searchable = lab.secrets(snap.value);
  const names = new Set(searchable.ok ? searchable.value.map((s) => s.name) : []);
  const unknown = meta.secrets.filter((s) => !names.has(s.name)).map((s) => s.name);
  if (unknown.length > 0) {
    const map = unsearchable.get(lab) ?? new Map<number, string[]>();
    unsearchable.set(lab, map);
    // the file's layers became consecutive snapshot ids, the top one last
    for (let k = 0; k < decoded.value.layers.length; k++) map.set(snap.value - k, unknown);
  }
  return ok({
    snapshot: snap.value as number,
    fileName: a.fileName,
    layers: decoded.value.layers.length,
    guest: meta.guest,
    description: meta.description,
    memoryMiB: meta.memoryMiB,
    seed: meta.seed,
    checksum: decoded.value.checksum,
    bytes: decoded.value.bytes,
    secretsKnown: meta.secrets.filter((s) => names.has(s.name)).map((s) => s.name),
    secretsUnknown: unknown,
  });
}

/**
 * Searches a snapshot's file for the guest's secrets, as someone holding the file would: raw
 * bytes, every occurrence, each placed in its layer and guest page.
 */
export function scanSnapshotSecrets(lab: FileLab, snap: number): Result<SecretScanView, WireError> {
  const file = exportSnapshotFile(lab, snap);
  if (!file.ok) return file;
  const decoded = decodeSnapshotFile(file.value.bytes);
  if (!decoded.ok) return err(wire(decoded.error));
  const reports = lab.secrets(snapshotId(snap));
  if (!reports.ok) return err(wire(reports.error));
  const specs: SecretSpec[] = reports.value.map((r) => ({
    name: r.name,
    hex: r.hex,
    wipeOnSuspend: r.wipeOnSuspend,
  }));
  const { meta, layers } = decoded.value;
  const searched = new Set(specs.map((s) => s.name));
  return ok({
    snapshot: snap,
    fileBytes: file.value.bytes.length,
    guest: meta.guest,
    kernelWipeOnSuspend: meta.kernel.wipeOnSuspend,
    wipedPages: layers.reduce((n, l) => n + l.wipedPages, 0),
    secrets: scanSecrets(file.value.bytes, specs, decoded.value).map((s) => ({
      name: s.name,
      wipeOnSuspend: s.wipeOnSuspend,
      inFile: s.inFile,
      hits: s.hits.slice(0, SCAN_HITS_SHOWN),
      hitCount: s.hits.length,
    })),
    unknown: [
      ...meta.secrets.filter((s) => !searched.has(s.name)).map((s) => s.name),
      ...(unsearchable.get(lab)?.get(snap) ?? []),
    ],
  });
}

/** The next VM and snapshot ids the core will hand out. */
export function idCounters(engine: Engine): IdCounters {
  return { vm: engine.core.vmIdsIssued(), snapshot: engine.core.snapshotIdsIssued() };
}

/** Restores at most this many clones per core call while using up ids. */
const ID_BATCH = 4096;

/**
 * Uses up ids until the core's counters reach `target` (see the header). Refuses when the
 * counters are already past it, or when snapshot ids are wanted but no VM id is left to take
 * them with; on a refusal or a failure part-way, whatever it made is destroyed again.
 */
export function advanceIds(engine: Engine, target: IdCounters): Result<IdCounters, WireError> {
  const now = idCounters(engine);
  const vms = target.vm - now.vm;
  const snaps = target.snapshot - now.snapshot;
  const refuse = (why: string) =>
    err<WireError>({
      kind: 'IdsPast',
      message: `cannot move the lab's ids from vm ${now.vm}, snapshot ${now.snapshot} to vm ${target.vm}, snapshot ${target.snapshot}: ${why}`,
    });
  if (vms < 0 || snaps < 0) return refuse('they are already past it');
  if (vms === 0 && snaps === 0) return ok(now);
  if (vms === 0) return refuse('snapshot ids can only be used up with a VM');
  const made: VmId[] = [];
  const taken: SnapshotId[] = [];
  const cleanUp = () => {
    for (const vm of made) engine.destroyVm(vm);
    for (const s of taken.reverse()) engine.deleteSnapshot(s);
  };
  const booted = engine.bootVm({ memoryMiB: 16, features: 0 });
  if (!booted.ok) return err(wire(booted.error));
  made.push(booted.value);
  for (let i = 0; i < snaps; i++) {
    const s = engine.snapshot(booted.value, 'full');
    if (!s.ok) {
      cleanUp();
      return err(wire(s.error));
    }
    taken.push(s.value);
  }
  for (let left = vms - 1; left > 0;) {
    if (taken.length === 0) {
      // no snapshot to clone from (none was wanted): a bare VM per id, each gone at once
      const vm = engine.bootVm({ memoryMiB: 16, features: 0 });
      if (!vm.ok) {
        cleanUp();
        return err(wire(vm.error));
      }
      engine.destroyVm(vm.value);
      left--;
      continue;
    }
    const n = Math.min(ID_BATCH, left);
    const r = engine.restore(taken[0]!, n);
    if (!r.ok) {
      cleanUp();
      return err(wire(r.error));
    }
    for (const vm of r.value) engine.destroyVm(vm);
    left -= n;
  }
  cleanUp();
  const after = idCounters(engine);
  if (after.vm !== target.vm || after.snapshot !== target.snapshot)
    return refuse(`using them up ended at vm ${after.vm}, snapshot ${after.snapshot}`);
  return ok(after);
}
