import { memo, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toLocalDateTime } from '../../domain/localDay';
import type { QueueBoard } from '../../shared/queue';
import { useAnnouncer, useAudioGate, useBoard, useBoardFeed, useBoardNow } from './BoardContext';
import './board.css';

/** Calls in progress shown at once: one column of five, two columns of five beyond (newest first). */
const MAX_CURRENT = 10;
const ONE_COLUMN = 5;
const MAX_LAST = 4;

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Vietnamese first, English as a quieter second line. */
const Bilingual = memo(function Bilingual({ k, options, className }: { k: string; options?: Record<string, unknown>; className?: string }) {
  const { t, i18n } = useTranslation();
  const en = i18n.getFixedT('en');
  return (
    <span className={className}>
      <span className="board__vi">{t(k, { ...options, lng: 'vi' })}</span>
      <span className="board__en" lang="en">
        {en(k, options)}
      </span>
    </span>
  );
});

/** The display board for the branch TV: calls in progress, last calls, waiting per group, clock. */
export const BoardScreen = memo(function BoardScreen() {
  const app = useBoard();
  const { t } = useTranslation();
  const feed = useBoardFeed();
  const now = useBoardNow(1000);
  const clock = toLocalDateTime(now, app.utcOffsetMinutes);
  const board = feed.board;

  useEffect(() => {
    document.documentElement.lang = 'vi';
  }, []);

  return (
    <div
      className="board"
      data-testid="board.screen"
      data-branch={app.branch}
      data-version={board?.version ?? ''}
      data-reachable={feed.reachable === null ? '' : String(feed.reachable)}
      data-live={String(feed.live)}
    >
      <header className="board__header">
        <div className="board__emblem" aria-hidden="true">
          ★
        </div>
        <div className="board__branch" data-testid="board.branch">
          {app.branchName ? (
            <>
              <span className="board__vi">{app.branchName.vi}</span>
              <span className="board__en" lang="en">
                {app.branchName.en}
              </span>
            </>
          ) : (
            <Bilingual k="board.branchCode" options={{ code: app.branch }} />
          )}
        </div>
        <div className="board__clock" data-testid="board.clock">
          <span className="board__time">
            {pad2(clock.hour)}:{pad2(clock.minute)}
          </span>
          <span className="board__date">
            {pad2(clock.day)}/{pad2(clock.month)}/{clock.year}
          </span>
        </div>
      </header>
      {board === null ? (
        <main className="board__main board__main--empty" data-testid="board.connecting">
          <p className="board__notice">{feed.reachable === false ? t('board.unreachable', { server: app.serverUrl }) : t('board.connecting')}</p>
        </main>
      ) : (
        <main className="board__main">
          <CurrentCalls board={board} />
          <div className="board__side">
            <LastCalls board={board} utcOffsetMinutes={app.utcOffsetMinutes} />
            <Waiting board={board} />
          </div>
        </main>
      )}
      <footer className="board__footer">
        <ConnectionNote />
        <SoundControl />
      </footer>
    </div>
  );
});

const CurrentCalls = memo(function CurrentCalls({ board }: { board: QueueBoard }) {
  const calls = board.current.slice(0, MAX_CURRENT);
  return (
    <section className="board__panel board__panel--current" aria-labelledby="board-now">
      <h1 id="board-now" className="board__panelTitle">
        <Bilingual k="board.nowServing" />
      </h1>
      {calls.length === 0 ? (
        // Calls today that have all finished are not "no calls today" (the last calls list shows them).
        <p className="board__notice" data-testid="board.noCalls">
          <Bilingual k={board.lastCalls.length > 0 ? 'board.noCurrent' : 'board.noCalls'} />
        </p>
      ) : (
        <>
          {calls.length <= ONE_COLUMN && (
            <div className="board__columns" aria-hidden="true">
              <Bilingual k="board.ticket" />
              <Bilingual k="board.counter" />
            </div>
          )}
          <ol className={`board__calls${calls.length > ONE_COLUMN ? ' board__calls--dense' : ''}`}>
            {calls.map((c, i) => (
              <li
                // A new key per call replays the arrival highlight, a recall included.
                key={`${c.number}-${c.calledAt}-${c.calls}`}
                className={`board__call${i === 0 ? ' board__call--newest' : ''}`}
                data-testid="board.current"
                data-number={c.number}
                data-counter={c.counter}
                data-newest={String(i === 0)}
              >
                <span className="board__number">{c.number}</span>
                <span className="board__arrow" aria-hidden="true">
                  →
                </span>
                <span className="board__counter">{c.counter}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
});

const LastCalls = memo(function LastCalls({ board, utcOffsetMinutes }: { board: QueueBoard; utcOffsetMinutes: number }) {
  const { t } = useTranslation();
  const calls = board.lastCalls.slice(0, MAX_LAST);
  return (
    <section className="board__panel board__panel--last" aria-labelledby="board-last">
      <h2 id="board-last" className="board__panelTitle">
        <Bilingual k="board.lastCalls" />
      </h2>
      <ol className="board__last">
        {calls.map((c) => {
          const at = toLocalDateTime(c.at, utcOffsetMinutes);
          return (
            <li key={c.id} className="board__lastCall" data-testid="board.lastCall" data-id={c.id} data-number={c.number} data-counter={c.counter}>
              <span className="board__lastNumber">{c.number}</span>
              <span className="board__lastCounter">{t('board.counterNumber', { counter: c.counter })}</span>
              <span className="board__lastTime">
                {c.recall ? `${t('board.recall')} · ` : ''}
                {pad2(at.hour)}:{pad2(at.minute)}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
});

const Waiting = memo(function Waiting({ board }: { board: QueueBoard }) {
  const { t, i18n } = useTranslation();
  const en = i18n.getFixedT('en');
  return (
    <section className="board__panel board__panel--waiting" aria-labelledby="board-waiting">
      <h2 id="board-waiting" className="board__panelTitle">
        <Bilingual k="board.waiting" />
      </h2>
      {board.waiting.length === 0 ? (
        <p className="board__notice">
          <Bilingual k="board.noWaiting" />
        </p>
      ) : (
        <ul className="board__groups">
          {board.waiting.map((g) => {
            const estimateKey = g.estimate === null ? null : g.estimate.low === g.estimate.high ? 'board.estimateOne' : 'board.estimate';
            const range = { low: g.estimate?.low ?? 0, high: g.estimate?.high ?? 0 };
            return (
              <li
                key={g.group}
                className="board__group"
                data-testid="board.waiting"
                data-group={g.group}
                data-count={g.waiting}
                data-estimate={g.estimate === null ? '' : `${g.estimate.low}-${g.estimate.high}`}
              >
                <span className="board__prefix">{g.group}</span>
                <span className="board__groupName">
                  <span className="board__vi">{g.name.vi}</span>
                  <span className="board__en" lang="en">
                    {g.name.en}
                  </span>
                </span>
                <span className="board__estimate">
                  {estimateKey && (
                    <>
                      {t(estimateKey, { ...range, lng: 'vi' })}
                      <span className="board__en" lang="en">
                        {en(estimateKey, range)}
                      </span>
                    </>
                  )}
                </span>
                <span className="board__count">{g.waiting}</span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
});

/** The discreet "Mất kết nối – cập nhật lúc HH:mm" while the server cannot be reached and a board is shown. */
const ConnectionNote = memo(function ConnectionNote() {
  const app = useBoard();
  const { t } = useTranslation();
  const feed = useBoardFeed();
  if (feed.board === null || feed.reachable !== false || feed.lastOkAt === null) return <span />;
  const at = toLocalDateTime(feed.lastOkAt, app.utcOffsetMinutes);
  return (
    <span className="board__offline" data-testid="board.offline" role="status">
      {t('board.offline', { time: `${pad2(at.hour)}:${pad2(at.minute)}` })}
    </span>
  );
});

/**
 * The "Bật âm thanh" button while the browser blocks sound, and the voice's test hooks: what the
 * voice was asked to say (`data-said`, JSON, oldest first), what is being said and queued, the
 * engine, and how many clips decoded after sound was turned on (`data-clips`).
 */
const SoundControl = memo(function SoundControl() {
  const app = useBoard();
  const { t } = useTranslation();
  const gate = useAudioGate();
  const announcer = useAnnouncer();
  const [clips, setClips] = useState<{ ready: number; failed: readonly string[] } | null>(null);
  useEffect(() => {
    if (gate !== 'allowed') return;
    let live = true;
    void app.voice.prepare().then((r) => {
      if (live) setClips(r);
    });
    return () => {
      live = false;
    };
  }, [app, gate]);
  const enable = useCallback(() => {
    void app.voice.unlock();
  }, [app]);
  return (
    <span
      className="board__sound"
      data-testid="board.voice"
      data-engine={app.voice.engine}
      data-gate={gate}
      data-said={JSON.stringify(announcer.said)}
      data-speaking={announcer.speaking ? announcer.speaking.id : ''}
      data-queued={announcer.queued.length}
      data-clips={clips === null ? '' : String(clips.ready)}
      data-clips-failed={clips === null ? '' : clips.failed.join(' ')}
    >
      {gate === 'blocked' && (
        <button type="button" className="board__soundOn" onClick={enable} data-testid="board.soundOn" title={t('board.sound.hint')}>
          🔊 {t('board.sound.enable')}
        </button>
      )}
    </span>
  );
});
