// A lab snapshot as snapshot-file content: its chain's layers (base first) and the guest's
// metadata. snapfile sits above the lab: it reads the lab, the lab knows nothing of files.

import type { SnapshotInfo } from '../engine';
import type { LabError } from '../lab/api';
import type { Lab } from '../lab/lab';
import * as L from '../wasm/layout';
import { engineError, ERROR_CODE } from '../errors';
import { err, ok, PAGE_SIZE, type Result, type SnapshotId } from '../types';
import type { SnapshotFileContent } from './types';

/** What a snapshot file of `snap` holds; fails if the lab no longer knows the snapshot's guest. */
export function snapshotFileContent(lab: Lab, snap: SnapshotId): Result<SnapshotFileContent, LabError> {
  const engine = lab.engine;
  const info = engine.snapshotInfo(snap);
  if (!info) return err(engineError(ERROR_CODE.UnknownSnapshot, snap));
  const m = lab.snapshotMeta(snap);
  if (!m)
    return err({
      kind: 'InvalidValue',
      field: 'snapshot',
      message: `snapshot: the lab no longer knows the guest of snapshot ${snap} (VM ${info.sourceVm} is gone)`,
    });
  const layers: SnapshotFileContent['layers'] = [];
  for (let s: SnapshotId | null = snap; s !== null;) {
    const layer = engine.snapshotLayer(s);
    if (!layer.ok) return layer;
    const si: SnapshotInfo = engine.snapshotInfo(s)!;
    layers.unshift({ ...layer.value, wipedPages: si.wipedPages });
    s = si.parent;
  }
  const top = layers[layers.length - 1]!;
  const kernelPages = new DataView(top.vmstate.buffer, top.vmstate.byteOffset).getUint32(
    L.VS_KERNEL_PAGES,
    true,
  );
  return ok({
    meta: {
      guest: m.guest.name,
      description: m.guest.description,
      memoryMiB: info.pages / 256,
      kernel: m.guest.kernel,
      // the layout the guest really got (boot fits the manifest's to the memory size)
      layout: { kernelPages, heapPages: m.heapPages },
      seed: lab.seed,
      snapshot: { ...info },
      processes: m.processes.map((p) => ({ ...p })),
      secrets: m.secretPages.map((s) => ({
        name: s.name,
        page: s.page,
        pages: Math.max(1, Math.ceil(s.bytes.length / PAGE_SIZE)),
        bytes: s.bytes.length,
        wipeOnSuspend: s.wipeOnSuspend,
      })),
      heap: { firstPage: m.heapPage, pages: m.heapPages },
    },
    layers,
  });
}
