import type { FastifyInstance } from "fastify";
import { BaseError } from "../core/errors.js";
import { maxReadingsPerRequest } from "../metering/ingest.js";

/** Deepest nesting of arrays and objects a JSON body may have; none of the API's bodies needs more than 5. */
export const maxJsonDepth = 32;

/**
 * Largest request bodies, in bytes. Most writes (regions, proposals, votes, alerts, analyses) are small;
 * a batch of readings is `maxReadingsPerRequest` readings of at most 1 KiB of JSON each (a reading is
 * about 420 bytes; the rest leaves room for pretty-printing); a batch of devices is up to 10,000 devices
 * of at most 512 bytes each (a PEM secp256k1 key is the longest field, 174 characters).
 */
export const bodyLimits = {
  default: 64 * 1024,
  readings: maxReadingsPerRequest * 1024,
  devices: 10_000 * 512,
} as const;

/**
 * Nesting depth of JSON text up to the first point it passes `max` (then `max + 1`): one pass over the
 * characters, brackets inside strings not counted. Cheap even for a body at the size limit, so a
 * deeply nested body is refused before `JSON.parse` spends time (and stack) on it.
 */
export function jsonDepth(text: string, max = maxJsonDepth): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * Replaces fastify's JSON body parser by one that refuses bodies nested deeper than `maxJsonDepth`
 * (`REQUEST_TOO_DEEP`) before parsing, then parses with fastify's own secure parser, which refuses
 * `__proto__` and `constructor.prototype` keys (prototype poisoning). Bodies of any other content type
 * are refused with 415 (`REQUEST_UNSUPPORTED_MEDIA_TYPE`, see httpErrors.ts): the API speaks JSON only,
 * and a browser cannot send JSON cross-site without a CORS preflight the node does not answer.
 */
export function addJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    const depth = jsonDepth(text);
    if (depth > maxJsonDepth) {
      done(
        new BaseError("REQUEST_TOO_DEEP", `the JSON body is nested deeper than ${maxJsonDepth} levels`, {
          details: { maxDepth: maxJsonDepth },
        }),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}
