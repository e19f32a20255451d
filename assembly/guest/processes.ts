// Guest processes: spawn (library init and a warm-up call), fork (MADV_WIPEONFORK), and draw
// rounds in which every process calls its RNG library. This module sits above both the kernel
// and the libraries: the libraries call into the kernel (getrandom, vDSO), never the other way.

import { E_NO_RDRAND, E_OUT_OF_GUEST_MEMORY, E_UNKNOWN_VM, E_VM_PAUSED, E_INVALID_ARGUMENT, E_TOO_MANY_OBJECTS, fail } from '../errors';
import { PAGE_SIZE } from '../memory/frames';
import { beginCallCache, endCallCache, pageForRead, pageForWrite, recState, VM_RUNNING, vmRec, vmSetRole, vmMadvise } from '../memory/guest_memory';
import { ROLE_LIBRARY_STATE, E_WIPEONFORK, E_WIPEONSUSPEND } from '../memory/page_table';
import { EV_DRAW, EV_FORK, logEvent } from '../vmm/events';
import { ledgerCopyProc, ledgerDrawDone, ledgerDrawStart } from '../vmm/ledger';
import { advance, clockOf, FEAT_CPU_RDRAND, FEAT_WIPEONSUSPEND, hasFeature } from '../vmm/vmstate';
import { reserveForGuestOps } from '../kernel/kernel';
import { getRandomBytes } from '../kernel/crng';
import { runDueEvents } from '../kernel/events_due';
import {
  libraryPageFlags,
  LIB_COUNT,
  LIB_RDRAND,
  MAX_PROCS,
  newProcess,
  P_BYTES,
  P_FLAGS,
  P_LIBRARY,
  P_PID,
  P_STATE_PAGE,
  PF_MADVISE_EINVAL,
  procCount,
  procR,
  procW,
} from '../kernel/process';
import { libGenerate, libInit } from '../libs/libraries';

const SCRATCH_OUT = memory.data(64, 16);

/**
 * madvise(2) of a process's state page with its library's advice. MADV_WIPEONSUSPEND was never
 * merged: a kernel without it returns EINVAL for the unknown advice (mm/madvise.c
 * madvise_behavior_valid) and the page stays unflagged; the process notes it (PF_MADVISE_EINVAL).
 */
function adviseStatePage(vm: u32, r: usize, i: u32, page: u32, lib: u32): void {
  let flags = libraryPageFlags(lib);
  if (flags & E_WIPEONSUSPEND && !hasFeature(r, FEAT_WIPEONSUSPEND)) {
    flags &= ~E_WIPEONSUSPEND;
    const e = procW(r, i);
    store<u32>(e + P_FLAGS, load<u32>(e + P_FLAGS) | PF_MADVISE_EINVAL);
  }
  if (flags != 0) vmMadvise(vm, <f64>page * PAGE_SIZE, PAGE_SIZE, flags, 0);
}

/**
 * Starts a process running library `lib` that draws `bytes` per call: a pid, a state page with
 * the library's madvise flags, the library's init, and one warm-up call (the application's
 * initialisation uses its RNG before the snapshot). Returns the process index or an error
 * (E_NO_RDRAND: the rdrand library on a vCPU without RDRAND would die of SIGILL).
 */
export function spawnProcess(vm: u32, lib: u32, bytes: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  if (lib >= LIB_COUNT || bytes == 0 || bytes > 64) return fail(E_INVALID_ARGUMENT, lib);
  if (lib == LIB_RDRAND && !hasFeature(r, FEAT_CPU_RDRAND)) return fail(E_NO_RDRAND, lib);
  if (procCount(r) >= MAX_PROCS) return fail(E_TOO_MANY_OBJECTS, MAX_PROCS);
  if (!reserveForGuestOps(r)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * (6 + procCount(r)));
  const i = <u32>newProcess(r, lib, bytes, 0);
  const page = load<u32>(procR(r, i) + P_STATE_PAGE);
  vmSetRole(vm, page, 1, ROLE_LIBRARY_STATE);
  adviseStatePage(vm, r, i, page, lib);
  libInit(r, vm, i);
  libGenerate(r, vm, i, SCRATCH_OUT, bytes);
  return <i32>i;
}

/**
 * The end of the application's initialisation at the snapshot's uptime: the kernel draws for the
 * init's own process start (exec's stack canary and ASLR offsets: get_random_bytes), then every
 * process makes one call of its library (a function's init uses its RNG up to the snapshot). In
 * 6.1 and 5.10, whose CRNG reseeds on demand, this is what last reseeds it before the snapshot,
 * whatever libraries the guest runs.
 */
export function callEveryProcess(vm: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  if (!reserveForGuestOps(r)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * (6 + procCount(r)));
  const n = procCount(r);
  runDueEvents(r, vm);
  getRandomBytes(r, vm, SCRATCH_OUT, 16);
  for (let i: u32 = 0; i < n; i++) libGenerate(r, vm, i, SCRATCH_OUT, load<u32>(procR(r, i) + P_BYTES));
  return <i32>n;
}

/**
 * fork(2) of process i: the child gets a new pid and a copy of the parent's state page —
 * except that a MADV_WIPEONFORK page reads as zeros in the child. Returns the child's index.
 */
export function forkProcess(vm: u32, i: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  if (i >= procCount(r)) return fail(E_INVALID_ARGUMENT, i);
  if (procCount(r) >= MAX_PROCS) return fail(E_TOO_MANY_OBJECTS, MAX_PROCS);
  if (!reserveForGuestOps(r)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * (6 + procCount(r)));
  const lib = load<u32>(procR(r, i) + P_LIBRARY);
  const c = <u32>newProcess(r, lib, load<u32>(procR(r, i) + P_BYTES), load<u32>(procR(r, i) + P_PID));
  const src = load<u32>(procR(r, i) + P_STATE_PAGE);
  const dst = load<u32>(procR(r, c) + P_STATE_PAGE);
  vmSetRole(vm, dst, 1, ROLE_LIBRARY_STATE);
  adviseStatePage(vm, r, c, dst, lib);
  if (libraryPageFlags(lib) & E_WIPEONFORK) memory.fill(pageForWrite(r, dst), 0, PAGE_SIZE);
  else memory.copy(pageForWrite(r, dst), pageForRead(r, src), PAGE_SIZE);
  ledgerCopyProc(vm, i, c);
  logEvent(vm, EV_FORK, clockOf(r), c);
  return <i32>c;
}

/** Bytes of the draw buffer: drawVm writes a piece of every process's outputs here. */
export const DRAW_BUFFER_BYTES: u32 = 1 << 20;
const DRAW_BUFFER = memory.data(DRAW_BUFFER_BYTES, 16);

/** Address of the draw buffer (DRAW_BUFFER_BYTES of contiguous host memory). */
export function drawBuffer(): usize {
  return DRAW_BUFFER;
}

/**
 * Every process of the VM makes `count` calls, one per request, `intervalNs` of virtual time
 * apart: draws first .. first + count - 1 of the VM's draw run (first = 0 starts the run; a run
 * drawn in several pieces makes exactly the calls and events of one drawn at once). list (at
 * listPtr) holds 4 u32 per process: output address, stride, bytes, uuid (1 = set the RFC 9562
 * version and variant bits), listCount entries (the VM's process count); call k of the piece
 * writes at address + k * stride, which must lie in the draw buffer.
 */
export function drawVm(vm: u32, first: u32, count: u32, intervalNs: f64, listPtr: usize, listCount: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  if (listCount != procCount(r)) return fail(E_INVALID_ARGUMENT, listCount); // one entry per process
  if (!(intervalNs >= 0) || !isFinite(intervalNs)) return fail(E_INVALID_ARGUMENT, intervalNs);
  for (let i: u32 = 0; i < listCount; i++) {
    const e = listPtr + (<usize>i << 4);
    const out = <u64>load<u32>(e);
    const stride = load<u32>(e + 4);
    const bytes = load<u32>(e + 8);
    const end = out + <u64>count * <u64>stride;
    if (bytes == 0 || bytes > stride || out < <u64>DRAW_BUFFER || end > <u64>DRAW_BUFFER + DRAW_BUFFER_BYTES) {
      return fail(E_INVALID_ARGUMENT, i);
    }
  }
  if (!reserveForGuestOps(r)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * (6 + procCount(r)));
  const n = procCount(r);
  if (first == 0) ledgerDrawStart(vm, n);
  beginCallCache(r, vm);
  for (let k: u32 = 0; k < count; k++) {
    const d = first + k;
    runDueEvents(r, vm); // what fell due between rounds happens before this round starts
    logEvent(vm, EV_DRAW, clockOf(r), d);
    for (let i: u32 = 0; i < n; i++) {
      const e = listPtr + (<usize>i << 4);
      const out = <usize>load<u32>(e) + <usize>k * <usize>load<u32>(e + 4);
      libGenerate(r, vm, i, out, load<u32>(e + 8));
      ledgerDrawDone(vm, i, d);
      if (load<u32>(e + 12) != 0) {
        store<u8>(out + 6, (load<u8>(out + 6) & 0x0f) | 0x40);
        store<u8>(out + 8, (load<u8>(out + 8) & 0x3f) | 0x80);
      }
    }
    advance(r, intervalNs);
  }
  runDueEvents(r, vm);
  endCallCache();
  return 0;
}
