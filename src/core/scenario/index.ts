// Guided scenarios and the lab's action executor (DOM-free; Node loading is in ./load-node.ts).
// See run.ts for the executor's contract and types.ts for the data formats.
export * from './types';
export * from './parse';
export * from './run';
