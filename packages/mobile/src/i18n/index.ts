/**
 * The page's catalogue (i18next, as the console): Chinese by default, English in
 * settings; the choice is kept in localStorage (the console's key, so one choice serves
 * both on a shared origin).
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zh } from './zh';

export type Lang = 'zh' | 'en';
const LANG_KEY = 'kaoqin.lang';

function storedLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

void i18n.use(initReactI18next).init({
  resources: { zh: { translation: zh }, en: { translation: en } },
  lng: storedLang(),
  fallbackLng: false,
  interpolation: { escapeValue: false },
  returnNull: false,
  saveMissing: true,
  missingKeyHandler: (_lngs, _ns, key) => console.error(`i18n: missing key "${key}"`),
});
document.documentElement.lang = storedLang() === 'en' ? 'en' : 'zh-CN';

export function setLang(lang: Lang): void {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // private mode: the choice lasts this page
  }
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  void i18n.changeLanguage(lang);
}

export function currentLang(): Lang {
  return i18n.language === 'en' ? 'en' : 'zh';
}

export { i18n };
