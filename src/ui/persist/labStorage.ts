// The lab's storage in this browser: the saved session (with the snapshot files its history
// needs) and kept snapshot files, in IndexedDB (layout in records.ts) through the `idb` package.
// Every method returns a Result whose error is a StorageError with a message for the person;
// nothing here throws or fails silently.
//
// Invariants:
// - IndexedDB commits a transaction as soon as no request of it is pending when control returns
//   to the event loop. So everything a transaction writes is made BEFORE it opens, and inside it
//   only IndexedDB requests are awaited (never a fetch, a timer or other work): a write is one
//   transaction that either lands whole or not at all.
// - A request that throws (put() throws QuotaExceededError synchronously in some browsers) or
//   fails aborts its transaction, and the error reaches the caller.
// - Writes of known size check navigator.storage.estimate() first, so "too little room" is said
//   before the browser has to refuse; a refusal (QuotaExceededError) is reported all the same.

import {
  deleteDB,
  openDB,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
  type StoreNames,
} from 'idb';
import {
  DB_NAME,
  DB_VERSION,
  SESSION_KEY,
  STORE_FILES,
  STORE_FILE_DATA,
  STORE_SESSION,
  STORE_SESSION_FILES,
  readFileMeta,
  readSessionFile,
  readSessionRecord,
  type SavedFileMeta,
  type SessionFile,
  type SessionRecord,
} from './records';
import {
  checkRoom,
  storageError,
  unavailable,
  type StorageError,
  type StorageEstimateLike,
} from './storageErrors';

export type StorageResult<T> = { ok: true; value: T } | { ok: false; error: StorageError };

const ok = <T>(value: T): StorageResult<T> => ({ ok: true, value });
const fail = <T>(error: StorageError): StorageResult<T> => ({ ok: false, error });

interface LabDB extends DBSchema {
  session: { key: string; value: unknown };
  sessionFiles: { key: string; value: unknown };
  files: { key: number; value: unknown };
  fileData: { key: number; value: unknown };
}
type Store = StoreNames<LabDB>;
type Tx<S extends Store[], M extends IDBTransactionMode> = IDBPTransaction<LabDB, S, M>;

/** Bytes a session record and its files take, roughly. */
export function sessionSize(rec: SessionRecord, files: readonly SessionFile[] = []): number {
  return JSON.stringify(rec).length + files.reduce((n, f) => n + f.bytes.length + f.name.length, 0);
}

/** The browser's storage for the lab; one per app. */
export class LabStorage {
  private db: Promise<IDBPDatabase<LabDB>> | null = null;

  constructor(
    private readonly factory: IDBFactory | null = typeof indexedDB === 'undefined' ? null : indexedDB,
    private readonly estimator: (() => Promise<StorageEstimateLike>) | null = typeof navigator !==
      'undefined' && navigator.storage?.estimate
      ? () => navigator.storage.estimate()
      : null,
  ) {}

  /** False where there is no IndexedDB (then every call fails with Unavailable). */
  get available(): boolean {
    return this.factory !== null;
  }

  private async open(what: string): Promise<StorageResult<IDBPDatabase<LabDB>>> {
    if (!this.factory) return fail(unavailable(what));
    this.db ??= openDB<LabDB>(DB_NAME, DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          db.createObjectStore(STORE_FILES, { keyPath: 'id', autoIncrement: true });
          db.createObjectStore(STORE_FILE_DATA);
        }
        // version 2: sessions hold the core's history; a version-1 session cannot be replayed
        if (oldVersion < 2) {
          if (db.objectStoreNames.contains(STORE_SESSION)) db.deleteObjectStore(STORE_SESSION);
          db.createObjectStore(STORE_SESSION);
          db.createObjectStore(STORE_SESSION_FILES);
        }
      },
    }).then((db) => {
      // another tab wants to upgrade or delete the database: let it
      db.addEventListener('versionchange', () => db.close());
      return db;
    });
    try {
      return ok(await this.db);
    } catch (e) {
      this.db = null;
      return fail(storageError(e, what));
    }
  }

  /**
   * Runs `body` in one transaction and resolves once the transaction has committed. `body` may
   * await only the transaction's own requests; anything it throws aborts the transaction.
   */
  private async run<T, S extends Store[], M extends IDBTransactionMode>(
    what: string,
    stores: S,
    mode: M,
    body: (tx: Tx<S, M>) => Promise<T>,
  ): Promise<StorageResult<T>> {
    const db = await this.open(what);
    if (!db.ok) return db;
    let tx: Tx<S, M>;
    try {
      tx = db.value.transaction(stores, mode);
    } catch (e) {
      return fail(storageError(e, what));
    }
    try {
      const value = await body(tx);
      await tx.done;
      return ok(value);
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // already finished or aborting
      }
      await tx.done.catch(() => undefined);
      return fail(storageError(e, what));
    }
  }

  /** The browser's usage and quota for this site, or null if it does not say. */
  async estimate(): Promise<StorageEstimateLike | null> {
    if (!this.estimator) return null;
    try {
      return await this.estimator();
    } catch {
      return null;
    }
  }

  /** Fails with NoRoom if the estimate shows too little room for `bytes` more. */
  private async room(bytes: number, what: string): Promise<StorageResult<void>> {
    const problem = checkRoom(await this.estimate(), bytes, what);
    return problem ? fail(problem) : ok(undefined);
  }

  /**
   * Replaces the saved session: the record, the files it names that are not stored yet, and
   * drops stored files it no longer names, in one transaction.
   */
  async saveSession(
    rec: SessionRecord,
    files: ReadonlyMap<string, SessionFile>,
  ): Promise<StorageResult<void>> {
    const what = 'the lab session';
    const wanted = rec.files.map((f) => f.id);
    const missing = wanted.filter((id) => !files.has(id));
    if (missing.length)
      return fail({
        kind: 'Failed',
        what,
        message: `Not saved: the bytes of snapshot file ${missing[0]} are not at hand.`,
      });
    const room = await this.room(
      sessionSize(
        rec,
        wanted.map((id) => files.get(id)!),
      ),
      what,
    );
    if (!room.ok) return room;
    return this.run(what, [STORE_SESSION, STORE_SESSION_FILES], 'readwrite', async (tx) => {
      const store = tx.objectStore(STORE_SESSION_FILES);
      const have = new Set(await store.getAllKeys());
      for (const id of wanted) if (!have.has(id)) await store.put(files.get(id)!, id);
      for (const id of have) if (!wanted.includes(id)) await store.delete(id);
      await tx.objectStore(STORE_SESSION).put(rec, SESSION_KEY);
    });
  }

  /** The saved session (null if none); a record that fails its checks is an error, not null. */
  async loadSession(): Promise<StorageResult<SessionRecord | null>> {
    const r = await this.run('the saved session', [STORE_SESSION], 'readonly', (tx) =>
      tx.objectStore(STORE_SESSION).get(SESSION_KEY),
    );
    if (!r.ok) return r;
    if (r.value === undefined) return ok(null);
    const rec = readSessionRecord(r.value);
    return rec.ok
      ? ok(rec.value)
      : fail({
          kind: 'Failed',
          what: 'the saved session',
          message: `The saved session cannot be used: ${rec.error}.`,
        });
  }

  /** Stored session files by content id (all of them, or an error naming the first missing one). */
  async loadSessionFiles(
    wanted: readonly { id: string; name: string }[],
  ): Promise<StorageResult<Map<string, SessionFile>>> {
    const what = 'the saved session\u2019s snapshot files';
    const r = await this.run(what, [STORE_SESSION_FILES], 'readonly', async (tx) => {
      const store = tx.objectStore(STORE_SESSION_FILES);
      const out = new Map<string, SessionFile | null>();
      for (const f of wanted) out.set(f.id, readSessionFile(await store.get(f.id)));
      return out;
    });
    if (!r.ok) return r;
    const files = new Map<string, SessionFile>();
    for (const f of wanted) {
      const got = r.value.get(f.id);
      if (!got)
        return fail({
          kind: 'Failed',
          what,
          message: `The snapshot file ${f.name} is missing from this browser's storage.`,
        });
      files.set(f.id, got);
    }
    return ok(files);
  }

  /** Deletes the saved session and its files. */
  async deleteSession(): Promise<StorageResult<void>> {
    return this.run('the saved session', [STORE_SESSION, STORE_SESSION_FILES], 'readwrite', async (tx) => {
      await tx.objectStore(STORE_SESSION).delete(SESSION_KEY);
      await tx.objectStore(STORE_SESSION_FILES).clear();
    });
  }

  /** Saves a snapshot file; returns its metadata with the new id. */
  async saveFile(meta: Omit<SavedFileMeta, 'id'>, data: Uint8Array): Promise<StorageResult<SavedFileMeta>> {
    const what = `the snapshot file ${meta.name}`;
    const room = await this.room(data.length, what);
    if (!room.ok) return room;
    return this.run(what, [STORE_FILES, STORE_FILE_DATA], 'readwrite', async (tx) => {
      const id = (await tx.objectStore(STORE_FILES).add(meta)) as number;
      await tx.objectStore(STORE_FILE_DATA).put(data, id);
      return { ...meta, id };
    });
  }

  /** Every saved file's metadata, oldest first (records that fail their checks are skipped). */
  async listFiles(): Promise<StorageResult<SavedFileMeta[]>> {
    const r = await this.run('the list of saved files', [STORE_FILES], 'readonly', (tx) =>
      tx.objectStore(STORE_FILES).getAll(),
    );
    return r.ok ? ok(r.value.flatMap((v) => readFileMeta(v) ?? [])) : r;
  }

  /** A saved file's bytes. */
  async readFile(id: number): Promise<StorageResult<Uint8Array>> {
    const what = `saved file ${id}`;
    const r = await this.run(what, [STORE_FILE_DATA], 'readonly', (tx) =>
      tx.objectStore(STORE_FILE_DATA).get(id),
    );
    if (!r.ok) return r;
    return r.value instanceof Uint8Array
      ? ok(r.value)
      : fail({
          kind: 'Failed',
          what,
          message: `The bytes of ${what} are missing from this browser's storage.`,
        });
  }

  async deleteFile(id: number): Promise<StorageResult<void>> {
    return this.run(`saved file ${id}`, [STORE_FILES, STORE_FILE_DATA], 'readwrite', async (tx) => {
      await tx.objectStore(STORE_FILES).delete(id);
      await tx.objectStore(STORE_FILE_DATA).delete(id);
    });
  }

  /** Deletes the whole database: the saved session and every saved file. */
  async clear(): Promise<StorageResult<void>> {
    const what = 'the saved data';
    if (!this.factory) return fail(unavailable(what));
    try {
      const db = this.db;
      this.db = null;
      if (db) (await db.catch(() => null))?.close();
      // other tabs close their connection on versionchange, so the delete is not held up
      await deleteDB(DB_NAME);
      return ok(undefined);
    } catch (e) {
      return fail(storageError(e, what));
    }
  }
}
