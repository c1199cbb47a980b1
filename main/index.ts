/** The Electron main process entry (electron-vite builds it to out/main/index.js). */
import { app } from 'electron';
import { startApp } from './app/start-app.ts';

startApp().catch((error: unknown) => {
  console.error('hey-ops: the app failed to start', error);
  app.exit(1);
});
