import { href } from "./router.js";

/** One price level of an order book (`GET …/book`): integers as decimal strings. */
export type DepthLevel = { price: string; energyWh: string };

/**
 * The cumulative depth of a book, one point per price level (ascending): the energy bid at that
 * price or above (buyers willing to pay it) and the energy offered at that price or below (sellers
 * willing to take it), with a point a little below the lowest level (no offer yet) and a little above
 * the highest (no bid left), so each curve shows its steps. Where the two curves cross, the auction
 * clears.
 */
export function depthPoints(book: {
  bids: readonly DepthLevel[];
  asks: readonly DepthLevel[];
}): { price: number; bids: number; asks: number }[] {
  const levels = [...new Set([...book.bids, ...book.asks].map((l) => Number(l.price)))].sort((a, b) => a - b);
  const low = levels[0];
  const high = levels.at(-1);
  if (low === undefined || high === undefined) return [];
  const pad = Math.max(1, Math.round((high - low) / 10));
  const prices = [Math.max(0, low - pad), ...levels, high + pad].filter((p, i, all) => all.indexOf(p) === i);
  return prices.map((price) => ({
    price,
    bids: book.bids.filter((l) => Number(l.price) >= price).reduce((sum, l) => sum + Number(l.energyWh), 0),
    asks: book.asks.filter((l) => Number(l.price) <= price).reduce((sum, l) => sum + Number(l.energyWh), 0),
  }));
}

/**
 * A meter proof path of a settlement statement (`/v1/readings/<device>/<seq>/proof`) as a link to the
 * explorer's reading verifier (`#/explorer?device=…&seq=…`), which checks it in the browser; any
 * other path is linked as it is.
 */
export function meterProofLink(path: string): string {
  const match = /^\/v1\/readings\/(0x[0-9a-fA-F]{64})\/([0-9]+)\/proof$/.exec(path);
  return match ? href("/explorer", { device: match[1], seq: match[2] }) : path;
}
