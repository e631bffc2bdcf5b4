/**
 * Tiny media for the content fixtures: a 1×1 red PNG and a short silent WAV, base64-encoded.
 * @module
 */

/** A 1×1 red pixel, 8-bit RGB PNG (generated with node:zlib; 69 bytes). */
export const RED_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

/** 10 ms of silence as 8 kHz mono 8-bit PCM in a RIFF/WAVE container. */
export const SILENT_WAV: string = silentWav(8000, 80);

function silentWav(rate: number, samples: number): string {
  const wav = Buffer.alloc(44 + samples);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate, 28); // bytes per second
  wav.writeUInt16LE(1, 32); // block align
  wav.writeUInt16LE(8, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples, 40);
  wav.fill(0x80, 44); // unsigned 8-bit silence is the midpoint
  return wav.toString('base64');
}
