// A cpio "newc" archive writer: the format the Linux kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Pure: bytes in, bytes out, so the
// asset script needs no cpio binary and tests can read the result back.
//
//   entry  = header(110 bytes ASCII) name NUL pad4 data pad4
//   header = "070701" then 13 fields of 8 hex digits:
//            ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
//   archive = entry* + the entry "TRAILER!!!" (all fields 0 but nlink 1 and namesize)
//
// Invariants: every entry has a distinct inode number, mtime 0 and uid/gid 0, so the same inputs
// give the same archive byte for byte (reproducible initramfs, stable sha256 in the manifest).

/** One archive member. Directories and device nodes carry no data. */
export type CpioEntry =
  | { type: 'dir'; path: string; mode: number }
  | { type: 'file'; path: string; mode: number; data: Uint8Array }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; mode: number; major: number; minor: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const HEADER_BYTES = 110;
const text = new TextEncoder();

const pad4 = (n: number) => (4 - (n % 4)) % 4;
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

interface Member {
  mode: number;
  nlink: number;
  rdevMajor: number;
  rdevMinor: number;
  name: Uint8Array;
  data: Uint8Array;
}

function member(e: CpioEntry): Member {
  const name = text.encode(e.path.replace(/^\/+/, ''));
  switch (e.type) {
    case 'dir':
      return { mode: S_IFDIR | e.mode, nlink: 2, rdevMajor: 0, rdevMinor: 0, name, data: new Uint8Array() };
    case 'file':
      return { mode: S_IFREG | e.mode, nlink: 1, rdevMajor: 0, rdevMinor: 0, name, data: e.data };
    case 'symlink':
      return {
        mode: S_IFLNK | 0o777,
        nlink: 1,
        rdevMajor: 0,
        rdevMinor: 0,
        name,
        data: text.encode(e.target),
      };
    case 'chardev':
      return {
        mode: S_IFCHR | e.mode,
        nlink: 1,
        rdevMajor: e.major,
        rdevMinor: e.minor,
        name,
        data: new Uint8Array(),
      };
  }
}

function header(ino: number, m: Member): Uint8Array {
  const fields = [
    ino,
    m.mode,
    0,
    0,
    m.nlink,
    0,
    m.data.length,
    0,
    0,
    m.rdevMajor,
    m.rdevMinor,
    m.name.length + 1,
    0,
  ];
  return text.encode('070701' + fields.map(hex8).join(''));
}

/** Serialises the entries (in the given order, parents before children) into one newc archive. */
export function writeCpio(entries: readonly CpioEntry[]): Uint8Array {
  const members = entries.map(member);
  members.push({
    mode: 0,
    nlink: 1,
    rdevMajor: 0,
    rdevMinor: 0,
    name: text.encode('TRAILER!!!'),
    data: new Uint8Array(),
  });
  let size = 0;
  for (const m of members) {
    const head = HEADER_BYTES + m.name.length + 1;
    size += head + pad4(head) + m.data.length + pad4(m.data.length);
  }
  const out = new Uint8Array(size);
  let at = 0;
  members.forEach((m, i) => {
    const isTrailer = i === members.length - 1;
    out.set(header(isTrailer ? 0 : i + 1, m), at);
    at += HEADER_BYTES;
    out.set(m.name, at);
    at += m.name.length + 1; // the NUL is already 0
    at += pad4(HEADER_BYTES + m.name.length + 1);
    out.set(m.data, at);
    at += m.data.length + pad4(m.data.length);
  });
  return out;
}

/** Reads a newc archive back into (path, mode, data) triples; for tests and for checking assets. */
export function readCpio(bytes: Uint8Array): { path: string; mode: number; data: Uint8Array }[] {
  const dec = new TextDecoder();
  const out: { path: string; mode: number; data: Uint8Array }[] = [];
  let at = 0;
  for (;;) {
    if (at + HEADER_BYTES > bytes.length) throw new Error('cpio: truncated header');
    const h = dec.decode(bytes.subarray(at, at + HEADER_BYTES));
    if (!h.startsWith('070701')) throw new Error(`cpio: bad magic at ${at}`);
    const field = (k: number) => parseInt(h.slice(6 + 8 * k, 14 + 8 * k), 16);
    const mode = field(1);
    const fileSize = field(6);
    const nameSize = field(11);
    const nameAt = at + HEADER_BYTES;
    const path = dec.decode(bytes.subarray(nameAt, nameAt + nameSize - 1));
    const dataAt = nameAt + nameSize + pad4(HEADER_BYTES + nameSize);
    if (path === 'TRAILER!!!') return out;
    out.push({ path, mode, data: bytes.subarray(dataAt, dataAt + fileSize) });
    at = dataAt + fileSize + pad4(fileSize);
  }
}
