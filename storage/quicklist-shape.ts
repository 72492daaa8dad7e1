/**
 * The settings a Redis 7.0 list is built with, which decide how its quicklist cuts it into nodes
 * (storage/rdb/quicklist-layout.ts). Redis reads them when it creates the list (a push to a new
 * key, SORT ... STORE, RESTORE, loading a snapshot) and keeps them in the quicklist for good:
 * a CONFIG SET afterwards changes only the lists created after it, which is why DEBUG OBJECT's
 * ql_listpack_max can differ from the config. A copy (COPY) keeps the original's.
 *
 *   fill            list-max-listpack-size: > 0 at most that many elements a node (and 8 KiB);
 *                   -1..-5 at most 4, 8, 16, 32 or 64 KiB a node. Redis clamps it to
 *                   [-5, 32767] when it stores it (quicklistSetFill).
 *   compressDepth   list-compress-depth: how many nodes at each end stay uncompressed; 0 none
 *                   compressed. Clamped to [0, 65535] (the quicklist's 16-bit field).
 *   packedThreshold DEBUG QUICKLIST-PACKED-THRESHOLD: an element this long or longer gets a node
 *                   of its own, stored plainly (1 GiB unless a test lowered it). In Redis a
 *                   process-wide setting read at each insertion; here it is read with the others
 *                   when the list is created, which is the same for a list filled after the
 *                   threshold was set.
 */

export interface QuicklistShape {
  readonly fill: number;
  readonly compressDepth: number;
  readonly packedThresholdBytes: number;
}

/** Redis's FILL_MAX and the most negative fill it has a size for. */
const FILL_MAX = 32767;
const FILL_MIN = -5;
const COMPRESS_MAX = 65535;

/** The packed threshold Redis starts with, and restores when told 0. */
export const DEFAULT_PACKED_THRESHOLD_BYTES = 1 << 30;

/** A list made with Redis's defaults: list-max-listpack-size -2, list-compress-depth 0. */
export const DEFAULT_QUICKLIST_SHAPE: QuicklistShape = { fill: -2, compressDepth: 0, packedThresholdBytes: DEFAULT_PACKED_THRESHOLD_BYTES };

/** The shape of a list created under these settings, clamped as Redis stores them. */
export function quicklistShape(fill: number, compressDepth: number, packedThresholdBytes: number): QuicklistShape {
  return {
    fill: Math.min(FILL_MAX, Math.max(FILL_MIN, fill)),
    compressDepth: Math.min(COMPRESS_MAX, Math.max(0, compressDepth)),
    packedThresholdBytes,
  };
}
