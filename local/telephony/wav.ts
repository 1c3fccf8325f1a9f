/**
 * Small WAV files standing in for call recordings: 8 kHz, 8-bit unsigned PCM, mono — the
 * telephone band at the smallest size, so a demo of hundreds of calls stays a few megabytes.
 */

/** Sample rate of simulated recordings. */
export const WAV_SAMPLE_RATE = 8000;

/** A WAV file of `seconds` (capped at `maxSeconds`) holding a quiet tone. */
export function makeWav(seconds: number, maxSeconds = 3, frequency = 440): Uint8Array {
  const samples = Math.max(1, Math.round(Math.min(seconds, maxSeconds) * WAV_SAMPLE_RATE));
  const buf = Buffer.alloc(44 + samples);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(WAV_SAMPLE_RATE, 24);
  buf.writeUInt32LE(WAV_SAMPLE_RATE, 28); // byte rate = rate * 1 byte
  buf.writeUInt16LE(1, 32); // block align
  buf.writeUInt16LE(8, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples, 40);
  for (let i = 0; i < samples; i++) buf[44 + i] = 128 + Math.round(20 * Math.sin((2 * Math.PI * frequency * i) / WAV_SAMPLE_RATE));
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** Reads the header of a WAV file written by makeWav. */
export function readWavHeader(bytes: Uint8Array): { sampleRate: number; channels: number; bitsPerSample: number; seconds: number } | undefined {
  const b = Buffer.from(bytes);
  if (b.length < 44 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  const sampleRate = b.readUInt32LE(24);
  const channels = b.readUInt16LE(22);
  const bitsPerSample = b.readUInt16LE(34);
  const dataBytes = b.readUInt32LE(40);
  return { sampleRate, channels, bitsPerSample, seconds: dataBytes / (sampleRate * channels * (bitsPerSample / 8)) };
}
