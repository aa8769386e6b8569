/**
 * The console's one i18n catalogue (i18next): Chinese by default, English one click
 * away (the header's switch; the choice is kept in localStorage). Each area of the
 * console keeps its strings in its own file here (part.ts checks both languages have
 * the same keys); this file merges them. Dates and antd's own texts follow the same
 * language (app.tsx).
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Part, Tree } from './part';

/**
 * Every area's part: each file in parts/ default-exports one (part.ts), so an area of
 * the console adds its strings without touching this file.
 */
const PARTS = Object.values(import.meta.glob<{ default: Part<Tree> }>('./parts/*.ts', { eager: true })).map(
  (m) => m.default,
);

export type Lang = 'zh' | 'en';
const LANG_KEY = 'kaoqin.lang';

function merge(lang: Lang): Record<string, Tree | string> {
  const out: Record<string, Tree | string> = {};
  for (const p of PARTS) {
    for (const [k, v] of Object.entries(p[lang])) {
      if (k in out) throw new Error(`i18n: two parts define "${k}"`);
      out[k] = v;
    }
  }
  return out;
}

export const catalogue = { zh: merge('zh'), en: merge('en') };

function storedLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

void i18n.use(initReactI18next).init({
  resources: { zh: { translation: catalogue.zh }, en: { translation: catalogue.en } },
  lng: storedLang(),
  fallbackLng: false,
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
  // A key missing at run time shows as the key and is logged: the browser tests fail on
  // any console error, and test/i18n.test.ts finds it before that.
  saveMissing: true,
  missingKeyHandler: (_lngs, _ns, key) => console.error(`i18n: missing key "${key}"`),
});

export function setLang(lang: Lang): void {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // private mode: the choice lasts this page
  }
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  void i18n.changeLanguage(lang);
}

export default i18n;
