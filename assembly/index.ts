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
  mergeSnapshot,
  deleteSnapshot,
  snapshotInfo,
  snapshotPageEntry,
  snapshotLeafAddr,
  snapshotLeafFrame,
  snapshotStateAddr,
  snapshotIdsIssued,
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
export { newVector, freeVector, vectorFrames } from './memory/frame_vector';
export { collide, collideStat, MATRIX_MAX_CLONES } from './collide/collisions';
export {
  kernelBoot,
  layoutNextFree,
  layoutSetData,
  fillGuestPages,
  spawnProcess,
  forkProcess,
  afterRestore,
  drawVm,
  idleVm,
  vmStateField,
  processField,
  processCount,
} from './kernel/kernel';
export { setHostSeed } from './vmm/host_entropy';
export { setCost, cost, costCount } from './vmm/costs';
export { drainEvents, droppedEvents } from './vmm/events';
export { importBegin, importPages, importCommit, importAbort, importsPending, IMPORT_DATA } from './snapshot/import';
