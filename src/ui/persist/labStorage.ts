// The lab's storage in this browser: the saved session and saved snapshot files in IndexedDB
// (layout in records.ts), over the helpers in idb.ts. Every method returns a Result whose error
// is a StorageError with a message for the person; nothing here throws or fails silently.
//
// Writes of known size check navigator.storage.estimate() first, so "too little room" is said
// before the browser has to refuse; a refusal (QuotaExceededError) is reported all the same.

import { deleteDatabase, openDatabase, requestResult, transact } from './idb';
import {
  DB_NAME,
  DB_VERSION,
  SESSION_KEY,
  STORE_FILES,
  STORE_FILE_DATA,
  STORE_SESSION,
  readFileMeta,
  readSessionRecord,
  type SavedFileMeta,
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

/** Bytes a session record takes, roughly: the file bytes it holds plus its JSON. */
export function sessionSize(rec: SessionRecord): number {
  let bytes = 0;
  const json = JSON.stringify(rec, (_, v: unknown) => {
    if (v instanceof Uint8Array) {
      bytes += v.length;
      return null;
    }
    return v;
  });
  return bytes + json.length;
}

function upgrade(db: IDBDatabase, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore(STORE_SESSION);
    db.createObjectStore(STORE_FILES, { keyPath: 'id', autoIncrement: true });
    db.createObjectStore(STORE_FILE_DATA);
  }
}

/** The browser's storage for the lab; one per app. */
export class LabStorage {
  private db: Promise<IDBDatabase> | null = null;

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

  private async open(what: string): Promise<StorageResult<IDBDatabase>> {
    if (!this.factory) return fail(unavailable(what));
    this.db ??= openDatabase(this.factory, DB_NAME, DB_VERSION, upgrade);
    try {
      return ok(await this.db);
    } catch (e) {
      this.db = null;
      return fail(storageError(e, what));
    }
  }

  /** Runs one transaction; the browser's errors become a StorageError about `what`. */
  private async run<T>(
    what: string,
    stores: string[],
    mode: IDBTransactionMode,
    body: (tx: IDBTransaction) => Promise<T> | T,
  ): Promise<StorageResult<T>> {
    const db = await this.open(what);
    if (!db.ok) return db;
    try {
      return ok(await transact(db.value, stores, mode, body));
    } catch (e) {
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

  /** Replaces the saved session. */
  async saveSession(rec: SessionRecord): Promise<StorageResult<void>> {
    const what = 'the lab session';
    const room = await this.room(sessionSize(rec), what);
    if (!room.ok) return room;
    return this.run(what, [STORE_SESSION], 'readwrite', (tx) => {
      tx.objectStore(STORE_SESSION).put(rec, SESSION_KEY);
    });
  }

  /** The saved session (null if none); a record that fails its checks is an error, not null. */
  async loadSession(): Promise<StorageResult<SessionRecord | null>> {
    const r = await this.run('the saved session', [STORE_SESSION], 'readonly', (tx) =>
      requestResult(tx.objectStore(STORE_SESSION).get(SESSION_KEY)),
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

  async deleteSession(): Promise<StorageResult<void>> {
    return this.run('the saved session', [STORE_SESSION], 'readwrite', (tx) => {
      tx.objectStore(STORE_SESSION).delete(SESSION_KEY);
    });
  }

  /** Saves a snapshot file; returns its metadata with the new id. */
  async saveFile(meta: Omit<SavedFileMeta, 'id'>, data: Uint8Array): Promise<StorageResult<SavedFileMeta>> {
    const what = `the snapshot file ${meta.name}`;
    const room = await this.room(data.length, what);
    if (!room.ok) return room;
    return this.run(what, [STORE_FILES, STORE_FILE_DATA], 'readwrite', async (tx) => {
      const id = (await requestResult(tx.objectStore(STORE_FILES).add(meta))) as number;
      tx.objectStore(STORE_FILE_DATA).put(data, id);
      return { ...meta, id };
    });
  }

  /** Every saved file's metadata, oldest first (records that fail their checks are skipped). */
  async listFiles(): Promise<StorageResult<SavedFileMeta[]>> {
    const r = await this.run('the list of saved files', [STORE_FILES], 'readonly', (tx) =>
      requestResult(tx.objectStore(STORE_FILES).getAll()),
    );
    if (!r.ok) return r;
    return ok(r.value.flatMap((v) => readFileMeta(v) ?? []));
  }

  /** A saved file's bytes. */
  async readFile(id: number): Promise<StorageResult<Uint8Array>> {
    const what = `saved file ${id}`;
    const r = await this.run(what, [STORE_FILE_DATA], 'readonly', (tx) =>
      requestResult(tx.objectStore(STORE_FILE_DATA).get(id)),
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
    return this.run(`saved file ${id}`, [STORE_FILES, STORE_FILE_DATA], 'readwrite', (tx) => {
      tx.objectStore(STORE_FILES).delete(id);
      tx.objectStore(STORE_FILE_DATA).delete(id);
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
      await deleteDatabase(this.factory, DB_NAME);
      return ok(undefined);
    } catch (e) {
      return fail(storageError(e, what));
    }
  }
}
