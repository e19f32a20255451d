// Loading a checked snapshot file into a lab: one snapshot per layer, and the guest's metadata
// so clones restored from it run the file's guest. Secret values are never in a file: given the
// guest's secrets, the lab can search for them (secrets without a value are left out).

import { featureBits } from '../lab/boot';
import type { LabError } from '../lab/api';
import type { Lab, VmMeta } from '../lab/lab';
import { secretBytes } from '../lab/boot';
import type { GuestManifest, SecretSpec } from '../lab/types';
import * as L from '../wasm/layout';
import { err, ok, type Result, type SnapshotId } from '../types';
import { snapFileError, type SnapFileError } from './errors';
import { decodeSnapshotFileBytes } from './format';
import type { DecodedSnapshot } from './types';

/**
 * Loads a decoded snapshot file as new snapshots (one per layer) and returns the top one's id.
 * The host seed becomes `opts.seed`, or the file's. All or nothing: on an error no snapshot was added.
 */
export function loadSnapshot(
  lab: Lab,
  decoded: DecodedSnapshot,
  opts: { seed?: number; secrets?: readonly SecretSpec[] } = {},
): Result<SnapshotId, LabError | SnapFileError> {
  const { meta } = decoded;
  const seed = opts.seed ?? meta.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    return err({
      kind: 'InvalidValue',
      field: 'seed',
      message: `seed: expected a whole number from 0 to 4294967295, got ${seed}`,
    });
  // a file written before the kernel had generations and CPUs ran the 6.1 CRNG on a vCPU the
  // kernel never asked for RDRAND: it says neither, and loads as exactly that
  const kernel: GuestManifest['kernel'] =
    meta.kernel.generation === undefined && meta.kernel.cpu === undefined
      ? { ...meta.kernel, generation: '6.1', cpu: 'none' }
      : meta.kernel;
  const features = featureBits(kernel);
  for (const [k, layer] of decoded.layers.entries()) {
    const have = new DataView(layer.vmstate.buffer, layer.vmstate.byteOffset).getUint32(L.VS_FEATURES, true);
    if ((have & ~L.FEAT_RDRAND_EXITS) !== features)
      return err(
        snapFileError(
          'BadVmstate',
          { field: `layers[${k}].vmstate features` },
          `0x${have.toString(16)} disagree with the kernel the JSON describes (0x${features.toString(16)})`,
        ),
      );
  }
  const ids = lab.engine.importSnapshot(decoded.layers);
  if (!ids.ok) return ids;
  lab.seed = seed;
  lab.engine.guest.setHostSeed(seed);
  const known = new Map((opts.secrets ?? []).map((s) => [s.name, secretBytes(s)]));
  const guest: GuestManifest = {
    name: meta.guest,
    description: meta.description,
    memoryMiB: meta.memoryMiB,
    kernel,
    processes: meta.processes,
    secrets: (opts.secrets ?? []).filter((s) => meta.secrets.some((p) => p.name === s.name)),
    ...(meta.layout ? { layout: meta.layout } : {}),
  };
  const vmMeta: VmMeta = {
    guest,
    processes: meta.processes.map((p) => ({ ...p })),
    origin: 'boot',
    secretPages: meta.secrets.flatMap((s) => {
      const bytes = known.get(s.name);
      return bytes && bytes.length === s.bytes
        ? [{ name: s.name, bytes, page: s.page, wipeOnSuspend: s.wipeOnSuspend }]
        : [];
    }),
    heapPage: meta.heap?.firstPage ?? 0,
    heapPages: meta.heap?.pages ?? 0,
    touched: 0,
    timeline: [],
  };
  // every layer of the chain describes the same guest
  for (const id of ids.value) lab.setSnapshotMeta(id, vmMeta);
  return ok(ids.value[ids.value.length - 1]!);
}

/** Checks a snapshot file's bytes and loads it (see loadSnapshot). */
export function loadSnapshotFile(
  lab: Lab,
  bytes: Uint8Array,
  opts: { seed?: number; secrets?: readonly SecretSpec[] } = {},
): Result<SnapshotId, LabError | SnapFileError> {
  const decoded = decodeSnapshotFileBytes(bytes);
  return decoded.ok ? loadSnapshot(lab, decoded.value, opts) : decoded;
}
