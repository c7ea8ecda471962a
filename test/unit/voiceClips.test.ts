import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHIME_CLIP, VOICE_VOCABULARY } from '../../src/domain/callPhrase';
import { READ_ALOUD_PHRASES, readAloudWords } from '../../src/domain/readAloud';

/**
 * The committed voice clips (assets/voice/vi, made by scripts/voice/makeClips.ts) read as Ogg Opus:
 * every page's CRC, the OpusHead (mono, 16 kHz input), and the duration from the last granule
 * position against the manifest. Chromium's own decoding of the same files is checked end to end
 * (test/e2e/board.spec.ts, `data-clips`).
 */
const DIR = join(import.meta.dirname, '../../assets/voice/vi');
const SCREENS_DIR = join(import.meta.dirname, '../../assets/voice/vi-screens');

interface Manifest {
  sampleRate: number;
  totalBytes: number;
  clips: { id: string; text: string; file: string; durationMs: number; bytes: number; sha256: string }[];
}
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as Manifest;
const screens = JSON.parse(readFileSync(join(SCREENS_DIR, 'manifest.json'), 'utf8')) as Manifest;

const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let r = i << 24;
  for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  return r >>> 0;
});
function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ b) & 0xff] ?? 0)) >>> 0;
  return crc;
}

interface OggPage {
  granule: bigint;
  packet: Buffer;
  headerType: number;
}
function readOgg(file: Buffer): OggPage[] {
  const pages: OggPage[] = [];
  let at = 0;
  while (at < file.length) {
    expect(file.toString('ascii', at, at + 4), `page at ${at}`).toBe('OggS');
    const segments = file.readUInt8(at + 26);
    const lacing = file.subarray(at + 27, at + 27 + segments);
    const bodyLength = lacing.reduce((n, l) => n + l, 0);
    const end = at + 27 + segments + bodyLength;
    const page = Buffer.from(file.subarray(at, end));
    const stored = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    expect(oggCrc(page), `CRC of page at ${at}`).toBe(stored);
    pages.push({ granule: file.readBigInt64LE(at + 6), packet: file.subarray(at + 27 + segments, end), headerType: file.readUInt8(at + 5) });
    at = end;
  }
  return pages;
}

describe('voice clips', () => {
  it('has one clip per vocabulary word and the chime, no two alike, small', () => {
    const ids = manifest.clips.map((c) => c.id).sort();
    expect(ids).toEqual([CHIME_CLIP, ...Object.keys(VOICE_VOCABULARY)].sort());
    for (const c of manifest.clips) if (c.id !== CHIME_CLIP) expect(c.text).toBe(VOICE_VOCABULARY[c.id]);
    // Two words rendered the same would be two letters a listener cannot tell apart (D and G once were).
    expect(new Set(manifest.clips.map((c) => c.sha256)).size).toBe(manifest.clips.length);
    expect(manifest.totalBytes).toBe(manifest.clips.reduce((n, c) => n + c.bytes, 0));
    expect(manifest.totalBytes).toBeLessThan(150_000);
  });

  it('has one read-aloud clip per guide sentence, and every guide plays only clips that exist', () => {
    expect(screens.clips.map((c) => c.id).sort()).toEqual(Object.keys(READ_ALOUD_PHRASES).sort());
    for (const c of screens.clips) expect(c.text).toBe(READ_ALOUD_PHRASES[c.id]);
    expect(screens.totalBytes).toBe(screens.clips.reduce((n, c) => n + c.bytes, 0));
    expect(screens.totalBytes).toBeLessThan(250_000);
    const known = new Set([...manifest.clips, ...screens.clips].map((c) => c.id));
    for (const screen of [
      { kind: 'home' },
      { kind: 'lookup' },
      { kind: 'procedure' },
      { kind: 'follow' },
      { kind: 'rating' },
      { kind: 'ticket', number: 'Z0987' },
    ] as const)
      for (const w of readAloudWords(screen)) if (w.clip !== '|') expect(known, `${screen.kind}: ${w.clip}`).toContain(w.clip);
  });

  it.each([...manifest.clips.map((c) => [c.id, c, DIR, 1800] as const), ...screens.clips.map((c) => [c.id, c, SCREENS_DIR, 30_000] as const)])(
    '%s is a valid mono Ogg Opus clip of the manifest duration',
    (_id, clip, dir, maxMs) => {
      const file = readFileSync(join(dir, clip.file));
      expect(file.length).toBe(clip.bytes);
      expect(createHash('sha256').update(file).digest('hex')).toBe(clip.sha256);
      const pages = readOgg(file);
      const head = pages[0]?.packet;
      expect(head?.toString('ascii', 0, 8)).toBe('OpusHead');
      expect(pages[0]?.headerType).toBe(2); // beginning of stream
      expect(head?.readUInt8(8)).toBe(1); // version
      expect(head?.readUInt8(9)).toBe(1); // mono
      expect(head?.readUInt32LE(12)).toBe(manifest.sampleRate);
      expect(pages[1]?.packet.toString('ascii', 0, 8)).toBe('OpusTags');
      const last = pages.at(-1);
      expect((last?.headerType ?? 0) & 4).toBe(4); // end of stream
      const preSkip = head?.readUInt16LE(10) ?? 0;
      const durationMs = (Number(last?.granule ?? 0n) - preSkip) / 48;
      expect(Math.abs(durationMs - clip.durationMs)).toBeLessThan(25);
      expect(durationMs).toBeGreaterThan(150);
      expect(durationMs).toBeLessThan(clip.id === CHIME_CLIP ? 2000 : maxMs);
    },
  );
});
