import { z } from 'zod';
import { BranchConfig } from './branchConfig';
import { CalendarYear } from './calendar';
import { Procedure } from './catalog';
import { SearchSynonyms } from './searchSynonyms';
import { StaffAccount } from './staff';
import { DossierCode } from './wireTypes';

/**
 * What the centre publishes to kiosks through pull (DESIGN.md, "Pull"). Every record lives in one
 * scope: `global` (catalog, calendar, questionnaire, search synonyms: the same for every branch) or `branch:<code>`
 * (the branch's configuration and the status of its dossiers), and the branch's staff accounts in
 * `staff:<code>`. A kiosk may read `global` and its own branch's scope; the staff scope only a
 * counter or technician machine of that branch (a citizen kiosk never holds a PIN verifier).
 */
export const GLOBAL_SCOPE = 'global';
export type Scope = typeof GLOBAL_SCOPE | `branch:${string}` | `staff:${string}`;
export const ScopeName = z
  .string()
  .regex(/^(global|(branch|staff):[A-Z0-9]{2,12})$/, 'scope is "global", "branch:<code>" or "staff:<code>"') as z.ZodType<Scope>;

export function branchScope(branchCode: string): Scope {
  return `branch:${branchCode}`;
}

export function staffScope(branchCode: string): Scope {
  return `staff:${branchCode}`;
}

/** The branch a branch or staff scope belongs to; null for global. */
export function scopeBranch(scope: Scope): string | null {
  const colon = scope.indexOf(':');
  return colon === -1 ? null : scope.slice(colon + 1);
}

/** Whether machines of this role hold the branch's staff accounts (they sign staff in; a branch hub serves them). */
export function readsStaff(role: string): boolean {
  return role === 'counter' || role === 'technician' || role === 'hub';
}

/** The scopes a machine of `role` in `branchCode` pulls. */
export function scopesOf(branchCode: string, role?: string): readonly Scope[] {
  return role !== undefined && readsStaff(role) ? [GLOBAL_SCOPE, branchScope(branchCode), staffScope(branchCode)] : [GLOBAL_SCOPE, branchScope(branchCode)];
}

export { DossierCode };

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
  staffAccount: { schema: StaffAccount, scope: 'staff', keyOf: (r: StaffAccount) => r.staffId, key: StaffAccount.shape.staffId },
} as const;
export type PublishedEntity = keyof typeof PUBLISHED_ENTITIES;
export const PUBLISHED_ENTITY_NAMES = Object.keys(PUBLISHED_ENTITIES) as [PublishedEntity, ...PublishedEntity[]];
export type PublishedRecord<E extends PublishedEntity> = z.infer<(typeof PUBLISHED_ENTITIES)[E]['schema']>;

export function entityAllowedInScope(entity: PublishedEntity, scope: Scope): boolean {
  const home = PUBLISHED_ENTITIES[entity].scope;
  return home === 'global' ? scope === GLOBAL_SCOPE : scope.startsWith(`${home}:`);
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
