import { describe, expect, it } from 'vitest';
import { RECORD_SAMPLES } from '../../../test/support/recordSamples';
import { DEVICE_ROLES } from '../deviceConfig';
import { MutationEnvelope } from '../sync';
import { isMutationName, MUTATION_NAMES, RECORD_TYPES, SCAN_UPLOAD_ROLES } from './index';

describe('the record-type registry', () => {
  it('names every type area.verb@version, once, in registry order, and the wire envelope accepts exactly those names', () => {
    expect(MUTATION_NAMES).toEqual(Object.keys(RECORD_TYPES));
    for (const name of MUTATION_NAMES) expect(name).toMatch(/^[a-z]+\.[a-z-]+@[1-9]\d*$/);
    const envelope = (name: string) =>
      MutationEnvelope.safeParse({ mutationId: '0193a1b2-0000-7000-8000-000000000001', deviceSeq: 1, name, args: {}, schemaVersion: 1, createdAt: 0 }).success;
    for (const name of MUTATION_NAMES) expect(envelope(name)).toBe(true);
    expect(envelope('ticket.issue@2')).toBe(false);
    expect(isMutationName('ticket.issue@1')).toBe(true);
    expect(isMutationName('toString')).toBe(false);
  });

  it('lets only enrolled roles send records, never a technician machine', () => {
    for (const name of MUTATION_NAMES) {
      const roles = RECORD_TYPES[name].roles;
      expect(roles.length, name).toBeGreaterThan(0);
      for (const role of roles) expect(DEVICE_ROLES).toContain(role);
      expect(roles).not.toContain('technician');
    }
  });

  it("accepts each type's sample and refuses it with an unknown field (every schema is strict)", () => {
    for (const name of MUTATION_NAMES) {
      const args = RECORD_SAMPLES[name](1, 'CN01');
      expect(RECORD_TYPES[name].args.safeParse(args).success, name).toBe(true);
      expect(RECORD_TYPES[name].args.safeParse({ ...args, extra: 1 }).success, name).toBe(false);
    }
  });

  it('describes records for staff without any personal value, also from broken arguments', () => {
    for (const name of MUTATION_NAMES) {
      const args = RECORD_SAMPLES[name](7, 'CN01') as Record<string, unknown>;
      const text = RECORD_TYPES[name].describe(args);
      expect(text.length, name).toBeGreaterThan(0);
      expect(text).not.toMatch(/Nguyễn|001090012345|0912345678|Tràng Tiền|K7P4X9QM/);
      expect(RECORD_TYPES[name].describe({})).toMatch(/\?/);
    }
    expect(RECORD_TYPES['dossier.submit@1'].describe(RECORD_SAMPLES['dossier.submit@1'](7, 'CN01'))).toBe('dossier 000.00.21.H26-261124-0007');
  });

  it('marks exactly the types whose arguments carry personal data (sealed at rest on the kiosk)', () => {
    expect(MUTATION_NAMES.filter((n) => RECORD_TYPES[n].personal)).toEqual(['dossier.submit@1']);
  });

  it('lets upload scans exactly the roles that may send a record referencing scans (counters)', () => {
    expect(MUTATION_NAMES.filter((n) => RECORD_TYPES[n].scans)).toEqual(['dossier.submit@1']);
    expect(SCAN_UPLOAD_ROLES).toEqual(['counter']);
  });
});
