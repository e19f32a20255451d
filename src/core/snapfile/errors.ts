// Why a snapshot file was rejected: one error union, each kind with one message that names what
// is wrong and where (byte offset, section, layer, field). The messages live in one table.

/** The kinds of SnapFileError, for callers that branch on them (and the fuzz fixtures). */
export type SnapFileErrorKind = SnapFileError['kind'];

export type SnapFileError =
  /** The file itself is larger than any snapshot file can be (checked before it is read). */
  | { kind: 'TooLarge'; size: number; limit: number; message: string }
  /** The first bytes are not the snapshot file magic. */
  | { kind: 'BadMagic'; found: string; message: string }
  /** Written by a newer uniqueness-lab. */
  | { kind: 'NewerVersion'; version: number; supported: number; message: string }
  /** A version number no uniqueness-lab ever wrote (0). */
  | { kind: 'UnsupportedVersion'; version: number; message: string }
  /** The stored CRC-64 does not match the bytes. */
  | { kind: 'BadChecksum'; stored: string; computed: string; message: string }
  /** The file ends before what `section` needs (`needed` bytes; the file has `length`). */
  | { kind: 'Truncated'; section: string; offset: number; needed: number; length: number; message: string }
  /** Bytes after the declared end of the file. */
  | { kind: 'TrailingData'; declared: number; length: number; message: string }
  /** A declared size beyond the format's limits (checked before anything is allocated). */
  | { kind: 'Oversized'; field: string; value: number; limit: number; message: string }
  /** A layer's page index: duplicate, unsorted or out-of-range page numbers, bad entry bits. */
  | { kind: 'BadPageIndex'; layer: number; index: number; page: number; message: string }
  /** Layers that do not fit together: a diff without a parent, sizes that disagree. */
  | { kind: 'InconsistentLayers'; layer: number; message: string }
  /** A section that is not what the format puts there (tag, reserved bytes). */
  | { kind: 'BadSection'; section: string; offset: number; message: string }
  /** The vmstate (JSON, or a layer's raw engine vmstate) is malformed or contradicts the pages. */
  | { kind: 'BadVmstate'; field: string; message: string };

type Fields<K extends SnapFileErrorKind> = Omit<Extract<SnapFileError, { kind: K }>, 'kind' | 'message'>;

const hexNum = (n: number) => `0x${n.toString(16)}`;

/** The message of every kind, in one place. */
const messages: { [K in SnapFileErrorKind]: (f: Fields<K>) => string } = {
  TooLarge: (f) =>
    `not a snapshot file uniqueness-lab can read: it is ${f.size} bytes and a snapshot file is at most ${f.limit} bytes (${(f.limit / 2 ** 30).toFixed(0)} GiB)`,
  BadMagic: (f) =>
    `not a uniqueness-lab snapshot file: it starts with ${f.found || 'nothing'} instead of the magic 89 55 4c 53 4e 50 0d 0a ("\\x89ULSNP\\r\\n")`,
  NewerVersion: (f) =>
    `snapshot file format version ${f.version} is newer than this uniqueness-lab reads (up to ${f.supported}): update uniqueness-lab`,
  UnsupportedVersion: (f) => `snapshot file format version ${f.version} was never written by uniqueness-lab`,
  BadChecksum: (f) =>
    `snapshot file is corrupt: its CRC-64 says ${f.stored} but its bytes give ${f.computed}`,
  Truncated: (f) =>
    `snapshot file is truncated: ${f.section} at byte ${f.offset} needs ${f.needed} bytes but the file ends at byte ${f.length}`,
  TrailingData: (f) =>
    `snapshot file has ${f.length - f.declared} bytes after its declared end at byte ${f.declared}`,
  Oversized: (f) => `snapshot file declares ${f.field} = ${f.value}, beyond the limit of ${f.limit}`,
  BadPageIndex: (f) => `layer ${f.layer} page index entry ${f.index} (page ${f.page})`,
  InconsistentLayers: (f) => `layer ${f.layer}`,
  BadSection: (f) => `${f.section} at byte ${f.offset}`,
  BadVmstate: (f) => `vmstate ${f.field}`,
};

/**
 * Builds a SnapFileError. Kinds whose message needs a reason (page index, layers, sections,
 * vmstate) take it as `why`, appended after the place: "layer 1 page index entry 3 (page 7): ...".
 */
export function snapFileError<K extends SnapFileErrorKind>(
  kind: K,
  fields: Fields<K>,
  why?: string,
): Extract<SnapFileError, { kind: K }> {
  const head = (messages[kind] as (f: Fields<K>) => string)(fields);
  const message = why === undefined ? head : `snapshot file ${head}: ${why}`;
  return { kind, ...fields, message } as Extract<SnapFileError, { kind: K }>;
}

export { hexNum };
