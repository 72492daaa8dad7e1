/**
 * Which grid cells a GEOSEARCH / GEORADIUS looks in (geohash.ts explains the grid).
 *
 * A search never scans the whole set. It picks one step (cell size) big enough that the search
 * area fits within the cell holding the centre and its 8 neighbours, then reads only those nine
 * cells' score ranges, testing each member found against the exact shape (geo-shape-test.ts).
 *
 *     ┌────┬────┬────┐     1. bounding box of the shape, in degrees (the box widens in longitude
 *     │ NW │ N  │ NE │        towards the pole: it is measured at the latitude further from the
 *     ├────┼────┼────┤        equator)
 *     │ W  │ C  │ E  │     2. step from the radius: halve MERCATOR_MAX until it is below the
 *     ├────┼────┼────┤        radius, minus two steps for margin, one or two more beyond 66°
 *     │ SW │ S  │ SE │        and 80° latitude, kept within 1..26
 *     └────┴────┴────┘     3. if a neighbour does not reach the bounding box's edge, one step up
 *                          4. from step 2 on, drop the neighbours beyond an edge of the bounding
 *                             box the centre cell already covers
 *
 * The cells are read in the order C, N, S, E, W, NE, NW, SE, SW; a cell equal to the one read
 * before it is skipped (at step 1 the neighbours wrap onto each other), except that the first
 * neighbour is never compared with the centre. Unsorted replies list members in this order, and
 * COUNT ... ANY stops in it, so the order is part of the interface.
 */
import { correctCos } from './correctly-rounded-trig';
import { areaOfCell, type Cell, degreesToRadians, EARTH_RADIUS_IN_METERS, encodeCell, MERCATOR_MAX, radiansToDegrees } from './geohash';

/** A search area: a circle of `radius` or a `width` × `height` box, in `unit` lengths. */
export type GeoShape =
  | { readonly kind: 'radius'; readonly lon: number; readonly lat: number; readonly radius: number; readonly metresPerUnit: number }
  | { readonly kind: 'box'; readonly lon: number; readonly lat: number; readonly width: number; readonly height: number; readonly metresPerUnit: number };

interface Bounds {
  readonly minLon: number;
  readonly minLat: number;
  readonly maxLon: number;
  readonly maxLat: number;
}

function boundingBox(shape: GeoShape): Bounds {
  const halfHeight = shape.metresPerUnit * (shape.kind === 'radius' ? shape.radius : shape.height / 2);
  const halfWidth = shape.metresPerUnit * (shape.kind === 'radius' ? shape.radius : shape.width / 2);
  const latDelta = radiansToDegrees(halfHeight / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radiansToDegrees(halfWidth / EARTH_RADIUS_IN_METERS / correctCos(degreesToRadians(shape.lat + latDelta)));
  const lonDeltaBottom = radiansToDegrees(halfWidth / EARTH_RADIUS_IN_METERS / correctCos(degreesToRadians(shape.lat - latDelta)));
  // Meridians converge towards the pole: the wider delta is on the side away from the equator.
  const lonDelta = shape.lat < 0 ? lonDeltaBottom : lonDeltaTop;
  return { minLon: shape.lon - lonDelta, maxLon: shape.lon + lonDelta, minLat: shape.lat - latDelta, maxLat: shape.lat + latDelta };
}

/** The step whose cells are about the size of `rangeMetres` at latitude `lat`. */
export function estimateStep(rangeMetres: number, lat: number): number {
  if (rangeMetres === 0) return 26;
  let step = 1;
  for (let range = rangeMetres; range < MERCATOR_MAX; range *= 2) step++;
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  return Math.min(26, Math.max(1, step));
}

/** The cell `dLon` columns east and `dLat` rows north, wrapping; only moved counters wrap. */
function moved(cell: Cell, dLon: number, dLat: number): Cell {
  const cells = 2 ** cell.step;
  const wrap = (n: number): number => ((n % cells) + cells) % cells;
  return {
    step: cell.step,
    lonIndex: dLon === 0 ? cell.lonIndex : wrap(cell.lonIndex + dLon),
    latIndex: dLat === 0 ? cell.latIndex : wrap(cell.latIndex + dLat),
  };
}

/** The nine cells in reading order; null for a neighbour left out. */
type NineCells = [Cell, Cell | null, Cell | null, Cell | null, Cell | null, Cell | null, Cell | null, Cell | null, Cell | null];

function nineCells(centre: Cell): NineCells {
  return [
    centre,
    moved(centre, 0, 1), // N
    moved(centre, 0, -1), // S
    moved(centre, 1, 0), // E
    moved(centre, -1, 0), // W
    moved(centre, 1, 1), // NE
    moved(centre, -1, 1), // NW
    moved(centre, 1, -1), // SE
    moved(centre, -1, -1), // SW
  ];
}

const N = 1, S = 2, E = 3, W = 4, NE = 5, NW = 6, SE = 7, SW = 8;

/** The cells to read for `shape`, in reading order, duplicates already skipped. */
export function searchCells(shape: GeoShape): Cell[] {
  const bounds = boundingBox(shape);
  const radiusMetres =
    (shape.kind === 'radius' ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))) *
    shape.metresPerUnit;
  let step = estimateStep(radiusMetres, shape.lat);
  let cells = nineCellsAt(shape, step);
  const north = areaOfCell(cells[N] as Cell);
  const south = areaOfCell(cells[S] as Cell);
  const east = areaOfCell(cells[E] as Cell);
  const west = areaOfCell(cells[W] as Cell);
  const tooSmall = north.latMax < bounds.maxLat || south.latMin > bounds.minLat || east.lonMax < bounds.maxLon || west.lonMin > bounds.minLon;
  if (step > 1 && tooSmall) {
    step--;
    cells = nineCellsAt(shape, step);
  }
  if (step >= 2) {
    const area = areaOfCell(cells[0]);
    const drop = (...which: number[]): void => {
      for (const i of which) cells[i] = null;
    };
    if (area.latMin < bounds.minLat) drop(S, SW, SE);
    if (area.latMax > bounds.maxLat) drop(N, NE, NW);
    if (area.lonMin < bounds.minLon) drop(W, SW, NW);
    if (area.lonMax > bounds.maxLon) drop(E, SE, NE);
  }
  const out: Cell[] = [];
  let lastRead = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === undefined || cell === null) continue;
    const previous = cells[lastRead];
    if (lastRead !== 0 && previous !== null && previous !== undefined && cell.latIndex === previous.latIndex && cell.lonIndex === previous.lonIndex) continue;
    out.push(cell);
    lastRead = i;
  }
  return out;
}

function nineCellsAt(shape: GeoShape, step: number): NineCells {
  const centre = encodeCell(shape.lon, shape.lat, step);
  // The shape's centre was validated (an argument) or decoded (a member), so it encodes.
  if (centre === null) throw new Error(`search centre out of range: ${shape.lon},${shape.lat}`);
  return nineCells(centre);
}
