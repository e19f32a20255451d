// One line per library for the Library select and the glossary: which upstream version the
// model follows and what, after a clone, decides its verdict. True to docs/FIDELITY.md (section
// 1's version table, section 3.5) and the header of assembly/libs/libraries.ts.

import type { LibraryId } from '../../core/lab/types';

export const LIBRARY_NOTES: Record<LibraryId, string> = {
  naive:
    'java.util.Random (OpenJDK): a 48-bit LCG seeded once at init and never reseeded, so every clone repeats the snapshot’s sequence.',
  'openssl-1.1.1':
    'OpenSSL 1.1.1w: a master and a public AES-256 CTR-DRBG; every call adds {pid, tid, low 32 bits of the cycle counter}, so clones differ only by what an attacker can enumerate (predictable).',
  'openssl-3':
    'OpenSSL 3.0: the same DRBG hierarchy and reseed intervals as 1.1.1, without the per-call input: clones share the state.',
  boringssl:
    'BoringSSL: a per-thread CTR-DRBG reseeded from getrandom every 4,096 calls; 32 bytes of RDRAND in every call only on Intel. Its MADV_WIPEONFORK fork check never sees a clone.',
  'aws-lc':
    'AWS-LC v1.50: BoringSSL’s logic plus SysGenId “snapsafe”: reseeds when /dev/sysgenid’s counter moved, and aborts if it moves during a call.',
  'aws-lc-ube':
    'AWS-LC main (crypto/ube): reseeds on a uniqueness-breaking event (fork or SysGenId) or every 4,096 calls; RDRAND in every call where the CPU has it.',
  wipeonsuspend:
    'The paper’s proposal: state in a MADV_WIPEONSUSPEND page, zeroed at suspend; when it reads zeros it reseeds from getrandom (unique only if the kernel was reseeded).',
  vdso: 'glibc’s getrandom() over Linux 6.11’s vDSO: per-thread state that rekeys when the kernel’s generation moves; the getrandom syscall on older kernels.',
  getrandom:
    'The getrandom(2) system call on every call: the kernel CRNG, unique once the kernel is reseeded.',
  rdrand:
    'The RDRAND instruction on every call: the host CPU’s generator, fresh in every clone. Refused on a vCPU without RDRAND.',
};
