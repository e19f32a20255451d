// The lab's glossary: every term the panels use without explaining it, in words a newcomer can
// follow, true to docs/FIDELITY.md and DESIGN.md. Terms on screen link here (view/Term.tsx); the
// glossary drawer (view/Glossary.tsx) lists them in this order, under the paper's reference.

import { LIBRARY_IDS } from '../../core/lab/types';
import { VERDICT_WORDS } from '../../core/settings/words';
import { LIBRARY_NOTES } from '../lib/libraryNotes';

export interface GlossaryEntry {
  /** The anchor other views link to. */
  key: string;
  term: string;
  /** Other words for it on screen ("gen", "1st unique"). */
  aka?: string;
  text: string;
  group: 'The problem' | 'Mitigations' | 'Randomness' | 'Memory' | 'Reading the panels' | 'Libraries';
}

/** The paper the lab is built around. */
export const PAPER = {
  title: 'Restoring Uniqueness in MicroVM Snapshots',
  authors:
    'Marc Brooker, Adrian Costin Catangiu, Mike Danilov, Alexander Graf, Colm MacCarthaigh, Andrei Sandu',
  short: 'Brooker, Catangiu, Danilov, Graf, MacCarthaigh, Sandu',
  year: 2021,
  arxiv: 'arXiv:2102.12892',
  url: 'https://arxiv.org/abs/2102.12892',
} as const;

const verdict = (v: keyof typeof VERDICT_WORDS, text: string): GlossaryEntry => ({
  key: `verdict-${v}`,
  term: `${VERDICT_WORDS[v].glyph} ${VERDICT_WORDS[v].word}`,
  aka: `verdict ${v}`,
  text,
  group: 'Reading the panels',
});

export const GLOSSARY: readonly GlossaryEntry[] = [
  {
    key: 'snapshot',
    term: 'Snapshot',
    text: 'A paused microVM saved as its memory pages and device state. Serverless platforms snapshot a VM after its slow initialisation and start new VMs from it.',
    group: 'The problem',
  },
  {
    key: 'clone',
    term: 'Clone',
    text: 'A VM restored from a snapshot. Every clone of one snapshot starts with byte-identical memory: the same kernel RNG key, the same library state, the same cached secrets.',
    group: 'The problem',
  },
  {
    key: 'uniqueness',
    term: 'The uniqueness problem',
    text: 'Clones that start from the same bytes emit the same “random” values (UUIDs, nonces, keys) until something they do not share is mixed in. The lab shows which mitigation mixes in what, and when.',
    group: 'The problem',
  },
  {
    key: 'race-window',
    term: 'Race window',
    text: 'The time from the vCPUs resuming to the kernel’s first reseed after a restore. Randomness served inside it still comes from the snapshot’s state, so clones share it.',
    group: 'The problem',
  },
  {
    key: 'notify-delay',
    term: 'δ (notify delay)',
    aka: 'δ',
    text: 'How long after the vCPUs resume the guest handles the VMGenID notification. δ = 0: before the first request. Every request inside δ is served from the old state (the race window).',
    group: 'The problem',
  },
  {
    key: 'vmgenid',
    term: 'VMGenID',
    text: 'Virtual Machine Generation ID: 16 bytes the VMM places in guest memory and changes, with an ACPI notification, when a snapshot is loaded (Firecracker changes it only then, so a resumed original keeps its own). Linux’s vmgenid driver (5.18 and later) mixes it into the kernel RNG and reseeds the CRNG.',
    group: 'Mitigations',
  },
  {
    key: 'sysgenid',
    term: 'SysGenId',
    text: 'A proposed Linux driver (patch series v1 to v8, not merged): a generation counter in a page userspace maps and polls, so libraries can reseed when it moves (AWS-LC’s “snapsafe” mode). v1–v7 bump it from the VMGenID notification; v8 leaves the bump to a host-side overseer.',
    group: 'Mitigations',
  },
  {
    key: 'wipeonsuspend',
    term: 'MADV_WIPEONSUSPEND',
    text: 'A proposed madvise() flag (RFC, July 2020, and the paper): the kernel zeroes flagged pages on the way into suspend, so they are zero in the snapshot. A library keeping its state there reads zeros after a restore and reseeds. Kernels without it refuse the advice (EINVAL).',
    group: 'Mitigations',
  },
  {
    key: 'wipeonfork',
    term: 'MADV_WIPEONFORK',
    text: 'Zeroes a page in a fork()ed child. BoringSSL uses it to notice forks; restoring a VM is not a fork, so it never fires for clones.',
    group: 'Mitigations',
  },
  {
    key: 'vdso-getrandom',
    term: 'vDSO getrandom',
    text: 'Linux 6.11’s getrandom() in userspace (glibc 2.41): a per-thread ChaCha20 state that compares the kernel’s published generation on every call and rekeys when it moved. About as cheap as a function call, and unique after a clone once the kernel has reseeded.',
    group: 'Mitigations',
  },
  {
    key: 'vmclock',
    term: 'VMClock',
    text: 'Firecracker’s VMClock device: a page with a vm_generation_counter the VMM bumps when a snapshot is loaded; SysGenId’s shipped successor.',
    group: 'Mitigations',
  },
  {
    key: 'agent',
    term: 'Reseed agent',
    text: 'A guest process the host runs after a restore: it writes host entropy to the kernel (RNDADDENTROPY) and forces a CRNG reseed (RNDRESEEDCRNG), so the kernel is unique from then on.',
    group: 'Mitigations',
  },
  {
    key: 'crng',
    term: 'CRNG',
    text: 'The Linux kernel’s cryptographic random number generator: a ChaCha20 key (base_crng) and a generation number, with fast key erasure. getrandom() and /dev/urandom read it. Clones share it until it is reseeded.',
    group: 'Randomness',
  },
  {
    key: 'reseed',
    term: 'Reseed',
    text: 'Mixing fresh input into a generator: the kernel’s CRNG from its input pool plus RDSEED/RDRAND, a library’s DRBG from getrandom(). After a clone, only a reseed with input the clones do not share makes them differ.',
    group: 'Randomness',
  },
  {
    key: 'generation',
    term: 'Generation',
    aka: 'gen',
    text: 'A counter the kernel bumps at every CRNG reseed (base_crng.generation). Per-CPU states and the vDSO compare it to notice a reseed. The Devices panel shows it as “gen”; “2/3” means CRNG generation 2 and vDSO generation 3.',
    group: 'Randomness',
  },
  {
    key: 'rdrand',
    term: 'RDRAND / RDSEED',
    text: 'x86 instructions that read the CPU’s hardware random number generator (RDSEED: seed-grade values). A clone asks the host’s CPU, not the snapshot, so every word is fresh. The kernel mixes them into each reseed; BoringSSL mixes RDRAND into every call on Intel.',
    group: 'Randomness',
  },
  {
    key: 'drbg',
    term: 'DRBG',
    text: 'Deterministic random bit generator: a userspace generator (OpenSSL, BoringSSL, AWS-LC use AES-256 CTR-DRBG) seeded from the kernel. Fast, but its state lives in process memory, so clones inherit it.',
    group: 'Randomness',
  },
  {
    key: 'entropy-ledger',
    term: 'Entropy ledger',
    aka: 'fresh bits',
    text: 'The lab’s host-side account, per generator, of the bits put in since the restore that someone holding the snapshot cannot know (“fresh bits”), and where they came from. A VMGenID counts 128 bits, each RDRAND or RDSEED word 64, the agent’s bytes 256; a cycle-counter read counts 0, and inputs under 32 bits are guessed as they arrive. A draw is safe once the generator holds 128 fresh bits.',
    group: 'Randomness',
  },
  {
    key: 'consumer',
    term: 'Output kind',
    aka: 'uuid, nonce, key',
    text: 'What each process draws: uuid (a version 4 UUID, RFC 9562), nonce (96 bits) or key (256 bits).',
    group: 'Randomness',
  },
  {
    key: 'copy-on-write',
    term: 'Copy-on-write',
    text: 'Clones map the snapshot’s page frames instead of copying them. The first write to a shared page copies it into a private frame and marks the page dirty, so a clone costs only the pages it wrote.',
    group: 'Memory',
  },
  {
    key: 'dirty',
    term: 'Dirty page',
    text: 'A page written since the last snapshot. A diff snapshot saves exactly these.',
    group: 'Memory',
  },
  {
    key: 'full-snapshot',
    term: 'Full snapshot',
    text: 'A snapshot of every page of the guest (in memory, the pages share frames with the VM: no bytes are copied).',
    group: 'Memory',
  },
  {
    key: 'diff-snapshot',
    term: 'Diff snapshot',
    text: 'A snapshot of only the pages dirtied since its parent snapshot, with a link to that parent; restoring it needs the whole chain of layers.',
    group: 'Memory',
  },
  {
    key: 'zero-page',
    term: 'Zero page',
    text: 'The one shared frame of zeros every untouched page maps to.',
    group: 'Memory',
  },
  {
    key: 'leaf-sharers',
    term: 'Leaf sharers',
    text: 'How many page tables (VMs and snapshots) share the page-table leaf holding this page; with “frame refs” and “mapped by”, it shows how much a clone shares with its snapshot.',
    group: 'Memory',
  },
  {
    key: 'secret-in-file',
    term: 'Secret in the snapshot file',
    text: 'A key or password the guest held in memory is in the snapshot file, byte for byte, unless its page was flagged MADV_WIPEONSUSPEND and the kernel supports the flag.',
    group: 'Memory',
  },
  {
    key: 'duplicate',
    term: 'Duplicate',
    aka: 'dup, dups',
    text: 'An output whose value also occurs in another VM. Duplicates share a colour and a glyph in the Outputs table, and say “duplicate” in text.',
    group: 'Reading the panels',
  },
  {
    key: 'pairs',
    term: 'Pairs sharing values',
    aka: 'pairs, colliding pairs',
    text: 'VM pairs with at least one output value in common. In the VM × VM heat-map, cell (a, b) counts how many of VM a’s values also occur in VM b.',
    group: 'Reading the panels',
  },
  {
    key: 'first-unique',
    term: 'First unique draw',
    aka: '1st unique',
    text: 'The first draw (#1 is the first after the restore) from which no VM’s value occurs in another VM; “never” when duplicates go on to the last draw.',
    group: 'Reading the panels',
  },
  {
    key: 'verdict',
    term: 'Verdict',
    text: 'What a library’s outputs across the clones say, in a word, a glyph and a colour: duplicated, duplicated until, predictable, unique or mixed. The lab works it out from the outputs and the entropy ledger.',
    group: 'Reading the panels',
  },
  verdict('dup', 'Every draw gives the same value in every clone.'),
  verdict(
    'dup-until',
    'The same values in every clone, then safe from a draw on (“duplicated until #9”); the report names what ended it (the VMGenID notification, a scheduled reseed, a library’s reseed interval).',
  ),
  verdict(
    'predictable',
    'Values differ, but only by inputs an attacker holding the snapshot can enumerate (a process id, a cycle counter): no draw has 128 fresh bits behind it. OpenSSL 1.1.1 on a clone is the example.',
  ),
  verdict(
    'unique',
    'Every draw differs in every clone, with at least 128 fresh bits behind it from the first draw.',
  ),
  verdict(
    'mixed',
    'Anything else: typically values differ from early on, but 128 fresh bits arrive only at a later draw.',
  ),
  {
    key: 'ns-per-call',
    term: 'ns/call',
    text: 'Virtual nanoseconds per call from the lab’s cost model (assembly/vmm/costs.ts: vDSO getrandom 11.5 ns, the syscall 176 ns, RDRAND 270 ns…); hover or focus a Metrics row for its source. Costs move virtual time, not entropy.',
    group: 'Reading the panels',
  },
  {
    key: 'lineage',
    term: 'Lineage',
    text: 'The tree of the original VM, its snapshots (diff layers chained to their parents) and the clones restored from each.',
    group: 'Reading the panels',
  },
  ...LIBRARY_IDS.map((id): GlossaryEntry => ({
    key: `lib-${id}`,
    term: id,
    text: LIBRARY_NOTES[id],
    group: 'Libraries',
  })),
];

/** The entry of a key, or undefined. */
export function glossaryEntry(key: string): GlossaryEntry | undefined {
  return GLOSSARY.find((e) => e.key === key);
}

/** The glossary key of each setting that has one (the controls link their help to it). */
export const SETTING_TERMS: Partial<Record<string, string>> = {
  vmgenid: 'vmgenid',
  sysgenid: 'sysgenid',
  wipeOnSuspend: 'wipeonsuspend',
  vdso: 'vdso-getrandom',
  agent: 'agent',
  cpu: 'rdrand',
  notifyDelayUs: 'notify-delay',
  snapshot: 'diff-snapshot',
  consumer: 'consumer',
  vmclock: 'vmclock',
  timingEntropy: 'entropy-ledger',
};
