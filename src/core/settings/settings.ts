// The lab's ONE settings model: every knob of the app, the CLI, permalinks, saved sessions, the
// matrix, scenarios and exports is a key of LabSettings, described once in SETTINGS (its label,
// flag, limits, default and when it takes effect). Flags, controls, schema and help read that table.
//
// Invariants:
// - LabSettings is always whole: resolveSettings() fills every key (from the guest manifest where
//   SETTINGS says `fromGuest`, else from the table's default). A SettingsPatch is partial.
// - Limits are the same everywhere: the CLI refuses, the app says so next to the field, links and
//   saved sessions are refused by the same schema (settings/schema.ts). Nothing is clamped.
// - Boot-time keys take effect at the next boot (a running guest keeps its kernel, as a real one
//   would); the others where `applies` says.

import {
  CONSUMERS,
  CPUS,
  generationOf,
  KERNEL_GENERATIONS,
  LIBRARY_IDS,
  type Consumer,
  type Cpu,
  type GuestManifest,
  type KernelGeneration,
  type LibraryId,
} from '../lab/types';

export { CPUS, generationOf, KERNEL_GENERATIONS, type Cpu, type KernelGeneration };

export const SYSGENID_BUMPS = ['vmgenid', 'overseer'] as const;
/** Who bumps SysGenId after a restore: the VMGenID notification (v1-v7) or the overseer (v8). */
export type SysGenIdBump = (typeof SYSGENID_BUMPS)[number];
export const SNAPSHOT_TYPES = ['full', 'diff'] as const;
export type SnapshotType = (typeof SNAPSHOT_TYPES)[number];

/** Every setting of the lab, resolved. */
export interface LabSettings {
  /** A shipped guest manifest's name. */
  guest: string;
  /** Seed of the host entropy: same seed and actions, same bytes. */
  seed: number;
  memoryMiB: number;
  /** 'guest': the guest's processes; else one process per listed library. */
  libraries: 'guest' | LibraryId[];
  /** 'guest': each process's own consumer; else every process draws this. */
  consumer: 'guest' | Consumer;
  kernel: KernelGeneration;
  cpu: Cpu;
  vmgenid: boolean;
  /** Linux 6.8's vmgenid uevent (NEW_VMGENID=1). */
  vmgenidUevent: boolean;
  sysgenid: boolean;
  sysgenidBump: SysGenIdBump;
  wipeOnSuspend: boolean;
  vdso: boolean;
  agent: boolean;
  agentDelayUs: number;
  /** Per-clone timing entropy (cycle counter, interrupt timings) from the moment of restore. */
  timingEntropy: boolean;
  /** Firecracker's VMClock device (vm_generation_counter page). */
  vmclock: boolean;
  /** Guest uptime when the snapshot is taken, seconds. */
  uptimeS: number;
  /** The guest's wall clock is moved to the host's time after restore. */
  clockSync: boolean;
  /** How long the snapshot waited before the clones were restored, seconds. */
  snapshotAgeS: number;
  clones: number;
  draws: number;
  /** δ: µs between vCPU resume and the guest handling the VMGenID notification. */
  notifyDelayUs: number;
  /** Virtual µs between two draw rounds. */
  drawIntervalUs: number;
  snapshot: SnapshotType;
  lazy: boolean;
  /** Heap pages a Touch writes. */
  touchPages: number;
}

export type SettingKey = keyof LabSettings;
export type SettingsPatch = Partial<LabSettings>;

/** When a setting takes effect. */
export type Applies = 'boot' | 'snapshot' | 'restore' | 'draw' | 'touch';

/** The kinds of values, with what the CLI and the app accept. */
export type SettingType =
  | { type: 'whole'; min: number; max: number; unit?: string }
  | { type: 'number'; min: number; max: number; unit: string }
  | { type: 'bool' }
  | { type: 'choice'; options: readonly string[] }
  | { type: 'libraries' }
  | { type: 'consumer' }
  | { type: 'name' };

export type SettingSpec = SettingType & {
  key: SettingKey;
  /** The label of the app's control, and the name messages use. */
  label: string;
  /** The CLI flag. */
  flag: `--${string}`;
  applies: Applies;
  /** The default comes from the guest manifest (else `default`). */
  fromGuest: boolean;
  /** The default where the guest says nothing. */
  default: LabSettings[SettingKey];
  help: string;
};

/** The most libraries (processes) a guest runs (the core's MAX_PROCS). */
export const MAX_LIBRARIES = 64;
/** The largest seed: seeds are u32 in the core. */
export const MAX_SEED = 2 ** 32 - 1;
/** µs limits: 1,000 s of virtual time, far beyond any race window. */
export const MAX_MICROSECONDS = 1e9;

/** Every setting, in the order help, controls and messages list them. */
export const SETTINGS: readonly SettingSpec[] = [
  {
    key: 'guest',
    label: 'Guest',
    flag: '--guest',
    type: 'name',
    applies: 'boot',
    fromGuest: false,
    default: 'default',
    help: 'guest manifest: a shipped guest (see `uniqueness-lab guests`); the CLI also takes a .json file',
  },
  {
    key: 'seed',
    label: 'Seed',
    flag: '--seed',
    type: 'whole',
    min: 0,
    max: MAX_SEED,
    applies: 'boot',
    fromGuest: false,
    default: 1,
    help: 'seed of the host entropy (boot entropy, VMGenIDs, RDRAND, timing): same seed and actions, same bytes',
  },
  {
    key: 'memoryMiB',
    label: 'Memory (MiB)',
    flag: '--memory-mib',
    type: 'whole',
    min: 16,
    max: 1024,
    unit: 'MiB',
    applies: 'boot',
    fromGuest: true,
    default: 128,
    help: 'guest memory size',
  },
  {
    key: 'libraries',
    label: 'Library',
    flag: '--library',
    type: 'libraries',
    applies: 'boot',
    fromGuest: false,
    default: 'guest',
    help: `"guest" (the guest's processes), "all", or one process per library listed: ${LIBRARY_IDS.join(', ')}`,
  },
  {
    key: 'consumer',
    label: 'Output kind',
    flag: '--consumer',
    type: 'consumer',
    applies: 'boot',
    fromGuest: false,
    default: 'guest',
    help: `what each draw makes: "guest" (each process's own), ${CONSUMERS.join(', ')} (UUIDv4, 96-bit nonce, 256-bit key)`,
  },
  {
    key: 'kernel',
    label: 'Kernel',
    flag: '--kernel',
    type: 'choice',
    options: KERNEL_GENERATIONS,
    applies: 'boot',
    fromGuest: true,
    default: '6.1',
    help: 'the random.c generation the guest kernel follows: 5.10 (pre-5.17), 6.1 (vmgenid driver, scheduled reseeds), 6.11 (+ vDSO getrandom)',
  },
  {
    key: 'cpu',
    label: 'CPU',
    flag: '--cpu',
    type: 'choice',
    options: CPUS,
    applies: 'boot',
    fromGuest: true,
    default: 'intel',
    help: 'the vCPU: intel (RDRAND/RDSEED, fast RDRAND), amd (RDRAND/RDSEED), none (neither)',
  },
  {
    key: 'vmgenid',
    label: 'VMGenID',
    flag: '--vmgenid',
    type: 'bool',
    applies: 'boot',
    fromGuest: true,
    default: false,
    help: "the guest kernel's vmgenid driver (reseeds the CRNG on the VMGenID notification)",
  },
  {
    key: 'vmgenidUevent',
    label: 'VMGenID uevent',
    flag: '--vmgenid-uevent',
    type: 'bool',
    applies: 'boot',
    fromGuest: true,
    default: false,
    help: 'Linux 6.8: the vmgenid driver also emits a NEW_VMGENID=1 uevent userspace can wait on',
  },
  {
    key: 'sysgenid',
    label: 'SysGenId',
    flag: '--sysgenid',
    type: 'bool',
    applies: 'boot',
    fromGuest: true,
    default: false,
    help: 'the SysGenId driver (/dev/sysgenid generation counter)',
  },
  {
    key: 'sysgenidBump',
    label: 'SysGenId bump',
    flag: '--sysgenid-bump',
    type: 'choice',
    options: SYSGENID_BUMPS,
    applies: 'boot',
    fromGuest: true,
    default: 'vmgenid',
    help: 'who bumps SysGenId after a restore: the VMGenID notification (v1-v7) or the overseer (v8)',
  },
  {
    key: 'wipeOnSuspend',
    label: 'MADV_WIPEONSUSPEND',
    flag: '--wipeonsuspend',
    type: 'bool',
    applies: 'boot',
    fromGuest: true,
    default: false,
    help: 'guest kernel support for MADV_WIPEONSUSPEND (flagged pages zeroed at suspend)',
  },
  {
    key: 'vdso',
    label: 'vDSO getrandom',
    flag: '--vdso',
    type: 'bool',
    applies: 'boot',
    fromGuest: true,
    default: false,
    help: 'vDSO getrandom (Linux >= 6.11): per-thread state that rekeys when the CRNG generation changes',
  },
  {
    key: 'agent',
    label: 'Reseed agent',
    flag: '--agent',
    type: 'bool',
    applies: 'boot',
    fromGuest: true,
    default: false,
    help: 'a guest agent reseeds the CRNG after restore (RNDADDENTROPY + RNDRESEEDCRNG)',
  },
  {
    key: 'agentDelayUs',
    label: 'Agent delay (µs)',
    flag: '--agent-delay-us',
    type: 'number',
    min: 0,
    max: MAX_MICROSECONDS,
    unit: 'µs',
    applies: 'boot',
    fromGuest: true,
    default: 0,
    help: "virtual time after resume when the agent's reseed lands",
  },
  {
    key: 'timingEntropy',
    label: 'Timing entropy',
    flag: '--timing-entropy',
    type: 'bool',
    applies: 'boot',
    fromGuest: true,
    default: true,
    help: "per-clone timing entropy (cycle counter, interrupt timings) from the moment of restore, derived from the seed and the clone's place",
  },
  {
    key: 'vmclock',
    label: 'VMClock',
    flag: '--vmclock',
    type: 'bool',
    applies: 'boot',
    fromGuest: true,
    default: false,
    help: "Firecracker's VMClock device: a vm_generation_counter page bumped when a snapshot is loaded",
  },
  {
    key: 'uptimeS',
    label: 'Uptime at snapshot (s)',
    flag: '--uptime-s',
    type: 'number',
    min: 0,
    max: 1e6,
    unit: 's',
    applies: 'snapshot',
    fromGuest: true,
    default: 30,
    help: 'guest uptime when the snapshot is taken (the kernel reseed schedule depends on it)',
  },
  {
    key: 'clockSync',
    label: 'Clock sync after restore',
    flag: '--clock-sync',
    type: 'bool',
    applies: 'restore',
    fromGuest: true,
    default: false,
    help: "the guest's wall clock is moved to the host's time after restore (Firecracker does not do it by itself)",
  },
  {
    key: 'snapshotAgeS',
    label: 'Snapshot age (s)',
    flag: '--snapshot-age-s',
    type: 'number',
    min: 0,
    max: 1e8,
    unit: 's',
    applies: 'restore',
    fromGuest: false,
    default: 0,
    help: "how long the snapshot waited before the restore: the host's clock moved on; the guest's wall clock (time(NULL)) follows only with clock sync",
  },
  {
    key: 'clones',
    label: 'Clones',
    flag: '--clones',
    type: 'whole',
    min: 1,
    max: 10000,
    applies: 'restore',
    fromGuest: false,
    default: 4,
    help: 'clones restored from the snapshot',
  },
  {
    key: 'draws',
    label: 'Draws',
    flag: '--draws',
    type: 'whole',
    min: 1,
    max: 100000,
    applies: 'draw',
    fromGuest: false,
    default: 16,
    help: 'outputs each process draws in each clone',
  },
  {
    key: 'notifyDelayUs',
    label: 'Notify delay (µs)',
    flag: '--notify-delay-us',
    type: 'number',
    min: 0,
    max: MAX_MICROSECONDS,
    unit: 'µs',
    applies: 'restore',
    fromGuest: false,
    default: 0,
    help: 'δ: time from vCPU resume until the guest handles the VMGenID notification (the race window)',
  },
  {
    key: 'drawIntervalUs',
    label: 'Draw interval (µs)',
    flag: '--draw-interval-us',
    type: 'number',
    min: 0,
    max: MAX_MICROSECONDS,
    unit: 'µs',
    applies: 'draw',
    fromGuest: false,
    default: 5,
    help: 'virtual time a process spends between two draws (request handling)',
  },
  {
    key: 'snapshot',
    label: 'Snapshot type',
    flag: '--snapshot',
    type: 'choice',
    options: SNAPSHOT_TYPES,
    applies: 'snapshot',
    fromGuest: false,
    default: 'full',
    help: 'every page, or only the pages dirty since the parent snapshot',
  },
  {
    key: 'lazy',
    label: 'Lazy restore',
    flag: '--lazy',
    type: 'bool',
    applies: 'restore',
    fromGuest: false,
    default: false,
    help: 'pages load on first touch and first-touch faults are counted (userfaultfd-like)',
  },
  {
    key: 'touchPages',
    label: 'Pages to write',
    flag: '--touch-pages',
    type: 'whole',
    min: 1,
    max: 262144,
    applies: 'touch',
    fromGuest: false,
    default: 64,
    help: 'heap pages a Touch writes (copy-on-write, dirty tracking); a diff run writes them before its diff snapshot',
  },
];

/** The spec of one setting. */
export function settingSpec(key: SettingKey): SettingSpec {
  const s = SETTINGS.find((x) => x.key === key);
  if (!s) throw new Error(`no setting ${key}`);
  return s;
}

/** The values a guest manifest gives the settings marked `fromGuest`. */
export function guestDefaults(g: GuestManifest): Pick<LabSettings, GuestKey> {
  const k = g.kernel;
  return {
    memoryMiB: g.memoryMiB,
    kernel: k.generation ?? generationOf(k.version),
    cpu: k.cpu ?? 'intel',
    vmgenid: k.vmgenid,
    vmgenidUevent: k.vmgenidUevent ?? false,
    sysgenid: k.sysgenid !== 'off',
    sysgenidBump: k.sysgenid === 'overseer' ? 'overseer' : 'vmgenid',
    wipeOnSuspend: k.wipeOnSuspend,
    vdso: k.vdsoGetrandom,
    agent: k.agentReseed,
    agentDelayUs: k.agentDelayUs,
    timingEntropy: k.jitterEntropy,
    vmclock: k.vmclock ?? false,
    uptimeS: k.uptimeS ?? 30,
    clockSync: k.clockSync ?? false,
  };
}

export type GuestKey =
  | 'memoryMiB'
  | 'kernel'
  | 'cpu'
  | 'vmgenid'
  | 'vmgenidUevent'
  | 'sysgenid'
  | 'sysgenidBump'
  | 'wipeOnSuspend'
  | 'vdso'
  | 'agent'
  | 'agentDelayUs'
  | 'timingEntropy'
  | 'vmclock'
  | 'uptimeS'
  | 'clockSync';

/** Keys whose default the guest gives: switching guests resets them. */
export const GUEST_KEYS: readonly GuestKey[] = SETTINGS.filter((s) => s.fromGuest).map(
  (s) => s.key as GuestKey,
);

/** The table's own defaults (for the keys the guest does not give). */
export function tableDefaults(): LabSettings {
  return Object.fromEntries(
    SETTINGS.map((s) => [s.key, structuredClone(s.default)]),
  ) as unknown as LabSettings;
}

/**
 * Whole settings: the patch's values, the guest's for `fromGuest` keys it leaves out, the table's
 * defaults for the rest. The guest named by the patch (or `guest.name`) must be `guest`.
 */
export function resolveSettings(guest: GuestManifest, patch: SettingsPatch = {}): LabSettings {
  const out = { ...tableDefaults(), ...guestDefaults(guest), guest: guest.name } as LabSettings;
  for (const [k, v] of Object.entries(patch)) {
    if (v !== undefined && k !== 'guest') (out as unknown as Record<string, unknown>)[k] = structuredClone(v);
  }
  return out;
}

/**
 * Settings after a change: a new guest brings its own values for the guest keys (unless the
 * change sets them too); every other key keeps its value unless the change sets it.
 */
export function applyPatch(current: LabSettings, patch: SettingsPatch, guest: GuestManifest): LabSettings {
  const base: SettingsPatch = { ...current };
  if (patch.guest !== undefined && patch.guest !== current.guest) for (const k of GUEST_KEYS) delete base[k];
  return resolveSettings(guest, { ...base, ...patch });
}

/** The keys whose values differ (deep for lists), as a patch of `next`'s values. */
export function settingsDiff(from: LabSettings, next: LabSettings): SettingsPatch {
  const out: SettingsPatch = {};
  for (const s of SETTINGS) {
    const a = from[s.key];
    const b = next[s.key];
    if (JSON.stringify(a) !== JSON.stringify(b)) (out as Record<string, unknown>)[s.key] = structuredClone(b);
  }
  return out;
}

/** The guest's processes as the settings shape them: one per library, or the guest's own. */
export function processesOf(guest: GuestManifest, s: Pick<LabSettings, 'libraries' | 'consumer'>) {
  const fallback: Consumer = guest.processes[0]?.consumer ?? 'uuid';
  if (s.libraries === 'guest')
    return guest.processes.map((p) => ({ ...p, consumer: s.consumer === 'guest' ? p.consumer : s.consumer }));
  return s.libraries.map((library, i) => ({
    name: `${library}-${i}`,
    library,
    consumer: s.consumer === 'guest' ? fallback : s.consumer,
  }));
}

/** Every library, in the lab's order (what "all" means). */
export const ALL_LIBRARIES: readonly LibraryId[] = LIBRARY_IDS;

/** A combination of settings no real guest has, and why (null if the settings are coherent). */
export interface SettingsConflict {
  keys: SettingKey[];
  message: string;
}

/**
 * Checks what one setting's limits cannot: combinations of kernel features that no kernel of the
 * chosen generation has, and a library the vCPU cannot run. `libraries`: the libraries the guest
 * will run (the settings' own list, or the guest's processes').
 */
export function settingsConflict(s: LabSettings, libraries: readonly LibraryId[]): SettingsConflict | null {
  if (s.vdso && s.kernel !== '6.11')
    return {
      keys: ['vdso', 'kernel'],
      message: `vDSO getrandom arrived in Linux 6.11; kernel ${s.kernel} has none (set kernel 6.11, or vdso off)`,
    };
  if (s.vmgenid && s.kernel === '5.10')
    return {
      keys: ['vmgenid', 'kernel'],
      message:
        'the vmgenid driver arrived in Linux 5.18; kernel 5.10 has none (set kernel 6.1 or 6.11, or vmgenid off)',
    };
  if (s.sysgenid && s.sysgenidBump === 'vmgenid' && s.vmgenid)
    return {
      keys: ['sysgenidBump', 'vmgenid'],
      message:
        "SysGenId's v1-v7 backend is itself a driver for the VMGenID device (its own drivers/virt/vmgenid.c): it cannot bind beside the mainline vmgenid driver. Use sysgenid-bump overseer (v8: userspace bumps it), or vmgenid off",
    };
  if (s.vmgenidUevent && !s.vmgenid)
    return {
      keys: ['vmgenidUevent', 'vmgenid'],
      message: 'the NEW_VMGENID uevent is sent by the vmgenid driver: turn VMGenID on, or the uevent off',
    };
  if (s.cpu === 'none' && libraries.includes('rdrand'))
    return {
      keys: ['cpu', 'libraries'],
      message:
        'the rdrand library needs RDRAND and cpu none has none (CPUID.01H:ECX bit 30 clear; a real program dies of SIGILL): choose cpu intel or amd, or another library',
    };
  return null;
}
