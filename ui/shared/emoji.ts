// Emoji for the composer of both front ends: a compact built-in table of common emoji and
// their :shortcodes: (GitHub/Slack names; no network fetch), the completion of a shortcode
// being typed, and the replacement of whole shortcodes in a message when it is sent. A
// chunk of its own in the web client, loaded at the first ":" shortcode or the picker button.

/** "code emoji" pairs, most used first; no emoji takes more UTF-8 bytes than its ":code:". */
const TABLE = `
smile 😄 smiley 😃 grinning 😀 grin 😁 laughing 😆 sweat_smile 😅 joy 😂 rofl 🤣 slightly_smiling_face 🙂
upside_down_face 🙃 wink 😉 blush 😊 innocent 😇 smiling_face_with_hearts 🥰 heart_eyes 😍 star_struck 🤩
kissing_heart 😘 yum 😋 stuck_out_tongue 😛 stuck_out_tongue_winking_eye 😜 zany_face 🤪 money_mouth_face
🤑 hugs 🤗 hand_over_mouth 🤭 shushing_face 🤫 thinking 🤔 neutral_face 😐 expressionless 😑 smirk 😏
unamused 😒 roll_eyes 🙄 grimacing 😬 relieved 😌 pensive 😔 sleepy 😪 sleeping 😴 mask 😷 nauseated_face 🤢
vomiting_face 🤮 hot_face 🥵 cold_face 🥶 dizzy_face 😵 exploding_head 🤯 partying_face 🥳 sunglasses 😎
nerd_face 🤓 confused 😕 worried 😟 slightly_frowning_face 🙁 open_mouth 😮 astonished 😲 flushed 😳
pleading_face 🥺 fearful 😨 cold_sweat 😰 disappointed_relieved 😥 cry 😢 sob 😭 scream 😱 disappointed 😞
sweat 😓 weary 😩 yawning_face 🥱 triumph 😤 rage 😡 angry 😠 cursing_face 🤬 smiling_imp 😈 skull 💀 poop 💩
clown_face 🤡 ghost 👻 alien 👽 robot 🤖 see_no_evil 🙈 hear_no_evil 🙉 speak_no_evil 🙊 wave 👋 raised_hand
✋ ok_hand 👌 victory ✌️ crossed_fingers 🤞 love_you_gesture 🤟 metal 🤘 point_left 👈 point_right 👉
point_up_2 👆 point_down 👇 +1 👍 thumbsup 👍 -1 👎 thumbsdown 👎 fist 👊 facepunch 👊 clap 👏 raised_hands 🙌
handshake 🤝 pray 🙏 writing_hand ✍️ muscle 💪 eyes 👀 brain 🧠 baby 👶 man 👨 woman 👩 person_shrugging 🤷
shrug 🤷 facepalm 🤦 dancer 💃 man_dancing 🕺 heart ❤️ orange_heart 🧡 yellow_heart 💛 green_heart 💚
blue_heart 💙 purple_heart 💜 black_heart 🖤 white_heart 🤍 broken_heart 💔 two_hearts 💕 sparkling_heart
💖 kiss 💋 100 💯 boom 💥 dizzy 💫 sweat_drops 💦 dash 💨 zzz 💤 speech_balloon 💬 thought_balloon 💭 fire 🔥
sparkles ✨ star ⭐ star2 🌟 zap ⚡ sunny ☀️ cloud ☁️ umbrella ☔ snowflake ❄️ rainbow 🌈 ocean 🌊
crescent_moon 🌙 dog 🐶 cat 🐱 rabbit 🐰 fox_face 🦊 bear 🐻 panda_face 🐼 tiger 🐯 lion 🦁 pig 🐷 frog 🐸
monkey_face 🐵 penguin 🐧 owl 🦉 unicorn 🦄 bee 🐝 bug 🐛 butterfly 🦋 turtle 🐢 snake 🐍 octopus 🐙 fish 🐟
dolphin 🐬 shark 🦈 rose 🌹 sunflower 🌻 tulip 🌷 cherry_blossom 🌸 seedling 🌱 evergreen_tree 🌲 palm_tree
🌴 cactus 🌵 four_leaf_clover 🍀 apple 🍎 banana 🍌 watermelon 🍉 strawberry 🍓 peach 🍑 avocado 🥑 eggplant
🍆 carrot 🥕 cheese 🧀 pizza 🍕 hamburger 🍔 fries 🍟 taco 🌮 popcorn 🍿 ramen 🍜 spaghetti 🍝 sushi 🍣 cake 🍰
birthday 🎂 cookie 🍪 chocolate_bar 🍫 doughnut 🍩 icecream 🍦 coffee ☕ tea 🍵 beer 🍺 beers 🍻 wine_glass 🍷
cocktail 🍸 champagne 🍾 clinking_glasses 🥂 tada 🎉 balloon 🎈 gift 🎁 trophy 🏆 1st_place_medal 🥇 soccer
⚽ basketball 🏀 tennis 🎾 video_game 🎮 game_die 🎲 dart 🎯 art 🎨 musical_note 🎵 microphone 🎤 headphones
🎧 guitar 🎸 rocket 🚀 airplane ✈️ car 🚗 bus 🚌 bike 🚲 house 🏠 computer 💻 keyboard ⌨️ iphone 📱 phone ☎️
camera 📷 tv 📺 bulb 💡 moneybag 💰 wrench 🔧 hammer 🔨 gear ⚙️ link 🔗 lock 🔒 unlock 🔓 key 🔑 bell 🔔
no_bell 🔕 books 📚 book 📖 memo 📝 pencil2 ✏️ pushpin 📌 paperclip 📎 scissors ✂️
chart_with_upwards_trend 📈 clipboard 📋 file_folder 📁 package 📦 email 📧 envelope ✉️ mag 🔍 hourglass ⌛
alarm_clock ⏰ warning ⚠️ no_entry ⛔ no_entry_sign 🚫 x ❌ heavy_check_mark ✔️ white_check_mark ✅
question ❓ exclamation ❗ heavy_plus_sign ➕ heavy_minus_sign ➖ arrow_right ➡️ arrow_left ⬅️ arrow_up
⬆️ arrow_down ⬇️ recycle ♻️ new 🆕 ok 🆗 red_circle 🔴 green_circle 🟢 large_blue_circle 🔵
checkered_flag 🏁 triangular_flag_on_post 🚩 crown 👑 t-shirt 👕 shirt 👕 money_with_wings 💸 snowman ⛄
christmas_tree 🎄 jack_o_lantern 🎃`;

const words = TABLE.trim().split(/\s+/);
/** [shortcode, emoji], in the table's order (an emoji may have two codes: +1 and thumbsup). */
export const EMOJI: [code: string, emoji: string][] = [];
for (let i = 0; i < words.length; i += 2) EMOJI.push([words[i]!, words[i + 1]!]);
const byCode = new Map(EMOJI);

export const emojiFor = (code: string): string | undefined => byCode.get(code.toLowerCase());

/**
 * Emoji whose code is `part`, then those whose code starts with it, then those whose code contains it, one code each,
 * in the table's order; every emoji (one code each) for an empty `part`.
 */
export function emojiMatches(part: string, max = 8): [string, string][] {
  const p = part.toLowerCase();
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const pass of [0, 1, 2])
    for (const [code, e] of EMOJI) {
      if (out.length >= max) return out;
      if (seen.has(e) || !(pass > 1 ? code.includes(p) : pass ? code.startsWith(p) : code === p)) continue;
      seen.add(e);
      out.push([code, e]);
    }
  return out;
}

/** A shortcode being typed at the end of `input` (":sm", at the start or after a space), with its matches. */
export function emojiCompletions(input: string): { prefix: string; matches: [string, string][] } | null {
  const m = input.match(/(?:^|\s):([a-z0-9_+-]{2,})$/i);
  return m ? { prefix: m[1]!, matches: emojiMatches(m[1]!) } : null;
}

/**
 * `text` with each known :shortcode: as its emoji, except inside `code` and ``` blocks and
 * after a letter or digit ("1:100:" stays). Never longer than `text` (see TABLE).
 */
export const replaceShortcodes = (text: string): string =>
  text.replace(
    /(```[\s\S]*?(?:```|$)|`[^`\n]*`)|(?<!\w):([a-z0-9_+-]+):/gi,
    (m, code, name) => code ?? emojiFor(name) ?? m,
  );
