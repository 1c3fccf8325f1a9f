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
  | 'CLOSING'
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
      'yes indeed', 'yes of course', 'that is the one', 'that is us', 'it is us', 'this is us', 'you are right', 'right on', 'bingo', 'spot on', 'that would be great', 'that would be fine', 'i would like that', '^please$', 'let us do it', '^i am in$', 'count me in', '^deal$', 'sounds like a plan', 'okay then', 'go for it', 'i can do that', 'can do', 'no doubt', 'certainly can', 'i sure did', 'yes i did', 'sure did', 'you got that right', 'that is accurate', '^accurate$', '^yes$',
    ],
    zh: [
      '是的', '^是啊$', '^是$', '是滴', '是我', '就是我', '本人', '对', '对的', '对头', '没错', '没问题', '没有问题', '没得问题', '没毛病', '好的', '好嘞',
      '好咧', '^好$', '^好好$', '那好', '得嘞', '^行$', '那行', '也行', '行的', '^中$', '^成$', '成了', '妥', '妥了', '^可以$', '可以的', '可以可以',
      '也可以', '都可以', '那可以', '要得', '确定', '确认', '同意', '当然', '肯定', '必须的', '正确', '^嗯$', '就是', '是这样', '没事', '收到', '明白',
      '知道了', '晓得了', '^来吧$', '^说吧$', '请讲', '^讲吧$', '在的', '^我在$',
      '对呀', '^是是$', '^嗯呐$', '好滴', '好哒', '没问题的', '放心', '^行行行$', '^是呢$', '对喽', '那当然', '当然可以', '当然了', '^必须$', '一定', '没错儿', '是这个', '是这个号', '就是这个', '我就是', '正是', '对滴', '^嗯好$', '^好呀$', '^得$', '要的', '^了解$', '明白了', '^中中$', '^管$', '得劲', '阔以', '可以滴', '^有$', '^有的$', '^在$', '^来$', '嗯呢', '^对$',
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
      'not us', 'that is not us', 'nothing at all', 'never once', 'not once', 'i have never', 'no i have not', 'no we have not', 'no it was not', 'not that', 'i would not say so', 'not exactly', 'not particularly', 'hardly', 'no chance', 'by no means', 'i doubt it', 'doubt it', 'we do not have', 'no we do not', 'that is false', '^false$', 'untrue',
    ],
    zh: [
      '不是', '不对', '没有', '^没$', '没的事', '没这回事', '没有的事', '并不是', '不是这样', '从来没有', '从没', '从来没', '^没呢$', '还没', '还没有',
      '倒没有', '才不是', '没有过', '^不$', '不是的', '没有没有', '那倒没有', '不存在', '没这事', '哪有', '那有', '否',
      '不是嘛', '才没有', '没的', '不是呀', '错了', '不会', '不曾', '没去过', '没买过', '没用过', '没办过', '没收到', '没接到', '没过', '没做过', '从来不', '绝对没有', '根本没有', '根本不是', '哪有的事', '瞎说', '不存在的', '非也', '不是这个', '不是那个',
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
      'you have the wrong', 'wrong line', 'wrong extension', 'wrong address', 'not the right person', 'no longer here', 'does not work here', 'no longer works here', 'not with us anymore', 'left the company', 'does not live here anymore', 'moved', 'this number belongs to', 'my number now', 'i just got this phone', 'i got this number', 'new phone', 'do not know who you are talking about', 'do not know anyone', 'do not know anybody', 'he is out', 'she is out', 'he is not home', 'she is not home', 'not home', 'is not in', 'he is away', 'she is away', 'take a message', 'leave a message',
    ],
    zh: [
      '打错了', '打错', '找错人', '找错了', '搞错人', '不是他', '我不是他', '不是本人', '没有这个人', '没这个人', '没这人', '没有这人', '查无此人',
      '不认识', '他不在', '不在家', '不住这', '不住这里', '搬走了', '搬家了', '换号了', '换号码', '新号', '刚换', '不用这个号', '不用这个号码',
      '不是他的', '他家人', '是他家人', '去世', '他本人不在', '不是你要找', '不是你找', '他出去了', '他不住', '人不在',
      '要找的人', '找的人不是', '我是他', '是他的', '换人', '换人了',
      '你打错', '电话错了', '认错人', '不认识这个人', '没听说过这个人', '没这号人', '不是这家', '这不是他', '他不在家', '他出门了', '他上班去了', '他不在这', '他现在不在', '转告', '我替他', '留言', '电话换了', '换了电话', '新办的', '刚办的', '刚买的卡', '这是我的电话', '不是这个人', '过世', '人走了',
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
      'call me in', 'call back in', 'call me after', 'in the evening', 'not a convenient time', 'inconvenient', 'not convenient', 'can not talk now', 'at the gym', 'at the store', 'in the car', 'on the train', 'on the bus', 'in the shower', 'about to leave', 'heading out', 'running late', 'late for', 'got to go', 'have to go', 'need to go', 'got to run', 'in a rush', 'a bit busy', 'hands full', 'when i get home', 'when i am free', 'after work', 'on break', 'i will call you back', 'call you back', 'talk later', 'another day', 'at dinner', 'at lunch', 'sleeping', 'asleep',
    ],
    zh: [
      '在忙', '忙', '很忙', '忙着', '正忙', '在上班', '上班', '开会', '在开会', '开车', '在开车', '不方便', '没空', '没时间', '在外面', '在外头',
      '晚点', '稍后', '稍后打', '再打', '回头说', '改天', '等会', '忙着呢', '现在不行', '没功夫', '有事', '手头有事', '在吃饭', '吃饭', '在路上',
      '下次', '以后再说', '过会', '抽不开身', '走不开', '再联系', '晚些', '在睡觉', '睡觉', '在医院',
      '忙呢', '正在忙', '忙的很', '在工作', '在干活', '干活', '路上', '在地铁', '在公交', '带孩子', '在做饭', '在洗澡', '午休', '在休息', '不太方便', '不是很方便', '不方便接', '不好说话', '说话不方便', '晚点打', '过两天', '下回', '有空再说', '有空', '没工夫', '顾不上', '回头打', '开着车', '上着班',
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
      'not a hundred percent', 'not positive', 'i would not know', 'would not know', 'how would i know', 'how should i know', 'no idea what', 'clueless', 'can not say for sure', 'it depends', 'depends', 'let me see', 'let me get back', 'need to think', 'i will have to look', 'would need to check', 'off the top of my head', 'your guess is as good as mine',
    ],
    zh: [
      '不知道', '不清楚', '不太清楚', '不确定', '不太确定', '不记得', '记不清', '记不得', '忘了', '忘记了', '说不好', '说不准', '不好说', '不好讲',
      '讲不好', '不了解', '搞不清', '搞不懂', '没印象', '没什么印象', '^我想想$', '想不起来', '谁知道', '那知道', '不太懂', '拿不准', '吃不准',
      '难说', '也许', '可能', '不大清楚', '不晓得', '忘记', '记不太清', '不好讲', '没概念', '不一定', '想一想', 
      '不*了解', '不*清楚', '不*确定', '不*记得', '不*知道', '好像', '不大记得',
      '不懂', '搞不明白', '没注意', '没留意', '没关注', '说不清', '讲不清', '不太记的', '记不起来', '忘掉了', '我那知道', '鬼知道', '天知道', '不好确定', '要问一下', '问家里', '问一下家里', '看情况', '说不定', '也可能', '^大概吧$', '没准', '或许',
      '记不住', '想不起',
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
      'repeat the question', 'could you repeat', 'can you repeat', 'once again', 'i did not understand', 'did not understand', 'do not understand', 'i beg your pardon', 'what now', 'lost you', 'i lost you', 'static', 'echo', 'speak louder', 'talk louder', 'a little louder', 'slower', 'more slowly', 'too fast', 'going too fast',
    ],
    zh: [
      '再说一遍', '^什么$', '说什么', '你说什么', '说的什么', '讲什么', '讲的什么', '听不清', '没听清', '没听见', '没听到', '听不到', '听的到吗',
      '听到吗', '听的见吗', '信号不好', '信号差', '大声点', '大声一点', '大点声', '说慢点', '讲慢点', '慢点说', '慢一点', '刚才说', '刚说', '刚刚讲',
      '没听懂', '断断续续', '重复', '再讲', '再来一遍', '声音太小', '听不太清', '^喂$', '什么意思', '啥意思', '再说一次', '说清楚',
      '没太听', '没太听清', '听不太懂', '没怎么听清',
      '没明白', '没懂', '你说的什么意思', '重说', '听不太清楚', '声音小', '说大声点', '太快了', '说太快', '慢慢说', '杂音', '有回音', '卡了', '断了', '信号', '^喂喂$', '听的见吗',
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
      'who is this again', 'what is your company', 'company name', 'what business', 'which organisation', 'telemarketer', 'sales call', 'are you selling', 'selling something', 'what are you selling', 'what is this for', 'what is the purpose', 'purpose of this call', 'why did you call', 'who told you', 'know my name', 'is this automated', 'am i talking to a real', 'an actual person', 'what number is this', 'identify yourself', 'who am i talking to',
    ],
    zh: [
      '你是谁', '^谁$', '你谁', '哪位', '请问哪位', '哪里的', '你是哪里', '什么公司', '哪个公司', '什么单位', '哪个单位', '干什么的', '做什么的',
      '有什么事', '什么事', '有事吗', '怎么有我电话', '谁给你', '哪来的', '哪里打来', '哪打来', '真人', '机器人', '贵姓', '你叫什么', '什么名字',
      '怎么称呼', '什么情况', '哪家', '什么机构', '怎么知道我', '找我什么', '找我干什么',
      '什么人', '人工', '你是什么', '真人吗', '是真人', '哪个部门',
      '你们是干什么', '你们是做什么', '哪里的电话', '哪打来的', '你那边是', '什么地方', '公司叫什么', '公司名', '推销', '卖东西', '卖什么', '打来干什么', '打电话干什么', '找我有事', '有何贵干', '谁让你', '怎么知道我的电话', '是人工吗', '是机器', '是不是录音', '自动', '智能客服', 'ai',
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
      'not interested at all', 'no i do not need', 'we do not need', 'not in need', 'not at this time', 'maybe next time', 'we will pass', 'pass thanks', 'i do not do that', 'not my cup of tea', 'happy with what i have', 'happy with my', 'satisfied with', 'we already use', 'already use', 'got one already', 'i do not buy', 'do not buy over the phone', 'can not afford', 'too expensive', 'no money', 'not a good fit', 'does not interest me', 'not for us', 'not for now', 'thanks anyway', 'forget it', 'never mind',
    ],
    zh: [
      '不需要', '^不要$', '不要了', '我不要', '不想要', '没兴趣', '没有兴趣', '不感兴趣', '没什么兴趣', '不考虑', '算了', '不买', '不想了解',
      '用不上', '已经有了', '有了', '不必了', '没需要', '没有需要', '^不想$', '不办', '不办理', '不做', '不参加', '不弄', '不搞', '免了',
      '拉倒', '^不了$', '不太需要', '没必要', '没有必要', '不想买', '不感冒', '没啥兴趣', '用不到',
      '不用谢谢', '谢谢不需要', '不要了谢谢', '兴趣不大', '没意思', '不想办', '不想听', '不想参加', '不想弄', '不考虑了', '暂时不用', '目前不需要', '先不用', '先不要', '现在不需要', '已经买了', '已经办了', '买过了', '办过了', '不合适', '太贵', '没钱', '买不起', '不划算', '不弄了', '不搞了', '算了算了', '不稀罕', '不缺',
      '暂时不要', '暂时不',
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
      'calling the police', 'going to sue', 'lawsuit', 'legal action', 'ftc', 'federal trade commission', 'third time', 'second time today', 'called me yesterday', 'you keep calling', 'keep calling me', 'stop harassing', 'waste of time', 'wasting my time', 'bad service', 'poor service', 'in charge', 'your boss', 'what the hell', 'shut up', 'screw you', 'idiots', 'stupid', 'scumbags', 'thief', 'stealing', 'overcharged', 'refund', 'unsolicited', 'cold calling',
    ],
    zh: [
      '投诉', '骚扰', '骗子', '领导', '叫你们领导', '报警', '警察', '曝光', '12315', '工信部', '消协', '太差', '服务差', '态度差', '烦死了',
      '烦不烦', '有病', '神经病', '垃圾', '破公司', '什么破', '太过分', '过分', '天天打', '每天打', '老是打', '一直打', '缺德', '流氓', '坑人',
      '黑心', '不要脸', '滚', '气死', '讨厌', '恶心', '乱扣', '乱收费', '骗钱', '告你', '起诉', '律师', '差劲', '无语', '什么玩意', '破玩意',
      '烦死', '生气', '不像话', '太不像话', '火大', '受不了',
      '告你们', '法院', '报警了', '110', '消费者协会', '工商', '市场监管', '12345', '太烦了', '很烦', '烦人', '真烦', '好烦', '好几次', '又打', '又是你们', '怎么又', '还打', '每天', '服务太差', '态度太差', '什么服务', '什么态度', '骗人的', '坑爹', '黑店', '差评', '退钱', '退款', '乱扣费', '扣我钱', '吃饱了撑', '闲的', '有毛病', '脑子有病', '滚蛋', '去死', '妈的', '混蛋', '王八蛋', '无耻', '可恶', '欺负人', '莫名其妙',
    ],
  },
  STOP_CALLING: {
    en: [
      'stop calling', 'quit calling', '^stop$', 'do not call', 'never call', 'do not ever call', 'take me off', 'off your list', 'off the list',
      'remove me', 'remove my number', 'lose my number', 'do not contact', 'no more calls', 'remove', 'opt out', 'leave me alone',
      'stop contacting', 'do not need calls', 'do not need any more calls', 'do not call list', 'go away',
      'get lost', 'call me again', 'call here again', 'call this number again', 'not call me', 'not call again', 'stop ringing',
      'no more', 'enough calls', 'take my number off',
      'stop these calls', 'stop the calls', 'these calls', 'hear from you again', 'never need to hear',
      'please stop', 'stop it', 'stop this', 'knock it off', 'cut it out', 'do not call back', 'never again', 'do not want to be called', 'remove us', 'take us off', 'take my name off', 'opt me out', 'delete my details', 'delete my information', 'do not contact me', 'please do not call', 'that is enough', '^enough$', 'i am done', 'we are done', 'td',
    ],
    zh: [
      '别打了', '别打', '别再打', '不要再打', '不要打了', '不要打', '别给我打', '不要给我打', '别打电话', '不要打电话', '以后别', '以后不要',
      '别联系', '不要联系', '别再联系', '删了', '拉黑', '退订', '取消', '别烦我', '不要烦我', '名单', '不要再来电', '别再来电',
      '免打扰', '别再骚扰', '不要再骚扰', '别*打过来', '不要*打过来', '别*打了', '不要*打了', '别老打', '别总打', '不要老打', '别来电',
      '不要打来', '别打来', '别再打来', '以后不要再打', '以后别再打', '别打这个电话', '不要打这个电话', '别联系我', '不要联系我', '不要再联系', '永远别打', '再也别打', '别再来', '别来烦', '不要来烦', '移除', '去掉我的', '删掉我的', '删除我的', '把我删', '黑名单', '别说了', '别再打扰', '不要打扰', '别打扰我', '勿扰', 'td',
    ],
  },
  // Closings are not opt-outs: "thank you, bye" must never read as "stop calling me".
  CLOSING: {
    en: ['bye', 'bye now', 'bye bye', 'goodbye', 'good bye', 'see you', 'see ya', 'take care', 'have a good day', 'have a nice day', 'have a good one', 'hang up', 'hanging up', 'have to hang up', 'got to go', 'have to go', 'gotta go', 'talk later', 'cheers', 'that is all'],
    zh: ['再见', '拜拜', '挂了', '我挂', '我要挂了', '先挂了', '就这样吧', '先这样', '好了不说了', '不说了', '再会', '回见', '回头见', '先这样吧'],
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

// Built on first use, not at import: the API loads the recogniser for scenario checks that most of its cold starts
// never run, and the normalisation of every lexicon phrase is ~15 ms of a module's initialisation.
let index: Map<string, Phrase[]> | undefined;
const phraseIndex = (): Map<string, Phrase[]> => (index ??= compile());

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
  const phrases = phraseIndex();
  for (let i = 0; i < tokens.length; i++) {
    const list = phrases.get(tokens[i]!.text);
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
