import i18next, { type Module } from 'i18next';
import { en } from './en';
import { vi } from './vi';

export type Locale = 'vi' | 'en';
export const LOCALES: readonly Locale[] = ['vi', 'en'];

/** Initialises the shared i18next instance; `plugins` lets the UI add react-i18next. */
export async function initI18n(locale: Locale, plugins: Module[] = []): Promise<void> {
  let instance = i18next;
  for (const plugin of plugins) instance = instance.use(plugin);
  await instance.init({
    resources: { vi: { translation: vi }, en: { translation: en } },
    lng: locale,
    fallbackLng: 'vi',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
}
