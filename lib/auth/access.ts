import { getAccessVersion } from '../store/users';
import type { TableRef } from '../store/table-ref';
import { TtlCache } from '../util/ttl-cache';
import type { AccessClaims } from './tokens';

/**
 * How long a warm function trusts what it read of a user's access: a deleted user's token, or one made
 * before their role or tenants changed, stops working within this time (not at the token's expiry).
 */
export const ACCESS_CHECK_MAX_AGE_MS = 5_000;

/**
 * Whether an access token (or a WebSocket opened with one) still speaks for its user: the user exists
 * and their access version is the one the token was made with. Read per user at most every few seconds.
 */
export class AccessCheck {
  private readonly versions: TtlCache<number | null>;

  constructor(table: TableRef, maxAgeMs: number = ACCESS_CHECK_MAX_AGE_MS) {
    this.versions = new TtlCache((userId) => getAccessVersion(table, userId), maxAgeMs);
  }

  /** Reads the user's version again on the next check (this function changed it). */
  forget(userId: string): void {
    this.versions.invalidate(userId);
  }

  async isCurrent(claims: Pick<AccessClaims, 'sub' | 'ver'>): Promise<boolean> {
    let current = await this.versions.get(claims.sub);
    // Versions only move on: a token newer than what this function read (signed in again after a change)
    // means the read is out of date, not the token.
    if (current !== null && claims.ver > current) {
      this.versions.invalidate(claims.sub);
      current = await this.versions.get(claims.sub);
    }
    return current !== null && current === claims.ver;
  }
}
