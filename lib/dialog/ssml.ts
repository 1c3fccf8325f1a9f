/**
 * SSML for prompts (S11): speed and volume become `<prosody>`; the channel passes the document to
 * Chime's Speak action with TextType `ssml`.
 */
import type { VoiceSettings } from '../scenarios/schema';

/** Text-to-speech language code per scenario language. */
export const TTS_LANGUAGE: Record<VoiceSettings['language'], string> = { en: 'en-US', zh: 'cmn-CN' };

/** Escapes text for an XML text node. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The SSML document for a prompt, or undefined when plain text says the same (normal speed and volume). */
export function ssmlFor(text: string, voice: Pick<VoiceSettings, 'speed' | 'volume'>): string | undefined {
  const attrs: string[] = [];
  if (voice.speed !== 1) attrs.push(`rate="${Math.round(voice.speed * 100)}%"`);
  if (voice.volume !== 0) attrs.push(`volume="${voice.volume > 0 ? '+' : ''}${voice.volume}dB"`);
  if (attrs.length === 0) return undefined;
  return `<speak><prosody ${attrs.join(' ')}>${escapeXml(text)}</prosody></speak>`;
}
