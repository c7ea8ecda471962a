import { createContext } from 'react';

/**
 * Whether the counter panel a component sits in is on screen. Panels stay mounted when hidden (a
 * dossier in progress must survive a look at the list), but a hidden panel must not keep the
 * camera on: CameraView renders nothing, and so releases the camera, while this is false.
 */
export const PanelActive = createContext(true);
