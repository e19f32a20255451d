// Small promise helpers over the raw IndexedDB API (no library): open with an upgrade callback,
// run one transaction, delete a database. A transaction's promise settles when the transaction
// does (complete, or error/abort with the browser's error), so a write is only "done" once it is
// durable, and a QuotaExceededError, thrown at put() or reported at commit, always reaches the
// caller as a rejection.

/** Resolves with a request's result, rejects with its error. */
export function requestResult<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * Opens (creating or upgrading) a database. `upgrade` runs inside the version-change transaction
 * with the version the database had (0 when new). A connection closes itself when another tab
 * wants to upgrade or delete the database, so it never blocks them.
 */
export function openDatabase(
  factory: IDBFactory,
  name: string,
  version: number,
  upgrade: (db: IDBDatabase, oldVersion: number) => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = factory.open(name, version);
    } catch (e) {
      reject(e);
      return;
    }
    req.onupgradeneeded = (ev) => upgrade(req.result, ev.oldVersion);
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    req.onerror = () => reject(req.error ?? new Error(`cannot open IndexedDB database ${name}`));
    req.onblocked = () => reject(new Error(`IndexedDB database ${name} is held open by another tab`));
  });
}

/**
 * Runs `body` in one transaction over `stores` and resolves with its value once the transaction
 * completes. Anything `body` throws (put() throws QuotaExceededError synchronously in some
 * browsers) aborts the transaction and rejects with that error.
 */
export function transact<T>(
  db: IDBDatabase,
  stores: string[],
  mode: IDBTransactionMode,
  body: (tx: IDBTransaction) => Promise<T> | T,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let tx: IDBTransaction;
    try {
      tx = db.transaction(stores, mode);
    } catch (e) {
      reject(e);
      return;
    }
    let value: T;
    let failure: unknown = null;
    tx.oncomplete = () => (failure === null ? resolve(value) : reject(failure));
    tx.onerror = () => {
      failure ??= tx.error ?? new Error('IndexedDB transaction failed');
    };
    tx.onabort = () => reject(failure ?? tx.error ?? new Error('IndexedDB transaction aborted'));
    const fail = (e: unknown) => {
      failure ??= e;
      try {
        tx.abort();
      } catch {
        // already finished or aborting: onabort reports `failure`
      }
    };
    try {
      Promise.resolve(body(tx)).then((v) => (value = v), fail);
    } catch (e) {
      fail(e);
    }
  });
}

/** Deletes a database (its connections must be closed first; others close on versionchange). */
export function deleteDatabase(factory: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = factory.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error(`cannot delete IndexedDB database ${name}`));
    req.onblocked = () => reject(new Error(`IndexedDB database ${name} is held open by another tab`));
  });
}
