// What the lab shows of a VM, read from its guest pages and page table without touching them (no
// fault is counted): the devices and kernel RNG state, and the memory map (each page's state and
// the pages that carry the story: RNG state, secrets, device pages).

import { PAGE_ROLES, type Engine } from '../engine';
import { toHex } from '../crypto/uuid';
import * as L from '../wasm/layout';
import { pageNo, type VmId } from '../types';
import type { DeviceView } from './types';

/** A memory-map cell's fill: the page's state (the canvas maps it to a colour). */
export const PAGE_CLASSES = ['zero', 'shared', 'private', 'dirty', 'flagged', 'wiped'] as const;
export type PageClass = (typeof PAGE_CLASSES)[number];

/** Pages marked with a glyph on top of their fill, by role: few, but they carry the story. */
export const MARK_KINDS = ['rng', 'secret', 'device'] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

/** A page worth a marker: RNG state, a secret, a device page (and any flagged or wiped page). */
export interface SpecialPage {
  page: number;
  role: string;
  /** Marker by role; null for a flagged or wiped page of another role. */
  kind: MarkKind | null;
  cls: PageClass;
  /** Same bytes as the same page of the comparison VM (null: no comparison). */
  identical: boolean | null;
  /** Same host frame as in the comparison VM (null: no comparison). */
  sameFrame: boolean | null;
}

/** A VM's memory map: one state byte per page, with counts and the marked pages. */
export interface MemoryMapView {
  vm: number;
  pages: number;
  /** classes[page] = index into PAGE_CLASSES. */
  classes: Uint8Array;
  counts: Record<PageClass, number>;
  marks: Record<MarkKind, number>;
  special: SpecialPage[];
  compareWith: number | null;
}

const ROLE_MARK: Record<string, MarkKind | undefined> = {
  'kernel-rng': 'rng',
  'library-state': 'rng',
  secret: 'secret',
  'sysgenid-page': 'device',
  vmgenid: 'device',
};
const CLS = Object.fromEntries(PAGE_CLASSES.map((c, i) => [c, i])) as Record<PageClass, number>;

/** Guest bytes of a VM without counting faults (the lab observing, not the guest touching). */
export function peek(engine: Engine, vm: VmId, page: number, offset: number, n: number): Uint8Array {
  const r = engine.peekPage(vm, pageNo(page), offset + n);
  return r.ok ? r.value.subarray(offset, offset + n) : new Uint8Array(n);
}

/** The VM's devices and kernel RNG state, or null if it does not exist. */
export function deviceView(engine: Engine, vm: VmId): DeviceView | null {
  if (!engine.vmInfo(vm)) return null;
  const g = engine.guest;
  const kdata = g.vmStateU32(vm, L.VS_KDATA_PAGE);
  const u64 = (b: Uint8Array) => Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  const notifyAt = g.vmStateF64(vm, L.VS_NOTIFY_AT);
  return {
    vm,
    vmgenid: toHex(peek(engine, vm, g.vmStateU32(vm, L.VS_VMGENID_PAGE), 0, 16)),
    crngGeneration: u64(peek(engine, vm, kdata, L.K_BASE_GEN, 8)),
    vdsoGeneration: u64(peek(engine, vm, kdata, L.K_VDSO_GEN, 8)),
    crngKeyPrefix: toHex(peek(engine, vm, kdata, L.K_BASE_KEY, 8)),
    sysgenid: g.hasSysgenid(vm) ? g.sysgenidFacts(vm) : null,
    clockNs: g.vmStateF64(vm, L.VS_CLOCK),
    notifyAtNs: Number.isFinite(notifyAt) ? notifyAt : null,
  };
}

/** Classifies every page of a VM for the map; marked pages are compared with another VM. */
export function memoryMap(engine: Engine, vm: VmId, compareWith: VmId | null): MemoryMapView | null {
  const entries = engine.vmEntries(vm);
  if (!entries) return null;
  const leafShared = engine.vmLeafFrames(vm).map((lf) => lf !== 0 && engine.refcount(lf) > 1);
  const other = compareWith === null ? null : engine.vmEntries(compareWith);
  const pages = entries.length;
  const classes = new Uint8Array(pages);
  const counts = Object.fromEntries(PAGE_CLASSES.map((c) => [c, 0])) as Record<PageClass, number>;
  const marks = Object.fromEntries(MARK_KINDS.map((c) => [c, 0])) as Record<MarkKind, number>;
  const special: SpecialPage[] = [];
  for (let p = 0; p < pages; p++) {
    const e = entries[p]!;
    const frame = e & L.E_FRAME_MASK;
    const role = PAGE_ROLES[(e >>> L.E_ROLE_SHIFT) & 7]!;
    let cls: PageClass;
    if (e & L.E_WIPED) cls = 'wiped';
    else if (e & L.E_WIPEONSUSPEND) cls = 'flagged';
    else if (engine.isDirty(vm, p)) cls = 'dirty';
    else if (frame === 0 || (e & L.E_PRESENT) === 0) cls = 'zero';
    else if (leafShared[p >>> 10] || engine.refcount(frame) > 1) cls = 'shared';
    else cls = 'private';
    classes[p] = CLS[cls];
    counts[cls]++;
    const kind = ROLE_MARK[role] ?? null;
    if (kind) marks[kind]++;
    if (kind || cls === 'wiped' || cls === 'flagged') {
      let identical: boolean | null = null;
      let sameFrame: boolean | null = null;
      if (other && p < other.length) {
        const of = other[p]! & L.E_FRAME_MASK;
        sameFrame = of === frame;
        identical = engine.sameFrameBytes(frame, of);
      }
      special.push({ page: p, role, kind, cls, identical, sameFrame });
    }
  }
  return { vm, pages, classes, counts, marks, special, compareWith: other ? compareWith : null };
}
