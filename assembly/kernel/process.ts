// Guest processes: a process table in a kernel page, one state page per process (where its RNG
// library keeps its state), pids from the kernel's counter, fork with MADV_WIPEONFORK.
//
// process table page (role kernel), 64-byte entries, at most MAX_PROCS:
//    0 pid u32        4 library u32     8 bytes per draw u32   12 state page u32
//   16 calls u64     24 ns spent f64   32 reseeds u32         36 aborts u32
//   40 in use u32    44 parent pid u32 48 last reseed f64 (virtual ns)
//   56 flags u32 (PF_*)  60 restarts u32 (AWS-LC abort(): the process was started again)

import { pageForRead, pageForWrite } from '../memory/guest_memory';
import { E_DONTDUMP, E_WIPEONFORK, E_WIPEONSUSPEND, readEntry } from '../memory/page_table';
import { vs, VS_NPROC, VS_PROC_AREA_PAGE, VS_PROC_AREA_PAGES, VS_PROC_PAGE } from '../vmm/vmstate';
import { K_NEXT_PID, kdataW } from './crng';

export const MAX_PROCS: u32 = 64;
export const P_PID: usize = 0;
export const P_LIBRARY: usize = 4;
export const P_BYTES: usize = 8;
export const P_STATE_PAGE: usize = 12;
export const P_CALLS: usize = 16;
export const P_NS: usize = 24;
export const P_RESEEDS: usize = 32;
export const P_ABORTS: usize = 36;
export const P_IN_USE: usize = 40;
export const P_PARENT: usize = 44;
export const P_LAST_RESEED: usize = 48;
export const P_FLAGS: usize = 56;
export const P_RESTARTS: usize = 60;
/** madvise(MADV_WIPEONSUSPEND) returned EINVAL: the kernel has no such advice; the page is unflagged. */
export const PF_MADVISE_EINVAL: u32 = 1;

// Library ids (the process table stores them; ids 0-7 kept their numbers from the first model,
// so old snapshot files load: openssl-pid = openssl-1.1.1, wipeonfork = boringssl, sysgenid =
// aws-lc)
export const LIB_NAIVE: u32 = 0; // java.util.Random
export const LIB_OPENSSL_111: u32 = 1; // OpenSSL 1.1.1w RAND_bytes
export const LIB_BORINGSSL: u32 = 2; // BoringSSL RAND_bytes (per-thread CTR-DRBG)
export const LIB_WIPEONSUSPEND: u32 = 3; // the paper's MADV_WIPEONSUSPEND library
export const LIB_AWSLC: u32 = 4; // AWS-LC v1.50 (SysGenId "snapsafe")
export const LIB_VDSO: u32 = 5; // glibc getrandom() over the 6.11 vDSO
export const LIB_GETRANDOM: u32 = 6; // the getrandom(2) syscall
export const LIB_RDRAND: u32 = 7; // RDRAND
export const LIB_OPENSSL_3: u32 = 8; // OpenSSL 3.0.x RAND_bytes
export const LIB_AWSLC_UBE: u32 = 9; // AWS-LC main (crypto/ube: fork + SysGenID)
export const LIB_COUNT: u32 = 10;

/** Host address of process entry i for writing. */
// @ts-ignore: decorator
@inline export function procW(r: usize, i: u32): usize {
  return pageForWrite(r, load<u32>(vs(r, VS_PROC_PAGE))) + <usize>(i << 6);
}

/** Host address of process entry i for reading. */
// @ts-ignore: decorator
@inline export function procR(r: usize, i: u32): usize {
  return pageForRead(r, load<u32>(vs(r, VS_PROC_PAGE))) + <usize>(i << 6);
}

/** Number of process slots used. */
export function procCount(r: usize): u32 {
  return load<u32>(vs(r, VS_NPROC));
}

/** madvise flags a library puts on its state page. */
export function libraryPageFlags(lib: u32): u32 {
  // BoringSSL and AWS-LC detect fork with a MADV_WIPEONFORK page (crypto/rand/fork_detect.cc);
  // the model keeps the DRBG in that page, so fork zeroes both (same outcome: the child reseeds)
  if (lib == LIB_BORINGSSL || lib == LIB_AWSLC || lib == LIB_AWSLC_UBE) return E_WIPEONFORK;
  if (lib == LIB_WIPEONSUSPEND) return E_WIPEONSUSPEND;
  if (lib == LIB_VDSO) return E_WIPEONFORK | E_DONTDUMP; // MAP_DROPPABLE
  return 0;
}

/** Allocates a process slot and a pid; returns the slot or -1 when the table is full. */
export function newProcess(r: usize, lib: u32, bytes: u32, parentPid: u32): i32 {
  const n = procCount(r);
  if (n >= MAX_PROCS || n >= load<u32>(vs(r, VS_PROC_AREA_PAGES))) return -1;
  const k = kdataW(r);
  const pid = load<u32>(k + K_NEXT_PID);
  store<u32>(k + K_NEXT_PID, pid + 1);
  const e = procW(r, n);
  memory.fill(e, 0, 64);
  store<u32>(e + P_PID, pid);
  store<u32>(e + P_LIBRARY, lib);
  store<u32>(e + P_BYTES, bytes);
  store<u32>(e + P_STATE_PAGE, load<u32>(vs(r, VS_PROC_AREA_PAGE)) + n);
  store<u32>(e + P_IN_USE, 1);
  store<u32>(e + P_PARENT, parentPid);
  store<u32>(vs(r, VS_NPROC), n + 1);
  return <i32>n;
}

/** True if the entry of guest page p carries WIPEONFORK. */
export function pageWipesOnFork(top: u32, p: u32): bool {
  return (readEntry(top, p) & E_WIPEONFORK) != 0;
}
