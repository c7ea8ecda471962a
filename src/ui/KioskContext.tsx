import { createContext, useContext } from 'react';
import type { KioskApp } from '../app/KioskApp';

export const KioskContext = createContext<KioskApp | null>(null);

export function useKiosk(): KioskApp {
  const app = useContext(KioskContext);
  if (!app) throw new Error('useKiosk() outside <KioskContext.Provider>');
  return app;
}
