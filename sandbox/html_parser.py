"""Telegram's `parse_mode=HTML`, parsed the way the Bot API server (tdlib's `parse_html`) parses it.

The result is the plain text and its entities, with offsets and lengths in UTF-16 code units as
Telegram counts them. Errors carry tdlib's wording (byte offsets are UTF-8 bytes into the input).

One deliberate difference: Telegram keeps a bare `&` that does not start an entity as text; by
default the sandbox rejects it, because it means a text was put into HTML without being escaped
(`strict_ampersand=False` restores Telegram's leniency).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from telegram import MessageEntity, User

from sandbox.text import utf16_len

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SPACES = frozenset(" \t\r\n\f\v")
_SIMPLE = {
    "b": MessageEntity.BOLD,
    "strong": MessageEntity.BOLD,
    "i": MessageEntity.ITALIC,
    "em": MessageEntity.ITALIC,
    "u": MessageEntity.UNDERLINE,
    "ins": MessageEntity.UNDERLINE,
    "s": MessageEntity.STRIKETHROUGH,
    "strike": MessageEntity.STRIKETHROUGH,
    "del": MessageEntity.STRIKETHROUGH,
    "tg-spoiler": MessageEntity.SPOILER,
    "span": MessageEntity.SPOILER,
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_USER_LINK = re.compile(r"^tg://user\?id=(\d{1,20})$", re.IGNORECASE)
_URL_SCHEMES = ("http://", "https://", "tg://", "ton://", "tonsite://")
_BARE_DOMAIN = re.compile(r"^[\w.-]+\.[a-z]{2,}(?:[/?#:].*)?$", re.IGNORECASE)


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is what follows "can't parse entities: "."""


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    text_start: int  # index into the output characters, for an <a> without href


def parse_html(
    html: str, *, strict_ampersand: bool = True, known_users: Mapping[int, User] | None = None
) -> tuple[str, list[MessageEntity]]:
    """Parses Telegram HTML into plain text and entities (UTF-16 offsets), or raises HtmlParseError.

    Args:
        html: the text as the bot sent it.
        strict_ampersand: reject a `&` that does not start an entity (Telegram keeps it as text).
        known_users: users by id, so that `<a href="tg://user?id=N">` becomes a text_mention.
    """
    parser = _Parser(html, strict_ampersand=strict_ampersand, known_users=known_users or {})
    return parser.run()


class _Parser:
    def __init__(self, html: str, *, strict_ampersand: bool, known_users: Mapping[int, User]) -> None:
        self.src = html
        self.strict_ampersand = strict_ampersand
        self.known_users = known_users
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[MessageEntity] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def char(self, i: int) -> str:
        """The character at i, or "" past the end (tdlib reads the terminating NUL there)."""
        return self.src[i] if i < len(self.src) else ""

    def run(self) -> tuple[str, list[MessageEntity]]:
        i = 0
        n = len(self.src)
        while i < n:
            c = self.src[i]
            if c == "&":
                decoded, end = decode_entity(self.src, i)
                if decoded is not None:
                    self.emit(decoded)
                    i = end
                    continue
                if self.strict_ampersand:
                    raise HtmlParseError(f'Unescaped "&" at byte offset {self.byte_offset(i)}')
            if c != "<":
                self.emit(c)
                i += 1
                continue
            i = self.end_tag(i) if self.char(i + 1) == "/" else self.start_tag(i)
        if self.stack:
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        # A language survives only on a <pre>; a lone <code class="language-x"> is plain code.
        entities = [
            MessageEntity(e.type, e.offset, e.length) if e.type == MessageEntity.CODE and e.language else e
            for e in self.entities
        ]
        entities.sort(key=lambda e: (e.offset, -e.length))
        return "".join(self.out), entities

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.char(i) and self.char(i) not in _SPACES and self.char(i) != ">":
            i += 1
        if not self.char(i):
            raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = self.src[begin + 1 : i].lower()
        if name not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        argument = ""
        while self.char(i) != ">":
            while self.char(i) in _SPACES and self.char(i):
                i += 1
            if self.char(i) == ">":
                break
            attr_begin = i
            while self.char(i) and self.char(i) not in _SPACES and self.char(i) not in "=>":
                i += 1
            attr = self.src[attr_begin:i]
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {self.byte_offset(begin)}'
                )
            while self.char(i) in _SPACES and self.char(i):
                i += 1
            if self.char(i) != "=":
                if name == "blockquote" and attr == "expandable" and self.char(i):
                    argument = "1"
                    continue
                raise HtmlParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {self.byte_offset(begin)}"
                )
            i += 1
            while self.char(i) in _SPACES and self.char(i):
                i += 1
            if not self.char(i):
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {self.byte_offset(begin)}')
            value, i = self.attribute_value(i, begin)
            argument = _tag_argument(name, attr, value, argument)
        if name == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}')
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.out)))
        return i + 1

    def attribute_value(self, i: int, tag_begin: int) -> tuple[str, int]:
        quote = self.char(i)
        if quote not in ("'", '"'):
            token_begin = i
            while self.char(i).isascii() and (self.char(i).isalnum() or self.char(i) in ".-"):
                i += 1
            if self.char(i) not in _SPACES and self.char(i) != ">":
                raise HtmlParseError(f"Unexpected end of name token at byte offset {self.byte_offset(token_begin)}")
            return self.src[token_begin:i].lower(), i
        i += 1
        value: list[str] = []
        while self.char(i) and self.char(i) != quote:
            if self.char(i) == "&":
                decoded, end = decode_entity(self.src, i)
                if decoded is not None:
                    value.append(decoded)
                    i = end
                    continue
            value.append(self.char(i))
            i += 1
        if not self.char(i):
            raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(tag_begin)}")
        return "".join(value), i + 1

    def end_tag(self, begin: int) -> int:
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while self.char(i) and self.char(i) not in _SPACES and self.char(i) != ">":
            i += 1
        end_name = self.src[begin + 2 : i].lower()
        while self.char(i) in _SPACES and self.char(i):
            i += 1
        if self.char(i) != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        opened = self.stack.pop()
        if end_name and end_name != opened.name:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{opened.name}>", found "</{end_name}>"'
            )
        if self.utf16 > opened.utf16_offset:
            self.close_entity(opened)
        return i + 1

    def close_entity(self, tag: _OpenTag) -> None:
        offset, length = tag.utf16_offset, self.utf16 - tag.utf16_offset
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and last.offset == offset and last.length == length
        if tag.name in _SIMPLE:
            self.entities.append(MessageEntity(_SIMPLE[tag.name], offset, length))
        elif tag.name == "blockquote":
            kind = MessageEntity.EXPANDABLE_BLOCKQUOTE if tag.argument else MessageEntity.BLOCKQUOTE
            self.entities.append(MessageEntity(kind, offset, length))
        elif tag.name == "tg-emoji":
            if tag.argument:
                self.entities.append(
                    MessageEntity(MessageEntity.CUSTOM_EMOJI, offset, length, custom_emoji_id=tag.argument)
                )
        elif tag.name == "a":
            url = tag.argument or "".join(self.out[tag.text_start :])
            entity = self.link_entity(url, offset, length)
            if entity is not None:
                self.entities.append(entity)
        elif tag.name == "pre":
            if same_span and last is not None and last.type == MessageEntity.CODE:
                self.entities[-1] = MessageEntity(MessageEntity.PRE, offset, length, language=last.language)
            else:
                self.entities.append(MessageEntity(MessageEntity.PRE, offset, length))
        elif tag.name == "code":
            if same_span and last is not None and last.type == MessageEntity.PRE and tag.argument:
                self.entities[-1] = MessageEntity(MessageEntity.PRE, offset, length, language=tag.argument)
            elif same_span and last is not None and last.type == MessageEntity.PRE:
                pass  # <pre><code>x</code></pre> is one pre entity
            else:
                # The language is kept only until a surrounding <pre> claims it (see above).
                self.entities.append(MessageEntity(MessageEntity.CODE, offset, length, language=tag.argument or None))

    def link_entity(self, url: str, offset: int, length: int) -> MessageEntity | None:
        user_match = _USER_LINK.match(url)
        if user_match:
            user_id = int(user_match.group(1))
            user = self.known_users.get(user_id)
            if user is not None:
                return MessageEntity(MessageEntity.TEXT_MENTION, offset, length, user=user)
            return MessageEntity(MessageEntity.TEXT_LINK, offset, length, url=url)
        checked = check_url(url)
        if checked is None:
            return None  # Telegram silently drops a link it cannot accept, keeping the text
        return MessageEntity(MessageEntity.TEXT_LINK, offset, length, url=checked)


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


def check_url(url: str) -> str | None:
    """Telegram's acceptance of a link target: http(s), tg, ton; a bare domain gets http://."""
    url = url.strip()
    if not url or any(ch in url for ch in ' \n\t<>"'):
        return None
    lowered = url.lower()
    if lowered.startswith(_URL_SCHEMES):
        return url
    if "://" not in url and ":" not in url.split("/", 1)[0] and _BARE_DOMAIN.match(url):
        return "http://" + url
    return None


def decode_entity(text: str, pos: int) -> tuple[str | None, int]:
    """Decodes the HTML entity at `text[pos] == "&"`: (character, end) or (None, pos) like tdlib."""
    end = pos + 1
    value = 0
    if end < len(text) and text[end] == "#":
        end += 1
        if end < len(text) and text[end] == "x":
            end += 1
            while end < len(text) and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
        else:
            while end < len(text) and text[end].isascii() and text[end].isdigit():
                value = value * 10 + int(text[end])
                end += 1
        if value == 0 or value >= 0x10FFFF or 0xD800 <= value <= 0xDFFF or end - pos >= 10:
            return None, pos
        char = chr(value)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return None, pos
        char = named
    if end < len(text) and text[end] == ";":
        end += 1
    return char, end
