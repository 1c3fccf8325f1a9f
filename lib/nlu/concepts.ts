/**
 * A bilingual lexicon of phone-answer paraphrases mapped to shared concept tokens (SPEC S9).
 *
 * Ten examples per intent cannot show every way a callee says "yes" (`you bet`, `没毛病`, `中`) or
 * "stop calling" (`lose my number`, `退订`, `拉黑`). The recogniser adds one feature per concept
 * found, to examples and utterances alike, so an unseen paraphrase meets the examples through the
 * concept it shares with them. The lexicon is general language knowledge about answers to outbound
 * calls, not tied to the built-in intents' examples: a scenario's own intents benefit as well.
 *
 * Phrase syntax: words or Han characters as a callee would say them (they go through `normalize`,
 * so contractions, synonyms and variant characters are folded the same way as utterances); `*`
 * skips up to two tokens; a leading `^` / trailing `$` anchors the phrase to the start / end of a
 * clause (for short words that are ambiguous inside longer ones, such as `中` or `right`).
 */
import { normalize, type Token } from './normalize';

/** Concept names (feature tokens); language-neutral so English and Chinese examples share them. */
export type Concept =
  | 'AFFIRM'
  | 'DENY'
  | 'WRONG_PERSON'
  | 'BUSY'
  | 'DONT_KNOW'
  | 'REPEAT'
  | 'WHO'
  | 'NOT_INTERESTED'
  | 'COMPLAINT'
  | 'STOP_CALLING'
  | 'APOLOGY'
  | 'THANKS'
  | 'QUESTION';

const LEXICON: Record<Concept, { en: string[]; zh: string[] }> = {
  AFFIRM: {
    en: [
      'yes', 'yes please', 'sure', 'sure thing', 'surely', 'certainly', 'absolutely', 'definitely', 'of course', 'course',
      'correct', 'that is correct', 'that is right', '^right$', 'right yes', 'exactly', 'indeed', '^okay$', 'okay yes', 'okay sure',
      'you bet', 'sounds good', 'sounds great', 'sounds okay', 'go ahead', 'go on', 'keep going', 'carry on', 'that works', 'works for me',
      'will do', 'no problem', 'no worries', 'not a problem', 'mhm', 'totally', 'for sure', 'that is me', 'this is me', 'it is me',
      '^speaking$', 'this is he', 'this is she', 'that is him', 'i agree', 'agreed', '^true$', 'that is true', 'precisely', 'please do',
      'why not', 'i think so', 'i guess so', 'i believe so', 'roger', 'perfect', '^great$', '^cool$', '^good$', 'very good', 'fair enough',
      'by all means', 'you got it', 'yes sir', 'yes madam', 'that would be right', 'that is it', 'i did$', 'i do$', 'i am$', 'i have$',
      'we did$', 'we do$', 'we are$', 'it is$', 'he is$', 'she is$', 'not bad', 'that is fine', 'all right', 'uh huh', 'i would love to',
    ],
    zh: [
      '是的', '是啊', '^是$', '是滴', '是我', '就是我', '本人', '对', '对的', '对头', '没错', '没问题', '没有问题', '没得问题', '没毛病', '好的', '好嘞',
      '好咧', '^好$', '好好', '那好', '得嘞', '^行$', '那行', '也行', '行的', '^中$', '^成$', '成了', '妥', '妥了', '^可以$', '可以的', '可以可以',
      '也可以', '都可以', '那可以', '要得', '确定', '确认', '同意', '当然', '肯定', '必须的', '正确', '^嗯$', '就是', '是这样', '没事', '收到', '明白',
      '知道了', '晓得了', '^来吧$', '^说吧$', '请讲', '^讲吧$', '在的', '^我在$',
    ],
  },
  DENY: {
    en: [
      '^no$', 'no no', 'no sir', 'no madam', 'not really', 'not at all', 'no way', '^never$', 'never did', 'never have', 'no never',
      'i do not think so', 'i do not believe so', 'not that i know', 'not as far as i know', 'negative', 'of course not', 'certainly not',
      'absolutely not', 'definitely not', 'nothing like that', '^none$', 'none of that', 'nothing of the sort', '^nothing$', 'that is not right',
      'that is wrong', 'that is not true', 'not true', 'that is not it', 'i did not$', 'i have not$', 'i do not$', 'we did not$',
      'we have not$', 'we do not$', 'it is not$', 'i am not$', 'he is not$', 'she is not$', 'it was not$', 'not yet', 'not quite',
      'nuhuh', 'i never', 'we never', 'not this time', 'not at the moment',
    ],
    zh: [
      '不是', '不对', '没有', '^没$', '没的事', '没这回事', '没有的事', '并不是', '不是这样', '从来没有', '从没', '从来没', '^没呢$', '还没', '还没有',
      '倒没有', '才不是', '没有过', '^不$', '不是的', '没有没有', '那倒没有', '不存在', '没这事', '哪有', '那有', '否',
    ],
  },
  WRONG_PERSON: {
    en: [
      'wrong number', 'wrong person', 'wrong guy', 'wrong fella', 'wrong house', 'wrong name', 'wrong people', 'got the wrong', 'have the wrong',
      'nobody by that name', 'no one by that name', 'nobody here by that name', 'no one here by that name', 'nobody called that',
      'no one called that', 'by that name', 'is not here', 'not here right now', 'does not live here', 'no longer lives here', 'not live here',
      'moved out', 'moved away', 'not him', 'not her', 'i am not him', 'i am not her', 'not who you are looking for', 'never heard of',
      'do not know him', 'do not know her', 'do not know who that is', 'no such person', 'his wife', 'her husband', 'passed away', 'died',
      'he is dead', 'she is dead', 'new number', 'just got this number', 'not his phone', 'not her phone', 'this is his', 'this is her',
      'i am his', 'i am her', 'does not have this phone', 'does not have this number', 'he is not available', 'she is not available', 'you have got the wrong',
      'not me you want', 'not the person', 'mistaken identity', 'no one here', 'nobody here',
      'no one named', 'nobody named', 'no one with that name', 'nobody with that name', 'named that', 'i am the family', 'i am his family', 'i am her family', 'changed his number', 'changed her number', 'changed number', 'changed their number', 'this is not',
    ],
    zh: [
      '打错了', '打错', '找错人', '找错了', '搞错人', '不是他', '我不是他', '不是本人', '没有这个人', '没这个人', '没这人', '没有这人', '查无此人',
      '不认识', '他不在', '不在家', '不住这', '不住这里', '搬走了', '搬家了', '换号了', '换号码', '新号', '刚换', '不用这个号', '不用这个号码',
      '不是他的', '他家人', '是他家人', '去世', '他本人不在', '不是你要找', '不是你找', '他出去了', '他不住', '人不在',
      '要找的人', '找的人不是', '我是他', '是他的', '换人', '换人了',
    ],
  },
  BUSY: {
    en: [
      'busy', 'at work', 'working', 'in a meeting', 'meeting', 'driving', 'drivin', 'not a good time', 'bad time', 'not now', 'not right now',
      'can not talk', 'call back', 'call me back', 'call me later', 'call later', 'later', 'some other time', 'another time', 'try again later',
      'try later', 'ring me back', 'ring back', 'in the middle of', 'with a customer', 'with a client', 'at the doctor', 'in class',
      'on the other line', 'on another call', 'cooking', 'having dinner', 'out right now', 'i am out', 'get back to you', 'tied up',
      'can we do this later', 'catch me later', 'at the moment', 'right now', 'call me tomorrow', 'not a great time', 'bad moment',
      'on my way', 'in a hurry', 'can not now', 'call another time', 'try again', 'swamped',
      'about to', 'on the road', 'now is not good', 'not good now', 'not a good moment', 'eating', 'kids to bed', 'with the kids', 'in an hour', 'an hour', 'half an hour', 'in a minute', 'a few minutes',
    ],
    zh: [
      '在忙', '忙', '很忙', '忙着', '正忙', '在上班', '上班', '开会', '在开会', '开车', '在开车', '不方便', '没空', '没时间', '在外面', '在外头',
      '晚点', '稍后', '稍后打', '再打', '回头说', '改天', '等会', '忙着呢', '现在不行', '没功夫', '有事', '手头有事', '在吃饭', '吃饭', '在路上',
      '下次', '以后再说', '过会', '抽不开身', '走不开', '再联系', '晚些', '在睡觉', '睡觉', '在医院',
    ],
  },
  DONT_KNOW: {
    en: [
      'do not know', 'i do not know', 'no idea', 'not sure', 'not really sure', 'not too sure', 'not so sure', 'not quite sure', 'no clue',
      'not certain', 'beats me', 'can not remember', 'do not remember', 'can not recall', 'could not tell you', 'can not say', 'hard to say',
      'who knows', 'not a clue', 'have to check', 'need to check', 'let me check', 'let me think', 'not aware', 'no recollection', '^maybe$',
      'perhaps', 'possibly', 'i guess$', 'do not really know', 'not that i remember', 'could not say', 'can not tell', 'have no idea',
      'hard to tell', 'i would have to ask', 'have to ask', 'ask my', 'not sure about that', 'no memory',
      'could not tell',
    ],
    zh: [
      '不知道', '不清楚', '不太清楚', '不确定', '不太确定', '不记得', '记不清', '记不得', '忘了', '忘记了', '说不好', '说不准', '不好说', '不好讲',
      '讲不好', '不了解', '搞不清', '搞不懂', '没印象', '没什么印象', '问问', '^我想想$', '想不起来', '谁知道', '那知道', '不太懂', '拿不准', '吃不准',
      '难说', '也许', '可能', '不大清楚', '不晓得', '忘记', '记不太清', '不好讲', '没概念', '不一定', '想一想', 
      '不*了解', '不*清楚', '不*确定', '不*记得', '不*知道', '好像', '不大记得',
    ],
  },
  REPEAT: {
    en: [
      'repeat', 'repeat that', 'say that again', 'say again', 'say it again', 'come again', 'pardon', 'what did you say', 'what was that',
      '^what$', '^huh$', 'sorry what', 'excuse me', 'one more time', 'once more', 'did not hear', 'missed that', 'i missed', 'can not hear',
      'hard to hear', 'barely hear', 'speak up', 'louder', 'breaking up', 'bad line', 'line is bad', 'bad connection', 'bad signal',
      'cutting out', 'slow down', 'say what', 'what you said', 'again please', 'did not get that', 'what is that', 'you said what', 'huh what',
      'could not hear', 'not hear you', 'what do you mean', 'i am sorry what', 'say that one more time', 'what did you just say', '^again$',
      'connection is bad', 'the connection', 'very quiet', 'too quiet', 'what was the question', 'can you hear me', 'hear me', 'you are quiet', 'could not tell',
    ],
    zh: [
      '再说一遍', '^什么$', '说什么', '你说什么', '说的什么', '讲什么', '讲的什么', '听不清', '没听清', '没听见', '没听到', '听不到', '听的到吗',
      '听到吗', '听的见吗', '信号不好', '信号差', '大声点', '大声一点', '大点声', '说慢点', '讲慢点', '慢点说', '慢一点', '刚才说', '刚说', '刚刚讲',
      '没听懂', '断断续续', '重复', '再讲', '再来一遍', '声音太小', '听不太清', '^喂$', '什么意思', '啥意思', '再说一次', '说清楚',
      '没太听', '没太听清', '听不太懂', '没怎么听清',
    ],
  },
  WHO: {
    en: [
      'who is this', 'who is calling', 'who are you', 'who am i talking to', 'who am i speaking', 'who is speaking', 'what company',
      'which company', 'who are you with', 'where are you calling from', 'calling from', 'where are you from', 'who do you work for',
      'what is this about', 'what is this regarding', 'what is this call about', 'regarding', 'what is it about', 'what is your name',
      'your name', 'how did you get my number', 'how did you get this number', 'who gave you', 'where did you get', 'robot', 'real person',
      'is this a person', 'are you a person', 'what do you want', 'why are you calling', 'what are you calling about', 'who is it',
      'get my number', 'get this number', 'who is there', 'who are you calling for', 'who sent you', 'what is this',
      'name of your company', 'your company', 'why do you have my number', 'have my number', 'on the line', 'real live person', 'live person', 'what organisation',
    ],
    zh: [
      '你是谁', '^谁$', '你谁', '哪位', '请问哪位', '哪里的', '你是哪里', '什么公司', '哪个公司', '什么单位', '哪个单位', '干什么的', '做什么的',
      '有什么事', '什么事', '有事吗', '怎么有我电话', '谁给你', '哪来的', '哪里打来', '哪打来', '真人', '机器人', '贵姓', '你叫什么', '什么名字',
      '怎么称呼', '什么情况', '哪家', '什么机构', '怎么知道我', '找我什么', '找我干什么',
      '什么人', '人工', '你是什么', '真人吗', '是真人', '哪个部门',
    ],
  },
  NOT_INTERESTED: {
    en: [
      'not interested', 'no interest', 'no thanks', 'no thank you', 'thanks but no thanks', 'not for me', 'do not need', 'no need',
      'do not want', 'i am good', 'i am okay', 'we are good', 'we are okay', 'all set', 'i will pass', '^pass$', 'pass on', 'not looking',
      'not buying', 'already have', 'already got', 'not today', 'not in the market', 'we are covered', 'i am covered', 'not my thing',
      'i am good thanks', 'i am fine thanks', 'not right now thanks', 'do not care', 'not keen', 'rather not', 'no i am good',
      'not necessary', 'not worth it', 'i am all good', 'we are all good', 'not need any', 'not need that', 'not something i need',
      'not something i am interested', 'not*interested', 'not intrested', 'no we are good', 'no i am okay', 'no we are okay', 'nah i am good',
    ],
    zh: [
      '不需要', '^不要$', '不要了', '我不要', '不想要', '没兴趣', '没有兴趣', '不感兴趣', '没什么兴趣', '不考虑', '算了', '不买', '不想了解',
      '用不上', '已经有了', '有了', '不必了', '没需要', '没有需要', '^不想$', '不办', '不办理', '不做', '不参加', '不弄', '不搞', '免了',
      '拉倒', '^不了$', '不太需要', '没必要', '没有必要', '不想买', '不感冒', '没啥兴趣', '用不到',
    ],
  },
  COMPLAINT: {
    en: [
      'complaint', 'file a complaint', 'make a complaint', 'scam', 'this is a scam', 'harass', 'manager', 'speak to your manager', 'report',
      'report you', 'better business bureau', 'bbb', 'attorney', 'police', 'call the police', 'ridiculous', 'unacceptable', 'terrible',
      'angry', 'sick of', 'sick and tired', 'fed up', 'how dare you', 'you people', 'disgusting', 'outrageous', 'rude', 'pathetic',
      'shame on you', 'illegal', 'against the law', 'spam', 'spammer', 'rip off', 'ripoff', 'ripped off', 'cheat', 'cheated', 'liar',
      'lying', 'every day', 'five times', 'so many times', 'keep calling', 'keep harassing', 'crooks', 'con artist', 'thieves',
      'worst', 'enough of this', 'what is wrong with you',
      'joke', 'is a joke', 'absurd', 'nonsense', 'insane', 'crazy',
    ],
    zh: [
      '投诉', '骚扰', '骗子', '领导', '叫你们领导', '报警', '警察', '曝光', '12315', '工信部', '消协', '太差', '服务差', '态度差', '烦死了',
      '烦不烦', '有病', '神经病', '垃圾', '破公司', '什么破', '太过分', '过分', '天天打', '每天打', '老是打', '一直打', '缺德', '流氓', '坑人',
      '黑心', '不要脸', '滚', '气死', '讨厌', '恶心', '乱扣', '乱收费', '骗钱', '告你', '起诉', '律师', '差劲', '无语', '什么玩意', '破玩意',
      '烦死', '生气', '不像话', '太不像话', '火大', '受不了',
    ],
  },
  STOP_CALLING: {
    en: [
      'stop calling', 'quit calling', '^stop$', 'do not call', 'never call', 'do not ever call', 'take me off', 'off your list', 'off the list',
      'remove me', 'remove my number', 'lose my number', 'do not contact', 'no more calls', 'remove', 'opt out', 'leave me alone',
      'hang up', 'hanging up', 'bye', 'stop contacting', 'do not need calls', 'do not need any more calls', 'do not call list', 'go away',
      'get lost', 'call me again', 'call here again', 'call this number again', 'not call me', 'not call again', 'stop ringing',
      'no more', 'enough calls', 'take my number off',
      'stop these calls', 'stop the calls', 'these calls', 'hear from you again', 'never need to hear',
    ],
    zh: [
      '别打了', '别打', '别再打', '不要再打', '不要打了', '不要打', '别给我打', '不要给我打', '别打电话', '不要打电话', '以后别', '以后不要',
      '别联系', '不要联系', '别再联系', '删了', '拉黑', '挂了', '再见', '退订', '取消', '别烦我', '不要烦我', '名单', '不要再来电', '别再来电',
      '免打扰', '别再骚扰', '不要再骚扰', '别*打过来', '不要*打过来', '别*打了', '不要*打了', '别老打', '别总打', '不要老打', '我挂', '别来电',
    ],
  },
  APOLOGY: {
    en: ['sorry', 'i am sorry', 'apologies'],
    zh: ['对不起', '不好意思', '抱歉'],
  },
  // Tag questions ("是不是…", "对不对") consume the 不 that would otherwise read as a denial.
  QUESTION: {
    en: [],
    zh: ['是不是', '对不对', '好不好', '行不行', '可不可以', '能不能', '有没有', '是吗', '对吗', '要不要', '是否'],
  },
  THANKS: {
    en: ['thanks', 'thank you', 'thanks a lot', 'appreciate it'],
    zh: ['谢谢', '多谢', '谢了', '感谢'],
  },
};

interface Phrase {
  concept: Concept;
  /** Token texts per part; parts are separated by gaps of 0–2 tokens. */
  parts: string[][];
  start: boolean;
  end: boolean;
  length: number;
}

const MAX_GAP = 2;

function compile(): Map<string, Phrase[]> {
  const index = new Map<string, Phrase[]>();
  for (const [concept, langs] of Object.entries(LEXICON) as [Concept, { en: string[]; zh: string[] }][]) {
    for (const raw of [...langs.en, ...langs.zh]) {
      const start = raw.startsWith('^');
      const end = raw.endsWith('$');
      const body = raw.replace(/^\^/, '').replace(/\$$/, '');
      const parts = body.split('*').map((p) => normalize(p).tokens.map((t) => t.text)).filter((p) => p.length > 0);
      if (parts.length === 0) continue;
      const phrase: Phrase = { concept, parts, start, end, length: parts.reduce((n, p) => n + p.length, 0) };
      const first = parts[0]![0]!;
      const list = index.get(first) ?? [];
      list.push(phrase);
      index.set(first, list);
    }
  }
  return index;
}

const INDEX = compile();

/** One concept found in an utterance. */
export interface ConceptHit {
  concept: Concept;
  /** True when the phrase starts inside a negation scope ("not sure" is not "sure"). */
  negated: boolean;
  /** Token span [start, end) of the phrase. */
  start: number;
  end: number;
}

/** Matches a phrase at token `i`; returns the index after the match, or -1. */
function matchAt(p: Phrase, tokens: readonly Token[], i: number): number {
  const clause = tokens[i]!.clause;
  if (p.start && i > 0 && tokens[i - 1]!.clause === clause) return -1;
  let pos = i;
  for (let k = 0; k < p.parts.length; k++) {
    const part = p.parts[k]!;
    let found = -1;
    for (let gap = 0; gap <= (k === 0 ? 0 : MAX_GAP); gap++) {
      const s = pos + gap;
      if (s + part.length > tokens.length) break;
      let ok = true;
      for (let j = 0; j < part.length; j++) {
        const t = tokens[s + j]!;
        if (t.clause !== clause || t.text !== part[j]) {
          ok = false;
          break;
        }
      }
      if (ok) {
        found = s + part.length;
        break;
      }
    }
    if (found < 0) return -1;
    pos = found;
  }
  if (p.end && pos < tokens.length && tokens[pos]!.clause === clause) return -1;
  return pos;
}

/**
 * Finds the concepts of a normalised utterance: longest phrases first, each token used by at most
 * one phrase, so "no problem" is AFFIRM rather than DENY and "不要再打" is STOP_CALLING rather than
 * NOT_INTERESTED.
 */
export function findConcepts(tokens: readonly Token[], negated: readonly boolean[]): ConceptHit[] {
  const found: { start: number; end: number; length: number; phrase: Phrase }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const list = INDEX.get(tokens[i]!.text);
    if (list === undefined) continue;
    for (const p of list) {
      const end = matchAt(p, tokens, i);
      if (end > i) found.push({ start: i, end, length: p.length, phrase: p });
    }
  }
  if (found.length === 0) return [];
  found.sort((a, b) => b.length - a.length || a.start - b.start);
  const used = new Array<boolean>(tokens.length).fill(false);
  const hits: ConceptHit[] = [];
  for (const f of found) {
    let free = true;
    for (let j = f.start; j < f.end; j++) if (used[j]) free = false;
    if (!free) continue;
    for (let j = f.start; j < f.end; j++) used[j] = true;
    hits.push({ concept: f.phrase.concept, negated: negated[f.start] === true, start: f.start, end: f.end });
  }
  return hits;
}
