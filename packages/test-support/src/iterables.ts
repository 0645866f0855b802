// Reading async iterables (streams of chunks, events) to their end in tests.

/** Reads `iterable` to its end and resolves with every item, in order; rejects as the iterable does. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Reads `iterable` to its end, dropping the items; rejects as the iterable does. */
export async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _item of iterable) {
    // Only the end (or the failure) matters.
  }
}
