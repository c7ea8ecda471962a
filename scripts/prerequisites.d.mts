export type Probe = { command: string } | { file: string };
export type Env = Record<string, string | undefined>;

export interface Prerequisite {
  readonly debianPackage: string;
  readonly neededBy: string;
  probes(env: Env): Probe[];
  readonly overriddenBy?: string;
}

export interface PrerequisiteSystem {
  env: Env;
  platform: string;
  uid: number | null;
  isFile(path: string): boolean;
  isExecutable(path: string): boolean;
  run(command: string, args: string[], env: Env): { status: number | null; output: string };
  log(line: string): void;
}

export declare const PREREQUISITES: readonly Prerequisite[];
export declare const SKIP_VARIABLE: 'TEST_SKIP_PREREQUISITES';
export declare function findOnPath(command: string, env: Env, isExecutable: (path: string) => boolean): string | null;
export declare function findMissing(
  prerequisites: readonly Prerequisite[],
  system: Pick<PrerequisiteSystem, 'env' | 'isFile' | 'isExecutable'>,
): { prerequisite: Prerequisite; notFound: string[] }[];
export declare function installCommand(packages: string[], as: 'root' | 'sudo' | 'su'): string;
export declare function ensurePrerequisites(
  system: PrerequisiteSystem,
  prerequisites?: readonly Prerequisite[],
): { ok: true; installed: string[] } | { ok: false; message: string };
export declare function processSystem(): PrerequisiteSystem;
