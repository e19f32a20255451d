// The lab's data contracts: guest manifests, run configuration, and the plain-data views the
// app, the CLI and the tests read. Everything here is serialisable (worker messages, JSON).

export const LIBRARY_IDS = [
  'naive',
  'openssl-pid',
  'wipeonfork',
  'wipeonsuspend',
  'sysgenid',
  'vdso',
  'getrandom',
  'rdrand',
] as const;
export type LibraryId = (typeof LIBRARY_IDS)[number];

export const CONSUMERS = ['uuid', 'nonce', 'key'] as const;
export type Consumer = (typeof CONSUMERS)[number];
/** Bytes each consumer draws: UUIDv4 16, nonce 12 (96-bit), key 32 (256-bit). */
export const CONSUMER_BYTES: Record<Consumer, number> = { uuid: 16, nonce: 12, key: 32 };

/** How the SysGenId counter is bumped: never (no driver), by the VMGenID notification (v1-v7), or only by the overseer's TRIGGER_GEN_UPDATE (v8). */
export type SysGenIdMode = 'off' | 'vmgenid' | 'overseer';

/** Guest kernel features (per VM, fixed at boot). */
export interface KernelFeatures {
  /** Linux version the model follows, for display ("6.11"). */
  version: string;
  /** The vmgenid driver (Linux >= 5.18): reseeds the CRNG on the VMGenID notification. */
  vmgenid: boolean;
  sysgenid: SysGenIdMode;
  /** The kernel zeroes MADV_WIPEONSUSPEND pages at suspend (the RFC; never merged). */
  wipeOnSuspend: boolean;
  /** vDSO getrandom (Linux >= 6.11). */
  vdsoGetrandom: boolean;
  /** Per-clone timing-jitter entropy mixed at each periodic reseed (off: deterministic). */
  jitterEntropy: boolean;
  /** A guest agent reseeds the CRNG after restore (RNDADDENTROPY + RNDRESEEDCRNG). */
  agentReseed: boolean;
  /** Virtual time after resume when the agent's reseed lands, in microseconds. */
  agentDelayUs: number;
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

/** One run's settings: a guest plus the overrides a person or a flag sets. */
export interface RunConfig {
  guest: GuestManifest;
  /** Replace the guest's processes by one process per library (the guest's consumer, or `consumer`). */
  libraries?: LibraryId[];
  consumer?: Consumer;
  clones: number;
  draws: number;
  /** Override kernel features. */
  vmgenid?: boolean;
  sysgenid?: boolean;
  wipeOnSuspend?: boolean;
  /** δ: virtual time between vCPU resume and the guest handling the VMGenID notification. */
  notifyDelayUs: number;
  /** Virtual time a process spends between two draws (request handling), microseconds. */
  drawIntervalUs?: number;
  snapshot: 'full' | 'diff';
  memoryMiB?: number;
  seed: number;
  lazy?: boolean;
}

/** Collision statistics of one library over all clones' outputs (computed in the core). */
export interface CollisionStats {
  /** Outputs whose value also occurs in another clone. */
  duplicates: number;
  /** Unordered clone pairs sharing at least one value. */
  collidingPairs: number;
  /** First draw index from which no draw collides across clones (= draws if the last one does). */
  firstUniqueDraw: number;
}

export interface LibraryReport extends CollisionStats {
  library: LibraryId;
  consumer: Consumer;
  /** outputs[clone][draw]: UUID text for uuid, lowercase hex otherwise. */
  outputs: string[][];
  /** Mean virtual ns per call from the cost model. */
  nsPerCall: number;
  /** Calls aborted by a generation change during the call (sysgenid). */
  aborts: number;
  /** Reseeds performed by the library across clones. */
  reseeds: number;
  /**
   * groups[clone][draw]: for an output whose value occurs in another clone, the index (clone *
   * draws + draw) of the value's first occurrence — equal numbers mark equal values; -1 otherwise.
   */
  groups: number[][];
  /** matrix[a][b]: distinct values clones a and b share (null above 256 clones). */
  matrix: number[][] | null;
}

export interface SecretReport {
  name: string;
  hex: string;
  wipeOnSuspend: boolean;
  /** Found by searching the snapshot's bytes (not from the flag). */
  inSnapshot: boolean;
  /** Byte offsets in the flat memory image where the secret occurs. */
  offsets: number[];
}

/** The CLI's --json object (DESIGN.md "CLI contract") and the app's run summary. */
export interface RunReport {
  seed: number;
  clones: number;
  draws: number;
  guest: string;
  snapshot: { type: 'full' | 'diff'; pages: number; wipedPages: number; bytes: number };
  secrets: SecretReport[];
  libraries: LibraryReport[];
  memory: { wasmBytes: number; bytesPerClone: number; faults: number };
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

export type TimelineKind =
  | 'restore'
  | 'resume'
  | 'vmgenid-notify'
  | 'crng-reseed'
  | 'sysgenid-bump'
  | 'agent-reseed'
  | 'periodic-reseed'
  | 'library-reseed'
  | 'library-abort'
  | 'fork'
  | 'first-unique-draw'
  | 'draw';

/** One event on a VM's virtual timeline (the VM's virtual clock in ns; a clone's clock goes on from the snapshot's). */
export interface TimelineEvent {
  vm: number;
  tNs: number;
  kind: TimelineKind;
  /** Library id for library events; free text otherwise. */
  detail: string;
}
