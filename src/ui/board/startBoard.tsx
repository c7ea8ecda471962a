import { StrictMode } from 'react';
import type { Root } from 'react-dom/client';
import { bootstrapBoard } from '../../app/boardBootstrap';
import { registerServiceWorker } from '../../app/serviceWorker';
import { BoardContext } from './BoardContext';
import { BoardParamsScreen } from './BoardParamsScreen';
import { BoardScreen } from './BoardScreen';

/** Starts the display board (`?role=display`) in the page's root: its screen, or what its address lacks. */
export async function startBoard(root: Root): Promise<void> {
  const start = await bootstrapBoard(location.search);
  if (start.kind === 'params') {
    root.render(
      <StrictMode>
        <BoardParamsScreen params={start.params} pageUrl={location.href} />
      </StrictMode>,
    );
    return;
  }
  root.render(
    <StrictMode>
      <BoardContext.Provider value={start.app}>
        <BoardScreen />
      </BoardContext.Provider>
    </StrictMode>,
  );
  // The shell works offline (the board keeps its last view and retries); updates apply between calls.
  registerServiceWorker(start.activity, () => undefined);
}
