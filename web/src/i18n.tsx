import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError } from './api';
import { en, type MessageKey, type Messages } from './messages/en';
import { ko } from './messages/ko';

export type Lang = 'ko' | 'en';
const DICTIONARIES: Record<Lang, Messages> = { ko, en };
const STORAGE_KEY = 'tmomi.lang';

/** A saved choice wins; otherwise Korean for Korean browsers and English for everyone else. */
export function initialLang(saved: string | null, browserLanguages: readonly string[]): Lang {
  if (saved === 'ko' || saved === 'en') return saved;
  return browserLanguages[0]?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

/** The sentence for an error: its code's, else a plain one by HTTP status; never the raw code. */
export function errorSentence(messages: Messages, err: unknown): string {
  const table: Record<string, string> = messages.errors;
  if (err instanceof ApiError) {
    return table[err.code] ?? (err.status >= 500 ? messages.errors.SERVER : messages.errors.CLIENT);
  }
  return messages.errors.SERVER;
}

export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  errorText: (err: unknown) => string;
  money: (amount: number, currency: string) => string;
  dateTime: (iso: string) => string;
  duration: (seconds: number) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() =>
    initialLang(localStorage.getItem(STORAGE_KEY), navigator.languages),
  );
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLangState(next);
  }, []);

  const value = useMemo<I18n>(() => {
    const messages = DICTIONARIES[lang];
    const locale = lang === 'ko' ? 'ko-KR' : 'en-GB';
    const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    return {
      lang,
      setLang,
      t: (key, vars) =>
        messages[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
          vars && name in vars ? String(vars[name]) : whole,
        ),
      errorText: (err) => errorSentence(messages, err),
      money: (amount, currency) =>
        new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 }).format(
          amount,
        ),
      dateTime: (iso) => dateFormat.format(new Date(iso)),
      duration: (seconds) => formatDuration(Math.max(0, Math.round(seconds)), lang),
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function formatDuration(seconds: number, lang: Lang): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const units = lang === 'ko' ? ['일', '시간', '분', '초'] : ['d', 'h', 'm', 's'];
  const parts = [d, h, m, s]
    .map((n, i) => (n > 0 ? `${n}${units[i]}` : ''))
    .filter(Boolean)
    // Two units are enough to wait by: "2d 3h", "4m 10s".
    .slice(0, 2);
  return parts.length > 0 ? parts.join(' ') : `0${units[3]}`;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
