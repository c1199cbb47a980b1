/**
 * "Speak replies": the OS's own text-to-speech reads a report's headline aloud. The text goes
 * in on stdin, never on a command line, so nothing in it is read as an option or a command.
 */
import { spawn as nodeSpawn } from 'node:child_process';

export interface SpeechCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** The speech program of each desktop, or null where there is none we know. */
export function speechCommand(platform: NodeJS.Platform): SpeechCommand | null {
  switch (platform) {
    case 'darwin':
      return { command: 'say', args: ['-f', '-'] };
    case 'linux':
      return { command: 'espeak-ng', args: ['--stdin'] };
    case 'win32':
      return {
        command: 'powershell.exe',
        args: [
          '-NoProfile',
          '-NonInteractive',
          '-Command',
          'Add-Type -AssemblyName System.Speech; (New-Object System.Speech.Synthesis.SpeechSynthesizer).Speak([Console]::In.ReadToEnd())',
        ],
      };
    default:
      return null;
  }
}

export interface Speaker {
  speak(text: string): void;
}

/** The part of a child process the speaker uses. */
export interface SpeechProcess {
  readonly stdin: { end(text: string): unknown; on(event: 'error', listener: () => void): unknown } | null;
  on(event: 'error' | 'close', listener: () => void): unknown;
}
export type SpawnSpeech = (command: string, args: readonly string[]) => SpeechProcess;

const spawnSpeech: SpawnSpeech = (command, args) => nodeSpawn(command, [...args], { stdio: ['pipe', 'ignore', 'ignore'] });

/** Speaks one text at a time; while one is being spoken, newer texts replace older waiting ones. */
export function createSpeaker(platform: NodeJS.Platform, spawn: SpawnSpeech = spawnSpeech): Speaker {
  const program = speechCommand(platform);
  let speaking = false;
  let next: string | null = null;
  const run = (text: string): void => {
    if (program === null) return;
    speaking = true;
    const child = spawn(program.command, program.args);
    const finish = (): void => {
      speaking = false;
      const waiting = next;
      next = null;
      if (waiting !== null) run(waiting);
    };
    // A missing speech program is not an error worth more than silence.
    child.on('error', finish);
    child.on('close', finish);
    child.stdin?.on('error', () => {});
    child.stdin?.end(text);
  };
  return {
    speak(text) {
      if (speaking) next = text;
      else run(text);
    },
  };
}
