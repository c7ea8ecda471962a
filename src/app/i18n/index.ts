import i18next, { type Module } from 'i18next';
import { en } from './en';
import { PARTS } from './parts';
import { vi } from './vi';

export type Locale = 'vi' | 'en';
export const LOCALES: readonly Locale[] = ['vi', 'en'];

type Tree = { [key: string]: string | Tree };

/** `base` with `part`'s keys added; a key defined twice with different values is a programming error. */
export function mergeMessages(base: object, part: object, path = ''): Tree {
  const out: Tree = { ...(base as Tree) };
  for (const [key, value] of Object.entries(part as Tree)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (typeof existing === 'object' && typeof value === 'object') out[key] = mergeMessages(existing, value, `${path}${key}.`);
    else if (existing !== value) throw new Error(`message ${path}${key} is defined twice`);
  }
  return out;
}

export function catalogFor(locale: Locale): Tree {
  return PARTS.reduce<Tree>((acc, part) => mergeMessages(acc, locale === 'vi' ? part.vi : part.en), (locale === 'vi' ? vi : en) as Tree);
}

/** Initialises the shared i18next instance; `plugins` lets the UI add react-i18next. */
export async function initI18n(locale: Locale, plugins: Module[] = []): Promise<void> {
  let instance = i18next;
  for (const plugin of plugins) instance = instance.use(plugin);
  await instance.init({
    resources: { vi: { translation: catalogFor('vi') }, en: { translation: catalogFor('en') } },
    lng: locale,
    fallbackLng: 'vi',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
}
