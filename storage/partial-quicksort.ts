/**
 * The partial quicksort SORT uses when it sorts BY a pattern and LIMIT asks for only part of the
 * result: only the partitions that overlap the wanted range [first, last] are sorted further.
 *
 * Why reproduce it rather than sort everything: quicksort is not stable, so elements that
 * compare equal (ALPHA BY weights that tie, or are all missing) come out in an order that
 * depends on exactly how the partitions were formed. Redis's result is whatever its
 * implementation produces, so to give the same reply the same steps must be taken. Redis uses
 * the Bentley-McIlroy quicksort ("Engineering a Sort Function", 1993) as in the BSD libc, with
 * the partial-range pruning added:
 *
 * - fewer than 7 elements: insertion sort (swapping neighbours while the left one is greater);
 * - pivot: the middle element; above 7 elements the median of first, middle and last; above 40
 *   the median of three such medians, each taken over points n/8 apart;
 * - the pivot goes to the front; one scan from each end gathers elements equal to the pivot at
 *   both ends, less-than elements on the left and greater-than on the right (unlike some libc
 *   versions, there is no switch to insertion sort when that scan moved nothing);
 * - the equal runs are swapped into the middle, then the "less" part is sorted recursively and
 *   the "greater" part iteratively, each only if it overlaps the wanted range.
 */

export type Compare<T> = (a: T, b: T) => number;

/** Sorts items[first..last] into place as Redis's pqsort would (other positions: partly sorted). */
export function partialQuicksort<T>(items: T[], compare: Compare<T>, first: number, last: number): void {
  sortSlice(items, compare, 0, items.length, first, last);
}

function swap<T>(items: T[], i: number, j: number): void {
  const held = items[i] as T;
  items[i] = items[j] as T;
  items[j] = held;
}

/** Swaps the `count` elements starting at i with those starting at j. */
function swapRuns<T>(items: T[], i: number, j: number, count: number): void {
  for (let k = 0; k < count; k++) swap(items, i + k, j + k);
}

function insertionSort<T>(items: T[], compare: Compare<T>, lo: number, n: number): void {
  for (let m = lo + 1; m < lo + n; m++) {
    for (let l = m; l > lo && compare(items[l - 1] as T, items[l] as T) > 0; l--) swap(items, l, l - 1);
  }
}

function medianOfThree<T>(items: T[], compare: Compare<T>, a: number, b: number, c: number): number {
  const [x, y, z] = [items[a] as T, items[b] as T, items[c] as T];
  if (compare(x, y) < 0) return compare(y, z) < 0 ? b : compare(x, z) < 0 ? c : a;
  return compare(y, z) > 0 ? b : compare(x, z) < 0 ? a : c;
}

/** Whether the slice [lo, lo + n) holds any position of the wanted range. */
function overlaps(lo: number, n: number, first: number, last: number): boolean {
  const end = lo + n - 1;
  return !((first < lo && last < lo) || (first > end && last > end));
}

function sortSlice<T>(items: T[], compare: Compare<T>, lo: number, n: number, first: number, last: number): void {
  for (;;) {
    if (n < 7) {
      insertionSort(items, compare, lo, n);
      return;
    }
    let pivot = lo + Math.floor(n / 2);
    if (n > 7) {
      let left = lo;
      let right = lo + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        left = medianOfThree(items, compare, left, left + d, left + 2 * d);
        pivot = medianOfThree(items, compare, pivot - d, pivot, pivot + d);
        right = medianOfThree(items, compare, right - 2 * d, right - d, right);
      }
      pivot = medianOfThree(items, compare, left, pivot, right);
    }
    swap(items, lo, pivot);
    // lo holds the pivot; [lo+1, a) and (d, lo+n-1] collect elements equal to it.
    let a = lo + 1;
    let b = a;
    let c = lo + n - 1;
    let d = c;
    for (;;) {
      let order: number;
      while (b <= c && (order = compare(items[b] as T, items[lo] as T)) <= 0) {
        if (order === 0) swap(items, a++, b);
        b++;
      }
      while (b <= c && (order = compare(items[c] as T, items[lo] as T)) >= 0) {
        if (order === 0) swap(items, c, d--);
        c--;
      }
      if (b > c) break;
      swap(items, b++, c--);
    }
    const end = lo + n;
    let r = Math.min(a - lo, b - a);
    swapRuns(items, lo, b - r, r);
    r = Math.min(d - c, end - d - 1);
    swapRuns(items, b, end - r, r);
    const lessCount = b - a;
    if (lessCount > 1 && overlaps(lo, lessCount, first, last)) sortSlice(items, compare, lo, lessCount, first, last);
    const greaterCount = d - c;
    if (greaterCount <= 1) return;
    lo = end - greaterCount;
    n = greaterCount;
    if (!overlaps(lo, n, first, last)) return;
  }
}
