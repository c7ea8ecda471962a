import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BranchConfig } from './branchConfig';

const shipped = JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')) as { serviceGroups: { prefix: string }[] };

describe('the branch configuration', () => {
  it('accepts the shipped configuration', () => {
    expect(BranchConfig.safeParse(shipped).success).toBe(true);
  });

  it('refuses service-group prefixes whose tickets could print the same number', () => {
    const [first, ...rest] = shipped.serviceGroups;
    // "A" and "A1": A + 1002 and A1 + 002 both print A1002.
    const clashing = { ...shipped, serviceGroups: [first, { ...rest[0]!, prefix: `${first!.prefix}1` }, ...rest.slice(1)] };
    const parsed = BranchConfig.safeParse(clashing);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toEqual([
      `service-group prefixes ${first!.prefix} and ${first!.prefix}1 can print the same ticket number (${first!.prefix}1 is ${first!.prefix} followed by digits)`,
    ]);
    // A prefix that merely starts with another's letter is fine ("A" and "AB" print A… and AB…).
    const distinct = { ...shipped, serviceGroups: [first, { ...rest[0]!, prefix: `${first!.prefix}B` }, ...rest.slice(1)] };
    expect(BranchConfig.safeParse(distinct).success).toBe(true);
  });
});
