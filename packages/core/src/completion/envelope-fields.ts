// The top-level fields every chunk and completion share; any other top-level field is the provider's own.

/** Built by the gateway for each chunk or completion; everything else a provider sends is kept as is. */
export const ENVELOPE_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'object',
  'created',
  'model',
  'choices',
  'usage',
]);
