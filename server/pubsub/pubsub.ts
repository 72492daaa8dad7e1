/**
 * The node's publish/subscribe registry. A stub until the pub/sub commands land: nobody can
 * subscribe yet, so a publication reaches no one.
 */
import type { ByteString } from '../../storage/bytes';

export class PubSub {
  /** Delivers a message to the channel's and matching patterns' subscribers; returns how many. */
  publish(_channel: ByteString, _message: ByteString): number {
    return 0;
  }
}
