/**
 * Renders the Vietnamese voice clips (committed; the build and the tests never run this): the display
 * board's words into assets/voice/vi/, the citizen kiosk's read-aloud guides into
 * assets/voice/vi-screens/:
 *
 *   apt-get install -y --no-install-recommends espeak-ng opus-tools
 *   npx tsx scripts/voice/makeClips.ts
 *
 * One clip per VOICE_VOCABULARY entry (src/domain/callPhrase.ts) spoken by espeak-ng's `vi` voice,
 * plus a synthesised two-tone chime. Each clip is trimmed of leading and trailing silence, band-
 * limited and resampled to 16 kHz mono, faded in and out over 5 ms, peak-normalised (so words
 * played in a row sound equally loud), then encoded as Ogg Opus at 24 kb/s (opus-tools; Chromium
 * and Electron decode it with decodeAudioData). manifest.json lists every clip with its text,
 * duration, size and SHA-256; test/unit/voiceClips.test.ts checks the files against it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHIME_CLIP, VOICE_VOCABULARY } from '../../src/domain/callPhrase';
import { READ_ALOUD_PHRASES } from '../../src/domain/readAloud';

/** Each set of clips: its folder, its words, whether it has the chime. */
const SETS = [
  { out: join(import.meta.dirname, '../../assets/voice/vi'), vocabulary: VOICE_VOCABULARY, chime: true },
  { out: join(import.meta.dirname, '../../assets/voice/vi-screens'), vocabulary: READ_ALOUD_PHRASES, chime: false },
] as const;
const RATE = 16_000;
const BITRATE_KBPS = 24;
/** espeak-ng words per minute: a little slower than its 175 default, for a hall. */
const SPEED_WPM = 145;

interface Pcm {
  readonly rate: number;
  readonly samples: Float32Array;
}

function readWav(bytes: Buffer): Pcm {
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let offset = 12;
  let rate = 0;
  let channels = 0;
  let bits = 0;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    let size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = bytes.readUInt16LE(body + 2);
      rate = bytes.readUInt32LE(body + 4);
      bits = bytes.readUInt16LE(body + 14);
    } else if (id === 'data') {
      // espeak-ng writing to a file may leave the data size unset (0x7fffffff): take what is there.
      size = Math.min(size, bytes.length - body);
      if (channels !== 1 || bits !== 16) throw new Error(`expected 16-bit mono, got ${bits}-bit ${channels} channels`);
      const samples = new Float32Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(body + i * 2) / 32768;
      return { rate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV without data');
}

function writeWav(pcm: Pcm): Buffer {
  const data = Buffer.alloc(pcm.samples.length * 2);
  pcm.samples.forEach((s, i) => data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, s)) * 32767), i * 2));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(pcm.rate, 24);
  header.writeUInt32LE(pcm.rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Drops what is below −40 dBFS at both ends, keeping 20 ms of it. */
function trimSilence(pcm: Pcm): Pcm {
  const threshold = 0.01;
  const keep = Math.round(pcm.rate * 0.02);
  let start = pcm.samples.findIndex((s) => Math.abs(s) > threshold);
  if (start < 0) throw new Error('clip is silent');
  let end = pcm.samples.length - 1;
  while (end > start && Math.abs(pcm.samples[end] ?? 0) <= threshold) end--;
  start = Math.max(0, start - keep);
  end = Math.min(pcm.samples.length, end + keep);
  return { rate: pcm.rate, samples: pcm.samples.slice(start, end) };
}

/** Windowed-sinc resampling (Blackman, 32 taps a side) with its cut-off below the new Nyquist. */
function resample(pcm: Pcm, rate: number): Pcm {
  if (pcm.rate === rate) return pcm;
  const ratio = rate / pcm.rate;
  const cutoff = Math.min(1, ratio) * 0.95;
  const half = 32;
  const out = new Float32Array(Math.floor(pcm.samples.length * ratio));
  for (let i = 0; i < out.length; i++) {
    const centre = i / ratio;
    const first = Math.ceil(centre - half);
    let acc = 0;
    for (let j = first; j <= centre + half; j++) {
      const x = centre - j;
      const sinc = x === 0 ? cutoff : Math.sin(Math.PI * cutoff * x) / (Math.PI * x);
      const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / half) + 0.08 * Math.cos((2 * Math.PI * x) / half);
      acc += (pcm.samples[j] ?? 0) * sinc * w;
    }
    out[i] = acc;
  }
  return { rate, samples: out };
}

function fadeAndNormalise(pcm: Pcm, peak = 0.89): Pcm {
  const s = Float32Array.from(pcm.samples);
  const fade = Math.round(pcm.rate * 0.005);
  for (let i = 0; i < fade && i < s.length; i++) {
    const g = i / fade;
    s[i] = (s[i] ?? 0) * g;
    s[s.length - 1 - i] = (s[s.length - 1 - i] ?? 0) * g;
  }
  const max = s.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const gain = max > 0 ? peak / max : 1;
  return { rate: pcm.rate, samples: s.map((v) => v * gain) };
}

/** Two soft bell tones (E5 then C5) with a few partials and an exponential decay. */
function chime(): Pcm {
  const note = (freq: number, seconds: number): Float32Array => {
    const n = Math.round(RATE * seconds);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / RATE;
      const attack = Math.min(1, t / 0.01);
      const decay = Math.exp(-t * 3.2);
      out[i] = attack * decay * (Math.sin(2 * Math.PI * freq * t) + 0.35 * Math.sin(4 * Math.PI * freq * t) + 0.12 * Math.sin(6 * Math.PI * freq * t));
    }
    return out;
  };
  const first = note(659.25, 0.55);
  const second = note(523.25, 0.9);
  const samples = new Float32Array(first.length + second.length);
  samples.set(first, 0);
  samples.set(second, first.length);
  return fadeAndNormalise({ rate: RATE, samples }, 0.7);
}

function encode(pcm: Pcm, work: string, id: string): Buffer {
  const wav = join(work, `${id}.wav`);
  const opus = join(work, `${id}.opus`);
  writeFileSync(wav, writeWav(pcm));
  // --serial: a fixed stream serial number, so the same input gives the same bytes.
  execFileSync('opusenc', ['--quiet', '--bitrate', String(BITRATE_KBPS), '--speech', '--padding', '0', '--serial', '1', wav, opus]);
  return readFileSync(opus);
}

function renderSet(set: (typeof SETS)[number], espeak: string, opusTools: string): void {
  const OUT = set.out;
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'hpasc-voice-'));
  try {
    const clips: { id: string; text: string; file: string; durationMs: number; bytes: number; sha256: string }[] = [];
    const add = (id: string, text: string, pcm: Pcm): void => {
      const bytes = encode(pcm, work, id);
      const file = `${id}.opus`;
      writeFileSync(join(OUT, file), bytes);
      clips.push({
        id,
        text,
        file,
        durationMs: Math.round((pcm.samples.length / pcm.rate) * 1000),
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
    };
    if (set.chime) add(CHIME_CLIP, '(chime)', chime());
    for (const [id, text] of Object.entries(set.vocabulary)) {
      const raw = join(work, `${id}.raw.wav`);
      execFileSync('espeak-ng', ['-v', 'vi', '-s', String(SPEED_WPM), '-w', raw, text]);
      add(id, text, fadeAndNormalise(resample(trimSilence(readWav(readFileSync(raw))), RATE)));
    }
    const totalBytes = clips.reduce((n, c) => n + c.bytes, 0);
    const manifest = {
      voice: `espeak-ng vi (${espeak})`,
      encoder: `${opusTools}, ${BITRATE_KBPS} kb/s, --speech`,
      format: 'Ogg Opus, mono, from 16 kHz PCM (decoded at 48 kHz)',
      sampleRate: RATE,
      speedWordsPerMinute: SPEED_WPM,
      totalBytes,
      clips,
    };
    writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`${clips.length} clips, ${totalBytes} bytes in ${OUT}`);
    for (const c of clips) if (statSync(join(OUT, c.file)).size !== c.bytes) throw new Error(`${c.file} size changed`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main(): void {
  const espeak = execFileSync('espeak-ng', ['--version'], { encoding: 'utf8' }).trim();
  const opusTools = execFileSync('opusenc', ['--version'], { encoding: 'utf8' }).split('\n')[0]?.trim() ?? 'opusenc';
  for (const set of SETS) renderSet(set, espeak, opusTools);
}

main();
