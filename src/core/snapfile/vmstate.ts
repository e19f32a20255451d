// What the guest kernel model trusts in a loaded snapshot, checked before the engine sees it.
// The kernel (assembly/kernel/) reads page numbers from the raw vmstate and from the process
// table in guest memory and writes to those pages; a file could name any page, so a loaded
// snapshot must have exactly the layout kernelBoot gives a guest (assembly/kernel/kernel.ts),
// every range inside the guest, a process table whose state pages are the process area's, and
// in-range byte counts where the kernel keeps them in guest pages (the input pool's BLAKE2s state).
//
// Raw vmstate offsets (assembly/vmm/vmstate.ts) and the process table entry
// (assembly/kernel/process.ts) come from the wasm's exported layout.

import { CONSUMER_BYTES, libraryOfIndex } from '../lab/types';
import { err, ok, PAGE_SIZE, type Result } from '../types';
import { snapFileError, type SnapFileError } from './errors';
import { IMPORT_DATA } from '../engine';
import * as L from '../wasm/layout';
import type { DecodedLayer, SnapshotFileMeta } from './types';

const VS = {
  features: L.VS_FEATURES,
  clock: L.VS_CLOCK,
  kdata: L.VS_KDATA_PAGE,
  procTable: L.VS_PROC_PAGE,
  nproc: L.VS_NPROC,
  vmgenid: L.VS_VMGENID_PAGE,
  sysgenid: L.VS_SYSGENID_PAGE,
  sysgenidDriver: L.VS_SYSGENID_KPAGE,
  heap: L.VS_HEAP_PAGE,
  heapPages: L.VS_HEAP_PAGES,
  agentDelay: L.VS_AGENT_DELAY,
  procArea: L.VS_PROC_AREA_PAGE,
  procAreaPages: L.VS_PROC_AREA_PAGES,
  secret: L.VS_SECRET_PAGE,
  secretPages: L.VS_SECRET_PAGES,
  kernelPages: L.VS_KERNEL_PAGES,
} as const;

/** Offset of the input pool's BLAKE2s state in the kdata page (assembly/kernel/crng.ts K_POOL). */
const KDATA_POOL = L.K_POOL;
/** The kernel's process slots (assembly/kernel/process.ts MAX_PROCS). */
const MAX_PROCS = L.MAX_PROCS;
/** Every kernel feature bit the core knows (assembly/vmm/vmstate.ts FEAT_*). */
const FEATURE_BITS =
  L.FEAT_WIPEONSUSPEND |
  L.FEAT_VMGENID |
  L.FEAT_SYSGENID_VMGENID |
  L.FEAT_SYSGENID_OVERSEER |
  L.FEAT_VDSO |
  L.FEAT_JITTER |
  L.FEAT_AGENT |
  L.FEAT_RDRAND_EXITS |
  L.FEAT_GEN_510 |
  L.FEAT_GEN_611 |
  L.FEAT_CPU_RDRAND |
  L.FEAT_CPU_RDSEED |
  L.FEAT_CPU_INTEL |
  L.FEAT_VMCLOCK |
  L.FEAT_UEVENT |
  L.FEAT_CLOCK_SYNC;
/** Bytes of a process table entry (assembly/kernel/process.ts). */
const ENTRY = 64;

/** Checks layer k's raw vmstate and process table against its chain and (for the top) the JSON. */
export function checkLayerVmstate(
  layers: readonly DecodedLayer[],
  k: number,
  meta: SnapshotFileMeta,
): Result<void, SnapFileError> {
  const layer = layers[k]!;
  const pages = layer.pages;
  const v = new DataView(layer.vmstate.buffer, layer.vmstate.byteOffset, layer.vmstate.length);
  const u32 = (o: number) => v.getUint32(o, true);
  const field = (name: string) => `layers[${k}].vmstate ${name}`;
  const bad = (name: string, why: string) => err(snapFileError('BadVmstate', { field: field(name) }, why));

  const features = u32(VS.features);
  if (features & ~FEATURE_BITS)
    return bad('features', `0x${features.toString(16)} has bits no kernel feature uses`);
  const clock = v.getFloat64(VS.clock, true);
  if (!Number.isFinite(clock) || clock < 0)
    return bad('clock', `must be a finite time >= 0 ns (got ${clock})`);
  const agentDelay = v.getFloat64(VS.agentDelay, true);
  if (!Number.isFinite(agentDelay) || agentDelay < 0)
    return bad('agent delay', `must be a finite time >= 0 ns (got ${agentDelay})`);
  const K = u32(VS.kernelPages);
  const areaPages = u32(VS.procAreaPages);
  if (K < 1 || K + 5 + MAX_PROCS > pages)
    return bad('kernel pages', `${K} leaves no room for the kernel's structures in ${pages} pages`);
  // the layout kernelBoot lays out: kdata, process table, VMGenID, SysGenId pages, process area
  const expected: [keyof typeof VS, number][] = [
    ['kdata', K],
    ['procTable', K + 1],
    ['vmgenid', K + 2],
    ['sysgenid', K + 3],
    ['sysgenidDriver', K + 4],
    ['procArea', K + 5],
  ];
  for (const [name, page] of expected) {
    if (u32(VS[name]) !== page)
      return bad(`${name} page`, `is ${u32(VS[name])}, but a kernel of ${K} pages keeps it at page ${page}`);
  }
  if (areaPages > MAX_PROCS) return bad('process area pages', `${areaPages} is more than ${MAX_PROCS}`);
  const nproc = u32(VS.nproc);
  if (nproc > areaPages)
    return bad('process count', `${nproc} processes do not fit ${areaPages} state pages`);
  for (const [first, count, name] of [
    [VS.heap, VS.heapPages, 'heap'],
    [VS.secret, VS.secretPages, 'secret'],
  ] as const) {
    if (u32(first) + u32(count) > pages)
      return bad(`${name} pages`, `${u32(first)} + ${u32(count)} run past the guest's ${pages} pages`);
  }
  // the CRNG's input pool: a BLAKE2s state in the kdata page whose buffer length and digest
  // length the kernel uses as byte counts (assembly/kernel/crng.ts K_POOL, crypto/blake2s.ts)
  const kdata = chainPage(layers, k, K);
  if (kdata) {
    const pool = new DataView(kdata.buffer, kdata.byteOffset + KDATA_POOL, 48);
    const buflen = pool.getUint32(40, true);
    const outlen = pool.getUint32(44, true);
    if (buflen > 64) return bad('kdata page', `the input pool's buffer holds ${buflen} bytes (at most 64)`);
    if (outlen > 32)
      return bad('kdata page', `the input pool's digest length is ${outlen} bytes (at most 32)`);
  }
  // the process table, as this layer's chain holds it
  const table = chainPage(layers, k, K + 1);
  const isTop = k === layers.length - 1;
  if (isTop && nproc !== meta.processes.length)
    return bad('process count', `is ${nproc} but the JSON lists ${meta.processes.length} processes`);
  for (let i = 0; i < nproc; i++) {
    const e = table ? new DataView(table.buffer, table.byteOffset + i * ENTRY, ENTRY) : null;
    const library = e ? e.getUint32(L.P_LIBRARY, true) : 0;
    const bytes = e ? e.getUint32(L.P_BYTES, true) : 0;
    const statePage = e ? e.getUint32(L.P_STATE_PAGE, true) : 0;
    const where = `process ${i}`;
    if (statePage !== K + 5 + i)
      return bad(where, `keeps its state at page ${statePage}, not at its slot's page ${K + 5 + i}`);
    const lib = libraryOfIndex(library);
    if (lib === undefined) return bad(where, `runs library ${library}, which does not exist`);
    if (bytes < 1 || bytes > 64) return bad(where, `draws ${bytes} bytes per call (1 to 64)`);
    const p = meta.processes[i];
    if (isTop && p && (lib !== p.library || CONSUMER_BYTES[p.consumer] !== bytes))
      return bad(
        where,
        `runs ${lib} drawing ${bytes} bytes but the JSON says ${p.library} for ${p.consumer}`,
      );
  }
  return ok(undefined);
}

/** The bytes of page p as the chain up to layer k holds it (null: the zero page). */
export function chainPage(layers: readonly DecodedLayer[], k: number, p: number): Uint8Array | null {
  for (let j = k; j >= 0; j--) {
    const l = layers[j]!;
    const i = lowerBound(l.pageNumbers, p);
    if (i < l.pageNumbers.length && l.pageNumbers[i] === p) {
      if (!(l.entries[i]! & IMPORT_DATA)) return null;
      let slot = 0;
      for (let x = 0; x < i; x++) if (l.entries[x]! & IMPORT_DATA) slot++;
      return l.data.subarray(slot * PAGE_SIZE, (slot + 1) * PAGE_SIZE);
    }
    if (l.type === 'full') return null;
  }
  return null;
}

function lowerBound(a: Uint32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
