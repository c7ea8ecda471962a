import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_ROLES, type DeviceRole } from '../../src/shared/deviceConfig';
import { MUTATION_NAMES, RECORD_TYPES, type MutationName } from '../../src/shared/records';
import { EnrolResponse, PushResponse, type MutationEnvelope } from '../../src/shared/sync';
import { RECORD_SAMPLES } from '../support/recordSamples';
import { createEnrolCode } from '../../src/server/admin';
import { engines, openHarness, stateHash, START, type Harness } from './serverHarness';

/**
 * What every record type in the registry gets without a line of its own: exactly-once delivery
 * however often a batch is resent, rejection that never stops the stream (bad arguments, another
 * branch, a role that may not send it, text the database cannot store) and a fuzzed push that
 * never fails the server. The loop is over MUTATION_NAMES: a new type is covered the moment it is
 * registered (its sample in test/support/recordSamples.ts is a compile error until written).
 */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
/** The tables of the stream protocol itself; any other table changing means a record was stored. */
const PROTOCOL_TABLES = new Set(['mutations', 'journals', 'devices', 'enrolment_codes']);
/** Everything stored, the audit log included (audit.event@1 is stored there). */
const stored = (h: Harness) => stateHash(h.db, ['audit_log']);

/** Paths of the string fields of a value (objects only, not arrays). */
function textPaths(value: unknown, path: readonly string[] = []): string[][] {
  if (typeof value === 'string') return [[...path]];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => textPaths(v, [...path, k]));
}

/** A copy of `value` with the string at `path` replaced by `text`. */
function withText<T>(value: T, path: readonly string[], text: string): T {
  const copy = structuredClone(value) as Record<string, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[path[path.length - 1]!] = text;
  return copy as T;
}

for (const engine of engines) {
  describe(`every registered record type on ${engine.name}`, () => {
    let h: Harness;
    /** Numbers and codes used so far per type (samples must not clash across tests). */
    const next: Record<string, number> = {};
    const sample = <N extends MutationName>(name: N, branch = 'CN01') => {
      next[name] = (next[name] ?? 0) + 1;
      return RECORD_SAMPLES[name](next[name], branch);
    };

    beforeAll(async () => {
      h = await openHarness(engine);
    }, 120_000);
    afterAll(async () => h?.dispose());

    async function enrol(role: DeviceRole) {
      const deviceId = randomUUID();
      const { code } = await createEnrolCode(h.db, 'CN01', role, h.clock.now());
      const res = await h.app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, deviceId, role } });
      expect(res.statusCode, res.body).toBe(200);
      return { deviceId, auth: { authorization: `Bearer ${EnrolResponse.parse(res.json()).token}` }, journalId: randomUUID() };
    }
    type Device = Awaited<ReturnType<typeof enrol>>;

    const envelope = (name: MutationName, deviceSeq: number, args: unknown, mutationId: string = randomUUID()): MutationEnvelope => ({
      mutationId,
      deviceSeq,
      name,
      args,
      schemaVersion: 1,
      createdAt: START,
    });

    async function push(device: Device, mutations: readonly MutationEnvelope[]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/sync/push',
        headers: { ...device.auth, 'content-type': 'application/json' },
        payload: JSON.stringify({ protocolVersion: 1, journalId: device.journalId, mutations }),
      });
      return res;
    }
    async function pushOk(device: Device, mutations: readonly MutationEnvelope[]) {
      const res = await push(device, mutations);
      expect(res.statusCode, res.body).toBe(200);
      return PushResponse.parse(res.json());
    }
    const dataTables = (state: Record<string, string>) => Object.fromEntries(Object.entries(state).filter(([t]) => !PROTOCOL_TABLES.has(t)));

    for (const name of MUTATION_NAMES) {
      const type = RECORD_TYPES[name];
      const allowed = type.roles[0]!;

      describe(name, () => {
        it('is stored once however often its batch is resent, in whole or overlapping', async () => {
          const device = await enrol(allowed);
          const records = [1, 2, 3, 4].map((seq) => envelope(name, seq, sample(name)));
          const before = dataTables(await stored(h));

          const first = await pushOk(device, records.slice(0, 3));
          expect(first.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
          expect(first.lastSeq).toBe(3);
          const afterThree = dataTables(await stored(h));
          // The handler stored something besides the stream's own bookkeeping.
          expect(afterThree).not.toEqual(before);

          for (let replay = 0; replay < 2; replay++) {
            const again = await pushOk(device, records.slice(0, 3));
            expect(again.results.map((r) => [r.status, r.reason])).toEqual([
              ['duplicate', undefined],
              ['duplicate', undefined],
              ['duplicate', undefined],
            ]);
            expect(dataTables(await stored(h))).toEqual(afterThree);
          }
          const overlapping = await pushOk(device, records.slice(1));
          expect(overlapping.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'applied']);
          const afterFour = await stored(h);
          const all = await pushOk(device, records);
          expect(all.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
          expect(all.lastSeq).toBe(4);
          expect(await stored(h)).toEqual(afterFour);
          const log = await h.db.query<{ device_seq: unknown; status: string; name: string }>(
            'SELECT device_seq, status, name FROM mutations WHERE device_id = $1 ORDER BY device_seq',
            [device.deviceId],
          );
          expect(log.map((r) => [Number(r.device_seq), r.status, r.name])).toEqual([1, 2, 3, 4].map((seq) => [seq, 'applied', name]));
        });

        it('is rejected with a reason for bad arguments, another branch or text the database cannot store, and the stream goes on', async () => {
          const device = await enrol(allowed);
          const before = dataTables(await stored(h));
          const good = sample(name);
          const firstText = Object.entries(good).find(([, v]) => typeof v === 'string' && v.length > 0)![0];
          const bad = [
            { ...sample(name), unexpected: 1 },
            Object.fromEntries(Object.entries(sample(name)).filter(([k]) => k !== 'id')),
            { ...sample(name), branchCode: 'CN02' },
            { ...sample(name), [firstText]: `x\u0000y` },
            'not an object',
          ];
          const res = await pushOk(device, [...bad.map((args, i) => envelope(name, i + 1, args))]);
          expect(res.results.map((r) => [r.status, r.reason?.code])).toEqual([
            ['rejected', 'sync.invalid-args'],
            ['rejected', 'sync.invalid-args'],
            ['rejected', 'sync.wrong-branch'],
            ['rejected', 'sync.invalid-args'],
            ['rejected', 'sync.invalid-args'],
          ]);
          expect(res.lastSeq).toBe(bad.length);
          // Nothing of them was stored; the next record is applied.
          expect(dataTables(await stored(h))).toEqual(before);
          const then = await pushOk(device, [envelope(name, bad.length + 1, good)]);
          expect(then.results.map((r) => r.status)).toEqual(['applied']);
          expect(then.lastSeq).toBe(bad.length + 1);
        });

        it(`is refused when its id is already taken by another ${type.noun} (${name.split('.')[0]}.id-taken), in one batch or across two`, async () => {
          const device = await enrol(allowed);
          const first = sample(name);
          const again = { ...sample(name), id: first.id };
          const inOne = await pushOk(device, [envelope(name, 1, first), envelope(name, 2, again)]);
          expect(inOne.results.map((r) => [r.status, r.reason?.code])).toEqual([
            ['applied', undefined],
            ['rejected', `${name.split('.')[0]}.id-taken`],
          ]);
          const later = await pushOk(device, [envelope(name, 3, { ...sample(name), id: first.id })]);
          expect(later.results.map((r) => [r.status, r.reason?.code])).toEqual([['rejected', `${name.split('.')[0]}.id-taken`]]);
          for (const r of [inOne.results[1]!, later.results[0]!]) expect(r.reason!.detail).toMatch(new RegExp(`^an? ${type.noun} with this id already exists`));
        });

        // Free text the schema accepts (a name, a comment) but PostgreSQL cannot store: NUL anywhere, a
        // lone surrogate, also nested (an applicant's name). Types without free text have no such field.
        const freeText = textPaths(sample(name)).filter((path) => type.args.safeParse(withText(sample(name), path, 'a\u0000b')).success);
        if (freeText.length > 0) {
          it(`is rejected (sync.invalid-args) with NUL or a lone surrogate in its free text (${freeText.map((p) => p.join('.')).join(', ')}), never 5xx`, async () => {
            const device = await enrol(allowed);
            const before = dataTables(await stored(h));
            const bad = freeText.flatMap((path) => ['a\u0000b', 'a\ud800b', '\udc00', 'ok\ud83d'].map((text) => withText(sample(name), path, text)));
            const res = await pushOk(
              device,
              bad.map((args, i) => envelope(name, i + 1, args)),
            );
            expect(res.results.map((r) => [r.status, r.reason?.code])).toEqual(bad.map(() => ['rejected', 'sync.invalid-args']));
            expect(dataTables(await stored(h))).toEqual(before);
            // A well-formed pair (an emoji) in the same fields is stored.
            const emoji = withText(sample(name), freeText[0]!, 'Nguyễn 😀');
            expect((await pushOk(device, [envelope(name, bad.length + 1, emoji)])).results.map((r) => r.status)).toEqual(['applied']);
          });
        }

        const forbidden = DEVICE_ROLES.filter((role) => !(type.roles as readonly string[]).includes(role));
        it(`is refused from ${forbidden.join(' and ') || 'no'} device${forbidden.length === 1 ? '' : 's'}: auth.role-forbidden, nothing stored`, async () => {
          expect(forbidden).toContain('technician');
          for (const role of forbidden) {
            const device = await enrol(role);
            const before = dataTables(await stored(h));
            const res = await pushOk(device, [envelope(name, 1, sample(name))]);
            expect(res.results.map((r) => [r.status, r.reason?.code])).toEqual([['rejected', 'auth.role-forbidden']]);
            expect(dataTables(await stored(h))).toEqual(before);
          }
        });

        it(`fuzzed arguments never fail the push: each is applied only if its schema accepts it, and the record after it is applied (seed ${SEED})`, async () => {
          const device = await enrol(allowed);
          let seq = 0;
          // One random edit of a valid record: a field replaced by any JSON value, removed, or added.
          const edit = fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'remove', 'add'), value: fc.jsonValue({ maxDepth: 3 }) });
          await fc.assert(
            fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
              const args: Record<string, unknown> = { ...sample(name) };
              for (const e of edits) {
                const keys = Object.keys(args);
                const key = keys[e.at % keys.length]!;
                if (e.op === 'replace') args[key] = e.value;
                else if (e.op === 'remove') delete args[key];
                else args[`extra${e.at % 7}`] = e.value;
              }
              const sent = JSON.parse(JSON.stringify(args)) as unknown;
              const parses = type.args.safeParse(sent).success;
              const res = await push(device, [envelope(name, ++seq, sent), envelope(name, ++seq, sample(name))]);
              expect(res.statusCode, `seed ${SEED}: ${res.body}`).toBe(200);
              const [fuzzed, valid] = PushResponse.parse(res.json()).results;
              if (!parses) expect([fuzzed?.status, fuzzed?.reason?.code]).toEqual(['rejected', 'sync.invalid-args']);
              expect(valid?.status).toBe('applied');
              // No personal value of the sample comes back in a reason.
              expect(res.body).not.toContain('Nguyễn');
              expect(res.body).not.toContain('001090012345');
            }),
            { seed: SEED, numRuns: 15 },
          );
        }, 120_000);
      });
    }
  });
}
