// Where each library's per-call cost comes from (MECHANISMS.md, "Per-call costs used by the cost
// model"). Text only: the ns figures themselves are the core's (LibraryReport.nsPerCall).

import type { LibraryId } from '../../core/lab/types';

export const COST_SOURCES: Record<LibraryId, string> = {
  naive: 'one java.util.Random LCG step per 4 bytes (model estimate: 2 ns)',
  'openssl-1.1.1':
    'AES-256 CTR_DRBG generate with df over 24 bytes of additional data {pid, tid, RDTSC} and a getpid() compare (AES blocks at 20 ns each, model estimate)',
  'openssl-3': 'AES-256 CTR_DRBG generate and a getpid() compare; no per-call additional data',
  boringssl:
    'AES-256 CTR_DRBG generate with 32 bytes of additional data (RDRAND on Intel at 270 ns per 8 bytes, else zeros)',
  'aws-lc': 'BoringSSL\u2019s path plus two SysGenId counter reads (1 ns each: one load and compare)',
  'aws-lc-ube':
    'AES-256 CTR_DRBG generate; 32 bytes of RDRAND per call where the CPU has it (270 ns per 8 bytes)',
  wipeonsuspend:
    'ChaCha20 fast key erasure in a MADV_WIPEONSUSPEND page; an all-zero state triggers a getrandom reseed',
  vdso: 'vDSO getrandom: 11.5 ns/call (Donenfeld, x86, 2024)',
  getrandom: 'getrandom syscall: 176 ns/call (same benchmark)',
  rdrand: 'RDRAND: 270 ns per 8 bytes (~800 cycles at 3 GHz); KVM runs an exposed RDRAND without a VM exit',
};
