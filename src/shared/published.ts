import { z } from 'zod';
import { BranchConfig } from './branchConfig';
import { CalendarYear } from './calendar';
import { Procedure } from './catalog';
import { SearchSynonyms } from './searchSynonyms';

/**
 * What the centre publishes to kiosks through pull (DESIGN.md, "Pull"). Every record lives in one
 * scope: `global` (catalog, calendar, questionnaire, search synonyms: the same for every branch) or `branch:<code>`
 * (the branch's configuration and the status of its dossiers). A kiosk may read `global` and its
 * own branch's scope, nothing else.
 */
export const GLOBAL_SCOPE = 'global';
export type Scope = typeof GLOBAL_SCOPE | `branch:${string}`;
export const ScopeName = z.string().regex(/^(global|branch:[A-Z0-9]{2,12})$/, 'scope is "global" or "branch:<code>"') as z.ZodType<Scope>;

export function branchScope(branchCode: string): Scope {
  return `branch:${branchCode}`;
}

export function scopesOf(branchCode: string): readonly Scope[] {
  return [GLOBAL_SCOPE, branchScope(branchCode)];
}

/** Dossier code per Circular 01/2018/TT-VPCP art. 19, e.g. 000.00.21.H26-260212-0001. */
export const DossierCode = z.string().regex(/^[0-9A-Z]{1,6}(\.[0-9A-Z]{1,6}){1,5}-\d{6}-\d{4,6}$/, 'dossier code like 000.00.21.H26-260212-0001');

export const SATISFACTION_LEVELS = ['very-satisfied', 'satisfied', 'neutral', 'dissatisfied'] as const;
export const RATING_REASONS = ['attitude', 'time', 'guidance', 'result'] as const;

export const Questionnaire = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,40}$/),
    version: z.number().int().min(1),
    title: z.object({ vi: z.string().min(1).max(200), en: z.string().min(1).max(200) }).strict(),
    levels: z.array(z.enum(SATISFACTION_LEVELS)).min(3).max(5),
    reasons: z.array(z.enum(RATING_REASONS)).max(10),
    allowComment: z.boolean(),
    active: z.boolean(),
  })
  .strict();
export type Questionnaire = z.infer<typeof Questionnaire>;

export const DOSSIER_STATUSES = ['received', 'processing', 'supplement-requested', 'ready', 'returned', 'rejected', 'withdrawn'] as const;

export const DossierStatus = z
  .object({
    code: DossierCode,
    status: z.enum(DOSSIER_STATUSES),
    /** When the centre recorded this status, epoch ms (the centre's clock). */
    statusAt: z.number().int().min(0).max(8_640_000_000_000_000),
    /** The (possibly moved) appointment date, YYYY-MM-DD, or null. */
    appointmentDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .nullable(),
    /** A short note for the citizen, no personal data. */
    note: z.string().max(500),
  })
  .strict();
export type DossierStatus = z.infer<typeof DossierStatus>;

/**
 * Each published entity: its record schema, which scopes it may live in, how its key is derived
 * from the record (the key in a change must equal it), and what a key looks like (a delete names
 * only the key, so it is checked against this).
 */
export const PUBLISHED_ENTITIES = {
  branchConfig: { schema: BranchConfig, scope: 'branch', keyOf: (r: BranchConfig) => r.branchCode, key: BranchConfig.shape.branchCode },
  procedure: { schema: Procedure, scope: 'global', keyOf: (r: Procedure) => r.code, key: Procedure.shape.code },
  calendar: { schema: CalendarYear, scope: 'global', keyOf: (r: CalendarYear) => String(r.year), key: z.string().regex(/^(20\d\d|2100)$/, 'a year 2000–2100') },
  questionnaire: { schema: Questionnaire, scope: 'global', keyOf: (r: Questionnaire) => r.id, key: Questionnaire.shape.id },
  dossierStatus: { schema: DossierStatus, scope: 'branch', keyOf: (r: DossierStatus) => r.code, key: DossierCode },
  searchSynonyms: { schema: SearchSynonyms, scope: 'global', keyOf: (r: SearchSynonyms) => r.id, key: SearchSynonyms.shape.id },
} as const;
export type PublishedEntity = keyof typeof PUBLISHED_ENTITIES;
export const PUBLISHED_ENTITY_NAMES = Object.keys(PUBLISHED_ENTITIES) as [PublishedEntity, ...PublishedEntity[]];
export type PublishedRecord<E extends PublishedEntity> = z.infer<(typeof PUBLISHED_ENTITIES)[E]['schema']>;

export function entityAllowedInScope(entity: PublishedEntity, scope: Scope): boolean {
  return PUBLISHED_ENTITIES[entity].scope === 'global' ? scope === GLOBAL_SCOPE : scope.startsWith('branch:');
}

/** Whether `key` has the shape of a key of `entity` (a delete's key; never echoed back). */
export function isPublishedKey(entity: PublishedEntity, key: string): boolean {
  return PUBLISHED_ENTITIES[entity].key.safeParse(key).success;
}

/** Validates a published record; on success returns its key. Never echoes the record's values. */
export function validatePublished(
  entity: PublishedEntity,
  data: unknown,
): { ok: true; key: string; data: unknown } | { ok: false; issues: z.core.$ZodIssue[] } {
  const def = PUBLISHED_ENTITIES[entity];
  const parsed = def.schema.safeParse(data);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues };
  return { ok: true, key: (def.keyOf as (r: unknown) => string)(parsed.data), data: parsed.data };
}
