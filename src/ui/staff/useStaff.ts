import { useSyncExternalStore } from 'react';
import type { StaffSession, StaffSessionState } from '../../app/staffSession';

/** The staff session's state, re-rendering on sign-in, lock, unlock and sign-out. */
export function useStaffState(session: StaffSession): StaffSessionState {
  return useSyncExternalStore(session.subscribe, session.state, session.state);
}
