// Branded handle and address types: ids, guest addresses, page numbers and frame indices are all
// numbers at run time, but never interchangeable in code. Arithmetic goes through the helpers.

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A VM id handed out by the core (never reused). */
export type VmId = Brand<number, 'VmId'>;
/** A snapshot id handed out by the core (never reused). */
export type SnapshotId = Brand<number, 'SnapshotId'>;
/** A guest-physical byte address. */
export type GuestAddr = Brand<number, 'GuestAddr'>;
/** A guest page number (guest address >> 12). */
export type PageNo = Brand<number, 'PageNo'>;
/** A host frame index in the core's frame pool (0 = the shared zero page). */
export type FrameIdx = Brand<number, 'FrameIdx'>;

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export const vmId = (n: number) => n as VmId;
export const snapshotId = (n: number) => n as SnapshotId;
export const guestAddr = (n: number) => n as GuestAddr;
export const pageNo = (n: number) => n as PageNo;
export const frameIdx = (n: number) => n as FrameIdx;

/** The page holding a guest address. */
export const pageOf = (a: GuestAddr): PageNo => Math.floor(a / PAGE_SIZE) as PageNo;
/** The guest address where a page starts. */
export const pageAddr = (p: PageNo): GuestAddr => (p * PAGE_SIZE) as GuestAddr;
/** A guest address plus a byte offset. */
export const addrPlus = (a: GuestAddr, bytes: number): GuestAddr => (a + bytes) as GuestAddr;
/** Pages in a guest of `mib` MiB. */
export const pagesForMiB = (mib: number): number => (mib * 1024 * 1024) / PAGE_SIZE;

/** The result of a core call: a value, or a typed error (the core throws only for bugs). */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

/** Unwraps a result or throws its error's message (for scripts and tests that expect success). */
export function unwrap<T, E extends { message: string }>(r: Result<T, E>): T {
  if (r.ok) return r.value;
  throw new Error(r.error.message);
}

/** Random access to a file's bytes (a Node file, a browser File, bytes in memory). */
export interface ByteSource {
  /** The file's size in bytes, as its file system says. */
  readonly size: number;
  /** The bytes from `offset`: `length` of them, fewer only where the file ends. */
  read(offset: number, length: number): Promise<Uint8Array>;
}
