// The core's export surface: flat functions over numeric handles (see DESIGN.md "Layers").
// Every module appends its exports here.

export const CORE_VERSION: u32 = 1;

/** The core's version (bumped when the export surface or a saved layout changes). */
export function coreVersion(): u32 {
  return CORE_VERSION;
}

const IO_BYTES: u32 = 1 << 20;
const io = memory.data(IO_BYTES, 16);

/** A 1 MiB static buffer through which the facade passes bytes in and out of the core. */
export function ioBuffer(): usize {
  return io;
}

/** Size of ioBuffer in bytes. */
export function ioBufferBytes(): u32 {
  return IO_BYTES;
}

export { lastErrorDetail } from './errors';
export {
  guestFramesInUse,
  metaFramesInUse,
  poolFrames,
  freeFrames,
  wasmMemoryBytes,
  setFrameLimit,
  frameLimitNow,
  frameRefcount,
  refcountTableAddr,
  poolBaseAddr,
  allocFrameRun,
  copyFrames,
  fillFrames,
} from './memory/frames';
export {
  bootVm,
  destroyVm,
  vmWrite,
  vmReserveWrite,
  vmRead,
  vmMadvise,
  vmSetRole,
  vmPageEntry,
  vmLeafAddr,
  vmLeafFrame,
  vmState,
  vmPages,
  vmDirtyCount,
  vmIsDirty,
  vmFaults,
  vmCowCopies,
  vmParentSnapshot,
  vmStateAddr,
  vmIdsIssued,
  vmPrivateBytes,
  ensureInit,
} from './memory/guest_memory';
export {
  snapshotVm,
  resumeVm,
  restoreClones,
  restoreFits,
  restoreFramesNeeded,
  snapshotGuestOpFrames,
  mergeSnapshot,
  deleteSnapshot,
  snapshotInfo,
  snapshotPageEntry,
  snapshotLeafAddr,
  snapshotLeafFrame,
  snapshotStateAddr,
  snapshotIdsIssued,
  resetIds,
  snapshotListPages,
  listNextPage,
} from './snapshot/snapshot';
export * from './crypto/chacha20';
export { blake2sInit, blake2sUpdate, blake2sFinal, blake2s, BLAKE2S_STATE_BYTES } from './crypto/blake2s';
export {
  sysgenidSetup,
  sysgenidOpen,
  sysgenidClose,
  sysgenidRead,
  sysgenidWrite,
  sysgenidPoll,
  sysgenidSetTracking,
  sysgenidWaitWatchers,
  sysgenidTrigger,
  sysgenidCounter,
  sysgenidWatchers,
  sysgenidOutdated,
  sysgenidAcked,
  sysgenidOpenFiles,
  sysgenidCounterPage,
  sysgenidVmgenidNotified,
} from './devices/sysgenid';
export {
  kernelBoot,
  layoutNextFree,
  layoutSetData,
  fillGuestPages,
  afterRestore,
  kernelSuspend,
  ledgerBits,
  guestWallClockNs,
  vmclockCounter,
  idleVm,
  vmStateField,
  processField,
  processFacts,
  guestOpFrames,
  vmGuestOpFrames,
  PROCESS_FACTS,
  processCount,
} from './kernel/kernel';
export { spawnProcess, forkProcess, drawVm, drawBuffer, DRAW_BUFFER_BYTES, callEveryProcess } from './guest/processes';
export { aes256SetKey, aes256Encrypt } from './crypto/aes';
export { osslSearch, osslStep } from './libs/attack';
export { ledgerCallClockNs, CALL_CLOCK_PROCS } from './vmm/ledger';
export { O_PUBLIC } from './libs/libraries';
export { ctrDrbgInstantiate, ctrDrbgReseed, ctrDrbgGenerate, DRBG_STATE_BYTES } from './crypto/ctr_drbg';
export { setHostSeed } from './vmm/host_entropy';
export { setCost, cost, costCount } from './vmm/costs';
export { drainEvents, droppedEvents } from './vmm/events';
export { importBegin, importPages, importCommit, importAbort, importsPending, IMPORT_DATA } from './snapshot/import';

// Layout constants as exported globals: the facade reads them (npm run asbuild writes them to
// src/core/wasm/layout.ts), so no byte offset, bit or code is written down twice.
export {
  E_UNKNOWN_VM,
  E_UNKNOWN_SNAPSHOT,
  E_OUT_OF_RANGE,
  E_OUT_OF_GUEST_MEMORY,
  E_INVALID_GUEST_SIZE,
  E_VM_PAUSED,
  E_NO_PARENT_SNAPSHOT,
  E_SNAPSHOT_HAS_CHILDREN,
  E_INVALID_ARGUMENT,
  E_TOO_MANY_OBJECTS,
  E_VM_RUNNING,
  E_NO_RDRAND,
} from './errors';
export {
  E_FRAME_MASK,
  E_PRESENT,
  E_WIPEONFORK,
  E_WIPEONSUSPEND,
  E_DONTDUMP,
  E_WIPED,
  E_ROLE_SHIFT,
  ROLE_FREE,
  ROLE_KERNEL,
  ROLE_KERNEL_RNG,
  ROLE_LIBRARY_STATE,
  ROLE_SECRET,
  ROLE_SYSGENID,
  ROLE_VMGENID,
  ROLE_HEAP,
  LEAF_ENTRIES,
} from './memory/page_table';
export { MIN_PAGES, MAX_PAGES, VMSTATE_BYTES, VS_FEATURES, VS_CLOCK, VS_LINEAGE, VS_SNAPSHOTS_TAKEN } from './memory/guest_memory';
export {
  VS_NOTIFY_AT,
  VS_AGENT_AT,
  VS_RESUME_AT,
  VS_KDATA_PAGE,
  VS_PROC_PAGE,
  VS_NPROC,
  VS_VMGENID_PAGE,
  VS_SYSGENID_PAGE,
  VS_SYSGENID_KPAGE,
  VS_HEAP_PAGE,
  VS_HEAP_PAGES,
  VS_AGENT_DELAY,
  VS_HOST_CTR,
  VS_PROC_AREA_PAGE,
  VS_PROC_AREA_PAGES,
  VS_SECRET_PAGE,
  VS_SECRET_PAGES,
  VS_KERNEL_PAGES,
  FEAT_WIPEONSUSPEND,
  FEAT_VMGENID,
  FEAT_SYSGENID_VMGENID,
  FEAT_SYSGENID_OVERSEER,
  FEAT_VDSO,
  FEAT_JITTER,
  FEAT_AGENT,
  FEAT_RDRAND_EXITS,
  FEAT_GEN_510,
  FEAT_GEN_611,
  FEAT_CPU_RDRAND,
  FEAT_CPU_RDSEED,
  FEAT_CPU_INTEL,
  FEAT_VMCLOCK,
  FEAT_UEVENT,
  FEAT_CLOCK_SYNC,
  VS_TSC_OFFSET,
} from './vmm/vmstate';
export {
  EV_RESTORE,
  EV_RESUME,
  EV_VMGENID_NOTIFY,
  EV_CRNG_RESEED,
  EV_SYSGENID_BUMP,
  EV_AGENT_RESEED,
  EV_PERIODIC_RESEED,
  EV_LIBRARY_RESEED,
  EV_LIBRARY_ABORT,
  EV_FORK,
  EV_DRAW,
  EV_INTERRUPT_FLUSH,
  EV_PM_RESEED,
  EV_VMCLOCK_BUMP,
  EV_UEVENT,
  EV_VDSO_FALLBACK,
} from './vmm/events';
export { SAFE_BITS, TRACKABLE_BITS, CAUSE_RDRAND, CAUSE_BOOT } from './vmm/ledger';
export { VMCLOCK_OFFSET, VC_GENERATION } from './devices/vmclock';
export { TSC_OFFSET_BITS, READ_JITTER_BITS, CYCLES_PER_NS } from './kernel/timing';
export { CRNG_RESEED_INTERVAL_NS, WALL_AT_BOOT_NS, K_NEXT_RESEED, K_WALL_BASE } from './kernel/crng';
export { K_BASE_KEY, K_BASE_GEN, K_CPU_KEY, K_CPU_GEN, K_POOL, K_RESEEDS, K_VDSO_GEN, K_VMGENID_ID, K_GETRANDOM_CALLS } from './kernel/crng';
export {
  MAX_PROCS,
  P_PID,
  P_LIBRARY,
  P_BYTES,
  P_STATE_PAGE,
  P_CALLS,
  P_NS,
  P_RESEEDS,
  P_ABORTS,
  P_FLAGS,
  P_RESTARTS,
  PF_MADVISE_EINVAL,
  LIB_NAIVE,
  LIB_OPENSSL_111,
  LIB_OPENSSL_3,
  LIB_BORINGSSL,
  LIB_WIPEONSUSPEND,
  LIB_AWSLC,
  LIB_AWSLC_UBE,
  LIB_VDSO,
  LIB_GETRANDOM,
  LIB_RDRAND,
  LIB_COUNT,
} from './kernel/process';
