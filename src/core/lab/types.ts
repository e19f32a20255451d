// The lab's data contracts: guest manifests and the plain-data views the app, the CLI and the
// tests read. Everything here is serialisable (worker messages, JSON); outputs stay bytes.

import type { Verdict } from './words';
import * as L from '../wasm/layout';

/**
 * The libraries by name and version, in the lab's order (what "all" runs, the matrix's rows).
 * assembly/libs/libraries.ts models each from its upstream source (docs/FIDELITY.md).
 */
export const LIBRARY_IDS = [
  'naive',
  'openssl-1.1.1',
  'openssl-3',
  'boringssl',
  'aws-lc',
  'aws-lc-ube',
  'wipeonsuspend',
  'vdso',
  'getrandom',
  'rdrand',
] as const;
export type LibraryId = (typeof LIBRARY_IDS)[number];

/** The first model's ids, still accepted: each names the library version it modelled. */
export const LIBRARY_ALIASES: Readonly<Record<string, LibraryId>> = {
  'openssl-pid': 'openssl-1.1.1',
  wipeonfork: 'boringssl',
  sysgenid: 'aws-lc',
};

/** A library id, or an alias of one, as its id (undefined if neither). */
export function libraryId(name: string): LibraryId | undefined {
  if ((LIBRARY_IDS as readonly string[]).includes(name)) return name as LibraryId;
  return Object.hasOwn(LIBRARY_ALIASES, name) ? LIBRARY_ALIASES[name] : undefined;
}

/** Every accepted library name: ids, then aliases. */
export const LIBRARY_NAMES: readonly string[] = [...LIBRARY_IDS, ...Object.keys(LIBRARY_ALIASES)];

// the core's numbering (assembly/kernel/process.ts LIB_*), read from its exported layout
const CORE_INDEX: Record<LibraryId, number> = {
  naive: L.LIB_NAIVE,
  'openssl-1.1.1': L.LIB_OPENSSL_111,
  'openssl-3': L.LIB_OPENSSL_3,
  boringssl: L.LIB_BORINGSSL,
  'aws-lc': L.LIB_AWSLC,
  'aws-lc-ube': L.LIB_AWSLC_UBE,
  wipeonsuspend: L.LIB_WIPEONSUSPEND,
  vdso: L.LIB_VDSO,
  getrandom: L.LIB_GETRANDOM,
  rdrand: L.LIB_RDRAND,
};

/** The core's number of a library. */
export function libraryIndex(id: LibraryId): number {
  return CORE_INDEX[id];
}

/** The library the core numbers n (undefined for an unknown number). */
export function libraryOfIndex(n: number): LibraryId | undefined {
  return LIBRARY_IDS.find((id) => CORE_INDEX[id] === n);
}

export const KERNEL_GENERATIONS = ['5.10', '6.1', '6.11'] as const;
/** The random.c generation the guest kernel follows (DESIGN.md "The world's axes"). */
export type KernelGeneration = (typeof KERNEL_GENERATIONS)[number];
export const CPUS = ['intel', 'amd', 'none'] as const;
/** The vCPU's RNG instructions: RDRAND/RDSEED present (intel: fast RDRAND, amd) or absent (none). */
export type Cpu = (typeof CPUS)[number];

/** The kernel generation a manifest's free-text version names ("5.10-amzn" -> 5.10). */
export function generationOf(version: string): KernelGeneration {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return '6.1';
  const v = Number(m[1]) * 1000 + Number(m[2]);
  if (v >= 6011) return '6.11';
  if (v >= 5017) return '6.1';
  return '5.10';
}

export const CONSUMERS = ['uuid', 'nonce', 'key'] as const;
export type Consumer = (typeof CONSUMERS)[number];
/** Bytes each consumer draws: UUIDv4 16, nonce 12 (96-bit), key 32 (256-bit). */
export const CONSUMER_BYTES: Record<Consumer, number> = { uuid: 16, nonce: 12, key: 32 };

/** How the SysGenId counter is bumped: never (no driver), by the VMGenID notification (v1-v7), or only by the overseer's TRIGGER_GEN_UPDATE (v8). */
export type SysGenIdMode = 'off' | 'vmgenid' | 'overseer';

/** Guest kernel features of a manifest (the defaults of the kernel settings). */
export interface KernelFeatures {
  /** Linux version, for display ("6.11", "5.10-amzn"). */
  version: string;
  /** The random.c generation the model follows (default: from `version`). */
  generation?: KernelGeneration;
  /** The vCPU's RNG instructions (default intel). */
  cpu?: Cpu;
  /** The vmgenid driver (Linux >= 5.18): reseeds the CRNG on the VMGenID notification. */
  vmgenid: boolean;
  /** Linux 6.8's NEW_VMGENID=1 uevent. */
  vmgenidUevent?: boolean;
  sysgenid: SysGenIdMode;
  /** The kernel zeroes MADV_WIPEONSUSPEND pages at suspend (the RFC; never merged). */
  wipeOnSuspend: boolean;
  /** vDSO getrandom (Linux >= 6.11). */
  vdsoGetrandom: boolean;
  /** Per-clone timing entropy (the setting timingEntropy). */
  jitterEntropy: boolean;
  /** A guest agent reseeds the CRNG after restore (RNDADDENTROPY + RNDRESEEDCRNG). */
  agentReseed: boolean;
  /** Virtual time after resume when the agent's reseed lands, in microseconds. */
  agentDelayUs: number;
  /** Firecracker's VMClock device. */
  vmclock?: boolean;
  /** Guest uptime at the snapshot, seconds. */
  uptimeS?: number;
  /** The guest's wall clock is synced after restore. */
  clockSync?: boolean;
}

export interface ProcessSpec {
  name: string;
  library: LibraryId;
  consumer: Consumer;
}

export interface SecretSpec {
  name: string;
  /** The secret's bytes as lowercase hex (exactly one of hex / text). */
  hex?: string;
  /** The secret as UTF-8 text. */
  text?: string;
  /** madvise(MADV_WIPEONSUSPEND) on the secret's pages. */
  wipeOnSuspend: boolean;
}

/** A guest manifest (public/guest/*.json). */
export interface GuestManifest {
  name: string;
  description: string;
  memoryMiB: number;
  kernel: KernelFeatures;
  processes: ProcessSpec[];
  secrets: SecretSpec[];
  /** Page counts of the guest image; defaults fill in. */
  layout?: { kernelPages?: number; heapPages?: number };
}

/**
 * One library's draw: every clone's outputs as bytes, and the core's collision marks.
 * Output (clone c, draw d) is bytes[(c * draws + d) * width ..][..width].
 */
export interface LibraryDraw {
  library: LibraryId;
  consumer: Consumer;
  /** Bytes per output. */
  width: number;
  clones: number;
  draws: number;
  bytes: Uint8Array;
  /** groups[c * draws + d]: -1 if no other clone has the value, else a dense group number (first occurrence first). */
  groups: Int32Array;
  groupCount: number;
  /** pairs[a * clones + b]: distinct values clones a and b share (empty above the core's matrix limit). */
  pairs: Uint32Array;
  /** Outputs whose value also occurs in another clone. */
  duplicates: number;
  /** Unordered clone pairs sharing at least one value. */
  collidingPairs: number;
  /** The first draw (1-based) from which no draw collides across clones; null if the last one does. */
  firstUniqueDraw: number | null;
  /** The verdict, recomputed from the outputs' equality classes (lab/verdict.ts). */
  verdict: Verdict;
  /** Mean virtual ns per call from the cost model. */
  nsPerCall: number;
  /** Calls aborted by a generation change during the call. */
  aborts: number;
  /** Reseeds performed by the library across clones. */
  reseeds: number;
  /**
   * Per clone, the entropy ledger's bits in the library's generator after the draw: input since
   * restore that nobody holding the snapshot knows (vmm/ledger.ts; at most 256).
   */
  freshEntropyBits: number[];
  /** The most unknown bits one call mixed in by itself (1.1.1's timer: guessable below 32). */
  perCallBits: number;
  /** The draw (1-based) from which every clone's generator held 128 bits; null if one never did. */
  safeFromDraw: number | null;
  /** The first draw whose values differ in every clone with 128 bits behind them (null: none). */
  firstSafeDraw: number | null;
  /** What gave the first clone's generator its bits (the event that ended duplication), if known. */
  endedBy: CauseName | null;
}

/** One draw of every process in a set of VMs. */
export interface DrawResult {
  /** The VMs that drew, in order (row c of each library belongs to vms[c]). */
  vms: number[];
  draws: number;
  libraries: LibraryDraw[];
}

export interface SecretReport {
  name: string;
  hex: string;
  wipeOnSuspend: boolean;
  /** The program asked for MADV_WIPEONSUSPEND and the kernel refused it (EINVAL: it has no such advice). */
  madviseRefused: boolean;
  /** Found by searching the snapshot's bytes (not from the flag). */
  inSnapshot: boolean;
  /** How many times the secret occurs in the memory image. */
  occurrences: number;
  /** Byte offsets in the flat memory image, the first SECRET_OFFSETS_SHOWN of them. */
  offsets: number[];
}

/** Device and kernel RNG state of one VM, read from its guest pages. */
export interface DeviceView {
  vm: number;
  /** The 16-byte VMGenID as hex (from the vmgenid page). */
  vmgenid: string;
  /** base_crng.generation and the vDSO-visible generation. */
  crngGeneration: number;
  vdsoGeneration: number;
  /** First 8 bytes of base_crng.key, hex (to show identical / different keys). */
  crngKeyPrefix: string;
  sysgenid: { counter: number; watchers: number; outdated: number; acked: number } | null;
  clockNs: number;
  /** Virtual time the pending VMGenID notification will be handled, or null. */
  notifyAtNs: number | null;
}

export const TIMELINE_KINDS = [
  'restore',
  'resume',
  'vmgenid-notify',
  'crng-reseed',
  'sysgenid-bump',
  'agent-reseed',
  'periodic-reseed',
  'library-reseed',
  'library-abort',
  'fork',
  'first-unique-draw',
  'draw',
  'interrupt-flush',
  'pm-reseed',
  'vmclock-bump',
  'uevent',
  'vdso-fallback',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** The timeline kind of each core event code (assembly/vmm/events.ts EV_*). */
export const EVENT_KINDS: Readonly<Record<number, TimelineKind>> = {
  [L.EV_RESTORE]: 'restore',
  [L.EV_RESUME]: 'resume',
  [L.EV_VMGENID_NOTIFY]: 'vmgenid-notify',
  [L.EV_CRNG_RESEED]: 'crng-reseed',
  [L.EV_SYSGENID_BUMP]: 'sysgenid-bump',
  [L.EV_AGENT_RESEED]: 'agent-reseed',
  [L.EV_PERIODIC_RESEED]: 'periodic-reseed',
  [L.EV_LIBRARY_RESEED]: 'library-reseed',
  [L.EV_LIBRARY_ABORT]: 'library-abort',
  [L.EV_FORK]: 'fork',
  [L.EV_DRAW]: 'draw',
  [L.EV_INTERRUPT_FLUSH]: 'interrupt-flush',
  [L.EV_PM_RESEED]: 'pm-reseed',
  [L.EV_VMCLOCK_BUMP]: 'vmclock-bump',
  [L.EV_UEVENT]: 'uevent',
  [L.EV_VDSO_FALLBACK]: 'vdso-fallback',
};

/**
 * What the entropy ledger credits for a generator's bits (assembly/vmm/ledger.ts): the event that
 * put them there, or RDRAND in every call, or the boot's own entropy.
 */
export type CauseName =
  | Extract<
      TimelineKind,
      | 'vmgenid-notify'
      | 'crng-reseed'
      | 'sysgenid-bump'
      | 'agent-reseed'
      | 'periodic-reseed'
      | 'library-reseed'
      | 'interrupt-flush'
      | 'pm-reseed'
    >
  | 'rdrand'
  | 'boot';

/** One event on a VM's virtual timeline (the VM's virtual clock in ns; a clone's clock goes on from the snapshot's). */
export interface TimelineEvent {
  vm: number;
  tNs: number;
  kind: TimelineKind;
  /** Library id for library events; free text otherwise. */
  detail: string;
}
