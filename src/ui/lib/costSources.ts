// Where each library's per-call cost comes from (MECHANISMS.md, "Per-call costs used by the cost
// model"). Text only: the ns figures themselves are the core's (LibraryReport.nsPerCall).

import type { LibraryId } from '../../core/lab/types';

export const COST_SOURCES: Record<LibraryId, string> = {
  naive:
    'user-space PRNG step only (java.util.Random-like); ChaCha20 blocks at the core\u2019s measured cost',
  'openssl-pid': 'DRBG generate plus a getpid() compare (CVE-2019-1549 fix); reseed every 2^16 calls',
  wipeonfork: 'DRBG in a MADV_WIPEONFORK page; no per-call kernel entropy (BoringSSL-like)',
  wipeonsuspend: 'DRBG in a MADV_WIPEONSUSPEND page; all-zero state triggers a getrandom reseed',
  sysgenid: 'mmap counter check: 1 ns (one load + compare), plus the DRBG (AWS-LC-like)',
  vdso: 'vDSO getrandom: 11.5 ns/call (Donenfeld, x86, 2024)',
  getrandom: 'getrandom syscall: 176 ns/call (same benchmark)',
  rdrand: 'RDRAND: 270 ns without a VM exit (~800 cycles at 3 GHz), 25 µs with one (kevlar blog, unverified)',
};
