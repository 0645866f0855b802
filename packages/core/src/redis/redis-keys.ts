// How Redis keys are named so that every script and multi-key command runs in one Cluster slot.

/**
 * THE RULE for every key the gateway writes (Redis Cluster hashes only the part between the first `{`
 * and the next `}`, the hash tag): all keys one Lua script or one multi-key command touches carry the
 * same hash tag, so they live in one slot and never fail with CROSSSLOT. Tag by the entity the keys
 * are about (one bucket, one API key's usage), never by something shared by every key, or the whole
 * keyspace lands on one node. Keys used alone by single-key commands (cache GET/SET, ticket
 * SET/GETDEL) need no tag and spread over the cluster.
 *
 * Today: the token bucket's script touches one key, `<prefix>ratelimit:{global}` or
 * `<prefix>ratelimit:key:{<key id>}`. Keys added later that a script uses together (e.g. usage
 * counters `{<prefix>usage:<key name>}` next to their bucket) must share one tag per script call.
 * A REDIS_KEY_PREFIX that itself contains `{…}` puts every key in one slot: still correct, not spread.
 */
export function hashTagged(prefix: string, id: string): string {
  // A `}` inside the id ends the tag early, but the same id always gives the same tag: still one slot.
  return `${prefix}{${id}}`;
}
