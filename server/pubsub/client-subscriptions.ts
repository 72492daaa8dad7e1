/**
 * What one connection is subscribed to: channels, patterns and shard channels, each kept in the
 * order of subscription (that is the order an argument-less UNSUBSCRIBE walks them in).
 *
 * Redis counts two of them together and the third apart, and the counts are visible in every
 * (un)subscribe confirmation: SUBSCRIBE/PSUBSCRIBE and their opposites report channels plus
 * patterns, SSUBSCRIBE/SUNSUBSCRIBE report shard channels only. The connection is "in pub/sub
 * mode" (flag P in CLIENT LIST; the RESP2 command restriction) while it has any of the three.
 */
import type { ByteString } from '../../storage/bytes';

export class ClientSubscriptions {
  readonly channels = new Set<ByteString>();
  readonly patterns = new Set<ByteString>();
  readonly shardChannels = new Set<ByteString>();

  /** The count SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE and PUNSUBSCRIBE report. */
  get count(): number {
    return this.channels.size + this.patterns.size;
  }

  /** The count SSUBSCRIBE and SUNSUBSCRIBE report. */
  get shardCount(): number {
    return this.shardChannels.size;
  }

  /** Whether the connection is in pub/sub mode. */
  get active(): boolean {
    return this.channels.size + this.patterns.size + this.shardChannels.size > 0;
  }
}
