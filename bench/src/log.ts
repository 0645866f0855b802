// Progress lines on stderr (stdout stays free for the final summary), stamped with seconds since start.
const started = Date.now();

/** Prints one progress line: `[  12.3s] message`. */
export function say(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds}s] ${message}\n`);
}
