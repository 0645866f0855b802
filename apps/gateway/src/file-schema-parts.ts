// Pieces every section of the GATEWAY_CONFIG file's schema uses: strict mappings, variable names.
import { z } from 'zod';

/** Letters, digits, `_`: what a shell accepts as a variable name. */
export const ENV_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A strict object whose unknown keys are reported with the keys it knows, so a typo points at its
 * fix; `what` is the message when the value is not an object at all.
 */
export function strict<Shape extends z.ZodRawShape>(shape: Shape, what: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key (known: ${known})` : what),
  });
}
