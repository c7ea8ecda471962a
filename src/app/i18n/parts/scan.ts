/** Messages of this feature (merged into the catalog by ../index.ts). */
export const vi = {} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export const en: Widen<typeof vi> = {};
