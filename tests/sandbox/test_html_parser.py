"""Telegram's HTML: entities with UTF-16 offsets, and the errors Telegram gives for bad markup."""

from __future__ import annotations

import pytest
from telegram import MessageEntity, User

from sandbox.html_parser import HtmlParseError, parse_html
from sandbox.text import incoming_entities, trim, utf16_len


def spans(entities: list[MessageEntity]) -> list[tuple[str, int, int]]:
    return [(e.type, e.offset, e.length) for e in entities]


def test_nested_tags_become_nested_entities() -> None:
    text, entities = parse_html("<b>bold <i>both</i></b> plain")
    assert text == "bold both plain"
    assert spans(entities) == [("bold", 0, 9), ("italic", 5, 4)]


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        ("<b>x</b>", "bold"),
        ("<strong>x</strong>", "bold"),
        ("<i>x</i>", "italic"),
        ("<em>x</em>", "italic"),
        ("<u>x</u>", "underline"),
        ("<ins>x</ins>", "underline"),
        ("<s>x</s>", "strikethrough"),
        ("<strike>x</strike>", "strikethrough"),
        ("<del>x</del>", "strikethrough"),
        ("<tg-spoiler>x</tg-spoiler>", "spoiler"),
        ('<span class="tg-spoiler">x</span>', "spoiler"),
        ("<code>x</code>", "code"),
        ("<pre>x</pre>", "pre"),
        ("<blockquote>x</blockquote>", "blockquote"),
        ("<blockquote expandable>x</blockquote>", "expandable_blockquote"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "custom_emoji"),
    ],
)
def test_every_supported_tag(html: str, kind: str) -> None:
    _, entities = parse_html(html)
    assert [e.type for e in entities] == [kind]


def test_pre_with_code_language_is_one_pre_entity() -> None:
    text, entities = parse_html('<pre><code class="language-python">print(1)</code></pre>')
    assert text == "print(1)"
    assert len(entities) == 1
    assert (entities[0].type, entities[0].language) == ("pre", "python")


def test_links() -> None:
    text, entities = parse_html('<a href="https://example.org/?a=1&amp;b=2">站点</a> <a href="example.com">x</a>')
    assert text == "站点 x"
    assert [(e.type, e.url) for e in entities] == [
        ("text_link", "https://example.org/?a=1&b=2"),
        ("text_link", "http://example.com"),
    ]


def test_link_to_a_refused_scheme_keeps_the_text_and_drops_the_link() -> None:
    text, entities = parse_html('<a href="javascript:alert(1)">点我</a>')
    assert (text, entities) == ("点我", [])


def test_user_link_becomes_a_text_mention_for_a_known_user() -> None:
    user = User(42, "王五", is_bot=False)
    _, entities = parse_html('<a href="tg://user?id=42">王五</a>', known_users={42: user})
    assert entities[0].type == "text_mention"
    assert entities[0].user == user


def test_offsets_and_lengths_count_utf16_units() -> None:
    text, entities = parse_html("😀 <b>你好😀</b> <i>x</i>")
    assert text == "😀 你好😀 x"
    # The emoji outside the tag is 2 units; inside, 你好 is 2 and 😀 2 more.
    assert spans(entities) == [("bold", 3, 4), ("italic", 8, 1)]
    assert utf16_len(text) == 9


def test_html_entities_are_decoded() -> None:
    text, entities = parse_html("&lt;b&gt; &amp; &quot;q&quot; &#20320;&#x597D; &lt")
    assert text == '<b> & "q" 你好 <'
    assert entities == []


def test_decoded_entities_count_as_one_character_in_offsets() -> None:
    _, entities = parse_html("&lt;&gt;<b>x</b>")
    assert spans(entities) == [("bold", 2, 1)]


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("你好<p>x</p>", 'Unsupported start tag "p" at byte offset 6'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
        ("<a href>y</a>", 'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ("&nbsp;", 'Unescaped "&" at byte offset 0'),
    ],
)
def test_bad_markup_is_refused_with_telegrams_wording(html: str, message: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse_html(html)
    assert str(caught.value) == message


def test_a_bare_ampersand_passes_when_lenient_like_telegram() -> None:
    assert parse_html("Tom & Jerry", strict_ampersand=False) == ("Tom & Jerry", [])


def test_closing_tags_are_case_insensitive_and_tags_may_be_upper_case() -> None:
    text, entities = parse_html("<B>x</b>")
    assert (text, spans(entities)) == ("x", [("bold", 0, 1)])


def test_trim_strips_whitespace_and_moves_entities() -> None:
    text, entities = parse_html("\n  <b>标题</b>\n正文  \n")
    text, entities = trim(text, entities)
    assert text == "标题\n正文"
    assert spans(entities) == [("bold", 0, 2)]


def test_trim_drops_entities_inside_code() -> None:
    _, entities = trim(*parse_html("<code>a <b>b</b></code>"))
    assert spans(entities) == [("code", 0, 3)]


def test_commands_and_links_in_users_texts() -> None:
    found = incoming_entities("/start abc 看 https://example.org/x 和 /help@jingmin_bot")
    assert [(e.type, e.offset, e.length) for e in found] == [
        ("bot_command", 0, 6),
        ("url", 13, 21),
        ("bot_command", 37, 17),
    ]
    assert incoming_entities("a/b not/command") == []
