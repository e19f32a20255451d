// Permalinks (DOM-free): encode a lab state as a URL-safe string, decode it with typed errors,
// and replay it on a lab. See codec.ts for the format and replay.ts for opening one.
export * from './types';
export * from './codec';
export * from './replay';
