// Booting a guest from its manifest: the kernel (layout, image, CRNG seeded, devices), the
// secrets in their pages (flagged as the manifest says), the application's heap, and the
// processes with their libraries initialised. All or nothing: on an error the VM is destroyed.
//
// Guest-physical layout after the kernel's own structures (assembly/kernel/kernel.ts):
//   secrets, each on its own page(s), from the first free page; then the heap.

import type { Engine } from '../engine';
import * as L from '../wasm/layout';
import { err, guestAddr, ok, pageNo, PAGE_SIZE, type Result, type VmId } from '../types';
import type { BootOptions, LabError } from './api';
import { repeatedByteProblem } from './secrets';
import {
  CONSUMER_BYTES,
  generationOf,
  LIBRARY_IDS,
  libraryId,
  libraryIndex,
  type Cpu,
  type KernelGeneration,
  type Consumer,
  type GuestManifest,
  type LibraryId,
  type TimelineEvent,
} from './types';

const DEFAULT_KERNEL_PAGES = 256;
const DEFAULT_HEAP_PAGES = 1024;

export interface ProcessMeta {
  name: string;
  library: LibraryId;
  consumer: Consumer;
}

/** What the lab keeps about a VM (and a snapshot) beside its pages. */
export interface VmMeta {
  guest: GuestManifest;
  processes: ProcessMeta[];
  origin: 'boot' | 'clone' | 'resumed';
  /** wipeOnSuspend: the page is flagged; madviseRefused: the program asked and the kernel said EINVAL. */
  secretPages: {
    name: string;
    bytes: Uint8Array;
    page: number;
    wipeOnSuspend: boolean;
    madviseRefused?: boolean;
  }[];
  heapPage: number;
  heapPages: number;
  touched: number;
  timeline: TimelineEvent[];
}

/** The secret's bytes (hex or UTF-8 text). */
export function secretBytes(s: { hex?: string; text?: string }): Uint8Array {
  if (s.hex !== undefined) return Uint8Array.from(s.hex.match(/../g) ?? [], (h) => parseInt(h, 16));
  return new TextEncoder().encode(s.text ?? '');
}

/** Kernel feature bits of a manifest (the wasm's FEAT_* layout). */
export function featureBits(k: GuestManifest['kernel']): number {
  return (
    (k.wipeOnSuspend ? L.FEAT_WIPEONSUSPEND : 0) |
    (k.vmgenid ? L.FEAT_VMGENID : 0) |
    (k.sysgenid === 'vmgenid' ? L.FEAT_SYSGENID_VMGENID : 0) |
    (k.sysgenid === 'overseer' ? L.FEAT_SYSGENID_OVERSEER : 0) |
    (k.vdsoGetrandom ? L.FEAT_VDSO : 0) |
    (k.jitterEntropy ? L.FEAT_JITTER : 0) |
    (k.agentReseed ? L.FEAT_AGENT : 0) |
    generationBits(k.generation ?? generationOf(k.version)) |
    cpuBits(k.cpu ?? 'intel') |
    (k.vmclock ? L.FEAT_VMCLOCK : 0) |
    (k.vmgenidUevent ? L.FEAT_UEVENT : 0) |
    (k.clockSync ? L.FEAT_CLOCK_SYNC : 0)
  );
}

function generationBits(g: KernelGeneration): number {
  return g === '5.10' ? L.FEAT_GEN_510 : g === '6.11' ? L.FEAT_GEN_611 : 0;
}

/** intel: RDRAND, RDSEED and the GenuineIntel vendor; amd: RDRAND and RDSEED (a Zen 3 or later); none. */
function cpuBits(c: Cpu): number {
  if (c === 'none') return 0;
  return L.FEAT_CPU_RDRAND | L.FEAT_CPU_RDSEED | (c === 'intel' ? L.FEAT_CPU_INTEL : 0);
}

/** The processes a boot starts: one per library, or the guest's own. */
function processesFor(guest: GuestManifest, opts: BootOptions): ProcessMeta[] {
  const consumer = opts.consumer;
  return opts.libraries
    ? opts.libraries.map((library, i) => ({
        name: `${library}-${i}`,
        library,
        consumer: consumer ?? guest.processes[0]?.consumer ?? 'uuid',
      }))
    : guest.processes.map((p) => ({ ...p, consumer: consumer ?? p.consumer }));
}

/** Pages the kernel lays out after its image: kdata, process table, VMGenID, SysGenId, SysGenId driver. */
export const KERNEL_FIXED_PAGES = 5;

/**
 * Whether a guest's kernel layout and secrets fit in `memoryMiB` (what kernelBoot and bootGuest
 * lay out): the first field that does not, and why, naming the limit; null when all fit. The
 * manifest checks call it with the manifest's own size, a boot with the size it runs at.
 */
export function guestLayoutProblem(
  guest: Pick<GuestManifest, 'layout' | 'secrets'>,
  memoryMiB: number,
): { field: string; problem: string } | null {
  const pages = (memoryMiB * 1024 * 1024) / PAGE_SIZE;
  const kernelPages = guest.layout?.kernelPages ?? DEFAULT_KERNEL_PAGES;
  const most = pages - KERNEL_FIXED_PAGES - L.MAX_PROCS - 1;
  if (kernelPages < 1 || kernelPages > most)
    return {
      field: 'layout.kernelPages',
      problem: `${kernelPages} kernel pages leave no room for the kernel's RNG and devices (${KERNEL_FIXED_PAGES} pages), ${L.MAX_PROCS} process pages and the secrets in a ${memoryMiB} MiB guest of ${pages} pages: at most ${most}`,
    };
  const first = kernelPages + KERNEL_FIXED_PAGES + L.MAX_PROCS;
  let page = first;
  for (const [i, s] of guest.secrets.entries()) {
    const bytes = secretBytes(s).length;
    page += Math.max(1, Math.ceil(bytes / PAGE_SIZE));
    if (page > pages)
      return {
        field: `secrets[${i}]`,
        problem: `secret "${s.name}" does not fit: a ${memoryMiB} MiB guest has ${pages} pages, the kernel takes the first ${first} (layout.kernelPages ${kernelPages}, its RNG and devices, ${L.MAX_PROCS} process pages), which leaves ${pages - first} for secrets, and secrets[0] to secrets[${i}] need ${page - first}`,
      };
  }
  return null;
}

const invalid = (field: string, message: string) =>
  err<LabError>({ kind: 'InvalidValue', field, message: `${field}: ${message}` });

/** Boots the guest in a new VM; its id and what the lab keeps about it. */
export function bootGuest(
  engine: Engine,
  given: GuestManifest,
  opts: BootOptions,
): Result<{ vm: VmId; meta: VmMeta }, LabError> {
  const g = engine.guest;
  // the kernel as it boots: its generation and CPU spelled out (snapshot files record them)
  const guest: GuestManifest = {
    ...given,
    kernel: {
      ...given.kernel,
      generation: given.kernel.generation ?? generationOf(given.kernel.version),
      cpu: given.kernel.cpu ?? 'intel',
    },
  };
  const memoryMiB = opts.memoryMiB ?? guest.memoryMiB;
  const named = processesFor(guest, opts);
  if (named.length === 0) return invalid('processes', 'the guest runs no process');
  const processes: ProcessMeta[] = [];
  for (const p of named) {
    const library = libraryId(p.library); // an old alias names its library's id
    if (library === undefined)
      return invalid('library', `unknown library "${p.library}" (libraries: ${LIBRARY_IDS.join(', ')})`);
    processes.push({ ...p, library });
  }
  const kernelPages = guest.layout?.kernelPages ?? DEFAULT_KERNEL_PAGES;
  const pages = (memoryMiB * 1024 * 1024) / PAGE_SIZE;
  const misfit = guestLayoutProblem(guest, memoryMiB);
  if (misfit) return invalid(misfit.field, misfit.problem);
  for (const [i, s] of guest.secrets.entries()) {
    const repeated = repeatedByteProblem(secretBytes(s));
    if (repeated) return invalid(`secrets[${i}]`, `secret "${s.name}" ${repeated}`);
  }
  g.setHostSeed(opts.seed);
  const booted = engine.bootVm({ memoryMiB, features: featureBits(guest.kernel) });
  if (!booted.ok) return booted;
  const vm = booted.value;
  const undo = <T>(r: Result<T, LabError>): Result<{ vm: VmId; meta: VmMeta }, LabError> => {
    engine.destroyVm(vm);
    return r.ok ? invalid('boot', 'failed') : r;
  };
  const first = g.kernelBoot(vm, kernelPages, guest.kernel.agentDelayUs * 1000);
  if (!first.ok) return undo(first);
  let page = first.value;
  const secretPages: VmMeta['secretPages'] = [];
  for (const [i, s] of guest.secrets.entries()) {
    const bytes = secretBytes(s);
    const n = Math.max(1, Math.ceil(bytes.length / PAGE_SIZE));
    if (page + n > pages) return undo(invalid(`secrets[${i}]`, 'does not fit (the layout check missed it)'));
    const w = engine.write(vm, guestAddr(page * PAGE_SIZE), bytes);
    if (!w.ok) return undo(w);
    const role = engine.setRole(vm, pageNo(page), n, 'secret');
    if (!role.ok) return undo(role);
    // MADV_WIPEONSUSPEND was never merged: a kernel without it answers EINVAL (mm/madvise.c,
    // unknown advice) and the page stays unflagged
    const flagged = s.wipeOnSuspend && guest.kernel.wipeOnSuspend;
    if (flagged) {
      const m = engine.madvise(vm, guestAddr(page * PAGE_SIZE), n * PAGE_SIZE, 'WIPEONSUSPEND');
      if (!m.ok) return undo(m);
    }
    secretPages.push({
      name: s.name,
      bytes,
      page,
      wipeOnSuspend: flagged,
      madviseRefused: s.wipeOnSuspend && !flagged,
    });
    page += n;
  }
  const heapPages = Math.min(guest.layout?.heapPages ?? DEFAULT_HEAP_PAGES, pages - page);
  if (heapPages > 0) {
    const f = g.fillGuestPages(vm, page, heapPages, opts.seed * 65537 + 17);
    if (!f.ok) return undo(f);
    const role = engine.setRole(vm, pageNo(page), heapPages, 'heap');
    if (!role.ok) return undo(role);
  }
  g.layoutSetData(vm, first.value, page - first.value, page, heapPages);
  for (const p of processes) {
    const r = g.spawnProcess(vm, libraryIndex(p.library), CONSUMER_BYTES[p.consumer]);
    if (!r.ok) return undo(r);
  }
  return ok({
    vm,
    meta: {
      guest,
      processes,
      origin: 'boot',
      secretPages,
      heapPage: page,
      heapPages,
      touched: 0,
      timeline: [],
    },
  });
}
