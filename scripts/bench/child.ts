import { spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A bench server in its own process (scripts/bench/childServer.ts, hubChild.ts), driven by one-line commands. */
export interface ChildServer {
  readonly baseUrl: string;
  /** The child's process id: its CPU time and memory can be read from /proc/<pid>. */
  readonly pid: number;
  ask<T>(command: string): Promise<T>;
  close(): Promise<void>;
}

export async function startChildServer(mode: 'kiosk' | 'pouch' | 'centre' | 'link' | 'queue' | 'plain', args: readonly string[] = []): Promise<ChildServer> {
  return startChildProcess(fileURLToPath(new URL('./childServer.ts', import.meta.url)), mode, args);
}

/**
 * Runs `script mode …args` under tsx in a process of its own. The script prints one JSON line
 * {baseUrl, …} when ready, then answers each stdin line with one JSON line.
 */
export async function startChildProcess(script: string, mode: string, args: readonly string[] = []): Promise<ChildServer> {
  // BENCH_PROFILE_DIR=/some/dir: each bench server writes a V8 CPU profile there when it exits
  // (open it in Chrome's DevTools, Performance tab): where a server-side figure goes.
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  // BENCH_NODE_FLAGS='--trace-gc …': V8 flags for each bench server. What V8 traces goes to
  // stdout, beside the answers: a line that is not JSON (it starts with '[') is passed to stderr.
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...profile, ...flags, '--import', 'tsx', script, mode, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Interface = createInterface({ input: child.stdout });
  const queue: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  lines.on('line', (line) => {
    if (line.startsWith('[')) process.stderr.write(`${line}\n`);
    else queue.shift()?.resolve(line);
  });
  // One listener for every pending answer (one per question would pile up over a long bench).
  child.once('exit', (code) => {
    for (const waiting of queue.splice(0)) waiting.reject(new Error(`bench server (${mode}) exited with ${code}`));
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      if (child.exitCode !== null) reject(new Error(`bench server (${mode}) exited with ${child.exitCode}`));
      else queue.push({ resolve, reject });
    });
  const ready = JSON.parse(await next()) as { baseUrl: string };
  return {
    baseUrl: ready.baseUrl,
    pid: child.pid ?? -1,
    async ask<T>(command: string) {
      const answer = next();
      child.stdin.write(`${command}\n`);
      return JSON.parse(await answer) as T;
    },
    async close() {
      child.stdin.end();
      await new Promise((resolve) => {
        if (child.exitCode !== null) resolve(null);
        else child.once('exit', resolve);
        setTimeout(() => child.kill(), 5000).unref();
      });
    },
  };
}
