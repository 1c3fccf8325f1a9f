/**
 * Text normalisation for intent recognition (SPEC S9): what a phone ASR hands us is noisy —
 * full-width characters, mixed case, fillers, stutters, traditional characters, contractions
 * without apostrophes. Everything here is applied identically to examples and to utterances,
 * so a mapping only has to be consistent, not linguistically perfect.
 */

/** One token of a normalised utterance. */
export interface Token {
  /** The token text: a lower-case word, or a single Han character. */
  text: string;
  /** True for a single Han character (Chinese), false for a word. */
  han: boolean;
  /** Clause index; punctuation starts a new clause (negation scope never crosses it). */
  clause: number;
}

/** A normalised utterance. */
export interface Normalized {
  /** Readable normalised text: words separated by spaces, Han characters joined. */
  text: string;
  tokens: Token[];
}

// Why a small table rather than a converter: ASR for zh-TW/zh-HK callers yields traditional
// characters, and only the characters frequent in phone answers matter for matching.
const TRADITIONAL: Record<string, string> = {
  對: '对', 沒: '没', 說: '说', 話: '话', 電: '电', 請: '请', 別: '别', 時: '时', 間: '间', 謝: '谢',
  誰: '谁', 個: '个', 麼: '么', 聽: '听', 見: '见', 興: '兴', 難: '难', 會: '会', 這: '这', 還: '还',
  過: '过', 錯: '错', 號: '号', 係: '系', 們: '们', 業: '业', 務: '务', 幫: '帮', 問: '问', 題: '题',
  嗎: '吗', 為: '为', 現: '现', 開: '开', 車: '车', 訴: '诉', 騙: '骗', 煩: '烦',
  擾: '扰', 騷: '骚', 確: '确', 認: '认', 從: '从', 來: '来', 兒: '儿', 邊: '边',
  後: '后', 裡: '里', 經: '经', 買: '买', 寫: '写', 給: '给', 齊: '齐',
  聲: '声', 點: '点', 該: '该', 應: '应', 當: '当', 實: '实', 無: '无', 與: '与', 關: '关', 掛: '挂',
  於: '于', 銷: '销', 賣: '卖', 樣: '样', 聯: '联', 絡: '络', 記: '记', 曉: '晓', 楊: '杨', 劉: '刘', 陳: '陈', 張: '张', 趙: '赵', 黃: '黄', 吳: '吴', 鄭: '郑', 孫: '孙',
  處: '处', 滿: '满', 態: '态', 線: '线', 碼: '码', 識: '识', 讓: '让', 歡: '欢',
};

// Homophones and near-synonyms an ASR confuses, folded to one spelling.
const HAN_VARIANTS: Record<string, string> = {
  她: '他', 它: '他', 恩: '嗯', 摁: '嗯', 额: '呃', 哪: '那', 再: '在', 得: '的', 地: '的', 您: '你',
  咱: '我', 俺: '我', 甭: '不', 木: '没',
};

const HAN_FILLERS = new Set(['嗯', '呃', '啊', '哦', '噢', '喔', '唔', '哎', '诶', '欸', '呀', '吧', '呢', '嘛', '啦', '喂', '哈', '嘿', '哟', '呗', '咯']);

const EN_FILLERS = new Set(['uh', 'um', 'umm', 'uhm', 'uhh', 'er', 'erm', 'ah', 'ahh', 'eh', 'hmm', 'hm', 'mm', 'mmm', 'oh', 'well', 'so', 'hey', 'hello', 'hi']);

// Contractions and apostrophe-less ASR spellings, expanded so "don't", "dont" and "do not" agree.
const EN_WORDS: Record<string, string> = {
  "can't": 'can not', cant: 'can not', cannot: 'can not', "won't": 'will not', "shan't": 'shall not',
  "ain't": 'is not', aint: 'is not', dont: 'do not', doesnt: 'does not', didnt: 'did not', isnt: 'is not',
  arent: 'are not', wasnt: 'was not', werent: 'were not', couldnt: 'could not', wouldnt: 'would not',
  shouldnt: 'should not', havent: 'have not', hasnt: 'has not', im: 'i am', ive: 'i have', youre: 'you are',
  thats: 'that is', whats: 'what is', whos: 'who is', "let's": 'let us', gonna: 'going to', wanna: 'want to',
  gotta: 'got to', ok: 'okay', okey: 'okay', 'o.k': 'okay', k: 'okay', kay: 'okay', cuz: 'because', cause: 'because', pls: 'please', plz: 'please',
  u: 'you', r: 'are', ur: 'your', thx: 'thanks', thanx: 'thanks',
  dunno: 'do not know', idk: 'do not know', unsure: 'not sure', uncertain: 'not sure',
};

// A small lexicon of phone-answer synonyms folded to one word: with ten examples per intent the
// recogniser cannot learn that "yup" is "yes" or that a wife is family, so it is told.
const EN_SYNONYMS: Record<string, string[]> = {
  yes: ['yeah', 'yep', 'yup', 'yea', 'ya', 'yah', 'yess', 'aye', 'affirmative', 'mhm', 'yeh'],
  no: ['nope', 'nah', 'nuhuh', 'negative', 'naw', 'noo', 'nooo'],
  wrong: ['incorrect', 'mistaken'],
  okay: ['alright', 'allright', 'fine'],
  bye: ['goodbye', 'byebye', 'cya', 'farewell'],
  scam: ['scammer', 'scammers', 'scams', 'fraud', 'fraudster', 'fraudulent', 'crook', 'crooks'],
  harass: ['harassing', 'harassment', 'harassed', 'pester', 'pestering', 'bother', 'bothering', 'bothered'],
  manager: ['supervisor', 'boss', 'superior'],
  angry: ['mad', 'furious', 'upset', 'annoyed', 'annoying', 'pissed', 'unhappy'],
  terrible: ['awful', 'horrible', 'worst', 'sucks', 'rubbish', 'lousy'],
  phone: ['cell', 'mobile', 'cellphone'],
  family: ['wife', 'husband', 'son', 'daughter', 'mother', 'mom', 'mum', 'father', 'dad', 'sister', 'brother', 'roommate', 'babysitter', 'partner', 'grandson', 'granddaughter', 'grandma', 'grandpa',
    'neighbour', 'neighbor', 'friend', 'colleague', 'coworker', 'housemate', 'flatmate', 'cousin', 'aunt', 'uncle', 'niece', 'nephew',
    'boyfriend', 'girlfriend', 'fiance', 'fiancee', 'carer', 'caregiver', 'nanny', 'grandmother', 'grandfather', 'child', 'kid', 'parent', 'parents'],
  later: ['tomorrow', 'tonight', 'evening', 'afternoon', 'morning', 'weekend', 'week', 'soon'],
  robot: ['machine', 'computer', 'bot', 'automated', 'recording', 'recorded'],
  company: ['organisation', 'organization', 'business', 'firm', 'agency'],
  remember: ['recall', 'forget', 'forgot', 'forgotten'],
  idea: ['clue'],
  hear: ['heard', 'hearing', 'catch', 'caught'],
  talk: ['speak', 'speaking', 'chat'],
  need: ['want', 'wanted', 'require'],
  thanks: ['thank'],
  stop: ['quit', 'cease'],
  remove: ['delete', 'erase', 'unsubscribe'],
  dead: ['died', 'passed', 'deceased'],
  report: ['sue', 'lawyer'],
  complaint: ['complain', 'complaints', 'complaining', 'complained'],
  person: ['human', 'somebody', 'someone'],
};
for (const [to, froms] of Object.entries(EN_SYNONYMS)) for (const f of froms) EN_WORDS[f] ??= to;

// Chinese phrase variants folded before tokenisation (dialect, ASR spellings, synonyms).
const ZH_PHRASES: [RegExp, string][] = [
  [/啥|什麼/g, '什么'],
  [/咋/g, '怎么'],
  [/干嘛|干吗|干啥/g, '干什么'],
  [/晓得/g, '知道'],
  [/木有|冇/g, '没有'],
  [/同事|同学|朋友|邻居|室友|老婆|老公|爱人|妈妈|爸爸|儿子|女儿|家属|家里人|老伴|媳妇|丈夫|妻子|母亲|父亲|姐姐|妹妹|哥哥|弟弟/g, '家人'],
  [/明天|晚上|下午|上午|回头|改天|稍后|晚点|晚些|过会儿?|等会儿?|待会儿?|一会儿?|等下|下周/g, '稍后'],
  [/骗子|诈骗|骗人|忽悠/g, '骗子'],
  [/经理|领导|主管|上级/g, '领导'],
  [/机器人|机器|录音|人工智能/g, '机器人'],
  [/不用了|不用|用不着|不必了|不必/g, '不需要'],
  [/听不(?:太)?(?:清楚|清|见|到|懂)/g, '听不清'],
  [/(?:再|在)(?:说|讲)(?:一)?(?:遍|次|下)|重复|重说/g, '再说一遍'],
  [/手机号码|电话号码|手机号|号码|手机/g, '电话'],
  [/挂电话|挂断/g, '挂了'],
  [/拜拜|再见了|拜/g, '再见'],
  [/删掉|删除|去掉/g, '删了'],
  [/屏蔽/g, '拉黑'],
  [/举报/g, '投诉'],
  [/单位|机构|平台/g, '公司'],
  [/需求/g, '需要'],
  [/去世|过世/g, '去世'],
];

const SUFFIXES: [RegExp, string][] = [
  [/n't$/, ' not'],
  [/'m$/, ' am'],
  [/'re$/, ' are'],
  [/'ll$/, ' will'],
  [/'ve$/, ' have'],
  [/'d$/, ' would'],
  [/'s$/, ' is'],
];

const HAN = /\p{Script=Han}/u;
// A Han character, a run of other letters/digits (apostrophes inside words kept), or one separator.
const TOKEN = /(\p{Script=Han})|((?:[^\s\p{P}\p{S}\p{Script=Han}]|(?<=[^\s\p{P}\p{S}])'(?=\p{L}))+)|([\p{P}\p{S}])/gu;

/** Normalises an utterance: NFKC width folding, case, variants, contractions, fillers and stutters. */
export function normalize(input: string): Normalized {
  let s = String(input ?? '').normalize('NFKC').toLowerCase().replace(/[\u2018\u2019\u02bc`´]/g, "'");
  // Back-channel vocalisations carry meaning ("uh-huh" = yes, "uh-uh" = no) and must survive filler removal.
  s = s
    .replace(/\b(?:uh[- ]?huh|mm+[- ]?hm+|mhm+|uh[- ]?hum|um[- ]?hum)\b/g, ' mhm ')
    .replace(/\b(?:uh-uh|nuh[- ]?uh|unh-unh)\b/g, ' nuhuh ')
    .replace(/\bo\.k\.?/g, ' okay ');
  for (const [re, to] of ZH_PHRASES) s = s.replace(re, to);
  const raw: Token[] = [];
  let clause = 0;
  for (const m of s.matchAll(TOKEN)) {
    if (m[1] !== undefined) {
      const c = TRADITIONAL[m[1]] ?? m[1];
      raw.push({ text: HAN_VARIANTS[c] ?? c, han: true, clause });
    } else if (m[2] !== undefined) {
      for (const w of expandWord(m[2])) raw.push({ text: w, han: false, clause });
    } else if (raw.length > 0 && raw[raw.length - 1]!.clause === clause) {
      clause++;
    }
  }
  const kept = raw.filter((t) => !(t.han ? HAN_FILLERS.has(t.text) : EN_FILLERS.has(t.text)));
  // An answer that is only a filler ("嗯", "mm") is itself the answer, so keep it.
  const chosen = kept.length > 0 ? kept : raw;
  const tokens: Token[] = [];
  for (const t of chosen) {
    const prev = tokens[tokens.length - 1];
    // Stutters and emphatic repeats ("对对对", "no no no") mean the same as one.
    if (prev && prev.text === t.text) continue;
    tokens.push(t);
    // Repeated two- and three-token phrases ("不是不是", "好的好的", "thank you thank you") too.
    for (const n of [2, 3]) {
      const len = tokens.length;
      if (len < 2 * n) continue;
      let same = tokens[len - 1]!.clause === tokens[len - 2 * n]!.clause;
      for (let j = 0; same && j < n; j++) same = tokens[len - n + j]!.text === tokens[len - 2 * n + j]!.text;
      if (same) tokens.length = len - n;
    }
  }
  return { text: joinTokens(tokens), tokens };
}

function expandWord(w: string): string[] {
  const direct = EN_WORDS[w];
  if (direct !== undefined) return direct.split(' ');
  for (const [re, rep] of SUFFIXES) {
    if (re.test(w)) return w.replace(re, rep).split(' ').filter((x) => x.length > 0);
  }
  const bare = w.replace(/'/g, '');
  return bare.length > 0 ? [bare] : [];
}

/** Joins tokens for display: spaces between words, none between Han characters. */
export function joinTokens(tokens: readonly Token[]): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (prev && !(prev.han && t.han)) out += ' ';
    out += t.text;
  }
  return out;
}

/** Guesses the language of a text from its script: Chinese when Han characters dominate. */
export function detectLanguage(text: string): 'en' | 'zh' {
  let han = 0;
  let latin = 0;
  for (const ch of text) {
    if (HAN.test(ch)) han++;
    else if (/[a-zA-Z]/.test(ch)) latin++;
  }
  // A Han character carries about as much as a short English word (~4 letters).
  return han * 4 >= latin && han > 0 ? 'zh' : 'en';
}
