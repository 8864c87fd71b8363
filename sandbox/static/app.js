// The sandbox's web chat: play any user, talk to the bot, watch other chats update live.
// Every text from the bot is rendered as DOM nodes from its plain text and entities, never parsed as HTML.

import { startClock, stationTime } from "./clock.js";

const ROLES = {
  resident: "居民",
  officer: "民警",
  supervisor: "中层干部",
  leader: "局领导",
  admin: "管理员",
};
// The bot's language for a person (zh_Hans …), or their Telegram's (zh-hans …) before /start.
const LANGUAGES = {
  zh_hans: "简体中文",
  zh_hant: "繁體中文",
  en: "English",
};
const ACTIONS = {
  typing: "正在输入…",
  upload_photo: "正在发送照片…",
  upload_document: "正在发送文件…",
  find_location: "正在查找位置…",
  choose_sticker: "正在选择贴纸…",
};
const SAFE_LINK = /^(https?|tg|mailto):/i;
const BLOCKS = new Set(["blockquote", "expandable_blockquote", "pre"]);
const DEFAULT_PLACE = { latitude: 31.2304, longitude: 121.4737 };

const ui = {
  people: document.getElementById("people"),
  switcher: document.getElementById("switcher"),
  newPerson: document.getElementById("new-person"),
  botName: document.getElementById("bot-name"),
  botAvatar: document.getElementById("bot-avatar"),
  empty: document.getElementById("empty-chat"),
  head: document.getElementById("chat-head"),
  headAvatar: document.getElementById("head-avatar"),
  headName: document.getElementById("head-name"),
  headRole: document.getElementById("head-role"),
  headStatus: document.getElementById("head-status"),
  blockButton: document.getElementById("block-button"),
  commandsButton: document.getElementById("commands-button"),
  commandsMenu: document.getElementById("commands-menu"),
  messages: document.getElementById("messages"),
  keyboard: document.getElementById("reply-keyboard"),
  composer: document.getElementById("composer"),
  text: document.getElementById("text"),
  attachButton: document.getElementById("attach-button"),
  attachMenu: document.getElementById("attach-menu"),
  photoFile: document.getElementById("photo-file"),
  toast: document.getElementById("toast"),
  modal: document.getElementById("modal"),
  modalText: document.getElementById("modal-text"),
  modalOk: document.getElementById("modal-ok"),
};

const state = {
  bot: null,
  users: [],
  current: null, // user id
  chat: null, // the last chat view
  rendered: new Map(), // message_id -> {revision, node}
  seenAnswers: new Set(),
  revision: -1,
  seenCounts: loadSeen(),
  roster: {}, // user id -> {language, areas}, from the demo station (GET /sandbox/roster)
};

// ---------------------------------------------------------------------------------------------
// Talking to the sandbox

async function request(method, path, body) {
  const options = { method, headers: {} };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(answer.error || `${response.status} ${response.statusText}`);
  }
  return answer;
}

const get = (path) => request("GET", path);
const post = (path, body) => request("POST", path, body ?? {});

async function act(promise) {
  try {
    return await promise;
  } catch (error) {
    showToast(`操作失败：${error.message}`, true);
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function fullName(user) {
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function avatarColor(id) {
  const colors = ["#e17076", "#7bc862", "#e5ca77", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];
  return colors[Math.abs(id) % colors.length];
}

function avatar(node, user) {
  node.textContent = Array.from(user.first_name || "?")[0];
  node.style.background = avatarColor(user.id);
}

// The badge of the bot's role for a user; none for someone the bot does not know yet (before /start).
function roleName(role) {
  return role ? ROLES[role] || role : "";
}

function languageName(code) {
  if (!code) return "";
  const key = code.toLowerCase().replace("-", "_");
  return LANGUAGES[key] || (key.startsWith("en") ? "English" : key.startsWith("zh") ? "简体中文" : code);
}

// "民警 · 简体中文 · 负责 幸福里社区、大庄村", from the bot's roster where it knows the person
// (the list shows the role as a badge beside the name, so it leaves it out here).
function personDetails(user, withRole = true) {
  const known = state.roster[user.id];
  const parts = [];
  if (user.role && withRole) parts.push(roleName(user.role));
  parts.push(languageName(known ? known.language : user.language_code));
  if (known && known.areas.length) {
    parts.push(user.role === "resident" ? known.areas.join("、") : `负责 ${known.areas.join("、")}`);
  }
  return parts.filter(Boolean).join(" · ");
}

function formatTime(seconds) {
  return stationTime(seconds);
}

function formatSize(bytes) {
  if (bytes == null) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function loadSeen() {
  try {
    return JSON.parse(localStorage.getItem("sandbox-seen") || "{}");
  } catch {
    return {};
  }
}

function saveSeen() {
  localStorage.setItem("sandbox-seen", JSON.stringify(state.seenCounts));
}

let toastTimer = null;
function showToast(text, isError = false) {
  ui.toast.textContent = text;
  ui.toast.classList.toggle("error", isError);
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    ui.toast.hidden = true;
  }, 3500);
}

function showAlert(text) {
  ui.modalText.textContent = text;
  ui.modal.hidden = false;
  ui.modalOk.focus();
}

ui.modalOk.addEventListener("click", () => {
  ui.modal.hidden = true;
  ui.text.focus();
});

// ---------------------------------------------------------------------------------------------
// Rich text: plain text + entities (UTF-16 offsets, which is what JavaScript strings count)

function entityNode(entity, text) {
  const slice = text.slice(entity.offset, entity.offset + entity.length);
  switch (entity.type) {
    case "bold":
      return el("strong");
    case "italic":
      return el("em");
    case "underline":
      return el("u");
    case "strikethrough":
      return el("s");
    case "code":
      return el("code");
    case "pre": {
      const pre = el("pre");
      if (entity.language) pre.dataset.language = entity.language;
      return pre;
    }
    case "spoiler": {
      const spoiler = el("span", "spoiler");
      spoiler.title = "点击显示";
      spoiler.addEventListener("click", () => spoiler.classList.add("revealed"));
      return spoiler;
    }
    case "blockquote":
      return el("blockquote");
    case "expandable_blockquote": {
      const quote = el("blockquote", "expandable");
      quote.addEventListener("click", () => quote.classList.toggle("open"));
      return quote;
    }
    case "text_link":
    case "url": {
      const href = entity.type === "url" ? slice : entity.url;
      if (!SAFE_LINK.test(href || "")) return el("span", "link");
      const link = el("a");
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    case "email": {
      const link = el("a");
      link.href = `mailto:${slice}`;
      return link;
    }
    case "bot_command": {
      const command = el("span", "command");
      command.title = "点击发送";
      command.addEventListener("click", () => sendText(slice));
      return command;
    }
    case "mention":
    case "text_mention":
    case "hashtag":
    case "cashtag":
      return el("span", "mention");
    default:
      return el("span");
  }
}

function richText(text, entities) {
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  return build(text, sorted, 0, text.length);
}

function build(text, entities, start, end) {
  const fragment = document.createDocumentFragment();
  let position = start;
  for (const entity of entities) {
    const entityEnd = entity.offset + entity.length;
    if (entity.offset < position || entityEnd > end) continue; // nested in an earlier one, or overlapping
    if (entity.offset > position) fragment.append(text.slice(position, entity.offset));
    const inner = entities.filter(
      (other) => other !== entity && other.offset >= entity.offset && other.offset + other.length <= entityEnd,
    );
    const node = entityNode(entity, text);
    node.append(build(text, inner, entity.offset, entityEnd));
    fragment.append(node);
    position = entityEnd;
    // A quote or code block ends its own line, as in Telegram: the line break after it is not a blank line.
    if (BLOCKS.has(entity.type) && text[position] === "\n" && position < end) position += 1;
  }
  if (position < end) fragment.append(text.slice(position, end));
  return fragment;
}

// ---------------------------------------------------------------------------------------------
// People

function renderPeople() {
  ui.people.replaceChildren();
  if (state.users.length === 0) {
    ui.people.append(el("li", "people-empty", "还没有用户，先在下方新建一位。"));
  }
  for (const user of state.users) {
    const item = el("li", "person");
    item.dataset.userId = user.id;
    item.classList.toggle("active", user.id === state.current);
    const face = el("div", "avatar");
    avatar(face, user);
    const info = el("div", "person-info");
    const line = el("div", "person-line");
    line.append(el("span", "person-name", fullName(user)));
    if (user.role) line.append(el("span", `badge role-${user.role}`, roleName(user.role)));
    const details = personDetails(user, false);
    const sub = el("div", "person-sub", `${details ? `${details} · ` : ""}ID ${user.id}`);
    sub.title = sub.textContent;
    if (user.blocked) sub.append(el("span", "blocked-mark", " · 已屏蔽机器人"));
    info.append(line, sub);
    item.append(face, info);
    const unread = user.id === state.current ? 0 : user.bot_messages - (state.seenCounts[user.id] || 0);
    if (unread > 0) item.append(el("span", "unread", String(unread)));
    item.addEventListener("click", () => selectUser(user.id));
    ui.people.append(item);
  }
}

function renderSwitcher() {
  ui.switcher.replaceChildren();
  const prompt = el("option", "", "选择身份…");
  prompt.value = "";
  prompt.disabled = true;
  ui.switcher.append(prompt);
  for (const user of state.users) {
    const option = el("option", "", `${fullName(user)} · ${personDetails(user)}`);
    option.value = String(user.id);
    ui.switcher.append(option);
  }
  ui.switcher.value = state.current ? String(state.current) : "";
}

ui.switcher.addEventListener("change", () => {
  const userId = Number(ui.switcher.value);
  if (userId) selectUser(userId);
});

async function refreshUsers() {
  const answer = await get("/sandbox/users");
  state.users = answer.users;
  if (state.bot && (state.bot.extensions || []).includes("/sandbox/roster")) {
    state.roster = (await get("/sandbox/roster").catch(() => ({ people: {} }))).people;
  }
  renderPeople();
  renderSwitcher();
}

async function selectUser(userId) {
  if (state.current !== userId) {
    state.current = userId;
    state.chat = null;
    state.rendered.clear();
    state.seenAnswers = new Set();
    ui.messages.replaceChildren();
    ui.commandsMenu.hidden = true;
    location.hash = `user-${userId}`;
  }
  ui.empty.hidden = true;
  ui.head.hidden = false;
  ui.composer.hidden = false;
  await refreshChat(true);
  renderPeople();
  renderSwitcher();
  ui.text.focus();
}

ui.newPerson.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(ui.newPerson);
  const firstName = String(form.get("first_name") || "").trim();
  if (!firstName) return;
  let id = Number(form.get("id"));
  if (!id) {
    id = Math.max(100000, ...state.users.map((u) => u.id)) + 1;
  }
  const created = await act(
    post("/sandbox/users", { id, first_name: firstName, language_code: String(form.get("language_code")) }),
  );
  if (!created) return;
  ui.newPerson.reset();
  await refreshUsers();
  await selectUser(created.id);
});

// ---------------------------------------------------------------------------------------------
// The chat

function currentUser() {
  return state.users.find((u) => u.id === state.current);
}

function renderHead() {
  const user = currentUser();
  if (!user) return;
  avatar(ui.headAvatar, user);
  ui.headName.textContent = fullName(user);
  ui.headRole.textContent = roleName(user.role);
  ui.headRole.className = `badge role-${user.role}`;
  ui.headRole.hidden = !user.role;
  const action = state.chat && state.chat.chat_action;
  let status = `与 ${state.bot ? state.bot.first_name : "机器人"} 的私聊 · ID ${user.id}`;
  if (user.blocked) status = "已屏蔽机器人：机器人发不来消息";
  if (action) status = `${state.bot ? state.bot.first_name : "机器人"} ${ACTIONS[action] || "…"}`;
  ui.headStatus.textContent = status;
  ui.headStatus.classList.toggle("busy", Boolean(action));
  ui.blockButton.textContent = user.blocked ? "解除屏蔽" : "屏蔽机器人";
  const commands = (state.chat && state.chat.commands) || [];
  ui.commandsButton.hidden = commands.length === 0;
  ui.commandsMenu.replaceChildren();
  for (const command of commands) {
    const item = el("button", "command-item");
    item.type = "button";
    item.append(el("span", "command-name", `/${command.command}`), el("span", "command-desc", command.description));
    item.addEventListener("click", () => {
      ui.commandsMenu.hidden = true;
      sendText(`/${command.command}`);
    });
    ui.commandsMenu.append(item);
  }
}

ui.commandsButton.addEventListener("click", () => {
  ui.commandsMenu.hidden = !ui.commandsMenu.hidden;
});

ui.blockButton.addEventListener("click", async () => {
  const user = currentUser();
  if (!user) return;
  await act(post(user.blocked ? "/sandbox/unblock" : "/sandbox/block", { user_id: user.id }));
  await refreshUsers();
  renderHead();
});

function messageNode(message, byId) {
  const row = el("div", `row ${message.from_bot ? "incoming" : "outgoing"}`);
  row.dataset.messageId = message.message_id;
  if (message.media_group_id) {
    // The photos of one album (sendMediaGroup) are drawn close together, as Telegram groups them.
    row.classList.add("album");
    row.dataset.album = message.media_group_id;
  }
  const bubble = el("div", `bubble kind-${message.kind}`);
  if (message.forwarded_from) bubble.append(el("div", "forwarded", `转发自 ${message.forwarded_from}`));
  if (message.reply_to_message_id) {
    const original = byId.get(message.reply_to_message_id);
    const quote = el("div", "reply-quote");
    quote.append(el("div", "reply-author", original && !original.from_bot ? fullName(currentUser()) : "机器人"));
    quote.append(el("div", "reply-text", original ? original.text || `[${original.kind}]` : "消息已删除"));
    bubble.append(quote);
  }
  if (message.photo) {
    const link = el("a", "photo-link");
    link.href = message.photo.url;
    link.target = "_blank";
    const image = el("img", "photo");
    image.src = message.photo.url;
    image.alt = "照片";
    image.width = Math.min(message.photo.width, 280);
    link.append(image);
    bubble.append(link);
  }
  if (message.sticker) {
    const image = el("img", "sticker");
    image.src = message.sticker.url;
    image.alt = message.sticker.emoji || "贴纸";
    bubble.append(image);
  }
  if (message.document) bubble.append(documentCard(message.document));
  if (message.location) {
    const card = el("div", "card location");
    card.append(el("div", "card-icon", "◉"));
    const info = el("div");
    info.append(el("div", "card-title", "位置"));
    info.append(el("div", "card-sub", `${message.location.latitude.toFixed(5)}, ${message.location.longitude.toFixed(5)}`));
    card.append(info);
    bubble.append(card);
  }
  if (message.contact) {
    const card = el("div", "card contact");
    card.append(el("div", "card-icon", "☎"));
    const info = el("div");
    info.append(el("div", "card-title", message.contact.first_name));
    info.append(el("div", "card-sub", message.contact.phone_number));
    card.append(info);
    bubble.append(card);
  }
  if (message.poll) bubble.append(pollCard(message));
  if (message.text) {
    const text = el("div", "text");
    text.append(richText(message.text, message.entities));
    bubble.append(text);
  }
  const meta = el("span", "meta", `${message.edited ? "已编辑 " : ""}${formatTime(message.date)}`);
  bubble.append(meta);
  row.append(bubble);
  const markup = message.reply_markup;
  if (markup && markup.inline_keyboard) row.append(inlineKeyboard(message, markup.inline_keyboard));
  return row;
}

function documentCard(document_) {
  const card = el("a", "card document");
  card.href = document_.url;
  card.download = document_.file_name || "";
  card.title = "下载";
  card.append(el("div", "card-icon file-icon", (document_.file_name || "?").split(".").pop().slice(0, 4).toUpperCase()));
  const info = el("div");
  info.append(el("div", "card-title", document_.file_name || "文件"));
  info.append(el("div", "card-sub", `${formatSize(document_.file_size)} · 点击下载`));
  card.append(info);
  return card;
}

function pollCard(message) {
  const poll = message.poll;
  const card = el("div", "poll");
  card.append(el("div", "poll-question", poll.question));
  const kind = `${poll.is_anonymous ? "匿名" : "公开"}${poll.type === "quiz" ? "测验" : "投票"}`;
  card.append(el("div", "poll-kind", poll.is_closed ? `${kind} · 已结束` : kind));
  const total = poll.total_voter_count || 0;
  const chosen = new Set(poll.my_votes || []);
  const multiple = poll.allows_multiple_answers;
  const picked = new Set(chosen);
  poll.options.forEach((option, index) => {
    const button = el("button", "poll-option");
    button.type = "button";
    button.disabled = poll.is_closed;
    button.classList.toggle("chosen", chosen.has(index));
    const share = total ? Math.round((option.voter_count / total) * 100) : 0;
    const bar = el("span", "poll-bar");
    bar.style.width = `${chosen.size || poll.is_closed ? share : 0}%`;
    button.append(bar, el("span", "poll-text", option.text));
    if (chosen.size || poll.is_closed) button.append(el("span", "poll-count", `${share}% · ${option.voter_count}`));
    button.addEventListener("click", async () => {
      if (multiple) {
        picked.has(index) ? picked.delete(index) : picked.add(index);
        button.classList.toggle("picked", picked.has(index));
        return;
      }
      await vote(poll.id, [index]);
    });
    card.append(button);
  });
  const footer = el("div", "poll-footer", `${total} 人已投票`);
  if (multiple && !poll.is_closed) {
    const submit = el("button", "ghost small", "投票");
    submit.type = "button";
    submit.addEventListener("click", () => vote(poll.id, [...picked]));
    footer.append(submit);
  }
  if (chosen.size && poll.allows_revoting !== false && !poll.is_closed) {
    const retract = el("button", "ghost small", "撤回");
    retract.type = "button";
    retract.addEventListener("click", () => vote(poll.id, []));
    footer.append(retract);
  }
  card.append(footer);
  return card;
}

async function vote(pollId, optionIds) {
  await act(post("/sandbox/poll_answer", { user_id: state.current, poll_id: pollId, option_ids: optionIds }));
  await refreshChat();
}

function inlineKeyboard(message, rows) {
  const keyboard = el("div", "inline-keyboard");
  for (const row of rows) {
    const line = el("div", "inline-row");
    for (const button of row) {
      if (button.url) {
        const link = el("a", "inline-button link-button", button.text);
        if (SAFE_LINK.test(button.url)) link.href = button.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        line.append(link);
        continue;
      }
      const node = el("button", "inline-button", button.text);
      node.type = "button";
      if (button.callback_data === undefined) {
        node.disabled = true;
        node.title = "沙盒不支持这种按钮";
      }
      node.addEventListener("click", async () => {
        node.classList.add("pressed");
        const pressed = await act(
          post("/sandbox/press", { user_id: state.current, message_id: message.message_id, data: button.callback_data }),
        );
        if (!pressed) node.classList.remove("pressed");
        setTimeout(() => node.classList.remove("pressed"), 600);
      });
      line.append(node);
    }
    keyboard.append(line);
  }
  return keyboard;
}

function renderReplyKeyboard() {
  const markup = state.chat && state.chat.reply_keyboard;
  ui.keyboard.replaceChildren();
  ui.keyboard.hidden = !markup;
  ui.text.placeholder = (markup && markup.input_field_placeholder) || "输入消息…";
  if (!markup) return;
  for (const row of markup.keyboard) {
    const line = el("div", "keyboard-row");
    for (const button of row) {
      const node = el("button", "keyboard-button", button.text);
      node.type = "button";
      node.addEventListener("click", () => pressKeyboard(button));
      line.append(node);
    }
    ui.keyboard.append(line);
  }
}

async function pressKeyboard(button) {
  if (button.request_contact) {
    await shareContact(true);
  } else if (button.request_location) {
    await shareLocation();
  } else {
    await act(post("/sandbox/press", { user_id: state.current, text: button.text }));
  }
  await refreshChat();
}

function atBottom() {
  const box = ui.messages;
  return box.scrollHeight - box.scrollTop - box.clientHeight < 48;
}

// Returns whether a message was added.
function renderMessages() {
  const messages = state.chat.messages;
  const byId = new Map(messages.map((m) => [m.message_id, m]));
  let added = false;
  for (const [id, entry] of state.rendered) {
    if (!byId.has(id)) {
      entry.node.remove();
      state.rendered.delete(id);
    }
  }
  let previous = null;
  for (const message of messages) {
    const known = state.rendered.get(message.message_id);
    let node = known ? known.node : null;
    if (!known || known.revision !== message.revision) {
      const fresh = messageNode(message, byId);
      if (node) node.replaceWith(fresh);
      node = fresh;
      if (!known) added = true;
      state.rendered.set(message.message_id, { revision: message.revision, node });
    }
    if (node.previousElementSibling !== previous || !node.isConnected) {
      if (previous) previous.after(node);
      else ui.messages.prepend(node);
    }
    previous = node;
  }
  if (messages.length === 0 && !ui.messages.querySelector(".no-messages")) {
    ui.messages.append(el("div", "no-messages", "还没有消息。发送 /start 开始吧。"));
  } else if (messages.length) {
    ui.messages.querySelector(".no-messages")?.remove();
  }
  return added;
}

function announceAnswers(firstLoad) {
  for (const answer of state.chat.callback_answers) {
    if (state.seenAnswers.has(answer.callback_query_id)) continue;
    state.seenAnswers.add(answer.callback_query_id);
    if (firstLoad || !answer.text) continue;
    if (answer.show_alert) showAlert(answer.text);
    else showToast(answer.text);
  }
}

async function refreshChat(firstLoad = false) {
  if (state.current === null) return;
  const userId = state.current;
  const chat = await get(`/sandbox/chats/${userId}/messages`);
  if (userId !== state.current) return;
  state.chat = chat;
  const user = currentUser();
  if (user) {
    state.seenCounts[userId] = chat.messages.filter((m) => m.from_bot).length;
    saveSeen();
  }
  renderHead();
  const wasAtBottom = atBottom();
  const added = renderMessages();
  renderReplyKeyboard();
  // A new message is worth seeing; a reader at the bottom stays there when an edit makes the last message
  // taller or a reply keyboard takes room.
  if (added || wasAtBottom) ui.messages.scrollTop = ui.messages.scrollHeight;
  announceAnswers(firstLoad);
}

// ---------------------------------------------------------------------------------------------
// Sending

async function sendText(text) {
  if (!text.trim() || state.current === null) return;
  const sent = await act(post("/sandbox/send", { user_id: state.current, text }));
  if (sent) await refreshChat();
}

ui.composer.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = ui.text.value;
  ui.text.value = "";
  await sendText(text);
  ui.text.focus();
});

async function shareContact(own) {
  const phone = window.prompt(own ? "分享本人手机号" : "他人的手机号", own ? "+8613800138000" : "13900000000");
  if (!phone) return;
  const body = { user_id: state.current, phone_number: phone, own };
  if (!own) body.first_name = window.prompt("联系人名字", "张三") || "联系人";
  await act(post("/sandbox/contact", body));
}

async function shareLocation() {
  const answer = window.prompt("位置（纬度, 经度）", `${DEFAULT_PLACE.latitude}, ${DEFAULT_PLACE.longitude}`);
  if (!answer) return;
  const [latitude, longitude] = answer.split(/[,，\s]+/).map(Number);
  await act(post("/sandbox/location", { user_id: state.current, latitude, longitude }));
}

ui.attachButton.addEventListener("click", () => {
  ui.attachMenu.hidden = !ui.attachMenu.hidden;
});

document.addEventListener("click", (event) => {
  if (!ui.attachMenu.hidden && !event.target.closest(".attach")) ui.attachMenu.hidden = true;
  if (!ui.commandsMenu.hidden && !event.target.closest("#commands-menu, #commands-button")) {
    ui.commandsMenu.hidden = true;
  }
});

ui.attachMenu.addEventListener("click", async (event) => {
  const action = event.target.closest("button")?.dataset.action;
  if (!action) return;
  ui.attachMenu.hidden = true;
  const caption = ui.text.value.trim() || null;
  if (action === "sample-photo") {
    ui.text.value = "";
    await act(post("/sandbox/photo", { user_id: state.current, caption }));
  } else if (action === "pick-photo") {
    ui.photoFile.click();
    return;
  } else if (action === "location") {
    await shareLocation();
  } else if (action === "contact") {
    await shareContact(true);
  } else if (action === "other-contact") {
    await shareContact(false);
  } else if (action === "sticker") {
    await act(post("/sandbox/sticker", { user_id: state.current }));
  }
  await refreshChat();
});

ui.photoFile.addEventListener("change", async () => {
  const file = ui.photoFile.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("user_id", String(state.current));
  const caption = ui.text.value.trim();
  if (caption) form.append("caption", caption);
  form.append("photo", file, file.name);
  ui.text.value = "";
  ui.photoFile.value = "";
  await act(post("/sandbox/photo", form));
  await refreshChat();
});

// ---------------------------------------------------------------------------------------------
// Live updates: a long poll on /sandbox/changes; typing indicators expire on their own.

async function watch() {
  for (;;) {
    try {
      const answer = await get(`/sandbox/changes?since=${state.revision}&timeout=25`);
      if (answer.revision !== state.revision) {
        state.revision = answer.revision;
        await refreshUsers();
        if (state.current !== null) {
          if (!currentUser()) {
            state.current = null;
            location.hash = "";
            ui.empty.hidden = false;
            ui.head.hidden = true;
            ui.composer.hidden = true;
            ui.keyboard.hidden = true;
            ui.messages.replaceChildren();
            state.rendered.clear();
          } else {
            await refreshChat();
          }
        }
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

setInterval(() => {
  if (state.chat && state.chat.chat_action) refreshChat().catch(() => {});
}, 2000);

async function start() {
  try {
    state.bot = await get("/sandbox/bot");
    ui.botName.textContent = state.bot.first_name;
    ui.botAvatar.textContent = Array.from(state.bot.first_name)[0];
    document.title = `${state.bot.first_name} · Telegram 沙盒`;
  } catch {
    ui.botName.textContent = "沙盒未连接";
  }
  await startClock({
    present: Boolean(state.bot && (state.bot.extensions || []).includes("/sandbox/clock")),
    moved: async () => {
      // Times are drawn against the station's day, which has just changed: draw the chat again.
      state.rendered.clear();
      ui.messages.replaceChildren();
      await refreshUsers();
      if (state.current) await refreshChat();
    },
    toast: showToast,
  });
  await refreshUsers().catch(() => {});
  const wanted = Number((location.hash.match(/^#user-(\d+)$/) || [])[1]);
  if (wanted && state.users.some((u) => u.id === wanted)) await selectUser(wanted);
  watch();
}

start();
