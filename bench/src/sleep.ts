// A promise-returning pause (node:timers/promises, re-exported under one short name).
export { setTimeout as sleep } from 'node:timers/promises';
