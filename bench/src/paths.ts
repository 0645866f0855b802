// Absolute paths of the built programs the bench starts and of its output folders.
import { fileURLToPath } from 'node:url';

const at = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

export const REPO_ROOT = at('../../');
export const SIM_CLI = at('../../packages/upstream-sim/dist/cli.js');
export const GATEWAY_MAIN = at('../../apps/gateway/dist/main.js');
export const THIN_PROXY_MAIN = at('./thin-proxy-main.ts');
export const RESULTS_DIR = at('../results/');
export const PROFILES_DIR = at('../results/profiles/');
