/**
 * The few DOM helpers the page's modules share: no framework, so building an element with its
 * attributes, finding one by id, and an owner's colour (the slot map and the cards agree on it).
 */

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== '') node.textContent = text;
  return node;
}

/** An element of the page; null where the page has none (the controls, without --view-controls). */
export function byId<T extends HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** An element the page always has: a missing one is a bug in view-page.ts, said loudly. */
export function must<T extends HTMLElement>(id: string): T {
  const found = byId<T>(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
}

/** Ten distinct colours for the usual few primaries (Tableau 10). */
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#e15759', '#9c755f', '#ff9da7', '#bab0ac'];
/** The golden angle: successive hues land far from all earlier ones, however many there are. */
const GOLDEN_ANGLE_DEG = 137.508;

/**
 * A node's colour, by its index. Past the palette (a 30-node cluster has 15 primaries, and after
 * failovers any index may own slots) the hue turns by the golden angle per index, so owners
 * 10 and 20 do not share the colour of owner 0.
 */
export function ownerColor(index: number): string {
  if (index < 0) return '#ddd';
  return PALETTE[index] ?? `hsl(${((index - PALETTE.length) * GOLDEN_ANGLE_DEG + 15) % 360}deg 55% 48%)`;
}
