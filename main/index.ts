/**
 * The Electron main process entry (electron-vite builds it to out/main/index.js). It only
 * delegates: everything that imports electron lives in main/app/.
 */
import { runApp } from './app/start-app.ts';

runApp();
