import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { en, type StringKey, zh } from "./strings.js";
import { useZone } from "./time.js";

/** The two languages of the dashboard. */
export type Lang = "zh" | "en";

const storageKey = "gridledger.lang";

/** The saved choice, else the browser's language (Chinese for any `zh-*`), else English. */
function initialLang(): Lang {
  const saved = localStorage.getItem(storageKey);
  if (saved === "zh" || saved === "en") return saved;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** A label with `{name}` placeholders filled in. */
export type Translate = (key: StringKey, params?: Record<string, string | number>) => string;

type I18n = {
  lang: Lang;
  setLang(lang: Lang): void;
  t: Translate;
  has(key: string): key is StringKey;
  /** The node's UTC offset (minutes) every time is shown in: labels re-render when it arrives. */
  zone: number;
};

const I18nContext = createContext<I18n | undefined>(undefined);

/** Provides the language and its labels; the choice is kept in localStorage. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(storageKey, next);
    document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
    setLangState(next);
  }, []);
  const zone = useZone();
  const value = useMemo<I18n>(() => {
    const table: Record<string, string> = lang === "zh" ? zh : en;
    return {
      lang,
      setLang,
      t: (key, params) =>
        (table[key] ?? key).replace(/\{(\w+)\}/g, (whole, name: string) =>
          params && name in params ? String(params[name]) : whole,
        ),
      has: (key): key is StringKey => key in en,
      zone,
    };
  }, [lang, setLang, zone]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** The current language and its labels. */
export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
