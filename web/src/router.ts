import { useEffect, useState } from "react";

/** Where the dashboard is: the hash path (`/region/CN-GD`) and its query (`?range=7d`). */
export type Route = { path: string; params: URLSearchParams };

function parseHash(): Route {
  const raw = window.location.hash.replace(/^#/, "") || "/";
  const [path = "/", search = ""] = raw.split("?", 2);
  return { path: path.startsWith("/") ? path : `/${path}`, params: new URLSearchParams(search) };
}

/** The current hash route, updated on navigation. */
export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const update = () => setRoute(parseHash());
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}

/** A hash link: `href("/region/CN-GD", { range: "7d" })` is `#/region/CN-GD?range=7d`. */
export function href(path: string, params: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

/** Goes to a hash route. */
export function navigate(path: string, params: Record<string, string | number | undefined> = {}): void {
  window.location.hash = href(path, params);
}
