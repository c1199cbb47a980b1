/// <reference types="electron-vite/node" />
/**
 * The tray and window icons. `?asset` copies each PNG into the build and gives its path; the
 * 1x and 2x files are joined into one image so HiDPI trays stay sharp.
 */
import { readFileSync } from 'node:fs';
import { nativeImage, type NativeImage } from 'electron';
import appIconPath from '../../resources/icon.png?asset';
import trayKilledPath from '../../resources/tray-killed.png?asset';
import trayKilled2xPath from '../../resources/tray-killed@2x.png?asset';
import trayTemplatePath from '../../resources/tray-template.png?asset';
import trayTemplate2xPath from '../../resources/tray-template@2x.png?asset';
import trayPath from '../../resources/tray.png?asset';
import tray2xPath from '../../resources/tray@2x.png?asset';

function image(path1x: string, path2x: string): NativeImage {
  const result = nativeImage.createFromPath(path1x);
  result.addRepresentation({ scaleFactor: 2, buffer: readFileSync(path2x) });
  return result;
}

export interface TrayIcons {
  readonly normal: NativeImage;
  /** Red, never a template image, so the engaged kill switch shows in colour on macOS too. */
  readonly killed: NativeImage;
}

export function loadTrayIcons(platform: NodeJS.Platform): TrayIcons {
  // macOS menu bars want a black template image that the OS recolours for light and dark.
  const normal = platform === 'darwin' ? image(trayTemplatePath, trayTemplate2xPath) : image(trayPath, tray2xPath);
  if (platform === 'darwin') normal.setTemplateImage(true);
  return { normal, killed: image(trayKilledPath, trayKilled2xPath) };
}

export const APP_ICON_PATH: string = appIconPath;
