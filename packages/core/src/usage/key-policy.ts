// Who is calling and what their key may do: the per-key settings of the config file's `keys` section.

/** USD a key may spend per UTC day and per UTC month (absent: no limit). */
export interface BudgetUsd {
  readonly daily?: number | undefined;
  readonly monthly?: number | undefined;
}

/**
 * A caller as the engine sees it: a name (shown in usage, logs and metrics; never the key itself) and
 * its limits. A key from GATEWAY_API_KEYS has no settings, and its key id as its name.
 */
export interface KeyPolicy {
  readonly name: string;
  /** Aliases it may use (absent: all). */
  readonly models?: readonly string[] | undefined;
  /** Its own request bucket, in place of RATE_LIMIT_PER_KEY_REQUESTS_PER_MINUTE (absent: that one). */
  readonly requestsPerMinute?: number | undefined;
  /** Its own token bucket (absent: none). */
  readonly tokensPerMinute?: number | undefined;
  readonly budgetUsd?: BudgetUsd | undefined;
  /** May read every key's usage. */
  readonly admin: boolean;
}

/** The caller of a gateway without keys: one name for everyone. */
export const ANONYMOUS_CALLER: KeyPolicy = { name: 'anonymous', admin: false };
