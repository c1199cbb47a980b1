/**
 * Draws Hey Ops' icons as PNGs with no image library: a small rasteriser (4×4 supersampled
 * shapes) and a PNG writer on node:zlib. Run it again after changing a shape:
 *
 *   node build/make-icons.ts
 *
 * Writes resources/tray*.png (tray, 1x and 2x), resources/icon.png (window) and
 * build/icon.png (installers). The glyph is three sound bars: the app listens.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];
/** A shape: coverage of the point (x, y) in a unit square, 0..1. */
type Shape = (x: number, y: number) => boolean;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function encodePng(size: number, pixels: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(pixels.buffer, pixels.byteOffset + y * size * 4, size * 4).copy(rows, y * (size * 4 + 1) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Paints layers (bottom first) into a size×size RGBA image with 4×4 supersampling. */
function render(size: number, layers: ReadonlyArray<readonly [Shape, Rgba]>): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (const [shape, [cr, cg, cb, ca]] of layers) {
        let hits = 0;
        for (let sy = 0; sy < samples; sy++) {
          for (let sx = 0; sx < samples; sx++) {
            if (shape((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)) hits++;
          }
        }
        const alpha = (hits / (samples * samples)) * (ca / 255);
        // "over" compositing, straight alpha
        const outA = alpha + a * (1 - alpha);
        if (outA > 0) {
          r = (cr * alpha + r * a * (1 - alpha)) / outA;
          g = (cg * alpha + g * a * (1 - alpha)) / outA;
          b = (cb * alpha + b * a * (1 - alpha)) / outA;
        }
        a = outA;
      }
      const i = (py * size + px) * 4;
      pixels[i] = Math.round(r);
      pixels[i + 1] = Math.round(g);
      pixels[i + 2] = Math.round(b);
      pixels[i + 3] = Math.round(a * 255);
    }
  }
  return pixels;
}

const disc: Shape = (x, y) => (x - 0.5) ** 2 + (y - 0.5) ** 2 <= 0.47 ** 2;

function roundedSquare(inset: number, radius: number): Shape {
  return (x, y) => {
    const dx = Math.max(inset + radius - x, 0, x - (1 - inset - radius));
    const dy = Math.max(inset + radius - y, 0, y - (1 - inset - radius));
    return x >= inset && x <= 1 - inset && y >= inset && y <= 1 - inset && dx * dx + dy * dy <= radius * radius;
  };
}

/** A vertical bar with round ends, centred on x, from y0 to y1. */
function bar(x: number, y0: number, y1: number, halfWidth: number): Shape {
  return (px, py) => {
    const cy = Math.min(Math.max(py, y0), y1);
    return (px - x) ** 2 + (py - cy) ** 2 <= halfWidth ** 2;
  };
}

const soundBars: Shape[] = [bar(0.3, 0.42, 0.58, 0.075), bar(0.5, 0.27, 0.73, 0.075), bar(0.7, 0.36, 0.64, 0.075)];
const stopBar: Shape = (x, y) => Math.abs(y - 0.5) <= 0.09 && Math.abs(x - 0.5) <= 0.27;

const SLATE: Rgba = [30, 41, 59, 255];
const SKY: Rgba = [56, 189, 248, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const BLACK: Rgba = [0, 0, 0, 255];
const RED: Rgba = [220, 38, 38, 255];

function write(path: string, size: number, layers: ReadonlyArray<readonly [Shape, Rgba]>): void {
  writeFileSync(path, encodePng(size, render(size, layers)));
  console.log(`wrote ${path} (${size}×${size})`);
}

if (import.meta.main) {
  const root = new URL('../', import.meta.url);
  const at = (relative: string): string => new URL(relative, root).pathname;
  for (const [suffix, size] of [['', 16], ['@2x', 32]] as const) {
    write(at(`resources/tray${suffix}.png`), size, [[disc, SLATE], ...soundBars.map((shape) => [shape, SKY] as const)]);
    write(at(`resources/tray-template${suffix}.png`), size, soundBars.map((shape) => [shape, BLACK] as const));
    write(at(`resources/tray-killed${suffix}.png`), size, [[disc, RED], [stopBar, WHITE]]);
  }
  const appIcon = [[roundedSquare(0.06, 0.2), SLATE], ...soundBars.map((shape) => [shape, SKY] as const)] as const;
  write(at('resources/icon.png'), 256, appIcon);
  write(at('build/icon.png'), 512, appIcon);
}
