import { describe, expect, it } from 'vitest';
import { createSpeaker, speechCommand, type SpawnSpeech } from './speech.ts';

/** Records each spawn and the text written to it; `finish()` ends the oldest running one. */
function fakeSpawn() {
  const spoken: Array<{ command: string; args: readonly string[]; text: string | null }> = [];
  const closers: Array<() => void> = [];
  const spawn: SpawnSpeech = (command, args) => {
    const entry: { command: string; args: readonly string[]; text: string | null } = { command, args, text: null };
    spoken.push(entry);
    const listeners: Record<string, () => void> = {};
    closers.push(() => listeners['close']?.());
    return {
      stdin: { end: (text: string) => void (entry.text = text), on: () => {} },
      on: (event: string, listener: () => void) => void (listeners[event] = listener),
    };
  };
  return { spoken, spawn, finish: () => closers.shift()?.() };
}

describe('speechCommand', () => {
  it('uses the desktop speech program and passes no text on the command line', () => {
    expect(speechCommand('darwin')).toEqual({ command: 'say', args: ['-f', '-'] });
    expect(speechCommand('linux')).toEqual({ command: 'espeak-ng', args: ['--stdin'] });
    expect(speechCommand('win32')?.command).toBe('powershell.exe');
    expect(speechCommand('aix')).toBeNull();
  });
});

describe('createSpeaker', () => {
  it('writes the text to the speech program on stdin', () => {
    const fake = fakeSpawn();
    createSpeaker('linux', fake.spawn).speak('--version; rm -rf /');
    expect(fake.spoken).toEqual([{ command: 'espeak-ng', args: ['--stdin'], text: '--version; rm -rf /' }]);
  });

  it('speaks one text at a time and keeps only the newest waiting one', () => {
    const fake = fakeSpawn();
    const speaker = createSpeaker('darwin', fake.spawn);
    speaker.speak('first');
    speaker.speak('second');
    speaker.speak('third');
    expect(fake.spoken.map((entry) => entry.text)).toEqual(['first']);
    fake.finish();
    expect(fake.spoken.map((entry) => entry.text)).toEqual(['first', 'third']);
  });

  it('stays silent where there is no speech program', () => {
    const fake = fakeSpawn();
    createSpeaker('aix', fake.spawn).speak('hello');
    expect(fake.spoken).toEqual([]);
  });
});
