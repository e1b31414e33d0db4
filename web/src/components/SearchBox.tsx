import { type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from "react";
import { type ApiError, answer, client, type Region } from "../api.js";
import { useI18n } from "../i18n.js";
import { navigate } from "../router.js";
import { ErrorBox } from "./ErrorBox.js";

/**
 * The header's region search: `广东`, `Guangdong`, `guang` or `CN-GD` (GET /v1/regions?search=…).
 * Enter opens the highlighted suggestion, else the only or first match; suggestions show while typing.
 */
export function SearchBox() {
  const { t, lang } = useI18n();
  const [text, setText] = useState("");
  const [matches, setMatches] = useState<Region[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState<ApiError>();
  const [noMatch, setNoMatch] = useState<string>();
  const listId = useId();
  const latest = useRef("");

  const search = useCallback(async (q: string): Promise<Region[]> => {
    latest.current = q;
    try {
      const { regions } = answer(
        await client.GET("/v1/regions", { params: { query: { search: q || undefined } } }),
      );
      setError(undefined);
      if (latest.current === q) setMatches(regions);
      return regions;
    } catch (caught) {
      setError(caught as ApiError);
      return [];
    }
  }, []);

  useEffect(() => {
    const q = text.trim();
    setNoMatch(undefined);
    if (!q) {
      setMatches([]);
      return;
    }
    const timer = setTimeout(() => void search(q), 150);
    return () => clearTimeout(timer);
  }, [text, search]);

  // Any navigation (a suggestion, a link, the back button) closes the suggestions and the "no match" note.
  useEffect(() => {
    const close = () => {
      setOpen(false);
      setNoMatch(undefined);
      setError(undefined);
      setActive(-1);
    };
    window.addEventListener("hashchange", close);
    return () => window.removeEventListener("hashchange", close);
  }, []);

  const go = (region: Region) => {
    setOpen(false);
    setText("");
    setMatches([]);
    setActive(-1);
    navigate(`/region/${encodeURIComponent(region.code)}`);
  };

  const onKeyDown = async (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setOpen(true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (matches.length === 0 ? -1 : (i + step + matches.length) % matches.length));
    } else if (event.key === "Escape") {
      setOpen(false);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const q = text.trim();
      if (!q) return;
      const chosen = matches[active];
      if (chosen) return go(chosen);
      // Enter may come before the debounced search: ask now.
      const found = await search(q);
      const exact = found.find((r) =>
        [r.code, r.nameZh, r.nameEn].some((name) => name.toLowerCase() === q.toLowerCase()),
      );
      const target = exact ?? found[0];
      if (target) go(target);
      else setNoMatch(q);
    }
  };

  const name = (r: Region) => (lang === "zh" ? `${r.nameZh} ${r.nameEn}` : `${r.nameEn} ${r.nameZh}`);
  return (
    <div className="search">
      <input
        type="search"
        role="combobox"
        aria-label={t("searchLabel")}
        aria-expanded={open && matches.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        placeholder={t("searchPlaceholder")}
        value={text}
        data-testid="region-search"
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() =>
          setTimeout(() => {
            setOpen(false);
            setNoMatch(undefined);
          }, 150)
        }
        onKeyDown={onKeyDown}
      />
      {open && matches.length > 0 && (
        <ul id={listId} className="suggestions" data-testid="region-suggestions">
          {matches.map((r, i) => (
            <li key={r.code}>
              <button
                type="button"
                className={i === active ? "active" : undefined}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => go(r)}
              >
                {name(r)} <span className="muted">{r.code}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {noMatch && (
        <div className="suggestions muted" role="status" data-testid="search-no-match">
          {t("searchNoMatch", { q: noMatch })}
        </div>
      )}
      {error && (
        <div className="suggestions">
          <ErrorBox error={error} />
        </div>
      )}
    </div>
  );
}
