// Error capture: what a piece of work threw, failing loudly when it did not throw.

/**
 * Resolves with what `work` rejected with (or threw, when it is a function); rejects when `work`
 * resolved, so a call that was expected to fail cannot pass by succeeding.
 */
export async function caught(work: Promise<unknown> | (() => Promise<unknown>)): Promise<unknown> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure, but the work succeeded');
}

/** Returns what the synchronous `work` threw; throws when it returned instead. */
export function caughtSync(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure, but the work returned');
}
