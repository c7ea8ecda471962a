import { describe, expect, it } from 'vitest';
import { chooseVoiceEngine, pickVietnameseVoice, type VoiceInfo } from './chooseVoice';

const v = (name: string, lang: string, localService = true, isDefault = false): VoiceInfo => ({ name, lang, localService, default: isDefault });

describe('choosing the voice engine', () => {
  it('takes the OS voice when it has a local Vietnamese voice', () => {
    expect(chooseVoiceEngine([v('English', 'en-US'), v('Tiếng Việt', 'vi-VN')], null)).toBe('speech');
    expect(chooseVoiceEngine([v('espeak vi', 'vi')], null)).toBe('speech');
    expect(chooseVoiceEngine([v('underscore', 'vi_VN')], null)).toBe('speech');
  });

  it('falls back to the clips without one, or with only a network voice (the board must speak offline)', () => {
    expect(chooseVoiceEngine([], null)).toBe('clips');
    expect(chooseVoiceEngine([v('English', 'en-US'), v('Vietnamese-ish', 'vie')], null)).toBe('clips');
    expect(chooseVoiceEngine([v('Google Tiếng Việt', 'vi-VN', false)], null)).toBe('clips');
  });

  it('uses the clips when told to, and cannot force a voice that is not there', () => {
    expect(chooseVoiceEngine([v('Tiếng Việt', 'vi-VN')], 'clips')).toBe('clips');
    expect(chooseVoiceEngine([], 'speech')).toBe('clips');
  });

  it('prefers the default Vietnamese voice, then vi-VN', () => {
    expect(pickVietnameseVoice([v('vi plain', 'vi'), v('vi-VN', 'vi-VN')])?.name).toBe('vi-VN');
    expect(pickVietnameseVoice([v('vi-VN', 'vi-VN'), v('default vi', 'vi', true, true)])?.name).toBe('default vi');
  });
});
