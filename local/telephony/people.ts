import { readFileSync } from 'node:fs';
import * as z from 'zod';

/**
 * Scripted people the telephony simulator plays (answer and cooperate, refuse, busy, voicemail...).
 * Each reply is what the person says at one listen: text, `digits:<keys>` to press keys, `""` to
 * stay silent, or `hangup` to hang up there.
 */
export const Person = z.object({
  description: z.string().default(''),
  language: z.enum(['en', 'zh']).default('en'),
  /** Seconds from dialling until the phone rings (network setup). */
  setupSeconds: z.number().min(0).max(30).default(1),
  /** Seconds the phone rings before it is answered or the network gives up. */
  ringSeconds: z.number().min(0).max(300).default(4),
  /** Whether the call is answered (by a person, a machine or an announcement). */
  answers: z.boolean().default(true),
  /** SIP final response when not answered (486 busy, 480 no answer, 404 not found, 503 unavailable...). */
  sipCode: z.number().int().min(300).max(699).default(480),
  /** The phone never rings: the network rejects the call at once with `sipCode`. */
  rejectsImmediately: z.boolean().default(false),
  /** What the answering side says first (an answering machine's greeting or a carrier announcement). */
  announcement: z.string().optional(),
  /** What a person says on picking up (heard when the robot listens before its first prompt); "" for silence. */
  greeting: z.string().default('Hello?'),
  /** Replies at each listen, in order; the last one repeats when they run out. */
  replies: z.array(z.string()).default(['yes']),
  /** Speaks before the prompt ends (barge-in), after this fraction of it. */
  bargeInAfter: z.number().min(0).max(1).optional(),
  /** Hangs up this many seconds after answering, whatever is happening. */
  hangsUpAfterSeconds: z.number().min(0).optional(),
  /** Seconds of silence after which a person who hears nothing hangs up. */
  patienceSeconds: z.number().min(1).default(10),
});
/** A scripted person. */
export type Person = z.infer<typeof Person>;

/** The people file: named people and which numbers reach whom (longest matching prefix wins). */
export const PeopleFile = z.object({
  people: z.record(z.string(), Person),
  numbers: z.array(z.object({ prefix: z.string(), person: z.string() })).default([]),
  /** Person for numbers no prefix matches. */
  default: z.string(),
});
/** The people file. */
export type PeopleFile = z.infer<typeof PeopleFile>;

/** Who answers which number. */
export class PeopleBook {
  private readonly prefixes: { prefix: string; person: string }[];
  constructor(readonly file: PeopleFile) {
    for (const n of file.numbers) if (!file.people[n.person]) throw new Error(`people file: number prefix ${n.prefix} names unknown person ${n.person}`);
    if (!file.people[file.default]) throw new Error(`people file: default person ${file.default} is not defined`);
    this.prefixes = [...file.numbers].sort((a, b) => b.prefix.length - a.prefix.length);
  }
  /** Name of the person reached at a number. */
  nameFor(phone: string): string {
    return this.prefixes.find((p) => phone.startsWith(p.prefix))?.person ?? this.file.default;
  }
  /** The person reached at a number. */
  personFor(phone: string): Person {
    return this.file.people[this.nameFor(phone)]!;
  }
  /** Number prefixes that reach a person (for the demo's contact list). */
  prefixesOf(name: string): string[] {
    return this.file.numbers.filter((n) => n.person === name).map((n) => n.prefix);
  }
}

/** Parses a people file's JSON text. */
export function parsePeople(json: string): PeopleBook {
  return new PeopleBook(PeopleFile.parse(JSON.parse(json)));
}

/** Loads a people file (default: local/people.json next to this module). */
export function loadPeople(path = new URL('../people.json', import.meta.url)): PeopleBook {
  return parsePeople(readFileSync(path, 'utf8'));
}
