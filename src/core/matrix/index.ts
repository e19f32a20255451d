// The mitigation matrix (DOM-free): compute it, check verdicts, export it as CSV or SVG, and open
// a cell in the lab. See matrix.ts for the contract.
export * from './matrix';
export * from './export';
