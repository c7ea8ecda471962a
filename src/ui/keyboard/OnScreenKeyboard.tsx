import { memo, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { SimpleKeyboard as Keyboard } from 'simple-keyboard';
import 'simple-keyboard/build/css/index.css';
import { typeTelex } from '../../domain/telex';
import './keyboard.css';

/** `telex`: Vietnamese by Telex; `digits`: a number pad; `code`: dossier codes and look-up secrets (A–Z, 0–9, . -). */
export type KeyboardMode = 'telex' | 'digits' | 'code';

export interface OnScreenKeyboardProps {
  readonly value: string;
  readonly onChange: (next: string) => void;
  readonly mode: KeyboardMode;
  /** Characters at most (the field's limit). */
  readonly maxLength?: number;
  readonly testId?: string;
}

const LAYOUTS: Record<KeyboardMode, Record<string, string[]>> = {
  telex: {
    default: ['1 2 3 4 5 6 7 8 9 0 {bksp}', 'q w e r t y u i o p', 'a s d f g h j k l', '{shift} z x c v b n m . -', '{digits} {space} {clear}'],
    shift: ['1 2 3 4 5 6 7 8 9 0 {bksp}', 'Q W E R T Y U I O P', 'A S D F G H J K L', '{shift} Z X C V B N M . -', '{digits} {space} {clear}'],
    digits: ['1 2 3', '4 5 6', '7 8 9', '{letters} 0 {bksp}'],
  },
  digits: { default: ['1 2 3', '4 5 6', '7 8 9', '{clear} 0 {bksp}'] },
  code: {
    default: ['1 2 3 4 5 6 7 8 9 0', 'Q W E R T Y U I O P', 'A S D F G H J K L', 'Z X C V B N M . -', '{clear} {bksp}'],
  },
};

/**
 * The on-screen keyboard of the citizen kiosk, built on simple-keyboard. It never edits the field
 * itself: each key gives the next value to `onChange` (Telex through src/domain/telex.ts, at the
 * end of the text), so the field stays a controlled input that a physical keyboard can type into
 * as well. Keys are real buttons that do not take the focus from the field.
 */
export const OnScreenKeyboard = memo(function OnScreenKeyboard({ value, onChange, mode, maxLength = 120, testId = 'keyboard' }: OnScreenKeyboardProps) {
  const { t } = useTranslation();
  const host = useRef<HTMLDivElement>(null);
  const keyboard = useRef<Keyboard | null>(null);
  // simple-keyboard keeps the handler it was made with: it reads the newest props through this ref.
  const latest = useRef({ value, onChange, mode, maxLength });
  latest.current = { value, onChange, mode, maxLength };

  useEffect(() => {
    if (!host.current) return;
    const press = (button: string): void => {
      const { value: text, onChange: change, mode: m, maxLength: max } = latest.current;
      const kb = keyboard.current;
      switch (button) {
        case '{bksp}':
          change([...text].slice(0, -1).join(''));
          return;
        case '{clear}':
          change('');
          return;
        case '{space}':
          if (text.length < max && text !== '' && !text.endsWith(' ')) change(`${text} `);
          return;
        case '{shift}':
          kb?.setOptions({ layoutName: kb.options.layoutName === 'shift' ? 'default' : 'shift' });
          return;
        case '{digits}':
          kb?.setOptions({ layoutName: 'digits' });
          return;
        case '{letters}':
          kb?.setOptions({ layoutName: 'default' });
          return;
        default: {
          if ([...button].length !== 1) return;
          const next = m === 'telex' ? typeTelex(text, button) : text + button;
          if ([...next].length <= max) change(next);
          // One capital, then lower case again, as phone keyboards do.
          if (kb?.options.layoutName === 'shift') kb.setOptions({ layoutName: 'default' });
        }
      }
    };
    keyboard.current = new Keyboard(host.current, {
      layout: LAYOUTS[mode],
      layoutName: 'default',
      onKeyPress: press,
      preventMouseDownDefault: true,
      disableButtonHold: true,
      useButtonTag: true,
      theme: `hg-theme-default kiosk-keyboard kiosk-keyboard--${mode}`,
    });
    return () => {
      keyboard.current?.destroy();
      keyboard.current = null;
    };
  }, [mode]);

  useEffect(() => {
    keyboard.current?.setOptions({
      display: {
        '{bksp}': `⌫ ${t('citizen.keyboard.backspace')}`,
        '{space}': t('citizen.keyboard.space'),
        '{clear}': t('citizen.keyboard.clear'),
        '{shift}': `⇧ ${t('citizen.keyboard.shift')}`,
        '{digits}': t('citizen.keyboard.digits'),
        '{letters}': t('citizen.keyboard.letters'),
      },
    });
  }, [t, mode]);

  return (
    <div className="kiosk-keyboard-wrap" data-testid={testId} data-mode={mode} role="group" aria-label={t('citizen.keyboard.label')}>
      <div ref={host} className="simple-keyboard" />
      {mode === 'telex' && <p className="kiosk-keyboard__hint">{t('citizen.keyboard.telexHint')}</p>}
    </div>
  );
});
