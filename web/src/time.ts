import { useSyncExternalStore } from "react";
import { answer, client } from "./api.js";
import type { Lang } from "./i18n.js";

/**
 * Every time on the dashboard is shown in one zone: the node's configured UTC offset
 * (`utcOffsetMinutes` of GET /v1/stats/overview, the analytics config's `utcOffsetMinutes`), never the
 * browser's, and always labelled (`2026-12-02 14:00 (UTC+8)`). Date pickers are read in that zone too.
 * Until the node has answered, times are shown in UTC, labelled `UTC`.
 */

const day = 86_400;
let zoneMinutes = 0;
let known = false;
const listeners = new Set<() => void>();

/** The UTC offset (minutes) times are shown in. */
export function currentZone(): number {
  return zoneMinutes;
}

/** Sets the node's UTC offset (minutes); every component using {@link useZone} re-renders. */
export function setZone(offsetMinutes: number): void {
  if (known && offsetMinutes === zoneMinutes) return;
  zoneMinutes = offsetMinutes;
  known = true;
  for (const listener of listeners) listener();
}

/** The UTC offset (minutes) times are shown in, re-rendering when the node's answer arrives. */
export function useZone(): number {
  return useSyncExternalStore(subscribe, currentZone);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** `+8`, `−3:30`, `+5:45`: an offset in minutes as hours (and minutes). */
export function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "−" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, "0")}` : ""}`;
}

/** `UTC+8`, `UTC−3:30`, `UTC`: the zone's name. */
export function zoneName(offsetMinutes: number = zoneMinutes): string {
  return offsetMinutes === 0 ? "UTC" : `UTC${offsetText(offsetMinutes)}`;
}

/** ` (UTC+8)` in English, `（UTC+8）` in Chinese: the label after a time. */
export function zoneLabel(lang: Lang, offsetMinutes: number = zoneMinutes): string {
  return lang === "zh" ? `（${zoneName(offsetMinutes)}）` : ` (${zoneName(offsetMinutes)})`;
}

/** Seconds since the epoch of a Unix time (seconds), an ISO string or a Date. */
function secondsOf(at: number | string | Date): number {
  if (typeof at === "number") return at;
  return (typeof at === "string" ? Date.parse(at) : at.getTime()) / 1000;
}

/** The wall-clock fields of a moment at the offset. */
function fieldsAt(seconds: number, offsetMinutes: number) {
  const d = new Date((seconds + offsetMinutes * 60) * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    date: `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`,
    hm: `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`,
    s: d.getUTCSeconds(),
    two,
  };
}

/**
 * A moment as date and time at the offset, labelled: `2026-12-02 14:00 (UTC+8)`; seconds only when
 * not zero (`07:08:43`). The same digits in both languages; `—` for none.
 */
export function formatDateTime(
  at: number | string | Date | null | undefined,
  lang: Lang,
  offsetMinutes: number = zoneMinutes,
): string {
  if (at === null || at === undefined || at === "") return "—";
  const seconds = secondsOf(at);
  if (!Number.isFinite(seconds)) return String(at);
  const f = fieldsAt(seconds, offsetMinutes);
  return `${f.date} ${f.hm}${f.s ? `:${f.two(f.s)}` : ""}${zoneLabel(lang, offsetMinutes)}`;
}

/** A clock time at the offset, labelled: `07:08:43 (UTC+8)` (e.g. when figures were last updated). */
export function formatClock(
  at: number | string | Date,
  lang: Lang,
  offsetMinutes: number = zoneMinutes,
): string {
  const f = fieldsAt(secondsOf(at), offsetMinutes);
  return `${f.hm}:${f.two(f.s)}${zoneLabel(lang, offsetMinutes)}`;
}

/**
 * A chart tick for a bucket start at the offset, without the zone (the axis caption names it):
 * `12-03 14:00` for hours, `12-03` for days, `2026-12` for months.
 */
export function formatTick(start: number, granularity: string, offsetMinutes: number = zoneMinutes): string {
  const f = fieldsAt(start, offsetMinutes);
  const md = `${f.two(f.month)}-${f.two(f.day)}`;
  if (granularity === "hour") return `${md} ${f.hm}`;
  if (granularity === "month") return `${f.year}-${f.two(f.month)}`;
  return md;
}

/** The `YYYY-MM-DD` day at the offset that contains the moment (for a date picker's value). */
export function dateInputOf(at: number | string | Date, offsetMinutes: number = zoneMinutes): string {
  return fieldsAt(secondsOf(at), offsetMinutes).date;
}

/**
 * A date picker's `YYYY-MM-DD` as Unix seconds: the midnight starting that day at the offset, or the
 * next midnight when `endOfDay` (so a `to` date includes its whole day); undefined when not a date.
 */
export function dateInputToUnix(
  date: string,
  endOfDay: boolean,
  offsetMinutes: number = zoneMinutes,
): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  const midnightUtc = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 1000;
  if (!Number.isFinite(midnightUtc)) return undefined;
  return midnightUtc - offsetMinutes * 60 + (endOfDay ? day : 0);
}

/** The midnight at the offset that starts the day containing `now` (Unix seconds). */
export function dayStartAt(now: number, offsetMinutes: number = zoneMinutes): number {
  const offset = offsetMinutes * 60;
  return Math.floor((now + offset) / day) * day - offset;
}

/** Asks the node for its UTC offset (`utcOffsetMinutes` of GET /v1/stats/overview), retrying every 10 s until it answers. */
export function loadZone(): void {
  client.GET("/v1/stats/overview").then(
    (result) => setZone(answer(result).utcOffsetMinutes),
    () => setTimeout(loadZone, 10_000),
  );
}
