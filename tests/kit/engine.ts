/** Test kit: the in-process sweep engine (coordinator/local/in-process.ts), for statistical tests over many seeds. */
export { runInProcess } from '../../coordinator/local/in-process.js';
