// The cost model: virtual nanoseconds each guest operation takes (MECHANISMS.md, "Per-call
// costs"). Every cost is a parameter (setCost); the defaults and their sources:

export const COST_MMAP_CHECK: u32 = 0; // 1 ns: one load + compare of the SysGenId page (MECHANISMS.md)
export const COST_VDSO_CALL: u32 = 1; // 11.5 ns: vDSO getrandom, x86, 25M calls (Donenfeld 2024)
export const COST_SYSCALL: u32 = 2; // 176 ns: getrandom syscall, same benchmark
export const COST_RDRAND: u32 = 3; // 270 ns: ~800 cycles at 3 GHz, no VM exit
export const COST_RDRAND_EXIT: u32 = 4; // (retired) KVM never exits on an exposed RDRAND (vmx.c); kept as a parameter slot
export const COST_CHACHA_BLOCK: u32 = 5; // 50 ns: one 64-byte ChaCha20 block in the guest (MECHANISMS.md default)
export const COST_PAGE_WIPE: u32 = 6; // 100 ns: a 4 KiB memset at ~40 GB/s (model estimate)
export const COST_USER_CALL: u32 = 7; // 5 ns: a userspace library call's bookkeeping (model estimate)
export const COST_GETPID: u32 = 8; // 60 ns: getpid(2) for OpenSSL's fork check (model estimate: a minimal syscall)
export const COST_LCG_STEP: u32 = 9; // 2 ns: one java.util.Random step (model estimate)
export const COST_S3_SUSPEND: u32 = 10; // 1 ms: the guest's ACPI S3 entry before the snapshot (model estimate; no source gives one)
export const COST_S3_RESUME: u32 = 11; // 2 ms: the guest's S3 resume after restore, before user space runs (model estimate)
export const COST_AES_BLOCK: u32 = 12; // 20 ns: one AES-256 block of a CTR-DRBG (model estimate, AES-NI)
const N: u32 = 13;

const table = memory.data(N * 8, 8);
let ready = false;

function init(): void {
  if (ready) return;
  ready = true;
  store<f64>(table + 0, 1);
  store<f64>(table + 8, 11.5);
  store<f64>(table + 16, 176);
  store<f64>(table + 24, 270);
  store<f64>(table + 32, 25000);
  store<f64>(table + 40, 50);
  store<f64>(table + 48, 100);
  store<f64>(table + 56, 5);
  store<f64>(table + 64, 60);
  store<f64>(table + 72, 2);
  store<f64>(table + 80, 1e6);
  store<f64>(table + 88, 2e6);
  store<f64>(table + 96, 20);
}

/** The cost of operation i in virtual ns. */
export function cost(i: u32): f64 {
  init();
  return i < N ? load<f64>(table + (<usize>i << 3)) : 0;
}

/** Sets the cost of operation i (ns >= 0); returns false for an unknown index or bad value. */
export function setCost(i: u32, ns: f64): bool {
  init();
  if (i >= N || !(ns >= 0) || !isFinite(ns)) return false;
  store<f64>(table + (<usize>i << 3), ns);
  return true;
}

/** Number of cost parameters. */
export function costCount(): u32 {
  return N;
}
