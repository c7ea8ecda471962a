/** Time and randomness are ports: domain code receives them, tests inject fakes. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export type RandomBytes = (length: number) => Uint8Array;

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(startMs: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let t = startMs;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
